"""Where the training data comes from: the owner's storage service or a local file.

`storage:<dataset_id>@<version>` reads the owner organisation's verified internal job stream
(`GET /internal/jobs/{job}/datasets/{id}/versions/{v}/content`) with the bearer token the orchestrator put
in the job's runtime environment; the token is never printed. `file:<path>` reads a local CSV (tests and
the plain-Python benchmark).
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
import numpy as np

STORAGE_URL_ENV = "LEDGERML_JOB_STORAGE_URL"
STORAGE_TOKEN_ENV = "LEDGERML_JOB_STORAGE_TOKEN"  # noqa: S105 - the variable's name, not a secret


class DataSourceError(RuntimeError):
    """The data could not be read; the message never contains credentials."""


@dataclass(frozen=True)
class Source:
    kind: str  # "storage" | "file"
    ref: str

    @classmethod
    def parse(cls, text: str) -> Source:
        kind, sep, ref = text.partition(":")
        if not sep or kind not in ("storage", "file") or not ref:
            raise DataSourceError(f"data source must be storage:<dataset>@<version> or file:<path>, not {text!r}")
        if kind == "storage" and "@" not in ref:
            raise DataSourceError(f"storage source needs <dataset>@<version>, not {ref!r}")
        return cls(kind, ref)


def read_source(source: Source, *, job_id: str, transport: httpx.BaseTransport | None = None) -> bytes:
    if source.kind == "file":
        try:
            return Path(source.ref).read_bytes()
        except OSError as exc:
            raise DataSourceError(f"cannot read {source.ref}: {exc.strerror}") from None
    base = os.environ.get(STORAGE_URL_ENV)
    token = os.environ.get(STORAGE_TOKEN_ENV)
    if not base or not token:
        raise DataSourceError(f"storage source needs {STORAGE_URL_ENV} and {STORAGE_TOKEN_ENV} in the job env")
    dataset, _, version = source.ref.partition("@")
    path = (f"/internal/jobs/{quote(job_id, safe='')}/datasets/{quote(dataset, safe='')}"
            f"/versions/{quote(version, safe='')}/content")
    with httpx.Client(base_url=base, timeout=60.0, transport=transport) as client:
        try:
            response = client.get(path, headers={"authorization": f"Bearer {token}"})
        except httpx.TransportError as exc:
            raise DataSourceError(f"storage unreachable: {type(exc).__name__}") from None
    if response.is_error:
        try:
            body = response.json()
        except ValueError:
            body = {}
        code = body.get("code", "?") if isinstance(body, dict) else "?"
        raise DataSourceError(f"storage refused {dataset}@{version}: HTTP {response.status_code} {code}")
    return response.content


@dataclass(frozen=True)
class Table:
    features: np.ndarray  # float32 [rows, columns]
    labels: np.ndarray  # int64 [rows]
    columns: tuple[str, ...]


def parse_tables(blobs: Sequence[bytes], *, target: str) -> Table:
    """CSV with a header; every column but `target` is a numeric feature; files must share one header."""
    columns: tuple[str, ...] | None = None
    rows: list[list[float]] = []
    labels: list[int] = []
    for blob in blobs:
        reader = csv.reader(io.StringIO(blob.decode("utf-8")))
        header = tuple(next(reader, ()))
        if target not in header:
            raise DataSourceError(f"target column {target!r} not in the CSV header")
        if columns is not None and header != columns:
            raise DataSourceError("all datasets of one job must share the same CSV header")
        columns = header
        at = header.index(target)
        for line, row in enumerate(reader, start=2):
            if len(row) != len(header):
                raise DataSourceError(f"CSV line {line} has {len(row)} fields, the header {len(header)}")
            try:
                labels.append(int(float(row[at])))
                rows.append([float(v) for i, v in enumerate(row) if i != at])
            except ValueError:
                raise DataSourceError(f"CSV line {line} holds a non-numeric value") from None
    if columns is None or not rows:
        raise DataSourceError("no rows to train on")
    features = tuple(c for c in columns if c != target)
    return Table(np.asarray(rows, dtype=np.float32), np.asarray(labels, dtype=np.int64), features)
