"""Tree-head signatures: ECDSA P-256 / SHA-256 (ES256) with the audit service's MSP identity, and
their verification against the certificate stored beside each head."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from ledgerml.audit.domain import SignedTreeHead
from ledgerml.shared.errors import LedgerMLError
from ledgerml.shared.identity import CertificateVerifier, TrustStore
from ledgerml.shared.identity.msp import SigningIdentity


class TreeHeadSigner(Protocol):
    @property
    def certificate_pem(self) -> str: ...

    def sign(self, payload: bytes) -> bytes: ...


class IdentitySigner:
    def __init__(self, identity: SigningIdentity) -> None:
        self._identity = identity
        self._pem = identity.certificate.public_bytes(serialization.Encoding.PEM).decode()

    @property
    def certificate_pem(self) -> str:
        return self._pem

    def sign(self, payload: bytes) -> bytes:
        return self._identity.private_key.sign(payload, ec.ECDSA(hashes.SHA256()))


def signature_verifies(signed: SignedTreeHead) -> bool:
    """Does the head's signature verify with the P-256 key of its own certificate?"""
    try:
        certificate = x509.load_pem_x509_certificate(signed.certificate_pem.encode())
    except ValueError:
        return False
    key = certificate.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        return False
    try:
        key.verify(signed.signature, signed.head.signing_payload(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def trusted_signer(trust: TrustStore, *, msp_id: str, signer_name: str) -> Callable[[SignedTreeHead], str | None]:
    """A head must be signed by this organisation's audit identity, valid when the head was issued."""
    verifier = CertificateVerifier(trust)

    def check(signed: SignedTreeHead) -> str | None:
        try:
            certificate = x509.load_pem_x509_certificate(signed.certificate_pem.encode())
            principal = verifier.verify(certificate, at=signed.head.timestamp)
        except ValueError:
            return "the signing certificate is unreadable"
        except LedgerMLError as exc:
            return f"the signing certificate is not trusted ({exc.code}: {exc.detail})"
        if principal.org != msp_id or principal.subject.split("@")[0] != signer_name:
            return f"signed by {principal}, not by the {signer_name} identity of {msp_id}"
        return None

    return check
