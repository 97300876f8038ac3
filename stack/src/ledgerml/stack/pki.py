"""Consortium PKI for the local stack, in Fabric's MSP folder layout (cryptogen-compatible).

`cryptogen` ships with Fabric, which cannot be installed here, so the local consortium's CAs and
identities are issued with `cryptography` instead. The layout and NodeOU conventions match what a
Fabric peer reads, so the same folders serve a real network once one can be run.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SERVICE_IDENTITIES = ("registry", "access-control", "storage", "training", "audit")
VALIDITY = dt.timedelta(days=3650)

NODE_OU_CONFIG = """NodeOUs:
  Enable: true
  ClientOUIdentifier:
    Certificate: cacerts/{ca}
    OrganizationalUnitIdentifier: client
  PeerOUIdentifier:
    Certificate: cacerts/{ca}
    OrganizationalUnitIdentifier: peer
  AdminOUIdentifier:
    Certificate: cacerts/{ca}
    OrganizationalUnitIdentifier: admin
  OrdererOUIdentifier:
    Certificate: cacerts/{ca}
    OrganizationalUnitIdentifier: orderer
"""


@dataclass(frozen=True)
class OrgSpec:
    msp_id: str
    domain: str
    kind: str  # "peer" or "orderer"


DEFAULT_ORGS = (
    OrgSpec("OrdererMSP", "orderer.ledgerml.test", "orderer"),
    OrgSpec("Org1MSP", "org1.ledgerml.test", "peer"),
    OrgSpec("Org2MSP", "org2.ledgerml.test", "peer"),
    OrgSpec("Org3MSP", "org3.ledgerml.test", "peer"),
)


@dataclass(frozen=True)
class IdentityFiles:
    name: str
    role: str
    cert_path: Path
    key_path: Path
    msp_dir: Path


@dataclass
class OrgMaterial:
    msp_id: str
    domain: str
    org_dir: Path
    ca_cert_pem: bytes
    identities: dict[str, IdentityFiles] = field(default_factory=dict)

    @property
    def msp_dir(self) -> Path:
        return self.org_dir / "msp"

    def identity(self, name: str) -> IdentityFiles:
        try:
            return self.identities[name]
        except KeyError:
            known = ", ".join(sorted(self.identities))
            raise KeyError(f"{self.msp_id} has no identity {name!r}; known: {known}") from None


@dataclass
class Consortium:
    root: Path
    orgs: dict[str, OrgMaterial]


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _name(common_name: str, org: str, unit: str | None = None) -> x509.Name:
    attrs = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
    ]
    if unit:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attrs)


def _ca(common_name: str, org: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = _key()
    now = dt.datetime.now(dt.UTC)
    name = _name(common_name, org)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=True,
                data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _leaf(
    ca_key: ec.EllipticCurvePrivateKey,
    ca_cert: x509.Certificate,
    common_name: str,
    org: str,
    unit: str | None,
    sans: Iterable[str] = (),
    tls: bool = False,
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = _key()
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name, org, unit))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=tls,
                data_encipherment=False, key_agreement=tls, key_cert_sign=False, crl_sign=False,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
    )
    if tls:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
            critical=False,
        )
    alt_names: list[x509.GeneralName] = [x509.DNSName(s) for s in sans if not s[0].isdigit()]
    alt_names += [x509.IPAddress(ipaddress.ip_address(s)) for s in sans if s[0].isdigit()]
    if alt_names:
        builder = builder.add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
    return key, builder.sign(ca_key, hashes.SHA256())


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    path.chmod(0o600)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _msp(msp_dir: Path, ca_file: str, ca_pem: bytes, tlsca_file: str, tlsca_pem: bytes) -> None:
    _write(msp_dir / "cacerts" / ca_file, ca_pem)
    _write(msp_dir / "tlscacerts" / tlsca_file, tlsca_pem)
    _write(msp_dir / "config.yaml", NODE_OU_CONFIG.format(ca=ca_file).encode())


def _issue_org(root: Path, spec: OrgSpec) -> OrgMaterial:
    section = "ordererOrganizations" if spec.kind == "orderer" else "peerOrganizations"
    org_dir = root / section / spec.domain
    ca_key, ca_cert = _ca(f"ca.{spec.domain}", spec.domain)
    tls_key, tls_cert = _ca(f"tlsca.{spec.domain}", spec.domain)
    ca_file, tlsca_file = f"ca.{spec.domain}-cert.pem", f"tlsca.{spec.domain}-cert.pem"
    _write(org_dir / "ca" / ca_file, _pem(ca_cert))
    _write_key(org_dir / "ca" / "priv_sk", ca_key)
    _write(org_dir / "tlsca" / tlsca_file, _pem(tls_cert))
    _write_key(org_dir / "tlsca" / "priv_sk", tls_key)
    _msp(org_dir / "msp", ca_file, _pem(ca_cert), tlsca_file, _pem(tls_cert))
    material = OrgMaterial(spec.msp_id, spec.domain, org_dir, _pem(ca_cert))

    node = "orderer" if spec.kind == "orderer" else "peer0"
    nodes_dir = "orderers" if spec.kind == "orderer" else "peers"
    node_name = f"{node}.{spec.domain}"
    people: list[tuple[str, str, Path]] = [
        (node_name, spec.kind, org_dir / nodes_dir / node_name),
        ("Admin", "admin", org_dir / "users" / f"Admin@{spec.domain}"),
    ]
    if spec.kind == "peer":
        people.append(("User1", "client", org_dir / "users" / f"User1@{spec.domain}"))
        people += [(s, "client", org_dir / "users" / f"{s}@{spec.domain}") for s in SERVICE_IDENTITIES]
    for name, role, base in people:
        common_name = name if "." in name else f"{name}@{spec.domain}"
        key, cert = _leaf(ca_key, ca_cert, common_name, spec.domain, role)
        msp_dir = base / "msp"
        _msp(msp_dir, ca_file, _pem(ca_cert), tlsca_file, _pem(tls_cert))
        cert_path = msp_dir / "signcerts" / f"{common_name}-cert.pem"
        _write(cert_path, _pem(cert))
        _write_key(msp_dir / "keystore" / "priv_sk", key)
        tkey, tcert = _leaf(
            tls_key, tls_cert, common_name, spec.domain, None,
            sans=(common_name, "localhost", "127.0.0.1") if "." in name else (), tls=True,
        )
        _write(base / "tls" / "ca.crt", _pem(tls_cert))
        _write(base / "tls" / ("server.crt" if "." in name else "client.crt"), _pem(tcert))
        _write_key(base / "tls" / ("server.key" if "." in name else "client.key"), tkey)
        material.identities[name] = IdentityFiles(name, role, cert_path, msp_dir / "keystore" / "priv_sk",
                                                  msp_dir)
    return material


def create_consortium(root: Path, orgs: Iterable[OrgSpec] = DEFAULT_ORGS) -> Consortium:
    """Issue every org's CA, TLS CA and identities under `root` (idempotent: reuses existing material)."""
    root = Path(root)
    specs = list(orgs)
    if (root / ".complete").exists():
        return load_consortium(root, specs)
    orgs_out = {spec.msp_id: _issue_org(root, spec) for spec in specs}
    (root / ".complete").write_text("\n".join(s.msp_id for s in specs))
    return Consortium(root, orgs_out)


def load_consortium(root: Path, orgs: Iterable[OrgSpec] = DEFAULT_ORGS) -> Consortium:
    """Read material issued earlier by `create_consortium`."""
    out: dict[str, OrgMaterial] = {}
    for spec in orgs:
        section = "ordererOrganizations" if spec.kind == "orderer" else "peerOrganizations"
        org_dir = root / section / spec.domain
        ca_pem = (org_dir / "msp" / "cacerts" / f"ca.{spec.domain}-cert.pem").read_bytes()
        material = OrgMaterial(spec.msp_id, spec.domain, org_dir, ca_pem)
        for base in sorted((org_dir / "users").glob("*@*")) + sorted(
            p for d in ("peers", "orderers") for p in (org_dir / d).glob("*")
        ):
            msp_dir = base / "msp"
            cert_path = next((msp_dir / "signcerts").glob("*.pem"))
            cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
            ou = cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)
            name = base.name.split("@")[0] if "@" in base.name else base.name
            role = str(ou[0].value) if ou else "member"
            material.identities[name] = IdentityFiles(name, role, cert_path, msp_dir / "keystore" / "priv_sk",
                                                      msp_dir)
        out[spec.msp_id] = material
    return Consortium(root, out)
