"""Pure domain model of the registry: datasets, their versions and their ledger status.

Imports no FastAPI, Kafka, SQLAlchemy, MinIO, Ray or gRPC. Validation here is authoritative (the
API's request model repeats the limits only so that the OpenAPI document states them).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from ledgerml.registry.errors import (
    InvalidCursor,
    InvalidDatasetId,
    InvalidDatasetSchema,
    InvalidDatasetText,
    InvalidPrice,
    InvalidTags,
)
from ledgerml.shared.errors import InvalidRequest

DATASET_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{2,63}$"
CATALOG_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"  # the chaincode's id rule (mirrored entries)
TAG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,31}$"
COLUMN_PATTERN = r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$"
COLUMN_TYPES = ("string", "text", "integer", "float", "boolean", "date", "datetime", "categorical", "binary",
                "image", "json")
MAX_TAGS, MAX_COLUMNS = 16, 256
MAX_NAME, MAX_DESCRIPTION, MAX_TERMS = 200, 4000, 4000
MAX_PRICE = 10**12
MAX_PAGE = 100

LedgerState = Literal["pending", "committed", "rejected"]
Origin = Literal["local", "ledger"]


@dataclass(frozen=True)
class LedgerStatus:
    """Where the ledger transaction behind a record stands; never claims a commit that did not happen."""

    state: LedgerState = "pending"
    tx_id: str | None = None
    block_number: int | None = None
    error_code: str | None = None
    error_detail: str | None = None


@dataclass(frozen=True)
class DatasetSpec:
    """What a data owner registers: validated by `dataset_spec`."""

    dataset_id: str
    name: str
    description: str
    schema: tuple[tuple[str, str], ...]
    terms: str
    tags: tuple[str, ...]
    price_per_job: int

    def public_metadata(self) -> str:
        """The `metadata` string of `RegisterDataset`: canonical JSON every organisation can read."""
        return canonical_json({"name": self.name, "description": self.description,
                               "schema": dict(self.schema), "tags": list(self.tags)})

    def register_args(self) -> list[str]:
        """Arguments of the chaincode's `RegisterDataset` (one JSON `RegisterInput`)."""
        return [canonical_json({"id": self.dataset_id, "metadata": self.public_metadata(), "terms": self.terms,
                                "price_per_job": self.price_per_job})]


@dataclass(frozen=True)
class DatasetVersion:
    dataset_id: str
    version: str
    merkle_root: str
    size_bytes: int
    chunk_count: int
    chunk_size: int | None
    stored_at: datetime
    origin: Origin = "local"
    ledger: LedgerStatus = LedgerStatus()


@dataclass(frozen=True)
class Dataset:
    spec: DatasetSpec
    owner_org: str
    created_at: datetime
    origin: Origin
    ledger: LedgerStatus = LedgerStatus()
    versions: tuple[DatasetVersion, ...] = field(default=())

    @property
    def dataset_id(self) -> str:
        return self.spec.dataset_id


@dataclass(frozen=True)
class CatalogQuery:
    """A catalog search: every given filter must hold; pages are keyset-ordered by dataset id."""

    text: str | None = None
    tag: str | None = None
    owner: str | None = None
    column: str | None = None
    limit: int = 20
    after: str | None = None


@dataclass(frozen=True)
class CatalogPage:
    items: tuple[Dataset, ...]
    next_cursor: str | None


def canonical_json(value: object) -> str:
    """Sorted keys, no whitespace: the one serialisation every hash in the registry is taken over."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def schema_hash(schema: Sequence[tuple[str, str]]) -> str:
    """`schema_hash` of `RegisterDatasetVersion`: SHA-256 of the canonical column → type JSON."""
    return sha256_hex(canonical_json(dict(schema)))


def version_register_args(version: DatasetVersion, *, schema: Sequence[tuple[str, str]]) -> list[str]:
    """Arguments of the chaincode's `RegisterDatasetVersion` (one JSON `VersionInput`)."""
    return [canonical_json({"dataset_id": version.dataset_id, "version": version.version,
                            "merkle_root": version.merkle_root, "size_bytes": version.size_bytes,
                            "chunk_count": version.chunk_count, "schema_hash": schema_hash(schema)})]


