"""Dataset validation, chaincode arguments and cursors: pure domain rules."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ledgerml.registry import domain
from ledgerml.registry.errors import (
    InvalidCursor,
    InvalidDatasetId,
    InvalidDatasetSchema,
    InvalidDatasetText,
    InvalidPrice,
    InvalidTags,
)
from ledgerml.shared.errors import InvalidRequest

from .fakes import T0

VALID: dict[str, Any] = {"dataset_id": "cxr-2026", "name": "Chest X-rays", "description": "frontal views",
                         "schema": {"label": "categorical", "image": "image"}, "terms": "research only",
                         "tags": ["medical", "imaging"], "price_per_job": 40}


def spec(**changes: Any) -> domain.DatasetSpec:
    return domain.dataset_spec(**{**VALID, **changes})


def test_a_valid_registration_is_normalised() -> None:
    s = spec(name="  Chest X-rays  ")
    assert s.name == "Chest X-rays"
    assert s.schema == (("image", "image"), ("label", "categorical"))
    assert s.tags == ("imaging", "medical")


def test_an_absent_id_is_generated_as_a_valid_slug() -> None:
    first, second = spec(dataset_id=None), spec(dataset_id=None)
    assert first.dataset_id != second.dataset_id
    assert domain.is_ledger_id(first.dataset_id) and first.dataset_id.startswith("ds-")


@pytest.mark.parametrize("bad", ["ab", "Upper", "has_underscore", "-leading", "a" * 65, "sp ace", "a/b"])
def test_dataset_ids_must_be_slugs(bad: str) -> None:
    with pytest.raises(InvalidDatasetId, match="lower-case"):
        spec(dataset_id=bad)


@pytest.mark.parametrize("price", [-1, domain.MAX_PRICE + 1, 1.5, True])
def test_price_must_be_a_non_negative_whole_number(price: Any) -> None:
    with pytest.raises(InvalidPrice):
        spec(price_per_job=price)


def test_free_datasets_are_allowed() -> None:
    assert spec(price_per_job=0).price_per_job == 0


TOO_WIDE = {f"c{i}": "string" for i in range(257)}


@pytest.mark.parametrize("schema", [{}, {"1col": "string"}, {"a": "varchar"}, [], TOO_WIDE])
def test_schema_must_map_column_names_to_known_types(schema: Any) -> None:
    with pytest.raises(InvalidDatasetSchema):
        spec(schema=schema)


@pytest.mark.parametrize("tags", [["UPPER"], ["a b"], ["x", "x"], [f"t{i}" for i in range(17)], ["a" * 33]])
def test_tags_are_bounded_slugs_without_repeats(tags: list[str]) -> None:
    with pytest.raises(InvalidTags):
        spec(tags=tags)


@pytest.mark.parametrize("changes", [{"name": "   "}, {"terms": ""}, {"name": "n" * 201},
                                     {"description": "d" * 4001}])
def test_text_fields_are_required_and_bounded(changes: dict[str, str]) -> None:
    with pytest.raises(InvalidDatasetText):
        spec(**changes)


def test_register_args_are_the_chaincode_register_input() -> None:
    (arg,) = spec().register_args()
    payload = json.loads(arg)
    assert set(payload) == {"id", "metadata", "terms", "price_per_job"}
    assert payload["id"] == "cxr-2026" and payload["price_per_job"] == 40
    assert json.loads(payload["metadata"]) == {"name": "Chest X-rays", "description": "frontal views",
                                               "schema": {"image": "image", "label": "categorical"},
                                               "tags": ["imaging", "medical"]}


def test_version_args_carry_root_size_chunks_and_schema_hash() -> None:
    s = spec()
    version = domain.DatasetVersion("cxr-2026", "v1", "ab" * 32, 1024, 2, 512, stored_at=T0)
    (arg,) = domain.version_register_args(version, schema=s.schema)
    payload = json.loads(arg)
    assert payload == {"dataset_id": "cxr-2026", "version": "v1", "merkle_root": "ab" * 32, "size_bytes": 1024,
                       "chunk_count": 2, "schema_hash": domain.schema_hash(s.schema)}
    assert domain.schema_hash(s.schema) == domain.schema_hash(tuple(reversed(s.schema)))  # order-free


def test_cursors_round_trip_and_forgeries_are_refused() -> None:
    assert domain.decode_cursor(domain.encode_cursor("cxr-2026")) == "cxr-2026"
    for forged in ["not base64!", "e30", domain.encode_cursor("bad\x00id")]:
        with pytest.raises(InvalidCursor):
            domain.decode_cursor(forged)


def test_catalog_query_normalises_filters_and_bounds_the_page() -> None:
    query = domain.catalog_query(text="  x-ray ", tag="", owner=None, column="label", limit=5, cursor=None)
    assert (query.text, query.tag, query.column, query.limit) == ("x-ray", None, "label", 5)
    with pytest.raises(InvalidRequest):
        domain.catalog_query(text=None, tag=None, owner=None, column=None, limit=0, cursor=None)
