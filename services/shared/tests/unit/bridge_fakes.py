"""Hand-written fakes for the bridge: a validator that is followed like the real one, and a Kafka topic."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence

from ledgerml.shared.bridge.follower import Item, Scanned
from ledgerml.shared.errors import DependencyUnavailable, EventPublishFailed
from ledgerml.shared.events import Envelope
from ledgerml.shared.ledger import ChaincodeEvent
from ledgerml.shared.messaging import OutboundRecord

WAIT_S = 10.0


class FollowedLedger:
    """`events()` yields the committed events from `start_block` on, then waits for more, like a follow
    of new blocks. `fail_after`: the next follow raises after that many events (a validator going away)."""

    def __init__(self, events: Sequence[Item] = ()) -> None:
        self._events = list(events)
        self._changed = threading.Condition()
        self._closed = False
        self.starts: list[int] = []
        self.fail_after: int | None = None

    def commit(self, *events: Item) -> None:
        with self._changed:
            self._events.extend(events)
            self._changed.notify_all()

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def events(self, *, start_block: int) -> Iterator[ChaincodeEvent]:
        return (i for i in self._start(start_block) if isinstance(i, ChaincodeEvent))

    def _start(self, start_block: int) -> Iterator[Item]:
        self.starts.append(start_block)
        fail_after, self.fail_after = self.fail_after, None
        return self._follow(start_block, fail_after)

    def _follow(self, start_block: int, fail_after: int | None) -> Iterator[Item]:
        seen = sent = 0
        while True:
            with self._changed:
                self._changed.wait_for(lambda seen=seen: self._closed or len(self._events) > seen)
                if self._closed:
                    return
                batch, seen = self._events[seen:], len(self._events)
            for event in batch:
                if (event.height if isinstance(event, Scanned) else event.block_number) < start_block:
                    continue
                if fail_after is not None and sent >= fail_after:
                    raise DependencyUnavailable("validator went away", dependency="ledger")
                sent += 1
                yield event


class ScannedLedger(FollowedLedger):
    """A validator feed that also says where each block ends (`Scanned`), empty blocks included."""

    def scan(self, *, start_block: int) -> Iterator[Item]:
        return self._start(start_block)

    def commit_block(self, height: int, *events: ChaincodeEvent) -> None:
        self.commit(*events, Scanned(height))


class Topic:
    """What reached the broker. `refuse` fails the next publishes before anything is written;
    `lose_acks` writes the records and then fails, as when the acknowledgement is lost."""

    def __init__(self) -> None:
        self.records: list[OutboundRecord] = []
        self.refuse = 0
        self.lose_acks = 0
        self.producers = 0
        self._changed = threading.Condition()

    def producer(self) -> Topic:
        self.producers += 1
        return self

    def publish(self, records: Sequence[OutboundRecord]) -> None:
        if self.refuse:
            self.refuse -= 1
            raise DependencyUnavailable("broker down", dependency="kafka")
        with self._changed:
            self.records.extend(records)
            self._changed.notify_all()
        if self.lose_acks:
            self.lose_acks -= 1
            raise EventPublishFailed("acknowledgement lost")

    def envelopes(self) -> list[Envelope]:
        return [Envelope.from_json(r.value) for r in self.records]

    def ids(self) -> list[str]:
        return [e.id for e in self.envelopes()]

    def wait_for(self, condition: Callable[[], bool]) -> None:
        with self._changed:
            assert self._changed.wait_for(condition, timeout=WAIT_S), "the bridge did not publish in time"


def dedup(envelopes: Sequence[Envelope]) -> list[Envelope]:
    """What an idempotent consumer applies: the first copy of each id."""
    first: dict[str, Envelope] = {}
    for envelope in envelopes:
        first.setdefault(envelope.id, envelope)
    return list(first.values())