def is_ledger_id(value: str) -> bool:
    """Usable as a chaincode key attribute (and safe in any database string column)."""
    return re.fullmatch(CATALOG_ID_PATTERN, value) is not None


def new_dataset_id() -> str:
    return f"ds-{uuid.uuid4().hex[:16]}"


def _text(label: str, value: str, *, limit: int, required: bool) -> str:
    cleaned = value.strip()
    if required and not cleaned:
        raise InvalidDatasetText(f"{label} must not be empty")
    if len(cleaned) > limit:
        raise InvalidDatasetText(f"{label} is {len(cleaned)} characters; at most {limit} are allowed")
    return cleaned


def validate_schema(schema: Mapping[str, object]) -> tuple[tuple[str, str], ...]:
    if not isinstance(schema, Mapping) or not schema:
        raise InvalidDatasetSchema("schema must be a non-empty object mapping column names to types")
    if len(schema) > MAX_COLUMNS:
        raise InvalidDatasetSchema(f"schema has {len(schema)} columns; at most {MAX_COLUMNS} are allowed")
    columns: list[tuple[str, str]] = []
    for name, kind in schema.items():
        if not isinstance(name, str) or not re.fullmatch(COLUMN_PATTERN, name):
            raise InvalidDatasetSchema(f"column name {name!r} must match {COLUMN_PATTERN}")
        if kind not in COLUMN_TYPES:
            raise InvalidDatasetSchema(f"column {name!r} has type {kind!r}; use one of {', '.join(COLUMN_TYPES)}")
        columns.append((name, str(kind)))
    return tuple(sorted(columns))


def validate_tags(tags: Sequence[str]) -> tuple[str, ...]:
    if len(tags) > MAX_TAGS:
        raise InvalidTags(f"{len(tags)} tags given; at most {MAX_TAGS} are allowed")
    for tag in tags:
        if not isinstance(tag, str) or not re.fullmatch(TAG_PATTERN, tag):
            raise InvalidTags(f"tag {tag!r} must match {TAG_PATTERN} (lower-case letters, digits, dashes)")
    if len(set(tags)) != len(tags):
        raise InvalidTags("tags must not repeat")
    return tuple(sorted(tags))


def dataset_spec(*, dataset_id: str | None, name: str, description: str, schema: Mapping[str, object],
                 terms: str, tags: Sequence[str], price_per_job: int) -> DatasetSpec:
    """Validate a registration; raises the coded 4xx error that says what to fix."""
    chosen = new_dataset_id() if dataset_id is None else dataset_id
    if not re.fullmatch(DATASET_ID_PATTERN, chosen):
        raise InvalidDatasetId(f"dataset_id {chosen!r} must be 3-64 lower-case letters, digits or dashes, "
                               "starting with a letter or digit")
    if isinstance(price_per_job, bool) or not isinstance(price_per_job, int) or not 0 <= price_per_job <= MAX_PRICE:
        raise InvalidPrice(f"price_per_job must be a whole number of credits from 0 to {MAX_PRICE}")
    return DatasetSpec(
        dataset_id=chosen,
        name=_text("name", name, limit=MAX_NAME, required=True),
        description=_text("description", description, limit=MAX_DESCRIPTION, required=False),
        schema=validate_schema(schema),
        terms=_text("terms", terms, limit=MAX_TERMS, required=True),
        tags=validate_tags(tags),
        price_per_job=price_per_job,
    )


def encode_cursor(last_dataset_id: str) -> str:
    return base64.urlsafe_b64encode(canonical_json({"after": last_dataset_id}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        after = json.loads(raw)["after"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise InvalidCursor("cursor is not one this registry issued; pass `next_cursor` back unchanged") from None
    if not isinstance(after, str) or not re.fullmatch(CATALOG_ID_PATTERN, after):
        raise InvalidCursor("cursor is not one this registry issued; pass `next_cursor` back unchanged")
    return after


def catalog_query(*, text: str | None, tag: str | None, owner: str | None, column: str | None, limit: int,
                  cursor: str | None) -> CatalogQuery:
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidRequest(f"limit must be between 1 and {MAX_PAGE}")
    return CatalogQuery(text=(text or "").strip() or None, tag=tag or None, owner=owner or None,
                        column=column or None, limit=limit, after=decode_cursor(cursor) if cursor else None)
