"""Read Fabric MSP folders (cryptogen layout): signing identities and per-organisation trust roots.

    <root>/peerOrganizations/<domain>/msp/{cacerts,intermediatecerts}/*.pem, msp/config.yaml (NodeOUs)
    <root>/peerOrganizations/<domain>/users/<Name>@<domain>/msp/{signcerts/*.pem,keystore/priv_sk}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from ledgerml.shared.errors import ConfigurationInvalid
from ledgerml.shared.identity.principal import OrgKind, Role

DEFAULT_OUS: Mapping[str, Role] = {role.value: role for role in Role}
SECTIONS: Mapping[str, OrgKind] = {"peerOrganizations": OrgKind.MEMBER, "ordererOrganizations": OrgKind.OPERATOR}
_OU_KEYS = {"ClientOUIdentifier": Role.CLIENT, "PeerOUIdentifier": Role.PEER,
            "AdminOUIdentifier": Role.ADMIN, "OrdererOUIdentifier": Role.ORDERER}


@dataclass(frozen=True)
class SigningIdentity:
    msp_id: str
    certificate: x509.Certificate
    private_key: ec.EllipticCurvePrivateKey

    @property
    def certificate_der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)


@dataclass(frozen=True)
class OrgTrust:
    msp_id: str
    roots: tuple[x509.Certificate, ...]
    intermediates: tuple[x509.Certificate, ...] = ()
    ou_roles: Mapping[str, Role] = field(default_factory=lambda: dict(DEFAULT_OUS))
    kind: OrgKind = OrgKind.UNKNOWN


@dataclass(frozen=True)
class TrustStore:
    """The channel's MSPs: which CAs speak for which organisation."""

    orgs: Mapping[str, OrgTrust]

    def all_roots_pem(self) -> bytes:
        """Every root CA, e.g. as the `ssl_ca_certs` bundle of a server that terminates mTLS."""
        return b"".join(c.public_bytes(serialization.Encoding.PEM)
                        for org in self.orgs.values() for c in org.roots)


def _pems(directory: Path) -> list[x509.Certificate]:
    if not directory.is_dir():
        return []
    return [cert for path in sorted(directory.glob("*.pem"))
            for cert in x509.load_pem_x509_certificates(path.read_bytes())]


def _ou_roles(msp_dir: Path) -> dict[str, Role]:
    config = msp_dir / "config.yaml"
    if not config.is_file():
        return dict(DEFAULT_OUS)
    node_ous = (yaml.safe_load(config.read_text()) or {}).get("NodeOUs") or {}
    if not node_ous.get("Enable", False):
        return dict(DEFAULT_OUS)
    return {str(node_ous[key]["OrganizationalUnitIdentifier"]): role
            for key, role in _OU_KEYS.items() if key in node_ous}


def load_org_trust(msp_dir: Path, msp_id: str, kind: OrgKind = OrgKind.UNKNOWN) -> OrgTrust:
    roots = _pems(msp_dir / "cacerts")
    if not roots:
        raise ConfigurationInvalid(f"no root CA certificates in {msp_dir / 'cacerts'}")
    return OrgTrust(msp_id, tuple(roots), tuple(_pems(msp_dir / "intermediatecerts")), _ou_roles(msp_dir), kind)


def default_msp_id(domain: str) -> str:
    """cryptogen convention used by the local consortium: org1.ledgerml.test -> Org1MSP."""
    return domain.split(".")[0].capitalize() + "MSP"


def load_trust_store(root: Path, msp_ids: Mapping[str, str] | None = None) -> TrustStore:
    """Every organisation under `root`, of the kind its section says; `msp_ids` maps org domain -> MSP id
    (the MSP id is channel configuration, not part of the folder), defaulting to `default_msp_id`."""
    orgs: dict[str, OrgTrust] = {}
    for section, kind in SECTIONS.items():
        for org_dir in sorted((root / section).glob("*")):
            if not (org_dir / "msp").is_dir():
                continue
            msp_id = (msp_ids or {}).get(org_dir.name) or default_msp_id(org_dir.name)
            orgs[msp_id] = load_org_trust(org_dir / "msp", msp_id, kind)
    if not orgs:
        raise ConfigurationInvalid(f"no organisations found under {root}")
    return TrustStore(orgs)


def _private_key(path: Path) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ConfigurationInvalid(f"{path} is not a P-256 EC private key")
    return key


def load_identity(msp_id: str, *, msp_dir: Path | None = None, cert_path: Path | None = None,
                  key_path: Path | None = None) -> SigningIdentity:
    """From an identity's MSP folder (signcerts + keystore/priv_sk) or from explicit PEM files."""
    if msp_dir is not None:
        cert_path = cert_path or next(iter(sorted((msp_dir / "signcerts").glob("*.pem"))), None)
        keys = sorted((msp_dir / "keystore").glob("*"))
        key_path = key_path or (keys[0] if keys else None)
    if cert_path is None or key_path is None:
        raise ConfigurationInvalid("an identity needs a certificate and a private key")
    certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
    private_key = _private_key(key_path)
    if certificate.public_key() != private_key.public_key():
        raise ConfigurationInvalid(f"{key_path} does not belong to {cert_path}")
    return SigningIdentity(msp_id, certificate, private_key)
