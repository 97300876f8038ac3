"""The catalog: deterministic code hashes over an algorithm's files, and hyperparameters checked against
its JSON Schema (the subset the catalog supports, refusing schemas that use more)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ledgerml.training.adapters.catalog import folder_files, load_algorithm, load_catalog
from ledgerml.training.algorithms import Catalog, code_hash, resolve_hyperparameters
from ledgerml.training.errors import (
    AlgorithmCodeHashMismatch,
    CatalogInvalid,
    InvalidHyperparameters,
    UnknownAlgorithm,
)
from ledgerml.training.schemas import algorithm_view

from .conftest import REPO


@pytest.fixture
def algorithm_dir(tmp_path: Path) -> Path:
    target = tmp_path / "tabular_classifier"
    shutil.copytree(REPO / "ray_jobs" / "tabular_classifier", target,
                    ignore=shutil.ignore_patterns("__pycache__"))
    return target


def test_code_hash_is_stable_and_covers_every_file_but_caches(algorithm_dir: Path, catalog: Catalog) -> None:
    original = load_algorithm(algorithm_dir).code_hash
    assert original == catalog.get("tabular_classifier").code_hash  # another path, same files, same hash
    (algorithm_dir / "__pycache__").mkdir(exist_ok=True)
    (algorithm_dir / "__pycache__" / "train.cpython-311.pyc").write_bytes(b"\x00cache")
    assert load_algorithm(algorithm_dir).code_hash == original
    train = algorithm_dir / "train.py"
    train.write_text(train.read_text() + "\n# one more line\n")
    assert load_algorithm(algorithm_dir).code_hash != original


def test_code_hash_does_not_depend_on_listing_order() -> None:
    files = [("b.py", b"2"), ("a.py", b"1"), ("sub/c.py", b"3")]
    assert code_hash(files) == code_hash(list(reversed(files)))
    assert code_hash(files) != code_hash([("a.py", b"12"), ("b.py", b""), ("sub/c.py", b"3")])  # no ambiguity


def test_catalog_lists_pinned_algorithms_with_their_schema(catalog: Catalog) -> None:
    (algorithm,) = catalog.all()
    view = algorithm_view(algorithm)
    assert view["name"] == "tabular_classifier" and len(view["code_hash"]) == 64
    assert all("==" in r for r in view["requirements"]) and "torch==2.15.0" in view["requirements"]
    assert view["parameters"]["properties"]["epochs"]["default"] == 20
    assert {p for p, _ in folder_files(REPO / "ray_jobs" / "tabular_classifier")} >= {
        "__main__.py", "schema.json", "requirements.txt", "algorithm.json"}


def test_unknown_names_and_foreign_code_hashes_are_refused(catalog: Catalog) -> None:
    with pytest.raises(UnknownAlgorithm, match="known: tabular_classifier"):
        catalog.check("xgboost", None)
    with pytest.raises(AlgorithmCodeHashMismatch):
        catalog.check("tabular_classifier", "0" * 64)
    assert catalog.check("tabular_classifier", catalog.get("tabular_classifier").code_hash).name == \
        "tabular_classifier"


@pytest.mark.parametrize(("given", "message"), [
    ({"epochs": 0}, "epochs: must be >= 1"),
    ({"epochs": 2.5}, "epochs: must be of type integer"),
    ({"epochs": True}, "epochs: must be of type integer"),
    ({"learning_rate": 0}, "learning_rate: must be > 0"),
    ({"target_column": ""}, "target_column: must be at least 1 characters"),
    ({"dropout": 0.1}, "dropout: unknown parameter"),
])
def test_hyperparameters_are_checked_against_the_schema(catalog: Catalog, given: dict[str, object],
                                                        message: str) -> None:
    with pytest.raises(InvalidHyperparameters, match=message):
        resolve_hyperparameters(catalog.get("tabular_classifier"), given)


def test_defaults_fill_what_is_not_given(catalog: Catalog) -> None:
    resolved = resolve_hyperparameters(catalog.get("tabular_classifier"), {"epochs": 3, "learning_rate": 1})
    assert resolved["epochs"] == 3 and resolved["learning_rate"] == 1 and resolved["seed"] == 0


def test_a_schema_with_unsupported_keywords_is_refused(algorithm_dir: Path) -> None:
    schema = json.loads((algorithm_dir / "schema.json").read_text())
    schema["properties"]["epochs"]["multipleOf"] = 2
    (algorithm_dir / "schema.json").write_text(json.dumps(schema))
    with pytest.raises(CatalogInvalid, match="epochs"):
        load_algorithm(algorithm_dir)


def test_unpinned_requirements_and_missing_catalogs_are_refused(algorithm_dir: Path, tmp_path: Path) -> None:
    (algorithm_dir / "requirements.txt").write_text("torch>=2\n")
    with pytest.raises(CatalogInvalid, match="pinned"):
        load_algorithm(algorithm_dir)
    with pytest.raises(CatalogInvalid, match="no algorithm catalog"):
        load_catalog(tmp_path / "absent")
