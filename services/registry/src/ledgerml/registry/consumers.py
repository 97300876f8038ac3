"""The registry's Kafka consumers (`python -m ledgerml.registry consume`) and its ledger-outcome hook
(`… relay`): consumed events → registry use cases, each inside the consumer's transaction (`conn`).

- `<org>.storage`: `VersionStored` → record the version, enqueue `RegisterDatasetVersion`.
- `<org>.ledger` (the ledger→Kafka bridge, one envelope per chaincode event, id = tx id:index):
  `DatasetRegistered` / `DatasetVersionRegistered` → the consortium catalog mirror;
  `TrainingRequested` / `TrainingCompleted` (the chaincode's TrainingSucceeded) → model lineage, and a
  `ModelRegistered` on `<org>.registry` for this organisation's audit log.
- `<org>.training` (this organisation's orchestrator): `TrainingRequested` / `TrainingCompleted`.
Other event types on these topics are not the registry's business and are ignored.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Engine

from ledgerml.registry import SERVICE, mirror, service, service_trained_models
from ledgerml.registry.adapters.catalog_store import SqlCatalog
from ledgerml.registry.adapters.model_store import SqlModels
from ledgerml.registry.adapters.outboxes import SqlEvents, SqlLedgerWrites
from ledgerml.registry.settings import get_settings
from ledgerml.shared.events import Envelope, topic_for
from ledgerml.shared.events.schemas import (
    DatasetRegistered,
    DatasetVersionRegistered,
    TrainingCompleted,
    TrainingRequested,
    VersionStored,
)
from ledgerml.shared.ledgerwrites import LedgerWrite
from ledgerml.shared.messaging import EventHandler, IdempotentConsumer
from ledgerml.shared.messaging.kafka import KafkaEventSource, ensure_topics
from ledgerml.shared.settings import ServiceSettings

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
        service_trained_models.record_training_request(models=SqlModels(conn), requested=envelope.data,
                                                       now=envelope.time)
    elif isinstance(envelope.data, TrainingCompleted):
        service_trained_models.record_training_result(models=SqlModels(conn), catalog=SqlCatalog(conn),
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


HANDLERS = {"storage": storage_handler, "ledger": ledger_handler, "training": training_handler}


def build_consumers(settings: ServiceSettings, engine: Engine) -> Sequence[IdempotentConsumer]:
    """One consumer per topic: `<org>.storage`, `<org>.ledger`, `<org>.training`."""
    topics = {domain: topic_for(settings.org, domain) for domain in HANDLERS}
    ensure_topics(settings.kafka_bootstrap, list(topics.values()))
    consumers = []
    for domain, make_handler in HANDLERS.items():
        name = f"{SERVICE}-{domain}"
        source = KafkaEventSource(bootstrap=settings.kafka_bootstrap, group_id=f"{settings.org}-{name}",
                                  topics=[topics[domain]], client_id=f"{settings.org}-{name}")
        consumers.append(IdempotentConsumer(name=name, engine=engine, source=source,
                                            handler=make_handler(registry_org=settings.msp_id, org=settings.org)))
    return consumers


def ledger_outcome(conn: Connection, write: LedgerWrite) -> None:
    """The relay settled one of our ledger writes: show it on the dataset/version, announce commits."""
    service.apply_ledger_outcome(store=SqlCatalog(conn), events=SqlEvents(conn, org=get_settings().org), write=write)
