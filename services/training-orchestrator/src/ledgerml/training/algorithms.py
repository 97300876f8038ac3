"""The algorithm catalog, purely: code hashes and hyperparameter validation against a JSON Schema.

Code hash of an algorithm folder: SHA-256 over, for every file in sorted relative-path order (POSIX
separators, caches excluded), `path NUL size NUL contents`. Any change to any file changes it, and
nothing about the machine (mtime, absolute path, cache files) does.

Hyperparameters are checked against the algorithm's JSON Schema, of which this module implements the
subset the catalog uses (object with `properties`, `additionalProperties: false`, `required`; per
property `type` integer/number/boolean/string, `minimum`, `maximum`, `exclusiveMinimum`,
`exclusiveMaximum`, `enum`, `minLength`, `maxLength`, `default`). A schema using anything else is
refused when the catalog loads, so no constraint is ever silently ignored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ledgerml.training.domain import canonical_json, sha256_hex
from ledgerml.training.errors import (
    AlgorithmCodeHashMismatch,
    CatalogInvalid,
    InvalidHyperparameters,
    UnknownAlgorithm,
)

CACHE_PARTS = frozenset({"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".ipynb_checkpoints"})
CACHE_SUFFIXES = (".pyc", ".pyo", ".partial")
SCHEMA_KEYS = frozenset({"$schema", "title", "description", "type", "properties", "additionalProperties",
                         "required"})
PROPERTY_KEYS = frozenset({"type", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum",
                           "minLength", "maxLength", "default", "description", "title"})
TYPES: dict[str, tuple[type, ...]] = {"integer": (int,), "number": (int, float), "boolean": (bool,),
                                      "string": (str,)}


def is_cache_path(relative: str) -> bool:
    parts = relative.split("/")
    return any(p in CACHE_PARTS or p == ".DS_Store" for p in parts) or relative.endswith(CACHE_SUFFIXES)


def code_hash(files: Iterable[tuple[str, bytes]]) -> str:
    digest = hashlib.sha256()
    for path, data in sorted((p, d) for p, d in files if not is_cache_path(p)):
        digest.update(path.encode() + b"\0" + str(len(data)).encode() + b"\0")
        digest.update(data)
    return digest.hexdigest()


@dataclass(frozen=True)
class Algorithm:
    name: str
    version: str
    description: str
    module: str
    schema: Mapping[str, Any]
    requirements: tuple[str, ...]
    code_hash: str


def check_schema(name: str, schema: Mapping[str, Any]) -> None:
    unknown = set(schema) - SCHEMA_KEYS
    if schema.get("type") != "object" or unknown or schema.get("additionalProperties") is not False:
        raise CatalogInvalid(f"{name}: parameter schema must be an object schema with additionalProperties "
                             f"false and only {sorted(SCHEMA_KEYS)} (unsupported: {sorted(unknown)})")
    for prop, spec in dict(schema.get("properties", {})).items():
        extra = set(spec) - PROPERTY_KEYS
        if extra or spec.get("type") not in TYPES:
            raise CatalogInvalid(f"{name}: property {prop!r} uses unsupported keywords {sorted(extra)} or type")
        if "default" in spec and _problems(prop, spec, spec["default"]):
            raise CatalogInvalid(f"{name}: the default of {prop!r} violates its own schema")


def _problems(prop: str, spec: Mapping[str, Any], value: Any) -> list[str]:
    kind = spec["type"]
    if (isinstance(value, bool) and kind != "boolean") or not isinstance(value, TYPES[kind]):
        return [f"{prop}: must be of type {kind}"]
    out: list[str] = []
    v: Any = value
    for key, symbol in (("minimum", ">="), ("maximum", "<="), ("exclusiveMinimum", ">"), ("exclusiveMaximum", "<")):
        if key in spec and not _holds(v, symbol, spec[key]):
            out.append(f"{prop}: must be {symbol} {spec[key]}")
    if "enum" in spec and value not in spec["enum"]:
        out.append(f"{prop}: must be one of {spec['enum']}")
    if "minLength" in spec and len(v) < spec["minLength"]:
        out.append(f"{prop}: must be at least {spec['minLength']} characters")
    if "maxLength" in spec and len(v) > spec["maxLength"]:
        out.append(f"{prop}: must be at most {spec['maxLength']} characters")
    return out


def _holds(value: Any, symbol: str, bound: Any) -> bool:
    checks = {">=": value >= bound, "<=": value <= bound, ">": value > bound, "<": value < bound}
    return bool(checks[symbol])


def resolve_hyperparameters(algorithm: Algorithm, given: Mapping[str, Any]) -> dict[str, Any]:
    """Validated hyperparameters with the schema's defaults filled in (what is hashed and run)."""
    properties: Mapping[str, Any] = algorithm.schema.get("properties", {})
    problems = [f"{key}: unknown parameter (allowed: {', '.join(sorted(properties))})"
                for key in sorted(set(given) - set(properties))]
    problems += [f"{key}: required" for key in algorithm.schema.get("required", ()) if key not in given]
    resolved: dict[str, Any] = {}
    for key, spec in properties.items():
        if key in given:
            problems += _problems(key, spec, given[key])
            resolved[key] = given[key]
        elif "default" in spec:
            resolved[key] = spec["default"]
    if problems:
        raise InvalidHyperparameters(f"{algorithm.name}: " + "; ".join(problems))
    return resolved


def hyperparameters_hash(resolved: Mapping[str, Any]) -> str:
    digest: str = sha256_hex(canonical_json(dict(resolved)))
    return digest


class Catalog:
    """The algorithms this organisation runs and accepts, by name."""

    def __init__(self, algorithms: Iterable[Algorithm]) -> None:
        self._by_name = {a.name: a for a in algorithms}

    def get(self, name: str) -> Algorithm:
        try:
            return self._by_name[name]
        except KeyError:
            known = ", ".join(sorted(self._by_name)) or "none"
            raise UnknownAlgorithm(f"no algorithm {name!r} in the catalog (known: {known})") from None

    def all(self) -> list[Algorithm]:
        return [self._by_name[n] for n in sorted(self._by_name)]

    def check(self, name: str, code_hash: str | None) -> Algorithm:
        """The named algorithm, refusing a code hash that is not this catalog's hash of its files."""
        algorithm = self.get(name)
        if code_hash is not None and code_hash != algorithm.code_hash:
            raise AlgorithmCodeHashMismatch(f"{name}: code hash {code_hash} is not the catalog's "
                                            f"{algorithm.code_hash}; fetch GET /algorithms and retry")
        return algorithm
