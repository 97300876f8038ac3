"""Throwaway CAs and identities for unit tests, shaped like cryptogen's (NodeOUs in the OU)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ledgerml.shared.identity import OrgKind, SigningIdentity, TrustStore
from ledgerml.shared.identity.msp import OrgTrust

NOW = dt.datetime.now(dt.UTC)


@dataclass
class TestCA:
    msp_id: str
    domain: str
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate

    def issue(self, name: str, role: str | None = "client", *, not_before: dt.datetime | None = None,
              not_after: dt.datetime | None = None, ca: bool = False,
              digital_signature: bool = True) -> SigningIdentity:
        key = ec.generate_private_key(ec.SECP256R1())
        attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, self.domain)]
        if role:
            attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, role))
        attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, f"{name}@{self.domain}"))
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name(attrs))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before or NOW - dt.timedelta(minutes=5))
            .not_valid_after(not_after or NOW + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(_usage(digital_signature=digital_signature, cert_sign=ca), critical=True)
            .sign(self.key, hashes.SHA256())
        )
        return SigningIdentity(self.msp_id, cert, key)

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


def _usage(*, digital_signature: bool, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=cert_sign, crl_sign=cert_sign,
        encipher_only=False, decipher_only=False,
    )


def make_ca(msp_id: str, domain: str) -> TestCA:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, domain),
                      x509.NameAttribute(NameOID.COMMON_NAME, f"ca.{domain}")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=1)).not_valid_after(NOW + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_usage(digital_signature=True, cert_sign=True), critical=True)
        .sign(key, hashes.SHA256())
    )
    return TestCA(msp_id, domain, key, cert)


def trust_store(*cas: TestCA, kinds: dict[str, OrgKind] | None = None) -> TrustStore:
    """Member organisations unless `kinds` (MSP id -> kind) says otherwise."""
    return TrustStore({ca.msp_id: OrgTrust(ca.msp_id, (ca.cert,), kind=(kinds or {}).get(ca.msp_id, OrgKind.MEMBER))
                       for ca in cas})


NODE_OUS = """NodeOUs:
  Enable: true
  ClientOUIdentifier: {{Certificate: cacerts/ca.pem, OrganizationalUnitIdentifier: client}}
  PeerOUIdentifier: {{Certificate: cacerts/ca.pem, OrganizationalUnitIdentifier: peer}}
  AdminOUIdentifier: {{Certificate: cacerts/ca.pem, OrganizationalUnitIdentifier: {admin}}}
  OrdererOUIdentifier: {{Certificate: cacerts/ca.pem, OrganizationalUnitIdentifier: orderer}}
"""


def write_msp_layout(root: Path, ca: TestCA, users: dict[str, SigningIdentity], *,
                     admin_ou: str = "admin", section: str = "peerOrganizations") -> Path:
    """cryptogen layout: <root>/<section>/<domain>/{msp,users/<Name>@<domain>/msp}."""
    org_dir = root / section / ca.domain
    for msp in [org_dir / "msp", *(org_dir / "users" / f"{n}@{ca.domain}" / "msp" for n in users)]:
        (msp / "cacerts").mkdir(parents=True, exist_ok=True)
        (msp / "cacerts" / "ca.pem").write_bytes(ca.pem)
        (msp / "config.yaml").write_text(NODE_OUS.format(admin=admin_ou))
    for name, ident in users.items():
        msp = org_dir / "users" / f"{name}@{ca.domain}" / "msp"
        (msp / "signcerts").mkdir(exist_ok=True)
        (msp / "keystore").mkdir(exist_ok=True)
        (msp / "signcerts" / f"{name}@{ca.domain}-cert.pem").write_bytes(
            ident.certificate.public_bytes(serialization.Encoding.PEM))
        (msp / "keystore" / "priv_sk").write_bytes(ident.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return org_dir
