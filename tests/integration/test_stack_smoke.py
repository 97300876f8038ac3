"""Each engine of the local stack used for real (issue 3's smoke tests)."""

from __future__ import annotations

import json
import os

import pytest

from ledgerml.stack import smoke

pytestmark = pytest.mark.integration


def test_kafka_idempotent_producer_roundtrip(stack_env: dict[str, str]) -> None:
    payload = os.urandom(64)
    result = smoke.kafka_roundtrip(stack_env["LEDGERML_KAFKA_BOOTSTRAP"], payload)
    assert result.received == payload
    assert result.offset >= 0


def test_minio_put_get_with_sha256_checksum(stack_env: dict[str, str]) -> None:
    payload = os.urandom(256 * 1024)
    result = smoke.s3_roundtrip(stack_env["LEDGERML_S3_ENDPOINT"], stack_env["LEDGERML_S3_ACCESS_KEY"],
                                stack_env["LEDGERML_S3_SECRET_KEY"], payload)
    assert result.body_matches
    assert result.returned_checksum == result.sha256_b64
    assert result.tampered_upload_refused, "the server accepted a body whose SHA-256 did not match"


def test_ray_job_imports_torch_and_returns_a_tensor(stack_env: dict[str, str]) -> None:
    result = smoke.ray_torch_job(stack_env["LEDGERML_RAY_ADDRESS"])
    assert result.status == "SUCCEEDED", result.logs[-2000:]
    line = next(ln for ln in result.logs.splitlines() if ln.startswith("RESULT "))
    payload = json.loads(line.removeprefix("RESULT "))
    assert payload["matmul"] == [[7.0, 10.0], [15.0, 22.0]]
    assert payload["device"] in {"cpu", "cuda"}


def test_postgres_accepts_connections(stack_env: dict[str, str]) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(stack_env["LEDGERML_TEST_POSTGRES_URL"])
    with engine.connect() as conn:
        assert conn.execute(sa.text("select 41 + 1")).scalar_one() == 42
    engine.dispose()
