"""The ledger-write outcome hook (`python -m ledgerml.access_control relay`): when one of this service's
ledger writes commits or is rejected, the request record and its history say so.

A commit settles the local record at once; the chaincode event that follows through the bridge feeds
the decision projection (decisions never rest on a receipt alone) and repeats the same state, which
the order-tolerant rules of `projector` make harmless.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Connection

from ledgerml.access_control.adapters import requests as repo
from ledgerml.access_control.domain import Answer, RequestState, merged_state
from ledgerml.shared.ledger import Fn
from ledgerml.shared.ledgerwrites import LedgerWrite

ANSWERS: dict[str, Answer] = {Fn.GRANT_ACCESS: Answer.GRANT, Fn.DENY_ACCESS: Answer.DENY,
                              Fn.REVOKE_ACCESS: Answer.REVOKE}
_TARGET = {Answer.GRANT: RequestState.GRANTED, Answer.DENY: RequestState.DENIED, Answer.REVOKE: RequestState.REVOKED}


def on_ledger_outcome(conn: Connection, write: LedgerWrite) -> None:
    if write.function != Fn.REQUEST_ACCESS and write.function not in ANSWERS:
        return
    record = repo.get_request(conn, write.subject)
    if record is None:
        return
    at = write.updated_at
    if write.function == Fn.REQUEST_ACCESS:
        state = RequestState.REJECTED if write.state == "rejected" else record.state
        changes: dict[str, object] = {"state": state, "updated_at": at}
        if write.state == "rejected":
            changes["reason"] = f"{write.error_code}: {write.error_detail}"[:500]
        repo.update_request(conn, record.request_id, **changes)
        repo.add_history(conn, record.request_id, at=at, event=f"request:{write.state}", state=state,
                         actor="ledger-relay", detail=write.error_code, write_id=write.id, tx_id=write.tx_id,
                         block_number=write.block_number)
        return
    answer = ANSWERS[write.function]
    changes = {"pending_answer": None, "updated_at": at}
    state = record.state
    if write.state == "committed":
        state = merged_state(record.state, _TARGET[answer])
        changes["state"] = state
        if answer is Answer.GRANT and state is RequestState.GRANTED:
            conditions = json.loads(write.args[1])
            changes |= {"expires_at": datetime.fromisoformat(conditions["expires_at"]),
                        "max_jobs": conditions["max_jobs"], "compute_only": conditions["compute_only"]}
        elif answer is not Answer.GRANT:
            changes["reason"] = write.args[1]
    repo.update_request(conn, record.request_id, **changes)
    repo.add_history(conn, record.request_id, at=at, event=f"{answer}:{write.state}", state=state,
                     actor="ledger-relay", detail=write.error_code, write_id=write.id, tx_id=write.tx_id,
                     block_number=write.block_number)

