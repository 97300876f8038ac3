"""A model's lineage from entries alone: job, dataset versions with roots, grants in force, result."""

from __future__ import annotations

import datetime as dt

from ledgerml.audit.lineage import dataset_overview, model_lineage
from ledgerml.audit.normalise import normalise
from ledgerml.shared.events import schemas as s

from ..story import H1, H2, START, Producer, minutes, story


def _records(envelopes: list) -> list:  # type: ignore[type-arg]
    return [(i, normalise(e)) for i, e in enumerate(envelopes)]


def test_lineage_names_job_datasets_grants_in_force_and_result() -> None:
    lineage = model_lineage("model-1", _records(story()))
    assert lineage["model"]["model_sha256"] == H2 and lineage["model"]["owner_org"] == "Org2MSP"
    job = lineage["job"]
    assert job["job_id"] == "job-1" and job["status"] == "completed" and job["requester_org"] == "Org2MSP"
    assert job["accepted_by"] == "Org1MSP" and job["result"]["metrics"] == {"accuracy": 0.91}
    assert lineage["datasets"] == [{"dataset_id": "xrays", "version": "v1", "merkle_root": H1,
                                    "owner_org": "Org1MSP", "entries": [0, 1, 2]}]
    [grant] = lineage["grants"]
    assert grant["grant_id"] == "grant-1" and grant["in_force"] is True
    assert grant["revoked_at"] is not None  # revoked later, but in force when the job ran
    assert lineage["entries"] == list(range(11))


def test_grant_revoked_before_the_job_is_not_in_force() -> None:
    envelopes = story()
    revoke = envelopes.pop()  # the revocation, moved before the training request
    late = Producer("org1/access-control", minutes(START + dt.timedelta(minutes=4, seconds=30)))
    moved = late.emit(s.GrantRevoked(grant_id="grant-1", dataset_id="xrays", grantee_org="Org2MSP",
                                     ledger_tx_id=str(revoke.data.ledger_tx_id)), "grant-1")  # type: ignore[attr-defined]
    envelopes.insert(5, moved)
    [grant] = model_lineage("model-1", _records(envelopes))["grants"]
    assert grant["in_force"] is False


def test_unknown_model_has_no_job_and_dataset_overview_lists_versions_and_grants() -> None:
    lineage = model_lineage("other", _records(story()[:3]))
    assert lineage["model"] is None and lineage["job"] is None and lineage["datasets"] == []
    overview = dataset_overview("xrays", _records(story()))
    assert [d["version"] for d in overview["datasets"]] == ["v1"]
    assert [g["grant_id"] for g in overview["grants"]] == ["grant-1"]
