"""Other LedgerML services, called over HTTP as the caller's identity: the endpoints file, one client per
(organisation, service), and the two contracts several services rely on (the registry's dataset view and
access-control's decisions). `ServiceClient` turns a callee's problem back into its coded error."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ledgerml.shared.errors import ConfigurationInvalid, NotFound, PeerServiceError
from ledgerml.shared.identity.msp import SigningIdentity
from ledgerml.shared.web.client import ServiceClient

Endpoints = Mapping[str, Mapping[str, str]]


def read_endpoints(path: Path) -> dict[str, dict[str, str]]:
    """`{"Org1MSP": {"registry": "http://...", ...}}` as the launcher (or an operator) writes it; an
    organisation whose entry is not an object is skipped. Unreadable or malformed → `ConfigurationInvalid`."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigurationInvalid(f"endpoints file {path}: {type(exc).__name__}") from None
    if not isinstance(data, dict):
        raise ConfigurationInvalid(f"{path} must map MSP ids to {{service: url}}")
    return {str(org): {str(k): str(v) for k, v in services.items()}
            for org, services in data.items() if isinstance(services, dict)}


def quoted(segment: str) -> str:
    """One URL path segment: an id never adds a `/` or `?` of its own."""
    return quote(segment, safe="")


class PeerClients:
    """One `ServiceClient` per (organisation, service) named in `endpoints`, made when first used. An
    organisation the file does not name raises `unknown_org(org, known)`; a service it lacks for a known
    organisation raises `no_endpoint(org, service)`."""

    def __init__(self, *, identity: SigningIdentity, endpoints: Endpoints, timeout_s: float,
                 unknown_org: Callable[[str, list[str]], Exception],
                 no_endpoint: Callable[[str, str], Exception]) -> None:
        self.identity = identity
        self.endpoints = endpoints
        self._timeout_s = timeout_s
        self._unknown_org = unknown_org
        self._no_endpoint = no_endpoint
        self.clients: dict[tuple[str, str], ServiceClient] = {}

    def client(self, org: str, service: str) -> ServiceClient:
        key = (org, service)
        if key not in self.clients:
            if self.endpoints and org not in self.endpoints:
                raise self._unknown_org(org, sorted(self.endpoints))
            url = self.endpoints.get(org, {}).get(service)
            if url is None:
                raise self._no_endpoint(org, service)
            self.clients[key] = ServiceClient(base_url=url, audience=service, identity=self.identity,
                                              timeout_s=self._timeout_s)
        return self.clients[key]

    def close(self) -> None:
        for client in self.clients.values():
            client.close()
        self.clients.clear()


@dataclass(frozen=True)
class DatasetInfo:
    """The registry's view of a dataset: its owner and the versions it recorded (with their roots, if known)."""

    dataset_id: str
    owner_org: str
    version_roots: Mapping[str, str] = field(default_factory=dict)  # version -> root the registry holds
    registered: Mapping[str, str | None] = field(default_factory=dict)  # every version -> its root as listed


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


class RegistryDirectory:
    """The registry's `GET /datasets/{id}`. `dataset` raises `unknown(dataset_id)` when the registry has no
    such dataset (default: the registry's own `NotFound`)."""

    def __init__(self, client: ServiceClient, *, unknown: Callable[[str], Exception] | None = None) -> None:
        self._client = client
        self._unknown = unknown

    def dataset(self, dataset_id: str) -> DatasetInfo:
        try:
            body: Any = self._client.request("GET", f"/datasets/{quoted(dataset_id)}").json()
        except NotFound:
            if self._unknown is None:
                raise
            raise self._unknown(dataset_id) from None
        try:
            listed = list(body.get("versions") or [])
            roots = {str(v["version"]): str(v["merkle_root"]) for v in listed if v.get("merkle_root")}
            registered = {str(v["version"]): _str_or_none(v.get("merkle_root")) for v in listed}
            return DatasetInfo(str(body["dataset_id"]), str(body["owner_org"]), roots, registered)
        except (KeyError, TypeError, AttributeError):
            raise PeerServiceError("registry: dataset view lacks dataset_id/owner_org") from None

    def find(self, dataset_id: str) -> DatasetInfo | None:
        try:
            return self.dataset(dataset_id)
        except NotFound:
            return None

    def owner_of(self, dataset_id: str) -> str | None:
        info = self.find(dataset_id)
        return info.owner_org if info else None


@dataclass(frozen=True)
class Decision:
    allow: bool
    reason: str  # access-control's stable token (NO_REQUEST, REVOKED, ...)
    grant_id: str | None = None
    detail: str = ""  # its explanation in words


class AccessControlDecisions:
    """Access-control's `POST /decisions` (projection consistency); an answer without a boolean `allow`
    is the peer's fault, never an allow."""

    def __init__(self, client: ServiceClient) -> None:
        self._client = client

    def decide(self, *, organisation: str, dataset_id: str, purpose: str) -> Decision:
        body: Any = self._client.request("POST", "/decisions", json={
            "organisation": organisation, "dataset_id": dataset_id, "purpose": purpose}).json()
        if not isinstance(body, dict) or not isinstance(body.get("allow"), bool):
            raise PeerServiceError("access-control: decision without a boolean `allow`")
        grant = body.get("grant_id")
        return Decision(allow=body["allow"], reason=str(body.get("reason") or ""),
                        grant_id=str(grant) if grant is not None else None, detail=str(body.get("detail") or ""))


class Unconfigured:
    """Wired for a peer whose URL (or this service's identity) is not configured: every call raises
    `refusal()`, so the steps that need the peer fail closed and say which setting is missing."""

    def __init__(self, refusal: Callable[[], Exception]) -> None:
        self._refusal = refusal

    def find(self, dataset_id: str) -> DatasetInfo | None:
        raise self._refusal()

    def dataset(self, dataset_id: str) -> DatasetInfo:
        raise self._refusal()

    def owner_of(self, dataset_id: str) -> str | None:
        raise self._refusal()

    def decide(self, *, organisation: str, dataset_id: str, purpose: str) -> Decision:
        raise self._refusal()
