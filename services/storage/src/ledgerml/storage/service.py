"""Use cases of the storage service that are not streams: who may do what, data keys, manifests and the
integrity report. Uploads live in `service_upload`, verified reads in `service_reading`, garbage collection in `gc`.

Keyword-only functions over `Storage`, which carries the ports of `ports.py` (the service's records,
blob store, key wrapper, registry directory, access decisions, ledger) built by the composition root.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ledgerml.shared.events.schemas import IntegrityViolated as IntegrityViolatedEvent
from ledgerml.shared.identity import Principal, Role
from ledgerml.shared.ledger import Ledger
from ledgerml.shared.ledger.queries import get_training_job
from ledgerml.storage.domain import ChunkFailure, IntegrityReport, Manifest
from ledgerml.storage.errors import (
    DownloadNotGranted,
    IntegrityViolated,
    InternalReadRefused,
    JobNotAuthorised,
    NotDatasetOwner,
    VersionNotFound,
)
from ledgerml.storage.pipeline import fetch_verified
from ledgerml.storage.ports import (
    AccessDecisions,
    BlobStore,
    DatasetDirectory,
    DatasetInfo,
    Decision,
    KeyWrapper,
    StorageRecords,
)
from ledgerml.storage.sealing import new_data_key

log = logging.getLogger(__name__)
WRITER_ROLES = frozenset({Role.ADMIN, Role.CLIENT})


@dataclass(frozen=True)
class Limits:
    chunk_size: int = 8 * 1024 * 1024
    max_version_bytes: int = 64 * 1024**3
    upload_parallelism: int = 4
    read_ahead: int = 3
    gc_grace: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class Storage:
    records: StorageRecords
    blobs: BlobStore
    keys: KeyWrapper
    directory: DatasetDirectory
    decisions: AccessDecisions
    ledger: Ledger
    msp_id: str
    auditor_orgs: frozenset[str]
    training_identity: str = "training"
    limits: Limits = Limits()


def dataset_served_here(storage: Storage, dataset_id: str) -> DatasetInfo:
    """The registry's record of a dataset this organisation owns (its data is stored here, nowhere else)."""
    info = storage.directory.dataset(dataset_id)
    if info.owner_org != storage.msp_id:
        raise NotDatasetOwner(f"{dataset_id} belongs to {info.owner_org}; its data is kept by that organisation's "
                              f"storage service, this one serves {storage.msp_id}")
    return info


def authorise_upload(storage: Storage, principal: Principal, info: DatasetInfo) -> None:
    if principal.org != info.owner_org:
        raise NotDatasetOwner(f"only {info.owner_org} may upload versions of {info.dataset_id}")
    if principal.role not in WRITER_ROLES:
        raise NotDatasetOwner(f"a {principal.role} identity may not upload; use an admin or client identity")


def authorise_download(storage: Storage, principal: Principal, info: DatasetInfo) -> str:
    """The basis of the read: the owner itself, or the owner's access-control allowing `download`."""
    if principal.org == info.owner_org:
        return "owner"
    decision = storage.decisions.decide(organisation=principal.org, dataset_id=info.dataset_id, purpose="download")
    if not decision.allow:
        raise DownloadNotGranted(_refusal(principal.org, info, decision))
    return f"grant:{decision.grant_id}"


# The registry knows the dataset (it is stored here), so "no request" and "unknown dataset" (access-control
# has no ledger record of it yet) both come down to: the caller holds no grant.
NO_GRANT = frozenset({"", "NO_REQUEST", "UNKNOWN_DATASET"})


def _refusal(org: str, info: DatasetInfo, decision: Decision) -> str:
    prefix = f"{org} may not download {info.dataset_id}"
    if decision.reason in NO_GRANT:
        return (f"{prefix}: it holds no download grant from {info.owner_org}; ask for one with `ledgerml access "
                f"request {info.dataset_id} --owner {info.owner_org} --purpose download` (access-control: "
                f"{decision.reason or 'no reason'})")
    return f"{prefix}: {decision.detail or 'access-control denied it'} ({decision.reason})"


def authorise_inspection(storage: Storage, principal: Principal, info: DatasetInfo) -> None:
    """Manifests and integrity reports: the owner organisation and auditor organisations."""
    if principal.org != info.owner_org and principal.org not in storage.auditor_orgs:
        raise NotDatasetOwner(f"only {info.owner_org} and auditors may inspect {info.dataset_id}'s storage")


