"""Consumed events → registry use cases, each inside the consumer's transaction (`conn`).

- `<org>.storage`: `VersionStored` → record the version, enqueue `RegisterDatasetVersion`.
- `<org>.ledger` (the ledger→Kafka bridge, one envelope per chaincode event, id = tx id:index):
  `DatasetRegistered` / `DatasetVersionRegistered` → the consortium catalog mirror;
  `TrainingRequested` / `TrainingCompleted` (the chaincode's TrainingSucceeded) → model lineage, and a
  `ModelRegistered` on `<org>.registry` for this organisation's audit log.
- `<org>.training` (this organisation's orchestrator): `TrainingRequested` / `TrainingCompleted`.
Other event types on these topics are not the registry's business and are ignored.
"""

from __future__ import annotations

from sqlalchemy import Connection

from ledgerml.registry import mirror, service, service_models
from ledgerml.registry.adapters.catalog_store import SqlCatalog
from ledgerml.registry.adapters.model_store import SqlModels
from ledgerml.registry.adapters.outboxes import SqlEvents, SqlLedgerWrites
from ledgerml.shared.events import Envelope
from ledgerml.shared.events.schemas import (
    DatasetRegistered,
    DatasetVersionRegistered,
    TrainingCompleted,
    TrainingRequested,
    VersionStored,
)
from ledgerml.shared.messaging import EventHandler

UNKNOWN_PRODUCER = "unknown"


def storage_handler(*, registry_org: str, org: str | None = None) -> EventHandler:
    def handle(conn: Connection, envelope: Envelope) -> None:
        if isinstance(envelope.data, VersionStored):
            service.record_stored_version(store=SqlCatalog(conn), writes=SqlLedgerWrites(conn),
                                          registry_org=registry_org, event_id=envelope.id, stored=envelope.data,
                                          now=envelope.time)

    return handle


def _org_of(msp_id: str, org: str | None) -> str:
    """The organisation's topic prefix: as configured, else by convention (`Org1MSP` → `org1`)."""
    return org or msp_id.removesuffix("MSP").lower()


def _training(conn: Connection, envelope: Envelope, *, producer_org: str, org: str) -> None:
    if isinstance(envelope.data, TrainingRequested):
        service_models.record_training_request(models=SqlModels(conn), requested=envelope.data, now=envelope.time)
    elif isinstance(envelope.data, TrainingCompleted):
        service_models.record_training_result(models=SqlModels(conn), catalog=SqlCatalog(conn),
                                              completed=envelope.data, producer_org=producer_org, now=envelope.time,
                                              events=SqlEvents(conn, org=org))


def ledger_handler(*, registry_org: str, org: str | None = None) -> EventHandler:
    def handle(conn: Connection, envelope: Envelope) -> None:
        data = envelope.data
        if isinstance(data, DatasetRegistered):
            mirror.mirror_dataset(store=SqlCatalog(conn), event_id=envelope.id, data=data, registered_at=envelope.time,
                                  block_number=data.block_number)
        elif isinstance(data, DatasetVersionRegistered):
            mirror.mirror_version(store=SqlCatalog(conn), event_id=envelope.id, data=data, registered_at=envelope.time,
                                  block_number=data.block_number)
        else:
            # A ledger event does not say which organisation trained; the catalog's dataset owner does.
            _training(conn, envelope, producer_org=UNKNOWN_PRODUCER, org=_org_of(registry_org, org))

    return handle


def training_handler(*, registry_org: str, org: str | None = None) -> EventHandler:
    def handle(conn: Connection, envelope: Envelope) -> None:
        _training(conn, envelope, producer_org=registry_org, org=_org_of(registry_org, org))

    return handle
