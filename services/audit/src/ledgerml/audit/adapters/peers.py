"""Registry and storage of any consortium organisation, called as this audit service's identity
(`ServiceClient`: a fresh ES256 token per request; problems come back as coded errors)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ledgerml.audit.errors import PeerEndpointUnknown, UnknownOrganisation
from ledgerml.audit.sweeps import RegisteredVersion
from ledgerml.shared.identity.msp import SigningIdentity
from ledgerml.shared.web.client import ServiceClient


def load_endpoints(path: Path | None) -> dict[str, dict[str, str]]:
    """`{"Org1MSP": {"registry": "http://...", ...}}` as written by the launcher; empty when absent."""
    if path is None or not path.is_file():
        return {}
    data = json.loads(path.read_text())
    return {str(o): {str(k): str(v) for k, v in s.items()} for o, s in data.items() if isinstance(s, dict)}


class PeerClients:
    def __init__(self, *, identity: SigningIdentity, endpoints: Mapping[str, Mapping[str, str]],
                 timeout_s: float = 60.0) -> None:
        self._identity = identity
        self._endpoints = endpoints
        self._timeout_s = timeout_s
        self._clients: dict[tuple[str, str], ServiceClient] = {}

    def client(self, org: str, service: str) -> ServiceClient:
        key = (org, service)
        if key not in self._clients:
            if self._endpoints and org not in self._endpoints:
                # The caller named an organisation the consortium does not have (a typo, a wrong MSP id):
                # bad input, not an outage.
                known = ", ".join(sorted(self._endpoints))
                raise UnknownOrganisation(f"{org} is not an organisation of this consortium; use one of: {known}")
            url = self._endpoints.get(org, {}).get(service)
            if url is None:
                raise PeerEndpointUnknown(f"no {service} endpoint for {org} in the endpoints file "
                                          "(LEDGERML_AUDIT_ENDPOINTS_FILE)")
            self._clients[key] = ServiceClient(base_url=url, audience=service, identity=self._identity,
                                               timeout_s=self._timeout_s)
        return self._clients[key]

    def close(self) -> None:
        for client in self._clients.values():
            client.close()


class RegistryAdapter:
    def __init__(self, peers: PeerClients) -> None:
        self._peers = peers

    def dataset_versions(self, *, owner_org: str, dataset_id: str) -> list[RegisteredVersion]:
        body: dict[str, Any] = self._peers.client(owner_org, "registry").request(
            "GET", f"/datasets/{quote(dataset_id, safe='')}").json()
        return [RegisteredVersion(str(v["version"]), v.get("merkle_root")) for v in body.get("versions") or []]


class StorageAdapter:
    def __init__(self, peers: PeerClients) -> None:
        self._peers = peers

    def integrity(self, *, owner_org: str, dataset_id: str, version: str) -> dict[str, Any]:
        path = f"/datasets/{quote(dataset_id, safe='')}/versions/{quote(version, safe='')}/integrity"
        result: dict[str, Any] = self._peers.client(owner_org, "storage").request("GET", path).json()
        return result
