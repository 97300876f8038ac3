"""This organisation's other services and partner organisations' training services, called over REST as
the training service identity (`ServiceClient`: fresh token per call, deadlines, coded errors back)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ledgerml.shared.errors import ConfigurationInvalid, NotFound
from ledgerml.shared.identity.msp import SigningIdentity
from ledgerml.shared.web.client import ServiceClient
from ledgerml.training.ports import Decision

ORCHESTRATOR = "training-orchestrator"


class RegistryDirectory:
    def __init__(self, client: ServiceClient) -> None:
        self._client = client

    def owner_of(self, dataset_id: str) -> str | None:
        try:
            body = self._client.request("GET", f"/datasets/{dataset_id}").json()
        except NotFound:
            return None
        owner = body.get("owner_org") if isinstance(body, dict) else None
        return str(owner) if owner else None


class AccessControlDecisions:
    def __init__(self, client: ServiceClient) -> None:
        self._client = client

    def decide(self, *, organisation: str, dataset_id: str, purpose: str) -> Decision:
        body = self._client.request("POST", "/decisions", json={
            "organisation": organisation, "dataset_id": dataset_id, "purpose": purpose}).json()
        return Decision(allow=bool(body.get("allow")), reason=str(body.get("reason", ""))[:200])


def load_partner_urls(path: Path | None) -> dict[str, str]:
    """`{"Org2MSP": {"training-orchestrator": "http://..."}}` (the launcher's endpoints.json) → {msp: url}."""
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigurationInvalid(f"partner endpoints file {path}: {type(exc).__name__}") from None
    return {str(org): str(services[ORCHESTRATOR]) for org, services in data.items()
            if isinstance(services, dict) and ORCHESTRATOR in services}


class PartnerTrainingServices:
    """Partner URLs come from `urls`, else from `endpoints_file`, read when first needed (the local
    launcher writes that file only once every service is up)."""

    def __init__(self, *, identity: SigningIdentity, urls: Mapping[str, str] | None = None,
                 endpoints_file: Path | None = None, timeout_s: float = 30.0) -> None:
        self._urls = dict(urls) if urls is not None else None
        self._endpoints_file = endpoints_file
        self._identity = identity
        self._timeout_s = timeout_s
        self._clients: dict[str, ServiceClient] = {}

    def _client(self, org: str) -> ServiceClient:
        if org not in self._clients:
            urls = self._urls if self._urls is not None else load_partner_urls(self._endpoints_file)
            if org not in urls:
                raise ConfigurationInvalid(f"no training-orchestrator endpoint for {org}: set "
                                           "LEDGERML_TRAINING_PARTNER_ENDPOINTS_FILE")
            self._clients[org] = ServiceClient(base_url=urls[org], audience=ORCHESTRATOR,
                                               identity=self._identity, timeout_s=self._timeout_s)
        return self._clients[org]

    def job(self, org: str, job_id: str) -> dict[str, Any]:
        return dict(self._client(org).request("GET", f"/jobs/{job_id}").json())

    def progress(self, org: str, job_id: str) -> dict[str, Any]:
        return dict(self._client(org).request("GET", f"/jobs/{job_id}/progress").json())

    def model(self, org: str, job_id: str) -> bytes:
        return bytes(self._client(org).request("GET", f"/jobs/{job_id}/model").content)

    def close(self) -> None:
        for client in self._clients.values():
            client.close()


class Unconfigured:
    """Stands in for a peer whose URL is not set: every call says which setting is missing."""

    def __init__(self, what: str, setting: str) -> None:
        self._message = f"{what} is not configured: set {setting}"

    def owner_of(self, dataset_id: str) -> str | None:
        raise ConfigurationInvalid(self._message)

    def decide(self, *, organisation: str, dataset_id: str, purpose: str) -> Decision:
        raise ConfigurationInvalid(self._message)


class NoPartners:
    """Partner calls when this service has no identity of its own to make them with."""

    _message = "set LEDGERML_TRAINING_IDENTITY_MSP_DIR: partner organisations are called as the training identity"

    def job(self, org: str, job_id: str) -> dict[str, Any]:
        raise ConfigurationInvalid(self._message)

    def progress(self, org: str, job_id: str) -> dict[str, Any]:
        raise ConfigurationInvalid(self._message)

    def model(self, org: str, job_id: str) -> bytes:
        raise ConfigurationInvalid(self._message)
