"""PostgreSQL from Debian's packages, one cluster per profile, for the services' deployment database."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

from ledgerml.stack.components.base import Component
from ledgerml.stack.procs import ReadinessError, running_pid, spawn, stop, wait_until

PG_BIN_CANDIDATES = [Path(f"/usr/lib/postgresql/{v}/bin") for v in (17, 16, 15)]


def pg_bin() -> Path | None:
    return next((p for p in PG_BIN_CANDIDATES if (p / "postgres").exists()), None)


class Postgres(Component):
    name = "postgres"

    def ports(self) -> list[int]:
        return [self.cfg.ports["POSTGRES_PORT"]]

    def endpoints(self) -> dict[str, str]:
        port, pw = self.cfg.ports["POSTGRES_PORT"], self.secret("password")
        return {"LEDGERML_TEST_POSTGRES_URL": f"postgresql+psycopg://ledgerml:{pw}@127.0.0.1:{port}/ledgerml"}

    def _as_db_user(self, argv: list[str]) -> list[str]:
        # PostgreSQL refuses to run as root; Debian's package provides the `postgres` account.
        if os.geteuid() == 0:
            return [shutil.which("runuser") or "runuser", "-u", "postgres", "--", *argv]
        return argv

    def _init(self, binaries: Path) -> None:
        data = self.dir / "data"
        if (data / "PG_VERSION").exists():
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        pwfile = self.dir / ".pwfile"
        pwfile.write_text(self.secret("password") + "\n")
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
            shutil.chown(pwfile, "postgres")
        done = subprocess.run(  # noqa: S603
            self._as_db_user([str(binaries / "initdb"), "-D", str(data), "-U", "ledgerml", "--pwfile",
                              str(pwfile), "--auth-local=scram-sha-256", "--auth-host=scram-sha-256",
                              "-E", "UTF8", "--locale=C.UTF-8"]),
            capture_output=True, text=True, check=False)
        pwfile.unlink(missing_ok=True)
        if done.returncode != 0:
            raise ReadinessError(f"postgres: initdb failed:\n{done.stdout}\n{done.stderr}")

    def start(self) -> None:
        binaries = pg_bin()
        if binaries is None:
            raise ReadinessError("postgres: server binaries missing; run `make install` (Debian postgresql)")
        if running_pid(self.pid_file) is None:
            self._init(binaries)
            argv = [str(binaries / "postgres"), "-D", str(self.dir / "data"),
                    "-p", str(self.cfg.ports["POSTGRES_PORT"]), "-c", "listen_addresses=127.0.0.1",
                    "-c", f"unix_socket_directories={self.dir}", "-c", "max_connections=100",
                    "-c", "shared_buffers=64MB", "-c", "fsync=on"]
            spawn(self._as_db_user(argv), pid_file=self.pid_file, log=self.log)
        wait_until(self.ready, what="postgres pg_isready", timeout_s=60, log=self.log, pid_file=self.pid_file)
        self._ensure_database(binaries)

    def _ensure_database(self, binaries: Path) -> None:
        env = {**os.environ, "PGPASSWORD": self.secret("password")}
        base = ["-h", "127.0.0.1", "-p", str(self.cfg.ports["POSTGRES_PORT"]), "-U", "ledgerml"]
        exists = subprocess.run(  # noqa: S603
            [str(binaries / "psql"), *base, "-d", "postgres", "-tAc",
             "SELECT 1 FROM pg_database WHERE datname='ledgerml'"],
            capture_output=True, text=True, env=env, check=False)
        if exists.stdout.strip() != "1":
            subprocess.run([str(binaries / "createdb"), *base, "ledgerml"], env=env, check=True,  # noqa: S603
                           capture_output=True)

    def ready(self) -> bool:
        binaries = pg_bin()
        if binaries is None:
            return False
        done = subprocess.run(  # noqa: S603
            [str(binaries / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.cfg.ports["POSTGRES_PORT"]),
             "-t", "2"], capture_output=True, check=False)
        return done.returncode == 0

    def stop(self) -> bool:
        # SIGINT is PostgreSQL's "fast" shutdown: it does not wait for clients to disconnect.
        return stop(self.pid_file, grace_s=30, sig=signal.SIGINT)
