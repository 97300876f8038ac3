"""The S3 adapter tells an object the store cannot give back (corrupt on its disk) from a store that cannot be
reached, within a bounded time: fake answers of the shapes the `minio` client raises, no network."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from minio.error import S3Error, ServerError
from urllib3 import HTTPResponse
from urllib3.exceptions import MaxRetryError, NewConnectionError, ReadTimeoutError

from ledgerml.storage.adapters.blobs import BodyCut, object_failure, read_object
from ledgerml.storage.errors import ObjectStoreUnavailable
from ledgerml.storage.ports import ObjectUnreadable

UNREADABLE = "Resource requested is unreadable, please reduce your request rate"


def s3_error(status: int, code: str, message: str = "") -> S3Error:
    return S3Error(HTTPResponse(status=status), code, message, "/bucket/chunks/ab", "req-1", "host-1")


class Answers:
    """Each fetch gives the next answer (an exception to raise, or bytes); the probe answers or raises."""

    def __init__(self, *answers: BaseException | bytes, probe: BaseException | None = None) -> None:
        self.answers = list(answers)
        self.fetches = 0
        self.probes = 0
        self.probe_error = probe

    def fetch(self, deadline: float) -> bytearray:
        self.fetches += 1
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, BaseException):
            raise answer
        return bytearray(answer)

    def probe(self) -> bool:
        self.probes += 1
        if self.probe_error is not None:
            raise self.probe_error
        return True

    def read(self, deadline_s: float = 5.0) -> bytearray | None:
        return read_object(self.fetch, self.probe, what="read a chunk", deadline_s=deadline_s)


def refused_connection() -> MaxRetryError:
    return MaxRetryError(None, "/bucket/chunks/ab", NewConnectionError(None, "Connection refused"))  # type: ignore[arg-type]


def test_classification_of_answers() -> None:
    assert object_failure(s3_error(503, "SlowDownRead", UNREADABLE)) == f"SlowDownRead: {UNREADABLE}"
    assert object_failure(s3_error(500, "InternalError")) == "InternalError"
    assert object_failure(ServerError("server failed with HTTP status code 502", 502)) == "HTTP 502"
    assert object_failure(BodyCut("10 of 20 bytes")) == "body cut short (10 of 20 bytes)"
    for not_the_object in (s3_error(404, "NoSuchKey"), s3_error(403, "AccessDenied"), refused_connection(),
                           ReadTimeoutError(None, "/b", "read timed out"), OSError("unreachable")):  # type: ignore[arg-type]
        assert object_failure(not_the_object) is None


def test_corrupt_object_is_unreadable_at_once_not_retried_for_minutes() -> None:
    answers = Answers(s3_error(503, "SlowDownRead", UNREADABLE))
    started = time.monotonic()
    with pytest.raises(ObjectUnreadable, match="SlowDownRead: Resource requested is unreadable"):
        answers.read()
    assert time.monotonic() - started < 1
    assert (answers.fetches, answers.probes) == (1, 1)  # the pool already retried the 5xx; the bucket answers


def test_body_cut_short_is_tried_once_more() -> None:
    flaky = Answers(BodyCut("10 of 20 bytes"), b"whole object")
    assert flaky.read() == bytearray(b"whole object") and flaky.fetches == 2 and flaky.probes == 0
    corrupt = Answers(BodyCut("10 of 20 bytes"))
    with pytest.raises(ObjectUnreadable, match="body cut short"):
        corrupt.read()
    assert corrupt.fetches == 2 and corrupt.probes == 1


def test_store_that_does_not_answer_for_its_bucket_is_unavailable_not_corrupt() -> None:
    answers = Answers(s3_error(503, "SlowDownRead", UNREADABLE), probe=refused_connection())
    with pytest.raises(ObjectStoreUnavailable, match="does not answer for its bucket"):
        answers.read()


@pytest.mark.parametrize("error", [refused_connection(), ReadTimeoutError(None, "/b", "read timed out"),  # type: ignore[arg-type]
                                   OSError("network unreachable"), s3_error(403, "AccessDenied")],
                         ids=["refused", "timeout", "os-error", "access-denied"])
def test_unreachable_or_refusing_store_is_unavailable(error: BaseException) -> None:
    answers = Answers(error)
    with pytest.raises(ObjectStoreUnavailable) as raised:
        answers.read()
    assert raised.value.code == "LML-7111" and answers.fetches == 1 and answers.probes == 0


def test_missing_object_is_none_and_good_object_its_bytes() -> None:
    assert Answers(s3_error(404, "NoSuchKey")).read() is None
    assert Answers(b"sealed").read() == bytearray(b"sealed")


def test_no_second_try_after_the_deadline() -> None:
    def slow_then_cut(deadline: float) -> bytearray:
        calls.append(deadline)
        raise BodyCut("0 of 20 bytes")

    calls: list[float] = []
    fetch: Callable[[float], bytearray] = slow_then_cut
    with pytest.raises(ObjectUnreadable):
        read_object(fetch, lambda: True, what="read a chunk", deadline_s=0.0)
    assert len(calls) == 1 and calls[0] <= time.monotonic()
