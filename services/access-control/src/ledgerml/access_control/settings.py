"""Settings of the access-control service: `LEDGERML_ACCESS_CONTROL_*` environment variables or mounted secret files."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from fastapi import Depends
from pydantic import Field

from ledgerml.shared.settings import ServiceSettings, service_config


class AccessControlSettings(ServiceSettings):
    model_config = service_config("LEDGERML_ACCESS_CONTROL_")

    service_name: str = "access-control"
    max_expiry_days: int = Field(default=365, ge=1, le=3650,
                                 description="furthest requested expiry or grant expiry, in days from now")
    projection_max_staleness_s: float = Field(
        default=1.0, gt=0, le=60,
        description="a grant allows only while the projection consumer polled the ledger topic this recently")


@lru_cache
def get_settings() -> AccessControlSettings:
    """Cached; override in tests with `app.dependency_overrides[get_settings]`."""
    return AccessControlSettings()


SettingsDep = Annotated[AccessControlSettings, Depends(get_settings)]
