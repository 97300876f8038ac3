"""Settings of the storage service: `LEDGERML_STORAGE_*` environment variables or mounted secret files."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from fastapi import Depends
from pydantic import Field, SecretStr

from ledgerml.shared.settings import ServiceSettings, service_config

MIB = 1024 * 1024


class StorageSettings(ServiceSettings):
    model_config = service_config("LEDGERML_STORAGE_")

    service_name: str = "storage"

    # Object store (any S3 server: MinIO, versitygw, ...).
    s3_endpoint: str = "127.0.0.1:9000"
    s3_access_key: SecretStr = SecretStr("")
    s3_secret_key: SecretStr = SecretStr("")
    s3_secure: bool = False
    s3_region: str | None = None
    s3_timeout_s: float = Field(default=30.0, gt=0)
    s3_chunk_deadline_s: float = Field(default=30.0, gt=0, description="to read one chunk (plus at most one socket "
                                       "read timeout); an object the store cannot give back is reported in seconds")
    bucket: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9.-]{2,62}$",
                               description="default: ledgerml-<org>-datasets")

    # Chunking and limits.
    chunk_size_bytes: int = Field(default=8 * MIB, ge=4096, le=64 * MIB)
    max_version_bytes: int = Field(default=64 * 1024 * MIB, ge=1)
    upload_parallelism: int = Field(default=4, ge=1, le=32, description="chunks sealed and stored at once")
    read_ahead_chunks: int = Field(default=3, ge=1, le=32, description="chunks fetched and verified ahead")
    gc_grace_s: int = Field(default=900, ge=0, description="age after which an idle upload is abandoned")

    # Organisation key (the KMS port's local adapter): 64 hex characters in a file, mode 0600.
    org_key_file: Path | None = Field(default=None, description="default in development: var/<org>-storage.key")

    # Peer services of this organisation, called as the storage identity (`identity_msp_dir`).
    registry_url: str | None = None
    access_control_url: str | None = None
    training_identity: str = Field(default="training", description="CN (before @) of the training service")

    @property
    def bucket_name(self) -> str:
        return self.bucket or f"ledgerml-{self.org}-datasets"

    @property
    def org_key_path(self) -> Path:
        return self.org_key_file or Path("var") / f"{self.org}-storage.key"


@lru_cache
def get_settings() -> StorageSettings:
    """Cached; override in tests with `app.dependency_overrides[get_settings]`."""
    return StorageSettings()


SettingsDep = Annotated[StorageSettings, Depends(get_settings)]
