"""Round trips through each real component; used by the smoke tests and narrated by `make demo`."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

RAY_JOB_DIR = Path(__file__).with_name("ray_smoke")


@dataclass(frozen=True)
class KafkaResult:
    topic: str
    partition: int
    offset: int
    received: bytes


@dataclass(frozen=True)
class S3Result:
    bucket: str
    key: str
    sha256_b64: str
    returned_checksum: str
    body_matches: bool
    tampered_upload_refused: bool


@dataclass(frozen=True)
class RayResult:
    job_id: str
    status: str
    logs: str
    seconds: float


def kafka_roundtrip(bootstrap: str, payload: bytes) -> KafkaResult:
    """Idempotent producer (acks=all) writes one record; a fresh consumer group reads it back."""
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition

    topic = f"smoke.{uuid.uuid4().hex[:8]}"
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    try:
        meta = producer.send(topic, key=b"smoke", value=payload).get(timeout=30)
    finally:
        producer.close(timeout=5)
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=f"smoke-{uuid.uuid4().hex[:6]}",
                             enable_auto_commit=False, auto_offset_reset="earliest")
    try:
        tp = TopicPartition(topic, meta.partition)
        consumer.assign([tp])
        consumer.seek(tp, meta.offset)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=1000).values():
                for record in records:
                    if record.offset == meta.offset:
                        return KafkaResult(topic, meta.partition, meta.offset, record.value)
    finally:
        consumer.close()
    raise TimeoutError(f"record {topic}@{meta.offset} not consumed within 30s")


def s3_roundtrip(endpoint: str, access_key: str, secret_key: str, payload: bytes) -> S3Result:
    """PUT with an x-amz-checksum-sha256 the server verifies; GET it back in checksum mode."""
    from minio import Minio
    from minio.error import S3Error

    client = Minio(endpoint, access_key=access_key, secret_key=secret_key, secure=False)
    bucket, key = "smoke", f"obj-{uuid.uuid4().hex[:8]}"
    if not client.bucket_exists(bucket):
        client.make_bucket(bucket)
    digest = base64.b64encode(hashlib.sha256(payload).digest()).decode()
    client.put_object(bucket, key, io.BytesIO(payload), len(payload),
                      metadata={"x-amz-checksum-sha256": digest})
    response = client.get_object(bucket, key, request_headers={"x-amz-checksum-mode": "ENABLED"})
    try:
        body, returned = response.read(), response.headers.get("x-amz-checksum-sha256", "")
    finally:
        response.close()
        response.release_conn()
    wrong = base64.b64encode(hashlib.sha256(payload + b"!").digest()).decode()
    try:
        client.put_object(bucket, key + "-bad", io.BytesIO(payload), len(payload),
                          metadata={"x-amz-checksum-sha256": wrong})
        refused = False
    except S3Error:
        refused = True
    return S3Result(bucket, key, digest, returned, body == payload, refused)


def ray_torch_job(dashboard: str, timeout_s: float = 180) -> RayResult:
    """Submit a job through the Jobs API that imports torch and computes a tensor."""
    from ray.job_submission import JobStatus, JobSubmissionClient

    started = time.monotonic()
    client = JobSubmissionClient(dashboard)
    job_id = client.submit_job(
        entrypoint="python job.py",
        runtime_env={"working_dir": str(RAY_JOB_DIR)},
        entrypoint_num_cpus=1,
    )
    terminal = {JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.STOPPED}
    deadline = started + timeout_s
    status = client.get_job_status(job_id)
    while status not in terminal and time.monotonic() < deadline:
        time.sleep(0.5)  # poll
        status = client.get_job_status(job_id)
    if status not in terminal:
        client.stop_job(job_id)
    return RayResult(job_id, str(status), client.get_job_logs(job_id), time.monotonic() - started)


def load_stack_env(env_file: Path) -> dict[str, str]:
    values = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)
    os.environ.update({k: v for k, v in values.items() if k.startswith("RAY_")})
    return values
