"""Request and response bodies of the registry's HTTP API (docs: contracts.md, "Registry").

The request model states the domain's limits so the OpenAPI document shows them; `domain` still
validates, so a caller that bypasses this model gets the same answers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ledgerml.registry import domain
from ledgerml.registry.domain import Dataset, DatasetVersion, LedgerStatus

ColumnName = Annotated[str, StringConstraints(pattern=domain.COLUMN_PATTERN)]
ColumnType = Literal["string", "text", "integer", "float", "boolean", "date", "datetime", "categorical", "binary",
                     "image", "json"]
Tag = Annotated[str, StringConstraints(pattern=domain.TAG_PATTERN)]


class DatasetCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    dataset_id: str | None = Field(default=None, pattern=domain.DATASET_ID_PATTERN,
                                   description="slug; generated when absent")
    name: str = Field(min_length=1, max_length=domain.MAX_NAME, pattern=r"\S")
    description: str = Field(default="", max_length=domain.MAX_DESCRIPTION)
    schema_: dict[ColumnName, ColumnType] = Field(alias="schema", min_length=1, max_length=domain.MAX_COLUMNS,
                                                  description="column name -> type",
                                                  json_schema_extra={"additionalProperties": False})
    terms: str = Field(min_length=1, max_length=domain.MAX_TERMS, pattern=r"\S", description="licence / terms")
    tags: list[Tag] = Field(default_factory=list, max_length=domain.MAX_TAGS,
                            json_schema_extra={"uniqueItems": True})
    price_per_job: int = Field(default=0, ge=0, le=domain.MAX_PRICE, description="credits per training job")


class LedgerStatusView(BaseModel):
    state: Literal["pending", "committed", "rejected"]
    tx_id: str | None
    block_number: int | None
    error_code: str | None
    error_detail: str | None

    @classmethod
    def of(cls, status: LedgerStatus) -> LedgerStatusView:
        return cls(state=status.state, tx_id=status.tx_id, block_number=status.block_number,
                   error_code=status.error_code, error_detail=status.error_detail)


class VersionView(BaseModel):
    version: str
    merkle_root: str
    size_bytes: int
    chunk_count: int
    chunk_size: int | None
    stored_at: datetime
    ledger: LedgerStatusView

    @classmethod
    def of(cls, v: DatasetVersion) -> VersionView:
        return cls(version=v.version, merkle_root=v.merkle_root, size_bytes=v.size_bytes, chunk_count=v.chunk_count,
                   chunk_size=v.chunk_size, stored_at=v.stored_at, ledger=LedgerStatusView.of(v.ledger))


class DatasetSummary(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    dataset_id: str
    owner_org: str
    name: str
    description: str
    schema_: dict[str, str] = Field(alias="schema")
    terms: str
    tags: list[str]
    price_per_job: int
    created_at: datetime
    ledger: LedgerStatusView

    @classmethod
    def fields_of(cls, d: Dataset) -> dict[str, object]:
        s = d.spec
        return {"dataset_id": s.dataset_id, "owner_org": d.owner_org, "name": s.name, "description": s.description,
                "schema": dict(s.schema), "terms": s.terms, "tags": list(s.tags), "price_per_job": s.price_per_job,
                "created_at": d.created_at, "ledger": LedgerStatusView.of(d.ledger)}

    @classmethod
    def of(cls, d: Dataset) -> DatasetSummary:
        return cls.model_validate(cls.fields_of(d))


class DatasetView(DatasetSummary):
    versions: list[VersionView]

    @classmethod
    def of(cls, d: Dataset) -> DatasetView:
        return cls.model_validate({**cls.fields_of(d), "versions": [VersionView.of(v) for v in d.versions]})


class DatasetPage(BaseModel):
    items: list[DatasetSummary]
    next_cursor: str | None


def problems(*statuses: int) -> dict[int | str, dict[str, object]]:
    """`responses=` for a route: every error status it may answer (the shared OpenAPI step gives each the
    one problem+json schema)."""
    return {s: {"description": "problem details"} for s in sorted({401, 403, 422, *statuses})}
