"""Entries: canonical leaves, normalisation of every event type, sequence bookkeeping."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from ledgerml.audit.domain import AuditEntry, canonical_json, org_prefix
from ledgerml.audit.normalise import action_of, normalise
from ledgerml.shared.events import Envelope
from ledgerml.shared.events import schemas as s

from ..story import H1, START, story


def test_canonical_json_is_sorted_compact_utf8() -> None:
    assert canonical_json({"b": 1, "a": ["é", None]}) == '{"a":["é",null],"b":1}'.encode()
    with pytest.raises(ValueError):
        canonical_json({"x": float("nan")})


def test_entry_round_trips_through_its_leaf_bytes() -> None:
    for envelope in story():
        entry = normalise(envelope)
        leaf = entry.leaf()
        assert AuditEntry.from_leaf(leaf) == entry
        assert canonical_json(json.loads(leaf)) == leaf  # a re-serialised copy hashes the same


def test_normalised_entries_name_actor_org_subjects_and_ledger_refs() -> None:
    by_action = {normalise(e).action: normalise(e) for e in story()}
    assert set(by_action) >= {"registry.dataset.registered", "storage.chunk.read", "access.grant.issued",
                              "training.job.requested", "registry.model.registered"}
    read = by_action["storage.chunk.read"]
    assert (read.actor, read.org, read.source) == ("Org1MSP", "org1", "org1/storage")
    assert read.subjects == {"dataset_id": ("xrays",), "job_id": ("job-1",), "version": ("xrays@v1",)}
    assert read.trace_id == "0af7651916cd43dd8448eb211c80319c" and read.ledger_tx_id is None
    grant = by_action["access.grant.issued"]
    assert grant.actor == "org1/access-control" and grant.ledger_tx_id == "tx04"
    assert grant.subjects["grant_id"] == ("grant-1",) and grant.subjects["request_id"] == ("req-1",)
    assert by_action["registry.model.registered"].subjects["model_id"] == ("model-1",)
    assert by_action["training.job.requested"].time == START + dt.timedelta(minutes=5)


def test_ledger_bridge_events_take_the_tx_id_from_the_event_id() -> None:
    data = s.TrainingFailed(job_id="j9", reason="expired")
    envelope = Envelope.wrap(data, source="org1/ledger-bridge", subject="j9", sequence=3,
                             event_id="a1b2c3d4e5f60718293a4b5c6d7e8f90:0")
    entry = normalise(envelope)
    assert entry.ledger_tx_id == "a1b2c3d4e5f60718293a4b5c6d7e8f90"
    other = normalise(Envelope.wrap(data, source="org1/training", subject="j9", sequence=1, event_id="x:1"))
    assert other.ledger_tx_id is None


def test_times_are_normalised_to_utc() -> None:
    local = dt.timezone(dt.timedelta(hours=2))
    envelope = Envelope.wrap(s.VersionStored(dataset_id="d", version="v", merkle_root=H1, size_bytes=1,
                                             chunk_count=1, chunk_size=1),
                             source="org1/storage", subject="d", sequence=1,
                             time=dt.datetime(2026, 1, 1, 12, tzinfo=local))
    assert normalise(envelope).to_json_obj()["time"] == "2026-01-01T10:00:00.000000Z"


def test_helpers() -> None:
    assert action_of("ledgerml.access.grant.issued.v1") == "access.grant.issued"
    assert org_prefix("Org1MSP") == org_prefix("org1") == "org1"
    with pytest.raises(ValueError, match="version"):
        AuditEntry.from_json_obj({"v": 2})
    with pytest.raises(ValueError, match="subjects"):
        AuditEntry.from_json_obj({**normalise(story()[0]).to_json_obj(), "subjects": {"colour": ["red"]}})


def test_the_sdk_encodes_leaves_exactly_like_the_service() -> None:
    from ledgerml.client.audit import canonical_json as sdk_canonical_json

    for envelope in story():
        obj = normalise(envelope).to_json_obj()
        assert sdk_canonical_json(obj) == canonical_json(obj)
