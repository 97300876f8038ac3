"""`ModelStore` over S3 (MinIO or any S3 server): weights by content address, transcripts by job.

Keys: `models/sha256/<hex>` (idempotent: equal weights are one object) and `transcripts/<job>.json`.
Failures to reach the store are translated once into `DependencyUnavailable` (503, retried). A store that
answers but cannot serve the weights (MinIO's 503 `SlowDownRead` with `Retry-After: 60` for an object corrupt
on its disk, or a body cut short) is reported as what it is, `ModelIntegrityFailed`, at once: the pool makes
two quick retries and ignores `Retry-After`, which would otherwise hold the caller for minutes.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from typing import TypeVar

import urllib3
from minio import Minio
from minio.error import MinioException, S3Error
from urllib3.exceptions import HTTPError, ProtocolError

from ledgerml.shared.errors import DependencyUnavailable
from ledgerml.training.errors import ModelIntegrityFailed, ModelNotReady

T = TypeVar("T")
MISSING = frozenset({"NoSuchKey", "NoSuchObject"})


class _Unreadable(Exception):
    """The store answered a read of the object with a server error, or announced it and stopped sending it."""


def model_key(sha256: str) -> str:
    return f"models/sha256/{sha256}"


class S3ModelStore:
    def __init__(self, *, endpoint: str, access_key: str, secret_key: str, bucket: str, secure: bool = False,
                 timeout_s: float = 30.0) -> None:
        http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=min(5.0, timeout_s), read=timeout_s),
                                   retries=urllib3.Retry(total=2, backoff_factor=0.2,
                                                         status_forcelist=(500, 502, 503, 504),
                                                         respect_retry_after_header=False, raise_on_status=False))
        self._client = Minio(endpoint, access_key=access_key, secret_key=secret_key, secure=secure, http_client=http)
        self._bucket = bucket
        self._ready = False

    @property
    def bucket(self) -> str:
        return self._bucket

    def _call(self, what: str, action: Callable[[], T]) -> T:
        try:
            if not self._ready:
                if not self._client.bucket_exists(self._bucket):
                    self._client.make_bucket(self._bucket)
                self._ready = True
            return action()
        except S3Error as exc:
            if exc.code in MISSING:
                raise
            raise DependencyUnavailable(f"object store refused to {what}: {exc.code}", dependency="s3") from None
        except (MinioException, HTTPError, OSError) as exc:
            raise DependencyUnavailable(f"object store failed to {what}: {type(exc).__name__}",
                                        dependency="s3") from None

    def _put(self, key: str, data: bytes, content_type: str) -> None:
        self._client.put_object(self._bucket, key, io.BytesIO(data), len(data), content_type=content_type)

    def put_model(self, weights: bytes) -> str:
        digest = hashlib.sha256(weights).hexdigest()
        self._call("store model weights", lambda: self._put(model_key(digest), weights, "application/octet-stream"))
        return digest

    def get_model(self, sha256: str) -> bytes:
        try:
            return self._call("read model weights", lambda: self._read(model_key(sha256)))
        except S3Error:
            raise ModelNotReady(f"no stored weights with hash {sha256}") from None
        except _Unreadable as exc:
            cause = str(exc)
        # The store answered, but not with the object: unreadable on its disk, unless the store itself is down.
        self._call("find the bucket", lambda: self._client.bucket_exists(self._bucket))
        raise ModelIntegrityFailed(f"stored weights {sha256} are corrupt or unreadable in the object store "
                                   f"({cause})")

    def put_transcript(self, job_id: str, transcript: bytes) -> None:
        self._call("store a transcript",
                   lambda: self._put(f"transcripts/{job_id}.json", transcript, "application/json"))

    def _read(self, key: str) -> bytes:
        try:
            response = self._client.get_object(self._bucket, key)
        except S3Error as exc:
            if exc.code in MISSING or exc.code == "NoSuchBucket":
                raise
            raise _Unreadable(exc.code) from None
        try:
            return bytes(response.read())
        except ProtocolError as exc:  # IncompleteRead: MinIO stops at a block that fails its bitrot check
            raise _Unreadable(f"body cut short: {type(exc).__name__}") from None
        finally:
            response.close()
            response.release_conn()
