"""Crashes lose nothing: kill -9 one component at a time in the middle of real training jobs, start it again,
and check that every job ends (succeeded, or failed/cancelled with its deposit refunded; never dangling, never
run twice), every ledger event reaches each organisation's audit log exactly once, credits are conserved, and
the ledger agrees with what the services show.

Killed, in turn: Org1's orchestrator while its job runs on Ray; Org1's orchestrator again, so that Org2 can
cancel before the owner accepts; the Kafka broker; Org1's ledger→Kafka bridge; Org2's validator; the Ray
head while a job runs. Runs last in the e2e session (tests/e2e/conftest.py) and alone with `make chaos`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ledgerml.client import LedgerML
from ledgerml.shared.ledger import Fn
from ledgerml.stack.config import StackConfig
from ledgerml.stack.scenario.narration import await_committed, poll

from .chaos import Chaos
from .flows import OWNER, PRICE, REQUESTER, fund, grant_training, share_dataset, submit

pytestmark = [pytest.mark.e2e, pytest.mark.chaos, pytest.mark.timeout(1200)]
Org = Callable[..., LedgerML]
MSPS = ("OrdererMSP", "Org1MSP", "Org2MSP", "Org3MSP")
JOBS_DONE_S = 420.0  # six small jobs on two shared cores, one after another, with restarts in between
SLOW = {"epochs": 300, "batch_size": 2}  # 9,000 optimiser steps on the 60-row set: long enough to catch running
FINAL_LEDGER = {"SUCCEEDED", "FAILED", "CANCELLED", "EXPIRED"}


@pytest.fixture(scope="module")
def chaos(stack_env: dict[str, str]) -> Chaos:
    return Chaos(StackConfig.for_profile(stack_env.get("LEDGERML_STACK_PROFILE", "test")))


def _supply(org3: LedgerML) -> tuple[int, int]:
    """(total minted, credits in every account): equal but for what escrows hold."""
    minted = int((org3.ledger.evaluate(Fn.GET_SUPPLY, []) or {}).get("total_minted") or 0)
    return minted, sum(org3.ledger.balance(msp) for msp in MSPS)


def _executor_state(org1: LedgerML, job_id: str) -> str | None:
    try:
        return str(org1.training.status(job_id)["state"])
    except Exception:  # not seen by Org1 yet (404), or Org1's service restarting
        return None


def _running_on_ray(org1: LedgerML, job_id: str) -> bool:
    """Org1 runs the job on Ray now; a job that already ended cannot be caught mid-run (make it longer)."""
    state = _executor_state(org1, job_id)
    if state in ("succeeded", "failed", "reporting", "failing"):
        raise AssertionError(f"job {job_id} ended ({state}) before it could be caught running: lengthen SLOW")
    return state == "running"


def _final_on_ledger(org3: LedgerML, job_id: str) -> dict[str, Any] | None:
    job = org3.ledger.training_job(job_id) or {}
    escrow = org3.ledger.escrow(job_id) or {}
    if job.get("status") in FINAL_LEDGER and escrow.get("status") in ("RELEASED", "REFUNDED"):
        return {"job": job, "escrow": escrow}
    return None


def test_kill_9_one_component_at_a_time_loses_nothing(as_org: Org, chaos: Chaos, tmp_path: Path) -> None:
    org1, org2, org3 = as_org("org1"), as_org("org2"), as_org("org3")
    ref = share_dataset(org1, tmp_path, name="chaos")
    grant_training(org1, org2, ref["dataset_id"], max_jobs=10)
    minted0, held0 = _supply(org3)
    fund(as_org("org1", user="Admin"), as_org("org2", user="Admin"), reader=org3, amount=6 * PRICE)
    jobs: dict[str, str] = {}  # what was killed → its job

    # 1. Org1's orchestrator dies while its job trains on Ray; the restarted one finds the run again.
    jobs["orchestrator mid-job"] = job = submit(org2, ref, **SLOW)
    poll(lambda: _running_on_ray(org1, job), what="the job training on Org1's Ray cluster", timeout_s=180)
    chaos.kill_service(OWNER, "training-orchestrator")
    chaos.restart_services()

    # 2. With Org1's orchestrator down the owner cannot accept, so Org2's cancellation wins: refunded.
    chaos.kill_service(OWNER, "training-orchestrator")
    jobs["cancelled while the owner is down"] = job = submit(org2, ref)
    await_committed(lambda: org2.training.status(job), what="RequestTraining")
    org2.training.cancel(job)
    await_committed(lambda: org2.training.status(job), what="CancelTraining")
    chaos.restart_services()

    # 3. The Kafka broker dies; the job requested meanwhile reaches Org1 once it is back.
    kafka = chaos.kafka()
    chaos.kill_component(kafka)
    jobs["kafka"] = job = submit(org2, ref)
    await_committed(lambda: org2.training.status(job), what="RequestTraining with Kafka down")
    kafka.start()

    # 4. Org1's bridge dies; the event it had not published yet is published once by the restarted one.
    chaos.kill_service(OWNER, "ledger-bridge")
    jobs["org1's bridge"] = job = submit(org2, ref)
    await_committed(lambda: org2.training.status(job), what="RequestTraining with Org1's bridge down")
    chaos.restart_services()

    # 5. Org2's validator dies; Org2's request waits (retryable) and commits once the node is back.
    chaos.kill_validator(REQUESTER)
    jobs["org2's validator"] = job = submit(org2, ref)
    poll(lambda: (org2.training.status(job).get("ledger") or {}).get("error_code"),
         what="Org2's RequestTraining failing on the downed validator (to be retried)", timeout_s=60)
    chaos.restart_validator(REQUESTER)
    await_committed(lambda: org2.training.status(job), what="RequestTraining after Org2's validator restarted",
                    timeout_s=90)

    finals = _settle(org3, jobs)  # before the Ray head dies: it would take every run still on Ray with it

    # 6. The Ray head dies mid-run; the run is lost, so the owner fails the job and the ledger refunds.
    jobs["ray head"] = job = submit(org2, ref, **SLOW)
    poll(lambda: _running_on_ray(org1, job), what="the job training on Org1's Ray cluster", timeout_s=180)
    ray = chaos.ray()
    chaos.kill_component(ray)
    ray.start()

    finals |= _settle(org3, {"ray head": job})
    _each_job_settled_once(finals)
    _credits_conserved(org3, minted0, held0)
    _audit_logs_hold_each_event_once(as_org, jobs)
    _services_agree_with_the_ledger(org1, org2, org3, jobs, ref)


def _settle(org3: LedgerML, jobs: dict[str, str]) -> dict[str, dict[str, Any]]:
    return {what: poll(lambda j=j: _final_on_ledger(org3, j), what=f"job {j} ({what}) settled on the ledger",
                       timeout_s=JOBS_DONE_S, every_s=1.0) for what, j in jobs.items()}


def _each_job_settled_once(finals: dict[str, dict[str, Any]]) -> None:
    for what, final in finals.items():
        job, escrow = final["job"], final["escrow"]
        if what == "cancelled while the owner is down":
            assert job["status"] == "CANCELLED", f"{what}: {job['status']}"
        elif what == "ray head":
            assert job["status"] in ("SUCCEEDED", "FAILED"), f"{what}: {job['status']}"
        else:
            assert job["status"] == "SUCCEEDED", f"{what}: the job ended {job['status']}: {job.get('failure')}"
        paid = {p["org"]: p["amount"] for p in escrow.get("payouts") or []}
        if job["status"] == "SUCCEEDED":
            assert escrow["status"] == "RELEASED" and paid == {OWNER: PRICE}, f"{what}: {escrow}"
        else:
            assert escrow["status"] == "REFUNDED", f"{what}: a job that did not succeed kept its deposit: {escrow}"


def _credits_conserved(org3: LedgerML, minted0: int, held0: int) -> None:
    minted, held = _supply(org3)
    assert held - held0 == minted - minted0, (
        f"credits in accounts moved by {held - held0}, the ledger minted {minted - minted0}: with every job "
        "settled, accounts must have gained exactly what was minted")


def _ledger_entries(reader: LedgerML, job_id: str, want: set[str]) -> list[dict[str, Any]] | None:
    """`job_id`'s entries that came from the ledger (through the bridge), once they cover `want`'s tx ids."""
    entries = (item["entry"] for item in reader.audit.timeline(job_id=job_id))  # items: {seq, leaf_hash, entry}
    found = [e for e in entries if str(e.get("source", "")).endswith("/ledger-bridge")]
    return found if {_tx(e) for e in found} >= want else None


def _audit_logs_hold_each_event_once(as_org: Org, jobs: dict[str, str]) -> None:
    org3 = as_org("org3")
    for what, job_id in jobs.items():
        history = org3.ledger.evaluate(Fn.GET_TRAINING_JOB_HISTORY, [job_id]) or []
        on_ledger = {str(h.get("tx_id")) for h in history if h.get("tx_id")}
        for org in ("org1", "org2", "org3"):
            reader = as_org(org)
            entries = poll(lambda r=reader, j=job_id, w=on_ledger: _ledger_entries(r, j, w),
                           what=f"{org}'s audit log holding every ledger event of {job_id}", timeout_s=60)
            twice = [eid for eid, n in Counter(str(e["event_id"]) for e in entries).items() if n > 1]
            assert not twice, f"{what}: {org}'s audit log holds ledger events of {job_id} more than once: {twice}"
            assert {_tx(e) for e in entries} == on_ledger, (
                f"{what}: {org}'s audit log and the ledger disagree on {job_id}'s transactions")


def _tx(entry: dict[str, Any]) -> str:
    return str((entry.get("ledger") or {}).get("tx_id") or "")


def _services_agree_with_the_ledger(org1: LedgerML, org2: LedgerML, org3: LedgerML, jobs: dict[str, str],
                                    ref: dict[str, str]) -> None:
    states = {"SUCCEEDED": "succeeded", "FAILED": "failed", "CANCELLED": "cancelled"}
    for what, job_id in jobs.items():
        status = str((org3.ledger.training_job(job_id) or {}).get("status"))
        want = states[status]
        poll(lambda j=job_id, w=want: org2.training.status(j)["state"] == w,
             what=f"Org2's view of {job_id} ({what}) reaching {want}", timeout_s=60)
        if status != "CANCELLED":
            poll(lambda j=job_id, w=want: _executor_state(org1, j) == w,
                 what=f"Org1's view of {job_id} ({what}) reaching {want}", timeout_s=60)
        else:
            assert _executor_state(org1, job_id) != "running", f"Org1 ran the job Org2 cancelled ({job_id})"
    dataset = org1.registry.get_dataset(ref["dataset_id"])
    version = (dataset.get("versions") or [{}])[0]
    on_ledger = org3.ledger.evaluate(Fn.GET_DATASET_VERSION, [ref["dataset_id"], ref["version"]]) or {}
    assert version.get("merkle_root") == on_ledger.get("merkle_root"), "Org1's registry and the ledger disagree"
