"""Bounded staleness with a test clock: a revocation on the topic denies within 1 s, and a projection
whose consumer stopped polling stops allowing."""

from __future__ import annotations

from sqlalchemy import Engine

from ledgerml.access_control.consumers import POLL_TIMEOUT_S
from ledgerml.access_control.domain import Reason

from .test_projection import World


def granted_world(engine: Engine) -> World:
    w = World(engine)
    w.deliver(w.bridge.dataset(), w.bridge.requested(), w.bridge.granted())
    return w


def test_the_consumer_polls_with_a_short_timeout(engine: Engine) -> None:
    w = granted_world(engine)
    assert w.source.polls == [POLL_TIMEOUT_S] and POLL_TIMEOUT_S <= 0.25


def test_grants_are_trusted_only_while_the_projection_is_fresh(engine: Engine) -> None:
    w = granted_world(engine)
    w.clock.advance(0.99)
    assert w.decide() == (True, Reason.GRANTED)
    w.clock.advance(0.02)
    assert w.decide() == (False, Reason.PROJECTION_STALE)
    w.consumer.process_batch()  # an empty poll proves the topic was drained: fresh again
    assert w.decide() == (True, Reason.GRANTED)


def test_a_backlog_does_not_count_as_fresh(engine: Engine) -> None:
    w = World(engine)
    w.deliver(w.bridge.dataset())
    w.clock.advance(5)
    w.consumer._max_records = 2  # this batch fills the poll: more may be waiting behind it
    w.deliver(w.bridge.requested(), w.bridge.granted())
    assert w.decide() == (False, Reason.PROJECTION_STALE)


def test_revocation_denies_within_one_second_of_publication(engine: Engine) -> None:
    """The consume loop: each empty poll waits its timeout (the test clock advances by it)."""
    w = granted_world(engine)
    for _ in range(3):
        w.clock.advance(POLL_TIMEOUT_S)
        w.consumer.process_batch()
    published_at = w.clock()
    w.clock.advance(POLL_TIMEOUT_S / 2)  # the revoke lands mid-poll
    w.source.add(w.bridge.revoked())
    while w.decide()[0]:
        w.clock.advance(POLL_TIMEOUT_S)
        w.consumer.process_batch()
        assert (w.clock() - published_at).total_seconds() < 1.0
    assert w.decide() == (False, Reason.REVOKED)


def test_a_stopped_consumer_stops_allowing_within_the_bound(engine: Engine) -> None:
    w = granted_world(engine)
    w.source.add(w.bridge.revoked())  # published, but the consumer never polls again
    w.clock.advance(1.01)
    assert w.decide() == (False, Reason.PROJECTION_STALE)
