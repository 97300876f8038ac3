"""Tamper detection on SQLite: each tampering makes the log verification fail, naming the first bad
index or tree head (the same checks run on PostgreSQL in the integration tier)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from ledgerml.audit.adapters.log_store import LogStore
from ledgerml.audit.service import AuditLog
from ledgerml.audit.signing import IdentitySigner, trusted_signer
from ledgerml.audit.verification import LogVerification, verify_log
from ledgerml.shared.identity import load_identity, load_trust_store
from ledgerml.stack.pki import Consortium

from ..tamper import delete_entry, edit_entry, replace_head


@pytest.fixture
def filled(filled_engine: Engine) -> Engine:
    return filled_engine  # 21 entries, heads at 4, 8, 12, 16, 20 and 21


def _verify(engine: Engine, consortium: Consortium, audit_log: AuditLog) -> LogVerification:
    check = trusted_signer(load_trust_store(consortium.root), msp_id="Org1MSP", signer_name="audit")
    with engine.connect() as conn:
        return verify_log(conn, store=LogStore(audit_log.log_id), signer_check=check)


def _signer(consortium: Consortium, msp: str, name: str) -> IdentitySigner:
    return IdentitySigner(load_identity(msp, msp_dir=consortium.orgs[msp].identity(name).msp_dir))


def test_intact_log_verifies(filled: Engine, consortium: Consortium, audit_log: AuditLog) -> None:
    result = _verify(filled, consortium, audit_log)
    assert result.view() | {"problems": []} == {
        "ok": True, "reason": "log is intact", "entries_checked": 21, "tree_heads_checked": 6,
        "first_bad_index": None, "first_bad_tree_head": None, "problems": []}


@pytest.mark.parametrize("keep_leaf_hash", [True, False])
def test_edited_entry_is_found(filled: Engine, consortium: Consortium, audit_log: AuditLog,
                               keep_leaf_hash: bool) -> None:
    edit_entry(filled, 6, keep_leaf_hash=keep_leaf_hash)
    result = _verify(filled, consortium, audit_log)
    assert not result.ok and result.first_bad_index == 6
    assert result.first_bad_tree_head == 8  # the first signed head over the edited entry
    expected = "entry 6 does not match its stored leaf hash" if keep_leaf_hash else "stored subtree root"
    assert any(expected in p for p in result.problems), result.problems


@pytest.mark.parametrize("seq", [3, 20])
def test_deleted_entry_is_found(filled: Engine, consortium: Consortium, audit_log: AuditLog, seq: int) -> None:
    delete_entry(filled, seq)
    result = _verify(filled, consortium, audit_log)
    assert not result.ok and result.first_bad_index == seq
    assert f"entry {seq}" in result.view()["reason"] and "deleted" in result.view()["reason"]


Tamper = Callable[[Consortium], IdentitySigner | None]


@pytest.mark.parametrize(("signer", "reason"), [
    (lambda c: None, "signature does not verify"),
    (lambda c: _signer(c, "Org1MSP", "User1"), "not by the audit identity of Org1MSP"),
    (lambda c: _signer(c, "Org2MSP", "audit"), "not by the audit identity of Org1MSP"),
    (lambda c: _signer(c, "Org1MSP", "audit"), "differs from the root recomputed"),
])
def test_replaced_tree_head_is_found(filled: Engine, consortium: Consortium, audit_log: AuditLog,
                                     signer: Tamper, reason: str) -> None:
    replace_head(filled, 12, signer=signer(consortium))
    result = _verify(filled, consortium, audit_log)
    assert not result.ok and result.first_bad_tree_head == 12 and result.first_bad_index is None
    assert reason in result.view()["reason"], result.problems
