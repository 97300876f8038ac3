"""Peer adapters speak the cross-service contracts: registry owner lookup, access-control decisions,
and partner training services found through the endpoints file (read lazily: it appears last)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from ledgerml.shared.errors import ConfigurationInvalid
from ledgerml.shared.identity import load_identity
from ledgerml.shared.identity.msp import SigningIdentity
from ledgerml.shared.web.client import ServiceClient
from ledgerml.stack.pki import create_consortium
from ledgerml.training.adapters.peers import AccessControlDecisions, PartnerTrainingServices, RegistryDirectory


@pytest.fixture(scope="module")
def identity(tmp_path_factory: pytest.TempPathFactory) -> SigningIdentity:
    consortium = create_consortium(tmp_path_factory.mktemp("pki") / "crypto")
    return load_identity("Org1MSP", msp_dir=consortium.orgs["Org1MSP"].identity("training").msp_dir)


def client(identity: SigningIdentity, audience: str, handler: httpx.MockTransport) -> ServiceClient:
    return ServiceClient(base_url="http://peer", audience=audience, identity=identity, transport=handler)


def test_registry_owner_lookup(identity: SigningIdentity) -> None:
    def registry(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/datasets/bc-train":
            return httpx.Response(200, json={"dataset_id": "bc-train", "owner_org": "Org1MSP"})
        return httpx.Response(404, json={"code": "LML-1004", "detail": "unknown"})

    directory = RegistryDirectory(client(identity, "registry", httpx.MockTransport(registry)))
    assert directory.owner_of("bc-train") == "Org1MSP" and directory.owner_of("other") is None


def test_access_decision_asks_for_the_train_purpose(identity: SigningIdentity) -> None:
    seen: list[dict[str, str]] = []

    def access(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(200, json={"allow": False, "reason": "EXPIRED", "grant_id": "g-1"})

    decision = AccessControlDecisions(client(identity, "access-control", httpx.MockTransport(access))).decide(
        organisation="Org2MSP", dataset_id="bc-train", purpose="train")
    assert (decision.allow, decision.reason) == (False, "EXPIRED")
    assert seen == [{"organisation": "Org2MSP", "dataset_id": "bc-train", "purpose": "train"}]


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
