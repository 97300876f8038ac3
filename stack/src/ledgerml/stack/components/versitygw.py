"""versitygw (Versity S3 gateway, posix backend) built from its pinned Go source: a second, independent S3
server, so the storage service is proven to speak plain S3 rather than MinIO's dialect."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

from ledgerml.stack.components.base import Component
from ledgerml.stack.config import cache_dir
from ledgerml.stack.procs import ReadinessError, running_pid, spawn, stop, wait_until

ACCESS_KEY = "ledgerml-s3b"
HEALTH_PATH = "/health"


class VersityGW(Component):
    name = "versitygw"

    @property
    def binary(self) -> Path:
        return cache_dir() / f"versitygw-{self.cfg.versions['VERSITYGW_VERSION']}" / "bin" / "versitygw"

    def ports(self) -> list[int]:
        return [self.cfg.ports["VERSITYGW_PORT"]]

    def endpoints(self) -> dict[str, str]:
        return {
            "LEDGERML_S3B_ENDPOINT": f"127.0.0.1:{self.cfg.ports['VERSITYGW_PORT']}",
            "LEDGERML_S3B_ACCESS_KEY": ACCESS_KEY,
            "LEDGERML_S3B_SECRET_KEY": self.secret("root-secret"),
        }

    def start(self) -> None:
        if running_pid(self.pid_file) is None:
            if not self.binary.exists():
                raise ReadinessError(f"versitygw: binary missing at {self.binary}; run `make install`")
            data = self.dir / "data"
            data.mkdir(parents=True, exist_ok=True)
            # Credentials through the environment, never on the command line (visible in `ps`).
            env = {"ROOT_ACCESS_KEY": ACCESS_KEY, "ROOT_SECRET_KEY": self.secret("root-secret")}
            spawn([str(self.binary), "--port", f"127.0.0.1:{self.cfg.ports['VERSITYGW_PORT']}",
                   "--health", HEALTH_PATH, "--quiet", "posix", str(data)],
                  pid_file=self.pid_file, log=self.log, env=env)
        wait_until(self.ready, what=f"versitygw {HEALTH_PATH}", timeout_s=60, log=self.log,
                   pid_file=self.pid_file)

    def ready(self) -> bool:
        url = f"http://127.0.0.1:{self.cfg.ports['VERSITYGW_PORT']}{HEALTH_PATH}"
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                return bool(resp.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def stop(self) -> bool:
        return stop(self.pid_file)
