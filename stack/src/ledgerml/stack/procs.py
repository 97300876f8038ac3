"""Start, track and stop the stack's processes by process id (never by name)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path


class ReadinessError(RuntimeError):
    """A component did not become ready; the message carries the tail of its log."""


def log_tail(log: Path, lines: int = 40) -> str:
    if not log.exists():
        return f"(no log at {log})"
    text = log.read_text(errors="replace").splitlines()[-lines:]
    return "\n".join(f"    | {line}" for line in text)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child still answers signal 0; reap it if it is ours.
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:
        return _not_zombie(pid)


def _not_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def read_pid(pid_file: Path) -> int | None:
    try:
        return int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None


def running_pid(pid_file: Path) -> int | None:
    pid = read_pid(pid_file)
    return pid if pid is not None and pid_alive(pid) else None


def spawn(
    argv: Sequence[str], *, pid_file: Path, log: Path, env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> int:
    """Start a process in its own session (so its whole group can be stopped), log to `log`."""
    log.parent.mkdir(parents=True, exist_ok=True)
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        proc = subprocess.Popen(  # noqa: S603 - argv built by the stack, not from user input
            list(argv), stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})}, cwd=cwd, start_new_session=True,
        )
    pid_file.write_text(str(proc.pid))
    return proc.pid


def stop(pid_file: Path, *, grace_s: float = 20.0, sig: signal.Signals = signal.SIGTERM) -> bool:
    """Signal the process group led by the recorded pid (SIGTERM), SIGKILL it after `grace_s`."""
    pid = read_pid(pid_file)
    if pid is None:
        return False
    stopped = False
    if pid_alive(pid):
        _signal_group(pid, sig)
        deadline = time.monotonic() + grace_s
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)  # poll
        _signal_group(pid, signal.SIGKILL)
        stopped = True
    else:
        _signal_group(pid, signal.SIGKILL)  # leftover children of a leader that already died
    pid_file.unlink(missing_ok=True)
    return stopped


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def wait_until(
    probe: Callable[[], bool], *, what: str, timeout_s: float, log: Path, pid_file: Path | None = None,
) -> float:
    """Poll `probe` until it holds; fail fast if the process died; return seconds waited."""
    start = time.monotonic()
    deadline = start + timeout_s
    while time.monotonic() < deadline:
        if probe():
            return time.monotonic() - start
        if pid_file is not None and running_pid(pid_file) is None:
            raise ReadinessError(f"{what}: process exited before it was ready. Last log lines:\n"
                                 f"{log_tail(log)}")
        time.sleep(0.25)  # poll
    raise ReadinessError(f"{what}: not ready after {timeout_s:.0f}s. Last log lines of {log}:\n{log_tail(log)}")


def port_listening(port: int) -> bool:
    """A socket listens on `port` (from /proc/net/tcp*): tells an ABCI server is up without connecting
    to it, which such a server would log as a dropped client."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if len(fields) > 3 and fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                return True
    return False


def rss_mib(pid: int) -> float:
    """Resident memory of a process and its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True
