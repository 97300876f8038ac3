"""`make demo`: the consortium scenario across Org1, Org2 and Org3, through the SDK and the CLI.

Exit status: 0 when every step passed; 1 when any step failed (a ledger refusal the scenario did not
expect included); 3 when a step was blocked because the services have no ledger configured, unless
`--no-strict` lets blocked steps pass.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from minio import Minio

from ledgerml.client import LedgerML, connect
from ledgerml.client.connection import load_endpoints
from ledgerml.client.ledger import ledger_endpoint
from ledgerml.stack import smoke
from ledgerml.stack.config import PROFILES, StackConfig
from ledgerml.stack.scenario import access, audit, catalog, training
from ledgerml.stack.scenario.narration import Narrator
from ledgerml.stack.scenario.world import World

Step = Callable[[World], list[str]]
SCENARIO: tuple[tuple[str, Step], ...] = (
    ("Prepare the data (scikit-learn breast cancer, split)", catalog.prepare_data),
    ("Org1 registers its dataset on the ledger", catalog.register_dataset),
    ("Org1 uploads v1 (chunked, hashed, encrypted)", catalog.upload),
    ("Org1 recomputes the Merkle root from its plaintext", catalog.recompute_root),
    ("The ledger records v1 with its root", catalog.version_on_ledger),
    ("Org2's and Org3's registries mirror it from ledger events", catalog.mirrors),
    ("Org3 checks the root against the ledger and the chunks", catalog.auditor_checks_root),
    ("Org2 cannot download without a grant", access.download_refused),
    ("Org2 requests download access; Org1 grants with conditions", access.download_granted),
    ("Org2 downloads under the grant", access.org2_downloads),
    ("Org1 revokes; Org2's download is refused", access.download_revoked),
    ("Org2 requests training access; Org1 grants compute-only", access.train_granted),
    ("The member admins mint credits for Org2", training.mint),
    ("Org2 submits a training job with a deposit (escrow)", training.submit),
    ("Org1 trains next to the data; Org2 follows it", training.follow),
    ("The escrow is released to Org1", training.escrow_released),
    ("Org2 fetches the model; accuracy on the held-out split", training.model_and_accuracy),
    ("Lineage: `models verify` against the ledger", training.lineage),
    ("Org1 revokes the training grant; the ledger refuses the next job", training.revoked_training_refused),
    ("Org3 proves an audit entry against the anchor on the ledger", audit.anchored_inclusion),
    ("Org3 checks two anchors are consistent", audit.anchored_consistency),
    ("Org3 writes the dataset's audit report", audit.audit_report),
    ("Org1 rewrites and re-signs its log; the anchor catches it", audit.rewritten_log_caught),
    ("A flipped byte in the bucket is detected", audit.tamper_detected),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ledgerml-demo", description=__doc__)
    parser.add_argument("--profile", choices=PROFILES, default="dev")
    parser.add_argument("--strict", action=argparse.BooleanOptionalAction, default=True,
                        help="fail (exit 3) when a step is blocked because the services have no ledger (default)")
    args = parser.parse_args(argv)
    cfg = StackConfig.for_profile(args.profile)
    env = smoke.load_stack_env(cfg.env_file)
    os.environ["LEDGERML_STACK_RUN_DIR"] = str(cfg.run_dir)  # the CLI steps speak to this profile's stack
    os.environ.setdefault("COLUMNS", "120")  # the CLI's tables, when the output is not a terminal
    endpoints = load_endpoints(cfg.run_dir / "endpoints.json")
    pki = Path(env["LEDGERML_PKI_ROOT"])
    out_dir = cfg.run_dir / "demo"
    out_dir.mkdir(parents=True, exist_ok=True)

    def client(org: str, user: str = "User1") -> LedgerML:
        msp = org[:1].upper() + org[1:] + "MSP"
        return LedgerML(connect(org, user=user, pki_root=pki, endpoints=endpoints),
                        ledger=ledger_endpoint(msp, env={}, run_dir=cfg.run_dir))

    world = World(client("org1"), client("org2"), client("org3"), client("org1", "Admin"), client("org2", "Admin"),
                  out_dir=out_dir, s3=Minio(env["LEDGERML_S3_ENDPOINT"], env["LEDGERML_S3_ACCESS_KEY"],
                                            env["LEDGERML_S3_SECRET_KEY"], secure=False), pki_root=pki)
    narrator = Narrator()
    started = time.monotonic()
    print(f"\nLedgerML consortium scenario ({cfg.profile}): Org1 owns data, Org2 trains, Org3 audits\n", flush=True)
    try:
        for title, step in SCENARIO:
            narrator.step(title, lambda step=step: step(world))  # type: ignore[misc]
    finally:
        for each in world.clients():
            each.close()
    ok, blocked, failed = narrator.summary()
    print(f"\n{ok} step(s) passed, {blocked} blocked, {failed} failed, in {time.monotonic() - started:.1f}s; "
          f"outputs in {out_dir}")
    if failed:
        return 1
    return 3 if blocked and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
