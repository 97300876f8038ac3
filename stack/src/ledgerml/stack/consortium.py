"""The local consortium: every organisation's five LedgerML services as real processes.

`python -m ledgerml.stack consortium up|down|status --profile dev|test` starts, for Org1..Org3, each
service as `python -m ledgerml.<service> all` (API, outbox/ledger-write relay and consumers in one
supervised process), on its own loopback port and SQLite database, authenticated with the
consortium PKI, talking to the stack's Kafka, MinIO and Ray. It waits on each `/readyz`, and writes
`.run/<profile>/endpoints.json`, which the SDK and CLI read.

When the stack runs the ledger network, each organisation also gets its ledger→Kafka bridge
(`python -m ledgerml.shared.bridge`), started before its services and following its own validator;
it is ready when its status file (`services/<org>/ledger-bridge/status.json`) is fresh and says so.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from ledgerml.stack.config import REPO_ROOT, StackConfig
from ledgerml.stack.consortium_env import bridge_env, service_env
from ledgerml.stack.procs import ReadinessError, running_pid, spawn, stop, wait_until

ORGS = ("Org1MSP", "Org2MSP", "Org3MSP")
BRIDGE = "ledger-bridge"
BRIDGE_STALE_S = 15.0  # the bridge rewrites its status every 2 s, even when idle


@dataclass(frozen=True)
class ServiceSpec:
    name: str  # token audience and endpoint key
    module: str  # python -m <module>
    prefix: str  # settings env prefix
    identity: str  # PKI identity the service acts as
    offset: int  # port offset within the organisation's block


SERVICES = (
    ServiceSpec("registry", "ledgerml.registry", "LEDGERML_REGISTRY_", "registry", 0),
    ServiceSpec("access-control", "ledgerml.access_control", "LEDGERML_ACCESS_CONTROL_", "access-control", 1),
    ServiceSpec("storage", "ledgerml.storage", "LEDGERML_STORAGE_", "storage", 2),
    ServiceSpec("training-orchestrator", "ledgerml.training", "LEDGERML_TRAINING_", "training", 3),
    ServiceSpec("audit", "ledgerml.audit", "LEDGERML_AUDIT_", "audit", 4),
)


def org_slug(msp_id: str) -> str:
    return msp_id.removesuffix("MSP").lower()


class Consortium:
    def __init__(self, cfg: StackConfig) -> None:
        self.cfg = cfg
        self.dir = cfg.run_dir / "services"

    def port(self, msp_id: str, spec: ServiceSpec) -> int:
        return self.cfg.ports["SERVICES_PORT_BASE"] + 10 * ORGS.index(msp_id) + spec.offset

    def endpoints(self) -> dict[str, dict[str, str]]:
        return {org: {s.name: f"http://127.0.0.1:{self.port(org, s)}" for s in SERVICES} for org in ORGS}

    def _files(self, msp_id: str, spec: ServiceSpec) -> tuple[Path, Path]:
        base = self.dir / org_slug(msp_id)
        return base / f"{spec.name}.pid", base / f"{spec.name}.log"

    def _ready(self, url: str) -> Callable[[], bool]:
        def probe() -> bool:
            try:
                return httpx.get(f"{url}/readyz", timeout=2).status_code == 200
            except httpx.TransportError:
                return False

        return probe

    def _bridge_files(self, msp_id: str) -> tuple[Path, Path, Path]:
        base = self.dir / org_slug(msp_id)
        return base / f"{BRIDGE}.pid", base / f"{BRIDGE}.log", base / BRIDGE

    def bridge_status(self, msp_id: str) -> dict[str, Any] | None:
        """The bridge's own status (height, head, lag, state), when its process is the one that wrote it."""
        pid_file, _, data = self._bridge_files(msp_id)
        pid = running_pid(pid_file)
        try:
            status = json.loads((data / "status.json").read_text())
        except (OSError, ValueError):
            return None
        return status if isinstance(status, dict) and pid is not None and status.get("pid") == pid else None

    def _bridge_ready(self, msp_id: str) -> Callable[[], bool]:
        def probe() -> bool:
            status = self.bridge_status(msp_id)
            fresh = status is not None and time.time() - float(status.get("updated_at") or 0) < BRIDGE_STALE_S
            return fresh and status is not None and status.get("ready") is True

        return probe

    def _start_bridge(self, msp_id: str, stack_env: dict[str, str]) -> bool:
        pid_file, log, data = self._bridge_files(msp_id)
        env = bridge_env(org=msp_id, slug=org_slug(msp_id), data_dir=data, stack_env=stack_env)
        if env is None or running_pid(pid_file) is not None:
            return False
        spawn([sys.executable, "-m", "ledgerml.shared.bridge"], pid_file=pid_file, log=log, env=env, cwd=REPO_ROOT)
        return True

    def up(self, *, timeout_s: float = 150.0) -> None:
        """Start each organisation's bridge and services and wait until they are ready; `timeout_s` is
        each organisation's budget (five cold Python starts and a bridge on two shared cores)."""
        stack_env = _read_stack_env(self.cfg.env_file)
        endpoints = self.endpoints()
        path = self.cfg.run_dir / "endpoints.json"  # written first: services read their partners from it
        path.write_text(json.dumps(endpoints, indent=2) + "\n")
        for org in ORGS:  # one organisation at a time: fifteen cold Python starts at once starve two cores
            t0 = time.monotonic()
            bridge = self._start_bridge(org, stack_env)  # first: the services' consumers read its topic
            started: list[ServiceSpec] = []
            for spec in SERVICES:
                pid_file, log = self._files(org, spec)
                if running_pid(pid_file) is not None:
                    continue
                env = service_env(spec, org=org, slug=org_slug(org), port=self.port(org, spec),
                                  data_dir=self.dir / org_slug(org), stack_env=stack_env, endpoints=endpoints)
                spawn([sys.executable, "-m", spec.module, "all"], pid_file=pid_file, log=log, env=env,
                      cwd=REPO_ROOT)
                started.append(spec)
            if bridge:
                pid_file, log, _ = self._bridge_files(org)
                wait_until(self._bridge_ready(org), what=f"{BRIDGE} of {org}",
                           timeout_s=max(5.0, timeout_s - (time.monotonic() - t0)), log=log, pid_file=pid_file)
            for spec in started:
                pid_file, log = self._files(org, spec)
                wait_until(self._ready(endpoints[org][spec.name]), what=f"{spec.name} of {org}",
                           timeout_s=max(5.0, timeout_s - (time.monotonic() - t0)), log=log, pid_file=pid_file)

    def down(self) -> int:
        stopped = 0
        for org in ORGS:
            for spec in SERVICES:
                pid_file, _ = self._files(org, spec)
                stopped += int(stop(pid_file, grace_s=10))
            stopped += int(stop(self._bridge_files(org)[0], grace_s=10))  # after the consumers of its topic
        (self.cfg.run_dir / "endpoints.json").unlink(missing_ok=True)
        return stopped

    def status(self) -> list[tuple[str, str, int | None, bool]]:
        """One row per process; a bridge row names its lag behind the validator when known."""
        stack_env = _read_stack_env(self.cfg.env_file) if self.cfg.env_file.exists() else {}
        rows = []
        for org in ORGS:
            pid_file, _, data = self._bridge_files(org)
            if bridge_env(org=org, slug=org_slug(org), data_dir=data, stack_env=stack_env) or pid_file.exists():
                lag = (self.bridge_status(org) or {}).get("lag")
                name = BRIDGE if lag is None else f"{BRIDGE} lag={lag}"
                rows.append((org, name, running_pid(pid_file), self._bridge_ready(org)()))
            for spec in SERVICES:
                pid_file, _ = self._files(org, spec)
                pid = running_pid(pid_file)
                rows.append((org, spec.name, pid, pid is not None and self._ready(self.endpoints()[org][spec.name])()))
        return rows


def _read_stack_env(path: Path) -> dict[str, str]:
    if not path.exists():
        raise ReadinessError(f"the stack is not running ({path} missing): run `make up` first")
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)

