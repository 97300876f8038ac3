"""MinIO built from its pinned Go source; the services speak plain S3 to it."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

from ledgerml.stack.components.base import Component
from ledgerml.stack.config import cache_dir
from ledgerml.stack.procs import ReadinessError, running_pid, spawn, stop, wait_until


class MinIO(Component):
    name = "minio"

    @property
    def binary(self):  # type: ignore[no-untyped-def]
        return cache_dir() / f"minio-{self.cfg.versions['MINIO_VERSION']}" / "bin" / "minio"

    def ports(self) -> list[int]:
        return [self.cfg.ports["MINIO_PORT"], self.cfg.ports["MINIO_CONSOLE_PORT"]]

    def endpoints(self) -> dict[str, str]:
        return {
            "LEDGERML_S3_ENDPOINT": f"127.0.0.1:{self.cfg.ports['MINIO_PORT']}",
            "LEDGERML_S3_ACCESS_KEY": "ledgerml-admin",
            "LEDGERML_S3_SECRET_KEY": self.secret("root-password"),
            # MinIO's own drive (single-drive layout: <dir>/<bucket>/<object>/xl.meta, larger objects' data in
            # <object>/<data dir>/part.1), for tests that damage an object on disk, under S3's back.
            "LEDGERML_MINIO_DATA_DIR": str(self.data_dir),
        }

    @property
    def data_dir(self) -> Path:
        return self.dir / "data"

    def start(self) -> None:
        if running_pid(self.pid_file) is None:
            if not self.binary.exists():
                raise ReadinessError(f"minio: binary missing at {self.binary}; run `make install`")
            self.data_dir.mkdir(parents=True, exist_ok=True)
            port, console = self.cfg.ports["MINIO_PORT"], self.cfg.ports["MINIO_CONSOLE_PORT"]
            env = {"MINIO_ROOT_USER": "ledgerml-admin", "MINIO_ROOT_PASSWORD": self.secret("root-password"),
                   "MINIO_BROWSER": "off", "MINIO_UPDATE": "off", "MINIO_CI_CD": "1"}
            spawn([str(self.binary), "server", str(self.data_dir), "--address", f"127.0.0.1:{port}",
                   "--console-address", f"127.0.0.1:{console}", "--quiet"],
                  pid_file=self.pid_file, log=self.log, env=env)
        wait_until(self.ready, what="minio /minio/health/ready", timeout_s=60, log=self.log,
                   pid_file=self.pid_file)

    def ready(self) -> bool:
        url = f"http://127.0.0.1:{self.cfg.ports['MINIO_PORT']}/minio/health/ready"
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                return bool(resp.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def stop(self) -> bool:
        return stop(self.pid_file)
