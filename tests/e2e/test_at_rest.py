"""No plaintext at rest: a dataset uploaded through the consortium's services never appears in the clear in
anything the stack keeps on disk (MinIO's and versitygw's object files, PostgreSQL's data and WAL, Kafka's
logs, the validators' block stores, every service's database and every log file).

Org1 uploads a CSV whose rows carry a random marker, reads it back verified, then every file under the
stack's run folder is searched for the marker. The search is shown to work on the file that was uploaded,
and to have walked MinIO's files holding the dataset's encrypted chunks, so a pass means absence, not a blind
scan.
"""

from __future__ import annotations

import secrets
import uuid
from pathlib import Path
from typing import Any

import pytest

from ledgerml.stack.config import StackConfig
from ledgerml.stack.scenario.narration import await_committed

pytestmark = pytest.mark.e2e
WINDOW = 1024 * 1024


def files_holding(root: Path, needle: bytes) -> tuple[list[Path], int]:
    """Every regular file under `root` that contains `needle`, read in overlapping windows; and bytes read."""
    found, scanned = [], 0
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
        try:
            with path.open("rb") as handle:
                tail = b""
                while block := handle.read(WINDOW):
                    scanned += len(block)
                    if needle in tail + block:
                        found.append(path)
                        break
                    tail = block[-(len(needle) - 1):]
        except (PermissionError, FileNotFoundError):  # a socket or a file removed while walking (logs rotate)
            continue
    return found, scanned


def test_an_uploaded_dataset_is_nowhere_in_plaintext_on_disk(as_org: Any, stack_env: dict[str, str],
                                                              tmp_path: Path) -> None:
    org1 = as_org("org1")
    marker = f"plaintext-marker-{secrets.token_hex(16)}"
    dataset_id = f"at-rest-{uuid.uuid4().hex[:6]}"
    org1.registry.create_dataset(dataset_id=dataset_id, name="e2e at rest", schema={"note": "string", "v": "integer"},
                                 terms="e2e", price_per_job=5)
    await_committed(lambda: org1.registry.get_dataset(dataset_id), what="RegisterDataset")
    source = tmp_path / "secret.csv"
    source.write_text("note,v\n" + "".join(f"{marker} row {i},{i}\n" for i in range(20_000)))
    org1.storage.upload(source, dataset_id, "v1")
    await_committed(lambda: (org1.registry.get_dataset(dataset_id).get("versions") or [{}])[0],
                    what="RegisterDatasetVersion")
    copy = tmp_path / "copy.csv"
    org1.storage.download(dataset_id, "v1", copy)
    assert copy.read_bytes() == source.read_bytes()

    needle = marker.encode()
    assert files_holding(tmp_path, needle)[0] == [copy, source]  # the search finds plaintext where it is

    run_dir = StackConfig.for_profile(stack_env.get("LEDGERML_STACK_PROFILE", "test")).run_dir
    minio = Path(stack_env["LEDGERML_MINIO_DATA_DIR"])
    _, minio_bytes = files_holding(minio, needle)
    assert minio_bytes >= source.stat().st_size, "MinIO's files do not hold the dataset's chunks: nothing was scanned"

    found, scanned = files_holding(run_dir, needle)
    assert not found, f"plaintext of the uploaded dataset found at rest in: {[str(p) for p in found]}"
    assert scanned > minio_bytes
