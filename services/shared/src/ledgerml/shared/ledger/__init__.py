"""The consortium ledger: the `Ledger` port, its CometBFT adapter, signed envelopes and the names the
chaincode shares with Python (generated from chaincode/contract.json)."""

from ledgerml.shared.ledger.contract import CCError, Event, Fn
from ledgerml.shared.ledger.port import ChaincodeEvent, Ledger, LedgerAuthorizer, TxReceipt, UnconfiguredLedger

__all__ = [
    "CCError",
    "ChaincodeEvent",
    "Event",
    "Fn",
    "Ledger",
    "LedgerAuthorizer",
    "TxReceipt",
    "UnconfiguredLedger",
]
