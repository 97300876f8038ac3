"""SDK client for the audit service: audit entries, lineage, proofs and reports, plus the offline
verifier that needs only an entry, its inclusion proof and a root (RFC 9162 via `ledgerml.shared.merkle`).

`log_org` picks whose audit log to ask (default: the caller's own organisation); auditors read the
logs of every organisation.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, BinaryIO, Literal
from urllib.parse import quote

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from ledgerml.client.connection import Connection
from ledgerml.shared.merkle import leaf_hash, verify_inclusion
from ledgerml.shared.web.client import ServiceClient

SERVICE = "audit"
UNCONFIRMED_ROOT = ("the root was taken from the service's own signed tree head and is NOT confirmed by the "
                    "ledger; pass the anchored root (`ledgerml audit anchor`) or another root you trust")


def canonical_json(value: Any) -> bytes:
    """The audit log's leaf encoding: sorted keys, no whitespace, UTF-8 (same as the service)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def _head_payload(head: Mapping[str, Any]) -> bytes:
    return canonical_json({"log_id": head["log_id"], "tree_size": head["tree_size"],
                           "root_hash": head["root_hash"], "timestamp": head["timestamp"]})


def _signature_state(head: Mapping[str, Any] | None) -> tuple[str, str | None]:
    """("valid" | "invalid" | "absent", signer subject) of a signed tree head, checked offline."""
    if not head or not head.get("signature") or not head.get("certificate"):
        return "absent", None
    try:
        certificate = x509.load_pem_x509_certificate(str(head["certificate"]).encode())
        key = certificate.public_key()
        if not isinstance(key, ec.EllipticCurvePublicKey):
            return "invalid", None
        key.verify(base64.b64decode(head["signature"]), _head_payload(head), ec.ECDSA(hashes.SHA256()))
    except (ValueError, KeyError, TypeError, InvalidSignature):
        return "invalid", None
    return "valid", certificate.subject.rfc4514_string()


@dataclass(frozen=True)
class OfflineVerification:
    proof_valid: bool
    root_hash: str
    root_source: Literal["explicit", "tree head"]
    root_confirmed: bool
    leaf_hash: str
    leaf_index: int
    tree_size: int
    head_signature: str
    head_signer: str | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def verify_offline(entry: Mapping[str, Any], proof: Mapping[str, Any], *, root_hex: str | None = None) -> \
        OfflineVerification:
    """Does `entry` sit at `proof["leaf_index"]` of the tree whose root is `root_hex` (explicit, trusted)
    or, failing that, the root of the proof's signed tree head (which only the ledger's anchor confirms)?"""
    head = proof.get("tree_head") or {}
    index, size = int(proof["leaf_index"]), int(proof["tree_size"])
    root_text = root_hex or head.get("root_hash")
    if not root_text:
        raise ValueError("no root: pass one explicitly or a proof that carries its tree head")
    digest = leaf_hash(canonical_json(entry))
    path = [bytes.fromhex(p) for p in proof["proof"]]
    valid = verify_inclusion(digest, index, size, path, bytes.fromhex(root_text))
    signature, signer = _signature_state(head)
    if not valid:
        reason = "INVALID: the proof does not lead from this entry to the root"
    elif root_hex:
        reason = "valid: the entry is included in the tree with the given root"
    else:
        reason = f"proof valid against the service's tree head, but {UNCONFIRMED_ROOT}"
    return OfflineVerification(valid, root_text, "explicit" if root_hex else "tree head", bool(root_hex),
                               digest.hex(), index, size, signature, signer, reason)


