"""Audit benchmark: sustained audit entries per second from Kafka to appended-with-proof-available, and
inclusion proofs verified per second.

Each repetition publishes N chunk-read envelopes to a fresh topic (3 partitions), then the real audit
consumer (`AuditConsumer`: idempotent, one transaction per polled batch holding its processed-event records
and entries) appends them to the Merkle log in a fresh PostgreSQL database, signing a tree head every 1,000
entries (and the tail after 0.2 s). At most one `AnchorAuditRoot` per log is in flight, so with no ledger
to settle it one write is enqueued per run: the ledger is never on the ingest path. The clock runs from the first
record received (the consumer-group join is excluded and reported apart) until the last entry is covered
by a signed tree head, i.e. its inclusion proof can be served; CPU per entry of the consumer process and
of the database's server processes is reported beside it (on a shared machine it holds where rates do
not). Proofs: K random entries' proofs are read from stored subtree roots (reported as generated/s) and
verified with RFC 9162 (`proofs_per_s`).
The naive design, in the same repetition: every entry its own ledger transaction (`AnchorAuditRoot` of
that entry's leaf hash, signed by Org1's audit identity, committed on the test stack's four-validator
CometBFT network through `CometBftLedger`, 64 concurrent submitters: the naive design at its best).
Run: `bash stack/with-test-stack.sh .venv/bin/python -m bench.audit [--quick]`.
"""

from __future__ import annotations

import argparse
import os
import random
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from kafka import KafkaAdminClient
from sqlalchemy import Engine, func, select, text

from bench.common import median, write_result
from ledgerml.audit.adapters.db import MIGRATIONS, entries
from ledgerml.audit.adapters.log_store import LogStore
from ledgerml.audit.adapters.tree_heads import latest_tree_head
from ledgerml.audit.adapters.unit import SqlAuditUnit
from ledgerml.audit.consumers import AuditConsumer, build_audit_log
from ledgerml.audit.service import inclusion
from ledgerml.audit.settings import AuditSettings
from ledgerml.shared.events import Envelope
from ledgerml.shared.events.schemas import ChunkRead
from ledgerml.shared.identity.msp import load_identity
from ledgerml.shared.ledger.cometbft import CometBftLedger
from ledgerml.shared.ledger.contract import Fn
from ledgerml.shared.merkle import leaf_hash, verify_inclusion
from ledgerml.shared.messaging import InboundRecord, OutboundRecord
from ledgerml.shared.messaging.kafka import KafkaEventSource, KafkaPublisher, ensure_topics
from ledgerml.shared.persistence import create_db_engine
from ledgerml.shared.persistence.migrations import upgrade
from ledgerml.shared.persistence.tables import ledger_writes_table
from ledgerml.stack.pki import create_consortium
from ledgerml.stack.testing.postgres import throwaway_database

GOAL = ">= 10,000 audit entries/s sustained from Kafka to anchored-with-proof, >= 100x the naive design " \
       "(one ledger transaction per entry); >= 10,000 proof verifications/s"
NAIVE_SUBMITTERS = 64
POLL_MAX_RECORDS = 500  # the service's default batch
DEADLINE_S = 600


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise SystemExit(f"{name} is not set: run through `bash stack/with-test-stack.sh`")
    return value


def _publish(bootstrap: str, org: str, n: int) -> None:
    publisher = KafkaPublisher(bootstrap=bootstrap, client_id="bench-audit")
    batch: list[OutboundRecord] = []
    for i in range(n):
        data = ChunkRead(dataset_id=f"ds-{i % 16}", version="v1", chunk_index=i, reader_org="Org2MSP",
                         job_id=f"job-{i % 64}")
        envelope = Envelope.wrap(data, source=f"{org}/storage", subject=f"ds-{i % 16}", sequence=i + 1)
        batch.append(OutboundRecord(topic=f"{org}.storage", key=envelope.key, value=envelope.to_json()))
        if len(batch) == 5000:
            publisher.publish(batch)
            batch = []
    publisher.publish(batch)
    publisher.close()


