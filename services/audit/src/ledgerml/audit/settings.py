"""Settings of the audit service: `LEDGERML_AUDIT_*` environment variables or mounted secret files."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from fastapi import Depends
from pydantic import Field

from ledgerml.shared.events import topic_for
from ledgerml.shared.settings import ServiceSettings, service_config

AUDITED_DOMAINS = ("storage", "access", "registry", "training", "ledger")


class AuditSettings(ServiceSettings):
    model_config = service_config("LEDGERML_AUDIT_")

    service_name: str = "audit"
    audited_orgs: tuple[str, ...] = Field(default=(), description="topic prefixes to audit; default: org")
    log_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$",
                               description="the log's id on the ledger; default: <org>-audit")
    anchor_every_entries: int = Field(default=1000, ge=1, description="sign and anchor a head every N entries")
    anchor_interval_s: float = Field(default=30.0, gt=0, description="... or every T seconds with new entries")
    consumer_group: str | None = Field(default=None, description="Kafka group; default: <org>-audit")
    poll_max_records: int = Field(default=500, ge=1, le=10_000)
    signer_name: str = Field(default="audit", description="identity (CN before @) that signs tree heads")
    endpoints_file: Path | None = Field(default=None, description="peer services of every org (sweeps)")

    @property
    def effective_log_id(self) -> str:
        return self.log_id or f"{self.org}-audit"

    @property
    def effective_consumer_group(self) -> str:
        """One group per audited organisation's log: logs sharing a broker never rebalance each other."""
        return self.consumer_group or f"{self.org}-audit"

    @property
    def topics(self) -> list[str]:
        return [topic_for(org, domain) for org in (self.audited_orgs or (self.org,)) for domain in AUDITED_DOMAINS]


@lru_cache
def get_settings() -> AuditSettings:
    """Cached; override in tests with `app.dependency_overrides[get_settings]`."""
    return AuditSettings()


SettingsDep = Annotated[AuditSettings, Depends(get_settings)]
