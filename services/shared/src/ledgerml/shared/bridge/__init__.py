"""The ledger→Kafka bridge (`python -m ledgerml.shared.bridge`): every committed chaincode event, once
per organisation, as a typed envelope on `<org>.ledger` (id `tx_id:index`, source `<org>/ledger-bridge`).

The envelope it publishes is `ledgerml.shared.events.bridged`. Importing this package loads only the mapping;
Kafka and the ledger client load with `main`.
"""

from ledgerml.shared.bridge.mapping import Mapped, Skip, map_event

__all__ = ["Mapped", "Skip", "map_event"]
