"""The data owner's worker: advances executor jobs (`executor.tick`) until stopped. Runs as a thread of
the API process (default) or alone: `python -m ledgerml.training worker`."""

from __future__ import annotations

import logging
import threading

from ledgerml.shared.errors import LedgerMLError
from ledgerml.training.executor import ExecutorPorts, tick

log = logging.getLogger(__name__)


def run_worker(ports: ExecutorPorts, stop: threading.Event, *, interval_s: float) -> None:
    while not stop.is_set():
        try:
            tick(ports)
        except LedgerMLError as exc:  # e.g. the database is briefly unavailable: try again next round
            log.warning("training worker round failed", extra={"code": exc.code})
        stop.wait(interval_s)  # poll


def start_worker(ports: ExecutorPorts, *, interval_s: float) -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(target=run_worker, args=(ports, stop), kwargs={"interval_s": interval_s},
                              name="training-worker", daemon=True)
    thread.start()
    return thread, stop
