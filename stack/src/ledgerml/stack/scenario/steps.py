"""The seeds' scenario, step by step, through the SDK as each organisation's users.

Org1 owns the breast-cancer dataset, Org2 is the data scientist, Org3 audits. Ledger-backed moves
are attempted for real and reported BLOCKED when the ledger answers LML-5004.
"""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from minio import Minio

from ledgerml.client import LedgerML
from ledgerml.client.audit import verify_offline
from ledgerml.shared.errors import LedgerMLError
from ledgerml.shared.merkle import root_of_entries
from ledgerml.stack.config import REPO_ROOT
from ledgerml.stack.scenario.narration import Blocked, ledger_state, poll, require_ledger


@dataclass
class World:
    org1: LedgerML
    org2: LedgerML
    org3: LedgerML
    out_dir: Path
    s3: Minio
    train_csv: Path = Path()
    heldout_csv: Path = Path()
    dataset_id: str = field(default_factory=lambda: f"breast-cancer-{uuid.uuid4().hex[:6]}")
    manifest: dict[str, Any] = field(default_factory=dict)
    request: dict[str, Any] = field(default_factory=dict)


def prepare_data(w: World) -> list[str]:
    """The catalog's own data tool (ray_jobs/data.py) writes the split; run as the repository's module."""
    out = w.out_dir / "data"
    argv = [sys.executable, "-m", "ray_jobs.data", "breast-cancer", "--out", str(out)]
    done = subprocess.run(argv, cwd=REPO_ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise RuntimeError(f"ray_jobs.data failed: {done.stderr[-500:]}")
    info = json.loads(done.stdout)
    w.train_csv = w.out_dir / "data" / "breast_cancer_train.csv"
    w.heldout_csv = w.out_dir / "data" / "breast_cancer_heldout.csv"
    return [f"scikit-learn breast-cancer split: {w.train_csv.name} ({info[w.train_csv.name]['rows']} rows, "
            f"Org1's data), {w.heldout_csv.name} ({info[w.heldout_csv.name]['rows']} rows, held out)"]


def register_dataset(w: World) -> list[str]:
    header = w.train_csv.read_text().splitlines()[0].split(",")
    schema = {c: ("integer" if c == "label" else "float") for c in header}
    view = w.org1.registry.create_dataset(dataset_id=w.dataset_id, name="Breast cancer (Wisconsin), Org1 clinics",
                                          description="Tumour features from fine-needle aspirates",
                                          schema=schema, terms="Training only; no re-identification",
                                          tags=["medical", "tabular"], price_per_job=5)
    return [f"Org1 registered {view['dataset_id']} (owner {view['owner_org']}, {len(schema)} columns); "
            f"ledger RegisterDataset: {ledger_state(view)}"]


def upload(w: World) -> list[str]:
    from ledgerml.cli.app import transfer_progress

    size = w.train_csv.stat().st_size
    with transfer_progress(f"upload {w.dataset_id}@v1", size) as advance:
        w.manifest = w.org1.storage.upload(w.train_csv, w.dataset_id, "v1", progress=lambda n, _total: advance(n))
    m = w.manifest
    return [f"{m['size_bytes']} bytes in {m['chunk_count']} chunk(s), AES-256-GCM at rest, "
            f"Merkle root {m['merkle_root']}"]


def recompute_root(w: World) -> list[str]:
    data, chunk = w.train_csv.read_bytes(), int(w.manifest["chunk_size"])
    digests = [hashlib.sha256(data[i:i + chunk]).digest() for i in range(0, len(data), chunk)]
    mine = root_of_entries(digests).hex()
    if mine != w.manifest["merkle_root"]:
        raise AssertionError(f"root recomputed from the plaintext {mine} != stored {w.manifest['merkle_root']}")
    return [f"root recomputed from the plaintext by Org1's client matches: {mine[:16]}…"]


def registry_sees_version(w: World) -> list[str]:
    def versions() -> list[dict[str, Any]]:
        return list(w.org1.registry.get_dataset(w.dataset_id).get("versions") or [])

    found = poll(versions, what="version in Org1's registry (via Kafka)", timeout_s=30)
    version = found[0] if isinstance(found, list) else {}
    return [f"Org1's registry recorded v1 from storage's event: root {str(version.get('merkle_root'))[:16]}…, "
            f"ledger RegisterDatasetVersion: {ledger_state(version)}"]


def auditor_integrity(w: World) -> list[str]:
    report = w.org3.storage.integrity(w.dataset_id, "v1", owner_org="Org1MSP")
    if not report.get("ok"):
        raise AssertionError(f"integrity check failed: {report}")
    return [f"Org3 (auditor) re-verified {report['chunks_ok']} chunk(s) in Org1's store: ok"]


def org2_catalog(w: World) -> list[str]:
    page = w.org2.registry.search(w.dataset_id)
    if any(d.get("dataset_id") == w.dataset_id for d in page.get("items", [])):
        return ["Org2 finds Org1's dataset in its own catalog"]
    raise Blocked("Org2's catalog mirrors other organisations' datasets from ledger events; none arrive "
                  "without the Fabric ledger")


def org2_download_refused(w: World) -> list[str]:
    try:
        w.org2.storage.download(w.dataset_id, "v1", io.BytesIO(), owner_org="Org1MSP")
    except LedgerMLError as exc:
        if exc.status != 403:
            raise
        return [f"Org2 without a grant is refused: {exc.code} {exc.detail}"]
    raise AssertionError("Org2 downloaded Org1's data without a grant")


def org2_requests_access(w: World) -> list[str]:
    w.request = w.org2.access.request(dataset_id=w.dataset_id, owner_org="Org1MSP", purpose="train",
                                      requested_expiry=datetime.now(UTC) + timedelta(days=30))
    lines = [f"Org2 asked Org1 for `train` access: request {w.request.get('request_id')}, "
             f"ledger RequestAccess: {ledger_state(w.request)}"]
    require_ledger(w.request, "Org1 sees the request only once it is on the ledger")
    return lines


def org1_grants(w: World) -> list[str]:
    incoming = [r for r in w.org1.access.incoming() if r.get("dataset_id") == w.dataset_id]
    if not incoming:
        raise Blocked("no incoming request at Org1: requests reach the owner through ledger events")
    granted = w.org1.access.grant(incoming[0]["request_id"], max_jobs=2, compute_only=True)
    require_ledger(granted, "GrantAccess")
    return [f"Org1 granted: {ledger_state(granted)}"]


def org2_requests_training(w: World) -> list[str]:
    job = w.org2.training.submit(datasets=[{"dataset_id": w.dataset_id, "version": "v1", "owner_org": "Org1MSP"}],
                                 algorithm="tabular_classifier", deposit=5, hyperparameters={"epochs": 20})
    lines = [f"Org2 requested training job {job.get('job_id')} (deposit 5 credits); "
             f"ledger RequestTraining: {ledger_state(job)}"]
    require_ledger(job, "Org1's orchestrator trains only after TrainingRequested/Accepted on the ledger")
    return lines


def org3_audits(w: World) -> list[str]:
    entries = list(w.org3.audit.timeline(log_org="Org1MSP", dataset_id=w.dataset_id))
    if not entries:
        raise AssertionError("Org1's audit log has no entry for the dataset")
    seq = int(entries[0]["seq"])

    def proof() -> dict[str, Any] | None:
        try:
            return w.org3.audit.proof(seq, log_org="Org1MSP")
        except Exception:  # noqa: BLE001 - no signed tree head yet: keep polling
            return None

    found = poll(proof, what="a signed tree head covering the entry", timeout_s=30)
    assert isinstance(found, dict)
    result = verify_offline(found["entry"], found)
    if not result.proof_valid or result.head_signature != "valid":
        raise AssertionError(f"inclusion proof did not verify: {result.reason}")
    actions = sorted({str(e.get("entry", e).get("action", "?")) for e in entries})
    anchor = (found.get("tree_head") or {}).get("ledger") or {}
    return [f"Org3 read {len(entries)} entr(ies) of Org1's audit log for the dataset: {', '.join(actions)}",
            f"inclusion proof of entry {seq} verified offline against tree head size {result.tree_size}, "
            f"signed by {result.head_signer}",
            f"anchor of that head on the ledger (AnchorAuditRoot): {anchor.get('state', 'pending')} "
            f"{anchor.get('error_code') or ''}".rstrip()]


def audit_report(w: World) -> list[str]:
    html = w.org3.audit.report("dataset", w.dataset_id, log_org="Org1MSP")
    path = w.out_dir / f"audit-report-{w.dataset_id}.html"
    path.write_text(html)
    return [f"Org3's report for the dataset: {path}"]


def tamper_detected(w: World) -> list[str]:
    bucket = "ledgerml-org1-datasets"
    key = _chunk_object(w, bucket)
    sealed = bytearray(w.s3.get_object(bucket, key).read())
    sealed[len(sealed) // 2] ^= 0x01
    w.s3.put_object(bucket, key, io.BytesIO(bytes(sealed)), len(sealed))
    try:
        report = w.org1.storage.integrity(w.dataset_id, "v1")
        if report.get("ok"):
            raise AssertionError("a flipped byte in the bucket went unnoticed")
        failed = report["chunks_failed"][0]
    finally:
        sealed[len(sealed) // 2] ^= 0x01
        w.s3.put_object(bucket, key, io.BytesIO(bytes(sealed)), len(sealed))
    return [f"one byte flipped directly in MinIO ({bucket}/{key[:16]}…): integrity check fails at chunk "
            f"{failed['index']}, expected {str(failed['expected_sha256'])[:16]}…; byte restored afterwards"]


def _chunk_object(w: World, bucket: str) -> str:
    """The newest object in Org1's bucket is the demo version's chunk (one chunk, just uploaded)."""
    objects = [o for o in w.s3.list_objects(bucket, prefix="chunks/", recursive=True) if o.object_name]
    if not objects:
        raise AssertionError(f"no objects in {bucket}")
    newest = max(objects, key=lambda o: o.last_modified or datetime.min.replace(tzinfo=UTC))
    return str(newest.object_name)


def org1_revokes(w: World) -> list[str]:
    raise Blocked("revocation is a ledger transaction on a grant, and no grant exists without the ledger")
