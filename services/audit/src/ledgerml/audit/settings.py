"""Settings of the audit service: `LEDGERML_AUDIT_*` environment variables or mounted secret files."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from fastapi import Depends

from ledgerml.shared.settings import ServiceSettings, service_config


class AuditSettings(ServiceSettings):
    model_config = service_config("LEDGERML_AUDIT_")

    service_name: str = "audit"


@lru_cache
def get_settings() -> AuditSettings:
    """Cached; override in tests with `app.dependency_overrides[get_settings]`."""
    return AuditSettings()


SettingsDep = Annotated[AuditSettings, Depends(get_settings)]
