"""This organisation's registry and access-control, called over HTTP as the storage service's identity.

`ServiceClient` turns their problem responses back into the same coded errors, so an unreachable peer
is a 503 here and an unknown dataset (registry 404) becomes `DatasetUnknown`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from ledgerml.shared.errors import DependencyUnavailable, NotFound, PeerServiceError
from ledgerml.shared.web.client import ServiceClient
from ledgerml.storage.errors import DatasetUnknown
from ledgerml.storage.ports import DatasetInfo, Decision


class RegistryDirectory:
    """`DatasetDirectory` backed by the registry's `GET /datasets/{id}`."""

    def __init__(self, client: ServiceClient) -> None:
        self._client = client

    def dataset(self, dataset_id: str) -> DatasetInfo:
        try:
            body: Any = self._client.request("GET", f"/datasets/{quote(dataset_id, safe='')}").json()
        except NotFound:
            raise DatasetUnknown(f"the registry has no dataset {dataset_id!r}: register it first") from None
        try:
            roots = {str(v["version"]): str(v["merkle_root"]) for v in body.get("versions") or []
                     if v.get("merkle_root")}
            return DatasetInfo(str(body["dataset_id"]), str(body["owner_org"]), roots)
        except (KeyError, TypeError, AttributeError):
            raise PeerServiceError("registry: dataset view lacks dataset_id/owner_org") from None


class AccessControlDecisions:
    """`AccessDecisions` backed by access-control's `POST /decisions` (projection consistency)."""

    def __init__(self, client: ServiceClient) -> None:
        self._client = client

    def decide(self, *, organisation: str, dataset_id: str, purpose: str) -> Decision:
        body: Any = self._client.request("POST", "/decisions", json={
            "organisation": organisation, "dataset_id": dataset_id, "purpose": purpose}).json()
        if not isinstance(body, dict) or not isinstance(body.get("allow"), bool):
            raise PeerServiceError("access-control: decision without a boolean `allow`")
        return Decision(allow=body["allow"], reason=str(body.get("reason") or ""), grant_id=body.get("grant_id"),
                        detail=str(body.get("detail") or ""))


class Unconfigured:
    """Wired when a peer URL or the service identity is not configured: every call fails closed (503)."""

    def __init__(self, peer: str, setting: str) -> None:
        self._peer = peer
        self._setting = setting

    def _refuse(self) -> DependencyUnavailable:
        return DependencyUnavailable(f"{self._peer} is not configured: set {self._setting} and "
                                     "LEDGERML_STORAGE_IDENTITY_MSP_DIR", dependency=self._peer, retry_after_s=60)

    def dataset(self, dataset_id: str) -> DatasetInfo:
        raise self._refuse()

    def decide(self, *, organisation: str, dataset_id: str, purpose: str) -> Decision:
        raise self._refuse()
