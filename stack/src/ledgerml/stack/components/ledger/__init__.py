"""The consortium ledger: four CometBFT validators and their LedgerML ABCI applications."""

from ledgerml.stack.components.ledger.health import NodeHealth, ProbeResult
from ledgerml.stack.components.ledger.network import LedgerNetwork

__all__ = ["LedgerNetwork", "NodeHealth", "ProbeResult"]