def authorise_job_read(storage: Storage, principal: Principal, *, job_id: str, manifest: Manifest) -> None:
    """Only this organisation's training service, for a job the ledger shows as accepted with this input.
    Today the ledger refuses every call (`LedgerNotConfigured`, 503): the read fails closed."""
    if principal.org != storage.msp_id or principal.subject.split("@")[0] != storage.training_identity:
        raise InternalReadRefused(f"{principal} is not {storage.msp_id}'s {storage.training_identity} service")
    job = get_training_job(storage.ledger, job_id)
    inputs = job.inputs_of(manifest.dataset_id, manifest.version)
    if job.status != "ACCEPTED" or job.owner != storage.msp_id or not inputs:
        raise JobNotAuthorised(f"job {job_id} is not an accepted job of {storage.msp_id} over "
                               f"{manifest.dataset_id}@{manifest.version}")
    anchored = inputs[0].merkle_root
    if anchored and anchored != manifest.merkle_root:
        raise root_mismatch(storage, manifest, expected=anchored, source="the ledger")


def data_key(storage: Storage, dataset_id: str) -> bytes:
    """The dataset's data key, created (and stored only wrapped) on first use."""
    wrapped = storage.records.wrapped_key(dataset_id)
    if wrapped is None:
        fresh = storage.keys.wrap(new_data_key(), context=dataset_id)
        # False: a concurrent first upload created it; use theirs
        storage.records.add_wrapped_key(dataset_id=dataset_id, wrapped=fresh, key_id=storage.keys.key_id,
                                        now=datetime.now(UTC))
        wrapped = storage.records.wrapped_key(dataset_id)
    assert wrapped is not None
    return storage.keys.unwrap(wrapped, context=dataset_id)


def load_manifest(storage: Storage, dataset_id: str, version: str) -> Manifest:
    manifest = storage.records.manifest(dataset_id, version)
    if manifest is None:
        raise VersionNotFound(f"{dataset_id} has no stored version {version}")
    return manifest


def check_manifest_root(storage: Storage, manifest: Manifest, info: DatasetInfo) -> None:
    """The manifest's chunk list must hash to its root, and that root to the one the registry recorded."""
    recomputed = manifest.recomputed_root()
    if recomputed != manifest.merkle_root:
        raise root_mismatch(storage, manifest, expected=manifest.merkle_root, actual=recomputed, source="the manifest")
    registered = info.version_roots.get(manifest.version)
    if registered and registered != manifest.merkle_root:
        raise root_mismatch(storage, manifest, expected=registered, source="the registry")


def root_mismatch(storage: Storage, manifest: Manifest, *, expected: str, source: str,
                  actual: str | None = None) -> IntegrityViolated:
    failure = ChunkFailure(0, expected, actual or manifest.merkle_root, f"root differs from {source}",
                           actual or manifest.merkle_root)
    return report_violation(storage, manifest, failure)


def report_violation(storage: Storage, manifest: Manifest, failure: ChunkFailure) -> IntegrityViolated:
    """Records `IntegrityViolated` through the outbox; returns the error to raise (fail closed)."""
    event = IntegrityViolatedEvent(dataset_id=manifest.dataset_id, version=manifest.version,
                                   chunk_index=failure.index, expected_sha256=failure.expected_sha256,
                                   actual_sha256=failure.actual_sha256 or failure.read_sha256)
    storage.records.add_event(event, subject=manifest.dataset_id)
    log.warning("integrity violated", extra={"dataset_id": manifest.dataset_id, "version": manifest.version,
                                             "chunk_index": failure.index, "reason": failure.reason})
    return IntegrityViolated(f"{manifest.dataset_id}@{manifest.version} chunk {failure.index} {failure.reason}; "
                             "nothing unverified was sent")


def integrity_report(storage: Storage, manifest: Manifest) -> IntegrityReport:
    """Reads, decrypts and re-hashes every chunk; each failed chunk is reported and emits an event."""
    key = data_key(storage, manifest.dataset_id)
    failed = []
    for _, result in fetch_verified(storage.blobs, key, manifest, manifest.chunks, window=storage.limits.read_ahead):
        if isinstance(result, ChunkFailure):
            failed.append(result)
            report_violation(storage, manifest, result)
    return IntegrityReport.of(manifest, failed)


def show_manifest(*, storage: Storage, principal: Principal, dataset_id: str, version: str) -> Manifest:
    """A stored version's manifest, for the owner organisation and auditors."""
    authorise_inspection(storage, principal, dataset_served_here(storage, dataset_id))
    return load_manifest(storage, dataset_id, version)


def check_integrity(*, storage: Storage, principal: Principal, dataset_id: str, version: str) -> IntegrityReport:
    """Re-verify every chunk of a stored version, for the owner organisation and auditors."""
    authorise_inspection(storage, principal, dataset_served_here(storage, dataset_id))
    return integrity_report(storage, load_manifest(storage, dataset_id, version))
