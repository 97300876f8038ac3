"""The registry service's tables, beside the shared messaging and ledger-write tables.

The catalog holds this organisation's datasets (origin `local`, registered here) and other
organisations' public metadata mirrored from ledger events (origin `ledger`). Tags and schema columns
sit in their own tables so that filtering needs only portable SQL (no JSON or array operators).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, DateTime, Index, Integer, MetaData, String, Table, Text

from ledgerml.shared.persistence.tables import NAMING_CONVENTION, AutoId

MIGRATIONS = "ledgerml.registry:migrations"

metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _ledger_columns() -> list[Column[object]]:
    return [
        Column("ledger_write_id", String(36), nullable=True, index=True),
        Column("ledger_state", String(16), nullable=False),
        Column("tx_id", String(128), nullable=True),
        Column("block_number", BigInteger, nullable=True),
        Column("error_code", String(16), nullable=True),
        Column("error_detail", String(1024), nullable=True),
    ]


datasets_table = Table(
    "registry_datasets",
    metadata,
    Column("dataset_id", String(128), primary_key=True),
    Column("owner_org", String(64), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("schema_json", Text, nullable=False),
    Column("terms", Text, nullable=False),
    Column("tags_json", Text, nullable=False),
    Column("price_per_job", BigInteger, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("origin", String(8), nullable=False),
    *_ledger_columns(),
)

dataset_tags_table = Table(
    "registry_dataset_tags",
    metadata,
    Column("dataset_id", String(128), primary_key=True),
    Column("tag", String(32), primary_key=True),
    Index("ix_registry_dataset_tags_tag", "tag"),
)

dataset_columns_table = Table(
    "registry_dataset_columns",
    metadata,
    Column("dataset_id", String(128), primary_key=True),
    Column("column_name", String(64), primary_key=True),
    Index("ix_registry_dataset_columns_column_name", "column_name"),
)

versions_table = Table(
    "registry_versions",
    metadata,
    Column("dataset_id", String(128), primary_key=True),
    Column("version", String(128), primary_key=True),
    Column("merkle_root", String(64), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("chunk_count", BigInteger, nullable=False),
    Column("chunk_size", BigInteger, nullable=True),
    Column("stored_at", DateTime(timezone=True), nullable=False),
    Column("origin", String(8), nullable=False),
    *_ledger_columns(),
)

rejected_events_table = Table(
    "registry_rejected_events",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("event_id", String(128), nullable=False),
    Column("event_type", String(128), nullable=False),
    Column("subject", String(256), nullable=False),
    Column("code", String(16), nullable=False),
    Column("reason", String(1024), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
)

models_table = Table(
    "registry_models",
    metadata,
    Column("model_id", String(64), primary_key=True),
    Column("job_id", String(128), nullable=False, index=True),
    Column("producer_org", String(64), nullable=False),
    Column("holder_org", String(64), nullable=True),
    Column("algorithm", String(128), nullable=True),
    Column("code_hash", String(64), nullable=True),
    Column("hyperparameters_hash", String(64), nullable=True),
    Column("transcript_root", String(64), nullable=False),
    Column("metrics_json", Text, nullable=False),
    Column("metrics_hash", String(64), nullable=False),
    Column("lineage_complete", Boolean, nullable=False),
    Column("tx_id", String(128), nullable=True),
    Column("block_number", BigInteger, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

model_inputs_table = Table(
    "registry_model_inputs",
    metadata,
    Column("model_id", String(64), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("dataset_id", String(128), nullable=False, index=True),
    Column("version", String(128), nullable=False),
    Column("merkle_root", String(64), nullable=True),
    Column("owner_org", String(64), nullable=True),
)

training_jobs_table = Table(
    "registry_training_jobs",
    metadata,
    Column("job_id", String(128), primary_key=True),
    Column("requester_org", String(64), nullable=False),
    Column("algorithm", String(128), nullable=False),
    Column("code_hash", String(64), nullable=False),
    Column("hyperparameters_hash", String(64), nullable=True),
    Column("datasets_json", Text, nullable=False),
    Column("requested_tx_id", String(128), nullable=False),
    Column("seen_at", DateTime(timezone=True), nullable=False),
)
