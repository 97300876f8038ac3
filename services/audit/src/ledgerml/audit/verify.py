"""`POST /verify`: check an entry + inclusion proof against a root, and say whether that root is one of
this log's signed tree heads and where its anchor stands on the ledger."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Connection

from ledgerml.audit.adapters.tree_heads import get_tree_head, ledger_status
from ledgerml.audit.domain import ENTRY_VERSION, SUBJECT_KINDS, AuditEntry, canonical_json
from ledgerml.audit.errors import InvalidVerifyRequest
from ledgerml.shared.merkle import leaf_hash, verify_inclusion

HEX64 = r"^[0-9a-f]{64}$"
MAX_SIZE = 2**53 - 1  # far beyond any log; the largest integer every JSON parser holds exactly


class LedgerRef(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    tx_id: str | None = None
    block: int | None = None


class EntryBody(BaseModel):
    """An audit entry exactly as `GET /entries` and `/export` return it (strict: what is sent is what is hashed).
    It checks and documents a submitted entry; the leaf is hashed from the entry as submitted."""

    model_config = ConfigDict(extra="forbid", strict=True)

    v: int = Field(ge=ENTRY_VERSION, le=ENTRY_VERSION)
    event_id: str
    source: str
    sequence: int
    type: str
    action: str
    org: str
    actor: str
    time: str = Field(pattern=r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
                              r"T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?"
                              r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$",
                      description="RFC 3339 time, e.g. 2026-12-03T10:00:00.123456Z")
    trace_id: str | None = None
    subjects: dict[str, list[str]] = Field(default_factory=dict,
                                           json_schema_extra={"propertyNames": {"enum": list(SUBJECT_KINDS)}})
    ledger: LedgerRef | None = None
    data: dict[str, Any] = Field(default_factory=dict)


def _entry_schema() -> dict[str, Any]:
    """EntryBody's JSON Schema with its one definition inlined, to document `entry` in place."""
    schema = EntryBody.model_json_schema()
    ledger_ref = schema.pop("$defs")["LedgerRef"]
    schema["properties"]["ledger"]["anyOf"] = [ledger_ref, {"type": "null"}]
    return schema


class VerifyRequest(BaseModel):
    """What `leaf_of` and `verify_submission` enforce (LML-7510) is stated here for the OpenAPI document."""

    model_config = ConfigDict(extra="forbid")

    entry: dict[str, Any] = Field(json_schema_extra=_entry_schema())
    leaf_index: int = Field(ge=0, le=MAX_SIZE)
    tree_size: int = Field(ge=1, le=MAX_SIZE)
    proof: list[str] = Field(max_length=64, json_schema_extra={"items": {"type": "string", "pattern": HEX64}})
    root_hash: str = Field(pattern=HEX64)


def leaf_of(entry: dict[str, Any]) -> bytes:
    """The canonical leaf bytes of a submitted entry; refuses what is not an audit entry."""
    try:
        EntryBody.model_validate(entry)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(p) for p in problem["loc"]) or "entry"
        raise InvalidVerifyRequest(f"`entry` is not an audit entry: {where}: {problem['msg']}") from None
    try:
        AuditEntry.from_json_obj(entry)
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidVerifyRequest(f"`entry` is not an audit entry: {exc}") from None
    leaf: bytes = canonical_json(entry)
    return leaf


def verify_submission(conn: Connection, request: VerifyRequest) -> dict[str, Any]:
    try:
        proof = [bytes.fromhex(p) for p in request.proof]
    except ValueError:
        raise InvalidVerifyRequest("`proof` must be a list of hex SHA-256 digests") from None
    if any(len(p) != 32 for p in proof):
        raise InvalidVerifyRequest("every `proof` element must be 64 hex characters")
    digest = leaf_hash(leaf_of(request.entry))
    root = bytes.fromhex(request.root_hash)
    valid = verify_inclusion(digest, request.leaf_index, request.tree_size, proof, root)
    signed = get_tree_head(conn, request.tree_size)
    known = signed is not None and signed.head.root_hash == root
    if not valid:
        reason = "the proof does not lead from this entry at this index to the given root"
    elif signed is None:
        reason = f"the proof verifies, but this log has no signed tree head of size {request.tree_size}"
    elif not known:
        reason = f"the proof verifies, but the root differs from this log's signed head of size {request.tree_size}"
    else:
        reason = "the entry is included in this log's signed tree head"
    return {"valid": valid, "reason": reason, "leaf_hash": digest.hex(), "tree_head_known": known,
            "ledger": ledger_status(conn, signed) if known and signed is not None else None}
