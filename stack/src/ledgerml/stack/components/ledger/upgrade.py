"""`make chaincode-upgrade`: roll the working tree's ledger application out to the running validators.

The application's upgrade design (chaincode/internal/upgrade): `ScheduleUpgrade(name, height)`, signed by
admins of a majority of the member organisations, plans a named migration; at that height a binary that
does not apply it halts, one that does runs the migration in that block. So the rollout builds the new
binary, schedules each upgrade it brings at a height a little ahead, then restarts each validator's
application with the new binary one at a time (three of four keep committing meanwhile; a validator that
reaches the height first halts there until its restart), and waits until every node applied it.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from ledgerml.stack.components.ledger import binaries, layout, rpc, txs
from ledgerml.stack.components.ledger.network import LedgerNetwork
from ledgerml.stack.config import StackConfig
from ledgerml.stack.procs import ReadinessError, wait_until

# Blocks between scheduling and the upgrade height: four restarts fit in ~10 idle blocks (3 s each).
UPGRADE_MARGIN_BLOCKS = 10
APPLY_TIMEOUT_S = 180.0


def built_in_upgrades(binary: str) -> list[str]:
    """The upgrades a binary knows (`ledgerml-abci version`: "upgrades built in: v3,...")."""
    done = subprocess.run([binary, "version"], capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise ReadinessError(f"{binary} version failed: {done.stderr.strip()}")
    for line in done.stdout.splitlines():
        if line.startswith("upgrades built in:"):
            names = line.split(":", 1)[1].strip()
            return [] if names == "none" else [n.strip() for n in names.split(",")]
    raise ReadinessError(f"{binary} version does not list its upgrades:\n{done.stdout}")


def approvers() -> list[str]:
    """Admins of a majority (⌊n/2⌋ + 1) of the member MSPs co-sign an upgrade."""
    members = [msp for msp, role in layout.VALIDATORS if role == "member"]
    return members[: len(members) // 2 + 1]


def rollout(cfg: StackConfig) -> int:
    net = LedgerNetwork(cfg)
    if not net.ready():
        raise ReadinessError(f"the {cfg.profile} ledger is not running with every validator; `make up` first")
    old = net.app()
    if old == binaries.BUILTIN_APP or not binaries.app_present():
        raise ReadinessError(f"the network runs CometBFT's built-in kvstore; nothing to upgrade ({old})")
    new, built, seconds = binaries.build_app()
    label = new.parent.parent.name
    print(f"==> {label}: {f'built in {seconds:.0f}s' if built else 'cached'}; validators run "
          f"{Path(old).parent.parent.name}")
    if str(new) == old:
        print("✓ the validators already run this tree's application; nothing to roll out")
        return 0
    plans = _schedule(net, [u for u in built_in_upgrades(str(new)) if u not in built_in_upgrades(old)])
    net.app_file.write_text(f"{new}\n")  # from here on, a restarted validator runs the new binary
    for n in net.nodes:
        started = time.monotonic()
        net.stop_node(n.index)
        caught_up = net.start_node(n.index, app=str(new))
        print(f"✓ {n.name} {n.msp_id:<10} restarted with {label} in {time.monotonic() - started:.1f}s "
              f"(caught up in {caught_up:.1f}s)")
    for name, height in plans.items():
        waited = wait_until(lambda name=name: _applied_everywhere(net, name),  # type: ignore[misc]
                            what=f"upgrade {name} applied on every validator at height {height}",
                            timeout_s=APPLY_TIMEOUT_S, log=net.app_log(1))
        print(f"✓ upgrade {name} applied at height {height} on all {len(net.nodes)} validators "
              f"(waited {waited:.1f}s)")
    probe = net.probe()
    print(f"✓ {label} rolled out; Probe committed at height {probe.height}")
    return 0


def _schedule(net: LedgerNetwork, names: list[str]) -> dict[str, int]:
    """Schedule each upgrade the ledger has no record of; returns name → height of every pending one."""
    plans: dict[str, int] = {}
    for name in names:
        record = txs.evaluate(net.rpc_url(1), "GetUpgrade", [name])
        if record is not None:
            plans[name] = int(record["height"])
            print(f"· upgrade {name} already {record['status'].lower()} at height {record['height']}")
            continue
        height = max(h for h in net.heights().values() if h is not None) + UPGRADE_MARGIN_BLOCKS
        tx = txs.signed(net.pki_root, net.chain_id, "ScheduleUpgrade", [name, str(height)], approvers())
        committed = net.submit(tx, via=1, seen_on=1)
        plans[name] = height
        print(f"✓ ScheduleUpgrade({name}, {height}) signed by {' + '.join(approvers())} admins, committed at "
              f"height {committed.height}")
    if not names:
        print("· the new binary brings no upgrade; rolling it out as is")
    return plans


def _applied_everywhere(net: LedgerNetwork, name: str) -> bool:
    for n in net.nodes:
        try:
            record = txs.evaluate(n.rpc_url, "GetUpgrade", [name])
        except (ReadinessError, rpc.RpcError):
            return False
        if not record or record.get("status") != "APPLIED":
            return False
    return True
