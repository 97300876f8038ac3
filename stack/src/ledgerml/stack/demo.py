"""`make demo`, first part: the stack is up; a narrated round trip through every engine it runs, the
consortium ledger included (a `Probe` transaction sent to Org1's validator, found on Org3's)."""

from __future__ import annotations

import argparse
import os
import sys
import time

from ledgerml.stack import smoke
from ledgerml.stack.components.ledger import LedgerNetwork
from ledgerml.stack.config import PROFILES, StackConfig


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ledgerml-demo")
    parser.add_argument("--profile", choices=PROFILES, default="dev")
    cfg = StackConfig.for_profile(parser.parse_args(argv).profile)
    env = smoke.load_stack_env(cfg.env_file)
    failures = 0

    def step(title: str, run, describe) -> None:  # type: ignore[no-untyped-def]
        nonlocal failures
        t0 = time.monotonic()
        try:
            result = run()
            ok, text = describe(result)
        except Exception as exc:  # noqa: BLE001 - the demo reports every failure and exits non-zero
            ok, text = False, f"{type(exc).__name__}: {exc}"
        failures += not ok
        print(f"{'✓' if ok else '✗'} {title:<44} {time.monotonic() - t0:5.1f}s  {text}")

    print(f"LedgerML local stack ({cfg.profile}) — a round trip through each engine\n")
    step("Kafka: idempotent produce (acks=all) + consume",
         lambda: smoke.kafka_roundtrip(env["LEDGERML_KAFKA_BOOTSTRAP"], os.urandom(32)),
         lambda r: (True, f"topic={r.topic} partition={r.partition} offset={r.offset}"))
    step("MinIO: PUT with SHA-256 checksum, GET back",
         lambda: smoke.s3_roundtrip(env["LEDGERML_S3_ENDPOINT"], env["LEDGERML_S3_ACCESS_KEY"],
                                    env["LEDGERML_S3_SECRET_KEY"], os.urandom(1 << 20)),
         lambda r: (r.body_matches and r.returned_checksum == r.sha256_b64 and r.tampered_upload_refused,
                    f"s3://{r.bucket}/{r.key} sha256={r.sha256_b64[:16]}… wrong-digest upload refused="
                    f"{r.tampered_upload_refused}"))
    step("Ray: Jobs API job importing torch",
         lambda: smoke.ray_torch_job(env["LEDGERML_RAY_ADDRESS"]),
         lambda r: (r.status == "SUCCEEDED",
                    f"{r.job_id} {r.status} " + next((ln for ln in r.logs.splitlines() if ln.startswith("RESULT")),
                                                     "no RESULT line")))
    ledger = LedgerNetwork(cfg)
    step("Ledger: Probe via Org1's validator, found on Org3's",
         lambda: ledger.probe(via=1, seen_on=3),
         lambda r: (True, f"tx {r.tx_id[:16]}… committed at height {r.height} on {ledger.chain_id} "
                          f"({len(ledger.nodes)} validators)"))
    print(f"\n{'all engine round trips passed' if not failures else f'{failures} step(s) failed'}; "
          f"logs in {cfg.logs_dir}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
