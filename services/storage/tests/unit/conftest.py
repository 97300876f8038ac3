"""Fixtures: the storage migrations (for the shared plugin's migrated SQLite `engine`), fake ports, and `Storage`
wired with them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from ledgerml.shared.events import Envelope
from ledgerml.shared.identity import Principal, Role
from ledgerml.shared.ledger import UnconfiguredLedger
from ledgerml.shared.messaging import Outbox
from ledgerml.shared.persistence import outbox_table
from ledgerml.storage import service_upload
from ledgerml.storage.adapters.db import MIGRATIONS
from ledgerml.storage.adapters.keys import KeyFileWrapper
from ledgerml.storage.adapters.records import SqlStorageRecords
from ledgerml.storage.domain import Manifest
from ledgerml.storage.service import Limits, Storage

from .fakes import Decisions, Directory, MemoryBlobs

CHUNK = 4096
ORG1_USER = Principal("Org1MSP", Role.CLIENT, "User1@org1.ledgerml.test")
ORG2_USER = Principal("Org2MSP", Role.CLIENT, "User1@org2.ledgerml.test")
AUDITOR = Principal("Org3MSP", Role.CLIENT, "User1@org3.ledgerml.test")
TRAINING = Principal("Org1MSP", Role.CLIENT, "training@org1.ledgerml.test")


@pytest.fixture
def migrations() -> str:
    return MIGRATIONS


@pytest.fixture
def blobs() -> MemoryBlobs:
    return MemoryBlobs()


@pytest.fixture
def storage(engine: Engine, blobs: MemoryBlobs, tmp_path: Path) -> Storage:
    return Storage(records=SqlStorageRecords(engine, Outbox(org="org1", service="storage")), blobs=blobs,
                   keys=KeyFileWrapper(bytes(range(32))),
                   directory=Directory({"ds-one": "Org1MSP", "ds-two": "Org2MSP"}), decisions=Decisions(),
                   ledger=UnconfiguredLedger(), msp_id="Org1MSP",
                   auditor_orgs=frozenset({"Org3MSP"}),
                   limits=Limits(chunk_size=CHUNK, max_version_bytes=1 << 20, upload_parallelism=3, read_ahead=2))


def engine_of(storage: Storage) -> Engine:
    """The database behind the storage's records (the tests read its tables)."""
    records = storage.records
    assert isinstance(records, SqlStorageRecords)
    return records.engine


async def pieces(data: bytes, size: int = 1000) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i:i + size]


def upload(storage: Storage, data: bytes, *, dataset_id: str = "ds-one", version: str = "v1",
           principal: Principal = ORG1_USER, content_type: str = "application/octet-stream") -> Manifest:
    return asyncio.run(service_upload.store_version(storage=storage, principal=principal, dataset_id=dataset_id,
                                                    version=version, body=pieces(data), content_type=content_type,
                                                    content_length=None))


def events(engine: Engine) -> list[Envelope]:
    with engine.connect() as conn:
        rows = conn.execute(select(outbox_table.c.payload).order_by(outbox_table.c.id)).scalars().all()
    return [Envelope.from_json(bytes(r)) for r in rows]
