"""`BlobStore` over plain S3 with the `minio` client (MinIO, versitygw or any S3 server).

Deadlines on every call, a short retry budget for transient failures only, and every failure to reach
the store translated once into `ObjectStoreUnavailable` (503 + Retry-After). Credentials never appear
in messages.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TypeVar

import urllib3
from minio import Minio
from minio.error import MinioException, S3Error
from urllib3.exceptions import HTTPError

from ledgerml.storage.errors import ObjectStoreUnavailable

T = TypeVar("T")
MISSING = frozenset({"NoSuchKey", "NoSuchObject"})


class S3BlobStore:
    def __init__(self, *, endpoint: str, access_key: str, secret_key: str, bucket: str, secure: bool = False,
                 region: str | None = None, timeout_s: float = 30.0, pool_size: int = 16) -> None:
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=min(5.0, timeout_s), read=timeout_s), maxsize=pool_size,
            retries=urllib3.Retry(total=2, connect=2, read=1, backoff_factor=0.2,
                                  status_forcelist=(500, 502, 503, 504)))
        self._client = Minio(endpoint, access_key=access_key, secret_key=secret_key, secure=secure, region=region,
                             http_client=http)
        self._bucket = bucket
        self._endpoint = endpoint

    @property
    def bucket(self) -> str:
        return self._bucket

    def _call(self, what: str, action: Callable[[], T]) -> T:
        try:
            return action()
        except S3Error:
            raise
        except (MinioException, HTTPError, OSError) as exc:
            raise ObjectStoreUnavailable(f"object store {self._endpoint} failed to {what}: {type(exc).__name__}; "
                                         "nothing was changed, retry later") from exc

    def _with_bucket(self, what: str, action: Callable[[], T]) -> T:
        try:
            return self._call(what, action)
        except S3Error as exc:
            if exc.code != "NoSuchBucket":
                raise ObjectStoreUnavailable(f"object store refused to {what}: {exc.code}") from exc
        self.check()
        try:
            return self._call(what, action)
        except S3Error as exc:
            raise ObjectStoreUnavailable(f"object store refused to {what}: {exc.code}") from exc

    def put(self, key: str, data: bytes) -> None:
        self._with_bucket("store a chunk", lambda: self._client.put_object(
            self._bucket, key, io.BytesIO(data), len(data), content_type="application/octet-stream"))

    def get(self, key: str) -> bytearray | None:
        try:
            return self._call("read a chunk", lambda: self._read(key))
        except S3Error as exc:
            if exc.code in MISSING:
                return None
            raise ObjectStoreUnavailable(f"object store refused to read a chunk: {exc.code}") from exc

    def _read(self, key: str) -> bytearray:
        """Straight into one buffer of the announced length (no intermediate copies of a large chunk)."""
        response = self._client.get_object(self._bucket, key)
        try:
            length = int(response.headers.get("content-length", "0"))
            buffer = bytearray(length)
            view, filled = memoryview(buffer), 0
            while filled < length:
                n = response.readinto(view[filled:])
                if not n:
                    break
                filled += n
            return buffer if filled == length else buffer[:filled]
        finally:
            response.close()
            response.release_conn()

    def remove(self, key: str) -> None:
        try:
            self._call("remove a chunk", lambda: self._client.remove_object(self._bucket, key))
        except S3Error as exc:
            if exc.code not in MISSING | {"NoSuchBucket"}:
                raise ObjectStoreUnavailable(f"object store refused to remove a chunk: {exc.code}") from exc

    def keys_older_than(self, prefix: str, before: datetime) -> Iterator[str]:
        try:
            yield from self._keys_older_than(prefix, before)
        except S3Error as exc:
            if exc.code != "NoSuchBucket":
                raise ObjectStoreUnavailable(f"object store refused to list chunks: {exc.code}") from exc

    def _keys_older_than(self, prefix: str, before: datetime) -> Iterator[str]:
        listing = self._call("list chunks", lambda: iter(self._client.list_objects(self._bucket, prefix=prefix,
                                                                                  recursive=True)))
        while True:
            obj = self._call("list chunks", lambda: next(listing, None))
            if obj is None:
                return
            if obj.object_name and obj.last_modified is not None and obj.last_modified < before:
                yield obj.object_name

    def check(self) -> None:
        try:
            if not self._call("find the bucket", lambda: self._client.bucket_exists(self._bucket)):
                self._call("create the bucket", lambda: self._client.make_bucket(self._bucket))
        except S3Error as exc:
            if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise ObjectStoreUnavailable(f"object store refused the bucket {self._bucket}: {exc.code}") from exc


class ObjectStoreReadiness:
    """`/readyz` check: the S3 server answers and the organisation's bucket exists."""

    name = "object-store"

    def __init__(self, store: S3BlobStore) -> None:
        self._store = store

    def check(self) -> None:
        self._store.check()