class _Timed:
    """The consumer's source, noting when the first records arrive: the clock starts there."""

    def __init__(self, source: KafkaEventSource) -> None:
        self._source, self.first = source, 0.0

    def poll(self, timeout_s: float) -> Sequence[InboundRecord]:
        records = self._source.poll(timeout_s)
        if records and not self.first:
            self.first = time.perf_counter()
        return records

    def commit(self, records: Sequence[InboundRecord]) -> None:
        self._source.commit(records)

    def rewind(self, record: InboundRecord) -> None:
        self._source.rewind(record)

    def close(self) -> None:
        self._source.close()


def _backend_cpu_s(engine: Engine) -> float | None:
    """CPU seconds used so far by this database's server processes (PostgreSQL on this machine), else None."""
    with engine.connect() as conn:
        pids = conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")).scalars()
        stats = [Path(f"/proc/{pid}/stat") for pid in pids]
    if not stats or not all(stat.exists() for stat in stats):
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    fields = [stat.read_text().rsplit(")", 1)[1].split() for stat in stats]
    return sum(int(f[11]) + int(f[12]) for f in fields) / ticks  # utime + stime


def _ingest(settings: AuditSettings, n: int) -> dict[str, float | None]:
    engine = create_db_engine(settings.database_url_value)
    upgrade(engine, MIGRATIONS)
    joined = time.perf_counter()
    source = _Timed(KafkaEventSource(bootstrap=settings.kafka_bootstrap, group_id=settings.effective_consumer_group,
                                     topics=settings.topics, client_id="bench-audit",
                                     max_records=settings.poll_max_records))
    consumer = AuditConsumer(name="audit", engine=engine, source=source, log=build_audit_log(settings))
    applied, deadline = 0, time.monotonic() + DEADLINE_S
    cpu_before, db_before = time.process_time(), _backend_cpu_s(engine)
    try:
        while True:  # poll until every entry is covered by a signed head
            applied += consumer.process_batch(timeout_s=0.2).applied
            if applied >= n:
                with engine.connect() as conn:
                    head = latest_tree_head(conn)
                if head is not None and head.head.tree_size >= n:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {applied} of {n} entries in {DEADLINE_S} s")
        elapsed = time.perf_counter() - source.first
        cpu, db_after = time.process_time() - cpu_before, _backend_cpu_s(engine)
        with engine.connect() as conn:
            stored = conn.execute(select(func.count()).select_from(entries)).scalar_one()
            anchors = conn.execute(select(func.count()).select_from(ledger_writes_table)).scalar_one()
    finally:
        consumer.close()
        engine.dispose()
    assert stored == n, f"{stored} entries for {n} events"
    db_cpu = None if db_before is None or db_after is None else (db_after - db_before) / n * 1e6
    return {"entries_per_s": n / elapsed, "join_s": source.first - joined, "anchor_writes": anchors,
            "consumer_cpu_us_per_entry": cpu / n * 1e6, "postgres_cpu_us_per_entry": db_cpu}


