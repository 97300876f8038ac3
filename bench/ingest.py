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
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from minio import Minio
from pydantic import SecretStr

from bench.common import RESULTS, median, write_result
from bench.ingest_profile import ProfileLog, bounds, crypto_rates, median_profile
from ledgerml.client import LedgerML
from ledgerml.client.bodies import get_body
from ledgerml.client.connection import connect
from ledgerml.registry.main import create_app as registry_app
from ledgerml.registry.settings import RegistrySettings
from ledgerml.shared.identity import issue_token, load_identity
from ledgerml.stack.pki import Consortium, create_consortium
from ledgerml.stack.serving import free_port, serve_app

MB, MIB = 1_000_000, 1024 * 1024
GOAL = ("storage-service ingest >= 0.8x a raw minio put of the same bytes with peak RSS < 256 MiB; "
        "verified download likewise vs a raw get")

SETUP = ("storage service: separate uvicorn process, SQLite, registry app for ownership checks; ours = SDK over "
         "HTTP (chunk, SHA-256 of the plaintext, AES-256-GCM binding it, puts signed with UNSIGNED-PAYLOAD / "
         "verified gets by authentication); raw = minio put_object/get_object of the same file to the same MinIO")
NOTES = ("Both sides share this machine's cores with MinIO (and with whatever else runs: see load_average_1m). "
         "Per 8 MiB chunk the service receives over HTTP, hashes the plaintext once (SHA-256, for the manifest "
         "root), encrypts once (AES-256-GCM, holding the GIL, the digest bound in its associated data) and puts "
         "the sealed bytes signed with UNSIGNED-PAYLOAD (no hash of the body; the raw client hashes every byte "
         "to sign it and MinIO checks that hash). A verified download fetches, authenticates and decrypts once "
         "per chunk (read-ahead in threads) and sends through a second process hop, where the raw get streams "
         "straight from MinIO. profile_*: seconds per stage inside the storage process, summed over its "
         "worker threads (so stages can add up to more than wall_s); ratio_bound: what one core's SHA-256 + "
         "AES-GCM (upload) or AES-GCM (download) time added to the raw transfer would allow (serial), with "
         "that work overlapped on a free core (overlapped), and serially with the HTTP hop alone (mb_s_hop: "
         "the same uvicorn stack with a null app) added too (with_hop_serial).")


class Sink:
    def write(self, data: bytes) -> int:
        return len(data)


def _peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc status")


def _start_storage(env: dict[str, str], port: int, log: Path,
                   argv: tuple[str, ...] = ("ledgerml.storage", "serve")) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", *argv], env={**os.environ, **env}, stdout=out,  # noqa: S603
                                stderr=subprocess.STDOUT)
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


@contextmanager
def _service(work: Path, size: int, tag: str) -> Iterator[tuple[Consortium, str, subprocess.Popen[bytes], int]]:
    """The registry app (ownership checks) and a storage process with its own bucket and database."""
    endpoint, access, secret = (os.environ[f"LEDGERML_S3_{k}"] for k in ("ENDPOINT", "ACCESS_KEY", "SECRET_KEY"))
    consortium = create_consortium(work / "pki")
    key_file = work / "org.key"
    key_file.write_text(os.urandom(32).hex())
    bootstrap = os.environ["LEDGERML_KAFKA_BOOTSTRAP"]
    registry = registry_app(RegistrySettings(database_url=SecretStr(f"sqlite:///{work / 'registry.db'}"),
                                             kafka_bootstrap=bootstrap, msp_root=consortium.root, org=tag))
    with serve_app(registry) as registry_url:
        dataset_id = f"bench-{tag}"
        _register(consortium, registry_url, dataset_id)
        port = free_port()
        env = {"LEDGERML_STORAGE_DATABASE_URL": f"sqlite:///{work / 'storage.db'}", "LEDGERML_STORAGE_ORG": tag,
               "LEDGERML_STORAGE_KAFKA_BOOTSTRAP": bootstrap, "LEDGERML_STORAGE_PORT": str(port),
               "LEDGERML_STORAGE_MSP_ROOT": str(consortium.root), "LEDGERML_STORAGE_S3_ENDPOINT": endpoint,
               "LEDGERML_STORAGE_S3_ACCESS_KEY": access, "LEDGERML_STORAGE_S3_SECRET_KEY": secret,
               "LEDGERML_STORAGE_BUCKET": f"lml-bench-{tag}", "LEDGERML_STORAGE_ORG_KEY_FILE": str(key_file),
               "LEDGERML_STORAGE_REGISTRY_URL": registry_url, "LEDGERML_STORAGE_LOG_LEVEL": "INFO",
               "LEDGERML_STORAGE_MAX_VERSION_BYTES": str(4 * size),
               "LEDGERML_STORAGE_IDENTITY_MSP_DIR": str(consortium.orgs["Org1MSP"].identity("storage").msp_dir)}
        server = _start_storage(env, port, work / "storage.log")
        try:
            yield consortium, dataset_id, server, port
        except BaseException:
            tail = (work / "storage.log").read_text(errors="replace").splitlines()[-15:]
            print("storage log (last lines):", *tail, sep="\n", file=sys.stderr)
            raise
        finally:
            server.terminate()
            server.wait(timeout=30)
            _remove_bucket(_s3(), f"lml-bench-{tag}")


