"""Use cases of the registry's catalog: register datasets, record stored versions, show ledger outcomes.

Keyword-only functions over ports bound to one transaction: a local record and the ledger write it
needs commit together, and the answer shows the write's honest state (pending until the relay's
submission commits; rejected with the chaincode's code otherwise).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime

from prometheus_client import Counter

from ledgerml.registry.domain import (
    CatalogPage,
    CatalogQuery,
    Dataset,
    DatasetVersion,
    LedgerStatus,
    dataset_spec,
    is_ledger_id,
    version_register_args,
)
from ledgerml.registry.errors import (
    DatasetExists,
    EmptyVersion,
    VersionConflict,
    VersionForForeignDataset,
    VersionForUnknownDataset,
)
from ledgerml.registry.policy import authorise_catalog_read, authorise_registration
from ledgerml.registry.ports import CatalogStore, EventSink, LedgerWrites
from ledgerml.shared.errors import LedgerMLError, NotFound
from ledgerml.shared.events.schemas import DatasetRegistered, DatasetVersionRegistered, VersionStored
from ledgerml.shared.identity import Principal
from ledgerml.shared.ledger import Fn
from ledgerml.shared.ledgerwrites import LedgerWrite

log = logging.getLogger(__name__)
REFUSED = Counter("ledgerml_registry_events_refused_total", "Consumed events the registry refused", ["code"])


def register_dataset(*, store: CatalogStore, writes: LedgerWrites, principal: Principal, registry_org: str,
                     auditor_orgs: Collection[str], dataset_id: str | None, name: str, description: str,
                     schema: Mapping[str, object], terms: str, tags: Sequence[str], price_per_job: int,
                     now: datetime | None = None) -> Dataset:
    owner = authorise_registration(principal, registry_org=registry_org, auditor_orgs=auditor_orgs)
    spec = dataset_spec(dataset_id=dataset_id, name=name, description=description, schema=schema, terms=terms,
                        tags=tags, price_per_job=price_per_job)
    if store.dataset(spec.dataset_id) is not None:
        raise DatasetExists(f"dataset id {spec.dataset_id!r} is already in the catalog; choose another or omit "
                            "dataset_id to have one generated")
    # The dataset id is the subject: its versions' writes then reach the ledger after it, in order.
    write_id = writes.enqueue(function=Fn.REGISTER_DATASET, args=spec.register_args(), subject=spec.dataset_id)
    store.add_dataset(Dataset(spec=spec, owner_org=owner, created_at=now or datetime.now(UTC), origin="local"),
                      ledger_write_id=write_id)
    return _existing(store, spec.dataset_id)


def _existing(store: CatalogStore, dataset_id: str) -> Dataset:
    dataset = store.dataset(dataset_id)
    if dataset is None:
        raise NotFound(f"dataset {dataset_id!r} is not in this registry's catalog")
    return dataset


def get_dataset(*, store: CatalogStore, principal: Principal, dataset_id: str) -> Dataset:
    authorise_catalog_read(principal)
    return _existing(store, dataset_id)


def search_catalog(*, store: CatalogStore, principal: Principal, query: CatalogQuery) -> CatalogPage:
    authorise_catalog_read(principal)
    return store.search(query)


def refuse_event(*, store: CatalogStore, event_id: str, event_type: str, subject: str,
                 error: LedgerMLError) -> None:
    """Record an event the registry will not apply, so operators see it (log, metric, table)."""
    store.record_rejection(event_id=event_id, event_type=event_type, subject=subject, code=error.code,
                           reason=error.detail)
    REFUSED.labels(error.code).inc()
    log.warning("event refused", extra={"event_id": event_id, "event_type": event_type, "code": error.code})


def record_stored_version(*, store: CatalogStore, writes: LedgerWrites, registry_org: str, event_id: str,
                          stored: VersionStored, now: datetime | None = None) -> DatasetVersion | None:
    """Storage stored a version: record it and enqueue `RegisterDatasetVersion`. Returns None when
    the version was refused (recorded with its reason) and the existing version on a redelivery."""
    try:
        if not (is_ledger_id(stored.dataset_id) and is_ledger_id(stored.version)):
            raise VersionForUnknownDataset(f"{stored.dataset_id!r}@{stored.version!r} are not ledger identifiers")
        dataset = store.dataset(stored.dataset_id)
        if dataset is None:
            raise VersionForUnknownDataset(f"storage stored {stored.dataset_id}@{stored.version} but the catalog "
                                           "has no such dataset")
        if dataset.owner_org != registry_org or dataset.origin != "local":
            raise VersionForForeignDataset(f"{stored.dataset_id} belongs to {dataset.owner_org}, not "
                                           f"{registry_org}; only the owner registers its versions")
        version = DatasetVersion(dataset_id=stored.dataset_id, version=stored.version,
                                 merkle_root=stored.merkle_root, size_bytes=stored.size_bytes,
                                 chunk_count=stored.chunk_count, chunk_size=stored.chunk_size,
                                 stored_at=now or datetime.now(UTC))
        existing = store.version(stored.dataset_id, stored.version)
        if existing is not None:
            if _content(existing) == _content(version):
                return existing
            raise VersionConflict(f"{stored.dataset_id}@{stored.version} is recorded with root "
                                  f"{existing.merkle_root}; versions are immutable")
        if not stored.size_bytes or not stored.chunk_count:
            raise EmptyVersion(f"{stored.dataset_id}@{stored.version} has no content; the ledger registers only "
                               "versions with at least one byte and one chunk")
    except LedgerMLError as error:
        refuse_event(store=store, event_id=event_id, event_type=str(stored.event_type),
                     subject=f"{stored.dataset_id}@{stored.version}", error=error)
        return None
    args = version_register_args(version, schema=dataset.spec.schema)
    write_id = writes.enqueue(function=Fn.REGISTER_DATASET_VERSION, args=args, subject=stored.dataset_id)
    store.add_version(version, ledger_write_id=write_id)
    return store.version(stored.dataset_id, stored.version)


def _content(version: DatasetVersion) -> tuple[str, int, int]:
    return version.merkle_root, version.size_bytes, version.chunk_count


def apply_ledger_outcome(*, store: CatalogStore, events: EventSink, write: LedgerWrite) -> None:
    """The relay settled a write: show it on the dataset or version, and announce a commit."""
    if write.state == "pending":
        return
    status = LedgerStatus(state=write.state, tx_id=write.tx_id, block_number=write.block_number,
                          error_code=write.error_code, error_detail=write.error_detail)
    for dataset_id, version in store.apply_write_outcome(write.id, status):
        if write.state != "committed" or write.tx_id is None:
            continue
        dataset = _existing(store, dataset_id)
        if version is None:
            events.add(DatasetRegistered(dataset_id=dataset_id, owner_org=dataset.owner_org, name=dataset.spec.name,
                                         ledger_tx_id=write.tx_id), subject=dataset_id)
            continue
        stored = store.version(dataset_id, version)
        if stored is not None:
            events.add(DatasetVersionRegistered(dataset_id=dataset_id, version=version,
                                                merkle_root=stored.merkle_root, size_bytes=stored.size_bytes,
                                                chunk_count=stored.chunk_count, ledger_tx_id=write.tx_id),
                       subject=dataset_id)
