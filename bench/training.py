"""Training benchmark: a job through the consortium vs the same entrypoint run directly with plain Python.

    .venv/bin/python -m bench.training [--quick]      (needs the test stack: stack/with-test-stack.sh)

Ours (`wall_s_ours`): Org2 requests a job through its service, from the request to the committed result on
the ledger (bench/training_ledger.py: RequestTraining with the deposit → TrainingRequested through the bridge
→ Org1's orchestrator re-checks the grant → AcceptTraining → Ray trains through storage's verified stream →
weights stored → SubmitTrainingResult committed). Plain: `python -m tabular_classifier train --runtime plain`
on the same CSV with the same hyperparameters. `offledger` isolates the data owner's part: its worker takes an
accepted job, submits it through the Ray Jobs API (file data source), follows it, collects and verifies
transcript + weights and stores the weights. The three alternate within each repetition; medians.
"""

from __future__ import annotations

import argparse
import base64
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import median, write_result
from bench.training_ledger import Consortia
from ledgerml.shared.persistence import create_db_engine
from ledgerml.shared.persistence.migrations import upgrade
from ledgerml.training.adapters import db
from ledgerml.training.adapters.catalog import load_catalog
from ledgerml.training.adapters.models import S3ModelStore
from ledgerml.training.adapters.ray_runner import RayJobsRunner
from ledgerml.training.algorithms import Catalog, hyperparameters_hash, resolve_hyperparameters
from ledgerml.training.domain import DatasetRef, Job, JobRole, JobState, canonical_json
from ledgerml.training.executor import ExecutorPorts, tick
from ledgerml.training.ports import RunStatus
from ray_jobs.data import TRAIN_FILE, write_breast_cancer

REPO = Path(__file__).resolve().parents[1]
POLL_S = 0.1
GOAL = ("orchestrated overhead <= 10 s plus <= 5% of training time, ledger request to committed result "
        "(issue 8)")


class Unused:
    def owner_of(self, dataset_id: str) -> str | None:
        raise AssertionError("not screened in the benchmark")

    def decide(self, **_: Any) -> Any:
        raise AssertionError("not screened in the benchmark")

    def job(self, org: str, job_id: str) -> dict[str, Any]:
        raise AssertionError("not screened in the benchmark")

    def progress(self, org: str, job_id: str) -> dict[str, Any]:
        raise AssertionError("not screened in the benchmark")

    def model(self, org: str, job_id: str) -> bytes:
        raise AssertionError("not screened in the benchmark")


def plain_run(data: Path, params: dict[str, Any], out: Path, code_hash: str) -> float:
    encoded = base64.b64encode(canonical_json(params)).decode()
    started = time.perf_counter()
    argv = [sys.executable, "-m", "tabular_classifier", "train", "--job-id", "bench", "--code-hash", code_hash,
            "--hyperparameters-b64", encoded, "--data", f"file:{data}", "--output-dir", str(out), "--runtime", "plain"]
    subprocess.run(argv, cwd=REPO / "ray_jobs", check=True, capture_output=True)  # noqa: S603 - our entrypoint
    return time.perf_counter() - started


def orchestrated_run(ports: ExecutorPorts, catalog: Catalog, params: dict[str, Any]) -> dict[str, float]:
    job_id = f"bench-{uuid.uuid4().hex[:10]}"
    algorithm = catalog.get("tabular_classifier")
    now = datetime.now(UTC)
    with ports.engine.begin() as conn:
        db.insert_job(conn, Job(job_id=job_id, role=JobRole.EXECUTOR, state=JobState.ACCEPTED,
                                requester_org="Org2MSP", owner_org="Org1MSP", algorithm=algorithm.name,
                                code_hash=algorithm.code_hash, datasets=(DatasetRef("bc", "v1", "Org1MSP"),),
                                deposit=1, created_at=now, updated_at=now, hyperparameters=params,
                                hyperparameters_hash=hyperparameters_hash(params)))
    started = time.perf_counter()
    marks: dict[str, float] = {}
    while True:
        tick(ports)
        with ports.engine.connect() as conn:
            job = db.get_job(conn, job_id)
        assert job is not None
        if job.state in (JobState.REPORTING, JobState.FAILING):
            break
        if job.submission_id and "running_s" not in marks and \
                ports.runner.state(job.submission_id).status is RunStatus.RUNNING:
            marks["running_s"] = time.perf_counter() - started
        time.sleep(POLL_S)  # poll
    if job.state is not JobState.REPORTING:
        raise SystemExit(f"orchestrated run failed: {job.failure_reason}")
    return {"total_s": time.perf_counter() - started, **marks}