def _s3() -> Minio:
    endpoint, access, secret = (os.environ[f"LEDGERML_S3_{k}"] for k in ("ENDPOINT", "ACCESS_KEY", "SECRET_KEY"))
    return Minio(endpoint, access_key=access, secret_key=secret, secure=False)


def _write_random(path: Path, size: int) -> None:
    with path.open("wb") as out:
        for _ in range(size // (8 * MIB)):
            out.write(os.urandom(8 * MIB))


def run(size: int, repetitions: int, work: Path) -> dict[str, Any]:
    s3, tag = _s3(), "b" + uuid.uuid4().hex[:8]  # an org name must not be all digits
    raw_bucket = f"lml-bench-raw-{tag}"
    data = work / "data.bin"
    _write_random(data, size)
    s3.make_bucket(raw_bucket)
    runs: dict[str, list[float]] = {k: [] for k in ("upload_ours", "upload_raw", "upload_hop", "download_ours",
                                                    "download_raw", "download_hop")}
    profiles: dict[str, list[dict[str, Any]]] = {"upload": [], "download": []}
    rates = [crypto_rates()]
    peak = 0.0
    with _service(work, size, tag) as (consortium, dataset_id, server, port):
        log = ProfileLog(work / "storage.log")
        hop_port = free_port()
        hop = _start_storage({}, hop_port, work / "hop.log", ("bench.ingest_hop", str(hop_port)))
        hop_url = f"http://127.0.0.1:{hop_port}"
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

                def hop_up() -> None:
                    with data.open("rb") as source:
                        httpx.put(f"{hop_url}/sink", content=iter(lambda: source.read(MIB), b""), timeout=300,
                                  headers={"content-type": "application/octet-stream",
                                           "content-length": str(size)}).raise_for_status()

                def hop_down() -> None:
                    with get_body(hop_url, f"/source/{size}", headers={}, timeout_s=300, service="hop") as body:
                        assert sum(len(b) for b in body.blocks()) == size

                up = [(ours_up, "upload_ours"), (raw_up, "upload_raw"), (hop_up, "upload_hop")]
                down = [(ours_down, "download_ours"), (raw_down, "download_raw"), (hop_down, "download_hop")]
                order = up + down if rep % 2 == 0 else up[::-1] + down[::-1]
                for action, name in order:
                    runs[name].append(size / MB / _timed(action))
                for profile in log.new():
                    profiles[profile["kind"]].append(profile)
                peak = max(peak, _peak_rss_mib(server.pid))
                s3.remove_object(raw_bucket, f"raw-{rep}")
                print(f"rep {rep + 1}/{repetitions}: MB/s " + ", ".join(f"{k} {v[-1]:.0f}" for k, v in runs.items())
                      + f"; peak RSS {peak:.0f} MiB")
        finally:
            sdk.close()
            hop.terminate()
            hop.wait(timeout=30)
            _remove_bucket(s3, raw_bucket)
    rates.append(crypto_rates())
    return _fields(size, runs, profiles, rates, peak)


def _fields(size: int, runs: dict[str, list[float]], profiles: dict[str, list[dict[str, Any]]],
            rates: list[dict[str, float]], peak: float) -> dict[str, Any]:
    ours, raw, hop, d_ours, d_raw, d_hop = (median(runs[k]) for k in (
        "upload_ours", "upload_raw", "upload_hop", "download_ours", "download_raw", "download_hop"))
    crypto = {k: round(median([r[k] for r in rates]), 1) for k in rates[0]}
    return {"size_mib": size // MIB, "chunk_size_mib": 8, "unit": "MB/s, MB = 10^6 bytes",
            "mb_s_ours": round(ours, 1), "mb_s_raw": round(raw, 1), "ratio": round(ours / raw, 3),
            "peak_rss_mib": round(peak, 1), "download_mb_s_ours": round(d_ours, 1),
            "download_mb_s_raw": round(d_raw, 1), "download_ratio": round(d_ours / d_raw, 3),
            "mb_s_hop": round(hop, 1), "hop_ratio": round(hop / raw, 3), "download_mb_s_hop": round(d_hop, 1),
            "download_hop_ratio": round(d_hop / d_raw, 3), "crypto_mb_s": crypto, "crypto_mb_s_runs": rates,
            "ratio_bound": bounds(size, raw_mb_s=raw, hop_mb_s=hop,
                                  crypto_mb_s=[crypto["sha256_mb_s"], crypto["aes_gcm_encrypt_mb_s"]]),
            "download_ratio_bound": bounds(size, raw_mb_s=d_raw, hop_mb_s=d_hop,
                                           crypto_mb_s=[crypto["aes_gcm_decrypt_mb_s"]]),
            "profile_upload": median_profile(profiles["upload"]),
            "profile_download": median_profile(profiles["download"]),
            "runs": runs, "setup": SETUP}


def run_big(size: int, work: Path) -> dict[str, Any]:
    """One upload of `size` bytes through the CLI (`ledgerml datasets upload`, progress bar on this terminal)
    to a fresh storage process; its peak RSS is what a data owner's large file costs the service."""
    tag = "b" + uuid.uuid4().hex[:8]  # an org name must not be all digits
    data = work / "big.bin"
    _write_random(data, size)
    try:
        with _service(work, size, tag) as (consortium, dataset_id, server, port):
            endpoints = work / "endpoints.json"
            endpoints.write_text(json.dumps({"Org1MSP": {"storage": f"http://127.0.0.1:{port}"}}))
            env = {**os.environ, "LEDGERML_ENDPOINTS_FILE": str(endpoints), "LEDGERML_PKI_ROOT": str(consortium.root)}
            command = [str(Path(sys.executable).parent / "ledgerml"), "--org", "org1", "datasets", "upload",
                       str(data), "--dataset", dataset_id, "--version", "big"]
            started = time.perf_counter()
            subprocess.run(command, env=env, check=True)  # noqa: S603 - our own CLI
            seconds = time.perf_counter() - started
            profile = ProfileLog(work / "storage.log").new()
            peak = _peak_rss_mib(server.pid)
    finally:
        data.unlink(missing_ok=True)
    return {"size_mib": size // MIB, "via": "ledgerml datasets upload (CLI, progress bar)",
            "mb_s": round(size / MB / seconds, 1), "peak_rss_mib": round(peak, 1),
            "profile": profile[-1] if profile else None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="128 MiB instead of 1 GiB")
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--big", action="store_true", help="also upload 5 GiB once through the CLI (peak RSS)")
    parser.add_argument("--big-only", action="store_true", help="only the --big run; merged into the results")
    args = parser.parse_args(argv)
    size = (128 if args.quick else 1024) * MIB
    load_before = os.getloadavg()[0]
    if args.big_only:
        with tempfile.TemporaryDirectory(prefix="lml-bench-ingest-") as work:
            big = run_big(5 * 1024 * MIB, Path(work))
        previous = json.loads((RESULTS / "ingest.json").read_text())
        previous["big"] = {**big, "load_average_1m": round(os.getloadavg()[0], 2)}
        (RESULTS / "ingest.json").write_text(json.dumps(previous, indent=2) + "\n")
        print(json.dumps(previous["big"], indent=2))
        return 0
    with tempfile.TemporaryDirectory(prefix="lml-bench-ingest-") as work:
        fields = run(size, args.repetitions, Path(work))
        if args.big:
            fields["big"] = run_big(5 * 1024 * MIB, Path(work))
    fields["load_average_1m"] = {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)}
    fields["notes"] = NOTES
    write_result("ingest", goal=GOAL, repetitions=args.repetitions, fields=fields)
    return 0


if __name__ == "__main__":
    sys.exit(main())
