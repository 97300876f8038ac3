"""Hand-written fakes of the ports the audit service uses (no MagicMock)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from ledgerml.audit.sweeps import RegisteredVersion
from ledgerml.shared.errors import LedgerError, LedgerMLError
from ledgerml.shared.ledger import ChaincodeEvent, TxReceipt


class FakeRegistry:
    def __init__(self, versions: Mapping[str, str | None]) -> None:
        self.versions = versions

    def dataset_versions(self, *, owner_org: str, dataset_id: str) -> list[RegisteredVersion]:
        return [RegisteredVersion(v, root) for v, root in self.versions.items()]


class FakeStorage:
    def __init__(self, reports: Mapping[str, dict[str, Any] | LedgerMLError]) -> None:
        self.reports = reports

    def integrity(self, *, owner_org: str, dataset_id: str, version: str) -> dict[str, Any]:
        report = self.reports[version]
        if isinstance(report, LedgerMLError):
            raise report
        return report


class FakeLedger:
    """Answers `GetDatasetVersion` from a table; refuses anything else."""

    def __init__(self, roots: Mapping[str, str]) -> None:
        self.roots = roots

    def submit(self, function: str, args: Sequence[str], *,
               idempotency_key: str | None = None) -> TxReceipt:
        raise LedgerError(f"unexpected submit {function}")

    def evaluate(self, function: str, args: Sequence[str]) -> bytes:
        if function != "GetDatasetVersion" or args[1] not in self.roots:
            raise LedgerError(f"not found: {function} {list(args)}")
        return json.dumps({"dataset_id": args[0], "version": args[1], "merkle_root": self.roots[args[1]]}).encode()

    def events(self, *, start_block: int) -> Any:
        return iter(())

    def allows(self, principal: Any, *, action: str, resource: str) -> bool:
        return False


__all__ = ["ChaincodeEvent", "FakeLedger", "FakeRegistry", "FakeStorage"]
