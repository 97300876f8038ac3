"""SDK client for the registry service: datasets, versions, catalog search and models.

Reads go to the caller's own organisation's registry by default (its catalog mirrors every
organisation's public metadata); pass `org=` to ask another organisation's registry. Problem
answers raise the same coded `LedgerMLError` the registry raised (e.g. `NotFound`, LML-1004).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ledgerml.client.connection import Connection

SERVICE = "registry"
JSON = dict[str, Any]


def _params(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


class RegistryClient:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def _get(self, path: str, *, org: str | None = None, params: Mapping[str, Any] | None = None) -> JSON:
        response = self._conn.http(SERVICE, org=org).request("GET", path, params=dict(params or {}))
        body: JSON = response.json()
        return body

    def create_dataset(self, *, name: str, schema: Mapping[str, str], terms: str, description: str = "",
                       tags: Sequence[str] = (), price_per_job: int = 0, dataset_id: str | None = None) -> JSON:
        """Register a dataset owned by the caller's organisation at its own registry. The answer is the
        dataset view; its `ledger.state` stays `pending` until the ledger commits `RegisterDataset`."""
        payload = _params(dataset_id=dataset_id, name=name, description=description, schema=dict(schema),
                          terms=terms, tags=list(tags), price_per_job=price_per_job)
        body: JSON = self._conn.http(SERVICE).request("POST", "/datasets", json=payload).json()
        return body

    def get_dataset(self, dataset_id: str, *, org: str | None = None) -> JSON:
        """A catalog entry with its versions (Merkle root, size, ledger tx id and block)."""
        return self._get(f"/datasets/{dataset_id}", org=org)

    def search(self, q: str | None = None, *, tag: str | None = None, owner: str | None = None,
               column: str | None = None, limit: int = 20, cursor: str | None = None, org: str | None = None) -> JSON:
        """One page of the catalog: `{"items": [...], "next_cursor": str | None}`."""
        return self._get("/datasets", org=org, params=_params(q=q, tag=tag, owner=owner, column=column,
                                                              limit=limit, cursor=cursor))

    def iter_datasets(self, q: str | None = None, *, tag: str | None = None, owner: str | None = None,
                      column: str | None = None, page_size: int = 50, org: str | None = None) -> Iterator[JSON]:
        """Every matching catalog entry, following `next_cursor` page by page."""
        cursor: str | None = None
        while True:
            page = self.search(q, tag=tag, owner=owner, column=column, limit=page_size, cursor=cursor, org=org)
            yield from page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return

    def list_models(self, *, dataset_id: str | None = None, job_id: str | None = None, limit: int = 50,
                    org: str | None = None) -> list[JSON]:
        items: list[JSON] = self._get("/models", org=org, params=_params(dataset_id=dataset_id, job_id=job_id,
                                                                          limit=limit))["items"]
        return items

    def get_model(self, model_id: str, *, org: str | None = None) -> JSON:
        """A model with its lineage (dataset versions and roots, algorithm and code hash, ...)."""
        return self._get(f"/models/{model_id}", org=org)

    def verify_model(self, model_id: str, *, org: str | None = None) -> JSON:
        """Every lineage check against the ledger. Raises `DependencyUnavailable` (503) when the ledger
        cannot be consulted; its detail lists the local checks. Never reports an unchecked model verified."""
        return self._get(f"/models/{model_id}/verify", org=org)
