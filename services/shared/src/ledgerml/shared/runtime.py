"""What every service's lifespan builds from its settings (the wiring; the `python -m` commands that run
it are `ledgerml.shared.commands`).

A service's main.py stays a composition root of a few lines: `open_runtime` builds the database
engine (running migrations), the authenticator from the channel's MSP folders and the readiness
checks; `build_ledger` the ledger adapter signing as the service's identity.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from fastapi import FastAPI
from sqlalchemy import Engine

from ledgerml.shared.errors import ConfigurationInvalid
from ledgerml.shared.identity import TrustStore, load_identity, load_trust_store
from ledgerml.shared.ledger import Ledger, UnconfiguredLedger
from ledgerml.shared.ledger.cometbft import CometBftLedger
from ledgerml.shared.messaging.kafka import KafkaReadiness
from ledgerml.shared.persistence import create_db_engine
from ledgerml.shared.persistence.migrations import upgrade
from ledgerml.shared.settings import ServiceSettings
from ledgerml.shared.telemetry.logs import configure_logging
from ledgerml.shared.telemetry.tracing import setup_tracing
from ledgerml.shared.web.auth import Authenticator
from ledgerml.shared.web.health import DatabaseReadiness, ReadinessCheck


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


def trust_store(settings: ServiceSettings) -> TrustStore:
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
        yield Runtime(engine, trust_store(settings), [DatabaseReadiness(engine), kafka])
    finally:
        kafka.close()
        engine.dispose()


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
