"""Catalog: Org1 registers and uploads its dataset; the ledger records both; Org2's and Org3's registries
mirror them from ledger events; Org3 checks the root against the ledger and against the chunks."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from typing import Any

from ledgerml.shared.merkle import root_of_entries
from ledgerml.stack.config import REPO_ROOT
from ledgerml.stack.scenario.narration import await_committed, ledger_state, poll
from ledgerml.stack.scenario.world import OWNER, World, found_or_none


def prepare_data(w: World) -> list[str]:
    """The catalog's own data tool (ray_jobs/data.py) writes the split; run as the repository's module."""
    out = w.out_dir / "data"
    argv = [sys.executable, "-m", "ray_jobs.data", "breast-cancer", "--out", str(out)]
    done = subprocess.run(argv, cwd=REPO_ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise RuntimeError(f"ray_jobs.data failed: {done.stderr[-500:]}")
    info = json.loads(done.stdout)
    w.train_csv = out / "breast_cancer_train.csv"
    w.heldout_csv = out / "breast_cancer_heldout.csv"
    return [f"scikit-learn breast-cancer split: {w.train_csv.name} ({info[w.train_csv.name]['rows']} rows, "
            f"Org1's data), {w.heldout_csv.name} ({info[w.heldout_csv.name]['rows']} rows, held out)"]


def register_dataset(w: World) -> list[str]:
    header = w.train_csv.read_text().splitlines()[0].split(",")
    schema = {c: ("integer" if c == "target" else "float") for c in header}
    view = w.org1.registry.create_dataset(dataset_id=w.dataset_id, name="Breast cancer (Wisconsin), Org1 clinics",
                                          description="Tumour features from fine-needle aspirates",
                                          schema=schema, terms="Training only; no re-identification",
                                          tags=["medical", "tabular"], price_per_job=5)
    answered = ledger_state(view)
    done = await_committed(lambda: w.org1.registry.get_dataset(w.dataset_id), what="RegisterDataset")
    return [f"Org1 registered {view['dataset_id']} ({len(schema)} columns, 5 credits per job); the API answered "
            f"202 ({answered})", f"RegisterDataset {ledger_state(done)}"]


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


def _version(w: World, org: Any) -> dict[str, Any] | None:
    dataset = found_or_none(lambda: org.registry.get_dataset(w.dataset_id))
    versions = [v for v in (dataset or {}).get("versions") or [] if v.get("version") == "v1"]
    return versions[0] if versions else None


def version_on_ledger(w: World) -> list[str]:
    poll(lambda: _version(w, w.org1), what="v1 in Org1's registry (from storage's Kafka event)")
    version = await_committed(lambda: _version(w, w.org1) or {}, what="RegisterDatasetVersion")
    if version["merkle_root"] != w.manifest["merkle_root"]:
        raise AssertionError(f"registry root {version['merkle_root']} != storage's {w.manifest['merkle_root']}")
    return [f"Org1's registry recorded v1 from storage's event; RegisterDatasetVersion {ledger_state(version)}",
            f"root on the ledger: {version['merkle_root']}"]


def mirrors(w: World) -> list[str]:
    lines = []
    for name, org in (("Org2", w.org2), ("Org3", w.org3)):
        def mirrored(org: Any = org) -> dict[str, Any] | None:
            version = _version(w, org)
            ledger = (version or {}).get("ledger") or {}
            return version if ledger.get("state") == "committed" and ledger.get("block_number") else None

        version = poll(mirrored, what=f"{w.dataset_id}@v1 in {name}'s registry (from ledger events)")
        dataset = org.registry.get_dataset(w.dataset_id)
        if (dataset["owner_org"], version["merkle_root"]) != (OWNER, w.manifest["merkle_root"]):
            raise AssertionError(f"{name}'s mirror says owner {dataset['owner_org']}, root {version['merkle_root']}")
        lines.append(f"{name}'s registry mirrors it from its bridge: owner {dataset['owner_org']}, root "
                     f"{version['merkle_root'][:16]}…, {ledger_state(version)}")
    listed = w.org2.registry.iter_datasets("Breast cancer", owner=OWNER)
    if not any(d.get("dataset_id") == w.dataset_id for d in listed):
        raise AssertionError("Org2's catalog search does not find the mirrored dataset")
    lines.append("Org2's catalog search (\"Breast cancer\", owner Org1MSP) finds it")
    return lines


def auditor_checks_root(w: World) -> list[str]:
    on_ledger = w.org3.ledger.evaluate("GetDatasetVersion", [w.dataset_id, "v1"]) or {}
    mirrored = _version(w, w.org3) or {}
    report = w.org3.storage.integrity(w.dataset_id, "v1", owner_org=OWNER)
    roots = {"ledger": on_ledger.get("merkle_root"), "Org3's registry": mirrored.get("merkle_root"),
             "Org1's chunks, recomputed": report.get("merkle_root_recomputed")}
    if not report.get("ok") or len(set(roots.values())) != 1:
        raise AssertionError(f"roots differ or chunks fail: {roots}, chunks failed {report.get('chunks_failed')}")
    return [f"Org3 (auditor) re-verified {report['chunks_ok']} chunk(s) in Org1's store",
            f"one root everywhere — {', '.join(roots)}: {on_ledger.get('merkle_root')}"]
