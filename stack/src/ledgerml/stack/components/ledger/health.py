"""What `make status` says about one validator, and what `up` measured while waiting for the ledger."""

from __future__ import annotations

from dataclasses import dataclass

from ledgerml.stack.components.ledger.layout import NodeSpec


@dataclass(frozen=True)
class NodeHealth:
    node: NodeSpec
    pid: int | None
    app_pid: int | None  # None for the built-in kvstore application (no process of its own)
    app_needed: bool
    rss_mib: float
    height: int | None = None
    peers: int | None = None
    catching_up: bool = False
    advanced: int = 0  # blocks committed during the observation window
    error: str = ""

    @property
    def problem(self) -> str:
        """Empty when healthy, else why not."""
        if self.pid is None:
            return "node process down"
        if self.app_needed and self.app_pid is None:
            return "application process down"
        if self.height is None:
            return f"RPC not answering ({self.error})"
        if self.catching_up:
            return "catching up"
        if self.advanced <= 0:
            return f"stalled at height {self.height}"
        return ""

    def line(self, window_s: float) -> str:
        pids = f"pid={self.pid or '-'}" + (f"/app {self.app_pid or '-'}" if self.app_needed else "")
        progress = (f"height={self.height} (+{self.advanced} in {window_s:.1f}s) peers={self.peers}"
                    if self.height is not None else "height=-")
        mark = "✓ up  " if not self.problem else "✗ DOWN"
        why = f"  ← {self.problem}" if self.problem else ""
        return (f"{mark} ledger    {self.node.name} {self.node.msp_id:<10} {pids:<18} {self.rss_mib:6.0f} MiB  "
                f"{progress:<36} {self.node.rpc_url}{why}")


@dataclass(frozen=True)
class ProbeResult:
    tx_id: str
    height: int
    sent_to: int
    seen_on: int
    seconds: float


@dataclass
class Readiness:
    """Timings of the last `start()`, printed by `up`."""

    committed_s: float = 0.0  # until every node committed a block and none is catching up
    probe: ProbeResult | None = None
    started: tuple[int, ...] = ()  # nodes this start launched (empty: all were running)
