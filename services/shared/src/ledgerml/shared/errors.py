"""Domain error hierarchy with stable codes (`LML-xxxx`); the table lives in services/shared/ERRORS.md.

Each class carries its code, HTTP status and title, so the one exception handler in
`ledgerml.shared.web.problems` maps any of them without a lookup table of its own.
"""

from __future__ import annotations

from typing import ClassVar


class LedgerMLError(Exception):
    """Base of every error a service raises on purpose."""

    code: ClassVar[str] = "LML-0000"
    status: ClassVar[int] = 500
    title: ClassVar[str] = "Internal error"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title


# 1xxx: the request itself is wrong
class InvalidRequest(LedgerMLError):
    code, status, title = "LML-1000", 422, "Invalid request"


class NotFound(LedgerMLError):
    code, status, title = "LML-1004", 404, "Not found"


class Conflict(LedgerMLError):
    code, status, title = "LML-1009", 409, "Conflict"


# 2xxx: authentication (who is calling)
class AuthenticationFailed(LedgerMLError):
    code, status, title = "LML-2000", 401, "Authentication required"


class CredentialMalformed(AuthenticationFailed):
    code, title = "LML-2001", "Malformed credential"


class CredentialExpired(AuthenticationFailed):
    code, title = "LML-2002", "Credential expired"


class WrongAudience(AuthenticationFailed):
    code, title = "LML-2003", "Credential issued for another service"


class UnknownCertificateAuthority(AuthenticationFailed):
    code, title = "LML-2004", "Certificate not issued by a consortium CA"


class BadSignature(AuthenticationFailed):
    code, title = "LML-2005", "Signature does not verify"


class WrongOrganisation(AuthenticationFailed):
    code, title = "LML-2006", "Credential claims another organisation"


class CertificateRejected(AuthenticationFailed):
    code, title = "LML-2007", "Certificate not valid for signing"


# 3xxx: authorisation (what the caller may do)
class PermissionDenied(LedgerMLError):
    code, status, title = "LML-3000", 403, "Permission denied"


class NotOwnerOrganisation(PermissionDenied):
    code, title = "LML-3001", "Only the owning organisation may do this"


class ReadOnlyRole(PermissionDenied):
    code, title = "LML-3002", "Auditors have read-only access"


class GrantMissing(PermissionDenied):
    code, title = "LML-3003", "No ledger grant allows this"


class RoleNotAllowed(PermissionDenied):
    code, title = "LML-3004", "Role not allowed"


class OrganisationNotAllowed(PermissionDenied):
    """The caller's organisation is not a consortium member: the operator's organisation (it runs the
    network) or one of no declared kind. Refused unless the route names that kind of caller."""

    code, title = "LML-3005", "Organisation not allowed"


# 5xxx: dependencies and infrastructure
class DependencyUnavailable(LedgerMLError):
    """A dependency (DB, Kafka, ledger, object store) cannot be reached; retrying later may work."""

    code, status, title = "LML-5003", 503, "Dependency unavailable"
    retry_after_s: int = 5

    def __init__(self, detail: str | None = None, *, dependency: str, retry_after_s: int = 5) -> None:
        super().__init__(detail or f"{dependency} is unavailable")
        self.dependency = dependency
        self.retry_after_s = retry_after_s


class LedgerNotConfigured(DependencyUnavailable):
    """No ledger endpoint is configured for this service: ledger-backed steps refuse (fail closed)."""

    code, title = "LML-5004", "Ledger not configured"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail or "no ledger endpoint is configured for this service (set its LEDGER_RPC_URL "
                         "and LEDGER_CHAIN_ID); ledger-backed operations are refused until one is",
                         dependency="ledger", retry_after_s=60)


class PeerServiceError(LedgerMLError):
    """Another LedgerML service answered with a problem this service cannot map to its own."""

    code, status, title = "LML-5012", 502, "Peer service failed"


class EventPublishFailed(LedgerMLError):
    code, status, title = "LML-5010", 502, "Event could not be published"


class EventRejected(LedgerMLError):
    """A consumed record is not a valid event; it is skipped, never retried."""

    code, status, title = "LML-5011", 422, "Event rejected"


class LedgerError(LedgerMLError):
    """A ledger call failed; carries the transaction id when one exists and, when the chaincode refused,
    its own code (`LML-CC-0004`) and name (`FORBIDDEN_NOT_OWNER`)."""

    code, status, title = "LML-6000", 502, "Ledger call failed"
    tx_id: str | None = None
    chaincode_code: str | None = None
    chaincode_name: str | None = None

    def __init__(self, detail: str | None = None, *, tx_id: str | None = None, chaincode_code: str | None = None,
                 chaincode_name: str | None = None) -> None:
        super().__init__(detail)
        self.tx_id = tx_id
        self.chaincode_code = chaincode_code
        self.chaincode_name = chaincode_name


class LedgerRejected(LedgerError):
    """The chaincode or the ledger application's rules refused the transaction or query (a conflict
    with the ledger's state unless a subclass says otherwise)."""

    code, status, title = "LML-6001", 409, "Ledger refused the transaction"


LedgerEndorsementFailed = LedgerRejected  # the Fabric-era name of the same refusal


class LedgerRecordNotFound(LedgerRejected, NotFound):
    code, status, title = "LML-6002", 404, "Ledger record not found"


class LedgerForbidden(LedgerRejected, PermissionDenied):
    code, status, title = "LML-6003", 403, "Ledger refused the caller"


class LedgerInvalidArgument(LedgerRejected, InvalidRequest):
    code, status, title = "LML-6004", 422, "Ledger refused an argument"


class LedgerCommitUnconfirmed(DependencyUnavailable, LedgerError):
    """A submitted transaction was not seen committed before the deadline. It may still commit:
    resubmitting the same write (same idempotency key, same bytes) never writes twice."""

    code, status, title = "LML-6005", 503, "Ledger commit not confirmed in time"

    def __init__(self, detail: str | None = None, *, tx_id: str, retry_after_s: int = 5) -> None:
        super().__init__(detail, dependency="ledger", retry_after_s=retry_after_s)
        self.tx_id = tx_id


class LedgerProofInvalid(LedgerError):
    """A ledger read's Merkle proof does not verify against the block header's app hash."""

    code, status, title = "LML-6006", 502, "Ledger proof does not verify"


class ConfigurationInvalid(LedgerMLError):
    code, status, title = "LML-9001", 500, "Service misconfigured"
