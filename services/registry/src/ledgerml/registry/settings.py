"""Settings of the registry service: `LEDGERML_REGISTRY_*` environment variables or mounted secret files."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from fastapi import Depends

from ledgerml.shared.settings import ServiceSettings, service_config


class RegistrySettings(ServiceSettings):
    model_config = service_config("LEDGERML_REGISTRY_")

    service_name: str = "registry"


@lru_cache
def get_settings() -> RegistrySettings:
    """Cached; override in tests with `app.dependency_overrides[get_settings]`."""
    return RegistrySettings()


SettingsDep = Annotated[RegistrySettings, Depends(get_settings)]
