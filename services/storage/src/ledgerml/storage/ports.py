"""What the storage use cases need from the outside world, as small protocols (adapters/ implements
them against the service's database, MinIO/S3, a key file, the registry and access-control over HTTP)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Protocol

from ledgerml.shared.events import EventData
from ledgerml.shared.peers import DatasetInfo, Decision
from ledgerml.storage.domain import ChunkRef, Manifest

__all__ = ["AccessDecisions", "BlobStore", "DatasetDirectory", "DatasetInfo", "Decision", "KeyWrapper",
           "ObjectUnreadable", "StorageRecords"]


class ObjectUnreadable(Exception):
    """The store answers, but not with this object's bytes: its copy is corrupt or lost on the store's own disks
    (MinIO's bitrot check fails). Retrying does not help; the read paths report the chunk as an integrity
    violation. The message says what the store answered."""


class BlobStore(Protocol):
    """Plain S3 objects in this organisation's bucket. Unreachable, refusing or too slow store →
    `ObjectStoreUnavailable` (retry later); one object it cannot give back → `ObjectUnreadable`."""

    def put(self, key: str, data: bytes | bytearray | memoryview) -> None:
        """`data` is only read during the call (the caller reuses its buffer afterwards)."""
        ...

    def get(self, key: str) -> bytes | bytearray | None:
        """The object's bytes, or None when no such object exists; within a bounded time per object."""
        ...

    def remove(self, key: str) -> None:
        """Idempotent: removing a missing object is not an error."""
        ...

    def keys_older_than(self, prefix: str, before: datetime) -> Iterator[str]: ...

    def check(self) -> None:
        """Readiness: the store answers and the bucket exists (created if missing)."""
        ...


class KeyWrapper(Protocol):
    """The organisation key behind a KMS port: data keys leave it only wrapped."""

    @property
    def key_id(self) -> str: ...

    def wrap(self, data_key: bytes, *, context: str) -> bytes: ...

    def unwrap(self, wrapped: bytes, *, context: str) -> bytes:
        """Raises `DataKeyUnavailable` when `wrapped` was not made by this key for `context`."""
        ...


class DatasetDirectory(Protocol):
    """This organisation's registry: who owns a dataset, and the roots it recorded for its versions."""

    def dataset(self, dataset_id: str) -> DatasetInfo:
        """Raises `DatasetUnknown` when the registry has no such dataset."""
        ...


class AccessDecisions(Protocol):
    """The owner organisation's access-control decision point."""

    def decide(self, *, organisation: str, dataset_id: str, purpose: str) -> Decision: ...


class StorageRecords(Protocol):
    """The service's own records: data keys (wrapped), uploads and their chunks, manifests, the outbox.
    Each call is one database transaction of its own."""

    def wrapped_key(self, dataset_id: str) -> bytes | None: ...

    def add_wrapped_key(self, *, dataset_id: str, wrapped: bytes, key_id: str, now: datetime) -> bool:
        """False when the dataset has a key already (a concurrent first upload created it)."""
        ...

    def manifest(self, dataset_id: str, version: str) -> Manifest | None: ...

    def reserve_upload(self, *, dataset_id: str, version: str, uploader: str, now: datetime,
                       stale_before: datetime) -> str:
        """Start an upload (its id); raises `VersionExists` or `UploadInProgress`. An idle upload older than
        `stale_before` is abandoned."""
        ...

    def record_chunk(self, upload_id: str, chunk: ChunkRef, *, now: datetime) -> None: ...

    def commit_version(self, manifest: Manifest, *, upload_id: str, uploader: str, event: EventData) -> None:
        """The version and its event become visible together, or not at all."""
        ...

    def add_event(self, data: EventData, *, subject: str) -> None:
        """Stage an event in the outbox (published by the relay)."""
        ...

    def abort_upload(self, upload_id: str) -> list[str]:
        """Mark the upload aborted (invisible); returns its objects' keys."""
        ...

    def forget_upload(self, upload_id: str) -> None: ...

    def abandoned_uploads(self, *, stale_before: datetime) -> list[str]: ...

    def referenced(self, object_keys: Sequence[str]) -> set[str]:
        """Those of `object_keys` that a chunk record names."""
        ...
