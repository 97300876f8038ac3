"""Registry and storage of any consortium organisation, called as this audit service's identity through the
shared peer clients (`ledgerml.shared.peers`: one client per organisation and service of the endpoints file)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ledgerml.audit.errors import PeerEndpointUnknown, UnknownOrganisation
from ledgerml.audit.sweeps import RegisteredVersion
from ledgerml.shared.identity.msp import SigningIdentity
from ledgerml.shared.peers import PeerClients, RegistryDirectory, quoted, read_endpoints


def load_endpoints(path: Path | None) -> dict[str, dict[str, str]]:
    """The launcher's endpoints file; empty when absent."""
    return read_endpoints(path) if path is not None and path.is_file() else {}


def audit_peers(*, identity: SigningIdentity, endpoints: Mapping[str, Mapping[str, str]],
                timeout_s: float = 60.0) -> PeerClients:
    # An organisation the consortium does not have (a typo, a wrong MSP id) is bad input, not an outage.
    return PeerClients(
        identity=identity, endpoints=endpoints, timeout_s=timeout_s,
        unknown_org=lambda org, known: UnknownOrganisation(
            f"{org} is not an organisation of this consortium; use one of: {', '.join(known)}"),
        no_endpoint=lambda org, service: PeerEndpointUnknown(
            f"no {service} endpoint for {org} in the endpoints file (LEDGERML_AUDIT_ENDPOINTS_FILE)"))


class RegistryAdapter:
    def __init__(self, peers: PeerClients) -> None:
        self._peers = peers

    def dataset_versions(self, *, owner_org: str, dataset_id: str) -> list[RegisteredVersion]:
        info = RegistryDirectory(self._peers.client(owner_org, "registry")).dataset(dataset_id)
        return [RegisteredVersion(version, root) for version, root in info.registered.items()]


class StorageAdapter:
    def __init__(self, peers: PeerClients) -> None:
        self._peers = peers

    def integrity(self, *, owner_org: str, dataset_id: str, version: str) -> dict[str, Any]:
        path = f"/datasets/{quoted(dataset_id)}/versions/{quoted(version)}/integrity"
        result: dict[str, Any] = self._peers.client(owner_org, "storage").request("GET", path).json()
        return result
