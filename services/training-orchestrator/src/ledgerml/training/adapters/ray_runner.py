"""`TrainingRunner` over the Ray Jobs API (`ray.job_submission.JobSubmissionClient`).

The algorithm folder travels as a `py_modules` package, so the run executes exactly the files whose code
hash the catalog computed (re-checked at submission). The run writes `transcript.json` and `weights.bin`
to `<results_dir>/<submission id>/`, a directory the Ray nodes and this service share (the local stack
runs both on one host; in a cluster it is a shared volume). Progress comes from the job's logs.
Ray's errors are translated here once: unreachable → `RunnerUnavailable` (retried), unknown id → MISSING.
"""

from __future__ import annotations

import base64
import json
import logging
import shlex
import shutil
from pathlib import Path
from typing import Any

from ledgerml.training.adapters.catalog import folder_files
from ledgerml.training.algorithms import code_hash
from ledgerml.training.errors import CatalogInvalid, ResultRejected, RunnerUnavailable
from ledgerml.training.ports import RunOutputs, RunSpec, RunState, RunStatus
from ledgerml.training.transcripts import parse_error, parse_progress

log = logging.getLogger(__name__)
TRANSCRIPT, WEIGHTS = "transcript.json", "weights.bin"
_RAY_ERRORS = (RuntimeError, OSError, ValueError)  # requests' errors are OSErrors


def _missing(exc: BaseException) -> bool:
    text = str(exc)
    return "does not exist" in text or "404" in text


class RayJobsRunner:
    def __init__(self, *, address: str, catalog_dir: Path, results_dir: Path, auth_token: str | None = None,
                 python: str = "python", num_cpus: float = 1.0) -> None:
        self._address = address
        self._headers = {"Authorization": f"Bearer {auth_token}"} if auth_token else None
        self._catalog_dir = catalog_dir
        self._results_dir = results_dir
        self._python = python
        self._num_cpus = num_cpus
        self._client: Any = None

    def _jobs(self) -> Any:
        if self._client is None:
            from ray.job_submission import JobSubmissionClient

            try:
                self._client = JobSubmissionClient(self._address, headers=self._headers)
            except _RAY_ERRORS as exc:
                raise RunnerUnavailable(f"Ray Jobs API at {self._address}: {type(exc).__name__}") from None
        return self._client

    def output_dir(self, submission_id: str) -> Path:
        return self._results_dir / submission_id

    def _entrypoint(self, spec: RunSpec) -> str:
        params = base64.b64encode(json.dumps(dict(spec.hyperparameters), sort_keys=True).encode()).decode()
        argv = [self._python, "-m", spec.algorithm.module, "train", "--job-id", spec.job_id,
                "--code-hash", spec.algorithm.code_hash, "--hyperparameters-b64", params,
                "--output-dir", str(self.output_dir(spec.submission_id)), "--runtime", "ray"]
        for source in spec.data:
            argv += ["--data", source]
        return shlex.join(argv)

    def submit(self, spec: RunSpec) -> bool:
        if self.state(spec.submission_id).status is not RunStatus.MISSING:
            return False
        folder = self._catalog_dir / spec.algorithm.module
        if code_hash(folder_files(folder)) != spec.algorithm.code_hash:
            raise CatalogInvalid(f"{spec.algorithm.name}: files changed on disk since the catalog was loaded")
        self.output_dir(spec.submission_id).mkdir(parents=True, exist_ok=True)
        try:
            self._jobs().submit_job(
                entrypoint=self._entrypoint(spec), submission_id=spec.submission_id,
                runtime_env={"py_modules": [str(folder)],
                             "env_vars": {"PYTHONUNBUFFERED": "1", **dict(spec.secret_env)}},
                entrypoint_num_cpus=self._num_cpus, metadata={"ledgerml_job_id": spec.job_id})
        except _RAY_ERRORS as exc:
            if "already exists" in str(exc):
                return False  # a concurrent or earlier submission won: it is the same run
            raise RunnerUnavailable(f"Ray refused the submission: {type(exc).__name__}") from None
        log.info("ray run submitted", extra={"submission_id": spec.submission_id})
        return True

    def state(self, submission_id: str) -> RunState:
        try:
            info = self._jobs().get_job_info(submission_id)
        except _RAY_ERRORS as exc:
            if _missing(exc):
                return RunState(RunStatus.MISSING, "no Ray run with this submission id")
            raise RunnerUnavailable(f"Ray job status: {type(exc).__name__}") from None
        status = RunStatus(str(info.status.value))
        if status is RunStatus.FAILED:
            return RunState(status, self._failure(submission_id) or (info.message or "")[:300])
        return RunState(status, (info.message or "")[:300])

    def _failure(self, submission_id: str) -> str | None:
        """The algorithm's own reason (its `LMLERROR` line), rather than Ray's 'entrypoint failed' + log tail."""
        try:
            return parse_error(str(self._jobs().get_job_logs(submission_id)))
        except _RAY_ERRORS:
            return None

    def progress(self, submission_id: str) -> list[dict[str, Any]]:
        try:
            epochs: list[dict[str, Any]] = parse_progress(str(self._jobs().get_job_logs(submission_id)))
            return epochs
        except _RAY_ERRORS as exc:
            if _missing(exc):
                return []
            raise RunnerUnavailable(f"Ray job logs: {type(exc).__name__}") from None

    def logs(self, submission_id: str) -> str:
        try:
            return str(self._jobs().get_job_logs(submission_id))
        except _RAY_ERRORS as exc:
            raise RunnerUnavailable(f"Ray job logs: {type(exc).__name__}") from None

    def collect(self, submission_id: str) -> RunOutputs:
        folder = self.output_dir(submission_id)
        try:
            return RunOutputs(transcript=(folder / TRANSCRIPT).read_bytes(), weights=(folder / WEIGHTS).read_bytes())
        except OSError:
            raise ResultRejected(f"the run finished without writing {TRANSCRIPT} and {WEIGHTS}") from None

    def stop(self, submission_id: str) -> None:
        try:
            self._jobs().stop_job(submission_id)
        except _RAY_ERRORS as exc:
            if not _missing(exc):
                raise RunnerUnavailable(f"Ray stop: {type(exc).__name__}") from None

    def discard(self, submission_id: str) -> None:
        shutil.rmtree(self.output_dir(submission_id), ignore_errors=True)
