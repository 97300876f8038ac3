"""Decision and request rules (pure): deny by default, owner, expiry, deny wins, revoke, max jobs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ledgerml.access_control.domain import (
    Answer,
    ProjectedRequest,
    Purpose,
    Reason,
    RequestState,
    check_answer,
    check_expiry,
    decide,
    merged_state,
)
from ledgerml.access_control.errors import AnswerInFlight, ComputeOnlyDownload, InvalidExpiry, InvalidTransition

NOW = datetime(2030, 1, 1, tzinfo=UTC)
LATER = NOW + timedelta(days=30)


def req(state: RequestState = RequestState.GRANTED, *, purpose: Purpose | None = Purpose.TRAIN, rid: str = "r1",
        expires_at: datetime | None = LATER, max_jobs: int = 0, jobs_used: int = 0, compute_only: bool = False,
        updated_at: datetime = NOW) -> ProjectedRequest:
    return ProjectedRequest(rid, purpose, state, expires_at, max_jobs, jobs_used, compute_only, updated_at)


def run(*requests: ProjectedRequest, purpose: Purpose = Purpose.TRAIN, org: str = "Org2MSP",
        owner: str | None = "Org1MSP", now: datetime = NOW, fresh: bool = True) -> tuple[bool, Reason]:
    d = decide(org=org, purpose=purpose, owner_org=owner, requests=requests, now=now, fresh=fresh)
    return d.allow, d.reason


@pytest.mark.parametrize(("requests", "kwargs", "expected"), [
    ((), {}, (False, Reason.NO_REQUEST)),
    ((req(),), {"owner": None}, (False, Reason.UNKNOWN_DATASET)),
    ((), {"org": "Org1MSP"}, (True, Reason.OWNER)),
    ((req(RequestState.PENDING),), {}, (False, Reason.PENDING)),
    ((req(),), {}, (True, Reason.GRANTED)),
    ((req(),), {"purpose": Purpose.EVALUATE}, (False, Reason.NO_REQUEST)),
    ((req(RequestState.DENIED),), {}, (False, Reason.DENIED)),
    ((req(RequestState.REVOKED),), {}, (False, Reason.REVOKED)),
    ((req(),), {"now": LATER}, (False, Reason.EXPIRED)),
    ((req(),), {"now": LATER - timedelta(microseconds=1)}, (True, Reason.GRANTED)),
    ((req(max_jobs=1, jobs_used=1),), {}, (False, Reason.MAX_JOBS_EXHAUSTED)),
    ((req(max_jobs=2, jobs_used=1),), {}, (True, Reason.GRANTED)),
    ((req(purpose=Purpose.EVALUATE, max_jobs=1, jobs_used=1),), {"purpose": Purpose.EVALUATE},
     (True, Reason.GRANTED)),
    ((req(purpose=Purpose.DOWNLOAD, compute_only=True),), {"purpose": Purpose.DOWNLOAD},
     (False, Reason.COMPUTE_ONLY)),
    ((req(purpose=None),), {}, (False, Reason.NO_REQUEST)),
    ((req(),), {"fresh": False}, (False, Reason.PROJECTION_STALE)),
    ((req(RequestState.REVOKED, rid="old"), req(rid="new")), {}, (True, Reason.GRANTED)),
])
def test_decide(requests: tuple[ProjectedRequest, ...], kwargs: dict[str, object],
                expected: tuple[bool, Reason]) -> None:
    assert run(*requests, **kwargs) == expected  # type: ignore[arg-type]


def test_denial_reports_the_latest_request_and_its_grant() -> None:
    older = req(RequestState.DENIED, rid="a", updated_at=NOW - timedelta(hours=1))
    newer = req(RequestState.REVOKED, rid="b")
    d = decide(org="Org2MSP", purpose=Purpose.TRAIN, owner_org="Org1MSP", requests=[newer, older], now=NOW,
               fresh=True)
    assert (d.allow, d.reason, d.request_id, d.grant_id) == (False, Reason.REVOKED, "b", "b")
    assert "revoked" in d.detail


def test_allow_names_the_grant_and_its_expiry() -> None:
    d = decide(org="Org2MSP", purpose=Purpose.TRAIN, owner_org="Org1MSP", requests=[req(rid="g")], now=NOW,
               fresh=True)
    assert (d.grant_id, d.expires_at) == ("g", LATER)


@pytest.mark.parametrize(("events", "final"), [
    ([RequestState.PENDING, RequestState.GRANTED, RequestState.REVOKED], RequestState.REVOKED),
    ([RequestState.REVOKED, RequestState.GRANTED], RequestState.REVOKED),  # revoke delivered first: deny wins
    ([RequestState.GRANTED, RequestState.PENDING], RequestState.GRANTED),  # late request event
    ([RequestState.DENIED, RequestState.GRANTED], RequestState.DENIED),
])
def test_merged_state_is_order_tolerant_and_deny_wins(events: list[RequestState], final: RequestState) -> None:
    state: RequestState | None = None
    for incoming in events:
        state = merged_state(state, incoming)
    assert state is final


def test_expiry_must_be_future_bounded_and_zoned() -> None:
    assert check_expiry(LATER, now=NOW, max_days=30) == LATER
    with pytest.raises(InvalidExpiry, match="not in the future"):
        check_expiry(NOW, now=NOW, max_days=30)
    with pytest.raises(InvalidExpiry, match="at most 29 days"):
        check_expiry(LATER, now=NOW, max_days=29)
    with pytest.raises(InvalidExpiry, match="time zone"):
        check_expiry(LATER.replace(tzinfo=None), now=NOW, max_days=30)


def test_answers_follow_the_chaincode_state_machine() -> None:
    check_answer(answer=Answer.GRANT, state=RequestState.PENDING, pending=None, purpose=Purpose.TRAIN)
    check_answer(answer=Answer.REVOKE, state=RequestState.GRANTED, pending=None, purpose=Purpose.TRAIN)
    with pytest.raises(InvalidTransition):
        check_answer(answer=Answer.REVOKE, state=RequestState.PENDING, pending=None, purpose=Purpose.TRAIN)
    with pytest.raises(InvalidTransition):
        check_answer(answer=Answer.GRANT, state=RequestState.DENIED, pending=None, purpose=Purpose.TRAIN)
    with pytest.raises(AnswerInFlight):
        check_answer(answer=Answer.DENY, state=RequestState.PENDING, pending=Answer.GRANT, purpose=Purpose.TRAIN)
    with pytest.raises(ComputeOnlyDownload):
        check_answer(answer=Answer.GRANT, state=RequestState.PENDING, pending=None, purpose=Purpose.DOWNLOAD,
                     compute_only=True)
