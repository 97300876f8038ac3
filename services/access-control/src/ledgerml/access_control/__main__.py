"""`python -m ledgerml.access_control [serve|relay|consume|migrate|rebuild]`.

`consume` runs the decision projection's consumer; `relay` submits ledger writes and records their
outcome on the requests; `rebuild` replays the ledger from block 0 into the projection (after data loss).
"""

import sys

from ledgerml.access_control.adapters.db import MIGRATIONS
from ledgerml.access_control.consumers import build_consumers, on_ledger_outcome, rebuild_projection
from ledgerml.access_control.main import create_app
from ledgerml.access_control.settings import get_settings
from ledgerml.shared.commands import run_command
from ledgerml.shared.errors import LedgerMLError
from ledgerml.shared.persistence import create_db_engine
from ledgerml.shared.persistence.migrations import upgrade
from ledgerml.shared.runtime import build_ledger, start_process


def rebuild() -> None:
    settings = get_settings()
    start_process(settings)
    engine = create_db_engine(settings.database_url_value)
    try:
        upgrade(engine, MIGRATIONS)
        count = rebuild_projection(engine, build_ledger(settings), my_org=settings.msp_id)
        print(f"projection rebuilt from {count} ledger events")
    except LedgerMLError as exc:
        raise SystemExit(f"rebuild refused: {exc.code} {exc.detail}") from None
    finally:
        engine.dispose()


if __name__ == "__main__":
    if sys.argv[1:2] == ["rebuild"]:
        rebuild()
    else:
        run_command(sys.argv[1:], settings=get_settings, app=create_app, migrations=MIGRATIONS,
                    consumers=build_consumers, ledger_outcome=on_ledger_outcome)
