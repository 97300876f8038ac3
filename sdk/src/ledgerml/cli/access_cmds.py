"""`ledgerml access request|list|show|history|grant|deny|revoke|decide` (the access-control service)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import typer

from ledgerml.cli.app import access_app, emit, state
from ledgerml.client.access import Direction
from ledgerml.shared.errors import InvalidRequest

SUMMARY = ("request_id", "dataset_id", "owner_org", "requester_org", "purpose", "state", "pending_answer",
           "ledger")
_RELATIVE = re.compile(r"^(\d+)([dh])$")
Purpose = Annotated[str, typer.Option(help="train, download or evaluate")]


def when(value: str) -> str:
    """`30d`, `12h` (from now) or an ISO 8601 time with a zone."""
    match = _RELATIVE.match(value)
    if match:
        amount, unit = int(match[1]), match[2]
        delta = timedelta(days=amount) if unit == "d" else timedelta(hours=amount)
        return (datetime.now(UTC) + delta).isoformat()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise InvalidRequest(f"give a time as 30d, 12h or ISO 8601 with a zone (2030-01-01T00:00:00Z), not {value!r}")
    return parsed.isoformat()


def _row(r: dict[str, Any]) -> dict[str, Any]:
    ledger = r.get("ledger") or {}
    return {**r, "pending_answer": r.get("pending_answer") or "", "ledger": ledger.get("state", "from ledger")}


def _show(ctx: typer.Context, r: dict[str, Any]) -> None:
    if state(ctx).as_json:
        emit(ctx, r)
        return
    ledger = r.get("ledger") or {}
    where = ledger.get("state", "learnt from ledger events")
    if ledger.get("tx_id"):
        where += f" (tx {ledger['tx_id']}, block {ledger['block_number']})"
    if ledger.get("error_code"):
        where += f" [{ledger['error_code']}]"
    conditions = r.get("conditions") or {}
    emit(ctx, {"dataset": r["dataset_id"], "owner": r["owner_org"] or "?", "requester": r["requester_org"],
               "purpose": r["purpose"], "state": r["state"], "answer being written": r.get("pending_answer") or "",
               "expires": conditions.get("expires_at") or r.get("requested_expiry") or "",
               "max jobs": conditions.get("max_jobs") or "", "reason": r.get("reason") or "", "ledger": where},
         title=f"request {r['request_id']}")


@access_app.command("request")
def request(ctx: typer.Context, dataset_id: Annotated[str, typer.Argument(help="Dataset id")],
            owner: Annotated[str, typer.Option(help="Owner MSP id, e.g. Org1MSP")],
            purpose: Purpose = "train",
            expires: Annotated[str, typer.Option(help="Requested expiry: 30d, 12h or ISO 8601")] = "30d",
            code_hash: Annotated[str | None, typer.Option(help="Pin an algorithm (SHA-256 hex)")] = None) -> None:
    """Ask a dataset's owner for access (the ledger request follows)."""
    created = state(ctx).client().access.request(dataset_id=dataset_id, owner_org=owner, purpose=purpose,
                                                  requested_expiry=when(expires), algorithm_code_hash=code_hash)
    _show(ctx, created)


@access_app.command("list")
def list_requests(ctx: typer.Context,
                  incoming: Annotated[bool, typer.Option("--incoming", help="Requests for your datasets")] = False,
                  outgoing: Annotated[bool, typer.Option("--outgoing", help="Requests you sent")] = False,
                  status: Annotated[str | None, typer.Option("--state", help="pending, granted, ...")] = None,
                  limit: Annotated[int, typer.Option(min=1, max=1000)] = 50) -> None:
    """Your organisation's access requests (both directions unless one is chosen)."""
    direction: Direction | None = None
    if incoming != outgoing:
        direction = "incoming" if incoming else "outgoing"
    rows = []
    for item in state(ctx).client().access.iter_requests(direction=direction, state=status,
                                                          page_size=min(limit, 200)):
        rows.append(item)
        if len(rows) >= limit:
            break
    emit(ctx, rows if state(ctx).as_json else [_row(r) for r in rows], columns=SUMMARY, title="access requests")


@access_app.command("show")
def show(ctx: typer.Context, request_id: str) -> None:
    """One request with its conditions and ledger status."""
    _show(ctx, state(ctx).client().access.get(request_id))


@access_app.command("history")
def history(ctx: typer.Context, request_id: str) -> None:
    """Every transition of a request, each with its ledger status."""
    found = state(ctx).client().access.history(request_id)
    rows = [{**e, "ledger": (e.get("ledger") or {}).get("state", "")} for e in found["entries"]]
    emit(ctx, found if state(ctx).as_json else rows, columns=("at", "event", "state", "actor", "tx_id", "ledger"),
         title=f"history of {request_id}")


@access_app.command("grant")
def grant(ctx: typer.Context, request_id: str,
          expires: Annotated[str | None, typer.Option(help="30d, 12h or ISO 8601; default: as requested")] = None,
          max_jobs: Annotated[int, typer.Option(min=1, help="Training jobs allowed")] = 1,
          compute_only: Annotated[bool, typer.Option(help="Jobs next to the data only, no download")] = False) -> None:
    """Grant an incoming request (dataset owner only)."""
    _show(ctx, state(ctx).client().access.grant(request_id, expires_at=when(expires) if expires else None,
                                                max_jobs=max_jobs, compute_only=compute_only))


@access_app.command("deny")
def deny(ctx: typer.Context, request_id: str,
         reason: Annotated[str, typer.Option(help="Shown to the requester")]) -> None:
    """Deny an incoming request (dataset owner only)."""
    _show(ctx, state(ctx).client().access.deny(request_id, reason=reason))


@access_app.command("revoke")
def revoke(ctx: typer.Context, grant_id: str, reason: Annotated[str, typer.Option(help="Why")]) -> None:
    """Revoke a grant (dataset owner only); decisions deny within a second of the ledger commit."""
    _show(ctx, state(ctx).client().access.revoke(grant_id, reason=reason))


@access_app.command("decide")
def decide(ctx: typer.Context, organisation: Annotated[str, typer.Argument(help="Who wants access (MSP id)")],
           dataset_id: str, purpose: Purpose = "train",
           strong: Annotated[bool, typer.Option(help="Evaluate on the ledger instead of the projection")] = False,
           at: Annotated[str | None, typer.Option(help="Ask this organisation's access-control")] = None) -> None:
    """Would access be allowed now? Deny by default, with the reason and the grant it rests on."""
    answer = state(ctx).client().access.decide(organisation=organisation, dataset_id=dataset_id,
                                                purpose=purpose, strong=strong, org=at)
    if state(ctx).as_json:
        emit(ctx, answer)
        return
    verdict = "ALLOW" if answer["allow"] else "DENY"
    emit(ctx, {"decision": verdict, "reason": f"{answer['reason']}: {answer['detail']}",
               "grant": answer.get("grant_id") or "", "expires": answer.get("expires_at") or "",
               "source": answer["source"]}, title=f"{organisation} {purpose} {dataset_id}")
