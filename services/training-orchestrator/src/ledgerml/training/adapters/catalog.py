"""Loads the `ray_jobs/` catalog from disk: every folder holding an `algorithm.json` is an algorithm."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ledgerml.training.algorithms import Algorithm, Catalog, check_schema, code_hash, is_cache_path
from ledgerml.training.errors import CatalogInvalid

MANIFEST = "algorithm.json"


def folder_files(folder: Path) -> list[tuple[str, bytes]]:
    """Every file under `folder` (caches excluded) as (POSIX relative path, contents)."""
    files = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_file() and not is_cache_path(relative):
            files.append((relative, path.read_bytes()))
    return files


def load_algorithm(folder: Path) -> Algorithm:
    try:
        manifest: dict[str, Any] = json.loads((folder / MANIFEST).read_text())
        schema = json.loads((folder / manifest["schema"]).read_text())
        requirements = tuple(line.strip() for line in (folder / manifest["requirements"]).read_text().splitlines()
                             if line.strip() and not line.startswith("#"))
        name, module = str(manifest["name"]), str(manifest["module"])
    except (OSError, ValueError, KeyError) as exc:
        raise CatalogInvalid(f"{folder.name}: unreadable algorithm folder ({type(exc).__name__})") from None
    if name != folder.name or module != folder.name:
        raise CatalogInvalid(f"{folder.name}: name and module must equal the folder name")
    unpinned = [r for r in requirements if "==" not in r]
    if unpinned:
        raise CatalogInvalid(f"{name}: requirements must be pinned with ==, not {unpinned}")
    check_schema(name, schema)
    return Algorithm(name=name, version=str(manifest.get("version", "0")),
                     description=str(manifest.get("description", "")), module=module, schema=schema,
                     requirements=requirements, code_hash=code_hash(folder_files(folder)))


def load_catalog(root: Path) -> Catalog:
    if not root.is_dir():
        raise CatalogInvalid(f"no algorithm catalog at {root}: set LEDGERML_TRAINING_CATALOG_DIR")
    return Catalog(load_algorithm(d) for d in sorted(root.iterdir()) if (d / MANIFEST).is_file())
