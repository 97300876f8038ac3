"""Verify a caller certificate against the channel's MSP CAs and derive its principal.

Checks: chain up to an organisation's root (signatures, names, CA flags), validity period of every
certificate, key usage (leaf signs, CAs sign certificates) and exactly one NodeOU role.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TypeVar

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.x509.oid import NameOID

from ledgerml.shared.errors import (
    CertificateRejected,
    CredentialExpired,
    UnknownCertificateAuthority,
)
from ledgerml.shared.identity.msp import OrgTrust, TrustStore
from ledgerml.shared.identity.principal import Principal, Role

MAX_CHAIN_DEPTH = 4
_E = TypeVar("_E", bound=x509.ExtensionType)


def _extension(cert: x509.Certificate, kind: type[_E]) -> _E | None:
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def _check_validity(cert: x509.Certificate, at: datetime, what: str) -> None:
    if not cert.not_valid_before_utc <= at <= cert.not_valid_after_utc:
        raise CredentialExpired(f"{what} certificate is outside its validity period")


def _is_ca(cert: x509.Certificate) -> bool:
    constraints = _extension(cert, x509.BasicConstraints)
    usage = _extension(cert, x509.KeyUsage)
    return bool(constraints and constraints.ca and (usage is None or usage.key_cert_sign))


def _issued_by(child: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        child.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


class CertificateVerifier:
    def __init__(self, trust: TrustStore) -> None:
        self._trust = trust

    def verify(self, leaf: x509.Certificate, chain: Sequence[x509.Certificate] = (),
               *, at: datetime | None = None) -> Principal:
        now = at or datetime.now(UTC)
        self._check_leaf(leaf, now)
        for org in self._trust.orgs.values():
            if self._anchored(leaf, [*chain, *org.intermediates], org, now):
                return Principal(org=org.msp_id, role=self._role(leaf, org), subject=self._subject(leaf),
                                 kind=org.kind)
        raise UnknownCertificateAuthority("certificate does not chain to any consortium MSP root CA")

    @staticmethod
    def _check_leaf(leaf: x509.Certificate, now: datetime) -> None:
        _check_validity(leaf, now, "caller")
        constraints = _extension(leaf, x509.BasicConstraints)
        if constraints is not None and constraints.ca:
            raise CertificateRejected("a CA certificate cannot act as a caller identity")
        usage = _extension(leaf, x509.KeyUsage)
        if usage is None or not usage.digital_signature:
            raise CertificateRejected("certificate key usage does not allow digital signatures")

    @staticmethod
    def _anchored(leaf: x509.Certificate, intermediates: list[x509.Certificate], org: OrgTrust,
                  now: datetime) -> bool:
        current = leaf
        for _ in range(MAX_CHAIN_DEPTH):
            for root in org.roots:
                if _issued_by(current, root) and _is_ca(root):
                    _check_validity(root, now, "root CA")
                    return True
            parent = next((c for c in intermediates if c.subject == current.issuer
                           and _is_ca(c) and _issued_by(current, c)), None)
            if parent is None:
                return False
            _check_validity(parent, now, "intermediate CA")
            current = parent
        return False

    @staticmethod
    def _role(leaf: x509.Certificate, org: OrgTrust) -> Role:
        units = [str(a.value) for a in leaf.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)]
        roles = {org.ou_roles[u] for u in units if u in org.ou_roles}
        if len(roles) != 1:
            raise CertificateRejected("certificate carries no single NodeOU role (admin/client/peer/orderer)")
        return roles.pop()

    @staticmethod
    def _subject(leaf: x509.Certificate) -> str:
        names = leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        if not names:
            raise CertificateRejected("certificate has no common name")
        return str(names[0].value)
