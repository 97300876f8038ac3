"""Settings of the training service: `LEDGERML_TRAINING_*` environment variables or mounted secret files."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from fastapi import Depends
from pydantic import Field, SecretStr

from ledgerml.shared.settings import ServiceSettings, service_config


class TrainingSettings(ServiceSettings):
    model_config = service_config("LEDGERML_TRAINING_")

    service_name: str = "training"

    # The algorithm catalog (ray_jobs/): code hashes are computed from these files at start-up.
    catalog_dir: Path = Path("ray_jobs")

    # Ray Jobs API; without an address the data-owner worker does not start (requests still work).
    ray_address: str | None = None
    ray_auth_token_file: Path | None = Field(default=None, description="default: Ray's RAY_AUTH_TOKEN_PATH env")
    job_python: str = Field(default="python", description="interpreter on the Ray nodes")
    job_num_cpus: float = Field(default=1.0, gt=0)
    job_timeout_s: float = Field(default=3600.0, gt=0)
    results_dir: Path = Field(default=Path("var/training-results"),
                              description="where runs write transcript + weights; shared with the Ray nodes")
    data_source: Literal["storage", "file"] = Field(
        default="storage", description="storage: the owner's verified internal stream; file: <file_data_dir>/"
        "<dataset>/<version>.csv on the Ray nodes (tests, benchmarks)")
    file_data_dir: Path | None = None
    worker_enabled: bool = True
    worker_interval_s: float = Field(default=2.0, gt=0)

    # Object store for model weights (content-addressed) and transcripts.
    s3_endpoint: str | None = None
    s3_access_key: SecretStr = SecretStr("")
    s3_secret_key: SecretStr = SecretStr("")
    s3_secure: bool = False
    models_bucket: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9.-]{2,62}$",
                                      description="default: ledgerml-<org>-models")

    # This organisation's services, and partner organisations' training services (endpoints.json shape).
    registry_url: str | None = None
    access_control_url: str | None = None
    storage_url: str | None = None
    partner_endpoints_file: Path | None = None

    @property
    def models_bucket_name(self) -> str:
        return self.models_bucket or f"ledgerml-{self.org}-models"


@lru_cache
def get_settings() -> TrainingSettings:
    """Cached; override in tests with `app.dependency_overrides[get_settings]`."""
    return TrainingSettings()


SettingsDep = Annotated[TrainingSettings, Depends(get_settings)]
