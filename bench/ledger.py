"""Ledger benchmark: committed transactions per second and commit latency through the Python adapter
(`CometBftLedger.submit`: sign, broadcast_tx_sync, wait for the commit, announced by the client's one
`tm.event='Tx'` subscription with /tx as the safety net) at 1, 16 and 64 concurrent submitters, side by
side in the same run with CometBFT's own Go RPC client (`bench/ledgerref`, built here) submitting
transactions of the same function, size and signer, pre-signed by the same envelope code and confirmed
the way a client of `rpc/client/http` does it per transaction, by polling /tx (on the schedule the
adapter used before it subscribed: 50 ms doubling to 500 ms), to the same validator of the test stack's
four-validator network. Repetitions alternate ours and the reference. Every transaction is a real
`RegisterDataset` (a state write with an event).

Run: `make bench-ledger` (or `.venv/bin/python -m bench.ledger [--quick]` with the test stack's environment).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench.common import median, percentile, write_result
from ledgerml.shared.identity.msp import SigningIdentity, load_identity
from ledgerml.shared.ledger.cometbft import POLL_FIRST_S, POLL_MAX_S, CometBftLedger
from ledgerml.shared.ledger.envelope import build_tx, random_nonce

REPO = Path(__file__).resolve().parents[1]
SUBMITTERS = (1, 16, 64)


def _signer() -> SigningIdentity:
    pki = Path(os.environ["LEDGERML_PKI_ROOT"])
    msp_dir = pki / "peerOrganizations/org1.ledgerml.test/users/registry@org1.ledgerml.test/msp"
    return load_identity("Org1MSP", msp_dir=msp_dir)


def _args(tag: str) -> list[str]:
    return [json.dumps({"id": f"bench-{tag}-{uuid.uuid4().hex[:16]}", "metadata": "{\"bench\":true}",
                        "terms": "benchmark", "price_per_job": 0})]


def _ours(ledger: CometBftLedger, count: int, submitters: int) -> dict[str, Any]:
    def one(_: int) -> float:
        t0 = time.perf_counter()
        ledger.submit("RegisterDataset", _args("ours"), idempotency_key=uuid.uuid4().hex)
        return (time.perf_counter() - t0) * 1000

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=submitters) as pool:
        latencies = list(pool.map(one, range(count)))
    return {"wall_s": time.perf_counter() - start, "latencies_ms": latencies}


def _reference(binary: Path, rpc: str, chain_id: str, signer: SigningIdentity, count: int,
               submitters: int) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".txs") as txs:
        for _ in range(count):
            raw = build_tx(chain_id=chain_id, fn="RegisterDataset", args=_args("ref"), nonce=random_nonce(),
                           signers=[signer])
            txs.write(raw.hex() + "\n")
        txs.flush()
        argv = [str(binary), "-rpc", rpc, "-txs", txs.name, "-submitters", str(submitters),
                "-poll", f"{round(POLL_FIRST_S * 1000)}ms", "-poll-max", f"{round(POLL_MAX_S * 1000)}ms"]
        out = subprocess.run(argv, check=True, capture_output=True, text=True)  # noqa: S603 - our reference binary
    result: dict[str, Any] = json.loads(out.stdout)
    if result["failed"]:
        raise RuntimeError(f"the reference client saw {result['failed']} failures: {result.get('first_error')}")
    return result


def _summary(runs: list[dict[str, Any]], count: int) -> dict[str, float]:
    latencies = [ms for run in runs for ms in run["latencies_ms"]]
    return {"tps": round(median([count / run["wall_s"] for run in runs]), 1),
            "p50_ms": round(percentile(latencies, 50), 1), "p99_ms": round(percentile(latencies, 99), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer transactions and one repetition")
    options = parser.parse_args()
    repetitions = 1 if options.quick else 3
    rpc, chain_id = os.environ["LEDGERML_LEDGER_RPC_ORG1MSP"], os.environ["LEDGERML_LEDGER_CHAIN_ID"]
    signer = _signer()
    binary = Path(tempfile.mkdtemp(prefix="ledgerref-")) / "ledgerref"
    go = shutil.which("go") or "go"
    subprocess.run([go, "build", "-o", str(binary), "."], cwd=REPO / "bench" / "ledgerref", check=True)  # noqa: S603
    ledger = CometBftLedger(rpc_url=rpc, chain_id=chain_id, identity=signer)
    by_submitters: dict[str, Any] = {}
    try:
        for submitters in SUBMITTERS:
            count = (10 if options.quick else 30) if submitters == 1 else submitters * (2 if options.quick else 6)
            ours, reference = [], []
            for _ in range(repetitions):
                ours.append(_ours(ledger, count, submitters))
                reference.append(_reference(binary, rpc, chain_id, signer, count, submitters))
            by_submitters[str(submitters)] = {"transactions": count, "ours": _summary(ours, count),
                                              "reference": _summary(reference, count)}
            print(submitters, json.dumps(by_submitters[str(submitters)]))
    finally:
        ledger.close()
    top = by_submitters[str(SUBMITTERS[-1])]
    write_result("ledger", goal="ours >= 0.8x CometBFT's Go RPC client in committed tx/s at 64 submitters",
                 repetitions=repetitions, fields={
                     "tps_ours": top["ours"]["tps"], "tps_reference": top["reference"]["tps"],
                     "ratio": round(top["ours"]["tps"] / top["reference"]["tps"], 2),
                     "p50_ms": top["ours"]["p50_ms"], "p99_ms": top["ours"]["p99_ms"],
                     "reference_p50_ms": top["reference"]["p50_ms"], "reference_p99_ms": top["reference"]["p99_ms"],
                     "by_submitters": by_submitters,
                     "network": "4 CometBFT v0.38 validators + their ABCI apps on loopback, same machine"})


if __name__ == "__main__":
    main()
