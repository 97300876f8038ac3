"""Integrity sweep of one dataset: for every version the owner's registry knows, the owner's storage
re-hashes the chunks; the recomputed root is compared with the registry's root and the root recorded
on the ledger (`GetDatasetVersion`). A ledger that cannot answer is reported, never guessed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from ledgerml.shared.errors import DependencyUnavailable, LedgerError, LedgerMLError
from ledgerml.shared.ledger import Ledger
from ledgerml.shared.ledger.queries import get_dataset_version


@dataclass(frozen=True)
class RegisteredVersion:
    version: str
    merkle_root: str | None


class RegistryPort(Protocol):
    def dataset_versions(self, *, owner_org: str, dataset_id: str) -> list[RegisteredVersion]: ...


class StoragePort(Protocol):
    def integrity(self, *, owner_org: str, dataset_id: str, version: str) -> dict[str, Any]: ...


def ledger_root(ledger: Ledger, dataset_id: str, version: str) -> tuple[str | None, str]:
    """(root, note): the version's root as recorded on the channel, or None and why not."""
    try:
        recorded = get_dataset_version(ledger, dataset_id, version)
    except DependencyUnavailable as exc:
        return None, f"ledger root unavailable ({exc.code}): {exc.detail}"
    except LedgerError as exc:
        return None, f"ledger lookup failed ({exc.code}): {exc.detail}"
    return recorded.merkle_root, "recorded on the ledger"


def _version_report(version: RegisteredVersion, *, owner_org: str, dataset_id: str, storage: StoragePort,
                    ledger: Ledger) -> dict[str, Any]:
    problems: list[str] = []
    try:
        integrity: dict[str, Any] | None = storage.integrity(owner_org=owner_org, dataset_id=dataset_id,
                                                             version=version.version)
    except LedgerMLError as exc:
        integrity = None
        problems.append(f"storage integrity check failed ({exc.code}): {exc.detail}")
    recomputed = integrity.get("merkle_root_recomputed") if integrity else None
    on_ledger, ledger_note = ledger_root(ledger, dataset_id, version.version)
    if integrity is not None and not integrity.get("ok", False):
        failed = [c.get("index") for c in integrity.get("chunks_failed") or []]
        problems.append(f"storage reports damaged chunks {failed}")
    if recomputed is not None and version.merkle_root is not None and recomputed != version.merkle_root:
        problems.append("the recomputed root differs from the registry's root")
    if recomputed is not None and on_ledger is not None and recomputed != on_ledger:
        problems.append("the recomputed root differs from the root recorded on the ledger")
    if problems:
        verdict = "mismatch" if integrity is not None else "error"
    else:
        verdict = "consistent" if on_ledger is not None else "consistent-off-ledger"
    return {"version": version.version, "verdict": verdict, "problems": problems,
            "registry_root": version.merkle_root, "recomputed_root": recomputed,
            "manifest_root": integrity.get("merkle_root_manifest") if integrity else None,
            "ledger_root": on_ledger, "ledger": ledger_note,
            "chunks_ok": integrity.get("chunks_ok") if integrity else None,
            "chunks_failed": integrity.get("chunks_failed") if integrity else None}


def sweep_dataset(*, dataset_id: str, owner_org: str, registry: RegistryPort, storage: StoragePort,
                  ledger: Ledger) -> dict[str, Any]:
    versions = registry.dataset_versions(owner_org=owner_org, dataset_id=dataset_id)
    reports = [_version_report(v, owner_org=owner_org, dataset_id=dataset_id, storage=storage, ledger=ledger)
               for v in versions]
    return {"dataset_id": dataset_id, "owner_org": owner_org, "versions": reports,
            "ok": all(r["verdict"] == "consistent" for r in reports) if reports else None}
