"""A Ray head (GCS, Jobs API, dashboard) sized for a 2-core machine, with token auth on."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from ledgerml.stack.components.base import Component
from ledgerml.stack.procs import running_pid, spawn, stop, wait_until

OBJECT_STORE_BYTES = 200 * 1024 * 1024


class Ray(Component):
    name = "ray"

    @property
    def token_file(self) -> Path:
        self.secret("auth-token", 32)
        return self.dir / ".auth-token"

    @property
    def temp_dir(self) -> Path:
        # Ray's unix sockets live under its temp dir and must stay short (108-byte limit).
        digest = hashlib.sha256(str(self.dir).encode()).hexdigest()[:8]
        return Path(tempfile.gettempdir()) / f"lml-ray-{self.cfg.profile}-{digest}"

    def ports(self) -> list[int]:
        base = self.cfg.ports["RAY_PORT_BASE"]
        return [self.cfg.ports["RAY_GCS_PORT"], self.cfg.ports["RAY_DASHBOARD_PORT"], *range(base + 1, base + 8)]

    def endpoints(self) -> dict[str, str]:
        return {
            "LEDGERML_RAY_ADDRESS": f"http://127.0.0.1:{self.cfg.ports['RAY_DASHBOARD_PORT']}",
            "RAY_AUTH_MODE": "token",
            "RAY_AUTH_TOKEN_PATH": str(self.token_file),
        }

    def _env(self) -> dict[str, str]:
        # Jobs run `python ...` from the head's PATH: make that the workspace interpreter (torch, ray).
        venv_bin = str(Path(sys.executable).parent)
        return {"PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
                "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(self.token_file),
                "RAY_USAGE_STATS_ENABLED": "0", "RAY_DEDUP_LOGS": "0"}

    def start(self) -> None:
        if running_pid(self.pid_file) is None:
            base = self.cfg.ports["RAY_PORT_BASE"]
            ray_cli = str(Path(sys.executable).with_name("ray"))
            argv = [
                ray_cli, "start", "--head", "--block", "--disable-usage-stats",
                "--port", str(self.cfg.ports["RAY_GCS_PORT"]), "--node-ip-address", "127.0.0.1",
                "--include-dashboard", "true", "--dashboard-host", "127.0.0.1",
                "--dashboard-port", str(self.cfg.ports["RAY_DASHBOARD_PORT"]),
                "--node-manager-port", str(base + 1), "--object-manager-port", str(base + 2),
                "--metrics-export-port", str(base + 3), "--dashboard-agent-grpc-port", str(base + 4),
                "--dashboard-agent-listen-port", str(base + 5), "--runtime-env-agent-port", str(base + 6),
                "--ray-client-server-port", str(base + 7),
                "--min-worker-port", str(base + 100), "--max-worker-port", str(base + 299),
                "--num-cpus", str(os.cpu_count() or 2), "--object-store-memory", str(OBJECT_STORE_BYTES),
                "--temp-dir", str(self.temp_dir),
            ]
            spawn(argv, pid_file=self.pid_file, log=self.log, env=self._env())
        wait_until(self.ready, what="ray dashboard with auth token and an ALIVE head node", timeout_s=120,
                   log=self.log, pid_file=self.pid_file)

    def _get(self, path: str) -> object:
        url = f"http://127.0.0.1:{self.cfg.ports['RAY_DASHBOARD_PORT']}{path}"
        token = self.token_file.read_text().strip()
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=2) as resp:  # noqa: S310 - loopback
            return json.loads(resp.read())

    def ready(self) -> bool:
        """The dashboard answers AND the head node registered as ALIVE: the dashboard comes up seconds
        before the node, and a node still starting can time out if the machine is saturated then."""
        try:
            version = self._get("/api/version")
            nodes = self._get("/api/v0/nodes?limit=10")
        except (urllib.error.URLError, OSError, ValueError):
            return False
        if not isinstance(version, dict) or "ray_version" not in version or not isinstance(nodes, dict):
            return False
        listed = ((nodes.get("data") or {}).get("result") or {}).get("result") or []
        return any(isinstance(n, dict) and n.get("state") == "ALIVE" for n in listed)

    def stop(self) -> bool:
        # `ray start --block` tears its node processes down on SIGTERM; the group kill after the grace
        # period catches any straggler it started.
        return stop(self.pid_file, grace_s=30)