def _params(filters: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in filters.items():
        if value is None:
            continue
        out[key] = value.astimezone(UTC).isoformat() if isinstance(value, datetime) else value
    return out


class AuditClient:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def _http(self, log_org: str | None) -> ServiceClient:
        return self._conn.http(SERVICE, org=log_org)

    def _get(self, path: str, *, log_org: str | None = None, **params: Any) -> Any:
        return self._http(log_org).request("GET", path, params=_params(params)).json()

    def entries(self, *, log_org: str | None = None, cursor: str | None = None, limit: int = 100,
                **filters: Any) -> dict[str, Any]:
        """One page: filters dataset_id, version, model_id, job_id, request_id, grant_id, org, actor,
        action (exact or `prefix.*`), since, until."""
        page: dict[str, Any] = self._get("/entries", log_org=log_org, cursor=cursor, limit=limit, **filters)
        return page

    def timeline(self, *, log_org: str | None = None, page_size: int = 500, **filters: Any) -> Iterator[dict[str, Any]]:
        """Every matching entry, oldest first, following cursors."""
        cursor = None
        while True:
            page = self.entries(log_org=log_org, cursor=cursor, limit=page_size, **filters)
            yield from page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return

    def proof(self, seq: int, *, tree_size: int | None = None, log_org: str | None = None) -> dict[str, Any]:
        result: dict[str, Any] = self._get(f"/entries/{seq}/proof", log_org=log_org, tree_size=tree_size)
        return result

    def consistency(self, first: int, second: int | None = None, *, log_org: str | None = None) -> dict[str, Any]:
        result: dict[str, Any] = self._get("/consistency", log_org=log_org, first=first, second=second)
        return result

    def tree_heads(self, *, log_org: str | None = None, cursor: str | None = None, limit: int = 100) -> dict[str, Any]:
        result: dict[str, Any] = self._get("/tree-heads", log_org=log_org, cursor=cursor, limit=limit)
        return result

    def lineage(self, model_id: str, *, log_org: str | None = None) -> dict[str, Any]:
        result: dict[str, Any] = self._get(f"/lineage/models/{quote(model_id, safe='')}", log_org=log_org)
        return result

    def access_history(self, dataset_id: str, *, log_org: str | None = None, cursor: str | None = None,
                       limit: int = 100) -> dict[str, Any]:
        result: dict[str, Any] = self._get(f"/datasets/{quote(dataset_id, safe='')}/access-history", log_org=log_org,
                                           cursor=cursor, limit=limit)
        return result

    def verify(self, entry: Mapping[str, Any], proof: Mapping[str, Any], *, root_hex: str | None = None,
               log_org: str | None = None) -> dict[str, Any]:
        """Server-side check of an entry + proof + root (read-only: auditors may call it)."""
        body = {"entry": dict(entry), "leaf_index": proof["leaf_index"], "tree_size": proof["tree_size"],
                "proof": list(proof["proof"]), "root_hash": root_hex or proof["tree_head"]["root_hash"]}
        result: dict[str, Any] = self._http(log_org).request("POST", "/verify", json=body).json()
        return result

    def verify_log(self, *, log_org: str | None = None) -> dict[str, Any]:
        result: dict[str, Any] = self._get("/log/verify", log_org=log_org)
        return result

    def gaps(self, *, log_org: str | None = None, source: str | None = None) -> dict[str, Any]:
        result: dict[str, Any] = self._get("/gaps", log_org=log_org, source=source)
        return result

    def sweep(self, dataset_id: str, *, owner_org: str, log_org: str | None = None) -> dict[str, Any]:
        path = f"/sweeps/{quote(dataset_id, safe='')}"
        result: dict[str, Any] = self._get(path, log_org=log_org, owner_org=owner_org)
        return result

    def export(self, out: BinaryIO, *, fmt: Literal["jsonl", "csv"] = "jsonl", log_org: str | None = None,
               **filters: Any) -> int:
        """Stream a query's entries into `out`; returns the bytes written."""
        written = 0
        with self._http(log_org).stream("GET", "/export", params=_params({"format": fmt, **filters})) as response:
            for chunk in response.iter_bytes():
                out.write(chunk)
                written += len(chunk)
        return written

    def report(self, kind: Literal["dataset", "model"], subject_id: str, *, log_org: str | None = None) -> str:
        """The human-readable HTML report (lineage graph embedded as a PNG)."""
        return self._http(log_org).request("GET", f"/reports/{kind}s/{quote(subject_id, safe='')}.html").text
