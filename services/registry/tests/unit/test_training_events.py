"""Training events become model records through the registry's consumers: the orchestrator's own
`<org>.training` topic and the ledger bridge's `<org>.ledger` (SQLite, events from a list)."""

from __future__ import annotations

from sqlalchemy import Engine

from ledgerml.registry import service
from ledgerml.registry.adapters.catalog_store import SqlCatalog
from ledgerml.registry.adapters.model_store import SqlModels
from ledgerml.registry.adapters.outboxes import SqlLedgerWrites
from ledgerml.registry.consumers import ledger_handler, training_handler
from ledgerml.registry.lineage import ModelRecord, metrics_hash
from ledgerml.shared.events import Envelope, EventData
from ledgerml.shared.events.schemas import DatasetVersionRef, TrainingCompleted, TrainingRequested, VersionStored
from ledgerml.shared.messaging import EventHandler, IdempotentConsumer, InboundRecord
from ledgerml.stack.testing.fakes import ListSource

from .fakes import AUDITORS, ORG1_USER, T0

ROOT, MODEL, CODE, TRANSCRIPT = "ab" * 32, "11" * 32, "22" * 32, "33" * 32
REQUESTED = TrainingRequested(job_id="job-1", requester_org="Org2MSP", algorithm="logreg", code_sha256=CODE,
                              datasets=(DatasetVersionRef(dataset_id="cxr", version="v1"),), deposit=10,
                              ledger_tx_id="tx-req")
COMPLETED = TrainingCompleted(job_id="job-1", model_sha256=MODEL, transcript_root=TRANSCRIPT,
                              metrics={"accuracy": 0.9}, ledger_tx_id="tx-res")


def deliver(engine: Engine, handler: EventHandler, *events: EventData, source: str) -> None:
    feed = ListSource()
    for i, data in enumerate(events):
        envelope = Envelope.wrap(data, source=source, subject="job-1", sequence=i + 1, event_id=f"tx{i}:0", time=T0)
        feed.records.append(InboundRecord("t", 0, i, envelope.key, envelope.to_json()))
    IdempotentConsumer(name="registry-test", engine=engine, source=feed, handler=handler).process_batch()


def model(engine: Engine) -> ModelRecord | None:
    with engine.connect() as conn:
        return SqlModels(conn).model(MODEL)


def test_the_orchestrators_events_make_a_model_with_catalog_roots(engine: Engine) -> None:
    with engine.begin() as conn:
        store, writes = SqlCatalog(conn), SqlLedgerWrites(conn)
        service.register_dataset(store=store, writes=writes, principal=ORG1_USER, registry_org="Org1MSP",
                                 auditor_orgs=AUDITORS, dataset_id="cxr", name="X", description="", terms="t",
                                 schema={"a": "string"}, tags=[], price_per_job=1)
        service.record_stored_version(store=store, writes=writes, registry_org="Org1MSP", event_id="s", now=T0,
                                      stored=VersionStored(dataset_id="cxr", version="v1", merkle_root=ROOT,
                                                           size_bytes=4, chunk_count=1, chunk_size=4))
    deliver(engine, training_handler(registry_org="Org1MSP"), REQUESTED, COMPLETED, COMPLETED,
            source="org1/training-orchestrator")
    record = model(engine)
    assert record is not None
    assert (record.job_id, record.holder_org, record.producer_org, record.code_hash) == ("job-1", "Org2MSP",
                                                                                       "Org1MSP", CODE)
    assert [(i.dataset_id, i.version, i.merkle_root, i.owner_org) for i in record.inputs] == [
        ("cxr", "v1", ROOT, "Org1MSP")]
    assert (record.transcript_root, record.metrics_hash, record.tx_id) == (TRANSCRIPT, metrics_hash({"accuracy": 0.9}),
                                                                          "tx-res")


def test_a_bridged_result_for_unknown_datasets_does_not_invent_a_producer(engine: Engine) -> None:
    deliver(engine, ledger_handler(registry_org="Org3MSP"), REQUESTED, COMPLETED, source="org3/ledger-bridge")
    record = model(engine)
    assert record is not None and record.producer_org == "unknown" and record.holder_org == "Org2MSP"
    assert [(i.merkle_root, i.owner_org) for i in record.inputs] == [(None, None)] and not record.lineage_complete


def test_a_recorded_model_is_announced_once_for_the_organisations_audit_log(engine: Engine) -> None:
    deliver(engine, ledger_handler(registry_org="Org3MSP", org="org3"), REQUESTED, COMPLETED, COMPLETED,
            source="org3/ledger-bridge")
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT event_type, topic, record_key FROM lml_outbox").all()
    assert [tuple(r) for r in rows] == [("ledgerml.registry.model.registered.v1", "org3.registry", MODEL)]
