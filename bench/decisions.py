"""Decisions benchmark: access-decision latency and throughput from the projection, in-process and over
HTTP against `python -m ledgerml.access_control serve` (its own process), beside the ledger evaluation
(`CheckAccess` evaluated on the test stack's CometBFT validator, what `consistency=strong` asks), and the
time from a revocation reaching Kafka to a denying decision.

The projection holds a few thousand requests in every state. `revocation_visible_ms` publishes the
ledger bridge's envelopes (grant, then revoke) on the stack's real Kafka, read by the real
`python -m ledgerml.access_control consume` process (the bridge process itself is measured by its own
tests). The ledger side runs the same queries, alternating with the projection in each repetition, as
`CometBftLedger.evaluate("CheckAccess", ...)` against Org1's validator of the test stack's network.
Run: `.venv/bin/python -m bench.decisions [--quick]` with the test stack's environment.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine

from bench.common import median, percentile, write_result
from ledgerml.access_control.adapters.db import MIGRATIONS, reader_for
from ledgerml.access_control.adapters.projection import SqlProjection
from ledgerml.access_control.domain import Purpose
from ledgerml.access_control.ledger_events import fact_from_envelope
from ledgerml.access_control.policy import Tenancy
from ledgerml.access_control.projector import apply_fact
from ledgerml.access_control.service_decisions import decide_from_projection
from ledgerml.shared.errors import LedgerRecordNotFound
from ledgerml.shared.events import EventData, topic_for
from ledgerml.shared.events import schemas as ev
from ledgerml.shared.events.bridged import bridge_envelope
from ledgerml.shared.identity import Principal, Role, issue_token, load_identity
from ledgerml.shared.ledger.cometbft import CometBftLedger
from ledgerml.shared.ledger.contract import Fn
from ledgerml.shared.messaging import OutboundRecord
from ledgerml.shared.messaging.kafka import KafkaPublisher, ensure_topics
from ledgerml.shared.persistence import create_db_engine
from ledgerml.shared.persistence.migrations import upgrade
from ledgerml.stack.pki import create_consortium
from ledgerml.stack.serving import free_port

GOAL = "projection decision p99 < 5 ms and >= 10x faster than a ledger evaluation; revocation visible < 1 s"
ORGS = ("Org2MSP", "Org3MSP", "Org4MSP")

class Bridge:
    """Publishes what the ledger→Kafka bridge would publish for each chaincode event."""

    def __init__(self, bootstrap: str, org: str) -> None:
        self.topic = topic_for(org, "ledger")
        self.org = org
        self.publisher = KafkaPublisher(bootstrap=bootstrap, client_id=f"{org}-bench-bridge")
        self.sequence = 0

    def envelope(self, data: EventData, subject: str) -> Any:
        self.sequence += 1
        return bridge_envelope(data, org=self.org, tx_id=uuid.uuid4().hex, index=0, sequence=self.sequence,
                               subject=subject)

    def publish(self, data: EventData, subject: str) -> None:
        e = self.envelope(data, subject)
        self.publisher.publish([OutboundRecord(topic=self.topic, key=e.key, value=e.to_json())])


def populate(engine: Engine, bridge: Bridge, datasets: int) -> list[tuple[str, str, Purpose]]:
    """Projection rows for `datasets` datasets x 3 orgs x 3 purposes, in every state; returns queries."""
    rng, until = random.Random(7), datetime.now(UTC) + timedelta(days=30)  # noqa: S311 - a seeded workload
    queries: list[tuple[str, str, Purpose]] = []
    with engine.begin() as conn:
        for d in range(datasets):
            dataset = f"ds-{d}"
            facts: list[EventData] = [ev.DatasetRegistered(dataset_id=dataset, owner_org="Org1MSP", name=dataset,
                                                           ledger_tx_id="t")]
            for org in ORGS:
                for purpose in Purpose:
                    rid = f"r-{d}-{org}-{purpose}"
                    facts.append(ev.AccessRequested(request_id=rid, dataset_id=dataset, requester_org=org,
                                                    purpose=str(purpose), ledger_tx_id="t"))
                    outcome = rng.random()
                    if outcome < 0.6:
                        facts.append(ev.GrantIssued(grant_id=rid, request_id=rid, dataset_id=dataset,
                                                    grantee_org=org, expires_at=until, max_jobs=5, ledger_tx_id="t"))
                    if 0.5 < outcome < 0.6:
                        facts.append(ev.GrantRevoked(grant_id=rid, dataset_id=dataset, grantee_org=org,
                                                     ledger_tx_id="t"))
                    queries.append((org, dataset, purpose))
            for data in facts:
                fact = fact_from_envelope(bridge.envelope(data, dataset))
                assert fact is not None
                apply_fact(conn, fact, my_org="Org1MSP")
    queries += [("Org5MSP", f"ds-{d}", Purpose.TRAIN) for d in range(0, datasets, 10)]  # no request
    queries += [("Org2MSP", f"missing-{d}", Purpose.TRAIN) for d in range(0, datasets, 10)]  # unknown dataset
    rng.shuffle(queries)
    return queries


def timed(calls: int, queries: list[tuple[str, str, Purpose]], one: Callable[[str, str, Purpose], Any]) -> dict[
        str, float]:
    latencies = []
    started = time.perf_counter()
    for i in range(calls):
        t = time.perf_counter()
        one(*queries[i % len(queries)])
        latencies.append((time.perf_counter() - t) * 1000)
    wall = time.perf_counter() - started
    return {"p50": percentile(latencies, 50), "p99": percentile(latencies, 99), "rps": calls / wall}


def start(command: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "ledgerml.access_control", command],  # noqa: S603
                                env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)


def wait_until(check: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} within {timeout_s}s")
        time.sleep(0.01)  # poll


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small projection, fewer calls and repetitions")
    args = parser.parse_args()
    reps, calls, datasets, revocations = (3, 300, 40, 3) if args.quick else (5, 3000, 300, 7)
    bootstrap = os.environ["LEDGERML_KAFKA_BOOTSTRAP"]
    root = Path(tempfile.mkdtemp(prefix="bench-decisions-"))
    consortium = create_consortium(root / "pki")
    org, port = f"bd{uuid.uuid4().hex[:8]}", free_port()
    db_url = f"sqlite:///{root / 'access.db'}"
    engine = create_db_engine(db_url)
    upgrade(engine, MIGRATIONS)
    bridge = Bridge(bootstrap, org)
    ensure_topics(bootstrap, [bridge.topic])
    queries = populate(engine, bridge, datasets)
    reader = reader_for(engine)
    env = {"LEDGERML_ACCESS_CONTROL_DATABASE_URL": db_url, "LEDGERML_ACCESS_CONTROL_MSP_ROOT": str(consortium.root),
           "LEDGERML_ACCESS_CONTROL_KAFKA_BOOTSTRAP": bootstrap, "LEDGERML_ACCESS_CONTROL_ORG": org,
           "LEDGERML_ACCESS_CONTROL_MSP_ID": "Org1MSP", "LEDGERML_ACCESS_CONTROL_PORT": str(port)}
    procs = [start("consume", env, root / "consume.log"), start("serve", env, root / "serve.log")]
    url = f"http://127.0.0.1:{port}"
    storage = load_identity("Org1MSP", msp_dir=consortium.orgs["Org1MSP"].identity("storage").msp_dir)
    principal = Principal("Org1MSP", Role.CLIENT, "storage")
    tenancy = Tenancy("Org1MSP", frozenset({"Org3MSP"}))
    ledger = CometBftLedger(rpc_url=os.environ["LEDGERML_LEDGER_RPC_ORG1MSP"],
                            chain_id=os.environ["LEDGERML_LEDGER_CHAIN_ID"], identity=storage)

    def on_ledger(organisation: str, dataset: str, purpose: Purpose) -> bytes:
        try:
            return ledger.evaluate(Fn.CHECK_ACCESS, [organisation, dataset, str(purpose)])
        except LedgerRecordNotFound:  # the projection's datasets are not on this chain: a deny, same path
            return b""

    try:
        wait_until(lambda: _healthy(url), 60, "the service was not healthy")
        with httpx.Client(base_url=url, timeout=10) as http:
            auth: dict[str, str] = {}

            def refresh_token() -> None:
                auth["Authorization"] = f"Bearer {issue_token(storage, audience='access-control', lifetime_s=300)}"

            refresh_token()

            def over_http(organisation: str, dataset: str, purpose: Purpose, strong: bool = False) -> dict[str, Any]:
                body = {"organisation": organisation, "dataset_id": dataset, "purpose": str(purpose),
                        "consistency": "strong" if strong else "projection"}
                answer: dict[str, Any] = http.post("/decisions", json=body, headers=auth).json()
                return answer

            def in_process(organisation: str, dataset: str, purpose: Purpose) -> Any:
                with reader.connect() as conn:
                    return decide_from_projection(projection=SqlProjection(conn), principal=principal,
                                                  tenancy=tenancy, organisation=organisation, dataset_id=dataset,
                                                  purpose=purpose, now=datetime.now(UTC), max_staleness_s=1.0)

            wait_until(lambda: over_http("Org2MSP", "ds-0", Purpose.TRAIN)["reason"] != "PROJECTION_STALE", 60,
                       "the consumer did not stamp the projection fresh")
            runs: dict[str, list[dict[str, float]]] = {"in_process": [], "http": [], "http_concurrent": [],
                                                       "ledger": []}
            for _ in range(reps):  # alternate the sides within each repetition
                refresh_token()
                runs["in_process"].append(timed(calls, queries, in_process))
                runs["ledger"].append(timed(max(100, calls // 10), queries, on_ledger))
                runs["http"].append(timed(calls, queries, over_http))
                runs["http_concurrent"].append(concurrent(calls, queries, over_http))
            refresh_token()
            revoked = [revocation_ms(bridge, over_http, i) for i in range(revocations)]
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=15)
        bridge.publisher.close()
        ledger.close()
        engine.dispose()
        reader.dispose()
    stats = {k: {m: median([r[m] for r in v]) for m in v[0]} for k, v in runs.items()}
    write_result("decisions", goal=GOAL, repetitions=reps, fields={
        "p50_ms": round(stats["in_process"]["p50"], 3), "p99_ms": round(stats["in_process"]["p99"], 3),
        "throughput_per_s": round(stats["in_process"]["rps"]),
        "http_p50_ms": round(stats["http"]["p50"], 3), "http_p99_ms": round(stats["http"]["p99"], 3),
        "http_throughput_per_s": round(stats["http"]["rps"]),
        "http_concurrent_throughput_per_s": round(stats["http_concurrent"]["rps"]),
        "ledger_p50_ms": round(stats["ledger"]["p50"], 3), "ledger_p99_ms": round(stats["ledger"]["p99"], 3),
        "speedup": round(stats["ledger"]["p99"] / stats["in_process"]["p99"], 1),
        "revocation_visible_ms": round(median(revoked), 1), "revocation_visible_ms_max": round(max(revoked), 1),
        "revocations": len(revoked), "calls_per_repetition": calls,
        "load_average_1m_at_end": round(os.getloadavg()[0], 2),
        "projection": {"datasets": datasets, "requests": datasets * len(ORGS) * len(Purpose),
                       "database": "SQLite (WAL), the embedded default"},
        "notes": "a shared 2-core machine: other work ran beside this one (see the load average); "
                 "p50/p99/throughput: decide_from_projection in-process (one client thread); http_*: POST "
                 "/decisions to a separate uvicorn process with a bearer token, sequential, and 8 concurrent "
                 "clients; ledger_*: CheckAccess evaluated (abci_query /evaluate) on Org1's CometBFT validator, "
                 "sequential; speedup = ledger p99 / in-process p99; revocation: from the revoke's Kafka "
                 "acknowledgement to the first denying answer"})


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def concurrent(calls: int, queries: list[tuple[str, str, Purpose]], one: Callable[..., Any]) -> dict[str, float]:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda i: one(*queries[i % len(queries)]), range(calls)))
    return {"rps": calls / (time.perf_counter() - started)}


def revocation_ms(bridge: Bridge, decide: Callable[..., dict[str, Any]], n: int) -> float:
    rid, dataset, until = f"rev-{n}", "ds-0", datetime.now(UTC) + timedelta(days=1)
    bridge.publish(ev.AccessRequested(request_id=rid, dataset_id=dataset, requester_org="Org9MSP",
                                      purpose="download", ledger_tx_id="t"), rid)
    bridge.publish(ev.GrantIssued(grant_id=rid, request_id=rid, dataset_id=dataset, grantee_org="Org9MSP",
                                  expires_at=until, max_jobs=1, compute_only=False, ledger_tx_id="t"), rid)
    wait_until(lambda: decide("Org9MSP", dataset, Purpose.DOWNLOAD)["allow"] is True, 30, "the grant did not show")
    bridge.publish(ev.GrantRevoked(grant_id=rid, dataset_id=dataset, grantee_org="Org9MSP", ledger_tx_id="t"), rid)
    published = time.perf_counter()
    while decide("Org9MSP", dataset, Purpose.DOWNLOAD)["allow"]:
        if time.perf_counter() - published > 10:
            raise TimeoutError("the revocation did not show within 10 s")
    return (time.perf_counter() - published) * 1000


if __name__ == "__main__":
    main()
