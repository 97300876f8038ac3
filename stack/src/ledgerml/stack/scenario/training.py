"""Credits and compute-to-data training: the member admins mint, Org2 deposits into escrow with its request,
Org1's orchestrator trains next to the data on Ray and submits the result, the escrow pays Org1, Org2
fetches the weights (hash checked against the ledger) and scores them on its held-out split, the model's
lineage verifies against the ledger, and after Org1 revokes the grant the ledger refuses the next job."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from typing import Any

from ledgerml.cli.main import main as cli
from ledgerml.stack.config import REPO_ROOT
from ledgerml.stack.scenario.narration import await_committed, await_refusal, ledger_state, poll
from ledgerml.stack.scenario.world import OWNER, World, found_or_none

REQUESTER, DEPOSIT, EPOCHS, MINT = "Org2MSP", 5, 20, 50
FOLLOW_TIMEOUT_S, MIN_ACCURACY = 420, 0.8


def _balances(w: World, *, after_block: int | None = None) -> dict[str, int]:
    """Balances as Org3's validator holds them; with `after_block`, once that validator has applied the block
    (a write committed through another organisation's validator reaches Org3's a moment later)."""
    if after_block is not None:
        w.org3.ledger.wait_for_height(after_block)
    return {org: w.org3.ledger.balance(org) for org in (OWNER, REQUESTER)}


def _block(write: dict[str, Any] | None) -> int | None:
    """The block a service's committed ledger write landed in, from its view's `ledger` part."""
    height = (write or {}).get("block_number")
    return int(height) if height is not None else None


def _moved(before: dict[str, int], after: dict[str, int]) -> str:
    return ", ".join(f"{org} {before[org]} → {after[org]}" for org in before)


def mint(w: World) -> list[str]:
    before = _balances(w)
    receipt = w.org1_admin.ledger.mint(to_org=REQUESTER, amount=MINT, co_signers=[w.org2_admin.conn.identity])
    after = _balances(w, after_block=receipt.block_number)
    if after[REQUESTER] != before[REQUESTER] + MINT:
        raise AssertionError(f"minting {MINT} moved {REQUESTER} from {before[REQUESTER]} to {after[REQUESTER]}")
    return [f"Mint {MINT} credits to {REQUESTER}, one transaction signed by Org1's admin and co-signed by Org2's "
            f"(a majority of the member organisations): tx {receipt.tx_id[:16]}… at height {receipt.block_number}",
            f"balances: {_moved(before, after)}"]


def _hyperparameters() -> dict[str, int]:
    """Training is deterministic and the ledger keys a model by its weights' hash, so a second run of the
    same job on the same data would produce a model the ledger already holds (LML-CC-0003): each
    scenario run trains with a seed of its own."""
    return {"epochs": EPOCHS, "seed": secrets.randbelow(2**31)}


def submit(w: World) -> list[str]:
    w.balances = _balances(w)
    job = w.org2.training.submit(datasets=[w.ref], algorithm="tabular_classifier", deposit=DEPOSIT,
                                 hyperparameters=_hyperparameters())
    w.job_id = str(job["job_id"])
    done = await_committed(lambda: w.org2.training.status(w.job_id), what="RequestTraining")
    after = _balances(w, after_block=_block(done.get("ledger")))
    escrow = w.org3.ledger.escrow(w.job_id) or {}
    if (escrow.get("status"), escrow.get("amount")) != ("HELD", DEPOSIT):
        raise AssertionError(f"the ledger holds no {DEPOSIT}-credit escrow for {w.job_id}: {escrow}")
    return [f"Org2 asked Org1 to train `tabular_classifier` ({job['algorithm']['code_hash'][:16]}…) for {EPOCHS} "
            f"epochs on {w.dataset_id}@v1: job {w.job_id}", f"RequestTraining {ledger_state(done)}",
            f"escrow on the ledger: {escrow['amount']} credits HELD from {escrow['payer']}; "
            f"balances: {_moved(w.balances, after)}"]


def follow(w: World) -> list[str]:
    """Org2 follows the job live with the CLI, as a user would: `ledgerml training status JOB --follow`."""
    print(f"    $ ledgerml --org org2 training status {w.job_id} --follow", flush=True)
    status = cli(["--org", "org2", "training", "status", w.job_id, "--follow", "--timeout", str(FOLLOW_TIMEOUT_S)])
    if status != 0:
        raise AssertionError(f"`training status --follow` exited {status}")
    job = w.org2.training.status(w.job_id)
    if job["state"] != "succeeded":
        raise AssertionError(f"job {w.job_id} ended {job['state']}: {job.get('failure_reason')}")
    executor = w.org1.training.status(w.job_id)
    writes = {x["function"]: x for x in executor.get("ledger_writes") or []}
    w.result_block = _block(writes.get("SubmitTrainingResult"))
    epochs = w.org2.training.progress(w.job_id)["epochs"]
    curve = w.out_dir / f"training-curve-{w.job_id}.png"
    curve.write_bytes(w.org2.training.curve(w.job_id))
    first, last = epochs[0], epochs[-1]
    return [f"Org1's orchestrator saw TrainingRequested, re-checked the grant and accepted: AcceptTraining "
            f"{ledger_state({'ledger': writes.get('AcceptTraining')})}",
            f"trained on Org1's Ray cluster through storage's verified stream ({executor['submission_id']}): "
            f"{len(epochs)} epochs, loss {first['loss']:.4f} → {last['loss']:.4f}, validation accuracy "
            f"{last['validation_accuracy']:.3f}",
            f"weights stored by content address; SubmitTrainingResult "
            f"{ledger_state({'ledger': writes.get('SubmitTrainingResult')})}", f"training curve: {curve}"]


def escrow_released(w: World) -> list[str]:
    after = _balances(w, after_block=w.result_block)
    escrow = w.org3.ledger.escrow(w.job_id) or {}
    payouts = {p["org"]: p["amount"] for p in escrow.get("payouts") or []}
    if escrow.get("status") != "RELEASED" or payouts != {OWNER: DEPOSIT}:
        raise AssertionError(f"escrow of {w.job_id} is not released to {OWNER}: {escrow}")
    if after != {OWNER: w.balances[OWNER] + DEPOSIT, REQUESTER: w.balances[REQUESTER] - DEPOSIT}:
        raise AssertionError(f"balances before the job {w.balances}, after {after}")
    return [f"escrow RELEASED: {DEPOSIT} credits paid to {OWNER} (tx {str(escrow.get('tx_id'))[:16]}…)",
            f"balances before the request → after the result: {_moved(w.balances, after)}"]


def model_and_accuracy(w: World) -> list[str]:
    weights, digest = w.org2.training.fetch_model(w.job_id)
    on_ledger = ((w.org3.ledger.training_job(w.job_id) or {}).get("result") or {}).get("model_hash")
    if digest != on_ledger:
        raise AssertionError(f"weights hash {digest}, the ledger records {on_ledger}")
    path = w.out_dir / f"model-{w.job_id}.bin"
    path.write_bytes(weights)
    argv = [sys.executable, "-m", "tabular_classifier", "evaluate", "--weights", str(path), "--data",
            str(w.heldout_csv)]
    done = subprocess.run(argv, cwd=REPO_ROOT / "ray_jobs", capture_output=True, text=True, check=False,  # noqa: S603
                          env={**os.environ, "PYTHONPATH": str(REPO_ROOT / "ray_jobs")})
    if done.returncode != 0:
        raise RuntimeError(f"evaluate failed: {done.stderr[-500:]}")
    scored = json.loads(done.stdout.strip().splitlines()[-1])
    heldout = [line.rsplit(",", 1)[-1] for line in w.heldout_csv.read_text().splitlines()[1:]]
    chance = max(heldout.count(v) for v in set(heldout)) / len(heldout)
    if scored["accuracy"] < MIN_ACCURACY:
        raise AssertionError(f"held-out accuracy {scored['accuracy']:.3f} < {MIN_ACCURACY}")
    w.model_id = digest
    return [f"Org2 fetched {len(weights)} bytes of weights from Org1; SHA-256 {digest[:16]}… matches the ledger",
            f"accuracy on Org2's held-out split ({int(scored['rows'])} rows): {scored['accuracy']:.3f} "
            f"(majority class: {chance:.3f})"]


def lineage(w: World) -> list[str]:
    def model() -> Any:
        return found_or_none(lambda: w.org2.registry.get_model(w.model_id))

    poll(model, what=f"model {w.model_id[:16]}… in Org2's registry (from ledger events)")
    lines = []
    for name, org in (("Org2", w.org2), ("Org3", w.org3)):
        result = org.registry.verify_model(w.model_id)
        checks = result["local_checks"] + result["ledger_checks"]
        if not result["verified"]:
            bad = [c for c in checks if c["status"] != "match"]
            raise AssertionError(f"{name}'s `models verify` failed: {bad}")
        fields = sorted({c["field"].split("[")[0].split(".")[0] for c in result["ledger_checks"]})
        lines.append(f"{name}'s `models verify`: {len(checks)} checks match the ledger ({', '.join(fields)})")
    report = w.out_dir / f"audit-report-model-{w.job_id}.html"
    report.write_text(w.org3.audit.report("model", w.model_id, log_org=OWNER))
    return [*lines, f"Org3's model report with its lineage graph: {report}"]


def revoked_training_refused(w: World) -> list[str]:
    w.org1.access.revoke(w.train_request, reason="partnership ended")
    done = await_committed(lambda: w.org1.access.get(w.train_request), what="RevokeAccess (train)")
    before = _balances(w, after_block=_block(done.get("ledger")))
    job = w.org2.training.submit(datasets=[w.ref], algorithm="tabular_classifier", deposit=DEPOSIT,
                                 hyperparameters=_hyperparameters())
    started = time.monotonic()
    why = await_refusal(lambda: w.org2.training.status(str(job["job_id"])), what="RequestTraining after revocation")
    after = _balances(w)
    if after != before or w.org3.ledger.escrow(str(job["job_id"])) is not None:
        raise AssertionError(f"credits moved for a refused job: {_moved(before, after)}")
    return [f"Org1 revoked the training grant; RevokeAccess {ledger_state(done)}",
            f"Org2's next job {job['job_id']} is refused by the ledger in {time.monotonic() - started:.1f}s: {why}",
            f"no credits moved: {_moved(before, after)}"]
