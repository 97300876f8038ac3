"""SDK client for the access-control service: access requests, grants and decisions."""

from __future__ import annotations

from ledgerml.client.connection import Connection

SERVICE = "access-control"


class AccessClient:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
