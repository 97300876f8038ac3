"""SDK client for the audit service: audit entries, lineage, proofs and reports."""

from __future__ import annotations

from ledgerml.client.connection import Connection

SERVICE = "audit"


class AuditClient:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
