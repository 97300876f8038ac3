"""Model weights damaged on MinIO's own disk (issue 17): the store answers 503 `SlowDownRead` with
`Retry-After: 60`, or cuts the body short; the model store says "corrupt or unreadable" (LML-7407) within
seconds instead of honouring Retry-After for minutes and calling it an outage. Missing weights stay
LML-7406, and the weights read back whole once the disk is repaired."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from minio import Minio

from ledgerml.training.adapters.models import S3ModelStore, model_key
from ledgerml.training.errors import ModelIntegrityFailed, ModelNotReady

pytestmark = pytest.mark.integration
FAST_S = 5.0


@pytest.fixture
def store(stack_env: dict[str, str]) -> Iterator[tuple[S3ModelStore, Minio]]:
    if "LEDGERML_MINIO_DATA_DIR" not in stack_env:
        pytest.fail("the stack env has no LEDGERML_MINIO_DATA_DIR: restart the stack (`make down up`)", pytrace=False)
    bucket = f"lml-test-models-{uuid.uuid4().hex[:10]}"
    keys = {"endpoint": stack_env["LEDGERML_S3_ENDPOINT"], "access_key": stack_env["LEDGERML_S3_ACCESS_KEY"],
            "secret_key": stack_env["LEDGERML_S3_SECRET_KEY"]}
    admin = Minio(keys["endpoint"], access_key=keys["access_key"], secret_key=keys["secret_key"], secure=False)
    yield S3ModelStore(**keys, bucket=bucket, timeout_s=10.0), admin
    if admin.bucket_exists(bucket):
        for item in admin.list_objects(bucket, recursive=True):
            admin.remove_object(bucket, str(item.object_name))
        admin.remove_bucket(bucket)


def _flip_on_disk(bucket: str, key: str, needle: bytes) -> tuple[Path, bytes]:
    """Flips one byte of the object's data (found by its own bytes) in MinIO's files; returns what to restore."""
    object_dir = Path(os.environ["LEDGERML_MINIO_DATA_DIR"]) / bucket / key
    for path in sorted(p for p in object_dir.rglob("*") if p.is_file()):
        original = path.read_bytes()
        at = original.find(needle)
        if at >= 0:
            damaged = bytearray(original)
            damaged[at] ^= 0x01
            path.write_bytes(bytes(damaged))
            return path, original
    pytest.fail(f"no file under {object_dir} holds the object's bytes")


# Up to 128 KiB MinIO keeps the data inside xl.meta; larger objects in part.1, checked per MiB block.
@pytest.mark.parametrize("size", [64 * 1024, 3 * 1024 * 1024], ids=["inline", "part-file"])
def test_weights_corrupt_on_disk_are_reported_as_corrupt_quickly(store: tuple[S3ModelStore, Minio],
                                                                 size: int) -> None:
    models, _ = store
    weights = os.urandom(size)
    digest = models.put_model(weights)
    assert models.get_model(digest) == weights
    path, original = _flip_on_disk(models.bucket, model_key(digest), weights[-1032:-1000])
    try:
        started = time.monotonic()
        with pytest.raises(ModelIntegrityFailed) as refused:
            models.get_model(digest)
        took = time.monotonic() - started
    finally:
        path.write_bytes(original)
    assert refused.value.code == "LML-7407"
    assert digest in str(refused.value) and "corrupt or unreadable" in str(refused.value)
    assert took < FAST_S, f"took {took:.1f} s to report the damaged weights"
    assert models.get_model(digest) == weights


def test_missing_weights_are_not_ready_not_corrupt(store: tuple[S3ModelStore, Minio]) -> None:
    models, _ = store
    models.put_model(b"other weights")  # the bucket exists, the object does not
    with pytest.raises(ModelNotReady):
        models.get_model("ab" * 32)
