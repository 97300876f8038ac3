"""The registry's consumers (`python -m ledgerml.registry consume`) and its ledger-outcome hook
(`… relay`): the process-level wiring, built from settings only when a command runs."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Engine

from ledgerml.registry import SERVICE, service
from ledgerml.registry.adapters.catalog_store import SqlCatalog
from ledgerml.registry.adapters.outboxes import SqlEvents
from ledgerml.registry.handlers import ledger_handler, storage_handler, training_handler
from ledgerml.registry.settings import get_settings
from ledgerml.shared.events import topic_for
from ledgerml.shared.ledgerwrites import LedgerWrite
from ledgerml.shared.messaging import IdempotentConsumer
from ledgerml.shared.messaging.kafka import KafkaEventSource, ensure_topics
from ledgerml.shared.settings import ServiceSettings

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
