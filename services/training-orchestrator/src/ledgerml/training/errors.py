"""Coded errors of the training service (range LML-74xx, table in services/training-orchestrator/ERRORS.md).

Each subclasses a shared base, so its HTTP status and family stay those of the base.
"""

from __future__ import annotations

from ledgerml.shared.errors import (
    ConfigurationInvalid,
    Conflict,
    DependencyUnavailable,
    InvalidRequest,
    NotFound,
    PeerServiceError,
)


class UnknownAlgorithm(InvalidRequest):
    code, title = "LML-7400", "Unknown algorithm"


class AlgorithmCodeHashMismatch(InvalidRequest):
    code, title = "LML-7401", "Algorithm code hash does not match the catalog"


class InvalidHyperparameters(InvalidRequest):
    code, title = "LML-7402", "Invalid hyperparameters"


class InvalidDeposit(InvalidRequest):
    code, title = "LML-7403", "Invalid deposit"


class JobNotFound(NotFound):
    code, title = "LML-7404", "Training job not found"


class JobNotCancellable(Conflict):
    code, title = "LML-7405", "Training job can no longer be cancelled"


class ModelNotReady(Conflict):
    code, title = "LML-7406", "No model for this job yet"


class ModelIntegrityFailed(PeerServiceError):
    code, title = "LML-7407", "Model weights do not match the recorded hash"


class InvalidDatasets(InvalidRequest):
    code, title = "LML-7408", "Invalid datasets"


class CatalogInvalid(ConfigurationInvalid):
    code, title = "LML-7409", "Algorithm catalog is invalid"


class JobExists(Conflict):
    code, title = "LML-7410", "Training job id already taken"


class InvalidJobId(InvalidRequest):
    code, title = "LML-7411", "Invalid job id"


class RunnerUnavailable(DependencyUnavailable):
    code, title = "LML-7412", "Ray cluster unavailable"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail, dependency="ray", retry_after_s=10)


class ResultRejected(InvalidRequest):
    """A finished Ray run whose transcript or weights do not verify; the job is failed, never reported."""

    code, title = "LML-7413", "Training result failed verification"
