"""The ledger-write outbox: honest states, retries on unavailability, per-subject order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection

from ledgerml.shared.errors import LedgerCommitUnconfirmed, LedgerEndorsementFailed
from ledgerml.shared.ledger import Fn, TxReceipt, UnconfiguredLedger
from ledgerml.shared.ledgerwrites import (
    LedgerWrite,
    LedgerWriteRelay,
    enqueue_ledger_write,
    get_ledger_write,
    ledger_writes_for,
)
from ledgerml.shared.persistence import create_db_engine, messaging_metadata
from ledgerml.stack.testing.fakes import ScriptedLedger

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _engine(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = create_db_engine(f"sqlite:///{tmp_path / 'w.db'}")
    messaging_metadata.create_all(engine)
    return engine


def test_committed_write_records_tx_and_calls_the_hook(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    seen: list[LedgerWrite] = []
    with engine.begin() as conn:
        write = enqueue_ledger_write(conn, function="RegisterDataset", args=["d1", "{}"], subject="dataset:d1",
                                     now=T0)
    ledger = ScriptedLedger(TxReceipt(tx_id="tx1", block_number=7))

    def hook(conn: Connection, w: LedgerWrite) -> None:
        seen.append(w)

    relay = LedgerWriteRelay(engine=engine, ledger=ledger, on_outcome=hook, clock=lambda: T0)
    assert relay.submit_pending() == 1
    assert ledger.calls == [("RegisterDataset", ["d1", "{}"])] and ledger.keys == [write.id]
    with engine.connect() as conn:
        stored = get_ledger_write(conn, write.id)
    assert stored is not None and stored.state == "committed" and stored.tx_id == "tx1"
    assert stored.block_number == 7 and stored.status()["state"] == "committed"
    assert [w.state for w in seen] == ["committed"]
    assert relay.submit_pending() == 0 and len(ledger.calls) == 1


def test_unconfigured_ledger_keeps_the_write_pending_with_a_backoff(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    with engine.begin() as conn:
        write = enqueue_ledger_write(conn, function="GrantAccess", args=["r1"], subject="request:r1", now=T0)
    relay = LedgerWriteRelay(engine=engine, ledger=UnconfiguredLedger(), clock=lambda: T0)
    assert relay.submit_pending() == 0
    with engine.connect() as conn:
        stored = get_ledger_write(conn, write.id)
    assert stored is not None and stored.state == "pending"
    assert stored.error_code == "LML-5004" and stored.attempts == 1
    # not due again before its backoff has passed
    assert LedgerWriteRelay(engine=engine, ledger=ScriptedLedger(), clock=lambda: T0).submit_pending() == 0
    later = ScriptedLedger(TxReceipt(tx_id="tx2", block_number=3))
    assert LedgerWriteRelay(engine=engine, ledger=later, clock=lambda: T0 + timedelta(minutes=5)).submit_pending() == 1


def test_chaincode_refusal_is_rejected_with_its_code(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    with engine.begin() as conn:
        write = enqueue_ledger_write(conn, function="GrantAccess", args=["r1"], subject="request:r1", now=T0)
    refusal = LedgerEndorsementFailed("NOT_OWNER: only Org1MSP may answer", tx_id="tx9")
    LedgerWriteRelay(engine=engine, ledger=ScriptedLedger(refusal), clock=lambda: T0).submit_pending()
    with engine.connect() as conn:
        stored = get_ledger_write(conn, write.id)
    assert stored is not None and stored.state == "rejected"
    assert stored.error_code == "LML-6001" and stored.tx_id == "tx9" and "NOT_OWNER" in (stored.error_detail or "")


def test_an_unconfirmed_commit_stays_pending_with_its_tx_id_and_resubmits_with_the_same_key(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    with engine.begin() as conn:
        write = enqueue_ledger_write(conn, function=Fn.GRANT_ACCESS, args=["r1"], subject="request:r1", now=T0)
    ledger = ScriptedLedger(LedgerCommitUnconfirmed("not seen in 30 s", tx_id="tx5"), TxReceipt("tx5", 4))
    assert LedgerWriteRelay(engine=engine, ledger=ledger, clock=lambda: T0).submit_pending() == 0
    with engine.connect() as conn:
        stored = get_ledger_write(conn, write.id)
    assert stored is not None and (stored.state, stored.tx_id, stored.error_code) == ("pending", "tx5", "LML-6005")
    later = T0 + timedelta(minutes=5)
    assert LedgerWriteRelay(engine=engine, ledger=ledger, clock=lambda: later).submit_pending() == 1
    assert ledger.keys == [write.id, write.id] and ledger.calls[0][0] == "GrantAccess"
    with engine.connect() as conn:
        stored = get_ledger_write(conn, write.id)
    assert stored is not None and (stored.state, stored.tx_id, stored.block_number) == ("committed", "tx5", 4)


def test_a_later_write_never_overtakes_a_pending_one_on_the_same_subject(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    with engine.begin() as conn:
        enqueue_ledger_write(conn, function="GrantAccess", args=["r1"], subject="request:r1", now=T0)
        enqueue_ledger_write(conn, function="RevokeAccess", args=["r1"], subject="request:r1",
                             now=T0 + timedelta(seconds=1))
        enqueue_ledger_write(conn, function="RegisterDataset", args=["d2"], subject="dataset:d2",
                             now=T0 + timedelta(seconds=2))
    ledger = ScriptedLedger(_unavailable(), TxReceipt(tx_id="tx3", block_number=1))
    LedgerWriteRelay(engine=engine, ledger=ledger, clock=lambda: T0 + timedelta(seconds=3)).submit_pending()
    assert [c[0] for c in ledger.calls] == ["GrantAccess", "RegisterDataset"]
    with engine.connect() as conn:
        assert [w.state for w in ledger_writes_for(conn, "request:r1")] == ["pending", "pending"]


def _unavailable() -> Exception:
    try:
        UnconfiguredLedger().submit("GrantAccess", [])
    except Exception as exc:
        return exc
    raise AssertionError("UnconfiguredLedger must refuse")
