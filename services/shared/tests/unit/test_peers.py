"""The shared peer clients speak the cross-service contracts: the registry's dataset view, access-control's
decisions (never an allow without a boolean `allow`), ids quoted into one path segment, the endpoints file."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from ledgerml.shared.errors import ConfigurationInvalid, NotFound, PeerServiceError
from ledgerml.shared.identity import load_identity
from ledgerml.shared.identity.msp import SigningIdentity
from ledgerml.shared.peers import AccessControlDecisions, PeerClients, RegistryDirectory, read_endpoints
from ledgerml.shared.web.client import ServiceClient
from ledgerml.stack.pki import create_consortium


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


def test_dataset_ids_are_one_quoted_path_segment(identity: SigningIdentity) -> None:
    seen: list[str] = []

    def registry(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path.decode())
        return httpx.Response(200, json={"dataset_id": "a/b?c", "owner_org": "Org1MSP", "versions": [
            {"version": "v1", "merkle_root": "ab"}, {"version": "v2", "merkle_root": None}]})

    info = RegistryDirectory(client(identity, "registry", httpx.MockTransport(registry))).dataset("a/b?c")
    assert seen == ["/datasets/a%2Fb%3Fc"]
    assert info.version_roots == {"v1": "ab"} and info.registered == {"v1": "ab", "v2": None}


def test_unknown_dataset_raises_the_callers_error_or_the_registrys(identity: SigningIdentity) -> None:
    class Unknown(NotFound):
        code = "LML-0000"

    def registry(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"code": "LML-1004", "detail": "unknown"})

    transport = httpx.MockTransport(registry)
    with pytest.raises(Unknown, match="nope"):
        RegistryDirectory(client(identity, "registry", transport), unknown=lambda d: Unknown(d)).dataset("nope")
    with pytest.raises(NotFound):
        RegistryDirectory(client(identity, "registry", transport)).dataset("nope")


@pytest.mark.parametrize("body", [{"allow": "yes", "reason": "GRANTED"}, {"reason": "GRANTED"}, ["allow"]])
def test_a_decision_without_a_boolean_allow_is_the_peers_fault(identity: SigningIdentity, body: object) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=body))
    with pytest.raises(PeerServiceError):
        AccessControlDecisions(client(identity, "access-control", transport)).decide(
            organisation="Org2MSP", dataset_id="d", purpose="download")


def test_endpoints_file_is_parsed_once_for_every_caller(tmp_path: Path) -> None:
    path = tmp_path / "endpoints.json"
    path.write_text(json.dumps({"Org1MSP": {"registry": "http://r"}, "_comment": "not an org"}))
    assert read_endpoints(path) == {"Org1MSP": {"registry": "http://r"}}
    path.write_text("{")
    with pytest.raises(ConfigurationInvalid):
        read_endpoints(path)
    with pytest.raises(ConfigurationInvalid):
        read_endpoints(tmp_path / "absent.json")


def test_peer_clients_name_the_unknown_organisation(identity: SigningIdentity) -> None:
    peers = PeerClients(identity=identity, endpoints={"Org1MSP": {"registry": "http://r"}}, timeout_s=1,
                        unknown_org=lambda org, known: LookupError(f"{org} not in {known}"),
                        no_endpoint=lambda org, service: KeyError(f"{service}@{org}"))
    assert peers.client("Org1MSP", "registry") is peers.client("Org1MSP", "registry")
    with pytest.raises(LookupError, match=r"Org9MSP not in \['Org1MSP'\]"):
        peers.client("Org9MSP", "registry")
    with pytest.raises(KeyError, match="storage@Org1MSP"):
        peers.client("Org1MSP", "storage")
    peers.close()
