"""Base of every service's pydantic-settings class. Each service subclasses it with its own prefix:

    class RegistrySettings(ServiceSettings):
        model_config = service_config("LEDGERML_REGISTRY_")
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Any, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from ledgerml.shared.telemetry.tracing import TraceExporter

SECRETS_DIR = Path("/run/secrets/ledgerml")
_PLACEHOLDER = re.compile(r"^(|change[-_ ]?me.*|secret|password|placeholder|todo|xxx+|example|default)$", re.I)


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


def service_config(env_prefix: str) -> SettingsConfigDict:
    """Env prefix per service; secrets may also come from files mounted in SECRETS_DIR."""
    return SettingsConfigDict(
        env_prefix=env_prefix, extra="forbid", frozen=True,
        secrets_dir=str(SECRETS_DIR) if SECRETS_DIR.is_dir() else None,
    )


def is_placeholder(value: str) -> bool:
    return bool(_PLACEHOLDER.match(value.strip()))


class ServiceSettings(BaseSettings):
    service_name: str
    environment: Environment = Environment.DEVELOPMENT
    org: str = Field(default="org1", pattern=r"^[a-z0-9-]+$", description="topic/bucket prefix")
    msp_id: str = "Org1MSP"
    database_url: SecretStr = SecretStr("")
    kafka_bootstrap: str = "127.0.0.1:9092"
    msp_root: Path | None = Field(default=None, description="consortium crypto root (MSP folders)")
    identity_msp_dir: Path | None = Field(default=None, description="this service's signing identity (MSP folder)")
    ledger_rpc_url: str | None = Field(default=None, description="CometBFT RPC of this organisation's validator")
    ledger_chain_id: str | None = None
    ledger_commit_timeout_s: float = Field(default=30.0, gt=0, le=600)
    ledger_verify_rpc_url: str | None = Field(default=None, description="another validator's RPC to check "
                                              "proofs against (default: ledger_rpc_url)")
    auditor_orgs: tuple[str, ...] = ("Org3MSP",)
    tls_cert: Path | None = None
    tls_key: Path | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: str = "INFO"
    trace_exporter: TraceExporter = TraceExporter.NONE
    trace_file: Path | None = None
    otlp_endpoint: str | None = None

    model_config = service_config("LEDGERML_")

    @model_validator(mode="before")
    @classmethod
    def _default_database(cls, values: Any) -> Any:
        if isinstance(values, dict) and not values.get("database_url"):
            name = values.get("service_name") or cls.model_fields["service_name"].default
            values = {**values, "database_url": f"sqlite:///var/{name}.db"}
        return values

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Self:
        if self.environment is Environment.DEVELOPMENT:
            return self
        for name, value in self:
            if isinstance(value, SecretStr) and _secret_is_placeholder(name, value):
                raise ValueError(f"{name} holds a placeholder secret; set a real one for {self.environment}")
        return self

    @property
    def database_url_value(self) -> str:
        return self.database_url.get_secret_value()


def _secret_is_placeholder(name: str, secret: SecretStr) -> bool:
    value = secret.get_secret_value()
    if name.endswith("_url") and "://" in value:
        password = make_url(value).password
        return password is not None and is_placeholder(str(password))
    return is_placeholder(value)
