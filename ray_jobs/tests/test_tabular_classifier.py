"""tabular_classifier run as plain Python: reproducible from the seed on CPU, a transcript whose root
recomputes, weights that classify the held-out split well, and data sources that keep their secret."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import httpx
import numpy as np
import pytest

from ledgerml.shared.merkle import root_of_entries
from ray_jobs.data import HELDOUT_FILE, TRAIN_FILE, breast_cancer_csvs, write_breast_cancer
from ray_jobs.tabular_classifier import __main__ as entry
from ray_jobs.tabular_classifier.artifacts import canonical_json, deserialise_weights, serialise_weights, sha256_hex
from ray_jobs.tabular_classifier.sources import DataSourceError, Source, parse_tables, read_source
from ray_jobs.tabular_classifier.train import evaluate

CODE_HASH = "c0" * 32


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("data")
    write_breast_cancer(out)
    return out


def run(data: Path, out: Path, **params: object) -> dict[str, object]:
    hp = base64.b64encode(json.dumps({"epochs": 4, **params}).encode()).decode()
    assert entry.main(["train", "--job-id", "job-1", "--code-hash", CODE_HASH, "--hyperparameters-b64", hp,
                       "--data", f"file:{data / TRAIN_FILE}", "--output-dir", str(out), "--runtime", "plain"]) == 0
    document: dict[str, object] = json.loads((out / "transcript.json").read_bytes())
    return document


def checkpoints(document: dict[str, object]) -> list[str]:
    return [r["checkpoint_sha256"] for r in document["records"] if r["kind"] == "epoch"]  # type: ignore[attr-defined]


def test_the_demo_split_is_fixed_and_stratified(data: Path) -> None:
    again = breast_cancer_csvs()
    assert again[TRAIN_FILE] == (data / TRAIN_FILE).read_bytes()  # byte-identical, so the Merkle root is too
    train = parse_tables([again[TRAIN_FILE]], target="target")
    held = parse_tables([again[HELDOUT_FILE]], target="target")
    assert (len(train.labels), len(held.labels), len(train.columns)) == (426, 143, 30)
    assert 0.55 < held.labels.mean() < 0.7  # benign share preserved in the held-out split


def test_rerunning_from_the_seed_reproduces_every_checkpoint(data: Path, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    first = run(data, tmp_path / "a")
    second = run(data, tmp_path / "b")
    assert (tmp_path / "a" / "transcript.json").read_bytes() == (tmp_path / "b" / "transcript.json").read_bytes()
    assert len(checkpoints(first)) == 4 and checkpoints(first) == checkpoints(second)
    other_seed = run(data, tmp_path / "c", seed=7)
    assert checkpoints(other_seed)[0] != checkpoints(first)[0]
    printed = capsys.readouterr().out
    assert printed.count("LMLPROGRESS ") == 12 and "LMLRESULT " in printed


def test_transcript_root_weights_and_accuracy(data: Path, tmp_path: Path) -> None:
    document = run(data, tmp_path, epochs=10)
    records = document["records"]
    assert isinstance(records, list)
    assert root_of_entries(canonical_json(r) for r in records).hex() == document["merkle_root"]
    header, final = records[0], records[-1]
    assert header["code_hash"] == CODE_HASH and header["seed"] == 0 and header["device"] == "cpu"
    assert header["inputs"][0]["sha256"] == sha256_hex((data / TRAIN_FILE).read_bytes())
    weights = (tmp_path / "weights.bin").read_bytes()
    assert sha256_hex(weights) == final["model_sha256"] == records[-2]["checkpoint_sha256"]
    assert final["metrics_sha256"] == sha256_hex(canonical_json(final["metrics"]))
    held = evaluate(weights, [parse_tables([(data / HELDOUT_FILE).read_bytes()], target="target")])
    assert held["accuracy"] > 0.9  # chance is ~0.63


def test_weights_files_are_byte_deterministic() -> None:
    tensors = {"b": np.arange(3, dtype=np.float32), "a": np.ones((2, 2), dtype=np.float32)}
    blob = serialise_weights(tensors, {"k": 1})
    assert blob == serialise_weights(dict(reversed(tensors.items())), {"k": 1})
    restored, meta = deserialise_weights(blob)
    assert meta == {"k": 1} and np.array_equal(restored["a"], tensors["a"])
    with pytest.raises(ValueError, match="trailing"):
        deserialise_weights(blob + b"x")


def test_storage_source_reads_the_internal_job_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[httpx.Request] = []

    def storage(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/versions/v2/content"):
            return httpx.Response(503, json={"code": "LML-5004", "detail": "no ledger"})
        return httpx.Response(200, content=b"a,target\n1,0\n")

    monkeypatch.setenv("LEDGERML_JOB_STORAGE_URL", "http://storage")
    monkeypatch.setenv("LEDGERML_JOB_STORAGE_TOKEN", "tok-secret")
    transport = httpx.MockTransport(storage)
    assert read_source(Source.parse("storage:bc-train@v1"), job_id="job-1", transport=transport) == b"a,target\n1,0\n"
    assert seen[0].url.path == "/internal/jobs/job-1/datasets/bc-train/versions/v1/content"
    assert seen[0].headers["authorization"] == "Bearer tok-secret"
    with pytest.raises(DataSourceError, match="HTTP 503 LML-5004") as refused:
        read_source(Source.parse("storage:bc-train@v2"), job_id="job-1", transport=transport)
    assert "tok-secret" not in str(refused.value)
    monkeypatch.delenv("LEDGERML_JOB_STORAGE_TOKEN")
    with pytest.raises(DataSourceError, match="LEDGERML_JOB_STORAGE_TOKEN"):
        read_source(Source.parse("storage:bc-train@v1"), job_id="job-1", transport=transport)


@pytest.mark.parametrize(("blobs", "message"), [
    ([b"a,b\n1,2\n"], "target column"),
    ([b"a,target\n1,0\n", b"b,target\n1,0\n"], "same CSV header"),
    ([b"a,target\nx,0\n"], "non-numeric"),
    ([b"a,target\n"], "no rows"),
])
def test_bad_tables_are_refused_clearly(blobs: list[bytes], message: str) -> None:
    with pytest.raises(DataSourceError, match=message):
        parse_tables(blobs, target="target")
    with pytest.raises(DataSourceError, match="storage:<dataset>@<version>"):
        Source.parse("s3:bucket/key")


def test_the_pinned_requirements_are_what_this_environment_runs() -> None:
    entry._check_requirements()  # the Ray nodes use this interpreter: a mismatch would fail every job


def test_a_missing_target_column_fails_with_one_publishable_reason(data: Path, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    hp = base64.b64encode(json.dumps({"epochs": 1, "target_column": "no_such_column"}).encode()).decode()
    status = entry.main(["train", "--job-id", "job-1", "--code-hash", CODE_HASH, "--hyperparameters-b64", hp,
                         "--data", f"file:{data / TRAIN_FILE}", "--output-dir", str(tmp_path), "--runtime", "plain"])
    assert status == 3 and not (tmp_path / "transcript.json").exists()
    assert "LMLERROR data source: target column 'no_such_column' not in the CSV header" in capsys.readouterr().out


def test_the_same_training_for_two_jobs_gives_two_models_with_the_same_tensors(data: Path, tmp_path: Path) -> None:
    outputs = []
    for job in ("job-a", "job-b"):
        hp = base64.b64encode(json.dumps({"epochs": 2, "seed": 7}).encode()).decode()
        assert entry.main(["train", "--job-id", job, "--code-hash", CODE_HASH, "--hyperparameters-b64", hp,
                           "--data", f"file:{data / TRAIN_FILE}", "--output-dir", str(tmp_path / job),
                           "--runtime", "plain"]) == 0
        outputs.append(deserialise_weights((tmp_path / job / "weights.bin").read_bytes()))
    (tensors_a, meta_a), (tensors_b, meta_b) = outputs
    assert (meta_a["job_id"], meta_b["job_id"]) == ("job-a", "job-b")
    assert all(np.array_equal(tensors_a[k], tensors_b[k]) for k in tensors_a)  # reproducible training
    assert (tmp_path / "job-a" / "weights.bin").read_bytes() != (tmp_path / "job-b" / "weights.bin").read_bytes()
