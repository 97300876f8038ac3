from __future__ import annotations

from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ledgerml.stack.pki import create_consortium, load_consortium


def test_consortium_has_fabric_msp_layout_and_verifiable_identities(tmp_path: Path) -> None:
    consortium = create_consortium(tmp_path)
    assert set(consortium.orgs) == {"OrdererMSP", "Org1MSP", "Org2MSP", "Org3MSP"}
    org1 = consortium.orgs["Org1MSP"]
    assert (org1.msp_dir / "config.yaml").read_text().startswith("NodeOUs:")
    ca = x509.load_pem_x509_certificate(org1.ca_cert_pem)
    for name, role in (("Admin", "admin"), ("User1", "client"), ("storage", "client")):
        ident = org1.identity(name)
        cert = x509.load_pem_x509_certificate(ident.cert_path.read_bytes())
        cert.verify_directly_issued_by(ca)
        assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)[0].value == role
        key = serialization.load_pem_private_key(ident.key_path.read_bytes(), password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        signature = key.sign(b"msg", ec.ECDSA(hashes.SHA256()))
        cert.public_key().verify(signature, b"msg", ec.ECDSA(hashes.SHA256()))  # type: ignore[call-arg,arg-type]
        assert oct(ident.key_path.stat().st_mode)[-3:] == "600"


def test_orgs_do_not_trust_each_other(tmp_path: Path) -> None:
    consortium = create_consortium(tmp_path)
    org2_ca = x509.load_pem_x509_certificate(consortium.orgs["Org2MSP"].ca_cert_pem)
    org1_user = x509.load_pem_x509_certificate(consortium.orgs["Org1MSP"].identity("User1").cert_path.read_bytes())
    try:
        org1_user.verify_directly_issued_by(org2_ca)
    except (ValueError, Exception) as exc:  # InvalidSignature or issuer mismatch
        assert exc is not None
    else:
        raise AssertionError("Org1's user verified against Org2's CA")


def test_create_is_idempotent_and_loadable(tmp_path: Path) -> None:
    first = create_consortium(tmp_path)
    cert_before = first.orgs["Org3MSP"].identity("Admin").cert_path.read_bytes()
    second = create_consortium(tmp_path)
    assert second.orgs["Org3MSP"].identity("Admin").cert_path.read_bytes() == cert_before
    loaded = load_consortium(tmp_path)
    assert loaded.orgs["Org1MSP"].identity("audit").role == "client"
    assert loaded.orgs["OrdererMSP"].identity("orderer.orderer.ledgerml.test").role == "orderer"
