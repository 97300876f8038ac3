"""`consistency=strong` answers the way the projection does: a dataset the ledger does not know is a
deny (UNKNOWN_DATASET), not a 404 that `POST /decisions` does not document; other refusals still raise."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from ledgerml.access_control.domain import Purpose, Reason
from ledgerml.access_control.policy import Tenancy
from ledgerml.access_control.service_decisions import decide_on_ledger
from ledgerml.shared.errors import LedgerError, LedgerInvalidArgument, LedgerRecordNotFound
from ledgerml.shared.identity import Principal, Role

ORG1 = Principal("Org1MSP", Role.CLIENT, "CN=User1@org1.ledgerml.test")
TENANCY = Tenancy("Org1MSP", frozenset({"Org3MSP"}))
NOW = datetime(2026, 12, 3, tzinfo=UTC)


class RefusingLedger:
    """Only `evaluate` is reached by a strong decision; it refuses the way the chaincode would."""

    def __init__(self, error: LedgerError) -> None:
        self.error = error
        self.calls: list[tuple[str, list[str]]] = []

    def evaluate(self, function: str, args: Sequence[str]) -> bytes:
        self.calls.append((function, list(args)))
        raise self.error


def decide(ledger: RefusingLedger) -> tuple[bool, Reason, str]:
    result = decide_on_ledger(ledger=ledger, principal=ORG1, tenancy=TENANCY,  # type: ignore[arg-type]
                              organisation="Org2MSP", dataset_id="nope", purpose=Purpose.TRAIN, now=NOW)
    return result.decision.allow, result.decision.reason, result.source


def test_a_dataset_unknown_to_the_ledger_is_denied() -> None:
    ledger = RefusingLedger(LedgerRecordNotFound('LML-CC-0002 NOT_FOUND: dataset "nope"'))
    assert decide(ledger) == (False, Reason.UNKNOWN_DATASET, "ledger")
    assert [args for _, args in ledger.calls] == [["Org2MSP", "nope", "train"]]


def test_an_invalid_argument_is_still_refused() -> None:
    with pytest.raises(LedgerInvalidArgument):
        decide(RefusingLedger(LedgerInvalidArgument("LML-CC-0003 INVALID_ARGUMENT: org")))
