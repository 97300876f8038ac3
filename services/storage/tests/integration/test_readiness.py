"""The storage service starts on its real dependencies and reports ready, object store included."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from minio import Minio

from ledgerml.stack.testing.readiness import assert_ready, settings_on_stack
from ledgerml.storage.main import create_app
from ledgerml.storage.settings import StorageSettings

pytestmark = pytest.mark.integration


def test_ready_on_real_database_kafka_and_object_store(tmp_path: Path, stack_env: dict[str, str]) -> None:
    bucket = f"lml-ready-{uuid.uuid4().hex[:12]}"
    endpoint, access, secret = (os.environ[f"LEDGERML_S3_{k}"] for k in ("ENDPOINT", "ACCESS_KEY", "SECRET_KEY"))
    settings = settings_on_stack(StorageSettings, tmp_path, s3_endpoint=endpoint, s3_access_key=access,
                                 s3_secret_key=secret, bucket=bucket, org_key_file=tmp_path / "org.key")
    try:
        assert_ready(create_app(settings), {"database": "ok", "kafka": "ok", "object-store": "ok"})
    finally:
        s3 = Minio(endpoint, access_key=access, secret_key=secret, secure=False)
        if s3.bucket_exists(bucket):
            s3.remove_bucket(bucket)
    unreachable = settings.model_copy(update={"s3_endpoint": "127.0.0.1:9"})
    with TestClient(create_app(unreachable)) as client:
        refused = client.get("/readyz")
        assert refused.status_code == 503 and refused.json()["code"] == "LML-7111" and refused.headers["retry-after"]