def _proofs(settings: AuditSettings, n: int, k: int) -> dict[str, float]:
    engine = create_db_engine(settings.database_url_value)
    store = LogStore(settings.effective_log_id)
    indices = random.Random(7).sample(range(n), k)  # noqa: S311 (a reproducible sample, not a secret)
    started = time.perf_counter()
    with engine.connect() as conn:
        unit = SqlAuditUnit(conn, store)
        proofs = [inclusion(unit=unit, seq=i, tree_size=None) for i in indices]
    generated = k / (time.perf_counter() - started)
    engine.dispose()
    prepared = [(leaf_hash(_leaf(p)), p["leaf_index"], p["tree_size"], [bytes.fromhex(h) for h in p["proof"]],
                 bytes.fromhex(p["tree_head"]["root_hash"])) for p in proofs]
    rounds = max(1, 20_000 // k)
    started = time.perf_counter()
    for _ in range(rounds):
        for leaf, index, size, path, root in prepared:
            if not verify_inclusion(leaf, index, size, path, root):
                raise AssertionError(f"proof of entry {index} does not verify")
    return {"proofs_per_s": rounds * k / (time.perf_counter() - started), "proofs_generated_per_s": generated}


def _leaf(proof: dict[str, Any]) -> bytes:
    from ledgerml.audit.domain import canonical_json

    return canonical_json(proof["entry"])


def naive(entries: int) -> dict[str, float]:
    """Entries per second when every entry is its own committed ledger transaction."""
    pki = Path(_required("LEDGERML_PKI_ROOT"))
    identity = load_identity("Org1MSP", msp_dir=pki / "peerOrganizations/org1.ledgerml.test/users/"
                             "audit@org1.ledgerml.test/msp")
    ledger = CometBftLedger(rpc_url=_required("LEDGERML_LEDGER_RPC_ORG1MSP"),
                            chain_id=_required("LEDGERML_LEDGER_CHAIN_ID"), identity=identity)
    run = uuid.uuid4().hex[:8]

    def one(i: int) -> None:
        ledger.submit(Fn.ANCHOR_AUDIT_ROOT, [f"naive-{run}-{i}", "1", leaf_hash(f"entry {i}".encode()).hex()],
                      idempotency_key=f"naive-{run}-{i}")

    started = time.perf_counter()
    try:
        with ThreadPoolExecutor(max_workers=NAIVE_SUBMITTERS) as pool:
            list(pool.map(one, range(entries)))
    finally:
        ledger.close()
    return {"naive_entries_per_s": entries / (time.perf_counter() - started)}


def repetition(n: int, k: int, pki: Path) -> dict[str, float | None]:
    bootstrap, server = _required("LEDGERML_KAFKA_BOOTSTRAP"), _required("LEDGERML_TEST_POSTGRES_URL")
    org = f"bench{uuid.uuid4().hex[:8]}"
    consortium = create_consortium(pki)
    settings_topics = [f"{org}.{d}" for d in ("storage", "access", "registry", "training", "ledger")]
    ensure_topics(bootstrap, settings_topics)
    try:
        _publish(bootstrap, org, n)
        with throwaway_database(server, prefix="lml_bench_audit") as url:
            settings = AuditSettings(database_url=url, kafka_bootstrap=bootstrap, org=org,
                                     identity_msp_dir=consortium.orgs["Org1MSP"].identity("audit").msp_dir,
                                     anchor_every_entries=1000, anchor_interval_s=0.2,
                                     poll_max_records=POLL_MAX_RECORDS)
            ours = _ingest(settings, n) | _proofs(settings, n, k)
        return ours | naive(max(NAIVE_SUBMITTERS, n // 80))
    finally:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap)
        admin.delete_topics(settings_topics)
        admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 entries, one repetition")
    args = parser.parse_args()
    n, k, reps = (2_000, 200, 1) if args.quick else (20_000, 1_000, 3)
    runs, load_before = [], os.getloadavg()[0]
    with TemporaryDirectory() as tmp:
        for rep in range(reps):
            runs.append(repetition(n, k, Path(tmp) / "pki"))
            print(f"repetition {rep + 1}/{reps}: {runs[-1]}", flush=True)
    fields = {key: round(median([r[key] for r in runs]), 1) if all(r[key] is not None for r in runs) else None
              for key in runs[0]}
    write_result("audit", goal=GOAL, repetitions=reps, fields={
        "entries_per_s": fields["entries_per_s"], "naive_entries_per_s": fields["naive_entries_per_s"],
        "ratio": round(fields["entries_per_s"] / fields["naive_entries_per_s"], 1),
        "proofs_per_s": fields["proofs_per_s"], "naive_submitters": NAIVE_SUBMITTERS,
        "proofs_generated_per_s": fields["proofs_generated_per_s"], "entries": n, "proofs_sampled": k,
        "anchor_every_entries": 1000, "anchor_writes_enqueued": fields["anchor_writes"],
        "consumer_join_s": fields["join_s"], "consumer_cpu_us_per_entry": fields["consumer_cpu_us_per_entry"],
        "postgres_cpu_us_per_entry": fields["postgres_cpu_us_per_entry"], "poll_max_records": POLL_MAX_RECORDS,
        "database": f"PostgreSQL ({os.environ.get('LEDGERML_STACK_PROFILE', 'test')} stack)", "quick": args.quick,
        "load_average_1m": {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)},
        "runs": runs})


if __name__ == "__main__":
    main()
