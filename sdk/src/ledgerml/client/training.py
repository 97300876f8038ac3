"""SDK client for the training-orchestrator service: training jobs, progress, models and credits.

Requests go to the caller's own organisation's training service, which queues `RequestTraining` on the
ledger and later fetches the model from the data owner. A downloaded model is returned only after its
SHA-256 matched both the hash the service sent and the model hash recorded for the job.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ledgerml.client.connection import Connection, msp_id_of
from ledgerml.shared.errors import LedgerMLError

SERVICE = "training-orchestrator"
JSON = dict[str, Any]
FINAL_STATES = frozenset({"rejected", "cancelled", "succeeded", "failed", "abandoned", "not_ours"})

# The training service's stable codes (services/training-orchestrator/ERRORS.md), so problems keep their code.
_TRAINING_CODES = {
    "LML-7400": (422, "Unknown algorithm"), "LML-7401": (422, "Algorithm code hash does not match the catalog"),
    "LML-7402": (422, "Invalid hyperparameters"), "LML-7403": (422, "Invalid deposit"),
    "LML-7404": (404, "Training job not found"), "LML-7405": (409, "Training job can no longer be cancelled"),
    "LML-7406": (409, "No model for this job yet"), "LML-7407": (502, "Model weights do not match the recorded hash"),
    "LML-7408": (422, "Invalid datasets"), "LML-7409": (500, "Algorithm catalog is invalid"),
    "LML-7410": (409, "Training job id already taken"), "LML-7411": (422, "Invalid job id"),
    "LML-7412": (503, "Ray cluster unavailable"), "LML-7413": (422, "Training result failed verification"),
}
# Defining them registers the codes with `ledgerml.shared.web.client.error_from_problem`.
TRAINING_ERRORS: dict[str, type[LedgerMLError]] = {
    code: type(f"TrainingError{code[4:]}", (LedgerMLError,), {"code": code, "status": status, "title": title})
    for code, (status, title) in _TRAINING_CODES.items()}


class ModelHashMismatch(LedgerMLError):
    """The weights received do not hash to the job's recorded model hash; they are discarded."""

    code, status, title = "LML-7414", 502, "Downloaded model does not match its recorded hash"


def dataset_ref(spec: str) -> JSON:
    """`DATASET@VERSION:OWNER` (owner as `org1` or `Org1MSP`) → the request's dataset entry."""
    ref, sep, owner = spec.rpartition(":")
    dataset, at, version = ref.partition("@")
    if not sep or not at or not dataset or not version or not owner:
        raise TRAINING_ERRORS["LML-7408"](f"dataset must be DATASET@VERSION:OWNER (e.g. bc-train@v1:org1), "
                                          f"not {spec!r}")
    return {"dataset_id": dataset, "version": version, "owner_org": msp_id_of(owner)}


class TrainingClient:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def _call(self, method: str, path: str, **kwargs: Any) -> JSON:
        body: JSON = self._conn.http(SERVICE).request(method, path, **kwargs).json()
        return body

    def submit(self, *, datasets: Sequence[Mapping[str, str]], algorithm: str, deposit: int,
               hyperparameters: Mapping[str, Any] | None = None, job_id: str | None = None,
               algorithm_code_hash: str | None = None) -> JSON:
        """Request training; the answer's `ledger.state` stays `pending` until `RequestTraining` commits."""
        payload: JSON = {"datasets": [dict(d) for d in datasets], "algorithm": algorithm, "deposit": deposit,
                         "hyperparameters": dict(hyperparameters or {})}
        if job_id is not None:
            payload["job_id"] = job_id
        if algorithm_code_hash is not None:
            payload["algorithm_code_hash"] = algorithm_code_hash
        return self._call("POST", "/jobs", json=payload)

    def status(self, job_id: str) -> JSON:
        return self._call("GET", f"/jobs/{job_id}")

    def progress(self, job_id: str) -> JSON:
        """`{"state", "epochs": [{"epoch", "loss", "accuracy", ...}], "epochs_done", "total_epochs"}`."""
        return self._call("GET", f"/jobs/{job_id}/progress")

    def cancel(self, job_id: str) -> JSON:
        """Withdraw before the owner accepts; the ledger refunds the deposit once `CancelTraining` commits."""
        return self._call("POST", f"/jobs/{job_id}/cancel")

    def curve(self, job_id: str) -> bytes:
        """Loss and accuracy per epoch as a PNG."""
        return bytes(self._conn.http(SERVICE).request("GET", f"/jobs/{job_id}/curve.png").content)

    def fetch_model(self, job_id: str) -> tuple[bytes, str]:
        """The trained weights and their SHA-256, checked against the model hash recorded for the job."""
        recorded = (self.status(job_id).get("model") or {}).get("sha256")
        response = self._conn.http(SERVICE).request("GET", f"/jobs/{job_id}/model")
        weights = bytes(response.content)
        digest = hashlib.sha256(weights).hexdigest()
        claimed = response.headers.get("x-ledgerml-model-sha256")
        if not recorded or digest != recorded or (claimed is not None and claimed != digest):
            raise ModelHashMismatch(f"weights of {job_id} hash to {digest}; the job records {recorded}")
        return weights, digest

    def wait(self, job_id: str, *, on_progress: Callable[[JSON], None] | None = None, poll_s: float = 2.0,
             timeout_s: float | None = None) -> JSON:
        """Poll progress until the job reaches a final state (or `timeout_s`); returns the last progress."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while True:
            progress = self.progress(job_id)
            if on_progress is not None:
                on_progress(progress)
            if progress["state"] in FINAL_STATES or (deadline is not None and time.monotonic() >= deadline):
                return progress
            time.sleep(poll_s)  # poll

    def algorithms(self) -> list[JSON]:
        items: list[JSON] = self._call("GET", "/algorithms")["items"]
        return items

    def credits(self, org: str | None = None) -> JSON:
        """The ledger balance of `org` (default: the caller's own); 503 LML-5004 when the service has no ledger."""
        return self._call("GET", f"/credits/{msp_id_of(org) if org else self._conn.msp_id}")
