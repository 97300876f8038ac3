"""kill -9 for the crash tests: one component of the running test stack at a time, by its recorded process id
(the whole process group, as a power cut would), and started again the way `make up` starts it."""

from __future__ import annotations

import signal
from dataclasses import dataclass
from pathlib import Path

from ledgerml.stack.components.base import Component
from ledgerml.stack.components.kafka import Kafka
from ledgerml.stack.components.ledger.network import LedgerNetwork
from ledgerml.stack.components.ray import Ray
from ledgerml.stack.config import StackConfig
from ledgerml.stack.consortium import BRIDGE, SERVICES, Consortium, org_slug
from ledgerml.stack.procs import running_pid, stop

VALIDATOR_OF = {"OrdererMSP": 0, "Org1MSP": 1, "Org2MSP": 2, "Org3MSP": 3}  # layout.VALIDATORS order


@dataclass
class Chaos:
    cfg: StackConfig

    @property
    def consortium(self) -> Consortium:
        return Consortium(self.cfg)

    @staticmethod
    def _kill(path: Path) -> int:
        pid = running_pid(path)
        if pid is None:
            raise AssertionError(f"nothing runs under {path}: the crash test needs the process up to kill it")
        stop(path, grace_s=10, sig=signal.SIGKILL)
        if running_pid(path) is not None:
            raise AssertionError(f"process {pid} ({path.name}) survived kill -9")
        return pid

    def kill_service(self, org: str, name: str) -> int:
        """kill -9 one organisation's service (`training-orchestrator`, …) or its `ledger-bridge`."""
        base = self.consortium.dir / org_slug(org)
        if name != BRIDGE and name not in {s.name for s in SERVICES}:
            raise ValueError(f"no service {name!r}")
        return self._kill(base / f"{name}.pid")

    def restart_services(self) -> None:
        """Start whatever of the consortium is not running (bridges, services) and wait until it is ready."""
        self.consortium.up()

    def kill_component(self, component: Component) -> int:
        return self._kill(component.pid_file)

    def kafka(self) -> Kafka:
        return Kafka(self.cfg)

    def ray(self) -> Ray:
        return Ray(self.cfg)

    def ledger(self) -> LedgerNetwork:
        return LedgerNetwork(self.cfg)

    def kill_validator(self, msp_id: str) -> int:
        """kill -9 the validator of `msp_id`: its CometBFT node and its application."""
        net, i = self.ledger(), VALIDATOR_OF[msp_id]
        pid = self._kill(net.node_pid_file(i))
        stop(net.app_pid_file(i), grace_s=10, sig=signal.SIGKILL)
        return pid

    def restart_validator(self, msp_id: str) -> float:
        """Start it again and wait until it has caught up; the seconds that took."""
        return self.ledger().start_node(VALIDATOR_OF[msp_id])
