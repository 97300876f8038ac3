"""`POST /verify`: check an entry + inclusion proof against a root, and say whether that root is one of
this log's signed tree heads and where its anchor stands on the ledger."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from ledgerml.audit.adapters.tree_heads import get_tree_head, ledger_status
from ledgerml.audit.domain import AuditEntry, canonical_json
from ledgerml.audit.errors import InvalidVerifyRequest
from ledgerml.shared.merkle import leaf_hash, verify_inclusion

HEX64 = r"^[0-9a-f]{64}$"


class VerifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entry: dict[str, Any]
    leaf_index: int = Field(ge=0)
    tree_size: int = Field(ge=1)
    proof: list[str] = Field(max_length=64)
    root_hash: str = Field(pattern=HEX64)


def leaf_of(entry: dict[str, Any]) -> bytes:
    """The canonical leaf bytes of a submitted entry; refuses what is not an audit entry."""
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
