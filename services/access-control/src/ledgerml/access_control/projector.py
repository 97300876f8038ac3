"""Apply one ledger fact: the decision projection first, then this organisation's request records.

Runs inside the consumer's transaction (the processed-event id, the effect and the checkpoint commit
together). Every rule is order-tolerant: an answer delivered before its request, a revocation before
its grant, or a dataset registration after a request still converge on the ledger's state.
"""

from __future__ import annotations

from sqlalchemy import Connection, update

from ledgerml.access_control.adapters import projection as proj
from ledgerml.access_control.adapters import requests as repo
from ledgerml.access_control.adapters.db import requests_table
from ledgerml.access_control.domain import PROJECTION, Answer, RequestRecord, RequestState, merged_state
from ledgerml.access_control.facts import Answered, DatasetKnown, Fact, JobCharged, JobReleased, RequestSeen

LEDGER_ACTOR = "ledger"
_SETTLES = {RequestState.GRANTED: Answer.GRANT, RequestState.DENIED: Answer.DENY, RequestState.REVOKED: Answer.REVOKE}


def apply_fact(conn: Connection, fact: Fact, *, my_org: str, consumer: str = PROJECTION,
               in_block_order: bool = False) -> None:
    """`in_block_order`: the fact comes from an in-order ledger replay, so its block may be checkpointed
    (Kafka partitions interleave blocks, so the bridge path never moves the block checkpoint)."""
    if isinstance(fact, DatasetKnown):
        _dataset_known(conn, fact, my_org)
    elif isinstance(fact, RequestSeen):
        _request_seen(conn, fact, my_org)
    elif isinstance(fact, Answered):
        _answered(conn, fact)
    elif isinstance(fact, JobCharged):
        _job_charged(conn, fact)
    else:
        _job_released(conn, fact)
    proj.advance_checkpoint(conn, consumer, fact.ref, with_block=in_block_order)


def _dataset_known(conn: Connection, fact: DatasetKnown, my_org: str) -> None:
    proj.upsert_dataset(conn, fact.dataset_id, fact.owner_org, fact.ref.tx_id)
    t = requests_table
    conn.execute(update(t).where(t.c.dataset_id == fact.dataset_id, t.c.owner_org.is_(None))
                 .values(owner_org=fact.owner_org))
    if fact.owner_org != my_org:
        return
    # Requests for our dataset seen before its registration (other partition): now they are incoming.
    for row in proj.requests_on(conn, fact.dataset_id):
        p = row.request
        if p.purpose is None or repo.get_request(conn, p.request_id) is not None:
            continue
        granted = p.state is RequestState.GRANTED
        repo.insert_request(conn, RequestRecord(
            p.request_id, fact.dataset_id, my_org, row.requester_org, p.purpose, None, None, p.state, None,
            p.expires_at, p.max_jobs if granted else None, p.compute_only if granted else None, None, None,
            p.updated_at, p.updated_at))
        repo.add_history(conn, p.request_id, at=p.updated_at, event="ledger:requested", state=p.state,
                         actor=LEDGER_ACTOR, tx_id=row.tx_id)


def _request_seen(conn: Connection, fact: RequestSeen, my_org: str) -> None:
    proj.ensure_request(conn, request_id=fact.request_id, dataset_id=fact.dataset_id,
                        requester_org=fact.requester_org, ref=fact.ref)
    if fact.purpose is not None:
        proj.update_projected(conn, fact.request_id, purpose=fact.purpose)
    projected = proj.get_projected(conn, fact.request_id)
    state = projected.state if projected else RequestState.PENDING
    owner = fact.owner_org or proj.dataset_owner(conn, fact.dataset_id)
    record = repo.get_request(conn, fact.request_id)
    if record is None:
        if fact.purpose is None or my_org not in (owner, fact.requester_org):
            return  # not ours to list (or unreadable): the projection alone keeps it
        repo.insert_request(conn, RequestRecord(
            fact.request_id, fact.dataset_id, owner, fact.requester_org, fact.purpose, fact.requested_expiry,
            fact.algorithm_code_hash, state, None, None, None, None, None, None, fact.ref.at, fact.ref.at))
    elif record.owner_org is None and owner is not None:
        repo.update_request(conn, fact.request_id, owner_org=owner)
    repo.add_history(conn, fact.request_id, at=fact.ref.at, event="ledger:requested", state=state,
                     actor=LEDGER_ACTOR, tx_id=fact.ref.tx_id, block_number=fact.ref.block_number)


def _answered(conn: Connection, fact: Answered) -> None:
    proj.ensure_request(conn, request_id=fact.request_id, dataset_id=fact.dataset_id,
                        requester_org=fact.requester_org, ref=fact.ref)
    current = proj.get_projected(conn, fact.request_id)
    state = merged_state(current.state if current else None, fact.state)
    changes: dict[str, object] = {"state": state, "updated_at": fact.ref.at, "tx_id": fact.ref.tx_id}
    if state is RequestState.GRANTED and fact.state is RequestState.GRANTED:
        changes |= {"expires_at": fact.expires_at, "max_jobs": fact.max_jobs, "compute_only": fact.compute_only}
    proj.update_projected(conn, fact.request_id, **changes)

    record = repo.get_request(conn, fact.request_id)
    if record is None:
        return
    local: dict[str, object] = {"state": merged_state(record.state, fact.state), "updated_at": fact.ref.at}
    if record.pending_answer is _SETTLES.get(fact.state):
        local["pending_answer"] = None
    if fact.state is RequestState.GRANTED and local["state"] is RequestState.GRANTED:
        local |= {"expires_at": fact.expires_at, "max_jobs": fact.max_jobs, "compute_only": fact.compute_only}
    if fact.reason:
        local["reason"] = fact.reason
    repo.update_request(conn, fact.request_id, **local)
    repo.add_history(conn, fact.request_id, at=fact.ref.at, event=f"ledger:{fact.state}", state=state,
                     actor=LEDGER_ACTOR, tx_id=fact.ref.tx_id, block_number=fact.ref.block_number,
                     detail=fact.reason)


def _job_charged(conn: Connection, fact: JobCharged) -> None:
    charged: list[str] = []
    for dataset_id, request_id in fact.inputs:
        grant = request_id or proj.live_train_grant(conn, dataset_id, fact.requester_org)
        if grant is not None:
            charged.append(grant)
    if proj.record_job(conn, fact.job_id, charged):
        for grant in charged:
            proj.add_jobs_used(conn, grant, 1)


def _job_released(conn: Connection, fact: JobReleased) -> None:
    for grant in proj.release_job(conn, fact.job_id):
        proj.add_jobs_used(conn, grant, -1)

