"""A refused transaction or query becomes one typed `LedgerError`, carrying the chaincode's own code.

The application answers `code` = the numeric part of `LML-CC-xxxx`, codespace `ledgerml` and
`log` = "LML-CC-xxxx NAME: message" (docs/decisions/0003). The name decides the HTTP family:
NOT_FOUND → 404; FORBIDDEN_*, NO_LIVE_GRANT and QUORUM_NOT_MET → 403; INVALID_ARGUMENT and
MALFORMED_TX → 422; what is this service's fault rather than its caller's (an invariant, storage, its
own identity refused as UNAUTHENTICATED, a WRONG_CHAIN configuration) → 502; anything else the chaincode
refuses (ALREADY_EXISTS, INVALID_STATE_TRANSITION, REPLAYED, INSUFFICIENT_*, ...) → 409.
"""

from __future__ import annotations

import re

from ledgerml.shared.errors import (
    LedgerError,
    LedgerForbidden,
    LedgerInvalidArgument,
    LedgerRecordNotFound,
    LedgerRejected,
)
from ledgerml.shared.ledger.contract import CCError

CODESPACE = "ledgerml"
REPLAYED = CCError.REPLAYED.name
_LOG = re.compile(r"^(LML-CC-\d{4}) ([A-Z][A-Z0-9_]*)\b:? ?(.*)$", re.DOTALL)
_TX_ID = re.compile(r"\b[0-9a-fA-F]{64}\b")
_BY_NAME: dict[CCError, type[LedgerError]] = {
    CCError.NOT_FOUND: LedgerRecordNotFound,
    CCError.INVALID_ARGUMENT: LedgerInvalidArgument,
    CCError.MALFORMED_TX: LedgerInvalidArgument,
    CCError.NO_LIVE_GRANT: LedgerForbidden,
    CCError.QUORUM_NOT_MET: LedgerForbidden,
    CCError.INTERNAL: LedgerError,
    CCError.LEDGER: LedgerError,
    CCError.UNSUPPORTED_SCHEMA: LedgerError,
    CCError.UNAUTHENTICATED: LedgerError,
    CCError.WRONG_CHAIN: LedgerError,
}
MAX_DETAIL = 512


def error_class(name: str) -> type[LedgerError]:
    if name.startswith("FORBIDDEN"):
        return LedgerForbidden
    known = CCError.__members__.get(name)
    return _BY_NAME.get(known, LedgerRejected) if known is not None else LedgerRejected


def rejection(*, code: int, log: str, codespace: str, tx_id: str | None, what: str) -> LedgerError:
    """The error for a non-zero ABCI result `code` of `what` (a function name or query path)."""
    match = _LOG.match(log.strip())
    known = CCError.from_number(code) if codespace == CODESPACE else None
    if match:
        cc_code, name, message = match.group(1), match.group(2), match.group(3)
    elif known is not None:
        cc_code, name, message = known.code, known.name, log.strip()
    else:  # not the application's own refusal (another codespace): the ledger failed, not the caller
        detail = f"{what}: the ledger refused with {codespace or 'code'} {code}: {log.strip()}"[:MAX_DETAIL]
        return LedgerError(detail, tx_id=tx_id)
    detail = f"{what}: {cc_code} {name}: {message}"[:MAX_DETAIL]
    return error_class(name)(detail, tx_id=tx_id, chaincode_code=cc_code, chaincode_name=name)


def original_tx_id(error: LedgerError) -> str | None:
    """The original transaction a REPLAYED refusal names in its log, when it names one."""
    match = _TX_ID.search(error.detail)
    return match.group(0).lower() if match else None
