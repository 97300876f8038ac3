"""What the registry's use cases need from the outside, as small Protocols.

A store is bound to one database transaction: everything a use case does through it (its own rows,
the ledger write it enqueues, the events it stages) commits or rolls back together.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ledgerml.registry.domain import CatalogPage, CatalogQuery, Dataset, DatasetVersion, LedgerStatus
from ledgerml.registry.lineage import ModelRecord, TrainingRequest
from ledgerml.shared.events import EventData


class CatalogStore(Protocol):
    def dataset(self, dataset_id: str) -> Dataset | None:
        """The dataset with its versions, or None."""
        ...

    def add_dataset(self, dataset: Dataset, *, ledger_write_id: str | None) -> None:
        """Raises `DatasetExists` when the id is taken."""
        ...

    def update_mirrored_dataset(self, dataset: Dataset) -> None: ...

    def search(self, query: CatalogQuery) -> CatalogPage: ...

    def version(self, dataset_id: str, version: str) -> DatasetVersion | None: ...

    def add_version(self, version: DatasetVersion, *, ledger_write_id: str | None) -> None: ...

    def set_ledger_status(self, *, dataset_id: str, version: str | None, status: LedgerStatus) -> None: ...

    def apply_write_outcome(self, write_id: str, status: LedgerStatus) -> list[tuple[str, str | None]]:
        """Apply a ledger write's outcome to the dataset or version it registers; returns
        (dataset_id, version or None) of every row it updated."""
        ...

    def record_rejection(self, *, event_id: str, event_type: str, subject: str, code: str, reason: str) -> None:
        ...


class LedgerWrites(Protocol):
    def enqueue(self, *, function: str, args: Sequence[str], subject: str) -> str:
        """Record a ledger transaction to submit; returns the write id."""
        ...


class EventSink(Protocol):
    def add(self, data: EventData, *, subject: str) -> None:
        """Stage an event in the outbox of the current transaction."""
        ...


class ModelStore(Protocol):
    def model(self, model_id: str) -> ModelRecord | None: ...

    def add_model(self, model: ModelRecord) -> bool:
        """False when a model with this id exists already (the effect is idempotent)."""
        ...

    def models(self, *, dataset_id: str | None, job_id: str | None, party: str | None,
               limit: int) -> list[ModelRecord]:
        """Models matching the filters; `party` (an MSP id) keeps only models it holds or produced."""
        ...

    def training_request(self, job_id: str) -> TrainingRequest | None: ...

    def add_training_request(self, request: TrainingRequest) -> None:
        """Idempotent by job id."""
        ...
