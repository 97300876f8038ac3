"""The ledger→Kafka bridge: committed chaincode events, in block order, onto `<org>.ledger`.

Each batch is mapped to typed envelopes (id `tx_id:index`, source `<org>/ledger-bridge`, gapless
`sequence`), published with the idempotent producer (acks=all), and only after every record is
acknowledged does the checkpoint move past it. A crash re-publishes at most the batch in flight, with
the same ids and sequence numbers; consumers drop it by id. Events without a Kafka type are skipped
(logged by name and position, counted), never a reason to stop. When the ledger or Kafka fails the
bridge backs off (doubling, capped) and carries on from its checkpoint, so nothing is lost.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

from prometheus_client import Counter, Gauge
from pydantic import ValidationError

from ledgerml.shared.bridge.checkpoint import Checkpoint, Position
from ledgerml.shared.bridge.follower import BlockFeed, Ended, EventFeed, Follower, Item, Scanned
from ledgerml.shared.bridge.mapping import Mapped, Skip, map_event
from ledgerml.shared.bridge.status import BridgeStatus, StatusFile
from ledgerml.shared.errors import LedgerMLError
from ledgerml.shared.events import Envelope, topic_for
from ledgerml.shared.events.bridged import bridge_envelope
from ledgerml.shared.ledger import ChaincodeEvent
from ledgerml.shared.messaging import EventPublisher, OutboundRecord

log = logging.getLogger(__name__)

PUBLISHED = Counter("ledgerml_bridge_events_published_total", "Chaincode events published on <org>.ledger")
SKIPPED = Counter("ledgerml_bridge_events_skipped_total", "Chaincode events not published, by reason", ["reason"])
FAILURES = Counter("ledgerml_bridge_failures_total", "Failures the bridge backed off from", ["dependency"])
HEIGHT = Gauge("ledgerml_bridge_checkpoint_height", "Block the bridge has published through")
LAG = Gauge("ledgerml_bridge_lag_blocks", "Ledger head minus the checkpoint height")

PublisherFactory = Callable[[], EventPublisher]
LedgerHead = Callable[[], int]
"""The latest committed height of the organisation's validator (for the status's lag)."""


class Backoff:
    def __init__(self, *, first_s: float = 0.5, max_s: float = 30.0) -> None:
        self._first, self._max, self._next = first_s, max_s, first_s

    def next(self) -> float:
        delay, self._next = self._next, min(self._max, self._next * 2)
        return delay

    def reset(self) -> None:
        self._next = self._first


class LedgerBridge:
    def __init__(self, *, org: str, ledger: EventFeed | BlockFeed, publishers: PublisherFactory, checkpoint: Checkpoint,
                 status: StatusFile, head: LedgerHead | None = None, start_block: int = 1, batch_max: int = 500,
                 retry_max_s: float = 30.0, status_every_s: float = 2.0) -> None:
        self._org = org
        self._topic = topic_for(org, "ledger")
        self._ledger = ledger
        self._publishers = publishers
        self._publisher: EventPublisher | None = None
        self._checkpoint = checkpoint
        self._position = checkpoint.load()
        self._status_file = status
        self._status = BridgeStatus(org=org)
        self._status.at(self._position)
        self._head = head
        self._start_block = start_block
        self._batch_max = batch_max
        self._backoff = Backoff(first_s=min(0.5, retry_max_s), max_s=retry_max_s)
        self._status_every_s = status_every_s
        self._head_checked = float("-inf")

    @property
    def position(self) -> Position:
        return self._position

    @property
    def status(self) -> BridgeStatus:
        return self._status

    def publish(self, items: Sequence[Item]) -> int:
        """Map, publish and checkpoint one batch (events, and the ends of blocks a feed saw); returns how
        many records were published. When Kafka does not acknowledge, raises and leaves the checkpoint."""
        position = self._position
        records: list[OutboundRecord] = []
        for item in items:
            if isinstance(item, Scanned):
                position = position.through(item.height)
            elif not position.covers(item):  # covered: published before a restart, in the resumed block
                envelope = self._envelope(item, sequence=position.sequence + 1)
                if envelope is not None:
                    records.append(self._record(envelope))
                position = position.after(item, published=envelope is not None)
        if records:
            publisher = self._publisher or self._publishers()
            self._publisher = publisher
            publisher.publish(records)
            PUBLISHED.inc(len(records))
            self._status.published += len(records)
        if position != self._position:
            self._checkpoint.save(position)
            self._position = position
            self._status.at(position)
            if records:
                log.info("ledger events published", extra={"count": len(records), "block": position.height,
                                                           "sequence": position.sequence})
        return len(records)

    def _envelope(self, event: ChaincodeEvent, *, sequence: int) -> Envelope | None:
        where = {"event_type": event.name[:64], "event_id": event.event_id, "block": event.block_number}
        mapped = map_event(event)
        if isinstance(mapped, Mapped):
            try:
                return bridge_envelope(mapped.data, org=self._org, tx_id=event.tx_id, index=event.index,
                                       sequence=sequence, subject=mapped.subject, time=mapped.time)
            except ValidationError:
                mapped = Skip.MALFORMED
        SKIPPED.labels(str(mapped)).inc()
        self._status.skipped[str(mapped)] = self._status.skipped.get(str(mapped), 0) + 1
        if mapped is Skip.UNKNOWN:
            log.warning("unknown chaincode event skipped", extra=where)
        elif mapped is Skip.MALFORMED:
            log.error("unreadable chaincode event skipped", extra=where)
        return None

    def _record(self, envelope: Envelope) -> OutboundRecord:
        headers = [("ce_id", envelope.id.encode()), ("ce_type", str(envelope.type).encode()),
                   ("content-type", b"application/cloudevents+json")]
        return OutboundRecord(topic=self._topic, key=envelope.key, value=envelope.to_json(), headers=headers)

    def run(self, stop: threading.Event) -> None:
        """Follow the ledger until `stop`, backing off and resuming from the checkpoint after failures."""
        self._write_status()
        while not stop.is_set():
            self._position = self._checkpoint.load()  # the durable truth, whatever the last cycle left in memory
            self._status.at(self._position)
            start = self._position.block if self._position.block > 0 else self._start_block
            follower = Follower(self._ledger, start_block=start, capacity=self._batch_max * 4).start()
            try:
                ended = self._pump(follower, stop)
            except Exception as exc:  # noqa: BLE001 - a bug must not end the bridge; its text may quote a payload
                ended = Ended(exc)
                log.error("bridge cycle failed", extra={"code": type(exc).__name__})
            finally:
                follower.halt()
            if ended is not None and not stop.is_set():
                self._failed("ledger", ended.error)
                stop.wait(self._backoff.next())  # poll: back off before following the ledger again
        self._drop_publisher()
        self._status.state = "stopped"
        self._write_status()

    def _pump(self, follower: Follower, stop: threading.Event) -> Ended | None:
        pending: Sequence[Item] = ()
        ended: Ended | None = None
        while not stop.is_set():
            if not pending:
                if ended is not None:
                    return ended
                pending, ended = follower.take(wait_s=self._status_every_s, limit=self._batch_max)
            try:
                if self._publisher is None:
                    self._publisher = self._publishers()
                self.publish(pending)
            except LedgerMLError as exc:
                self._failed("kafka", exc)
                self._drop_publisher()
                stop.wait(self._backoff.next())  # poll: back off before publishing the batch again
                continue
            pending = ()
            self._refresh()
        return None

    def _refresh(self) -> None:
        """After each batch or idle wait: following, unless the validator's head cannot be read."""
        now = time.monotonic()
        if self._head is not None and now - self._head_checked >= self._status_every_s:
            self._head_checked = now
            try:
                self._status.head = self._head()
            except LedgerMLError as exc:
                self._failed("ledger", exc)
                return
        if self._status.state != "following":
            log.info("bridge following", extra={"block": self._position.height, "topic": self._topic})
        self._status.state, self._status.error = "following", None
        self._backoff.reset()
        self._write_status()

    def _failed(self, dependency: str, exc: BaseException | None) -> None:
        FAILURES.labels(dependency).inc()
        code = getattr(exc, "code", None) or (type(exc).__name__ if exc else "follow ended")
        self._status.state, self._status.error = "retrying", f"{dependency}: {code}"
        log.warning("bridge backing off", extra={"dependency": dependency, "code": code})
        self._write_status()

    def _drop_publisher(self) -> None:
        """A failed producer is closed and a new one made for the retry (its session may be broken)."""
        publisher, self._publisher = self._publisher, None
        close = getattr(publisher, "close", None)
        if callable(close):
            try:
                close()
            except Exception:  # noqa: BLE001 - a broken producer may fail to close; it is discarded either way
                log.info("closing a failed publisher failed too")

    def _write_status(self) -> None:
        HEIGHT.set(self._position.height)
        if self._status.lag is not None:
            LAG.set(self._status.lag)
        self._status_file.write(self._status)
