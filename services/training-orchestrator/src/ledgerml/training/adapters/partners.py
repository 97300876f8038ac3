"""Partner organisations' training services, called over REST as the training service identity
(`ServiceClient`: fresh token per call, deadlines, coded errors back). This organisation's registry and
access-control are `ledgerml.shared.peers`."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ledgerml.shared.errors import ConfigurationInvalid
from ledgerml.shared.identity.msp import SigningIdentity
from ledgerml.shared.peers import quoted, read_endpoints
from ledgerml.shared.web.client import ServiceClient

ORCHESTRATOR = "training-orchestrator"


def load_partner_urls(path: Path | None) -> dict[str, str]:
    """`{"Org2MSP": {"training-orchestrator": "http://..."}}` (the launcher's endpoints.json) → {msp: url}."""
    if path is None:
        return {}
    return {org: services[ORCHESTRATOR] for org, services in read_endpoints(path).items() if ORCHESTRATOR in services}


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
        return dict(self._client(org).request("GET", f"/jobs/{quoted(job_id)}").json())

    def progress(self, org: str, job_id: str) -> dict[str, Any]:
        return dict(self._client(org).request("GET", f"/jobs/{quoted(job_id)}/progress").json())

    def model(self, org: str, job_id: str) -> bytes:
        return bytes(self._client(org).request("GET", f"/jobs/{quoted(job_id)}/model").content)

    def close(self) -> None:
        for client in self._clients.values():
            client.close()


class NoPartners:
    """Partner calls when this service has no identity of its own to make them with."""

    _message = "set LEDGERML_TRAINING_IDENTITY_MSP_DIR: partner organisations are called as the training identity"

    def job(self, org: str, job_id: str) -> dict[str, Any]:
        raise ConfigurationInvalid(self._message)

    def progress(self, org: str, job_id: str) -> dict[str, Any]:
        raise ConfigurationInvalid(self._message)

    def model(self, org: str, job_id: str) -> bytes:
        raise ConfigurationInvalid(self._message)
