"""Signed transaction bytes for the CometBFT ledger (docs/decisions/0003, "Transaction bytes").

    {"body": b64(body), "signatures": [{"msp": ..., "cert": b64(DER), "sig": b64(DER ECDSA over body)}]}
    body = {"chain_id": ..., "fn": ..., "args": [...], "nonce": <32 lowercase hex>}

Signatures are deterministic (RFC 6979) and the nonce of a ledger write is derived from its idempotency
key, so resubmitting a write produces the same bytes and therefore the same tx id.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from ledgerml.shared.identity.msp import SigningIdentity

MAX_TX_BYTES = 64 * 1024
MAX_ARGS = 16
_NONCE = re.compile(r"^[0-9a-f]{32}$")
_COMPACT = (",", ":")


class EnvelopeError(ValueError):
    """The transaction cannot be built (or read): it would break a limit of the wire contract."""


def nonce_for(idempotency_key: str) -> str:
    """The nonce of a ledger write: the same key always yields the same nonce."""
    return hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]


def random_nonce() -> str:
    return secrets.token_hex(16)


def tx_id(tx: bytes) -> str:
    """CometBFT's transaction hash, lowercase hex."""
    return hashlib.sha256(tx).hexdigest()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _sign(identity: SigningIdentity, body: bytes) -> dict[str, str]:
    signature = identity.private_key.sign(body, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
    return {"msp": identity.msp_id, "cert": _b64(identity.certificate_der), "sig": _b64(signature)}


def build_tx(*, chain_id: str, fn: str, args: Sequence[str], nonce: str,
             signers: Sequence[SigningIdentity]) -> bytes:
    """The transaction bytes; `signers[0]` submits, the others co-sign (one signer per MSP)."""
    if not signers:
        raise EnvelopeError("a transaction needs at least its submitter's signature")
    msps = [s.msp_id for s in signers]
    if len(set(msps)) != len(msps):
        raise EnvelopeError(f"every signer must belong to another MSP, got {msps}")
    if not _NONCE.match(nonce):
        raise EnvelopeError("the nonce must be 32 lowercase hex characters")
    if len(args) > MAX_ARGS:
        raise EnvelopeError(f"{fn} has {len(args)} arguments; at most {MAX_ARGS} are allowed")
    body = json.dumps({"chain_id": chain_id, "fn": str(fn), "args": [str(a) for a in args], "nonce": nonce},
                      separators=_COMPACT).encode()
    tx = json.dumps({"body": _b64(body), "signatures": [_sign(s, body) for s in signers]},
                    separators=_COMPACT).encode()
    if len(tx) > MAX_TX_BYTES:
        raise EnvelopeError(f"{fn} transaction is {len(tx)} bytes; at most {MAX_TX_BYTES} are allowed")
    return tx


@dataclass(frozen=True)
class Signature:
    msp_id: str
    certificate: x509.Certificate
    signature: bytes

    def verifies(self, body: bytes) -> bool:
        key = self.certificate.public_key()
        if not isinstance(key, ec.EllipticCurvePublicKey):
            return False
        try:
            key.verify(self.signature, body, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class Envelope:
    """A decoded transaction. Reading it verifies nothing: `verifies()` checks signatures only,
    certificate chains are the application's business."""

    body: bytes
    chain_id: str
    fn: str
    args: tuple[str, ...]
    nonce: str
    signatures: tuple[Signature, ...]

    def verifies(self) -> bool:
        return bool(self.signatures) and all(s.verifies(self.body) for s in self.signatures)


def open_tx(tx: bytes) -> Envelope:
    """Decode transaction bytes (e.g. from a block) into their parts."""
    try:
        outer = json.loads(tx)
        body = base64.b64decode(outer["body"], validate=True)
        inner = json.loads(body)
        signatures = tuple(
            Signature(str(s["msp"]), x509.load_der_x509_certificate(base64.b64decode(s["cert"], validate=True)),
                      base64.b64decode(s["sig"], validate=True))
            for s in outer["signatures"])
        return Envelope(body, str(inner["chain_id"]), str(inner["fn"]), tuple(str(a) for a in inner["args"]),
                        str(inner["nonce"]), signatures)
    except (ValueError, KeyError, TypeError) as exc:
        raise EnvelopeError(f"not a LedgerML transaction: {exc}") from exc
