"""Partner training services are found through the endpoints file, read lazily: it appears last."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledgerml.shared.errors import ConfigurationInvalid
from ledgerml.shared.identity import load_identity
from ledgerml.shared.identity.msp import SigningIdentity
from ledgerml.stack.pki import create_consortium
from ledgerml.training.adapters.partners import PartnerTrainingServices


@pytest.fixture(scope="module")
def identity(tmp_path_factory: pytest.TempPathFactory) -> SigningIdentity:
    consortium = create_consortium(tmp_path_factory.mktemp("pki") / "crypto")
    return load_identity("Org1MSP", msp_dir=consortium.orgs["Org1MSP"].identity("training").msp_dir)


def test_partner_endpoints_are_read_when_first_needed(identity: SigningIdentity, tmp_path: Path) -> None:
    endpoints = tmp_path / "endpoints.json"
    partners = PartnerTrainingServices(identity=identity, endpoints_file=endpoints)  # not written yet
    with pytest.raises(ConfigurationInvalid):
        partners.job("Org2MSP", "job-1")
    endpoints.write_text(json.dumps({"Org2MSP": {"training-orchestrator": "http://127.0.0.1:1"}}))
    with pytest.raises(ConfigurationInvalid, match="Org3MSP"):
        partners.job("Org3MSP", "job-1")
    assert partners._client("Org2MSP") is partners._client("Org2MSP")
    partners.close()