def _drop_bucket(bucket: str) -> None:
    from minio import Minio

    admin = Minio(os.environ["LEDGERML_S3_ENDPOINT"], access_key=os.environ["LEDGERML_S3_ACCESS_KEY"],
                  secret_key=os.environ["LEDGERML_S3_SECRET_KEY"], secure=False)
    if admin.bucket_exists(bucket):
        for item in admin.list_objects(bucket, recursive=True):
            admin.remove_object(bucket, str(item.object_name))
        admin.remove_bucket(bucket)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.training")
    parser.add_argument("--quick", action="store_true", help="3 repetitions of 5 epochs")
    args = parser.parse_args(argv)
    repetitions, epochs = (3, 5) if args.quick else (5, 30)
    catalog = load_catalog(REPO / "ray_jobs")
    params = resolve_hyperparameters(catalog.get("tabular_classifier"), {"epochs": epochs})
    with tempfile.TemporaryDirectory(prefix="lml-bench-training-") as tmp:
        root = Path(tmp)
        write_breast_cancer(root / "demo")
        (root / "data" / "bc").mkdir(parents=True)
        data = root / "data" / "bc" / "v1.csv"
        (root / "demo" / TRAIN_FILE).rename(data)
        engine = create_db_engine(f"sqlite:///{root / 'training.db'}")
        upgrade(engine, "ledgerml.training:migrations")
        store = S3ModelStore(endpoint=os.environ["LEDGERML_S3_ENDPOINT"],
                             access_key=os.environ["LEDGERML_S3_ACCESS_KEY"],
                             secret_key=os.environ["LEDGERML_S3_SECRET_KEY"],
                             bucket=f"lml-bench-models-{uuid.uuid4().hex[:8]}")
        runner = RayJobsRunner(address=os.environ["LEDGERML_RAY_ADDRESS"], catalog_dir=REPO / "ray_jobs",
                               results_dir=root / "results")
        ports = ExecutorPorts(engine=engine, msp_id="Org1MSP", org=f"bench{uuid.uuid4().hex[:6]}", catalog=catalog,
                              runner=runner, store=store, directory=Unused(), decisions=Unused(), partners=Unused(),
                              data_source=lambda d: f"file:{root / 'data' / d.dataset_id / (d.version + '.csv')}")
        plain: list[float] = []
        ours: list[dict[str, float]] = []
        onledger: list[dict[str, float]] = []
        with Consortia() as consortium:
            job_bench = consortium.bench(data, jobs=repetitions)
            for rep in range(repetitions):  # alternate, so drift on this shared machine hits every side
                plain.append(plain_run(data, params, root / f"plain-{rep}",
                                       catalog.get("tabular_classifier").code_hash))
                ours.append(orchestrated_run(ports, catalog, params))
                onledger.append(job_bench.run(params))
                print(f"rep {rep + 1}/{repetitions}: plain {plain[-1]:.2f} s, orchestrated {ours[-1]['total_s']:.2f}"
                      f" s, request to committed result {onledger[-1]['total_s']:.2f} s", file=sys.stderr)
        engine.dispose()
        _drop_bucket(store.bucket)
    wall_plain = median(plain)
    wall_orchestrated = median([o["total_s"] for o in ours])
    overhead = wall_orchestrated - wall_plain
    wall_ours = median([o["total_s"] for o in onledger])
    write_result("training", goal=GOAL, repetitions=repetitions, fields={
        "wall_s_ours": round(wall_ours, 3), "wall_s_plain": round(wall_plain, 3),
        "overhead_s": round(wall_ours - wall_plain, 3), "ratio": round(wall_plain / wall_ours, 3),
        "goal_met": wall_ours - wall_plain <= 10 + 0.05 * wall_plain,
        "ledger": {
            "what": "Org2's request through its service -> RequestTraining (escrow) -> bridge -> Org1's orchestrator "
                    "-> AcceptTraining -> Ray via storage's verified stream -> SubmitTrainingResult committed, "
                    "timed until Org2's validator holds the job SUCCEEDED",
            "request_to_accept_s": round(median([o.get("request_to_accept_s", float("nan")) for o in onledger]), 3),
            "accept_to_result_s": round(median([o.get("accept_to_result_s", float("nan")) for o in onledger]), 3),
            "samples_s": [round(o["total_s"], 3) for o in onledger],
        },
        "offledger": {
            "what": "Ray Jobs API submission (file data source) -> run -> transcript + weights collected, verified, "
                    "weights stored in MinIO, SubmitTrainingResult queued; vs plain Python on the same data",
            "wall_s_orchestrated": round(wall_orchestrated, 3), "wall_s_plain": round(wall_plain, 3),
            "overhead_s": round(overhead, 3), "ratio": round(wall_plain / wall_orchestrated, 3),
            "to_running_s": round(median([o.get("running_s", float("nan")) for o in ours]), 3),
            "goal_met_offledger": overhead <= 10 + 0.05 * wall_plain,
        },
        "setup": {"epochs": epochs, "rows": 426, "algorithm": "tabular_classifier", "device": "cpu",
                  "worker_poll_s": POLL_S, "ray_job_num_cpus": 1,
                  "samples_plain_s": [round(p, 3) for p in plain],
                  "samples_orchestrated_s": [round(o["total_s"], 3) for o in ours]},
    })
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
