"""Model records from training events, who may read them, and verification against a ledger port."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from ledgerml.registry import service
from ledgerml.registry import service_trained_models as models_service
from ledgerml.registry.errors import NotModelParty
from ledgerml.registry.lineage import ModelRecord, metrics_hash
from ledgerml.shared.errors import NotFound
from ledgerml.shared.events.schemas import DatasetVersionRef, TrainingCompleted, TrainingRequested, VersionStored
from ledgerml.shared.identity import Principal
from ledgerml.shared.ledger import UnconfiguredLedger

from .fakes import AUDITOR, AUDITORS, ORG1_USER, ORG2_USER, T0, AnsweringLedger, FakeCatalog, FakeModels, FakeWrites

ROOT, MODEL, CODE, TRANSCRIPT = "ab" * 32, "11" * 32, "22" * 32, "33" * 32
METRICS = {"accuracy": 0.91, "loss": 0.2}
OUTSIDER = Principal("Org4MSP", ORG2_USER.role, "CN=User1@org4")


def trained(*, with_request: bool = True) -> tuple[FakeModels, FakeCatalog, ModelRecord]:
    models, catalog, writes = FakeModels(), FakeCatalog(), FakeWrites()
    service.register_dataset(store=catalog, writes=writes, principal=ORG1_USER, registry_org="Org1MSP",
                             auditor_orgs=AUDITORS, dataset_id="cxr", name="X", description="", terms="t",
                             schema={"a": "string"}, tags=[], price_per_job=5)
    service.record_stored_version(store=catalog, writes=writes, registry_org="Org1MSP", event_id="e", now=T0,
                                  stored=VersionStored(dataset_id="cxr", version="v1", merkle_root=ROOT,
                                                       size_bytes=9, chunk_count=1, chunk_size=9))
    if with_request:
        models_service.record_training_request(models=models, now=T0, requested=TrainingRequested(
            job_id="job-1", requester_org="Org2MSP", algorithm="logreg", code_sha256=CODE,
            datasets=(DatasetVersionRef(dataset_id="cxr", version="v1"),), deposit=10, ledger_tx_id="tx-req"))
    record = models_service.record_training_result(models=models, catalog=catalog, producer_org="Org1MSP", now=T0,
                                                   completed=TrainingCompleted(
                                                       job_id="job-1", model_sha256=MODEL, transcript_root=TRANSCRIPT,
                                                       metrics=METRICS, ledger_tx_id="tx-res"))
    return models, catalog, record


def ledger_model(record: ModelRecord, **lineage: Any) -> bytes:
    """A `Model` record as the chaincode serialises it (chaincode/internal/core/training/model.go)."""
    body = {"job_id": record.job_id, "algorithm": {"name": record.algorithm, "code_hash": record.code_hash},
            "hyperparameters_hash": record.hyperparameters_hash, "transcript_root": record.transcript_root,
            "metrics_hash": record.metrics_hash,
            "inputs": [{"dataset_id": i.dataset_id, "version": i.version, "merkle_root": i.merkle_root,
                        "owner": i.owner_org, "price": 5, "grant_request_id": "r1"} for i in record.inputs]}
    return json.dumps({"schema_version": 2, "model_hash": record.model_id, "holder": record.holder_org,
                       "producer": record.producer_org, "lineage": {**body, **lineage}, "tx_id": "tx-res"}).encode()


def test_a_completed_job_becomes_a_model_with_its_lineage() -> None:
    models, _, record = trained()
    assert (record.model_id, record.job_id, record.holder_org, record.producer_org) == (MODEL, "job-1", "Org2MSP",
                                                                                         "Org1MSP")
    assert (record.algorithm, record.code_hash, record.transcript_root) == ("logreg", CODE, TRANSCRIPT)
    assert [(i.dataset_id, i.version, i.merkle_root, i.owner_org) for i in record.inputs] == [
        ("cxr", "v1", ROOT, "Org1MSP")]
    assert record.metrics_hash == metrics_hash(METRICS) == metrics_hash({"loss": 0.2, "accuracy": 0.91})
    # No event carries the hyperparameters' hash today, so the lineage says it is incomplete.
    assert record.hyperparameters_hash is None and not record.lineage_complete
    assert models_service.list_models(models=models, principal=ORG2_USER, auditor_orgs=AUDITORS, dataset_id="cxr",
                                      job_id=None, limit=10) == [record]


def test_a_result_without_its_request_is_kept_with_what_is_known() -> None:
    _, _, record = trained(with_request=False)
    assert (record.holder_org, record.inputs, record.producer_org) == (None, (), "Org1MSP")


@pytest.mark.parametrize("reader", [ORG1_USER, ORG2_USER, AUDITOR])
def test_holder_producer_and_auditors_read_models(reader: Principal) -> None:
    models, _, record = trained()
    assert models_service.get_model(models=models, principal=reader, auditor_orgs=AUDITORS, model_id=MODEL) == record


def test_other_organisations_neither_read_nor_list_models() -> None:
    models, _, _ = trained()
    with pytest.raises(NotModelParty):
        models_service.get_model(models=models, principal=OUTSIDER, auditor_orgs=AUDITORS, model_id=MODEL)
    assert models_service.list_models(models=models, principal=OUTSIDER, auditor_orgs=AUDITORS,
                                      dataset_id=None, job_id="job-1", limit=10) == []
    with pytest.raises(NotFound):
        models_service.get_model(models=models, principal=AUDITOR, auditor_orgs=AUDITORS, model_id="00" * 32)


def verify(models: FakeModels, catalog: FakeCatalog, ledger: Any) -> Any:
    return models_service.verify_model(models=models, catalog=catalog, ledger=ledger, principal=AUDITOR,
                                       auditor_orgs=AUDITORS, model_id=MODEL)


def test_without_a_ledger_local_checks_are_reported_and_nothing_is_verified() -> None:
    models, catalog, _ = trained()
    result = verify(models, catalog, UnconfiguredLedger())
    assert not result.ledger_available and not result.verified and result.ledger == ()
    assert result.ledger_error_code == "LML-5004"
    statuses = {c.field: c.status for c in result.local}
    assert statuses == {"metrics_hash": "match", "inputs[0].merkle_root": "match", "hyperparameters_hash": "missing"}


def test_a_matching_ledger_record_verifies_every_field() -> None:
    models, catalog, record = trained()
    complete = replace(record, hyperparameters_hash="44" * 32)
    models.records[MODEL] = complete
    ledger = AnsweringLedger({"GetModel": ledger_model(complete)})
    result = verify(models, catalog, ledger)
    assert ledger.calls == [("GetModel", [MODEL])]
    assert result.verified, [c for c in result.local + result.ledger if c.status != "match"]
    assert {c.field for c in result.ledger} >= {"model_hash", "holder_org", "producer_org", "job_id", "code_hash",
                                                "hyperparameters_hash", "transcript_root", "metrics_hash",
                                                "inputs[0].merkle_root"}


@pytest.mark.parametrize(("tamper", "field"), [
    ({"metrics": (("accuracy", 0.99), ("loss", 0.2))}, "metrics_hash"),
    ({"transcript_root": "55" * 32}, "transcript_root"),
    ({"code_hash": "66" * 32}, "code_hash"),
])
def test_a_tampered_local_record_is_caught(tamper: dict[str, Any], field: str) -> None:
    models, catalog, record = trained()
    complete = replace(record, hyperparameters_hash="44" * 32)
    ledger = AnsweringLedger({"GetModel": ledger_model(complete)})
    models.records[MODEL] = replace(complete, **tamper)
    result = verify(models, catalog, ledger)
    assert not result.verified
    assert field in {c.field for c in result.local + result.ledger if c.status == "mismatch"}


def test_a_ledger_lineage_with_another_root_is_a_mismatch() -> None:
    models, catalog, record = trained()
    forged = [{"dataset_id": "cxr", "version": "v1", "merkle_root": "77" * 32, "owner": "Org1MSP"}]
    result = verify(models, catalog, AnsweringLedger({"GetModel": ledger_model(record, inputs=forged)}))
    assert [c.field for c in result.ledger if c.status == "mismatch"] == ["inputs[0].merkle_root"]
    unreadable = verify(models, catalog, AnsweringLedger({"GetModel": b"not json"}))
    assert not unreadable.verified and not unreadable.ledger_available


def test_a_model_made_from_ledger_events_alone_verifies() -> None:
    """The bridge's events carry the hyperparameters' hash and only the metrics' hash (the ledger keeps no
    metrics): the record takes both, and every field then matches the ledger's record."""
    models, catalog, writes = FakeModels(), FakeCatalog(), FakeWrites()
    service.register_dataset(store=catalog, writes=writes, principal=ORG1_USER, registry_org="Org1MSP",
                             auditor_orgs=AUDITORS, dataset_id="cxr", name="X", description="", terms="t",
                             schema={"a": "string"}, tags=[], price_per_job=5)
    service.record_stored_version(store=catalog, writes=writes, registry_org="Org1MSP", event_id="e", now=T0,
                                  stored=VersionStored(dataset_id="cxr", version="v1", merkle_root=ROOT,
                                                       size_bytes=9, chunk_count=1, chunk_size=9))
    models_service.record_training_request(models=models, now=T0, requested=TrainingRequested(
        job_id="job-1", requester_org="Org2MSP", algorithm="logreg", code_sha256=CODE, hyperparameters_sha256="44" * 32,
        datasets=(DatasetVersionRef(dataset_id="cxr", version="v1"),), deposit=10, ledger_tx_id="tx-req"))
    record = models_service.record_training_result(
        models=models, catalog=catalog, producer_org="unknown", now=T0,
        completed=TrainingCompleted(job_id="job-1", model_sha256=MODEL, transcript_root=TRANSCRIPT,
                                    ledger_tx_id="tx-res", metrics_sha256=metrics_hash(METRICS)))
    assert (record.hyperparameters_hash, record.metrics_hash, record.metrics) == ("44" * 32, metrics_hash(METRICS), ())
    assert record.lineage_complete
    result = verify(models, catalog, AnsweringLedger({"GetModel": ledger_model(record)}))
    assert result.verified, [c for c in result.local + result.ledger if c.status != "match"]
    assert "metrics_hash" not in {c.field for c in result.local}  # nothing to recompute it from
