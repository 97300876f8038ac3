from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ledgerml.stack.procs import ReadinessError, running_pid, spawn, stop, wait_until


def test_spawn_and_stop_by_pid(tmp_path: Path) -> None:
    pid_file, log = tmp_path / "p.pid", tmp_path / "p.log"
    pid = spawn([sys.executable, "-c", "import signal\nprint('hi', flush=True)\nsignal.pause()"],
                pid_file=pid_file, log=log)
    assert running_pid(pid_file) == pid
    wait_until(lambda: "hi" in log.read_text(), what="child output", timeout_s=10, log=log)
    assert stop(pid_file, grace_s=5)
    assert running_pid(pid_file) is None
    assert not pid_file.exists()


def test_readiness_failure_reports_log_tail(tmp_path: Path) -> None:
    pid_file, log = tmp_path / "p.pid", tmp_path / "p.log"
    spawn([sys.executable, "-c", "print('boom: bad config', flush=True)"], pid_file=pid_file, log=log)
    with pytest.raises(ReadinessError, match="boom: bad config"):
        wait_until(lambda: False, what="never ready", timeout_s=10, log=log, pid_file=pid_file)
