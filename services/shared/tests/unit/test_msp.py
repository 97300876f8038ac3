from __future__ import annotations

from pathlib import Path

import pytest

from ledgerml.shared.errors import ConfigurationInvalid
from ledgerml.shared.identity import CertificateVerifier, OrgKind, Role, load_identity, load_trust_store

from .pki_helpers import make_ca, write_msp_layout


def test_identity_and_trust_roots_load_from_cryptogen_layout(tmp_path: Path) -> None:
    ca = make_ca("Org1MSP", "org1.ledgerml.test")
    org_dir = write_msp_layout(tmp_path, ca, {"Admin": ca.issue("Admin", "admin"), "User1": ca.issue("User1")})
    identity = load_identity("Org1MSP", msp_dir=org_dir / "users" / "Admin@org1.ledgerml.test" / "msp")
    trust = load_trust_store(tmp_path)
    assert set(trust.orgs) == {"Org1MSP"}
    principal = CertificateVerifier(trust).verify(identity.certificate)
    assert (principal.org, principal.role) == ("Org1MSP", Role.ADMIN)


def test_organisation_kind_comes_from_the_folder_section(tmp_path: Path) -> None:
    member, operator = make_ca("Org1MSP", "org1.ledgerml.test"), make_ca("OrdererMSP", "orderer.ledgerml.test")
    write_msp_layout(tmp_path, member, {})
    write_msp_layout(tmp_path, operator, {}, section="ordererOrganizations")
    trust = load_trust_store(tmp_path)
    assert {msp: org.kind for msp, org in trust.orgs.items()} == {"Org1MSP": OrgKind.MEMBER,
                                                                   "OrdererMSP": OrgKind.OPERATOR}
    verifier = CertificateVerifier(trust)
    assert verifier.verify(operator.issue("Admin", "admin").certificate).kind is OrgKind.OPERATOR
    assert verifier.verify(member.issue("User1").certificate).kind is OrgKind.MEMBER


def test_node_ou_identifiers_come_from_config_yaml(tmp_path: Path) -> None:
    ca = make_ca("Org2MSP", "org2.ledgerml.test")
    write_msp_layout(tmp_path, ca, {}, admin_ou="administrators")
    trust = load_trust_store(tmp_path)
    assert trust.orgs["Org2MSP"].ou_roles["administrators"] is Role.ADMIN
    principal = CertificateVerifier(trust).verify(ca.issue("Boss", "administrators").certificate)
    assert principal.role is Role.ADMIN


def test_msp_ids_can_be_given_explicitly(tmp_path: Path) -> None:
    ca = make_ca("HospitalMSP", "org1.ledgerml.test")
    write_msp_layout(tmp_path, ca, {})
    assert set(load_trust_store(tmp_path, {"org1.ledgerml.test": "HospitalMSP"}).orgs) == {"HospitalMSP"}


def test_key_must_match_certificate(tmp_path: Path) -> None:
    ca = make_ca("Org1MSP", "org1.ledgerml.test")
    a, b = ca.issue("A"), ca.issue("B")
    org_dir = write_msp_layout(tmp_path, ca, {"A": a, "B": b})
    users = org_dir / "users"
    with pytest.raises(ConfigurationInvalid):
        load_identity("Org1MSP", cert_path=next((users / "A@org1.ledgerml.test/msp/signcerts").glob("*.pem")),
                      key_path=users / "B@org1.ledgerml.test/msp/keystore/priv_sk")


def test_empty_root_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationInvalid):
        load_trust_store(tmp_path)
