"""Upload, verified and authorised reads, tampering, disconnects and GC on a real S3 server (each test
runs against MinIO and versitygw), with the organisation's real registry and access-control."""

from __future__ import annotations

import hashlib
import io
import os
import socket
import subprocess
import sys
import time
from urllib.parse import urlparse

import pytest
from sqlalchemy import select

from ledgerml.shared.events import Envelope, EventType
from ledgerml.shared.merkle import root_of_entries
from ledgerml.shared.persistence import outbox_table
from ledgerml.storage.adapters.db import uploads, versions

from .deployment import CHUNK, Deployment

pytestmark = pytest.mark.integration
DATA = os.urandom(CHUNK * 4 + 1234)


def _outbox(deployment: Deployment) -> list[Envelope]:
    with deployment.storage_engine.connect() as conn:
        rows = conn.execute(select(outbox_table.c.payload).order_by(outbox_table.c.id)).scalars().all()
    return [Envelope.from_json(bytes(r)) for r in rows]


def _wait_for(condition: object, what: str, timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)  # poll


def test_upload_root_matches_plaintext_and_reads_verify(deployment: Deployment, dataset_id: str) -> None:
    created = deployment.put(dataset_id, "v1", DATA)
    assert created.status_code == 201, created.text
    manifest = created.json()
    parts = [DATA[i:i + CHUNK] for i in range(0, len(DATA), CHUNK)]
    assert manifest["merkle_root"] == root_of_entries(hashlib.sha256(p).digest() for p in parts).hex()
    assert manifest["chunk_count"] == 5 and manifest["size_bytes"] == len(DATA)
    stored = {o for o in deployment.objects() if o.startswith("chunks/")}
    keys = deployment.chunk_keys(dataset_id)
    assert len(stored) == 5 and set(keys) == stored
    for key, part in zip(keys, parts, strict=True):  # encrypted at rest (ciphertext and tag), under the manifest's keys
        sealed = deployment.s3.client().get_object(deployment.bucket, key).read()
        assert len(sealed) == len(part) + 16 and not any(p[:32] in sealed for p in parts)
    path = f"/datasets/{dataset_id}/versions/v1"
    assert deployment.get(path + "/content").content == DATA
    ranged = deployment.get(path + "/content", range=f"bytes={CHUNK - 10}-{2 * CHUNK + 9}")
    assert ranged.status_code == 206 and ranged.content == DATA[CHUNK - 10:2 * CHUNK + 10]
    assert deployment.get(path + "/integrity", "Org3MSP").json()["ok"] is True
    assert deployment.put(dataset_id, "v1", b"other bytes").json()["code"] == "LML-7102"
    events = [e.type for e in _outbox(deployment) if e.subject == dataset_id]
    assert events == [EventType.STORAGE_VERSION_STORED, EventType.STORAGE_CHUNK_READ, EventType.STORAGE_CHUNK_READ]


