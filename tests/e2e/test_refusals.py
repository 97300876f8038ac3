"""Failure paths on the real consortium: each is refused by the ledger with a coded error, and no credits move.

No grant, an expired grant, a revoked grant, a grant whose jobs are used up, a deposit below the dataset's
price, an unknown algorithm or a code hash that differs from the catalog, Org2 forging the result of a job
that Org1 runs; and a job that fails on Ray has its deposit refunded. (A consumer cancelling before the
owner accepts is in test_crashes.py: it needs the owner's orchestrator held down.)"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ledgerml.client import LedgerML
from ledgerml.client.ledger import ledger_endpoint
from ledgerml.shared.errors import LedgerError, LedgerMLError
from ledgerml.shared.ledger import Fn
from ledgerml.shared.ledger.cometbft import CometBftLedger
from ledgerml.stack.scenario.narration import await_committed, await_refusal, poll

from .flows import OWNER, PRICE, REQUESTER, balances, fund, grant_training, share_dataset, submit

pytestmark = pytest.mark.e2e
Org = Callable[..., LedgerML]


@pytest.fixture(scope="module")
def funded(as_org: Org) -> None:
    fund(as_org("org1", user="Admin"), as_org("org2", user="Admin"), reader=as_org("org3"))


def refused_without_moving_credits(as_org: Org, ref: dict[str, str], *, deposit: int = PRICE) -> str:
    org2, org3 = as_org("org2"), as_org("org3")
    before = balances(org3)
    job_id = submit(org2, ref, deposit=deposit)
    why = await_refusal(lambda: org2.training.status(job_id), what=f"RequestTraining {job_id}")
    assert balances(org3) == before, "a refused request moved credits"
    assert org3.ledger.escrow(job_id) is None and org3.ledger.training_job(job_id) is None
    job = org2.training.status(job_id)
    assert job["ledger"]["state"] == "rejected" and job["ledger"]["error_code"].startswith("LML-")
    return why


def test_training_without_a_grant_is_refused(as_org: Org, funded: None, tmp_path: Path) -> None:
    ref = share_dataset(as_org("org1"), tmp_path, name="nogrant")
    why = refused_without_moving_credits(as_org, ref)
    assert why.startswith("LML-CC-0007 NO_LIVE_GRANT") and "NO_REQUEST" in why


def test_training_under_a_revoked_grant_is_refused(as_org: Org, funded: None, tmp_path: Path) -> None:
    org1, org2 = as_org("org1"), as_org("org2")
    ref = share_dataset(org1, tmp_path, name="revoked")
    rid = grant_training(org1, org2, ref["dataset_id"])
    org1.access.revoke(rid, reason="e2e")
    await_committed(lambda: org1.access.get(rid), what="RevokeAccess")
    why = refused_without_moving_credits(as_org, ref)
    assert why.startswith("LML-CC-0007 NO_LIVE_GRANT") and "REVOKED" in why


def test_training_under_an_expired_grant_is_refused(as_org: Org, funded: None, tmp_path: Path) -> None:
    org1, org2 = as_org("org1"), as_org("org2")
    ref = share_dataset(org1, tmp_path, name="expired")
    grant_training(org1, org2, ref["dataset_id"], expires_at=datetime.now(UTC) + timedelta(seconds=6))

    def expired_on_the_ledger() -> bool:
        decision = org1.access.decide(organisation=REQUESTER, dataset_id=ref["dataset_id"], purpose="train",
                                      strong=True)
        return not decision["allow"]

    poll(expired_on_the_ledger, what="the grant's expiry on the ledger", every_s=1.0)
    why = refused_without_moving_credits(as_org, ref)
    assert why.startswith("LML-CC-0007 NO_LIVE_GRANT") and "EXPIRED" in why


def test_training_beyond_the_grants_max_jobs_is_refused(as_org: Org, funded: None, tmp_path: Path) -> None:
    org1, org2 = as_org("org1"), as_org("org2")
    ref = share_dataset(org1, tmp_path, name="maxjobs")
    grant_training(org1, org2, ref["dataset_id"], max_jobs=1)
    first = submit(org2, ref)
    assert org2.training.wait(first, poll_s=1.0, timeout_s=300)["state"] == "succeeded"  # the one job runs
    why = refused_without_moving_credits(as_org, ref)
    assert why.startswith("LML-CC-0007 NO_LIVE_GRANT") and "MAX_JOBS_EXHAUSTED" in why


@pytest.mark.parametrize(("algorithm", "code_hash", "code"), [("no_such_algorithm", None, "LML-7400"),
                                                              ("tabular_classifier", "ab" * 32, "LML-7401")])
def test_an_unknown_algorithm_or_a_code_hash_unlike_the_catalogs_is_refused(
        as_org: Org, funded: None, tmp_path: Path, algorithm: str, code_hash: str | None, code: str) -> None:
    org1, org2, org3 = as_org("org1"), as_org("org2"), as_org("org3")
    ref = share_dataset(org1, tmp_path, name="algo")
    grant_training(org1, org2, ref["dataset_id"])
    before = balances(org3)
    with pytest.raises(LedgerMLError) as refused:
        submit(org2, ref, algorithm=algorithm, code_hash=code_hash)
    assert refused.value.code == code
    assert balances(org3) == before, "a refused request moved credits"


def test_a_deposit_below_the_price_is_refused(as_org: Org, funded: None, tmp_path: Path) -> None:
    org1, org2 = as_org("org1"), as_org("org2")
    ref = share_dataset(org1, tmp_path, name="cheap")
    grant_training(org1, org2, ref["dataset_id"])
    why = refused_without_moving_credits(as_org, ref, deposit=PRICE - 1)
    assert why.startswith("LML-CC-0008 INSUFFICIENT_DEPOSIT")


def test_org2_cannot_submit_the_result_of_a_job_org1_runs(as_org: Org, funded: None, tmp_path: Path) -> None:
    org1, org2, org3 = as_org("org1"), as_org("org2"), as_org("org3")
    ref = share_dataset(org1, tmp_path, name="forged")
    grant_training(org1, org2, ref["dataset_id"])
    before = balances(org3)
    job_id = submit(org2, ref)
    await_committed(lambda: org2.training.status(job_id), what="RequestTraining")
    poll(lambda: (org3.ledger.training_job(job_id) or {}).get("status") in ("ACCEPTED", "SUCCEEDED"),
         what="Org1 accepting the job")
    endpoint = ledger_endpoint(REQUESTER)
    forged = json.dumps({"job_id": job_id, "model_hash": "ab" * 32, "transcript_root": "cd" * 32,
                         "metrics_hash": "ef" * 32})
    with CometBftLedger(rpc_url=endpoint.rpc_url, chain_id=endpoint.chain_id, identity=org2.conn.identity,
                        new_blocks=None) as ledger, pytest.raises(LedgerError) as refused:
        ledger.submit(Fn.SUBMIT_TRAINING_RESULT, [forged])
    assert refused.value.chaincode_name == "FORBIDDEN_NOT_OWNER" and "LML-CC-0004" in refused.value.detail
    assert org3.ledger.model("ab" * 32) is None
    # The real result still settles the escrow, once, to the owner.
    final = org2.training.wait(job_id, poll_s=1.0, timeout_s=300)
    assert final["state"] == "succeeded"
    escrow = org3.ledger.escrow(job_id) or {}
    assert escrow.get("status") == "RELEASED" and escrow.get("payouts") == [{"org": OWNER, "amount": PRICE}]
    assert balances(org3) == {OWNER: before[OWNER] + PRICE, REQUESTER: before[REQUESTER] - PRICE}


def test_a_job_that_fails_on_ray_is_failed_on_the_ledger_and_refunded(as_org: Org, funded: None,
                                                                       tmp_path: Path) -> None:
    org1, org2, org3 = as_org("org1"), as_org("org2"), as_org("org3")
    ref = share_dataset(org1, tmp_path, name="rayfail")
    grant_training(org1, org2, ref["dataset_id"])
    before = balances(org3)
    job_id = submit(org2, ref, target_column="no_such_column")  # valid by the schema; the data has no such column
    final = org2.training.wait(job_id, poll_s=1.0, timeout_s=300)
    assert final["state"] == "failed", final
    job = poll(lambda: (lambda j: j if j.get("status") == "FAILED" else None)(org3.ledger.training_job(job_id) or {}),
               what="the job FAILED on the ledger")
    escrow = org3.ledger.escrow(job_id) or {}
    assert escrow.get("status") == "REFUNDED", escrow
    assert "no_such_column" in str(job.get("failure_reason")), job  # the owner says why, on the ledger
    assert balances(org3) == before, "a job that failed on Ray kept (part of) its deposit"
