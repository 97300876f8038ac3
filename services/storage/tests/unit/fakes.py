"""Small hand-written fakes of the storage service's ports (no MagicMock)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime

from ledgerml.shared.ledger import ChaincodeEvent, TxReceipt
from ledgerml.storage.errors import DatasetUnknown, ObjectStoreUnavailable
from ledgerml.storage.ports import DatasetInfo, Decision, ObjectUnreadable


class MemoryBlobs:
    """An in-memory bucket; `down` makes every call fail like an unreachable S3 server, and a key in `unreadable`
    is answered like MinIO answers for an object whose copy on its disk fails the bitrot check."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.written: dict[str, datetime] = {}
        self.unreadable: set[str] = set()
        self.down = False
        self.fail_after_puts: int | None = None
        self.puts = 0

    def _reachable(self) -> None:
        if self.down:
            raise ObjectStoreUnavailable("test: object store down")

    def put(self, key: str, data: bytes | bytearray | memoryview) -> None:
        self._reachable()
        if self.fail_after_puts is not None and self.puts >= self.fail_after_puts:
            self.down = True
            self._reachable()
        self.puts += 1
        self.objects[key] = bytes(data)  # the caller reuses its buffer
        self.written[key] = datetime.now(UTC)

    def get(self, key: str) -> bytes | None:
        self._reachable()
        if key in self.unreadable:
            raise ObjectUnreadable("SlowDownRead: Resource requested is unreadable, please reduce your request rate")
        return self.objects.get(key)

    def remove(self, key: str) -> None:
        self._reachable()
        self.objects.pop(key, None)

    def keys_older_than(self, prefix: str, before: datetime) -> Iterator[str]:
        self._reachable()
        return iter([k for k, at in list(self.written.items()) if k.startswith(prefix) and at < before
                     and k in self.objects])

    def check(self) -> None:
        self._reachable()


class Directory:
    def __init__(self, datasets: Mapping[str, str], roots: Mapping[str, Mapping[str, str]] | None = None) -> None:
        self.datasets = dict(datasets)  # dataset id -> owner org
        self.roots = {k: dict(v) for k, v in (roots or {}).items()}

    def dataset(self, dataset_id: str) -> DatasetInfo:
        if dataset_id not in self.datasets:
            raise DatasetUnknown(f"no dataset {dataset_id}")
        return DatasetInfo(dataset_id, self.datasets[dataset_id], self.roots.get(dataset_id, {}))


class Decisions:
    def __init__(self, allowed: set[tuple[str, str]] | None = None, *, refusal: str = "UNKNOWN_DATASET") -> None:
        self.allowed = allowed or set()  # (organisation, dataset id)
        self.refusal = refusal  # the reason token of a refusal, as access-control gives it
        self.asked: list[tuple[str, str, str]] = []

    def decide(self, *, organisation: str, dataset_id: str, purpose: str) -> Decision:
        self.asked.append((organisation, dataset_id, purpose))
        if (organisation, dataset_id) in self.allowed and purpose == "download":
            return Decision(True, "GRANTED", "g-1", "a live ledger grant covers this purpose")
        return Decision(False, self.refusal, None, "the owner revoked the grant" if self.refusal == "REVOKED" else "")


class JobsLedger:
    """Answers `GetTrainingJob` from a dict; a unit-test fake of the ledger port, never used at runtime."""

    def __init__(self, jobs: Mapping[str, dict[str, object]]) -> None:
        self.jobs = dict(jobs)

    def evaluate(self, function: str, args: Sequence[str]) -> bytes:
        assert function == "GetTrainingJob"
        return json.dumps(self.jobs[args[0]]).encode()

    def submit(self, function: str, args: Sequence[str], *,
               idempotency_key: str | None = None) -> TxReceipt:
        raise AssertionError("storage never submits")

    def events(self, *, start_block: int) -> Iterator[ChaincodeEvent]:
        raise AssertionError("storage never follows events")