def test_flipped_byte_in_the_bucket_fails_closed(deployment: Deployment, dataset_id: str) -> None:
    manifest = deployment.put(dataset_id, "v1", DATA).json()
    client = deployment.s3.client()
    victim = deployment.chunk_keys(dataset_id)[2]
    sealed = bytearray(client.get_object(deployment.bucket, victim).read())
    sealed[len(sealed) // 2] ^= 0x01
    client.put_object(deployment.bucket, victim, io.BytesIO(bytes(sealed)), len(sealed))
    report = deployment.get(f"/datasets/{dataset_id}/versions/v1/integrity").json()
    assert report["ok"] is False and len(report["chunks_failed"]) == 1
    assert report["merkle_root_manifest"] == manifest["merkle_root"]
    assert report["merkle_root_recomputed"] is None  # a chunk that does not decrypt has no hash to recompute with
    assert report["chunks_failed"][0]["code"] == "LML-7101"
    failed_index = report["chunks_failed"][0]["index"]
    assert failed_index == 2
    start = failed_index * CHUNK
    refused = deployment.get(f"/datasets/{dataset_id}/versions/v1/content", range=f"bytes={start}-{start + 9}")
    assert refused.status_code == 502 and refused.json()["code"] == "LML-7101"
    violations = [e for e in _outbox(deployment)
                  if e.subject == dataset_id and e.type is EventType.STORAGE_INTEGRITY_VIOLATED]
    assert len(violations) == 2 and {v.data.model_dump()["chunk_index"] for v in violations} == {failed_index}


def test_other_organisation_without_grant_is_refused(deployment: Deployment, dataset_id: str) -> None:
    deployment.put(dataset_id, "v1", DATA)
    refused = deployment.get(f"/datasets/{dataset_id}/versions/v1/content", "Org2MSP")
    assert refused.status_code == 403 and refused.json()["code"] == "LML-7113"  # access-control: no grant
    # The decision's reason comes from access-control: its projection learns datasets and grants from ledger
    # events, which cannot flow without a ledger, so today it denies with UNKNOWN_DATASET.
    assert "Org2MSP may not download" in refused.json()["detail"]
    assert deployment.put(dataset_id, "v2", DATA, "Org2MSP").json()["code"] == "LML-7116"
    job = deployment.get(f"/internal/jobs/job-1/datasets/{dataset_id}/versions/v1/content")
    assert job.status_code == 403  # only the training identity
    training = deployment.get(f"/internal/jobs/job-1/datasets/{dataset_id}/versions/v1/content",
                              **deployment.headers(name="training"))
    assert training.status_code == 503 and training.json()["code"] == "LML-5004"  # no ledger: fail closed


def test_unknown_dataset_and_bad_requests(deployment: Deployment) -> None:
    assert deployment.put("ds-never-registered", "v1", DATA).json()["code"] == "LML-7105"
    assert deployment.get("/datasets/ds-never-registered/versions/v1/content").status_code == 404


def test_client_disconnect_leaves_no_version_and_no_objects(deployment: Deployment, dataset_id: str) -> None:
    url = urlparse(deployment.storage_url)
    before = deployment.objects()
    head = (f"PUT /datasets/{dataset_id}/versions/v1 HTTP/1.1\r\nHost: {url.netloc}\r\n"
            f"Authorization: {deployment.headers()['authorization']}\r\n"
            f"Content-Type: application/octet-stream\r\nContent-Length: {CHUNK * 40}\r\n\r\n").encode()
    with socket.create_connection((url.hostname, url.port)) as sock:
        sock.sendall(head + os.urandom(CHUNK * 5 + 100))
        _wait_for(lambda: _upload_states(deployment, dataset_id) == ["uploading"], "the upload to start")
        _wait_for(lambda: len(deployment.objects() - before) >= 3, "chunks to reach the bucket")
    _wait_for(lambda: _upload_states(deployment, dataset_id) == [], "the interrupted upload to be discarded")
    assert deployment.objects() == before
    assert deployment.get(f"/datasets/{dataset_id}/versions/v1").json()["code"] == "LML-7104"
    assert deployment.put(dataset_id, "v1", b"complete this time").status_code == 201


def _upload_states(deployment: Deployment, dataset_id: str) -> list[str]:
    with deployment.storage_engine.connect() as conn:
        return list(conn.execute(select(uploads.c.state).where(uploads.c.dataset_id == dataset_id)).scalars())


def test_gc_command_removes_orphan_objects_only(deployment: Deployment, dataset_id: str) -> None:
    deployment.put(dataset_id, "v1", DATA)
    kept = deployment.objects()
    orphan = "chunks/" + hashlib.sha256(b"orphan").hexdigest()
    deployment.s3.client().put_object(deployment.bucket, orphan, io.BytesIO(b"orphan"), 6)
    settings = deployment.storage_settings
    env = {**os.environ, "LEDGERML_STORAGE_DATABASE_URL": settings.database_url_value,
           "LEDGERML_STORAGE_S3_ENDPOINT": settings.s3_endpoint, "LEDGERML_STORAGE_BUCKET": deployment.bucket,
           "LEDGERML_STORAGE_S3_ACCESS_KEY": settings.s3_access_key.get_secret_value(),
           "LEDGERML_STORAGE_S3_SECRET_KEY": settings.s3_secret_key.get_secret_value()}
    done = subprocess.run([sys.executable, "-m", "ledgerml.storage", "gc", "--grace-seconds", "0"], env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert '"orphans_removed": 1' in done.stdout
    assert deployment.objects() == kept
    assert deployment.get(f"/datasets/{dataset_id}/versions/v1/content").content == DATA
    with deployment.storage_engine.connect() as conn:
        assert conn.execute(select(versions.c.version).where(versions.c.dataset_id == dataset_id)).scalar_one() == "v1"
