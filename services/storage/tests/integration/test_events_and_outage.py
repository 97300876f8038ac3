"""Events reach Kafka and the registry (VersionStored → the root in the catalog; IntegrityViolated on the
topic), and an unreachable object store is a 503 that leaves nothing visible. MinIO only."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, select

from ledgerml.registry.consumers import build_consumers
from ledgerml.shared.events import Envelope, EventType, topic_for
from ledgerml.shared.messaging import OutboxRelay
from ledgerml.shared.messaging.kafka import KafkaEventSource, KafkaPublisher
from ledgerml.stack.serving import free_port, serve_app
from ledgerml.storage.adapters.db import uploads, versions
from ledgerml.storage.main import create_app

from .deployment import CHUNK, Deployment, S3Server, storage_settings

pytestmark = pytest.mark.integration
DATA = os.urandom(CHUNK * 2 + 99)


@pytest.fixture(scope="module")
def s3(stack_env: dict[str, str]) -> S3Server:
    return S3Server.from_env("minio")


def _eventually(probe: Callable[[], bool], what: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not probe():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)  # poll


def _publish_outbox(deployment: Deployment) -> None:
    publisher = KafkaPublisher(bootstrap=os.environ["LEDGERML_KAFKA_BOOTSTRAP"], client_id=f"{deployment.org}-test")
    try:
        relay = OutboxRelay(engine=deployment.storage_engine, publisher=publisher)
        while relay.publish_pending():
            pass
    finally:
        publisher.close()


def test_registry_receives_the_root_and_integrity_violations_reach_kafka(deployment: Deployment,
                                                                        dataset_id: str) -> None:
    manifest = deployment.put(dataset_id, "v1", DATA).json()
    _publish_outbox(deployment)
    consumers = build_consumers(deployment.registry_settings, deployment.registry_app.state.engine)
    try:
        def registry_root() -> bool:
            for consumer in consumers:
                consumer.process_batch(timeout_s=0.2)
            view = httpx.get(f"{deployment.registry_url}/datasets/{dataset_id}", timeout=10,
                             headers=deployment.headers(audience="registry")).json()
            return any(v["version"] == "v1" and v["merkle_root"] == manifest["merkle_root"]
                       for v in view.get("versions") or [])
        _eventually(registry_root, "the registry to record the version's root from VersionStored")
    finally:
        for consumer in consumers:
            consumer.close()
    assert deployment.get(f"/datasets/{dataset_id}/versions/v1/content").content == DATA  # roots agree

    victim = deployment.chunk_keys(dataset_id)[1]
    deployment.s3.client().remove_object(deployment.bucket, victim)
    assert deployment.get(f"/datasets/{dataset_id}/versions/v1/integrity").json()["ok"] is False
    _publish_outbox(deployment)
    source = KafkaEventSource(bootstrap=os.environ["LEDGERML_KAFKA_BOOTSTRAP"], group_id=f"test-{uuid.uuid4().hex}",
                              topics=[topic_for(deployment.org, "storage")], client_id="storage-test")
    seen: list[Envelope] = []
    try:
        def violation_on_kafka() -> bool:
            seen.extend(Envelope.from_json(r.value) for r in source.poll(0.5))
            return any(e.type is EventType.STORAGE_INTEGRITY_VIOLATED and e.subject == dataset_id for e in seen)
        _eventually(violation_on_kafka, "IntegrityViolated on the storage topic")
    finally:
        source.close()


@pytest.fixture
def storage_without_s3(deployment: Deployment, tmp_path: Path) -> Iterator[tuple[str, str]]:
    settings = storage_settings(root=tmp_path, consortium=deployment.consortium, s3=deployment.s3,
                                bucket=deployment.bucket, org=deployment.org, database_url=f"sqlite:///{tmp_path}/s.db",
                                registry_url=deployment.registry_url, access_url=f"http://127.0.0.1:{free_port()}",
                                endpoint=f"127.0.0.1:{free_port()}")
    with serve_app(create_app(settings)) as url:
        yield url, settings.database_url_value


def test_object_store_down_is_503_and_leaves_nothing_visible(deployment: Deployment, dataset_id: str,
                                                            storage_without_s3: tuple[str, str]) -> None:
    url, database_url = storage_without_s3
    refused = httpx.put(f"{url}/datasets/{dataset_id}/versions/v1", content=DATA, timeout=30,
                        headers={"content-type": "application/octet-stream", **deployment.headers()})
    assert refused.status_code == 503 and refused.json()["code"] == "LML-7111", refused.text
    assert int(refused.headers["retry-after"]) > 0
    engine = create_engine(database_url)
    with engine.connect() as conn:
        assert conn.execute(select(versions)).first() is None
        assert set(conn.execute(select(uploads.c.state)).scalars()) == {"aborted"}  # invisible, left for gc
    engine.dispose()
    missing = httpx.get(f"{url}/datasets/{dataset_id}/versions/v1", headers=deployment.headers(), timeout=10)
    assert missing.json()["code"] == "LML-7104"
