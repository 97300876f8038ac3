"""LedgerML Python SDK: a typed client for every service's API, signing requests with the caller's MSP
identity. `LedgerML.connect("org2")` speaks as Org2's User1 using the local PKI and endpoints file."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

from ledgerml.client.access import AccessClient
from ledgerml.client.audit import AuditClient
from ledgerml.client.connection import Connection, connect
from ledgerml.client.ledger import LedgerClient, LedgerEndpoint, ledger_endpoint
from ledgerml.client.registry import RegistryClient
from ledgerml.client.storage import StorageClient
from ledgerml.client.training import TrainingClient


class LedgerML:
    def __init__(self, conn: Connection, *, ledger: LedgerEndpoint | None = None) -> None:
        self.conn = conn
        self._ledger_endpoint = ledger
        self._ledger: LedgerClient | None = None
        self.registry = RegistryClient(conn)
        self.access = AccessClient(conn)
        self.storage = StorageClient(conn)
        self.training = TrainingClient(conn)
        self.audit = AuditClient(conn)

    @classmethod
    def connect(cls, org: str = "org1", *, user: str = "User1", pki_root: Path | None = None) -> LedgerML:
        return cls(connect(org, user=user, pki_root=pki_root))

    @property
    def msp_id(self) -> str:
        return self.conn.msp_id

    @property
    def ledger(self) -> LedgerClient:
        """The consortium ledger itself, as this identity (see `ledgerml.client.ledger`)."""
        if self._ledger is None:
            endpoint = self._ledger_endpoint or ledger_endpoint(self.conn.msp_id)
            self._ledger = LedgerClient(self.conn.identity, endpoint)
        return self._ledger

    def close(self) -> None:
        self.conn.close()
        if self._ledger is not None:
            self._ledger.close()

    def __enter__(self) -> LedgerML:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


__all__ = ["AccessClient", "AuditClient", "Connection", "LedgerClient", "LedgerEndpoint", "LedgerML", "RegistryClient",
           "StorageClient", "TrainingClient", "connect", "ledger_endpoint"]
