"""`BlobStore` over plain S3 with the `minio` client (MinIO, versitygw or any S3 server).

Deadlines on every call, a short retry budget for transient failures only, and every failure to reach
the store translated once into `ObjectStoreUnavailable` (503 + Retry-After). Credentials never appear
in messages.

A store that answers but cannot give back one object is not an outage: MinIO whose copy of an object
fails its bitrot check on disk answers 503 `SlowDownRead` ("Resource requested is unreadable") with
`Retry-After: 60`, which a client honouring the header retries for minutes. Here a 5xx for one object
(after the pool's two quick retries, Retry-After ignored) or a body cut short (after one more try) is
checked against the bucket: if the store answers for the bucket, the object is `ObjectUnreadable` (the
read paths report it as an integrity violation of that chunk); if not, the store is unavailable.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TypeVar

import urllib3
from minio import Minio
from minio.error import MinioException, S3Error, ServerError
from urllib3.exceptions import HTTPError, ProtocolError

from ledgerml.storage.adapters.s3put import UnsignedPut
from ledgerml.storage.errors import ObjectStoreUnavailable
from ledgerml.storage.ports import ObjectUnreadable

T = TypeVar("T")
MISSING = frozenset({"NoSuchKey", "NoSuchObject"})
READ_ATTEMPTS = 2  # a body cut short is tried once more; a 5xx answer was already retried by the pool


class BodyCut(Exception):
    """The store answered 200 but the body ended early or broke (MinIO stops mid-stream at a corrupt block)."""


def object_failure(exc: BaseException) -> str | None:
    """Why a store that answered could not give back the object, or None when `exc` is not such an answer
    (missing objects, refusals such as AccessDenied and unreachable stores are told apart elsewhere)."""
    if isinstance(exc, S3Error) and exc.code not in MISSING and exc.response.status >= 500:
        return f"{exc.code}: {exc.message}" if exc.message else str(exc.code)
    if isinstance(exc, ServerError) and exc.status_code >= 500:
        return f"HTTP {exc.status_code}"
    if isinstance(exc, BodyCut):
        return f"body cut short ({exc})"
    return None


def read_object(fetch: Callable[[float], bytearray], probe: Callable[[], object], *, what: str,
                deadline_s: float, attempts: int = READ_ATTEMPTS) -> bytearray | None:
    """The object's bytes (None when missing) within `deadline_s`, or why not: `ObjectUnreadable` when the store
    answers for the bucket but not for this object, `ObjectStoreUnavailable` when it cannot be reached,
    refuses (e.g. AccessDenied) or is too slow. `fetch(deadline)` reads the whole body by that monotonic time."""
    deadline = time.monotonic() + deadline_s
    why = ""
    for _ in range(attempts):
        try:
            return fetch(deadline)
        except S3Error as exc:
            if exc.code in MISSING:
                return None
            failure = object_failure(exc)
            if failure is None:
                raise ObjectStoreUnavailable(f"object store refused to {what}: {exc.code}") from exc
            why = failure
            break  # a 5xx was already retried by the connection pool
        except (ServerError, BodyCut) as exc:
            failure = object_failure(exc)
            if failure is None:
                raise ObjectStoreUnavailable(f"object store failed to {what}: {exc}") from exc
            why = failure
            if isinstance(exc, ServerError) or time.monotonic() >= deadline:
                break
        except (MinioException, HTTPError, OSError) as exc:
            raise ObjectStoreUnavailable(f"object store failed to {what}: {type(exc).__name__}; "
                                         "retry later") from exc
    try:
        probe()
    except (MinioException, HTTPError, OSError) as exc:
        raise ObjectStoreUnavailable(f"object store failed to {what} ({why}) and does not answer for its "
                                     f"bucket either: {type(exc).__name__}; retry later") from exc
    raise ObjectUnreadable(why)


class S3BlobStore:
    def __init__(self, *, endpoint: str, access_key: str, secret_key: str, bucket: str, secure: bool = False,
                 region: str | None = None, timeout_s: float = 30.0, pool_size: int = 16,
                 chunk_deadline_s: float = 30.0) -> None:
        # Retry-After is ignored (MinIO sends 60 s with every 503, also for an object corrupt on disk) and the
        # last 5xx comes back as the S3 error it is, so its code tells what happened.
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=min(5.0, timeout_s), read=timeout_s), maxsize=pool_size,
            retries=urllib3.Retry(total=2, connect=2, read=1, backoff_factor=0.2,
                                  status_forcelist=(500, 502, 503, 504), respect_retry_after_header=False,
                                  raise_on_status=False))
        self._client = Minio(endpoint, access_key=access_key, secret_key=secret_key, secure=secure, region=region,
                             http_client=http)
        self._put = UnsignedPut(http, endpoint=endpoint, secure=secure, access_key=access_key, secret_key=secret_key,
                                region=region)
        self._bucket = bucket
        self._endpoint = endpoint
        self._chunk_deadline_s = chunk_deadline_s

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

    def put(self, key: str, data: bytes | bytearray | memoryview) -> None:
        """Sealed chunks only: the body is not hashed for the signature (see `s3put`)."""
        self._with_bucket("store a chunk", lambda: self._put.put(self._bucket, key, data))

    def get(self, key: str) -> bytearray | None:
        """Bounded by the chunk deadline (plus at most one socket read timeout); see the module docstring."""
        return read_object(lambda deadline: self._read(key, deadline),
                           lambda: self._client.bucket_exists(self._bucket),
                           what="read a chunk", deadline_s=self._chunk_deadline_s)

    def _read(self, key: str, deadline: float) -> bytearray:
        """Straight into one buffer of the announced length (no intermediate copies of a large chunk)."""
        response = self._client.get_object(self._bucket, key)
        try:
            length = int(response.headers.get("content-length", "0"))
            buffer = bytearray(length)
            view, filled = memoryview(buffer), 0
            while filled < length:
                if time.monotonic() > deadline:
                    raise ObjectStoreUnavailable(f"object store {self._endpoint} sent {filled} of {length} bytes "
                                                 f"of a chunk within {self._chunk_deadline_s:g} s; retry later")
                try:
                    n = response.readinto(view[filled:])
                except ProtocolError as exc:  # IncompleteRead: MinIO stops at a block that fails its bitrot check
                    raise BodyCut(f"{length} bytes announced, then {type(exc).__name__}") from exc
                if not n:
                    raise BodyCut(f"{length} bytes announced, {filled} sent")
                filled += n
            return buffer
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
