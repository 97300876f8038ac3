"""The consortium ledger on loopback: four CometBFT validators (the operator, Org1, Org2, Org3), each
with its own LedgerML ABCI application process (docs/decisions/0003, "The local network").

State under `.run/<profile>/ledger/`: `node<i>/` is node i's CometBFT home (keys, config, chain data),
`node<i>/app/` its application's home, `node<i>/{node,app}.pid` the recorded processes, and `app` the
application binary the chain runs. Fault tests drive it directly:
`LedgerNetwork(cfg).kill(i)`, `.start_node(i)`, `.heights()`, `.app_hashes(height)`.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from ledgerml.stack.components.base import Component
from ledgerml.stack.components.ledger import binaries, layout, rpc, txs
from ledgerml.stack.components.ledger.health import NodeHealth, ProbeResult, Readiness
from ledgerml.stack.config import StackConfig
from ledgerml.stack.procs import ReadinessError, log_tail, port_listening, rss_mib, running_pid, spawn, stop, wait_until

FIRST_BLOCK_TIMEOUT_S = 120.0
PROBE_TIMEOUT_S = 30.0
# `make status` calls a validator stalled when its height did not move for this long.
STALL_WINDOW_S = 3 * layout.EMPTY_BLOCKS_INTERVAL_S + 1.0


class LedgerNetwork(Component):
    name = "ledger"

    def __init__(self, cfg: StackConfig) -> None:
        super().__init__(cfg)
        self.nodes = layout.node_specs(cfg.ports["LEDGER_PORT_BASE"])
        self.chain_id = layout.chain_id(cfg.profile)
        self.pki_root = cfg.run_dir / "pki"
        self.app_file = self.dir / "app"
        self.readiness = Readiness()

    # -- where things are -------------------------------------------------------------------------
    def home(self, i: int) -> Path:
        return self.dir / f"node{i}"

    def node_pid_file(self, i: int) -> Path:
        return self.home(i) / "node.pid"

    def app_pid_file(self, i: int) -> Path:
        return self.home(i) / "app.pid"

    def node_log(self, i: int) -> Path:
        return self.cfg.logs_dir / f"ledger-node{i}.log"

    def app_log(self, i: int) -> Path:
        return self.cfg.logs_dir / f"ledger-app{i}.log"

    def rpc_url(self, i: int) -> str:
        return self.nodes[i].rpc_url

    def app(self) -> str:
        """The application the chain runs: a binary path, or CometBFT's built-in `kvstore`."""
        return self.app_file.read_text().strip() if self.app_file.exists() else self._tree_app()

    def _tree_app(self) -> str:
        if not binaries.app_present():
            return binaries.BUILTIN_APP
        return str(binaries.app_binary(binaries.app_source_hash()))

    def _builtin(self) -> bool:
        return self.app() == binaries.BUILTIN_APP

    # -- Component --------------------------------------------------------------------------------
    def ports(self) -> list[int]:
        return [p for n in self.nodes for p in (n.p2p_port, n.rpc_port, n.abci_port)]

    def running(self) -> bool:
        return all(running_pid(self.node_pid_file(n.index)) for n in self.nodes)

    def ports_to_bind(self) -> list[int]:
        out: list[int] = []
        for n in self.nodes:
            out += [] if running_pid(self.node_pid_file(n.index)) else [n.p2p_port, n.rpc_port]
            out += [] if running_pid(self.app_pid_file(n.index)) else [n.abci_port]
        return out

    def endpoints(self) -> dict[str, str]:
        return {"LEDGERML_LEDGER_CHAIN_ID": self.chain_id, **{n.env_key: n.rpc_url for n in self.nodes},
                "LEDGERML_LEDGER_RPC_URLS": ",".join(n.rpc_url for n in self.nodes)}

    def summary(self) -> str:
        app = "built-in kvstore app" if self._builtin() else f"app {Path(self.app()).parent.parent.name}"
        return f"chain {self.chain_id}, {len(self.nodes)} validators, {app}"

    def start(self) -> None:
        self.generate()
        app = self._app_for_start()
        todo = [n.index for n in self.nodes if running_pid(self.node_pid_file(n.index)) is None]
        started = time.monotonic()
        for i in todo:
            self._spawn_app(i, app)
        for i in todo:
            self._spawn_node(i, app)
        wait_until(lambda: self._alive_and(lambda i: self._committed(i, 1)), what="ledger: every validator "
                   "committed a block and is not catching up", timeout_s=FIRST_BLOCK_TIMEOUT_S, log=self.node_log(0))
        committed = time.monotonic() - started
        self.readiness = Readiness(committed, self.probe(), tuple(todo))

    def ready(self) -> bool:
        return self.running() and all(self._committed(n.index, 1) for n in self.nodes)

    def stop(self) -> bool:
        """Nodes first (SIGTERM, then SIGKILL after the grace period), then their applications."""
        nodes = [stop(self.node_pid_file(n.index), grace_s=15) for n in self.nodes]
        apps = [stop(self.app_pid_file(n.index), grace_s=10) for n in self.nodes]
        return any(nodes + apps)

    def details(self) -> list[str]:
        lines = []
        for n in self.nodes:
            pid, app_pid = running_pid(self.node_pid_file(n.index)), running_pid(self.app_pid_file(n.index))
            mem = (rss_mib(pid) if pid else 0) + (rss_mib(app_pid) if app_pid else 0)
            app = "" if self._builtin() else f" app pid={app_pid or '-':<8}"
            lines.append(f"    {n.name} {n.msp_id:<10} {n.role:<8} {n.rpc_url}  pid={pid or '-':<8}{app} "
                         f"{mem:5.0f} MiB")
        r = self.readiness
        if r.probe is not None:
            what = (f"started {len(r.started)} node(s), all committed in {r.committed_s:.1f}s" if r.started
                    else "all were running")
            lines.append(f"    {what}; Probe {r.probe.tx_id[:12]}… sent to "
                         f"node{r.probe.sent_to}, found on node{r.probe.seen_on} at height {r.probe.height} in "
                         f"{r.probe.seconds:.2f}s; {self.total_rss_mib():.0f} MiB for nodes and apps")
        return lines

    def report(self) -> tuple[bool, list[str]]:
        health, window = self.observe()
        lines = [f"{'✓ up  ' if all(not h.problem for h in health) else '✗ DOWN'} ledger    {self.summary()}"]
        lines += [h.line(window) for h in health]
        return all(not h.problem for h in health), lines

    # -- generation -------------------------------------------------------------------------------
    def generate(self) -> None:
        """Keys, node ids and the shared genesis, once; a second call only checks the genesis still names
        the consortium PKI's roots."""
        if not (self.pki_root / ".complete").exists():
            raise ReadinessError(f"ledger: no consortium PKI at {self.pki_root} (`up` issues it first)")
        state = layout.app_state(self.pki_root)
        genesis_file = self.home(0) / "config" / "genesis.json"
        if (self.dir / ".complete").exists():
            if json.loads(genesis_file.read_text()).get("app_state") != state:
                raise ReadinessError(f"ledger: the genesis under {self.dir} names other MSP roots than "
                                     f"{self.pki_root} (the PKI was issued again); `make clean` starts over")
            return
        cometbft = self._cometbft()
        for n in self.nodes:
            if not (self.home(n.index) / "config" / "priv_validator_key.json").exists():
                done = subprocess.run([str(cometbft), "init", "--home", str(self.home(n.index))],  # noqa: S603
                                      capture_output=True, text=True, check=False)
                if done.returncode != 0:
                    raise ReadinessError(f"ledger: cometbft init failed:\n{done.stdout}{done.stderr}")
        validators = [layout.validator_entry(self._key(i, "priv_validator_key.json"), n.moniker)
                      for i, n in enumerate(self.nodes)]
        doc = layout.genesis(json.loads(genesis_file.read_text()), chain=self.chain_id, validators=validators,
                             state=state)
        for n in self.nodes:
            (self.home(n.index) / "config" / "genesis.json").write_text(json.dumps(doc, indent=2) + "\n")
        self.app_file.write_text(self._tree_app() + "\n")
        (self.dir / ".complete").write_text(self.chain_id + "\n")

    def _key(self, i: int, name: str) -> dict[str, object]:
        data = json.loads((self.home(i) / "config" / name).read_text())
        assert isinstance(data, dict)
        return data

    def _cometbft(self) -> Path:
        binary = binaries.cometbft_binary(self.cfg.versions)
        if not binary.exists():
            raise ReadinessError(f"ledger: cometbft missing at {binary}; run `make install`")
        return binary

    def _configure(self, i: int, app: str) -> None:
        ids = [layout.node_id(self._key(n.index, "node_key.json")) for n in self.nodes]
        node = self.nodes[i]
        proxy = app if app == binaries.BUILTIN_APP else f"tcp://127.0.0.1:{node.abci_port}"
        path = self.home(i) / "config" / "config.toml"
        path.write_text(layout.set_toml(path.read_text(), layout.config_settings(
            node, peers=layout.persistent_peers(self.nodes, ids, exclude=i), proxy_app=proxy)))

    # -- processes --------------------------------------------------------------------------------
    def _app_for_start(self) -> str:
        """A node joining running validators runs their binary; a network started from scratch runs the
        working tree's build (`make install` builds it)."""
        if any(running_pid(self.node_pid_file(n.index)) for n in self.nodes):
            return self.app()
        recorded, tree = self.app(), self._tree_app()
        if tree != binaries.BUILTIN_APP and not Path(tree).exists():
            raise ReadinessError(f"ledger: application not built for this tree ({tree}); run `make install`")
        if recorded == binaries.BUILTIN_APP and tree != binaries.BUILTIN_APP:
            # A chain of the built-in kvstore app holds nothing but probes, and the LedgerML application
            # cannot replay it: start a new chain.
            print(f"  ledger: the chain under {self.dir} ran the built-in kvstore app; starting a new one")
            shutil.rmtree(self.dir)
            self.generate()
        elif tree == binaries.BUILTIN_APP and recorded != tree:
            raise ReadinessError(f"ledger: the chain under {self.dir} runs {recorded}, but this tree has no "
                                 f"{binaries.APP_PACKAGE}; `make clean` starts a new chain")
        self.app_file.write_text(tree + "\n")
        return tree

    def _spawn_app(self, i: int, app: str) -> None:
        if app == binaries.BUILTIN_APP or running_pid(self.app_pid_file(i)):
            return
        node = self.nodes[i]
        (self.home(i) / "app").mkdir(parents=True, exist_ok=True)
        spawn([app, "--home", str(self.home(i) / "app"), "--addr", f"tcp://127.0.0.1:{node.abci_port}"],
              pid_file=self.app_pid_file(i), log=self.app_log(i))
        wait_until(lambda: port_listening(node.abci_port), what=f"ledger app{i} ABCI socket", timeout_s=30,
                   log=self.app_log(i), pid_file=self.app_pid_file(i))

    def _spawn_node(self, i: int, app: str) -> None:
        self._configure(i, app)
        spawn([str(self._cometbft()), "start", "--home", str(self.home(i))], pid_file=self.node_pid_file(i),
              log=self.node_log(i))

    def _alive_and(self, check: Callable[[int], bool], indices: list[int] | None = None) -> bool:
        """Raise (with the log tail) if a recorded process died, else whether `check(i)` holds for all."""
        indices = indices if indices is not None else [n.index for n in self.nodes]
        for i in indices:
            if running_pid(self.node_pid_file(i)) is None:
                raise ReadinessError(f"ledger node{i} exited. Last log lines:\n{log_tail(self.node_log(i))}")
            if not self._builtin() and running_pid(self.app_pid_file(i)) is None:
                raise ReadinessError(f"ledger app{i} exited. Last log lines:\n{log_tail(self.app_log(i))}")
        return all(check(i) for i in indices)

    def _status(self, i: int) -> dict[str, object] | None:
        try:
            return rpc.get(self.rpc_url(i), "status")
        except rpc.RpcError:
            return None

    def _committed(self, i: int, height: int) -> bool:
        status = self._status(i)
        sync = status.get("sync_info") if status else None
        return (isinstance(sync, dict) and not sync.get("catching_up", True)
                and int(sync.get("latest_block_height", 0)) >= height)

    # -- what fault tests and `status` use --------------------------------------------------------
    def heights(self) -> dict[int, int | None]:
        """Each node's latest committed height; None when its RPC does not answer."""
        out: dict[int, int | None] = {}
        for n in self.nodes:
            status = self._status(n.index)
            sync = status.get("sync_info") if status else None
            out[n.index] = int(sync["latest_block_height"]) if isinstance(sync, dict) else None
        return out

    def app_hashes(self, height: int) -> dict[int, str | None]:
        """The app hash in each node's header at `height` (the application state after `height - 1`),
        uppercase hex; None when that node does not have the block."""
        out: dict[int, str | None] = {}
        for n in self.nodes:
            try:
                out[n.index] = str(rpc.get(n.rpc_url, "header", height=height)["header"]["app_hash"])
            except (rpc.RpcError, KeyError, TypeError):
                out[n.index] = None
        return out

    def kill(self, i: int, *, app: bool = False) -> None:
        """kill -9 validator i's node (and its application with `app=True`), by recorded pid."""
        stop(self.node_pid_file(i), grace_s=5, sig=signal.SIGKILL)
        if app:
            stop(self.app_pid_file(i), grace_s=5, sig=signal.SIGKILL)

    def stop_node(self, i: int) -> None:
        """Stop validator i gracefully: its node, then its application."""
        stop(self.node_pid_file(i), grace_s=15)
        stop(self.app_pid_file(i), grace_s=10)

    def start_node(self, i: int, *, app: str | None = None, timeout_s: float = FIRST_BLOCK_TIMEOUT_S) -> float:
        """Start validator i again (its application too if that is down; `app` overrides the binary the
        others run) and wait until it has caught up with the height the others had when it started.
        Returns the seconds that took."""
        others = [h for j, h in self.heights().items() if j != i and h is not None]
        target, started = max(others, default=1), time.monotonic()
        app = app or self._app_for_start()
        self._spawn_app(i, app)
        if running_pid(self.node_pid_file(i)) is None:
            self._spawn_node(i, app)
        wait_until(lambda: self._alive_and(lambda j: self._committed(j, target), [i]),
                   what=f"ledger node{i} caught up to height {target}", timeout_s=timeout_s, log=self.node_log(i))
        return time.monotonic() - started

    def probe(self, *, via: int = 1, seen_on: int = 3, timeout_s: float = PROBE_TIMEOUT_S) -> ProbeResult:
        """Send a `Probe` transaction (signed by the operator's Admin) to node `via` and wait until node
        `seen_on` finds it by hash."""
        if self._builtin():
            from ledgerml.shared.ledger.envelope import random_nonce

            tx = f"probe={random_nonce()}".encode()  # kvstore's key=value format
        else:
            tx = txs.signed(self.pki_root, self.chain_id, "Probe", [], [self.nodes[0].msp_id])
        return self.submit(tx, via=via, seen_on=seen_on, timeout_s=timeout_s)

    def submit(self, tx: bytes, *, via: int = 1, seen_on: int = 3, timeout_s: float = PROBE_TIMEOUT_S) -> ProbeResult:
        """Send transaction bytes to node `via`; wait until node `seen_on` has committed them."""
        return txs.submit(tx, via=(via, self.rpc_url(via)), seen_on=(seen_on, self.rpc_url(seen_on)),
                          timeout_s=timeout_s, log=self.node_log(seen_on))

    def observe(self, window_s: float = STALL_WINDOW_S) -> tuple[list[NodeHealth], float]:
        """Each validator's processes, height and peers, watched until every answering node committed
        another block or `window_s` passed; returns the health rows and the seconds watched."""
        first, started = self.heights(), time.monotonic()
        last = dict(first)
        while time.monotonic() - started < window_s:
            if all(h is None or (last[i] or 0) > h for i, h in first.items()):
                break
            time.sleep(0.25)  # poll
            last = {i: h if h is not None else last[i] for i, h in self.heights().items()}
        window = time.monotonic() - started
        rows = []
        for n in self.nodes:
            pid, app_pid = running_pid(self.node_pid_file(n.index)), running_pid(self.app_pid_file(n.index))
            status = self._status(n.index)
            sync = status.get("sync_info") if status else None
            try:
                peers: int | None = int(rpc.get(n.rpc_url, "net_info")["n_peers"])
            except (rpc.RpcError, KeyError, ValueError):
                peers = None
            mem = (rss_mib(pid) if pid else 0) + (rss_mib(app_pid) if app_pid else 0)
            height = last[n.index]
            rows.append(NodeHealth(
                n, pid, app_pid, not self._builtin(), mem, height, peers,
                bool(sync.get("catching_up")) if isinstance(sync, dict) else False,
                (height or 0) - (first[n.index] or 0) if first[n.index] is not None else 0,
                "" if status else "no reply"))
        return rows, window

    def total_rss_mib(self) -> float:
        pids = [running_pid(f) for n in self.nodes for f in (self.node_pid_file(n.index), self.app_pid_file(n.index))]
        return sum(rss_mib(p) for p in pids if p)
