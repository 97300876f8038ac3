"""Ingest benchmark: a 1 GiB file (`--quick`: 128 MiB) uploaded and downloaded through the storage service
over HTTP (chunked, hashed, encrypted, verified) versus a raw `minio` client put/get of the same bytes
to the same MinIO, side by side, alternating order, medians of the repetitions.

The storage service runs as its own uvicorn process (`python -m ledgerml.storage serve`) so its peak RSS
(VmHWM) can be read; the real registry app answers its ownership checks (in this process, one call per
request). Both sides stream from the same file in the page cache and discard what they download.
MB = 10^6 bytes. Run: `.venv/bin/python -m bench.ingest [--quick]` with the test stack's environment.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from minio import Minio
from pydantic import SecretStr

from bench.common import median, write_result
from ledgerml.client import LedgerML
from ledgerml.client.connection import connect
from ledgerml.registry.main import create_app as registry_app
from ledgerml.registry.settings import RegistrySettings
from ledgerml.shared.identity import issue_token, load_identity
from ledgerml.stack.pki import Consortium, create_consortium
from ledgerml.stack.serving import free_port, serve_app

MB, MIB = 1_000_000, 1024 * 1024
GOAL = ("storage-service ingest >= 0.8x a raw minio put of the same bytes with peak RSS < 256 MiB; "
        "verified download likewise vs a raw get")

NOTES = ("Both sides share this machine's cores with MinIO (and with whatever else runs: see load_average_1m). "
         "Per 8 MiB chunk the service receives over HTTP, hashes the plaintext, encrypts (AES-GCM holds the "
         "GIL), hashes the ciphertext for its address, and the minio client hashes it again to sign the put "
         "(SigV4 over plain HTTP); a verified download fetches, decrypts, re-hashes and sends the bytes again "
         "through a second process hop, where the raw get streams straight from MinIO to the client.")


class Sink:
    def write(self, data: bytes) -> int:
        return len(data)


def _peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc status")


def _start_storage(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "ledgerml.storage", "serve"],
                                env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"storage exited during startup; see {log}")
        time.sleep(0.2)  # poll
    proc.terminate()
    raise RuntimeError("storage did not become healthy in 60 s")


def _register(consortium: Consortium, registry_url: str, dataset_id: str) -> None:
    who = consortium.orgs["Org1MSP"].identity("User1")
    token = issue_token(load_identity("Org1MSP", msp_dir=who.msp_dir), audience="registry")
    body = {"dataset_id": dataset_id, "name": "ingest benchmark", "schema": {"bytes": "binary"},
            "terms": "benchmark data", "price_per_job": 0}
    httpx.post(f"{registry_url}/datasets", json=body, headers={"authorization": f"Bearer {token}"},
               timeout=10).raise_for_status()


def _timed(action: Any) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _remove_bucket(s3: Minio, bucket: str) -> None:
    if s3.bucket_exists(bucket):
        for obj in s3.list_objects(bucket, recursive=True):
            s3.remove_object(bucket, obj.object_name or "")
        s3.remove_bucket(bucket)


def run(size: int, repetitions: int, work: Path) -> dict[str, Any]:
    endpoint, access, secret = (os.environ[f"LEDGERML_S3_{k}"] for k in ("ENDPOINT", "ACCESS_KEY", "SECRET_KEY"))
    s3 = Minio(endpoint, access_key=access, secret_key=secret, secure=False)
    tag = uuid.uuid4().hex[:8]
    ours_bucket, raw_bucket, dataset_id = f"lml-bench-{tag}", f"lml-bench-raw-{tag}", f"bench-{tag}"
    consortium = create_consortium(work / "pki")
    data = work / "data.bin"
    with data.open("wb") as out:
        for _ in range(size // (8 * MIB)):
            out.write(os.urandom(8 * MIB))
    key_file = work / "org.key"
    key_file.write_text(os.urandom(32).hex())
    s3.make_bucket(raw_bucket)
    bootstrap = os.environ["LEDGERML_KAFKA_BOOTSTRAP"]
    registry = registry_app(RegistrySettings(database_url=SecretStr(f"sqlite:///{work / 'registry.db'}"),
                                             kafka_bootstrap=bootstrap, msp_root=consortium.root, org=tag))
    up_ours: list[float] = []
    up_raw: list[float] = []
    down_ours: list[float] = []
    down_raw: list[float] = []
    peak = 0.0
    with serve_app(registry) as registry_url:
        _register(consortium, registry_url, dataset_id)
        port = free_port()
        env = {"LEDGERML_STORAGE_DATABASE_URL": f"sqlite:///{work / 'storage.db'}", "LEDGERML_STORAGE_ORG": tag,
               "LEDGERML_STORAGE_KAFKA_BOOTSTRAP": bootstrap, "LEDGERML_STORAGE_PORT": str(port),
               "LEDGERML_STORAGE_MSP_ROOT": str(consortium.root), "LEDGERML_STORAGE_S3_ENDPOINT": endpoint,
               "LEDGERML_STORAGE_S3_ACCESS_KEY": access, "LEDGERML_STORAGE_S3_SECRET_KEY": secret,
               "LEDGERML_STORAGE_BUCKET": ours_bucket, "LEDGERML_STORAGE_ORG_KEY_FILE": str(key_file),
               "LEDGERML_STORAGE_REGISTRY_URL": registry_url, "LEDGERML_STORAGE_LOG_LEVEL": "WARNING",
               "LEDGERML_STORAGE_MAX_VERSION_BYTES": str(4 * size),
               "LEDGERML_STORAGE_IDENTITY_MSP_DIR": str(consortium.orgs["Org1MSP"].identity("storage").msp_dir)}
        server = _start_storage(env, port, work / "storage.log")
        sdk = LedgerML(connect("org1", pki_root=consortium.root, timeout_s=300,
                               endpoints={"Org1MSP": {"storage": f"http://127.0.0.1:{port}"}}))
        try:
            for rep in range(repetitions):
                def ours_up(rep: int = rep) -> None:
                    sdk.storage.upload(data, dataset_id, f"v{rep}")

                def raw_up(rep: int = rep) -> None:
                    with data.open("rb") as source:
                        s3.put_object(raw_bucket, f"raw-{rep}", source, size)

                def ours_down(rep: int = rep) -> None:
                    assert sdk.storage.download(dataset_id, f"v{rep}", Sink()).bytes_written == size  # type: ignore[arg-type]

                def raw_down(rep: int = rep) -> None:
                    response = s3.get_object(raw_bucket, f"raw-{rep}")
                    try:
                        assert sum(len(b) for b in response.stream(MIB)) == size
                    finally:
                        response.close()
                        response.release_conn()

                pairs = [(ours_up, up_ours), (raw_up, up_raw), (ours_down, down_ours), (raw_down, down_raw)]
                order = pairs if rep % 2 == 0 else [pairs[1], pairs[0], pairs[3], pairs[2]]
                for action, sink in order:
                    sink.append(size / MB / _timed(action))
                peak = max(peak, _peak_rss_mib(server.pid))
                s3.remove_object(raw_bucket, f"raw-{rep}")
                print(f"rep {rep + 1}/{repetitions}: up ours {up_ours[-1]:.0f} raw {up_raw[-1]:.0f} MB/s, "
                      f"down ours {down_ours[-1]:.0f} raw {down_raw[-1]:.0f} MB/s, peak RSS {peak:.0f} MiB")
        finally:
            sdk.close()
            server.terminate()
            server.wait(timeout=30)
            _remove_bucket(s3, ours_bucket)
            _remove_bucket(s3, raw_bucket)
    ours, raw, d_ours, d_raw = median(up_ours), median(up_raw), median(down_ours), median(down_raw)
    return {"size_mib": size // MIB, "chunk_size_mib": 8, "unit": "MB/s, MB = 10^6 bytes",
            "mb_s_ours": round(ours, 1), "mb_s_raw": round(raw, 1), "ratio": round(ours / raw, 3),
            "peak_rss_mib": round(peak, 1), "download_mb_s_ours": round(d_ours, 1),
            "download_mb_s_raw": round(d_raw, 1), "download_ratio": round(d_ours / d_raw, 3),
            "runs": {"upload_ours": up_ours, "upload_raw": up_raw, "download_ours": down_ours,
                     "download_raw": down_raw},
            "setup": "storage service: separate uvicorn process, SQLite, registry app for ownership checks; "
                     "ours = SDK over HTTP (chunk, SHA-256, AES-256-GCM, content-addressed puts / verified "
                     "gets); raw = minio put_object/get_object of the same file to the same MinIO"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="128 MiB instead of 1 GiB")
    parser.add_argument("--repetitions", type=int, default=3)
    args = parser.parse_args(argv)
    size = (128 if args.quick else 1024) * MIB
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="lml-bench-ingest-") as work:
        fields = run(size, args.repetitions, Path(work))
    fields["load_average_1m"] = {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)}
    fields["notes"] = NOTES
    write_result("ingest", goal=GOAL, repetitions=args.repetitions, fields=fields)
    return 0


if __name__ == "__main__":
    sys.exit(main())
