"""Request and response bodies of the training service's HTTP API, and the mapping of use-case results
onto them."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from ledgerml.training import service
from ledgerml.training.algorithms import Algorithm
from ledgerml.training.domain import JOB_ID, MAX_AMOUNT, MAX_DATASETS, status_note


class DatasetInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dataset_id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{2,63}$")
    version: str = Field(min_length=1, max_length=128)
    owner_org: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$")


def _whole_number(value: Any) -> Any:
    """JSON does not tell 5 from 5.0; a whole number stays a number of credits, a fraction or a bool does not."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


class JobRequest(BaseModel):
    """The limits the domain checks with their own codes (LML-7403, 7408, 7411) are stated for the document."""

    model_config = ConfigDict(extra="forbid")
    job_id: str | None = Field(default=None, description="generated when absent",
                               json_schema_extra={"pattern": JOB_ID.pattern})
    datasets: list[DatasetInput] = Field(json_schema_extra={"minItems": 1, "maxItems": MAX_DATASETS})
    algorithm: str = Field(min_length=1, max_length=128)
    algorithm_code_hash: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    hyperparameters: dict[str, Any] = Field(default_factory=dict)
    deposit: Annotated[int, BeforeValidator(_whole_number)] = Field(strict=True, description="credits escrowed, "
                                                                    "at least the price",
                                                                    json_schema_extra={"minimum": 1,
                                                                                       "maximum": MAX_AMOUNT})


def job_view(details: service.JobDetails) -> dict[str, Any]:
    job, writes = details.job, details.writes
    latest = writes[-1] if writes else None
    pending = next((w.error_code for w in writes if w.state == "pending" and w.error_code), None)
    return {
        "job_id": job.job_id, "role": str(job.role), "state": str(job.state), "note": status_note(job, pending),
        "requester_org": job.requester_org, "owner_org": job.owner_org,
        "datasets": [d.as_dict() for d in job.datasets],
        "algorithm": {"name": job.algorithm, "code_hash": job.code_hash},
        "hyperparameters": job.hyperparameters, "hyperparameters_hash": job.hyperparameters_hash,
        "deposit": job.deposit, "submission_id": job.submission_id,
        "progress": {"epochs_done": len(job.progress)},
        "model": ({"sha256": job.model_sha256, "transcript_root": job.transcript_root, "metrics": job.metrics,
                   "metrics_hash": job.metrics_hash} if job.model_sha256 else None),
        "failure_reason": job.failure_reason, "ledger_tx_id": job.ledger_tx_id,
        "created_at": job.created_at.isoformat(), "updated_at": job.updated_at.isoformat(),
        "ledger": latest.status() if latest else None,
        "ledger_writes": [{"function": w.function, **w.status()} for w in writes],
    }


def algorithm_view(algorithm: Algorithm) -> dict[str, Any]:
    return {"name": algorithm.name, "version": algorithm.version, "description": algorithm.description,
            "code_hash": algorithm.code_hash, "parameters": algorithm.schema,
            "requirements": list(algorithm.requirements)}
