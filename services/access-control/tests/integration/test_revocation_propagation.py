"""Revocation propagation on the real broker: grant, allowed, revoke, denied within 1 s of publication.

What is exercised: the ledger→Kafka bridge's output format (one envelope per chaincode event on
`<org>.ledger`, id = tx_id:index, source `<org>/ledger-bridge`) published onto the stack's real Kafka,
the real projection consumer (`build_consumers`, the `consume` command's loop) and `POST /decisions`
over HTTP with real tokens. What is NOT exercised: the ledger commit itself and the bridge reading it
(Fabric cannot run here, docs/decisions/0002); this test publishes what the bridge would publish.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from ledgerml.shared.events import EventData, topic_for
from ledgerml.shared.events import schemas as ev
from ledgerml.shared.events.bridged import bridge_envelope
from ledgerml.shared.messaging import OutboundRecord
from ledgerml.shared.messaging.kafka import KafkaPublisher

from .conftest import Callers, Launch, projection_consumer

pytestmark = pytest.mark.integration


def poll_until(check: Callable[[], dict[str, object]], want_allow: bool, deadline_s: float) -> dict[str, object]:
    end = time.monotonic() + deadline_s
    while True:
        answer = check()
        if answer["allow"] is want_allow or time.monotonic() > end:
            return answer
        time.sleep(0.01)  # poll


def test_revocation_denies_within_one_second(launch: Launch, callers: Callers, kafka_bootstrap: str) -> None:
    org1 = launch("Org1MSP")
    topic = topic_for(org1.settings.org, "ledger")
    publisher = KafkaPublisher(bootstrap=kafka_bootstrap, client_id=f"{org1.settings.org}-test-bridge")
    sequence = iter(range(1, 100))

    def publish(data: EventData, subject: str, tx_id: str) -> None:
        envelope = bridge_envelope(data, org=org1.settings.org, tx_id=tx_id, index=0, sequence=next(sequence),
                                   subject=subject)
        publisher.publish([OutboundRecord(topic=topic, key=envelope.key, value=envelope.to_json())])

    body = {"organisation": "Org2MSP", "dataset_id": "cxr", "purpose": "train"}

    def decide() -> dict[str, object]:
        r = httpx.post(f"{org1.url}/decisions", json=body, headers=callers("Org1MSP", "storage"), timeout=5)
        assert r.status_code == 200, r.text
        answer: dict[str, object] = r.json()
        return answer

    expires = datetime.now(UTC) + timedelta(days=1)
    try:
        with projection_consumer(org1):
            publish(ev.DatasetRegistered(dataset_id="cxr", owner_org="Org1MSP", name="cxr", ledger_tx_id="tx1"),
                    "cxr", "tx1")
            publish(ev.AccessRequested(request_id="r1", dataset_id="cxr", requester_org="Org2MSP", purpose="train",
                                       ledger_tx_id="tx2"), "r1", "tx2")
            publish(ev.GrantIssued(grant_id="r1", request_id="r1", dataset_id="cxr", grantee_org="Org2MSP",
                                   expires_at=expires, max_jobs=3, ledger_tx_id="tx3"), "r1", "tx3")
            allowed = poll_until(decide, True, deadline_s=30)  # includes the consumer group's first join
            assert (allowed["allow"], allowed["reason"], allowed["grant_id"]) == (True, "GRANTED", "r1")

            started = time.perf_counter()
            publish(ev.GrantRevoked(grant_id="r1", dataset_id="cxr", grantee_org="Org2MSP", ledger_tx_id="tx4"),
                    "r1", "tx4")
            denied = poll_until(decide, False, deadline_s=5)
            elapsed = time.perf_counter() - started
    finally:
        publisher.close()
    assert (denied["allow"], denied["reason"]) == (False, "REVOKED")
    assert elapsed < 1.0, f"revocation took {elapsed:.3f}s from publication to a denying decision"
