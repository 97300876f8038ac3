"""A service process for the crash tests, run as a real subprocess and killed with SIGKILL.

Modes: `write` commits state + outbox and then waits to be killed before any publish; `relay-stall`
publishes to Kafka and waits to be killed before marking the rows sent; `relay` drains the outbox;
`consume-stall` applies effects and waits to be killed before the offset commit; `consume` consumes
until it has seen `--expect` records, then prints what it applied and skipped as JSON.
Waiting means blocking on stdin, which the test never writes to; no sleeps.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from sqlalchemy import Column, Connection, Integer, MetaData, String, Table, func, select

from ledgerml.shared.events import Envelope
from ledgerml.shared.events.schemas import TrainingFailed
from ledgerml.shared.messaging import IdempotentConsumer, InboundRecord, OutboundRecord, Outbox, OutboxRelay
from ledgerml.shared.messaging.kafka import KafkaEventSource, KafkaPublisher
from ledgerml.shared.persistence import create_db_engine, messaging_metadata

state = MetaData()
jobs = Table("jobs", state, Column("job_id", String(64), primary_key=True))
effects = Table("effects", state, Column("event_id", String(128)), Column("n", Integer))


def say(line: str) -> None:
    print(line, flush=True)


def wait_for_kill() -> None:
    sys.stdin.readline()
    raise SystemExit("expected to be killed")


class StallAfterPublish:
    def __init__(self, inner: KafkaPublisher) -> None:
        self._inner = inner

    def publish(self, records: Sequence[OutboundRecord]) -> None:
        self._inner.publish(records)
        say("PUBLISHED")
        wait_for_kill()


class StallBeforeCommit:
    def __init__(self, inner: KafkaEventSource) -> None:
        self._inner = inner
        self.poll = inner.poll
        self.rewind = inner.rewind

    def commit(self, records: Sequence[InboundRecord]) -> None:
        if records:
            say("EFFECT_COMMITTED")
            wait_for_kill()


def apply_effect(conn: Connection, envelope: Envelope) -> None:
    conn.execute(effects.insert().values(event_id=envelope.id, n=1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode")
    parser.add_argument("--db", required=True)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--org", required=True)
    parser.add_argument("--group", default="audit")
    parser.add_argument("--expect", type=int, default=1)
    args = parser.parse_args()
    engine = create_db_engine(args.db)
    messaging_metadata.create_all(engine)
    state.create_all(engine)
    topic = f"{args.org}.training"

    if args.mode == "write":
        with engine.begin() as conn:
            conn.execute(jobs.insert().values(job_id="job-1"))
            Outbox(org=args.org, service="training").add(conn, TrainingFailed(job_id="job-1", reason="oom"),
                                                          subject="job-1")
        say("COMMITTED")
        wait_for_kill()
    elif args.mode in ("relay", "relay-stall"):
        publisher = KafkaPublisher(bootstrap=args.bootstrap, client_id="crash-relay", deadline_s=20)
        stalling = StallAfterPublish(publisher) if args.mode == "relay-stall" else publisher
        while OutboxRelay(engine=engine, publisher=stalling).publish_pending():
            pass
        publisher.close()
        say("DONE")
    else:
        source = KafkaEventSource(bootstrap=args.bootstrap, group_id=args.group, topics=[topic],
                                  client_id=f"crash-{args.mode}", session_timeout_s=6)
        port = StallBeforeCommit(source) if args.mode == "consume-stall" else source
        consumer = IdempotentConsumer(name=args.group, engine=engine, source=port, handler=apply_effect)
        applied = duplicates = 0
        while applied + duplicates < args.expect:  # poll
            result = consumer.process_batch(timeout_s=1.0)
            applied, duplicates = applied + result.applied, duplicates + result.duplicates
        source.close()
        with engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(effects)).scalar_one()
        say(json.dumps({"applied": applied, "duplicates": duplicates, "effects": total}))


if __name__ == "__main__":
    main()
