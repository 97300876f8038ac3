"""One organisation's registry, access-control and storage apps on real HTTP, over one S3 server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from fastapi import FastAPI
from minio import Minio
from sqlalchemy import Engine, select

from ledgerml.access_control.main import create_app as access_app
from ledgerml.access_control.settings import AccessControlSettings
from ledgerml.registry.main import create_app as registry_app
from ledgerml.registry.settings import RegistrySettings
from ledgerml.shared.identity import issue_token, load_identity
from ledgerml.stack.pki import Consortium
from ledgerml.stack.serving import serve_app
from ledgerml.stack.testing.kafka import remove_topics
from ledgerml.storage.adapters.db import chunks, versions
from ledgerml.storage.main import create_app as storage_app
from ledgerml.storage.settings import StorageSettings

CHUNK = 64 * 1024
SERVERS = {"minio": "LEDGERML_S3", "versitygw": "LEDGERML_S3B"}


@dataclass(frozen=True)
class S3Server:
    name: str
    endpoint: str
    access_key: str
    secret_key: str

    @classmethod
    def from_env(cls, name: str) -> S3Server:
        prefix = SERVERS[name]
        return cls(name, os.environ[f"{prefix}_ENDPOINT"], os.environ[f"{prefix}_ACCESS_KEY"],
                   os.environ[f"{prefix}_SECRET_KEY"])

    def client(self) -> Minio:
        return Minio(self.endpoint, access_key=self.access_key, secret_key=self.secret_key, secure=False)


@dataclass
class Deployment:
    consortium: Consortium
    s3: S3Server
    bucket: str
    org: str
    storage_url: str
    registry_url: str
    storage_settings: StorageSettings
    registry_settings: RegistrySettings
    storage_app: FastAPI
    registry_app: FastAPI

    @property
    def storage_engine(self) -> Engine:
        engine: Engine = self.storage_app.state.engine
        return engine

    def headers(self, msp_id: str = "Org1MSP", name: str = "User1", audience: str = "storage") -> dict[str, str]:
        files = self.consortium.orgs[msp_id].identity(name)
        token = issue_token(load_identity(msp_id, msp_dir=files.msp_dir), audience=audience)
        return {"authorization": f"Bearer {token}"}

    def register(self, dataset_id: str) -> None:
        body = {"dataset_id": dataset_id, "name": f"test {dataset_id}", "schema": {"x": "float"},
                "terms": "testing only", "price_per_job": 0}
        created = httpx.post(f"{self.registry_url}/datasets", json=body, timeout=10,
                             headers=self.headers(audience="registry"))
        assert created.status_code == 202, created.text

    def put(self, dataset_id: str, version: str, data: bytes, msp_id: str = "Org1MSP") -> httpx.Response:
        return httpx.put(f"{self.storage_url}/datasets/{dataset_id}/versions/{version}", content=data, timeout=30,
                         headers={"content-type": "application/octet-stream", **self.headers(msp_id)})

    def get(self, path: str, msp_id: str = "Org1MSP", **headers: str) -> httpx.Response:
        return httpx.get(f"{self.storage_url}{path}", timeout=30, headers={**self.headers(msp_id), **headers})

    def chunk_keys(self, dataset_id: str, version: str = "v1") -> list[str]:
        """Object keys of a stored version's chunks, in order (from the storage database)."""
        query = (select(chunks.c.object_key).join(versions, versions.c.upload_id == chunks.c.upload_id)
                 .where(versions.c.dataset_id == dataset_id, versions.c.version == version)
                 .order_by(chunks.c.chunk_index))
        with self.storage_engine.connect() as conn:
            return list(conn.execute(query).scalars())

    def objects(self) -> set[str]:
        return {o.object_name or "" for o in self.s3.client().list_objects(self.bucket, recursive=True)}


def storage_settings(*, root: Path, consortium: Consortium, s3: S3Server, bucket: str, org: str, database_url: str,
                     registry_url: str, access_url: str, endpoint: str | None = None,
                     chunk_size: int = CHUNK) -> StorageSettings:
    key_file = root / "org1.key"
    if not key_file.exists():
        key_file.write_text(os.urandom(32).hex())
    return StorageSettings(
        database_url=database_url, kafka_bootstrap=os.environ["LEDGERML_KAFKA_BOOTSTRAP"], msp_root=consortium.root,
        org=org, msp_id="Org1MSP", s3_endpoint=endpoint or s3.endpoint, s3_access_key=s3.access_key,
        s3_secret_key=s3.secret_key, bucket=bucket, chunk_size_bytes=chunk_size, max_version_bytes=4 * 1024 * 1024,
        org_key_file=key_file, registry_url=registry_url, access_control_url=access_url, s3_timeout_s=5,
        identity_msp_dir=consortium.orgs["Org1MSP"].identity("storage").msp_dir)


@contextmanager
def deploy(consortium: Consortium, s3: S3Server, root: Path, database_url: str, *,
           chunk_size: int = CHUNK) -> Iterator[Deployment]:
    org, bucket = f"st{uuid.uuid4().hex[:8]}", f"lml-st-{uuid.uuid4().hex[:12]}"
    bootstrap = os.environ["LEDGERML_KAFKA_BOOTSTRAP"]
    common = {"kafka_bootstrap": bootstrap, "msp_root": consortium.root, "org": org, "msp_id": "Org1MSP"}
    registry_settings = RegistrySettings(database_url=f"sqlite:///{root / 'registry.db'}", **common)
    access_settings = AccessControlSettings(database_url=f"sqlite:///{root / 'access.db'}", **common)
    with ExitStack() as stack:
        registry = registry_app(registry_settings)
        registry_url = stack.enter_context(serve_app(registry))
        access_url = stack.enter_context(serve_app(access_app(access_settings)))
        settings = storage_settings(root=root, consortium=consortium, s3=s3, bucket=bucket, org=org,
                                    database_url=database_url, registry_url=registry_url, access_url=access_url,
                                    chunk_size=chunk_size)
        storage = storage_app(settings)
        storage_url = stack.enter_context(serve_app(storage))
        try:
            yield Deployment(consortium, s3, bucket, org, storage_url, registry_url, settings, registry_settings,
                             storage, registry)
        finally:
            _remove_bucket(s3.client(), bucket)
            remove_topics(bootstrap, org)


def _remove_bucket(client: Minio, bucket: str) -> None:
    if not client.bucket_exists(bucket):
        return
    for obj in client.list_objects(bucket, recursive=True):
        client.remove_object(bucket, obj.object_name or "")
    client.remove_bucket(bucket)
