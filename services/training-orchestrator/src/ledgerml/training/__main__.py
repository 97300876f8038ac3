"""`python -m ledgerml.training [serve|relay|consume|migrate|all|worker]`.

`all` runs the API (with the data-owner worker thread), the outbox + ledger-write relay and the ledger
event consumer; `worker` runs only the data-owner worker (set LEDGERML_TRAINING_WORKER_ENABLED=false on
the API processes then)."""

import sys
import threading
from contextlib import ExitStack

from ledgerml.shared.commands import run_command
from ledgerml.shared.persistence import create_db_engine
from ledgerml.shared.persistence.migrations import upgrade
from ledgerml.shared.runtime import start_process
from ledgerml.training.adapters.catalog import load_catalog
from ledgerml.training.adapters.db import MIGRATIONS
from ledgerml.training.consumers import build_consumers, on_ledger_outcome
from ledgerml.training.main import build_executor, create_app, service_identity
from ledgerml.training.settings import get_settings
from ledgerml.training.worker import run_worker


def worker() -> None:
    settings = get_settings()
    start_process(settings)
    engine = create_db_engine(settings.database_url_value)
    upgrade(engine, MIGRATIONS)
    with ExitStack() as closing:
        ports = build_executor(settings, engine=engine, catalog=load_catalog(settings.catalog_dir),
                               identity=service_identity(settings), closing=closing)
        stop = threading.Event()
        import signal

        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        run_worker(ports, stop, interval_s=settings.worker_interval_s)
    engine.dispose()


if __name__ == "__main__":
    if sys.argv[1:2] == ["worker"]:
        worker()
    else:
        run_command(sys.argv[1:], settings=get_settings, app=create_app, migrations=MIGRATIONS,
                    consumers=build_consumers, ledger_outcome=on_ledger_outcome)
