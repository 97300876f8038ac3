"""Catalog use cases with fakes: who may register, what is enqueued, stored versions, outcomes."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from ledgerml.registry import service
from ledgerml.registry.domain import CatalogQuery
from ledgerml.registry.errors import DatasetExists, NotThisRegistrysOrganisation
from ledgerml.shared.errors import NotFound, ReadOnlyRole, RoleNotAllowed
from ledgerml.shared.events.schemas import DatasetRegistered, DatasetVersionRegistered, VersionStored
from ledgerml.shared.identity import Principal
from ledgerml.shared.ledgerwrites import LedgerWrite

from .fakes import (
    AUDITOR,
    AUDITORS,
    ORG1_ADMIN,
    ORG1_PEER,
    ORG1_USER,
    ORG2_USER,
    T0,
    FakeCatalog,
    FakeEvents,
    FakeWrites,
)

ROOT = "ab" * 32


def register(catalog: FakeCatalog, writes: FakeWrites, principal: Principal = ORG1_USER, **changes: Any) -> Any:
    fields: dict[str, Any] = {"dataset_id": "cxr", "name": "Chest X-rays", "description": "", "terms": "research",
                              "schema": {"label": "categorical"}, "tags": ["medical"], "price_per_job": 40}
    return service.register_dataset(store=catalog, writes=writes, principal=principal, registry_org="Org1MSP",
                                    auditor_orgs=AUDITORS, now=T0, **{**fields, **changes})


def stored(version: str = "v1", dataset_id: str = "cxr", **changes: Any) -> VersionStored:
    fields: dict[str, Any] = {"merkle_root": ROOT, "size_bytes": 4096, "chunk_count": 2, "chunk_size": 2048}
    return VersionStored(dataset_id=dataset_id, version=version, **{**fields, **changes})


def test_registration_belongs_to_the_caller_and_enqueues_register_dataset() -> None:
    catalog, writes = FakeCatalog(), FakeWrites()
    dataset = register(catalog, writes, ORG1_ADMIN)
    assert (dataset.owner_org, dataset.origin, dataset.ledger.state) == ("Org1MSP", "local", "pending")
    ((function, args, subject),) = writes.enqueued
    assert (function, subject) == ("RegisterDataset", "cxr")
    assert json.loads(args[0])["id"] == "cxr"
    assert catalog.write_of == {"w1": ("cxr", None)}


@pytest.mark.parametrize(("principal", "error"), [(ORG2_USER, NotThisRegistrysOrganisation),
                                                  (AUDITOR, ReadOnlyRole), (ORG1_PEER, RoleNotAllowed)])
def test_only_clients_and_admins_of_the_registry_org_register(principal: Principal, error: type[Exception]) -> None:
    catalog, writes = FakeCatalog(), FakeWrites()
    with pytest.raises(error):
        register(catalog, writes, principal)
    assert not catalog.datasets and not writes.enqueued


def test_a_taken_id_is_a_conflict_and_enqueues_nothing() -> None:
    catalog, writes = FakeCatalog(), FakeWrites()
    register(catalog, writes)
    with pytest.raises(DatasetExists):
        register(catalog, writes, name="other")
    assert len(writes.enqueued) == 1


def test_any_member_reads_the_catalog_and_unknown_ids_are_not_found() -> None:
    catalog, writes = FakeCatalog(), FakeWrites()
    register(catalog, writes)
    for reader in (ORG2_USER, AUDITOR):
        assert service.get_dataset(store=catalog, principal=reader, dataset_id="cxr").spec.name == "Chest X-rays"
        page = service.search_catalog(store=catalog, principal=reader, query=CatalogQuery(tag="medical"))
        assert [d.dataset_id for d in page.items] == ["cxr"]
    with pytest.raises(NotFound):
        service.get_dataset(store=catalog, principal=ORG2_USER, dataset_id="nope")
    with pytest.raises(RoleNotAllowed):
        service.get_dataset(store=catalog, principal=ORG1_PEER, dataset_id="cxr")


def test_a_stored_version_is_recorded_and_its_registration_enqueued_after_the_dataset() -> None:
    catalog, writes = FakeCatalog(), FakeWrites()
    register(catalog, writes)
    version = service.record_stored_version(store=catalog, writes=writes, registry_org="Org1MSP", event_id="e1",
                                            stored=stored(), now=T0)
    assert version is not None and (version.merkle_root, version.size_bytes, version.chunk_count) == (ROOT, 4096, 2)
    function, args, subject = writes.enqueued[1]
    assert (function, subject) == ("RegisterDatasetVersion", "cxr")
    assert json.loads(args[0])["merkle_root"] == ROOT
    # Redelivery of the same content changes nothing.
    again = service.record_stored_version(store=catalog, writes=writes, registry_org="Org1MSP", event_id="e2",
                                          stored=stored(), now=T0)
    assert again == version and len(writes.enqueued) == 2 and not catalog.rejections


@pytest.mark.parametrize(("setup", "event", "code"), [
    ("none", stored(), "LML-7210"),
    ("foreign", stored(), "LML-7211"),
    ("registered", stored(merkle_root="cd" * 32), "LML-7212"),
    ("registered-empty", stored("v2", size_bytes=0, chunk_count=0), "LML-7213"),
    ("none", stored(dataset_id="bad id"), "LML-7210"),
])
def test_versions_that_cannot_be_registered_are_recorded_with_their_reason(setup: str, event: VersionStored,
                                                                           code: str) -> None:
    catalog, writes = FakeCatalog(), FakeWrites()
    if setup != "none":
        register(catalog, writes)
    if setup == "foreign":
        catalog.datasets["cxr"] = replace(catalog.datasets["cxr"], owner_org="Org2MSP", origin="ledger")
    if setup.startswith("registered"):
        service.record_stored_version(store=catalog, writes=writes, registry_org="Org1MSP", event_id="e0",
                                      stored=stored(), now=T0)
    before = len(writes.enqueued)
    assert service.record_stored_version(store=catalog, writes=writes, registry_org="Org1MSP", event_id="e1",
                                         stored=event, now=T0) is None
    assert [r["code"] for r in catalog.rejections] == [code] and catalog.rejections[0]["event_id"] == "e1"
    assert len(writes.enqueued) == before


def _write(write_id: str, state: Any, **changes: Any) -> LedgerWrite:
    base = LedgerWrite(write_id, "RegisterDataset", ("{}",), "cxr", state, None, None, None, None, 1, T0, T0)
    return replace(base, **changes)


def test_a_committed_write_shows_tx_and_block_and_announces_the_registration() -> None:
    catalog, writes, events = FakeCatalog(), FakeWrites(), FakeEvents()
    register(catalog, writes)
    service.record_stored_version(store=catalog, writes=writes, registry_org="Org1MSP", event_id="e1",
                                  stored=stored(), now=T0)
    service.apply_ledger_outcome(store=catalog, events=events, write=_write("w1", "committed", tx_id="tx1",
                                                                            block_number=7))
    service.apply_ledger_outcome(store=catalog, events=events, write=_write("w2", "committed", tx_id="tx2",
                                                                            block_number=8))
    dataset = catalog.dataset("cxr")
    assert dataset is not None
    assert (dataset.ledger.state, dataset.ledger.tx_id, dataset.ledger.block_number) == ("committed", "tx1", 7)
    assert (dataset.versions[0].ledger.tx_id, dataset.versions[0].ledger.block_number) == ("tx2", 8)
    (registered, s1), (version_registered, s2) = events.staged
    assert s2 == "cxr"
    assert registered == DatasetRegistered(dataset_id="cxr", owner_org="Org1MSP", name="Chest X-rays",
                                           ledger_tx_id="tx1") and s1 == "cxr"
    assert isinstance(version_registered, DatasetVersionRegistered) and version_registered.merkle_root == ROOT


def test_a_rejected_write_shows_the_chaincode_error_and_announces_nothing() -> None:
    catalog, writes, events = FakeCatalog(), FakeWrites(), FakeEvents()
    register(catalog, writes)
    service.apply_ledger_outcome(store=catalog, events=events, write=_write(
        "w1", "rejected", error_code="LML-6001", error_detail="LML-CC-0003 already exists"))
    service.apply_ledger_outcome(store=catalog, events=events, write=_write("w9", "pending"))
    dataset = catalog.dataset("cxr")
    assert dataset is not None and dataset.ledger.state == "rejected"
    assert (dataset.ledger.error_code, dataset.ledger.error_detail) == ("LML-6001", "LML-CC-0003 already exists")
    assert not events.staged
