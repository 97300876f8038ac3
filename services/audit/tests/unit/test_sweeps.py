"""Integrity sweep verdicts per version, with hand-written fakes of registry, storage and ledger."""

from __future__ import annotations

from ledgerml.audit.sweeps import sweep_dataset
from ledgerml.shared.errors import NotFound
from ledgerml.shared.ledger import UnconfiguredLedger

from .fakes import FakeLedger, FakeRegistry, FakeStorage

A, B = "aa" * 32, "bb" * 32


def _report(recomputed: str, *, failed: list[int] = ()) -> dict:  # type: ignore[assignment,type-arg]
    return {"merkle_root_manifest": A, "merkle_root_recomputed": recomputed, "chunks_ok": 3,
            "chunks_failed": [{"index": i, "expected_sha256": A, "actual_sha256": B} for i in failed],
            "ok": not failed}


def test_every_version_is_compared_with_registry_and_ledger() -> None:
    storage = FakeStorage({"v1": _report(A), "v2": _report(B), "v3": _report(A, failed=[1]),
                           "v4": NotFound("storage: no version v4")})
    registry = FakeRegistry({"v1": A, "v2": A, "v3": A, "v4": A})
    result = sweep_dataset(dataset_id="d", owner_org="Org1MSP", registry=registry, storage=storage,
                           ledger=FakeLedger({"v1": A, "v2": A, "v3": A}))
    verdicts = {v["version"]: (v["verdict"], v["problems"]) for v in result["versions"]}
    assert verdicts["v1"] == ("consistent", [])
    assert verdicts["v2"][0] == "mismatch" and len(verdicts["v2"][1]) == 2  # registry and ledger disagree
    assert verdicts["v3"] == ("mismatch", ["storage reports damaged chunks [1]"])
    assert verdicts["v4"][0] == "error" and "LML-1004" in verdicts["v4"][1][0]
    assert result["ok"] is False


def test_without_a_ledger_the_root_is_reported_unavailable() -> None:
    result = sweep_dataset(dataset_id="d", owner_org="Org1MSP", registry=FakeRegistry({"v1": A}),
                           storage=FakeStorage({"v1": _report(A)}), ledger=UnconfiguredLedger())
    [version] = result["versions"]
    assert version["verdict"] == "consistent-off-ledger" and version["ledger_root"] is None
    assert "ledger root unavailable" in version["ledger"] and result["ok"] is False
    empty = sweep_dataset(dataset_id="d", owner_org="Org1MSP", registry=FakeRegistry({}),
                          storage=FakeStorage({}), ledger=UnconfiguredLedger())
    assert empty == {"dataset_id": "d", "owner_org": "Org1MSP", "versions": [], "ok": None}
