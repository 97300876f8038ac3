"""The consortium catalog mirror, fed envelopes built the way the ledger→Kafka bridge builds them
(one per chaincode event, id = tx id:index, on `<org>.ledger`), through the real idempotent consumer
on an embedded SQLite database."""

from __future__ import annotations

from sqlalchemy import Engine, select

from ledgerml.registry.adapters.catalog_store import SqlCatalog
from ledgerml.registry.adapters.db import rejected_events_table
from ledgerml.registry.consumers import ledger_handler
from ledgerml.registry.domain import CatalogQuery, Dataset, DatasetSpec
from ledgerml.shared.events import Envelope, EventData
from ledgerml.shared.events.schemas import DatasetRegistered, DatasetVersionRegistered
from ledgerml.shared.messaging import IdempotentConsumer, InboundRecord
from ledgerml.stack.testing.fakes import ListSource

from .fakes import T0

ROOT = "ab" * 32


def bridged(data: EventData, *, tx_id: str, subject: str, index: int = 0) -> Envelope:
    return Envelope.wrap(data, source="org2/ledger-bridge", subject=subject, sequence=1,
                         event_id=f"{tx_id}:{index}", time=T0)


class Org2Registry:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.source = ListSource()
        self.consumer = IdempotentConsumer(name="registry-ledger", engine=engine, source=self.source,
                                           handler=ledger_handler(registry_org="Org2MSP"))

    def deliver(self, *envelopes: Envelope) -> tuple[int, int]:
        for envelope in envelopes:
            self.source.records.append(InboundRecord("org2.ledger", 0, len(self.source.records), envelope.key,
                                                     envelope.to_json()))
        result = self.consumer.process_batch()
        return result.applied, result.duplicates

    def dataset(self, dataset_id: str) -> Dataset | None:
        with self.engine.connect() as conn:
            return SqlCatalog(conn).dataset(dataset_id)

    def rejected_codes(self) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(rejected_events_table.c.code)).scalars())


REGISTERED = DatasetRegistered(dataset_id="cxr", owner_org="Org1MSP", name="Chest X-rays", ledger_tx_id="tx1")


def test_another_organisations_dataset_is_mirrored_and_searchable(engine: Engine) -> None:
    registry = Org2Registry(engine)
    assert registry.deliver(bridged(REGISTERED, tx_id="tx1", subject="cxr")) == (1, 0)
    mirrored = registry.dataset("cxr")
    assert mirrored is not None
    assert (mirrored.owner_org, mirrored.origin, mirrored.spec.name) == ("Org1MSP", "ledger", "Chest X-rays")
    assert (mirrored.ledger.state, mirrored.ledger.tx_id) == ("committed", "tx1")
    with engine.connect() as conn:
        page = SqlCatalog(conn).search(CatalogQuery(text="x-ray", owner="Org1MSP"))
    assert [d.dataset_id for d in page.items] == ["cxr"]


def test_mirroring_is_idempotent_by_event_id_and_by_content(engine: Engine) -> None:
    registry = Org2Registry(engine)
    first = bridged(REGISTERED, tx_id="tx1", subject="cxr")
    assert registry.deliver(first, first) == (1, 1)
    # The same registration under another event id (a bridge replay after a crash) leaves one entry.
    assert registry.deliver(bridged(REGISTERED, tx_id="tx1", subject="cxr", index=1)) == (1, 0)
    with engine.connect() as conn:
        assert len(SqlCatalog(conn).search(CatalogQuery()).items) == 1


def test_versions_are_mirrored_with_root_and_ledger_tx(engine: Engine) -> None:
    registry = Org2Registry(engine)
    version = DatasetVersionRegistered(dataset_id="cxr", version="v1", merkle_root=ROOT, size_bytes=4096,
                                       chunk_count=2, ledger_tx_id="tx2")
    registry.deliver(bridged(REGISTERED, tx_id="tx1", subject="cxr"), bridged(version, tx_id="tx2", subject="cxr"))
    mirrored = registry.dataset("cxr")
    assert mirrored is not None and len(mirrored.versions) == 1
    v1 = mirrored.versions[0]
    assert (v1.version, v1.merkle_root, v1.size_bytes, v1.chunk_count) == ("v1", ROOT, 4096, 2)
    assert (v1.origin, v1.ledger.state, v1.ledger.tx_id) == ("ledger", "committed", "tx2")


def test_unplaceable_events_are_recorded_not_applied(engine: Engine) -> None:
    registry = Org2Registry(engine)
    orphan = DatasetVersionRegistered(dataset_id="ghost", version="v1", merkle_root=ROOT, size_bytes=1,
                                      chunk_count=1, ledger_tx_id="tx9")
    hijack = DatasetRegistered(dataset_id="cxr", owner_org="Org3MSP", name="Not Org1's", ledger_tx_id="tx8")
    registry.deliver(bridged(REGISTERED, tx_id="tx1", subject="cxr"), bridged(orphan, tx_id="tx9", subject="ghost"),
                     bridged(hijack, tx_id="tx8", subject="cxr"))
    assert registry.rejected_codes() == ["LML-7210", "LML-7214"]
    kept = registry.dataset("cxr")
    assert kept is not None and kept.owner_org == "Org1MSP" and registry.dataset("ghost") is None


def test_our_own_registration_coming_back_confirms_it(engine: Engine) -> None:
    registry = Org2Registry(engine)
    spec = DatasetSpec("own", "Own data", "", (("a", "string"),), "terms", ("tag",), 0)
    with engine.begin() as conn:
        SqlCatalog(conn).add_dataset(Dataset(spec=spec, owner_org="Org2MSP", created_at=T0, origin="local"),
                                     ledger_write_id=None)
    echo = DatasetRegistered(dataset_id="own", owner_org="Org2MSP", name="Own data", ledger_tx_id="tx5")
    registry.deliver(bridged(echo, tx_id="tx5", subject="own"))
    own = registry.dataset("own")
    assert own is not None and own.origin == "local" and own.spec.tags == ("tag",)
    assert (own.ledger.state, own.ledger.tx_id) == ("committed", "tx5")
