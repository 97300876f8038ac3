"""Pure domain model of the audit service: audit entries (the Merkle log's leaves) and signed tree heads.

Imports no FastAPI, Kafka, SQLAlchemy, MinIO, Ray or gRPC. An entry's leaf is its canonical JSON:
keys sorted, no insignificant whitespace, UTF-8, so anyone holding the entry can recompute the leaf
hash (SHA-256(0x00 || leaf)) and check an RFC 9162 inclusion proof without this service.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

ENTRY_VERSION = 1
SUBJECT_KINDS = ("dataset_id", "version", "model_id", "job_id", "request_id", "grant_id")
INDEXED_KINDS = ("dataset_id", "model_id", "job_id", "request_id", "grant_id")
"""Kinds the log indexes for queries; a version is reached through its dataset (one row less per read)."""


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical_json(value: Any) -> bytes:
    """The one byte encoding of JSON values used for leaves and tree-head signatures."""
    return _CANONICAL.encode(value).encode("utf-8")  # json.dumps with these options, minus a new encoder per call


def aware(at: datetime) -> datetime:
    """SQLite hands datetimes back without their zone; every time we store is UTC."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def format_time(at: datetime) -> str:
    """UTC, microseconds, `Z` suffix: one spelling per instant."""
    if at.tzinfo is None:
        raise ValueError("audit times must be timezone-aware")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def org_prefix(org: str) -> str:
    """`Org1MSP` and `org1` both name the organisation whose topics are `org1.*`."""
    return org.removesuffix("MSP").lower()


@dataclass(frozen=True)
class AuditEntry:
    """One normalised event. `subjects` maps a kind (`dataset_id`, `version`, ...) to sorted ids;
    versions are spelled `<dataset_id>@<version>` so they stay unambiguous across datasets."""

    event_id: str
    source: str
    sequence: int
    event_type: str
    action: str
    org: str
    actor: str
    time: datetime
    trace_id: str | None
    subjects: Mapping[str, tuple[str, ...]]
    ledger_tx_id: str | None
    ledger_block: int | None
    data: Mapping[str, Any] = field(default_factory=dict)

    def to_json_obj(self) -> dict[str, Any]:
        return {
            "v": ENTRY_VERSION, "event_id": self.event_id, "source": self.source, "sequence": self.sequence,
            "type": self.event_type, "action": self.action, "org": self.org, "actor": self.actor,
            "time": format_time(self.time), "trace_id": self.trace_id,
            "subjects": {k: list(v) for k, v in sorted(self.subjects.items()) if v},
            "ledger": {"tx_id": self.ledger_tx_id, "block": self.ledger_block},
            "data": dict(self.data),
        }

    def leaf(self) -> bytes:
        return canonical_json(self.to_json_obj())

    def subject_rows(self) -> list[tuple[str, str]]:
        """The (kind, id) pairs the log indexes."""
        return [(kind, value) for kind, values in sorted(self.subjects.items()) if kind in INDEXED_KINDS
                for value in values]

    @classmethod
    def from_json_obj(cls, obj: Mapping[str, Any]) -> AuditEntry:
        """Inverse of `to_json_obj`; raises ValueError (or KeyError/TypeError) on a malformed entry."""
        if obj.get("v") != ENTRY_VERSION:
            raise ValueError(f"unsupported audit entry version {obj.get('v')!r}")
        ledger = obj.get("ledger") or {}
        subjects = obj.get("subjects") or {}
        if not isinstance(subjects, dict) or any(k not in SUBJECT_KINDS for k in subjects):
            raise ValueError(f"subjects must map some of {', '.join(SUBJECT_KINDS)} to lists of ids")
        return cls(
            event_id=str(obj["event_id"]), source=str(obj["source"]), sequence=int(obj["sequence"]),
            event_type=str(obj["type"]), action=str(obj["action"]), org=str(obj["org"]),
            actor=str(obj["actor"]), time=parse_time(str(obj["time"])), trace_id=obj.get("trace_id"),
            subjects={str(k): tuple(str(x) for x in v) for k, v in subjects.items()},
            ledger_tx_id=ledger.get("tx_id"), ledger_block=ledger.get("block"), data=dict(obj.get("data") or {}),
        )

    @classmethod
    def from_leaf(cls, leaf: bytes) -> AuditEntry:
        return cls.from_json_obj(json.loads(leaf))


@dataclass(frozen=True)
class TreeHead:
    """A signed statement "the log `log_id` had `tree_size` entries with root `root_hash` at `timestamp`"."""

    log_id: str
    tree_size: int
    root_hash: bytes
    timestamp: datetime

    def signing_payload(self) -> bytes:
        return canonical_json({"log_id": self.log_id, "tree_size": self.tree_size,
                               "root_hash": self.root_hash.hex(), "timestamp": format_time(self.timestamp)})


@dataclass(frozen=True)
class SignedTreeHead:
    head: TreeHead
    signature: bytes
    certificate_pem: str
    ledger_write_id: str | None = None
