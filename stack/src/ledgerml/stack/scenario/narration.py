"""Steps with an honest outcome: ok, refused-as-required, blocked on the ledger, or failed.

A step is BLOCKED only when the service answered LML-5004 (no Fabric ledger configured, decision
0002) or a ledger write stayed pending for that reason; anything else unexpected is a failure.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ledgerml.shared.errors import LedgerMLError

LEDGER_CODE = "LML-5004"


class Blocked(Exception):
    """Raised by a step whose next move needs the ledger."""


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
        print(f"{mark} {title}  [{outcome.seconds:.1f}s] {label}".rstrip())
        for line in lines:
            print(f"    {line}")
        return lines

    def summary(self) -> tuple[int, int, int]:
        count = {s: sum(o.status == s for o in self.outcomes) for s in ("ok", "blocked", "failed")}
        return count["ok"], count["blocked"], count["failed"]


def ledger_state(view: dict[str, object]) -> str:
    ledger = view.get("ledger") or {}
    if not isinstance(ledger, dict):
        return "unknown"
    state = str(ledger.get("state"))
    if state == "committed":
        return f"committed tx={ledger.get('tx_id')} block={ledger.get('block_number')}"
    code = ledger.get("error_code")
    return f"{state}" + (f" ({code})" if code else "")


def require_ledger(view: dict[str, object], what: str) -> None:
    """Turn a pending-for-lack-of-ledger write into an explicit BLOCKED step."""
    ledger = view.get("ledger") or {}
    if isinstance(ledger, dict) and ledger.get("state") != "committed":
        raise Blocked(f"{what}: ledger write {ledger_state(view)}; needs the Fabric ledger "
                      "(docs/decisions/0002-fabric-unavailable.md)")


def poll(probe: Callable[[], object], *, what: str, timeout_s: float = 30.0, every_s: float = 0.5) -> object:
    """Wait for `probe()` to return something truthy, with a deadline; never a fixed sleep."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not seen within {timeout_s:.0f}s")
        time.sleep(every_s)  # poll
