"""The bridge envelope: how a committed chaincode event travels on `<org>.ledger`.

The ledger→Kafka bridge (`ledgerml.shared.bridge`) publishes one envelope per chaincode event, id
`tx_id:index`, source `<org>/ledger-bridge`; consumers drop a re-published event by that id and refuse
envelopes from any other source on that topic: only the bridge speaks for the ledger.
"""

from __future__ import annotations

from datetime import datetime

from ledgerml.shared.errors import EventRejected
from ledgerml.shared.events.envelope import Envelope
from ledgerml.shared.events.schemas import EventData

BRIDGE_SERVICE = "ledger-bridge"


def bridge_envelope(data: EventData, *, org: str, tx_id: str, index: int, sequence: int, subject: str,
                    time: datetime | None = None) -> Envelope:
    """The envelope the bridge publishes for one chaincode event: id `tx_id:index`, source
    `<org>/ledger-bridge`. Consumers drop a re-published event by this id."""
    return Envelope.wrap(data, source=f"{org}/{BRIDGE_SERVICE}", subject=subject, sequence=sequence,
                         event_id=f"{tx_id}:{index}", time=time)


def require_bridged(envelope: Envelope) -> None:
    """`EventRejected` unless the bridge published `envelope` (a forged source on the ledger topic)."""
    if envelope.source.partition("/")[2] != BRIDGE_SERVICE:
        raise EventRejected(f"ledger topic events must come from the {BRIDGE_SERVICE}, not {envelope.source}")


def ledger_position(envelope: Envelope) -> tuple[str, int | None]:
    """(tx id, event index in the transaction) read back from a bridge envelope's id `tx_id:index`; an id
    of another shape is its own tx id, without an index."""
    head, _, tail = envelope.id.rpartition(":")
    return head or envelope.id, int(tail) if tail.isdigit() else None
