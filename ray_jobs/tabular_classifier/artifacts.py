"""Byte-exact artifacts: canonical JSON, deterministic weight files and the training transcript.

A checkpoint hash is the SHA-256 of `serialise_weights(state, meta)`: tensors in sorted name order as
little-endian float32 behind a canonical JSON header, so equal weights always give equal bytes (unlike a
pickle). The transcript is a list of records; its root is the RFC 9162 Merkle root over the canonical
JSON of each record (`ledgerml.shared.merkle`), so any record can be proven against the ledger's root.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ledgerml.shared.merkle import root_of_entries

WEIGHTS_MAGIC = b"LMLW1\n"
PROGRESS_PREFIX = "LMLPROGRESS "
RESULT_PREFIX = "LMLRESULT "
ERROR_PREFIX = "LMLERROR "  # one line a data owner may publish as the job's failure reason: no data values
TRANSCRIPT_FILE = "transcript.json"
WEIGHTS_FILE = "weights.bin"


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def serialise_weights(tensors: Mapping[str, np.ndarray], meta: Mapping[str, Any]) -> bytes:
    names = sorted(tensors)
    arrays = [np.ascontiguousarray(tensors[n], dtype="<f4") for n in names]
    header = canonical_json({"meta": dict(meta), "tensors": [{"name": n, "dtype": "float32", "shape": list(a.shape)}
                                                              for n, a in zip(names, arrays, strict=True)]})
    return b"".join([WEIGHTS_MAGIC, struct.pack("<Q", len(header)), header, *(a.tobytes() for a in arrays)])


def deserialise_weights(blob: bytes) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    if not blob.startswith(WEIGHTS_MAGIC):
        raise ValueError("not a LedgerML weights file")
    offset = len(WEIGHTS_MAGIC)
    (size,) = struct.unpack_from("<Q", blob, offset)
    offset += 8
    header = json.loads(blob[offset:offset + size])
    offset += size
    tensors: dict[str, np.ndarray] = {}
    for spec in header["tensors"]:
        count = int(np.prod(spec["shape"])) if spec["shape"] else 1
        tensors[spec["name"]] = np.frombuffer(blob, dtype="<f4", count=count, offset=offset).reshape(spec["shape"])
        offset += count * 4
    if offset != len(blob):
        raise ValueError("weights file has trailing bytes")
    return tensors, header["meta"]


def transcript_root(records: Sequence[Mapping[str, Any]]) -> str:
    return root_of_entries(canonical_json(r) for r in records).hex()


def transcript_document(records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    return {"format": "ledgerml.transcript.v1", "records": list(records), "merkle_root": transcript_root(records)}


def write_atomic(path: Path, data: bytes) -> None:
    """Readers never see half a file: write beside it, fsync, rename."""
    partial = path.with_name(path.name + ".partial")
    with partial.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    partial.replace(path)


def progress_line(record: Mapping[str, Any]) -> str:
    return PROGRESS_PREFIX + canonical_json(record).decode()
