"""Bridge envelopes and raw chaincode events become the same projection facts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ledgerml.access_control.domain import Purpose, RequestState
from ledgerml.access_control.facts import Answered, DatasetKnown, JobCharged, JobReleased, RequestSeen
from ledgerml.access_control.ledger_events import fact_from_chaincode, fact_from_envelope
from ledgerml.shared.bridge import Mapped, map_event
from ledgerml.shared.errors import EventRejected
from ledgerml.shared.events import Envelope
from ledgerml.shared.events import schemas as ev
from ledgerml.shared.events.bridged import bridge_envelope
from ledgerml.shared.ledger import ChaincodeEvent

from .fakes import T0, Bridge, cc_dataset, cc_request, chaincode


def test_envelopes_map_to_facts_with_the_ledger_reference() -> None:
    bridge = Bridge()
    fact = fact_from_envelope(bridge.envelope(ev.GrantIssued(
        grant_id="r1", request_id="r1", dataset_id="cxr", grantee_org="Org2MSP", expires_at=T0, max_jobs=3,
        compute_only=True, ledger_tx_id="abc"), "r1", tx="abc"))
    assert isinstance(fact, Answered)
    assert (fact.state, fact.max_jobs, fact.compute_only, fact.expires_at) == (RequestState.GRANTED, 3, True, T0)
    assert (fact.ref.event_id, fact.ref.tx_id, fact.ref.index, fact.ref.block_number) == ("abc:0", "abc", 0, None)
    dataset = fact_from_envelope(bridge.envelope(ev.DatasetRegistered(
        dataset_id="cxr", owner_org="Org1MSP", name="cxr", ledger_tx_id="t9", block_number=41), "cxr", tx="t9"))
    assert isinstance(dataset, DatasetKnown) and (dataset.ref.block_number, dataset.ref.tx_id) == (41, "t9")
    seen = fact_from_envelope(bridge.requested(purpose="evaluate"))
    assert isinstance(seen, RequestSeen) and seen.purpose is Purpose.EVALUATE
    revoked = fact_from_envelope(bridge.revoked("r9"))
    assert isinstance(revoked, Answered) and (revoked.request_id, revoked.state) == ("r9", RequestState.REVOKED)
    denied = fact_from_envelope(bridge.denied())
    assert isinstance(denied, Answered) and denied.reason == "not for resale"


def test_unknown_purpose_is_kept_unusable() -> None:
    seen = fact_from_envelope(Bridge().requested(purpose="resell"))
    assert isinstance(seen, RequestSeen) and seen.purpose is None


def test_training_events_charge_and_release() -> None:
    bridge = Bridge()
    charged = fact_from_envelope(bridge.envelope(ev.TrainingRequested(
        job_id="j1", requester_org="Org2MSP", algorithm="resnet", code_sha256="a" * 64,
        datasets=(ev.DatasetVersionRef(dataset_id="cxr", version="v1"),), deposit=5, ledger_tx_id="t"), "j1"))
    assert isinstance(charged, JobCharged) and charged.inputs == (("cxr", None),)
    released = fact_from_envelope(bridge.envelope(ev.TrainingFailed(job_id="j1", reason="oom"), "j1"))
    assert isinstance(released, JobReleased)
    assert fact_from_envelope(bridge.envelope(ev.TrainingAccepted(job_id="j1", executor_org="Org1MSP",
                                                                  ledger_tx_id="t"), "j1")) is None


def test_only_the_bridge_speaks_for_the_ledger() -> None:
    forged = Envelope.wrap(ev.GrantIssued(grant_id="r1", request_id="r1", dataset_id="cxr", grantee_org="Org2MSP",
                                          expires_at=T0, max_jobs=1, ledger_tx_id="t"),
                           source="org2/access-control", subject="r1", sequence=1)
    with pytest.raises(EventRejected, match="ledger-bridge"):
        fact_from_envelope(forged)


def test_chaincode_payloads_map_to_facts() -> None:
    conditions = {"expires_at": (T0 + timedelta(days=1)).isoformat(), "max_jobs": 0, "compute_only": False}
    granted = fact_from_chaincode(chaincode("AccessGranted", cc_request(status="GRANTED", conditions=conditions),
                                            block=7, index=2, tx="tx7"))
    assert isinstance(granted, Answered)
    assert (granted.ref.block_number, granted.ref.index, granted.ref.event_id) == (7, 2, "tx7:2")
    assert granted.max_jobs == 0 and granted.expires_at == T0 + timedelta(days=1)
    seen = fact_from_chaincode(chaincode("AccessRequested", cc_request(), block=6))
    assert isinstance(seen, RequestSeen) and seen.owner_org == "Org1MSP"
    assert isinstance(fact_from_chaincode(chaincode("DatasetRegistered", cc_dataset(), block=1)), DatasetKnown)
    job = {"job": {"job_id": "j", "consumer": "Org2MSP", "inputs": [{"dataset_id": "cxr", "grant_request_id": "r1"}],
                   "updated_at": T0.isoformat()}}
    charged = fact_from_chaincode(chaincode("TrainingRequested", job, block=8))
    assert isinstance(charged, JobCharged) and charged.inputs == (("cxr", "r1"),)
    assert isinstance(fact_from_chaincode(chaincode("TrainingCancelled", job, block=9)), JobReleased)
    assert fact_from_chaincode(chaincode("CreditsMinted", {"x": 1}, block=9)) is None


def test_unreadable_chaincode_payload_is_rejected() -> None:
    with pytest.raises(EventRejected):
        fact_from_chaincode(chaincode("AccessGranted", {"request_id": "r1"}, block=1))


def _through_the_bridge(event: ChaincodeEvent) -> Envelope:
    mapped = map_event(event)
    assert isinstance(mapped, Mapped)
    return bridge_envelope(mapped.data, org="org1", tx_id=event.tx_id, index=event.index, sequence=1,
                           subject=mapped.subject, time=mapped.time)


def test_the_kafka_path_and_the_ledger_replay_give_the_same_facts() -> None:
    """The bridge's envelope of a chaincode event projects exactly as the raw event replayed from the ledger."""
    conditions = {"expires_at": (T0 + timedelta(days=1)).isoformat(), "max_jobs": 2, "compute_only": True}
    job = {"job": {"job_id": "j", "consumer": "Org2MSP", "owner": "Org1MSP", "status": "REQUESTED", "deposit": 1,
                   "algorithm": {"name": "logreg", "code_hash": "c" * 64},
                   "inputs": [{"dataset_id": "cxr", "version": "v1", "grant_request_id": "r1"}],
                   "updated_at": T0.isoformat()}}
    events = [chaincode("DatasetRegistered", cc_dataset(), block=1),
              chaincode("AccessRequested", {**cc_request(), "algorithm_code_hash": "a" * 64}, block=2, index=1),
              chaincode("AccessGranted", cc_request(status="GRANTED", conditions=conditions), block=3),
              chaincode("AccessDenied", {**cc_request("r2", status="DENIED"), "reason": "no"}, block=4),
              chaincode("TrainingRequested", job, block=5)]
    for event in events:
        assert fact_from_envelope(_through_the_bridge(event)) == fact_from_chaincode(event), event.name
    revoked = fact_from_envelope(_through_the_bridge(chaincode("AccessRevoked", cc_request(status="REVOKED"),
                                                               block=6)))
    assert isinstance(revoked, Answered) and (revoked.request_id, revoked.state) == ("r1", RequestState.REVOKED)
    cancelled = chaincode("TrainingCancelled", {"job": {**job["job"], "status": "CANCELLED"}}, block=7)
    released = fact_from_envelope(_through_the_bridge(cancelled))
    assert isinstance(released, JobReleased) and released.job_id == "j"
