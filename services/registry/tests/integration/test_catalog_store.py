"""The catalog and model stores on SQLite and PostgreSQL: the same portable SQL answers the same."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from ledgerml.registry.adapters.catalog_store import SqlCatalog
from ledgerml.registry.adapters.db import MIGRATIONS
from ledgerml.registry.adapters.model_store import SqlModels
from ledgerml.registry.domain import CatalogQuery, Dataset, DatasetSpec, DatasetVersion, LedgerStatus, catalog_query
from ledgerml.registry.errors import DatasetExists
from ledgerml.registry.lineage import ModelInput, ModelRecord
from ledgerml.shared.ledgerwrites import enqueue_ledger_write
from ledgerml.shared.persistence import create_db_engine
from ledgerml.shared.persistence.migrations import upgrade

pytestmark = pytest.mark.integration
ROOT = "ab" * 32


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    upgrade(engine, MIGRATIONS)
    yield engine
    engine.dispose()


def dataset(dataset_id: str, owner: str, name: str, *, description: str = "", tags: tuple[str, ...] = (),
            columns: tuple[str, ...] = ("a",)) -> Dataset:
    from datetime import UTC, datetime

    spec = DatasetSpec(dataset_id, name, description, tuple((c, "string") for c in columns), "terms", tags, 3)
    return Dataset(spec=spec, owner_org=owner, created_at=datetime.now(UTC), origin="local")


@pytest.fixture
def catalog(engine: Engine) -> Engine:
    rows = [dataset("cxr", "Org1MSP", "Chest X-rays", description="frontal 100% views", tags=("medical",),
                    columns=("image", "label")),
            dataset("ecg", "Org1MSP", "ECG traces", tags=("medical", "signals"), columns=("lead_1", "label")),
            dataset("loans", "Org2MSP", "Loan book", description="credit_risk data", tags=("finance",)),
            dataset("mri", "Org2MSP", "Brain MRI", tags=("medical",), columns=("volume",))]
    with engine.begin() as conn:
        for row in rows:
            SqlCatalog(conn).add_dataset(row, ledger_write_id=None)
    return engine


def ids(engine: Engine, **filters: str | None) -> list[str]:
    with engine.connect() as conn:
        return [d.dataset_id for d in SqlCatalog(conn).search(CatalogQuery(**filters)).items]  # type: ignore[arg-type]


def test_filters_by_text_tag_owner_and_column(catalog: Engine) -> None:
    assert ids(catalog, text="x-RAY") == ["cxr"]
    assert ids(catalog, text="100%") == ["cxr"]  # LIKE wildcards in the query are literal
    assert ids(catalog, text="n_b") == []  # would match "Loan book" if `_` were a wildcard
    assert ids(catalog, text="credit_risk") == ["loans"]
    assert ids(catalog, tag="medical") == ["cxr", "ecg", "mri"]
    assert ids(catalog, tag="medical", owner="Org2MSP") == ["mri"]
    assert ids(catalog, column="label") == ["cxr", "ecg"]
    assert ids(catalog, column="label", tag="signals", text="ecg") == ["ecg"]


def test_pages_follow_the_cursor_without_gaps_or_repeats(catalog: Engine) -> None:
    seen: list[str] = []
    cursor = None
    with catalog.connect() as conn:
        while True:
            query = catalog_query(text=None, tag=None, owner=None, column=None, limit=3, cursor=cursor)
            page = SqlCatalog(conn).search(query)
            seen += [d.dataset_id for d in page.items]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
    assert seen == ["cxr", "ecg", "loans", "mri"]


def test_duplicate_ids_are_a_conflict(catalog: Engine) -> None:
    with pytest.raises(DatasetExists), catalog.begin() as conn:
        SqlCatalog(conn).add_dataset(dataset("cxr", "Org1MSP", "again"), ledger_write_id=None)


def test_ledger_status_follows_the_write(engine: Engine) -> None:
    with engine.begin() as conn:
        write = enqueue_ledger_write(conn, function="RegisterDataset", args=["{}"], subject="cxr")
        SqlCatalog(conn).add_dataset(dataset("cxr", "Org1MSP", "X"), ledger_write_id=write.id)
        version = DatasetVersion("cxr", "v1", ROOT, 10, 1, 10, stored_at=dataset("x", "o", "n").created_at)
        SqlCatalog(conn).add_version(version, ledger_write_id="other")
    with engine.begin() as conn:
        touched = SqlCatalog(conn).apply_write_outcome(write.id, LedgerStatus("committed", "tx1", 4))
    assert touched == [("cxr", None)]
    with engine.connect() as conn:
        shown = SqlCatalog(conn).dataset("cxr")
    assert shown is not None and (shown.ledger.state, shown.ledger.tx_id, shown.ledger.block_number) == (
        "committed", "tx1", 4)
    assert shown.versions[0].ledger.state == "pending" and shown.versions[0].merkle_root == ROOT


def test_models_filter_by_dataset_job_and_party(engine: Engine) -> None:
    from datetime import UTC, datetime

    def model(model_id: str, job: str, holder: str, dataset_id: str) -> ModelRecord:
        return ModelRecord(model_id, job, "Org1MSP", holder, "logreg", "c" * 64, None,
                           (ModelInput(dataset_id, "v1", ROOT, "Org1MSP"),), "d" * 64, (("acc", 0.5),), "e" * 64,
                           "tx", None, datetime.now(UTC))

    with engine.begin() as conn:
        models = SqlModels(conn)
        assert models.add_model(model("1" * 64, "job-a", "Org2MSP", "cxr"))
        assert not models.add_model(model("1" * 64, "job-a", "Org2MSP", "cxr"))  # idempotent
        assert models.add_model(model("2" * 64, "job-b", "Org4MSP", "ecg"))
    with engine.connect() as conn:
        models = SqlModels(conn)
        assert [m.model_id for m in models.models(dataset_id="cxr", job_id=None, party=None, limit=9)] == ["1" * 64]
        assert [m.job_id for m in models.models(dataset_id=None, job_id=None, party="Org4MSP", limit=9)] == ["job-b"]
        assert len(models.models(dataset_id=None, job_id=None, party="Org1MSP", limit=9)) == 2
        found = models.model("1" * 64)
    assert found is not None and found.inputs[0].merkle_root == ROOT and dict(found.metrics) == {"acc": 0.5}
