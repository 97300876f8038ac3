"""`python -m ledgerml.shared.bridge` as a process: it waits for an unreachable validator (saying so in its
status file, not crashing), stops cleanly on SIGTERM, and refuses to start without a validator."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ledgerml.shared.bridge.main import run
from ledgerml.shared.bridge.settings import BridgeSettings
from ledgerml.shared.bridge.status import STATUS_FILE, read_status
from ledgerml.shared.errors import ConfigurationInvalid

DEADLINE_S = 60.0


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(tmp_path: Path, **env: str) -> subprocess.Popen[bytes]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LEDGERML_BRIDGE_")}
    return subprocess.Popen([sys.executable, "-m", "ledgerml.shared.bridge"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env={**clean, "LEDGERML_BRIDGE_DATA_DIR": str(tmp_path), **env})


def test_an_unreachable_validator_is_waited_for_and_sigterm_stops_the_bridge(tmp_path: Path) -> None:
    proc = _start(tmp_path, LEDGERML_BRIDGE_LEDGER_RPC_URL=f"http://127.0.0.1:{_closed_port()}",
                  LEDGERML_BRIDGE_LEDGER_CHAIN_ID="ledgerml-test", LEDGERML_BRIDGE_RETRY_MAX_S="0.2")
    try:
        deadline = time.monotonic() + DEADLINE_S
        while (status := read_status(tmp_path / STATUS_FILE)) is None or status.get("pid") != proc.pid:
            assert proc.poll() is None and time.monotonic() < deadline, "no status from the bridge"
            time.sleep(0.05)  # poll: the bridge writes its status as soon as the validator refuses
        assert (status["state"], status["ready"], status["error"]) == ("retrying", False, "ledger: LML-5003")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=DEADLINE_S) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    final = read_status(tmp_path / STATUS_FILE)
    assert final is not None and (final["state"], final["ready"]) == ("stopped", False)


def test_without_a_validator_the_bridge_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationInvalid, match="LEDGERML_BRIDGE_LEDGER_RPC_URL"):
        run(BridgeSettings(data_dir=tmp_path, ledger_rpc_url=None), threading.Event())
