"""The whole audit path on the real stack: events published to Kafka, consumed into the log on
PostgreSQL, served over HTTP (uvicorn), read by an auditor through the SDK and verified offline."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from ledgerml.audit.adapters.db import MIGRATIONS
from ledgerml.audit.consumers import AuditConsumer, build_audit_log
from ledgerml.audit.main import create_app
from ledgerml.audit.settings import AuditSettings
from ledgerml.client import LedgerML
from ledgerml.client.audit import verify_offline
from ledgerml.client.connection import connect
from ledgerml.shared.messaging import OutboundRecord
from ledgerml.shared.messaging.kafka import KafkaEventSource, KafkaPublisher
from ledgerml.shared.persistence import create_db_engine
from ledgerml.shared.persistence.migrations import upgrade
from ledgerml.stack.pki import Consortium
from ledgerml.stack.serving import serve_app

from ..story import story

pytestmark = pytest.mark.integration
DEADLINE_S = 60


def _ingest(settings: AuditSettings, expected: int) -> None:
    engine = create_db_engine(settings.database_url_value)
    upgrade(engine, MIGRATIONS)
    source = KafkaEventSource(bootstrap=settings.kafka_bootstrap, group_id=settings.effective_consumer_group,
                              topics=settings.topics, client_id="audit-http-test", session_timeout_s=6)
    consumer = AuditConsumer(name="audit", engine=engine, source=source, log=build_audit_log(settings))
    applied, deadline = 0, time.monotonic() + DEADLINE_S
    try:
        while applied < expected:  # poll until every published event is in the log
            assert time.monotonic() < deadline, f"only {applied} of {expected} events consumed"
            applied += consumer.process_batch(timeout_s=0.5).applied
        consumer.process_batch(timeout_s=0.1)  # the tail's head is due at once (interval below)
    finally:
        consumer.close()
        engine.dispose()


def test_auditor_reads_proves_and_exports_over_http(fresh_postgres: str, kafka_bootstrap: str, unique: str,
                                                    consortium: Consortium,
                                                    audit_topics: Callable[[str], list[str]]) -> None:
    org = f"http{unique}"
    settings = AuditSettings(database_url=fresh_postgres, kafka_bootstrap=kafka_bootstrap, org=org, msp_id="Org1MSP",
                             msp_root=consortium.root, anchor_every_entries=4, anchor_interval_s=0.001,
                             identity_msp_dir=consortium.orgs["Org1MSP"].identity("audit").msp_dir)
    assert audit_topics(org) == settings.topics
    envelopes = story(org)
    publisher = KafkaPublisher(bootstrap=kafka_bootstrap, client_id="audit-http-test")
    publisher.publish([OutboundRecord(topic=f"{org}.{e.type.domain}", key=e.key, value=e.to_json()) for e in envelopes])
    publisher.close()
    from ledgerml.audit.adapters.db import MIGRATIONS
    from ledgerml.shared.persistence.migrations import upgrade

    upgrade(create_db_engine(fresh_postgres), MIGRATIONS)
    _ingest(settings, len(envelopes))

    with serve_app(create_app(settings)) as url:
        auditor = LedgerML(connect("org3", pki_root=consortium.root, endpoints={"Org1MSP": {"audit": url}}))
        audit = auditor.audit
        timeline = list(audit.timeline(log_org="org1", page_size=4))
        assert sorted(i["entry"]["event_id"] for i in timeline) == sorted(e.id for e in envelopes)
        assert len(list(audit.timeline(log_org="org1", dataset_id="xrays", action="access.*"))) == 3
        recent = datetime.now(UTC) - timedelta(days=1)
        assert list(audit.timeline(log_org="org1", since=recent)) == []  # story events are dated 2026-03-01

        lineage = audit.lineage("model-1", log_org="org1")
        assert lineage["job"]["status"] == "completed" and lineage["grants"][0]["in_force"] is True

        heads = audit.tree_heads(log_org="org1")["items"]
        assert [h["tree_size"] for h in heads] == [4, 8, 11]
        assert {h["ledger"]["state"] for h in heads} == {"pending"}  # AnchorAuditRoot waits for a ledger
        proof = audit.proof(5, log_org="org1")
        checked = verify_offline(proof["entry"], proof, root_hex=heads[-1]["root_hash"])
        assert checked.proof_valid and checked.root_confirmed and checked.head_signature == "valid"
        assert audit.consistency(4, 11, log_org="org1")["proof"]

        assert audit.verify(proof["entry"], proof, log_org="org1")["valid"] is True  # auditors may check proofs
        assert audit.verify_log(log_org="org1")["ok"] is True
        assert audit.gaps(log_org="org1")["gaps"] == []

        buffer = io.BytesIO()
        audit.export(buffer, fmt="csv", log_org="org1", job_id="job-1")
        assert len(list(csv.DictReader(io.StringIO(buffer.getvalue().decode())))) == 5
        assert "data:image/png;base64," in audit.report("model", "model-1", log_org="org1")
        auditor.close()
