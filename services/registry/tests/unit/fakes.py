"""Small hand-written fakes of the registry's ports (no MagicMock), and principals to call with."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime

from ledgerml.registry.domain import CatalogPage, CatalogQuery, Dataset, DatasetVersion, LedgerStatus, encode_cursor
from ledgerml.registry.errors import DatasetExists
from ledgerml.registry.lineage import ModelRecord, TrainingRequest
from ledgerml.shared.events import EventData
from ledgerml.shared.identity import Principal, Role
from ledgerml.shared.ledger import ChaincodeEvent, TxReceipt

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
ORG1_USER = Principal("Org1MSP", Role.CLIENT, "CN=User1@org1.ledgerml.test")
ORG1_ADMIN = Principal("Org1MSP", Role.ADMIN, "CN=Admin@org1.ledgerml.test")
ORG1_PEER = Principal("Org1MSP", Role.PEER, "CN=peer0.org1.ledgerml.test")
ORG2_USER = Principal("Org2MSP", Role.CLIENT, "CN=User1@org2.ledgerml.test")
AUDITOR = Principal("Org3MSP", Role.CLIENT, "CN=User1@org3.ledgerml.test")
AUDITORS = ("Org3MSP",)


class FakeCatalog:
    def __init__(self) -> None:
        self.datasets: dict[str, Dataset] = {}
        self.versions: dict[tuple[str, str], DatasetVersion] = {}
        self.write_of: dict[str, tuple[str, str | None]] = {}
        self.rejections: list[dict[str, str]] = []

    def dataset(self, dataset_id: str) -> Dataset | None:
        found = self.datasets.get(dataset_id)
        if found is None:
            return None
        own = tuple(v for (d, _), v in sorted(self.versions.items()) if d == dataset_id)
        return dataclasses.replace(found, versions=own)

    def add_dataset(self, dataset: Dataset, *, ledger_write_id: str | None) -> None:
        if dataset.dataset_id in self.datasets:
            raise DatasetExists(dataset.dataset_id)
        self.datasets[dataset.dataset_id] = dataset
        if ledger_write_id:
            self.write_of[ledger_write_id] = (dataset.dataset_id, None)

    def update_mirrored_dataset(self, dataset: Dataset) -> None:
        self.datasets[dataset.dataset_id] = dataset

    def search(self, query: CatalogQuery) -> CatalogPage:
        hits = [d for _, d in sorted(self.datasets.items())
                if (query.after is None or d.dataset_id > query.after)
                and (query.owner is None or d.owner_org == query.owner)
                and (query.tag is None or query.tag in d.spec.tags)
                and (query.column is None or query.column in dict(d.spec.schema))
                and (query.text is None or query.text.lower() in (d.spec.name + d.spec.description).lower())]
        page = tuple(hits[: query.limit])
        return CatalogPage(page, encode_cursor(page[-1].dataset_id) if len(hits) > query.limit else None)

    def version(self, dataset_id: str, version: str) -> DatasetVersion | None:
        return self.versions.get((dataset_id, version))

    def add_version(self, version: DatasetVersion, *, ledger_write_id: str | None) -> None:
        self.versions[(version.dataset_id, version.version)] = version
        if ledger_write_id:
            self.write_of[ledger_write_id] = (version.dataset_id, version.version)

    def set_ledger_status(self, *, dataset_id: str, version: str | None, status: LedgerStatus) -> None:
        if version is None:
            self.datasets[dataset_id] = dataclasses.replace(self.datasets[dataset_id], ledger=status)
        else:
            key = (dataset_id, version)
            self.versions[key] = dataclasses.replace(self.versions[key], ledger=status)

    def apply_write_outcome(self, write_id: str, status: LedgerStatus) -> list[tuple[str, str | None]]:
        if write_id not in self.write_of:
            return []
        dataset_id, version = self.write_of[write_id]
        self.set_ledger_status(dataset_id=dataset_id, version=version, status=status)
        return [(dataset_id, version)]

    def record_rejection(self, *, event_id: str, event_type: str, subject: str, code: str, reason: str) -> None:
        self.rejections.append({"event_id": event_id, "subject": subject, "code": code, "reason": reason})


class FakeWrites:
    def __init__(self) -> None:
        self.enqueued: list[tuple[str, list[str], str]] = []

    def enqueue(self, *, function: str, args: Sequence[str], subject: str) -> str:
        self.enqueued.append((function, list(args), subject))
        return f"w{len(self.enqueued)}"


class FakeEvents:
    def __init__(self) -> None:
        self.staged: list[tuple[EventData, str]] = []

    def add(self, data: EventData, *, subject: str) -> None:
        self.staged.append((data, subject))


class FakeModels:
    def __init__(self) -> None:
        self.records: dict[str, ModelRecord] = {}
        self.requests: dict[str, TrainingRequest] = {}

    def model(self, model_id: str) -> ModelRecord | None:
        return self.records.get(model_id)

    def add_model(self, model: ModelRecord) -> bool:
        return self.records.setdefault(model.model_id, model) is model

    def models(self, *, dataset_id: str | None, job_id: str | None, party: str | None,
               limit: int) -> list[ModelRecord]:
        return [m for m in self.records.values()
                if (job_id is None or m.job_id == job_id)
                and (dataset_id is None or any(i.dataset_id == dataset_id for i in m.inputs))
                and (party is None or party in (m.holder_org, m.producer_org))][:limit]

    def training_request(self, job_id: str) -> TrainingRequest | None:
        return self.requests.get(job_id)

    def add_training_request(self, request: TrainingRequest) -> None:
        self.requests.setdefault(request.job_id, request)


class AnsweringLedger:
    """Answers `evaluate` with fixed bytes per function; records calls. Never submits."""

    def __init__(self, answers: Mapping[str, bytes]) -> None:
        self.answers = dict(answers)
        self.calls: list[tuple[str, list[str]]] = []

    def submit(self, function: str, args: Sequence[str], *,
               idempotency_key: str | None = None) -> TxReceipt:
        raise AssertionError("verification never submits")

    def evaluate(self, function: str, args: Sequence[str]) -> bytes:
        self.calls.append((function, list(args)))
        return self.answers[function]

    def events(self, *, start_block: int) -> Iterator[ChaincodeEvent]:
        raise AssertionError("not used")
