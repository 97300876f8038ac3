"""A chunk's object damaged on MinIO's own disk, under S3's back (issue 17): MinIO's bitrot check fails and it
answers 503 `SlowDownRead` (with `Retry-After: 60`), or, when the damage lies past the first MiB, sends 200 and
cuts the body short. Storage reports that chunk as an integrity violation (LML-7101 naming dataset, version and
chunk, `IntegrityViolated` in the outbox) within seconds, not as an outage to retry (LML-7111). MinIO only."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import urllib3
from minio import Minio
from minio.error import S3Error
from sqlalchemy import select
from urllib3.exceptions import ProtocolError

from ledgerml.shared.events import Envelope, EventType
from ledgerml.shared.persistence import outbox_table
from ledgerml.stack.pki import Consortium

from .deployment import CHUNK, Deployment, S3Server, deploy

pytestmark = pytest.mark.integration
FAST_S = 5.0  # the old path retried for about two minutes
VICTIM = 1


@pytest.fixture(scope="module")
def s3(stack_env: dict[str, str]) -> S3Server:
    if "LEDGERML_MINIO_DATA_DIR" not in stack_env:
        pytest.fail("the stack env has no LEDGERML_MINIO_DATA_DIR: restart the stack (`make down up`)", pytrace=False)
    return S3Server.from_env("minio")


# Objects up to 128 KiB live inside MinIO's xl.meta; larger ones in a part.1 file, verified per MiB block.
@pytest.fixture(scope="module", params=[CHUNK, 4 * CHUNK, 24 * CHUNK], ids=["inline", "part-file", "second-mib"])
def deployment(request: pytest.FixtureRequest, s3: S3Server, consortium: Consortium,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    root: Path = tmp_path_factory.mktemp("storage-corrupt")
    with deploy(consortium, s3, root, f"sqlite:///{root / 'storage.db'}", chunk_size=request.param) as deployed:
        yield deployed


@contextmanager
def flipped_on_disk(deployment: Deployment, key: str) -> Iterator[Path]:
    """Flips one byte of the object's data (found by its own bytes) in MinIO's files; puts the file back after."""
    sealed = deployment.s3.client().get_object(deployment.bucket, key).read()
    needle = sealed[-1032:-1000]  # near the end: past the first MiB of the largest chunk here
    object_dir = Path(os.environ["LEDGERML_MINIO_DATA_DIR"]) / deployment.bucket / key
    for path in sorted(p for p in object_dir.rglob("*") if p.is_file()):
        original = path.read_bytes()
        at = original.find(needle)
        if at >= 0:
            break
    else:
        pytest.fail(f"no file under {object_dir} holds the object's bytes")
    damaged = bytearray(original)
    damaged[at] ^= 0x01
    path.write_bytes(bytes(damaged))
    try:
        yield path
    finally:
        path.write_bytes(original)


def _violations(deployment: Deployment, dataset_id: str) -> list[dict[str, object]]:
    with deployment.storage_engine.connect() as conn:
        rows = conn.execute(select(outbox_table.c.payload).order_by(outbox_table.c.id)).scalars().all()
    envelopes = [Envelope.from_json(bytes(r)) for r in rows]
    return [e.data.model_dump() for e in envelopes
            if e.subject == dataset_id and e.type is EventType.STORAGE_INTEGRITY_VIOLATED]


def _timed(call: Callable[[], httpx.Response]) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def minio_answer(s3: S3Server, bucket: str, key: str) -> str:
    """What MinIO itself answers for the object, with no retries (for the record: it is printed)."""
    client = Minio(s3.endpoint, access_key=s3.access_key, secret_key=s3.secret_key, secure=False,
                   http_client=urllib3.PoolManager(retries=False))
    try:
        response = client.get_object(bucket, key)
        try:
            return f"200 with the whole body ({len(response.read())} bytes)"
        except ProtocolError as exc:
            return f"200, then the body was cut short ({type(exc).__name__})"
        finally:
            response.release_conn()
    except S3Error as exc:
        return (f"{exc.response.status} {exc.code} ({exc.message}), "
                f"Retry-After: {exc.response.headers.get('retry-after')}")


def test_chunk_corrupt_on_minio_disk_is_an_integrity_violation_in_seconds(deployment: Deployment,
                                                                          dataset_id: str) -> None:
    chunk = deployment.storage_settings.chunk_size_bytes
    data = os.urandom(chunk * 2 + 99)
    assert deployment.put(dataset_id, "v1", data).status_code == 201
    path = f"/datasets/{dataset_id}/versions/v1"
    key = deployment.chunk_keys(dataset_id)[VICTIM]
    with flipped_on_disk(deployment, key):
        answer = minio_answer(deployment.s3, deployment.bucket, key)
        report, verify_s = _timed(lambda: deployment.get(path + "/integrity", "Org3MSP"))
        assert report.status_code == 200, report.text
        failed = report.json()["chunks_failed"]
        assert [(f["index"], f["code"]) for f in failed] == [(VICTIM, "LML-7101")], failed
        assert "corrupt or unreadable in the object store" in failed[0]["reason"]
        assert verify_s < FAST_S, f"verify took {verify_s:.1f} s"

        start = VICTIM * chunk
        refused, read_s = _timed(lambda: deployment.get(path + "/content", range=f"bytes={start}-{start + 9}"))
        assert refused.status_code == 502 and refused.json()["code"] == "LML-7101", refused.text
        assert refused.json()["detail"].startswith(f"{dataset_id}@v1 chunk {VICTIM} is corrupt or unreadable")
        assert read_s < FAST_S, f"the ranged read took {read_s:.1f} s"

        started = time.monotonic()
        with pytest.raises(httpx.RemoteProtocolError):  # the whole version: the body stops before chunk 1
            deployment.get(path + "/content")
        assert time.monotonic() - started < FAST_S

    violations = _violations(deployment, dataset_id)
    assert [(v["version"], v["chunk_index"]) for v in violations] == [("v1", VICTIM)] * 3, violations
    # What made the old path an outage: a 503 with Retry-After 60, honoured twice (about two minutes).
    expected = "200, then the body was cut short" if chunk > 1024 * 1024 else "503 SlowDownRead"
    assert answer.startswith(expected), answer
    assert deployment.get(path + "/content").content == data  # the file put back, the version reads again
