"""`python -m ledgerml.storage [serve|relay|migrate|all]` (the shared commands: API, outbox relay, migrations);
`… gc [--grace-seconds N]` removes what unfinished uploads left in the bucket (run it periodically)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import timedelta

from ledgerml.shared.commands import run_command
from ledgerml.shared.messaging import Outbox
from ledgerml.shared.persistence import create_db_engine
from ledgerml.shared.persistence.migrations import upgrade
from ledgerml.shared.runtime import start_process
from ledgerml.storage import SERVICE
from ledgerml.storage.adapters.db import MIGRATIONS
from ledgerml.storage.adapters.records import SqlStorageRecords
from ledgerml.storage.gc import collect_garbage
from ledgerml.storage.main import build_blobs, create_app
from ledgerml.storage.settings import get_settings


def gc_command(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m ledgerml.storage gc", description=collect_garbage.__doc__)
    parser.add_argument("--grace-seconds", type=int, default=None,
                        help="abandon uploads idle this long (default: LEDGERML_STORAGE_GC_GRACE_S)")
    args = parser.parse_args(argv)
    settings = get_settings()
    start_process(settings)
    engine = create_db_engine(settings.database_url_value)
    try:
        upgrade(engine, MIGRATIONS)
        grace = args.grace_seconds if args.grace_seconds is not None else settings.gc_grace_s
        records = SqlStorageRecords(engine, Outbox(org=settings.org, service=SERVICE))
        report = collect_garbage(records, build_blobs(settings), grace=timedelta(seconds=grace))
    finally:
        engine.dispose()
    print(json.dumps(report.view()))
    return 0


def main(argv: list[str]) -> None:
    if argv[:1] == ["gc"]:
        raise SystemExit(gc_command(argv[1:]))
    run_command(argv, settings=get_settings, app=create_app, migrations=MIGRATIONS)


if __name__ == "__main__":
    main(sys.argv[1:])
