"""Settings of the access-control service: `LEDGERML_ACCESS_CONTROL_*` environment variables or mounted secret files."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from fastapi import Depends

from ledgerml.shared.settings import ServiceSettings, service_config


class AccessControlSettings(ServiceSettings):
    model_config = service_config("LEDGERML_ACCESS_CONTROL_")

    service_name: str = "access-control"


@lru_cache
def get_settings() -> AccessControlSettings:
    """Cached; override in tests with `app.dependency_overrides[get_settings]`."""
    return AccessControlSettings()


SettingsDep = Annotated[AccessControlSettings, Depends(get_settings)]
