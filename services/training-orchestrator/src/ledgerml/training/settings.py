"""Settings of the training service: `LEDGERML_TRAINING_*` environment variables or mounted secret files."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from fastapi import Depends

from ledgerml.shared.settings import ServiceSettings, service_config


class TrainingSettings(ServiceSettings):
    model_config = service_config("LEDGERML_TRAINING_")

    service_name: str = "training"


@lru_cache
def get_settings() -> TrainingSettings:
    """Cached; override in tests with `app.dependency_overrides[get_settings]`."""
    return TrainingSettings()


SettingsDep = Annotated[TrainingSettings, Depends(get_settings)]
