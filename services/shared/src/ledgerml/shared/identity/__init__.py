"""Consortium X.509 identities: MSP folder loading, certificate verification, ES256 bearer tokens."""

from ledgerml.shared.identity.certificates import CertificateVerifier
from ledgerml.shared.identity.msp import SigningIdentity, TrustStore, load_identity, load_trust_store
from ledgerml.shared.identity.principal import OrgKind, Principal, Role
from ledgerml.shared.identity.tokens import TokenVerifier, issue_token

__all__ = [
    "CertificateVerifier",
    "OrgKind",
    "Principal",
    "Role",
    "SigningIdentity",
    "TokenVerifier",
    "TrustStore",
    "issue_token",
    "load_identity",
    "load_trust_store",
]
