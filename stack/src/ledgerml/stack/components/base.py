"""What every stack component offers the stack manager."""

from __future__ import annotations

import re
import secrets
from abc import ABC, abstractmethod
from pathlib import Path

from ledgerml.stack.config import StackConfig
from ledgerml.stack.procs import rss_mib, running_pid

_URL_PASSWORD = re.compile(r"(://[^:/@]+:)[^@]+@")


class Component(ABC):
    name: str

    def __init__(self, cfg: StackConfig) -> None:
        self.cfg = cfg
        self.dir = cfg.component_dir(self.name)
        self.log = cfg.logs_dir / f"{self.name}.log"
        self.pid_file = self.dir / f"{self.name}.pid"

    @abstractmethod
    def start(self) -> None:
        """Start the process if it is not running, then wait until it is ready."""

    @abstractmethod
    def ready(self) -> bool:
        """A real readiness check against the running process."""

    @abstractmethod
    def stop(self) -> bool:
        """Stop what this component started, by process id. True if something was stopped."""

    @abstractmethod
    def endpoints(self) -> dict[str, str]:
        """KEY=VALUE settings that clients need (written to the stack env file)."""

    def summary(self) -> str:
        """Endpoints for humans: credentials left out, passwords in URLs masked."""
        shown = {k: _URL_PASSWORD.sub(r"\1***@", v) for k, v in self.endpoints().items()
                 if not any(word in k for word in ("PASSWORD", "SECRET", "TOKEN"))}
        return ", ".join(f"{k}={v}" for k, v in shown.items())

    def ports(self) -> list[int]:
        return []

    def running(self) -> bool:
        return running_pid(self.pid_file) is not None

    def ports_to_bind(self) -> list[int]:
        """The ports a start would bind: none while the component runs."""
        return [] if self.running() else self.ports()

    def details(self) -> list[str]:
        """Extra lines `up` prints under the component's line (what runs where)."""
        return []

    def report(self) -> tuple[bool, list[str]]:
        """Health and the lines `make status` prints for this component."""
        pid = running_pid(self.pid_file)
        healthy = pid is not None and self.ready()
        mem = f"{rss_mib(pid):7.0f} MiB" if pid else " " * 11
        line = f"{'✓ up  ' if healthy else '✗ DOWN'} {self.name:<9} pid={pid or '-':<8} {mem}  {self.summary()}"
        return healthy, [line]

    def secret(self, name: str, nbytes: int = 24) -> str:
        """A random credential kept in the component's directory (mode 0600), stable across restarts."""
        path: Path = self.dir / f".{name}"
        if not path.exists():
            self.dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(nbytes))
            path.chmod(0o600)
        return path.read_text().strip()
