"""Envelope → audit entry: who (actor, org) did what (action) to which subjects, with ledger references.

Pure: works on the shared typed envelope only. The actor is the organisation an event names as acting
(reader, requester, owner, executor) and otherwise the emitting service (`org1/storage`).
"""

from __future__ import annotations

import re
from datetime import UTC
from typing import Any

from ledgerml.audit.domain import SUBJECT_KINDS, AuditEntry
from ledgerml.shared.events import Envelope

ACTOR_FIELDS = ("reader_org", "requester_org", "executor_org", "owner_org")
_LEDGER_EVENT_ID = re.compile(r"^(?P<tx>[A-Za-z0-9]{16,128}):(?P<index>\d+)$")
_LEDGER_SOURCES = frozenset({"ledger", "ledger-bridge", "bridge"})
_SUBJECT_KIND_SET = frozenset(SUBJECT_KINDS)


def action_of(event_type: str) -> str:
    """`ledgerml.storage.chunk.read.v1` → `storage.chunk.read`."""
    parts = event_type.split(".")
    return ".".join(parts[1:-1]) if len(parts) > 2 else event_type


def _subjects(data: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    found: dict[str, set[str]] = {}
    for item in (data, *(data.get("datasets") or ())):
        dataset = item.get("dataset_id")
        for kind in _SUBJECT_KIND_SET.intersection(item):  # most events carry two or three of the six
            value = item[kind]
            if not isinstance(value, str) or not value:
                continue
            if kind == "version" and isinstance(dataset, str):
                value = f"{dataset}@{value}"
            found.setdefault(kind, set()).add(value)
    return {kind: tuple(sorted(found[kind])) for kind in SUBJECT_KINDS if kind in found}


def _ledger_ref(envelope: Envelope, data: dict[str, Any]) -> tuple[str | None, int | None]:
    tx_id = data.get("ledger_tx_id")
    block = data.get("block_number")
    service = envelope.source.split("/", 1)[1]
    match = _LEDGER_EVENT_ID.match(envelope.id)
    if service in _LEDGER_SOURCES and match:
        tx_id = tx_id or match.group("tx")
    return (str(tx_id) if tx_id else None), (int(block) if isinstance(block, int) else None)


def _trace_id(traceparent: str | None) -> str | None:
    return traceparent.split("-")[1] if traceparent else None


def normalise(envelope: Envelope) -> AuditEntry:
    data: dict[str, Any] = envelope.data.model_dump(mode="json")
    org = envelope.source.split("/", 1)[0]
    actor = next((str(data[f]) for f in ACTOR_FIELDS if isinstance(data.get(f), str)), envelope.source)
    tx_id, block = _ledger_ref(envelope, data)
    return AuditEntry(
        event_id=envelope.id, source=envelope.source, sequence=envelope.sequence,
        event_type=str(envelope.type), action=action_of(str(envelope.type)), org=org, actor=actor,
        time=envelope.time.astimezone(UTC), trace_id=_trace_id(envelope.traceparent), subjects=_subjects(data),
        ledger_tx_id=tx_id, ledger_block=block, data=data,
    )
