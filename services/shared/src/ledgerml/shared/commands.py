"""The commands of `python -m ledgerml.<service>`: `serve` (the API), `relay` (publishes the event outbox
and submits the ledger-write outbox), `consume` (the idempotent consumers), `migrate`, and `all` (the three
in one supervised process). What they run is wired by `ledgerml.shared.runtime`."""

from __future__ import annotations

import logging
import signal
import ssl
import tempfile
import threading
from collections.abc import Callable, Sequence

import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine

from ledgerml.shared.ledgerwrites import LedgerWriteRelay, OutcomeHook
from ledgerml.shared.messaging import IdempotentConsumer, OutboxRelay
from ledgerml.shared.messaging.kafka import KafkaPublisher
from ledgerml.shared.persistence import create_db_engine
from ledgerml.shared.persistence.migrations import upgrade
from ledgerml.shared.runtime import build_ledger, start_process, trust_store
from ledgerml.shared.settings import ServiceSettings

log = logging.getLogger(__name__)


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    """Plain HTTP on loopback by default; mTLS when a TLS certificate is configured. With mTLS the
    client must present its MSP certificate, verified by the TLS handshake against every MSP root."""
    if settings.tls_cert is None or settings.tls_key is None:
        uvicorn.run(app, host=settings.host, port=settings.port, log_config=None)
        return
    from ledgerml.shared.web.tls import MutualTlsH11Protocol

    with tempfile.NamedTemporaryFile(suffix=".pem") as bundle:
        bundle.write(trust_store(settings).all_roots_pem())
        bundle.flush()
        uvicorn.run(app, host=settings.host, port=settings.port, log_config=None, http=MutualTlsH11Protocol,
                    ssl_certfile=str(settings.tls_cert), ssl_keyfile=str(settings.tls_key),
                    ssl_ca_certs=bundle.name, ssl_cert_reqs=ssl.CERT_REQUIRED)


def migrate(settings: ServiceSettings, *, migrations: str) -> None:
    engine = create_db_engine(settings.database_url_value)
    upgrade(engine, migrations)
    engine.dispose()


ConsumerFactory = Callable[[ServiceSettings, Engine], Sequence[IdempotentConsumer]]


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    return stop


def relay(settings: ServiceSettings, *, migrations: str, ledger_outcome: OutcomeHook | None = None,
          stop: threading.Event | None = None) -> None:
    """Publish the event outbox and submit the ledger-write outbox until `stop` (default: SIGTERM/SIGINT)."""
    engine = create_db_engine(settings.database_url_value)
    upgrade(engine, migrations)
    publisher = KafkaPublisher(bootstrap=settings.kafka_bootstrap, client_id=f"{settings.org}-"
                               f"{settings.service_name}-relay")
    stop = stop or _stop_on_signals()
    writes = LedgerWriteRelay(engine=engine, ledger=build_ledger(settings), on_outcome=ledger_outcome)
    writer = threading.Thread(target=writes.run, args=(stop,), name="ledger-writes", daemon=True)
    writer.start()
    try:
        OutboxRelay(engine=engine, publisher=publisher).run(stop)
    finally:
        stop.set()
        writer.join(timeout=10)
        publisher.close()
        engine.dispose()


def consume(settings: ServiceSettings, *, migrations: str, consumers: ConsumerFactory,
            stop: threading.Event | None = None) -> None:
    """Run the service's idempotent consumers round-robin until `stop` (default: SIGTERM/SIGINT)."""
    engine = create_db_engine(settings.database_url_value)
    upgrade(engine, migrations)
    stop = stop or _stop_on_signals()
    running = list(consumers(settings, engine))
    try:
        while not stop.is_set():
            for consumer in running:
                consumer.process_batch(timeout_s=0.2)
            if not running:
                stop.wait(1.0)  # poll
    finally:
        for consumer in running:
            consumer.close()
        engine.dispose()


def _supervised(name: str, target: Callable[[], None], stop: threading.Event) -> threading.Thread:
    """A worker thread that logs and restarts its loop after an unexpected error until `stop`."""

    def loop() -> None:
        while not stop.is_set():
            try:
                target()
            except Exception:
                log.exception("worker failed; restarting", extra={"worker": name})
                stop.wait(2.0)  # poll: back off before restarting

    thread = threading.Thread(target=loop, name=name, daemon=True)
    thread.start()
    return thread


def run_all(app: FastAPI, settings: ServiceSettings, *, migrations: str, consumers: ConsumerFactory | None,
            ledger_outcome: OutcomeHook | None) -> None:
    """One process per service for small deployments and the local demo: API, relay and consumers."""
    migrate(settings, migrations=migrations)
    stop = threading.Event()
    workers = [_supervised("relay", lambda: relay(settings, migrations=migrations, ledger_outcome=ledger_outcome,
                                                  stop=stop), stop)]
    if consumers is not None:
        workers.append(_supervised("consume", lambda: consume(settings, migrations=migrations,
                                                               consumers=consumers, stop=stop), stop))
    try:
        serve(app, settings)  # returns on SIGTERM/SIGINT (uvicorn's handlers)
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=15)


COMMANDS = ("serve", "relay", "consume", "migrate", "all")


def run_command(argv: list[str], *, settings: Callable[[], ServiceSettings], app: Callable[[], FastAPI],
                migrations: str, consumers: ConsumerFactory | None = None,
                ledger_outcome: OutcomeHook | None = None) -> None:
    """`python -m ledgerml.<svc> [serve|relay|consume|migrate|all]`."""
    command = argv[0] if argv else "serve"
    if command not in COMMANDS or (command == "consume" and consumers is None):
        offered = [c for c in COMMANDS if c != "consume" or consumers is not None]
        raise SystemExit(f"usage: python -m ledgerml.<service> [{'|'.join(offered)}], not {command!r}")
    config = settings()
    start_process(config)
    if command == "serve":
        serve(app(), config)
    elif command == "relay":
        relay(config, migrations=migrations, ledger_outcome=ledger_outcome)
    elif command == "all":
        run_all(app(), config, migrations=migrations, consumers=consumers, ledger_outcome=ledger_outcome)
    elif command == "consume" and consumers is not None:
        consume(config, migrations=migrations, consumers=consumers)
    else:
        migrate(config, migrations=migrations)
