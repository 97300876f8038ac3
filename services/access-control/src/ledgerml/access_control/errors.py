"""Coded errors of the access-control service (range LML-73xx, table in services/access-control/ERRORS.md).

Each subclasses a shared base, so its HTTP status and family stay those of the base.
"""

from __future__ import annotations

from ledgerml.shared.errors import Conflict, InvalidRequest, NotFound, NotOwnerOrganisation, PermissionDenied


class ForeignOrganisation(PermissionDenied):
    """An access-control instance serves one organisation (and auditors, read-only); partners use their own."""

    code, title = "LML-7301", "This access-control instance serves another organisation"


class NotDatasetOwner(NotOwnerOrganisation):
    code, title = "LML-7302", "Only the dataset owner organisation may answer or revoke"


class NotRequestParty(PermissionDenied):
    code, title = "LML-7303", "Only the requester, the dataset owner or an auditor may read this request"


class RequestNotFound(NotFound):
    code, title = "LML-7304", "Access request not found"


class InvalidCursor(InvalidRequest):
    code, title = "LML-7305", "Invalid pagination cursor"


class InvalidTransition(Conflict):
    code, title = "LML-7306", "Access request is not in a state that allows this"


class AnswerInFlight(Conflict):
    code, title = "LML-7307", "An answer to this request is still being written to the ledger"


class InvalidExpiry(InvalidRequest):
    code, title = "LML-7308", "Expiry must be in the future and within the allowed maximum"


class OwnDataset(InvalidRequest):
    code, title = "LML-7309", "An organisation needs no grant for its own dataset"


class OwnerMismatch(InvalidRequest):
    code, title = "LML-7310", "The dataset belongs to another organisation"


class ComputeOnlyDownload(InvalidRequest):
    code, title = "LML-7311", "A compute-only grant cannot serve a download request"

