"""What every service's lifespan builds from its settings, and its `python -m` commands.

A service's main.py stays a composition root of a few lines: `open_runtime` builds the database
engine (running migrations), the authenticator from the channel's MSP folders and the readiness
checks; `serve`, `relay`, `consume` and `migrate` are the commands of `python -m ledgerml.<service>`.
The relay publishes the event outbox and submits the ledger-write outbox.
"""

from __future__ import annotations

import logging
import signal
import ssl
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine

from ledgerml.shared.errors import ConfigurationInvalid
from ledgerml.shared.identity import TrustStore, load_identity, load_trust_store
from ledgerml.shared.ledger import Ledger, UnconfiguredLedger
from ledgerml.shared.ledger.cometbft import CometBftLedger
from ledgerml.shared.ledgerwrites import LedgerWriteRelay, OutcomeHook
from ledgerml.shared.messaging import IdempotentConsumer, OutboxRelay
from ledgerml.shared.messaging.kafka import KafkaPublisher, KafkaReadiness
from ledgerml.shared.persistence import create_db_engine
from ledgerml.shared.persistence.migrations import upgrade
from ledgerml.shared.settings import ServiceSettings
from ledgerml.shared.telemetry.logs import configure_logging
from ledgerml.shared.telemetry.tracing import setup_tracing
from ledgerml.shared.web.auth import Authenticator
from ledgerml.shared.web.health import DatabaseReadiness, ReadinessCheck

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    engine: Engine
    trust: TrustStore
    readiness_checks: list[ReadinessCheck]

    def install(self, app: FastAPI, *, audience: str) -> None:
        app.state.engine = self.engine
        app.state.authenticator = Authenticator(trust=self.trust, audience=audience)
        app.state.readiness_checks = self.readiness_checks


def start_process(settings: ServiceSettings) -> None:
    """Logging and tracing, once per process, before anything else runs."""
    configure_logging(settings.service_name, settings.log_level)
    setup_tracing(settings.service_name, exporter=settings.trace_exporter, file_path=settings.trace_file,
                  otlp_endpoint=settings.otlp_endpoint)


def _trust(settings: ServiceSettings) -> TrustStore:
    if settings.msp_root is None:
        raise ConfigurationInvalid(f"set LEDGERML_..._MSP_ROOT for {settings.service_name}: without the "
                                   "channel's MSP folders no caller can be authenticated")
    return load_trust_store(settings.msp_root)


@contextmanager
def open_runtime(settings: ServiceSettings, *, migrations: str) -> Iterator[Runtime]:
    engine = create_db_engine(settings.database_url_value)
    kafka = KafkaReadiness(bootstrap=settings.kafka_bootstrap)
    try:
        upgrade(engine, migrations)
        yield Runtime(engine, _trust(settings), [DatabaseReadiness(engine), kafka])
    finally:
        kafka.close()
        engine.dispose()


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    """Plain HTTP on loopback by default; mTLS when a TLS certificate is configured. With mTLS the
    client must present its MSP certificate, verified by the TLS handshake against every MSP root."""
    if settings.tls_cert is None or settings.tls_key is None:
        uvicorn.run(app, host=settings.host, port=settings.port, log_config=None)
        return
    from ledgerml.shared.web.tls import MutualTlsH11Protocol

    with tempfile.NamedTemporaryFile(suffix=".pem") as bundle:
        bundle.write(_trust(settings).all_roots_pem())
        bundle.flush()
        uvicorn.run(app, host=settings.host, port=settings.port, log_config=None, http=MutualTlsH11Protocol,
                    ssl_certfile=str(settings.tls_cert), ssl_keyfile=str(settings.tls_key),
                    ssl_ca_certs=bundle.name, ssl_cert_reqs=ssl.CERT_REQUIRED)


def migrate(settings: ServiceSettings, *, migrations: str) -> None:
    engine = create_db_engine(settings.database_url_value)
    upgrade(engine, migrations)
    engine.dispose()


ConsumerFactory = Callable[[ServiceSettings, Engine], Sequence[IdempotentConsumer]]


def build_ledger(settings: ServiceSettings) -> Ledger:
    """The CometBFT adapter signing as this service's identity when a ledger endpoint is configured
    (docs/decisions/0003), else `UnconfiguredLedger`, which refuses every call with LML-5004."""
    if settings.ledger_rpc_url is None:
        return UnconfiguredLedger()
    prefix = settings.model_config.get("env_prefix", "LEDGERML_")
    if not settings.ledger_chain_id:
        raise ConfigurationInvalid(f"{prefix}LEDGER_RPC_URL is set but {prefix}LEDGER_CHAIN_ID is not")
    if settings.identity_msp_dir is None:
        raise ConfigurationInvalid(f"set {prefix}IDENTITY_MSP_DIR: {settings.service_name} signs its ledger "
                                   "transactions as that identity")
    identity = load_identity(settings.msp_id, msp_dir=settings.identity_msp_dir)
    return CometBftLedger(rpc_url=settings.ledger_rpc_url, chain_id=settings.ledger_chain_id, identity=identity,
                          commit_timeout_s=settings.ledger_commit_timeout_s,
                          verify_url=settings.ledger_verify_rpc_url)


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
