"""Steps with an honest outcome — ok, blocked, or failed — and the bounded waits the steps share.

A step is BLOCKED only when a service answered LML-5004 (it has no ledger configured) or a ledger write
stayed pending for that reason; a write the ledger refused (its `LML-CC-xxxx` code) or one still pending
when its deadline passed is a failure. Waits poll a condition with a deadline, never sleep blindly.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ledgerml.shared.errors import LedgerMLError

LEDGER_CODE = "LML-5004"
CC_CODE = re.compile(r"LML-CC-\d{4} [A-Z_]+")
T = TypeVar("T")


class Blocked(Exception):
    """Raised by a step whose next move needs a ledger the services do not have."""


class LedgerRefused(Exception):
    """A ledger write the scenario needed was rejected; the message carries its LML-CC code."""


@dataclass
class Outcome:
    title: str
    status: str  # ok | blocked | failed
    lines: list[str]
    seconds: float


@dataclass
class Narrator:
    outcomes: list[Outcome] = field(default_factory=list)

    def step(self, title: str, run: Callable[[], list[str]]) -> list[str]:
        t0 = time.monotonic()
        try:
            lines, status = run(), "ok"
        except Blocked as exc:
            lines, status = [str(exc)], "blocked"
        except LedgerMLError as exc:
            status = "blocked" if exc.code == LEDGER_CODE else "failed"
            lines = [f"{exc.code} {exc.title}: {exc.detail}"]
        except Exception as exc:  # noqa: BLE001 - the demo reports every failure and exits non-zero
            lines, status = [f"{type(exc).__name__}: {exc}"], "failed"
        outcome = Outcome(title, status, lines, time.monotonic() - t0)
        self.outcomes.append(outcome)
        mark = {"ok": "✓", "blocked": "!", "failed": "✗"}[status]
        label = {"ok": "", "blocked": "BLOCKED (ledger) ", "failed": "FAILED "}[status]
        print(f"{mark} {title}  [{outcome.seconds:.1f}s] {label}".rstrip(), flush=True)
        for line in lines:
            print(f"    {line}", flush=True)
        return lines

    def summary(self) -> tuple[int, int, int]:
        count = {s: sum(o.status == s for o in self.outcomes) for s in ("ok", "blocked", "failed")}
        return count["ok"], count["blocked"], count["failed"]


def _ledger(view: dict[str, Any]) -> dict[str, Any]:
    ledger = view.get("ledger") or {}
    return ledger if isinstance(ledger, dict) else {}


def ledger_state(view: dict[str, Any]) -> str:
    ledger = _ledger(view)
    state = str(ledger.get("state"))
    if state == "committed":
        return f"committed, tx {str(ledger.get('tx_id'))[:16]}… at height {ledger.get('block_number')}"
    code = ledger.get("error_code")
    return f"{state}" + (f" ({code})" if code else "")


def refusal(ledger: dict[str, Any]) -> str:
    """`LML-CC-0011 NO_GRANT: …` from a rejected write's detail, else its LedgerML code and detail."""
    detail = str(ledger.get("error_detail") or "")
    found = CC_CODE.search(detail)
    return detail[found.start():] if found else f"{ledger.get('error_code')} {detail}".strip()


def poll(probe: Callable[[], T | None], *, what: str, timeout_s: float = 30.0, every_s: float = 0.25) -> T:
    """Wait for `probe()` to return something truthy, with a deadline; never a fixed sleep."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not seen within {timeout_s:.0f}s")
        time.sleep(every_s)  # poll


def await_committed(fetch: Callable[[], dict[str, Any]], *, what: str, timeout_s: float = 30.0,
                    ledger_of: Callable[[dict[str, Any]], dict[str, Any]] = _ledger) -> dict[str, Any]:
    """Poll a view until its ledger write is committed; a rejection fails with its LML-CC code, a write still
    pending for lack of a ledger (LML-5004) is BLOCKED, anything else pending at the deadline fails."""
    deadline = time.monotonic() + timeout_s
    while True:
        view = fetch()
        ledger = ledger_of(view)
        state = ledger.get("state")
        if state == "committed":
            return view
        if state == "rejected":
            raise LedgerRefused(f"{what}: the ledger refused it: {refusal(ledger)}")
        if time.monotonic() > deadline:
            if ledger.get("error_code") == LEDGER_CODE:
                raise Blocked(f"{what}: still pending ({LEDGER_CODE}): the services have no ledger configured")
            raise TimeoutError(f"{what}: ledger write still {state or 'unknown'} after {timeout_s:.0f}s "
                               f"({ledger.get('error_code') or 'no error reported'})")
        time.sleep(0.2)  # poll: the relay submits within a second, a block commits in about one


def await_refusal(fetch: Callable[[], dict[str, Any]], *, what: str, timeout_s: float = 30.0) -> str:
    """Poll a view until its ledger write is rejected; returns the refusal (code and message)."""
    deadline = time.monotonic() + timeout_s
    while True:
        ledger = _ledger(fetch())
        if ledger.get("state") == "rejected":
            return refusal(ledger)
        if ledger.get("state") == "committed":
            raise AssertionError(f"{what}: the ledger accepted it (tx {ledger.get('tx_id')})")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: no ledger answer after {timeout_s:.0f}s")
        time.sleep(0.2)  # poll
