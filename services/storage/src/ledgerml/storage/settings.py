"""Settings of the storage service: `LEDGERML_STORAGE_*` environment variables or mounted secret files."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from fastapi import Depends

from ledgerml.shared.settings import ServiceSettings, service_config


class StorageSettings(ServiceSettings):
    model_config = service_config("LEDGERML_STORAGE_")

    service_name: str = "storage"


@lru_cache
def get_settings() -> StorageSettings:
    """Cached; override in tests with `app.dependency_overrides[get_settings]`."""
    return StorageSettings()


SettingsDep = Annotated[StorageSettings, Depends(get_settings)]
