"""Chaincode events become the typed envelopes `<org>.ledger` consumers read, or are skipped with a reason."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ledgerml.shared.bridge import Mapped, Skip, map_event
from ledgerml.shared.bridge.mapping import UNMAPPED
from ledgerml.shared.events import Envelope, EventType
from ledgerml.shared.events import schemas as ev
from ledgerml.shared.events.bridged import bridge_envelope
from ledgerml.shared.events.types import ChaincodeEventName as Name

from . import chaincode_payloads as cc

LATER = datetime(2030, 1, 1, 0, 5, tzinfo=UTC)

CASES = [
    ("DatasetRegistered", cc.dataset(), EventType.REGISTRY_DATASET_REGISTERED, "cxr"),
    ("DatasetVersionRegistered", cc.version(), EventType.REGISTRY_VERSION_REGISTERED, "cxr"),
    ("AccessRequested", cc.request(), EventType.ACCESS_REQUEST_CREATED, "r1"),
    ("AccessGranted", cc.request(status="GRANTED", conditions=cc.GRANTED), EventType.ACCESS_GRANT_ISSUED, "r1"),
    ("AccessDenied", cc.request(status="DENIED", reason="no resale"), EventType.ACCESS_GRANT_DENIED, "r1"),
    ("AccessRevoked", cc.request(status="REVOKED", conditions=cc.GRANTED), EventType.ACCESS_GRANT_REVOKED, "r1"),
    ("TrainingRequested", cc.job(), EventType.TRAINING_JOB_REQUESTED, "j1"),
    ("TrainingAccepted", cc.job(status="ACCEPTED"), EventType.TRAINING_JOB_ACCEPTED, "j1"),
    ("TrainingSucceeded", cc.job(status="SUCCEEDED", result={"model_hash": cc.H3, "transcript_root": cc.H1,
                                                             "metrics_hash": ""}),
     EventType.TRAINING_JOB_COMPLETED, "j1"),
    ("TrainingFailed", cc.job(status="FAILED", failure_reason="oom"), EventType.TRAINING_JOB_FAILED, "j1"),
    ("TrainingExpired", cc.job(status="EXPIRED"), EventType.TRAINING_JOB_FAILED, "j1"),
    ("TrainingCancelled", cc.job(status="CANCELLED"), EventType.TRAINING_JOB_FAILED, "j1"),
    ("AuditRootAnchored", cc.anchor(), EventType.AUDIT_TREE_HEAD_ANCHORED, "org1-audit"),
]


@pytest.mark.parametrize(("name", "payload", "event_type", "subject"), CASES, ids=[c[0] for c in CASES])
def test_each_chaincode_event_maps_to_its_typed_envelope(name: str, payload: object, event_type: EventType,
                                                         subject: str) -> None:
    event = cc.event(name, payload, block=9, index=2)
    mapped = map_event(event)
    assert isinstance(mapped, Mapped)
    envelope = bridge_envelope(mapped.data, org="org2", tx_id=event.tx_id, index=event.index, sequence=4,
                               subject=mapped.subject, time=mapped.time)
    decoded = Envelope.from_json(envelope.to_json())
    assert decoded == envelope and decoded.type is event_type and decoded.subject == subject
    assert (decoded.id, decoded.source, decoded.sequence) == (event.event_id, "org2/ledger-bridge", 4)
    assert getattr(decoded.data, "ledger_tx_id", event.tx_id) == event.tx_id
    assert decoded.time >= datetime(2030, 1, 1, tzinfo=UTC), "the record's transaction time, not the bridge's clock"


def test_every_chaincode_event_is_mapped_or_deliberately_unmapped() -> None:
    assert UNMAPPED == {Name.CREDITS_MINTED, Name.CREDITS_TRANSFERRED}
    assert map_event(cc.event("CreditsMinted", cc.minted())) is Skip.UNMAPPED


def test_dataset_carries_the_public_catalog_metadata() -> None:
    mapped = map_event(cc.event("DatasetRegistered", cc.dataset(), block=3))
    assert isinstance(mapped, Mapped) and isinstance(mapped.data, ev.DatasetRegistered)
    d = mapped.data
    assert (d.name, d.description, d.tags, d.columns) == ("Chest X-rays", "frontal views", ("imaging", "cxr"),
                                                          ("age", "label"))
    assert (d.owner_org, d.terms, d.price_per_job, d.block_number) == ("Org1MSP", "research", 3, 3)
    plain = map_event(cc.event("DatasetRegistered", cc.dataset("loans", metadata="not json")))
    assert isinstance(plain, Mapped) and isinstance(plain.data, ev.DatasetRegistered)
    assert (plain.data.name, plain.data.tags) == ("loans", ())


def test_access_request_reads_go_zero_values_as_absent() -> None:
    unset = map_event(cc.event("AccessRequested", cc.request()))
    assert isinstance(unset, Mapped) and isinstance(unset.data, ev.AccessRequested)
    assert (unset.data.requested_expiry, unset.data.algorithm_code_hash, unset.data.owner_org) == (None, None,
                                                                                                   "Org1MSP")
    assert unset.time == LATER
    told = map_event(cc.event("AccessRequested", cc.request(expiry="2030-03-01T00:00:00Z", code_hash=cc.H2)))
    assert isinstance(told, Mapped) and isinstance(told.data, ev.AccessRequested)
    assert (told.data.requested_expiry, told.data.algorithm_code_hash) == (datetime(2030, 3, 1, tzinfo=UTC), cc.H2)


def test_grant_and_training_keep_what_the_projection_charges_jobs_by() -> None:
    granted = map_event(cc.event("AccessGranted", cc.request(status="GRANTED", conditions=cc.GRANTED)))
    assert isinstance(granted, Mapped) and isinstance(granted.data, ev.GrantIssued)
    assert (granted.data.grant_id, granted.data.max_jobs, granted.data.compute_only) == ("r1", 2, True)
    requested = map_event(cc.event("TrainingRequested", cc.job()))
    assert isinstance(requested, Mapped) and isinstance(requested.data, ev.TrainingRequested)
    assert requested.data.datasets == (ev.DatasetVersionRef(dataset_id="cxr", version="v1", owner_org="Org1MSP",
                                                            grant_request_id="r1"),)
    assert (requested.data.algorithm, requested.data.code_sha256, requested.data.hyperparameters_sha256) == (
        "logreg", cc.H2, None)
    expired = map_event(cc.event("TrainingExpired", cc.job(status="EXPIRED")))
    assert isinstance(expired, Mapped) and isinstance(expired.data, ev.TrainingFailed)
    assert expired.data.reason == "expired"


@pytest.mark.parametrize(("name", "payload"), [
    ("AccessGranted", b"{not json"),
    ("AccessGranted", {"request_id": "r1"}),  # not a whole record
    ("AccessGranted", cc.request(status="GRANTED")),  # a grant without conditions
    ("TrainingSucceeded", cc.job(status="SUCCEEDED")),  # success without a result
    ("AuditRootAnchored", {**cc.anchor(), "root_hash": "XYZ"}),  # not a SHA-256
    ("AccessRequested", cc.request(request_id="")),  # no subject
], ids=["json", "partial", "grant-without-conditions", "success-without-result", "bad-hash", "empty-id"])
def test_unreadable_payloads_are_malformed(name: str, payload: object) -> None:
    assert map_event(cc.event(name, payload)) is Skip.MALFORMED


def test_unknown_names_are_reported_as_unknown() -> None:
    assert map_event(cc.event("SomethingNew", {"x": 1})) is Skip.UNKNOWN


def test_a_succeeded_job_carries_the_metrics_hash_the_ledger_recorded() -> None:
    done = map_event(cc.event("TrainingSucceeded", cc.job(status="SUCCEEDED", result={
        "model_hash": cc.H3, "transcript_root": cc.H1, "metrics_hash": cc.H2})))
    assert isinstance(done, Mapped) and isinstance(done.data, ev.TrainingCompleted)
    assert (done.data.metrics_sha256, done.data.metrics) == (cc.H2, {})
