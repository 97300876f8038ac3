"""The consortium catalog: other organisations' datasets mirrored from ledger events (the bridge's
`DatasetRegistered` / `DatasetVersionRegistered` on `<org>.ledger`).

Idempotent: the consumer drops a redelivered event by id, and applying the same registration twice
leaves the same row. Our own registrations coming back through the bridge confirm their ledger
status instead of creating a second entry. Events that cannot be applied are recorded, never retried.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ledgerml.registry.domain import (
    COLUMN_PATTERN,
    COLUMN_TYPES,
    TAG_PATTERN,
    Dataset,
    DatasetSpec,
    DatasetVersion,
    LedgerStatus,
    is_ledger_id,
)
from ledgerml.registry.errors import CatalogConflict, InvalidDatasetId, VersionForUnknownDataset
from ledgerml.registry.ports import CatalogStore
from ledgerml.registry.service import refuse_event
from ledgerml.shared.events.schemas import DatasetRegistered, DatasetVersionRegistered


def _metadata(payload: Mapping[str, Any]) -> Mapping[str, Any]:
    """Public metadata the event carries: its own fields, or the chaincode's `metadata` JSON string."""
    raw = payload.get("metadata")
    if isinstance(raw, str):
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
        if isinstance(parsed, Mapping):
            return {**parsed, **payload}
    return payload


def _strings(value: object, pattern: str) -> list[str]:
    items = value if isinstance(value, list | tuple) else []
    return [str(i) for i in items if isinstance(i, str) and re.fullmatch(pattern, i)]


def spec_from_event(data: DatasetRegistered) -> DatasetSpec:
    """What the ledger says about another organisation's dataset; anything malformed is left out
    rather than trusted (the mirror never fails on another organisation's metadata)."""
    meta = _metadata(data.model_dump())
    raw_schema = meta.get("schema")
    schema = raw_schema if isinstance(raw_schema, Mapping) else {}
    columns = [c for c in _strings(list(schema), COLUMN_PATTERN) if schema[c] in COLUMN_TYPES]
    price = meta.get("price_per_job")
    return DatasetSpec(
        dataset_id=data.dataset_id,
        name=data.name,
        description=str(meta.get("description") or "")[:4000],
        schema=tuple(sorted((c, str(schema[c])) for c in columns)),
        terms=str(meta.get("terms") or "")[:4000],
        tags=tuple(sorted(set(_strings(meta.get("tags"), TAG_PATTERN))))[:16],
        price_per_job=price if isinstance(price, int) and not isinstance(price, bool) and price >= 0 else 0,
    )


def mirror_dataset(*, store: CatalogStore, event_id: str, data: DatasetRegistered, registered_at: datetime,
                   block_number: int | None = None) -> Dataset | None:
    committed = LedgerStatus(state="committed", tx_id=data.ledger_tx_id, block_number=block_number)
    if not is_ledger_id(data.dataset_id):
        refuse_event(store=store, event_id=event_id, event_type=str(data.event_type), subject=data.dataset_id,
                     error=InvalidDatasetId(f"{data.dataset_id!r} is not a ledger identifier"))
        return None
    existing = store.dataset(data.dataset_id)
    if existing is not None and existing.owner_org != data.owner_org:
        refuse_event(store=store, event_id=event_id, event_type=str(data.event_type), subject=data.dataset_id,
                     error=CatalogConflict(f"{data.dataset_id} is held for {existing.owner_org}; the ledger "
                                           f"event names {data.owner_org}"))
        return None
    if existing is not None and existing.origin == "local":
        store.set_ledger_status(dataset_id=data.dataset_id, version=None, status=committed)
        return store.dataset(data.dataset_id)
    mirrored = Dataset(spec=spec_from_event(data), owner_org=data.owner_org, created_at=registered_at,
                       origin="ledger", ledger=committed)
    if existing is None:
        store.add_dataset(mirrored, ledger_write_id=None)
    else:
        store.update_mirrored_dataset(mirrored)
    return store.dataset(data.dataset_id)


def mirror_version(*, store: CatalogStore, event_id: str, data: DatasetVersionRegistered, registered_at: datetime,
                   block_number: int | None = None) -> DatasetVersion | None:
    committed = LedgerStatus(state="committed", tx_id=data.ledger_tx_id, block_number=block_number)
    if not (is_ledger_id(data.dataset_id) and is_ledger_id(data.version)) or store.dataset(data.dataset_id) is None:
        refuse_event(store=store, event_id=event_id, event_type=str(data.event_type),
                     subject=f"{data.dataset_id}@{data.version}",
                     error=VersionForUnknownDataset(f"the ledger registered {data.dataset_id}@{data.version} "
                                                    "before this catalog saw the dataset"))
        return None
    existing = store.version(data.dataset_id, data.version)
    if existing is None:
        store.add_version(DatasetVersion(dataset_id=data.dataset_id, version=data.version,
                                         merkle_root=data.merkle_root, size_bytes=data.size_bytes,
                                         chunk_count=data.chunk_count, chunk_size=None, stored_at=registered_at,
                                         origin="ledger", ledger=committed), ledger_write_id=None)
    elif existing.ledger.state != "committed":
        store.set_ledger_status(dataset_id=data.dataset_id, version=data.version, status=committed)
    return store.version(data.dataset_id, data.version)
