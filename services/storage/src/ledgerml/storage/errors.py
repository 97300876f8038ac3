"""Coded errors of the storage service (range LML-71xx); the table lives in services/storage/ERRORS.md."""

from __future__ import annotations

from ledgerml.shared.errors import (
    ConfigurationInvalid,
    Conflict,
    DependencyUnavailable,
    InvalidRequest,
    LedgerMLError,
    NotFound,
    NotOwnerOrganisation,
    PermissionDenied,
)


class IntegrityViolated(LedgerMLError):
    """A stored chunk or manifest failed verification; no unverified byte was sent."""

    code, status, title = "LML-7101", 502, "Stored data failed integrity verification"


class VersionExists(Conflict):
    code, title = "LML-7102", "Dataset version already stored (versions are immutable)"


class UploadInProgress(Conflict):
    code, title = "LML-7103", "An upload of this version is in progress"


class VersionNotFound(NotFound):
    code, title = "LML-7104", "Dataset version not stored here"


class DatasetUnknown(NotFound):
    code, title = "LML-7105", "Dataset not registered"


class UnsupportedContentType(InvalidRequest):
    code, status, title = "LML-7106", 415, "Upload must be application/octet-stream"


class EmptyBody(InvalidRequest):
    code, status, title = "LML-7107", 400, "Upload body is empty"


class VersionTooLarge(InvalidRequest):
    code, status, title = "LML-7108", 413, "Dataset version exceeds the maximum size"


class RangeNotSatisfiable(InvalidRequest):
    code, status, title = "LML-7109", 416, "Requested range not satisfiable"


class UploadInterrupted(InvalidRequest):
    code, status, title = "LML-7110", 400, "Upload interrupted before the body was complete"


class ObjectStoreUnavailable(DependencyUnavailable):
    code, title = "LML-7111", "Object store unavailable"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail or "the object store cannot be reached; nothing was stored, retry later",
                         dependency="object-store", retry_after_s=5)


class DataKeyUnavailable(ConfigurationInvalid):
    code, title = "LML-7112", "Dataset key cannot be unwrapped with the organisation key"


class DownloadNotGranted(PermissionDenied):
    code, title = "LML-7113", "Access control does not allow this download"


class InternalReadRefused(PermissionDenied):
    code, title = "LML-7114", "Only this organisation's training service may read for jobs"


class JobNotAuthorised(PermissionDenied):
    code, title = "LML-7115", "The ledger does not show an accepted job using this dataset version"


class NotDatasetOwner(NotOwnerOrganisation):
    code, title = "LML-7116", "Only the dataset's owner organisation may do this"


class OrgKeyInvalid(ConfigurationInvalid):
    code, title = "LML-7117", "Organisation key missing or a placeholder"


class InvalidRange(InvalidRequest):
    code, status, title = "LML-7118", 400, "Malformed Range header"
