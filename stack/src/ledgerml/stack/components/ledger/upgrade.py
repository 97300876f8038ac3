"""`make chaincode-upgrade`: roll the working tree's ledger application out to the running validators.

The application's upgrade design (chaincode/README.md, "Upgrades"): the record schema is chain state.
`ScheduleUpgrade(name, height)`, signed by admins of a majority of the member organisations, plans a
named migration; at that height a binary that does not apply it halts, one that does runs the migration
in that block, and until then a new binary keeps the old schema. So the rollout restarts each
validator's application with the new binary first, one at a time (three of four keep committing), then
schedules every upgrade that binary applies and the ledger has no record of, a few blocks ahead, and
waits until each node reports it `APPLIED`. No validator ever reaches the height with a binary that
would halt there.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from ledgerml.stack.components.ledger import binaries, layout, rpc, txs
from ledgerml.stack.components.ledger.network import LedgerNetwork
from ledgerml.stack.config import StackConfig
from ledgerml.stack.procs import ReadinessError, wait_until

# Blocks between scheduling and the upgrade height: every validator already runs the new binary.
UPGRADE_MARGIN_BLOCKS = 3
APPLY_TIMEOUT_S = 120.0


def applied_upgrades(binary: str) -> list[str]:
    """The upgrades a binary applies (`ledgerml-abci version`: "upgrades applied: v3,..." or "none")."""
    done = subprocess.run([binary, "version"], capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise ReadinessError(f"{binary} version failed: {done.stderr.strip()}")
    for line in done.stdout.splitlines():
        if line.startswith("upgrades applied:"):
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
    records = {name: txs.evaluate(net.rpc_url(1), "GetUpgrade", [name]) for name in applied_upgrades(str(new))}
    if str(new) == old and all(r and r.get("status") == "APPLIED" for r in records.values()):
        print("✓ the validators run this tree's application and every upgrade it applies; nothing to do")
        return 0
    if str(new) != old:
        net.app_file.write_text(f"{new}\n")  # from here on, a restarted validator runs the new binary
        for n in net.nodes:
            started = time.monotonic()
            net.stop_node(n.index)
            caught_up = net.start_node(n.index, app=str(new))
            print(f"✓ {n.name} {n.msp_id:<10} restarted with {label} in {time.monotonic() - started:.1f}s "
                  f"(caught up in {caught_up:.1f}s)")
    plans = _schedule(net, records)
    for name, height in plans.items():
        waited = wait_until(lambda name=name: _applied_everywhere(net, name),  # type: ignore[misc]
                            what=f"upgrade {name} applied on every validator at height {height}",
                            timeout_s=APPLY_TIMEOUT_S, log=net.app_log(1))
        print(f"✓ upgrade {name} applied at height {height} on all {len(net.nodes)} validators "
              f"(waited {waited:.1f}s)")
    probe = net.probe()
    print(f"✓ {label} rolled out; Probe committed at height {probe.height}")
    return 0


def _schedule(net: LedgerNetwork, records: dict[str, dict[str, object] | None]) -> dict[str, int]:
    """Schedule each upgrade the ledger has no record of; returns name → height of every one not yet
    applied."""
    plans: dict[str, int] = {}
    for name, record in records.items():
        if record is not None:
            print(f"· upgrade {name} {str(record['status']).lower()} at height {record['height']}")
            if record["status"] != "APPLIED":
                plans[name] = int(str(record["height"]))
            continue
        height = max(h for h in net.heights().values() if h is not None) + UPGRADE_MARGIN_BLOCKS
        tx = txs.signed(net.pki_root, net.chain_id, "ScheduleUpgrade", [name, str(height)], approvers())
        committed = net.submit(tx, via=1, seen_on=1)
        plans[name] = height
        print(f"✓ ScheduleUpgrade({name}, {height}) signed by {' + '.join(approvers())} admins, committed at "
              f"height {committed.height}")
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
