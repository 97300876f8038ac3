"""What the ingest benchmark reports beside its throughputs: where the storage service's time went (the
per-stage profile it logs for every transfer, `ledgerml.storage.profile`), this machine's SHA-256 and
AES-256-GCM throughput measured in the same run, and the ratio that those passes alone would allow.

The bound: the raw transfer's time plus our extra per-byte work done serially on one core (upload: one
SHA-256 and one AES-GCM encryption pass; download: one AES-GCM decryption, the layout-2 check being the
tag), i.e. t_raw / (t_raw + t_crypto); and the same with that work fully overlapped on a spare core,
t_raw / max(t_raw, t_crypto); and the serial one with the HTTP hop alone added, t_raw / (t_raw + t_hop +
t_crypto). Two shared cores that also run MinIO sit between serial and overlapped.
"""

from __future__ import annotations

import hashlib
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ledgerml.storage.profile import PROFILE_MESSAGE

MB = 1_000_000
BLOCK = 8 * 1024 * 1024


def _rate(action: Any, total: int) -> float:
    started = time.perf_counter()
    for _ in range(total // BLOCK):
        action()
    return total / MB / (time.perf_counter() - started)


def crypto_rates(total: int = 256 * 1024 * 1024) -> dict[str, float]:
    """MB/s of one thread hashing, encrypting and decrypting 8 MiB chunks (what the service does per chunk)."""
    data = os.urandom(BLOCK)
    aead, nonce = AESGCM(AESGCM.generate_key(bit_length=256)), os.urandom(12)
    sealed = aead.encrypt(nonce, data, b"aad")
    return {"sha256_mb_s": round(_rate(lambda: hashlib.sha256(data).digest(), total), 1),
            "aes_gcm_encrypt_mb_s": round(_rate(lambda: aead.encrypt(nonce, data, b"aad"), total), 1),
            "aes_gcm_decrypt_mb_s": round(_rate(lambda: aead.decrypt(nonce, sealed, b"aad"), total), 1)}


class ProfileLog:
    """Reads the profile lines the storage process appends to its log, transfer by transfer."""

    def __init__(self, path: Path) -> None:
        self._path, self._offset = path, 0

    def new(self) -> list[dict[str, Any]]:
        with self._path.open("rb") as log:
            log.seek(self._offset)
            text = log.read()
            self._offset += len(text)
        found = []
        for line in text.decode(errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            message = entry.get("message", "") if isinstance(entry, dict) else ""
            if message.startswith(PROFILE_MESSAGE):
                found.append(json.loads(message[len(PROFILE_MESSAGE):]))
        return found


def median_profile(profiles: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Median seconds per stage (summed over the service's worker threads) and median wall time."""
    if not profiles:
        return None
    stages = sorted({stage for p in profiles for stage in p["seconds"]})
    return {"wall_s": round(statistics.median(p["wall_s"] for p in profiles), 3),
            "seconds": {s: round(statistics.median(p["seconds"].get(s, 0.0) for p in profiles), 3) for s in stages}}


def bounds(size: int, *, raw_mb_s: float, crypto_mb_s: list[float], hop_mb_s: float) -> dict[str, float]:
    """`serial`/`overlapped`: hash and cipher only; `with_hop_serial`: also the HTTP hop alone (same uvicorn
    stack, null app) taken serially, which is what a service between client and store costs when the
    cores have nothing spare to overlap it with."""
    t_raw, t_hop = size / MB / raw_mb_s, size / MB / hop_mb_s
    t_crypto = sum(size / MB / rate for rate in crypto_mb_s)
    return {"serial": round(t_raw / (t_raw + t_crypto), 3), "overlapped": round(min(1.0, t_raw / t_crypto), 3),
            "with_hop_serial": round(t_raw / (t_raw + t_hop + t_crypto), 3), "crypto_s": round(t_crypto, 3),
            "hop_s": round(t_hop, 3), "raw_s": round(t_raw, 3)}
