"""SDK client for the storage service: uploads and verified downloads of dataset versions."""

from __future__ import annotations

from ledgerml.client.connection import Connection

SERVICE = "storage"


class StorageClient:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
