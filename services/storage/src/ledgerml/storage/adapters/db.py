"""The storage service's database: wrapped data keys, uploads, chunk records and committed manifests,
beside the shared messaging and ledger-write tables.

A version is visible only through `storage_versions`, inserted in the transaction that commits the
upload (with its `VersionStored` event); `storage_chunks` rows are written before their object is put,
so every object an upload may have left behind is known to the garbage collector.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, LargeBinary, MetaData, String, Table, text

from ledgerml.shared.persistence.tables import NAMING_CONVENTION

MIGRATIONS = "ledgerml.storage:migrations"

metadata = MetaData(naming_convention=NAMING_CONVENTION)

dataset_keys = Table(
    "storage_dataset_keys", metadata,
    Column("dataset_id", String(128), primary_key=True),
    Column("wrapped_key", LargeBinary, nullable=False),
    Column("key_id", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

uploads = Table(
    "storage_uploads", metadata,
    Column("upload_id", String(36), primary_key=True),
    Column("dataset_id", String(128), nullable=False),
    Column("version", String(128), nullable=False),
    Column("state", String(16), nullable=False),  # uploading | committed | aborted
    Column("uploader", String(256), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # At most one upload of a version at a time, enforced by the database (no check-then-insert race).
    Index("ux_storage_uploads_active", "dataset_id", "version", unique=True,
          sqlite_where=text("state = 'uploading'"), postgresql_where=text("state = 'uploading'")),
    Index("ix_storage_uploads_state", "state", "updated_at"),
)

chunks = Table(
    "storage_chunks", metadata,
    Column("upload_id", String(36), primary_key=True),
    Column("chunk_index", Integer, primary_key=True),
    Column("sha256", String(64), nullable=False),
    Column("object_key", String(128), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("nonce", String(24), nullable=False),
    Index("ix_storage_chunks_object_key", "object_key"),
)

versions = Table(
    "storage_versions", metadata,
    Column("dataset_id", String(128), primary_key=True),
    Column("version", String(128), primary_key=True),
    Column("upload_id", String(36), nullable=False, unique=True),
    Column("merkle_root", String(64), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("chunk_count", Integer, nullable=False),
    Column("chunk_size", Integer, nullable=False),
    Column("uploader", String(256), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("layout", Integer, nullable=False, server_default=text("1")),  # `sealing`; 1 for versions before 0004
)
