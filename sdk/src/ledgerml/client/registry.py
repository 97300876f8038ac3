"""SDK client for the registry service: datasets, versions, catalog search and models."""

from __future__ import annotations

from ledgerml.client.connection import Connection

SERVICE = "registry"


class RegistryClient:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
