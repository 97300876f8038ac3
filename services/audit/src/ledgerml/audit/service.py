"""Use cases of the audit log: record an event, issue and anchor signed tree heads, prove entries.

Keyword-only functions over the ports of `ports.py`: an `AuditUnit` bound to the caller's transaction
(the consumer's, so an entry is appended exactly once with its processed-event record), a
`TreeHeadSigner` and the anchor writes, through which every anchor reaches the ledger in batches.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ledgerml.audit.domain import SignedTreeHead, TreeHead, aware
from ledgerml.audit.errors import (
    EntryNotFound,
    EntryNotYetAnchored,
    InvalidProofRequest,
    TreeHeadNotFound,
)
from ledgerml.audit.normalise import normalise
from ledgerml.audit.ports import Appended, AuditUnit, AuditUnits, LogState
from ledgerml.audit.signing import TreeHeadSigner
from ledgerml.shared.events import Envelope
from ledgerml.shared.events.schemas import TreeHeadAnchored
from ledgerml.shared.ledger import Fn
from ledgerml.shared.ledgerwrites import LedgerWrite


@dataclass(frozen=True)
class AnchorPolicy:
    every_entries: int
    interval_s: float


@dataclass(frozen=True)
class AuditLog:
    """What appending and anchoring decide with: which log, who signs its heads, when they are due, what
    time it is."""

    log_id: str
    signer: TreeHeadSigner
    policy: AnchorPolicy
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)


def anchor_subject(log_id: str) -> str:
    """Ledger writes of one log share a subject, so anchors reach the ledger in tree-size order."""
    return f"audit-log:{log_id}"


def record_events(*, unit: AuditUnit, envelopes: Sequence[Envelope], log: AuditLog) -> list[Appended]:
    """The consumer's effect for a batch: normalise, append in order, and sign + enqueue a head wherever
    N entries have accumulated since the last one. (Producer gaps are read from the entries: `sequences`.)"""
    if not envelopes:
        return []
    now = log.clock()
    batch = (normalise(e) for e in envelopes)  # lazily: normalised as the store streams the rows out
    appended: list[Appended]
    appended, _, heads = unit.log.append(batch, now=now, head_every=log.policy.every_entries)
    for size, root in heads:
        issue_tree_head(unit=unit, log=log, size=size, root=root, now=now)
    return appended


def record_event(*, unit: AuditUnit, envelope: Envelope, log: AuditLog) -> Appended:
    return record_events(unit=unit, envelopes=[envelope], log=log)[0]


def issue_tree_head(*, unit: AuditUnit, log: AuditLog, size: int, root: bytes, now: datetime) -> SignedTreeHead:
    """Sign and store a head in the caller's transaction; anchor it at once unless an anchor of this log
    is still in flight (then the next anchor covers it: see `anchor_latest_if_idle`)."""
    head = TreeHead(unit.log.log_id, size, root, now)
    signed = SignedTreeHead(head, log.signer.sign(head.signing_payload()), log.signer.certificate_pem, None)
    unit.heads.add(signed)
    unit.log.mark_head(size=size, at=now)
    return anchor_latest_if_idle(unit=unit, log_id=head.log_id, now=now) or signed


def anchor_latest_if_idle(*, unit: AuditUnit, log_id: str, now: datetime) -> SignedTreeHead | None:
    """At most one `AnchorAuditRoot` per log is pending: however fast entries arrive and however slow
    the ledger is, the ledger sees one transaction per round trip, each covering every entry so far."""
    pending = unit.anchors.pending(anchor_subject(log_id))
    latest = unit.heads.latest()
    if pending or latest is None or latest.ledger_write_id is not None:
        return None
    head = latest.head
    write_id = unit.anchors.enqueue(function=Fn.ANCHOR_AUDIT_ROOT, subject=anchor_subject(log_id),
                                    args=[log_id, str(head.tree_size), head.root_hash.hex()], now=now)
    unit.heads.set_ledger_write(tree_size=head.tree_size, write_id=write_id)
    return dataclasses.replace(latest, ledger_write_id=write_id)


def anchor_if_due(*, units: AuditUnits, log: AuditLog) -> SignedTreeHead | None:
    """Time-based anchoring: a head for entries appended since the last one, at most every T seconds."""
    now = log.clock()
    with units.reading() as unit:
        if not _due(unit.log.state(), log.policy, now):
            return None
    with units.writing() as unit:
        state = unit.log.state(lock=True, now=now)
        if not _due(state, log.policy, now):
            return None
        return issue_tree_head(unit=unit, log=log, size=state.size, root=state.frontier.root(), now=now)


def _due(state: LogState, policy: AnchorPolicy, now: datetime) -> bool:
    if state.size <= state.last_head_size:
        return False
    if state.last_head_at is None:
        return True
    elapsed: float = (now - aware(state.last_head_at)).total_seconds()
    return elapsed >= policy.interval_s


def _head_for(unit: AuditUnit, tree_size: int | None) -> SignedTreeHead:
    signed = unit.heads.latest() if tree_size is None else unit.heads.get(tree_size)
    if signed is None:
        raise TreeHeadNotFound("no signed tree head yet" if tree_size is None else
                               f"no signed tree head of size {tree_size}; list them at GET /tree-heads")
    return signed


def inclusion(*, unit: AuditUnit, seq: int, tree_size: int | None) -> dict[str, Any]:
    """The entry, its RFC 9162 audit path and the signed head it leads to, with the anchor's ledger status."""
    entry = unit.entries.entry(seq)
    if entry is None:
        raise EntryNotFound(f"no audit entry at index {seq}")
    signed = _head_for(unit, tree_size)
    if seq >= signed.head.tree_size:
        if tree_size is None:
            raise EntryNotYetAnchored(f"entry {seq} is newer than the latest signed tree head "
                                      f"({signed.head.tree_size} entries); retry after the next anchor")
        raise InvalidProofRequest(f"entry {seq} is not in the tree of size {tree_size}; ask for a larger head")
    proof = unit.log.inclusion_proof(seq, signed.head.tree_size)
    return {**entry, "leaf_index": seq, "tree_size": signed.head.tree_size,
            "proof": [p.hex() for p in proof], "tree_head": unit.heads.view(signed)}


def consistency(*, unit: AuditUnit, first: int, second: int | None) -> dict[str, Any]:
    old = _head_for(unit, first)
    new = _head_for(unit, second)
    if old.head.tree_size > new.head.tree_size:
        raise InvalidProofRequest(f"first ({first}) must not exceed second ({new.head.tree_size})")
    proof = unit.log.consistency_proof(old.head.tree_size, new.head.tree_size)
    return {"first": unit.heads.view(old), "second": unit.heads.view(new), "proof": [p.hex() for p in proof]}


def on_ledger_outcome(*, unit: AuditUnit, write: LedgerWrite) -> None:
    """Relay hook: an anchor settled; send the next one (latest head) and, if it committed, announce it."""
    if write.function != Fn.ANCHOR_AUDIT_ROOT:
        return
    log_id, tree_size, root_hex = write.args
    anchor_latest_if_idle(unit=unit, log_id=log_id, now=aware(write.updated_at))  # the next anchor may go now
    if write.state != "committed" or write.tx_id is None:
        return
    unit.events.add(TreeHeadAnchored(tree_size=int(tree_size), root_hash=root_hex,
                                     anchored_at=aware(write.updated_at), ledger_tx_id=write.tx_id), subject=log_id)
