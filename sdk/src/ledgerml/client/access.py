"""SDK client for the access-control service: access requests, the owner's answers and decisions.

Requests and answers go to the caller's own organisation's access-control (it writes to the ledger
with that organisation's identity); `decide` asks the dataset owner's instance (`org=`). Writes
answer with the request view whose `ledger.state` stays `pending` until the ledger commits; problem
answers raise the same coded `LedgerMLError` the service raised (e.g. `NotDatasetOwner`, LML-7302).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, Literal

from ledgerml.client.connection import Connection

SERVICE = "access-control"
JSON = dict[str, Any]
Direction = Literal["incoming", "outgoing"]


def _when(value: datetime | str | None) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value


def _params(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


class AccessClient:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def _call(self, method: str, path: str, *, org: str | None = None, json: Mapping[str, Any] | None = None,
              params: Mapping[str, Any] | None = None) -> JSON:
        response = self._conn.http(SERVICE, org=org).request(method, path, json=json, params=params)
        body: JSON = response.json()
        return body

    def request(self, *, dataset_id: str, owner_org: str, purpose: str, requested_expiry: datetime | str,
                algorithm_code_hash: str | None = None) -> JSON:
        """Ask `owner_org` for access (`purpose`: train, download or evaluate); `requested_expiry` must be
        timezone-aware and in the future."""
        body = _params(dataset_id=dataset_id, owner_org=owner_org, purpose=purpose,
                       requested_expiry=_when(requested_expiry), algorithm_code_hash=algorithm_code_hash)
        return self._call("POST", "/requests", json=body)

    def list_requests(self, *, direction: Direction | None = None, state: str | None = None, limit: int = 50,
                      cursor: str | None = None) -> JSON:
        """One page: `{"items": [...], "next_cursor": str | None}`; no direction means both."""
        return self._call("GET", "/requests", params=_params(direction=direction, state=state, limit=limit,
                                                             cursor=cursor))

    def iter_requests(self, *, direction: Direction | None = None, state: str | None = None,
                      page_size: int = 50) -> Iterator[JSON]:
        cursor: str | None = None
        while True:
            page = self.list_requests(direction=direction, state=state, limit=page_size, cursor=cursor)
            yield from page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return

    def incoming(self, *, state: str | None = None) -> list[JSON]:
        """Requests for this organisation's datasets (learnt from ledger events)."""
        return list(self.iter_requests(direction="incoming", state=state))

    def outgoing(self, *, state: str | None = None) -> list[JSON]:
        """Requests this organisation sent."""
        return list(self.iter_requests(direction="outgoing", state=state))

    def get(self, request_id: str) -> JSON:
        return self._call("GET", f"/requests/{request_id}")

    def history(self, request_id: str) -> JSON:
        """`{"request": {...}, "entries": [...]}`: every transition with its ledger status."""
        return self._call("GET", f"/requests/{request_id}/history")

    def grant(self, request_id: str, *, expires_at: datetime | str | None = None, max_jobs: int = 1,
              compute_only: bool = False) -> JSON:
        """Dataset owner only. Without `expires_at` the requested expiry applies (when it is known)."""
        body = _params(expires_at=_when(expires_at), max_jobs=max_jobs, compute_only=compute_only)
        return self._call("POST", f"/requests/{request_id}/grant", json=body)

    def deny(self, request_id: str, *, reason: str) -> JSON:
        return self._call("POST", f"/requests/{request_id}/deny", json={"reason": reason})

    def revoke(self, grant_id: str, *, reason: str) -> JSON:
        """End a grant (its id is the request id)."""
        return self._call("POST", f"/grants/{grant_id}/revoke", json={"reason": reason})

    def decide(self, *, organisation: str, dataset_id: str, purpose: str, strong: bool = False,
               org: str | None = None) -> JSON:
        """May `organisation` use the dataset for `purpose`? Asked of `org`'s access-control (default: your
        own; the answer is authoritative at the dataset owner's). `strong` evaluates on the ledger."""
        body = {"organisation": organisation, "dataset_id": dataset_id, "purpose": purpose,
                "consistency": "strong" if strong else "projection"}
        return self._call("POST", "/decisions", org=org, json=body)

    def projection(self, *, org: str | None = None) -> JSON:
        """The decision projection's checkpoint and last poll."""
        return self._call("GET", "/projection", org=org)
