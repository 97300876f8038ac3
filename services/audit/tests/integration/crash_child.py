"""The audit consumer as a real process for the restart test: consumes the audited topics into the log
on the given database, printing `PROGRESS <entries>` after every batch and `DONE` once `--expect`
entries are in the log. The test kills it with SIGKILL at some point mid-ingest."""

from __future__ import annotations

import argparse
from pathlib import Path

from sqlalchemy import func, select

from ledgerml.audit.adapters.db import MIGRATIONS, entries
from ledgerml.audit.consumers import AuditConsumer, build_audit_log
from ledgerml.audit.settings import AuditSettings
from ledgerml.shared.messaging.kafka import KafkaEventSource
from ledgerml.shared.persistence import create_db_engine
from ledgerml.shared.persistence.migrations import upgrade


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--org", required=True)
    parser.add_argument("--msp-dir", required=True, type=Path)
    parser.add_argument("--expect", required=True, type=int)
    args = parser.parse_args()
    settings = AuditSettings(database_url=args.db, kafka_bootstrap=args.bootstrap, org=args.org,
                             identity_msp_dir=args.msp_dir, anchor_every_entries=50, anchor_interval_s=0.5)
    engine = create_db_engine(settings.database_url_value)
    upgrade(engine, MIGRATIONS)
    source = KafkaEventSource(bootstrap=args.bootstrap, group_id=settings.effective_consumer_group,
                              topics=settings.topics, client_id="audit-crash", max_records=25, session_timeout_s=6)
    consumer = AuditConsumer(name="audit", engine=engine, source=source, log=build_audit_log(settings))
    count = 0
    while count < args.expect:  # poll
        consumer.process_batch(timeout_s=0.5)
        with engine.connect() as conn:
            count = int(conn.execute(select(func.count()).select_from(entries)).scalar_one())
        print(f"PROGRESS {count}", flush=True)
    consumer.close()
    print("DONE", flush=True)


if __name__ == "__main__":
    main()
