"""Coded errors of the audit service (range LML-75xx, table in services/audit/ERRORS.md).

Each subclasses a shared base, so its HTTP status and family stay those of the base.
"""

from __future__ import annotations

from ledgerml.shared.errors import Conflict, DependencyUnavailable, InvalidRequest, NotFound, PermissionDenied


class InvalidCursor(InvalidRequest):
    code, title = "LML-7501", "Invalid pagination cursor"


class EntryNotFound(NotFound):
    code, title = "LML-7502", "Audit entry not found"


class TreeHeadNotFound(NotFound):
    code, title = "LML-7503", "Signed tree head not found"


class EntryNotYetAnchored(Conflict):
    code, title = "LML-7504", "Entry not yet covered by a signed tree head"


class InvalidProofRequest(InvalidRequest):
    code, title = "LML-7505", "Invalid proof request"


class NotEntitled(PermissionDenied):
    code, title = "LML-7506", "Not entitled to read this audit log"


class LineageNotFound(NotFound):
    code, title = "LML-7507", "No audit entries for this subject"


class PeerEndpointUnknown(DependencyUnavailable):
    code, title = "LML-7509", "Peer service endpoint unknown"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, dependency="endpoints file", retry_after_s=60)


class InvalidVerifyRequest(InvalidRequest):
    code, title = "LML-7510", "Invalid verification request"


class UnsupportedExportFormat(InvalidRequest):
    code, title = "LML-7511", "Unsupported export format"


class InvalidTimeRange(InvalidRequest):
    code, title = "LML-7512", "Invalid time range"


class UnknownOrganisation(InvalidRequest):
    code, title = "LML-7513", "Unknown organisation"
