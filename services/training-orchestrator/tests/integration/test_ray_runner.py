"""The data owner's worker against the real test stack: Ray Jobs API and MinIO (file data source; the
storage internal stream needs the ledger's acceptance, which cannot exist here).

The job row starts in `accepted`, the state the AcceptTraining outcome would put it in; everything from
there on is real: submission, following, collection, verification, weights to MinIO, and the queued
SubmitTrainingResult / FailTraining (which stay pending with LML-5004: no ledger is configured).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from minio import Minio
from sqlalchemy import Engine

from ledgerml.shared.ledger import UnconfiguredLedger
from ledgerml.shared.ledgerwrites import LedgerWriteRelay, ledger_writes_for
from ledgerml.shared.persistence import create_db_engine
from ledgerml.shared.persistence.migrations import upgrade
from ledgerml.training.adapters import db
from ledgerml.training.adapters.catalog import load_catalog
from ledgerml.training.adapters.models import S3ModelStore
from ledgerml.training.adapters.ray_runner import RayJobsRunner
from ledgerml.training.algorithms import Catalog, hyperparameters_hash, resolve_hyperparameters
from ledgerml.training.domain import DatasetRef, Job, JobRole, JobState, sha256_hex
from ledgerml.training.executor import ExecutorPorts, tick
from ledgerml.training.ports import RunStatus

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[4]


class NotCalled:
    """Ports of the steps before acceptance; an accepted job must never touch them."""

    def owner_of(self, dataset_id: str) -> str | None:
        raise AssertionError("accepted jobs are not screened again")

    def decide(self, **_: Any) -> Any:
        raise AssertionError("accepted jobs are not screened again")

    def job(self, org: str, job_id: str) -> dict[str, Any]:
        raise AssertionError("accepted jobs are not screened again")

    def progress(self, org: str, job_id: str) -> dict[str, Any]:
        raise AssertionError("accepted jobs are not screened again")

    def model(self, org: str, job_id: str) -> bytes:
        raise AssertionError("accepted jobs are not screened again")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(REPO / "ray_jobs")


@pytest.fixture
def store(stack_env: dict[str, str]) -> Iterator[S3ModelStore]:
    bucket = f"lml-test-models-{uuid.uuid4().hex[:10]}"
    keys = {"endpoint": stack_env["LEDGERML_S3_ENDPOINT"], "access_key": stack_env["LEDGERML_S3_ACCESS_KEY"],
            "secret_key": stack_env["LEDGERML_S3_SECRET_KEY"]}
    yield S3ModelStore(**keys, bucket=bucket)
    admin = Minio(keys["endpoint"], access_key=keys["access_key"], secret_key=keys["secret_key"], secure=False)
    if admin.bucket_exists(bucket):
        for item in admin.list_objects(bucket, recursive=True):
            admin.remove_object(bucket, str(item.object_name))
        admin.remove_bucket(bucket)


@pytest.fixture
def setup(tmp_path: Path, catalog: Catalog, store: S3ModelStore) -> dict[str, Any]:
    subprocess.run([sys.executable, "-m", "ray_jobs.data", "breast-cancer", "--out", str(tmp_path / "demo")],
                   cwd=REPO, check=True, capture_output=True)  # the data tool, as the demo runs it
    (tmp_path / "data" / "bc-train").mkdir(parents=True)
    (tmp_path / "demo" / "breast_cancer_train.csv").rename(tmp_path / "data" / "bc-train" / "v1.csv")
    url = f"sqlite:///{tmp_path / 'training.db'}"
    engine = create_db_engine(url)
    upgrade(engine, "ledgerml.training:migrations")
    engine.dispose()
    return {"url": url, "data": tmp_path / "data", "results": tmp_path / "results", "store": store,
            "org": f"t{uuid.uuid4().hex[:8]}"}


def instance(setup: dict[str, Any], catalog: Catalog) -> ExecutorPorts:
    """A fresh orchestrator process: its own engine and Ray client, the same database and cluster."""
    engine = create_db_engine(setup["url"])
    runner = RayJobsRunner(address=os.environ["LEDGERML_RAY_ADDRESS"], catalog_dir=REPO / "ray_jobs",
                           results_dir=setup["results"])
    return ExecutorPorts(engine=engine, msp_id="Org1MSP", org=setup["org"], catalog=catalog, runner=runner,
                         store=setup["store"], directory=NotCalled(), decisions=NotCalled(), partners=NotCalled(),
                         data_source=lambda d: f"file:{setup['data'] / d.dataset_id / (d.version + '.csv')}",
                         job_timeout_s=300)


def accepted_job(engine: Engine, catalog: Catalog, job_id: str, **params: Any) -> Job:
    algorithm = catalog.get("tabular_classifier")
    resolved = resolve_hyperparameters(algorithm, params)
    now = datetime.now(UTC)
    job = Job(job_id=job_id, role=JobRole.EXECUTOR, state=JobState.ACCEPTED, requester_org="Org2MSP",
              owner_org="Org1MSP", algorithm=algorithm.name, code_hash=algorithm.code_hash,
              datasets=(DatasetRef("bc-train", "v1", "Org1MSP"),), deposit=10, created_at=now, updated_at=now,
              hyperparameters=resolved, hyperparameters_hash=hyperparameters_hash(resolved))
    with engine.begin() as conn:
        assert db.insert_job(conn, job)
    return job


def state_of(engine: Engine, job_id: str) -> Job:
    with engine.connect() as conn:
        job = db.get_job(conn, job_id)
    assert job is not None
    return job


def tick_until(ports: ExecutorPorts, job_id: str, states: set[JobState], timeout_s: float = 180) -> Job:
    deadline = time.monotonic() + timeout_s
    while (job := state_of(ports.engine, job_id)).state not in states:
        assert time.monotonic() < deadline, f"job stuck in {job.state}"
        tick(ports)
        time.sleep(0.5)  # poll
    return job


def test_restarted_worker_finds_its_run_and_reports_a_verified_result(setup: dict[str, Any], catalog: Catalog) -> None:
    first = instance(setup, catalog)
    accepted_job(first.engine, catalog, "job-run", epochs=4)
    tick(first)
    job = state_of(first.engine, "job-run")
    assert job.state is JobState.RUNNING and job.submission_id == f"lml-{setup['org']}-job-run"
    first.engine.dispose()  # the orchestrator "crashes" while Ray trains

    second = instance(setup, catalog)
    done = tick_until(second, "job-run", {JobState.REPORTING, JobState.FAILING})
    assert done.state is JobState.REPORTING, done.failure_reason
    from ray.job_submission import JobSubmissionClient

    runs = [j for j in JobSubmissionClient(os.environ["LEDGERML_RAY_ADDRESS"]).list_jobs()
            if j.submission_id == done.submission_id]
    assert len(runs) == 1  # found again by its id, never submitted a second time
    weights = setup["store"].get_model(done.model_sha256)
    assert sha256_hex(weights) == done.model_sha256 and len(done.progress) == 4
    assert done.metrics is not None and float(done.metrics["validation_accuracy"]) > 0.85
    LedgerWriteRelay(engine=second.engine, ledger=UnconfiguredLedger()).submit_pending()
    with second.engine.connect() as conn:
        (write,) = ledger_writes_for(conn, "job-run")
    assert (write.function, write.state, write.error_code) == ("SubmitTrainingResult", "pending", "LML-5004")
    assert done.transcript_root in write.args[0] and not (setup["results"] / str(done.submission_id)).exists()
    second.engine.dispose()


def test_a_killed_run_fails_the_job(setup: dict[str, Any], catalog: Catalog) -> None:
    ports = instance(setup, catalog)
    accepted_job(ports.engine, catalog, "job-kill", epochs=500, batch_size=1)
    tick(ports)
    sid = state_of(ports.engine, "job-kill").submission_id
    assert sid is not None and ports.runner.state(sid).status is not RunStatus.MISSING
    ports.runner.stop(sid)  # killed from outside (an operator, a node loss)
    failed = tick_until(ports, "job-kill", {JobState.FAILING, JobState.REPORTING})
    assert failed.state is JobState.FAILING and "ray run stopped" in (failed.failure_reason or "")
    with ports.engine.connect() as conn:
        (write,) = ledger_writes_for(conn, "job-kill")
    assert write.function == "FailTraining" and write.args[0] == "job-kill"
    ports.engine.dispose()
