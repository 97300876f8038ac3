"""Entrypoint: `python -m tabular_classifier train|evaluate ...`.

Under the Ray Jobs API (RAY_ADDRESS is set for the job's driver) it connects to the cluster and trains
on a GPU in a Ray task only when `ray.cluster_resources()` reports one; otherwise it trains right here on
the CPU, so it never waits for a GPU that does not exist. With `--runtime plain` Ray is not used at all.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from .artifacts import (
    ERROR_PREFIX,
    RESULT_PREFIX,
    TRANSCRIPT_FILE,
    WEIGHTS_FILE,
    canonical_json,
    sha256_hex,
    transcript_document,
    write_atomic,
)
from .sources import DataSourceError, Source, Table, parse_tables, read_source

HERE = Path(__file__).resolve().parent
GPU_WAIT_S = 600.0


def _check_requirements() -> None:
    """Fail fast, and say why, when the cluster's packages are not the pinned ones."""
    for line in (HERE / "requirements.txt").read_text().splitlines():
        name, _, wanted = line.strip().partition("==")
        if not wanted:
            continue
        try:
            found = metadata.version(name).split("+")[0]
        except metadata.PackageNotFoundError:
            found = "missing"
        if found != wanted:
            raise SystemExit(f"requirement {name}=={wanted} not met on this cluster (found {found})")


def _defaults(params: dict[str, Any]) -> dict[str, Any]:
    schema = json.loads((HERE / "schema.json").read_text())
    return {k: params.get(k, spec.get("default")) for k, spec in schema["properties"].items()} | params


def _run(args: argparse.Namespace, params: dict[str, Any], header: dict[str, Any], table: Table) -> Any:
    from .train import train

    if args.runtime == "plain" or (args.runtime == "auto" and not os.environ.get("RAY_ADDRESS")):
        import torch

        device = "cuda" if torch.cuda.is_available() else "cpu"
        return train(table, params, header=header, device=device)
    import ray

    ray.init(log_to_driver=True)
    try:
        if ray.cluster_resources().get("GPU", 0) >= 1 and _gpu_obtainable(ray):
            task = ray.remote(num_gpus=1, num_cpus=1)(train)
            return ray.get(task.remote(table, params, header=header, device="cuda"))
        return train(table, params, header=header, device="cpu")
    finally:
        ray.shutdown()


def _cuda_ok() -> bool:
    import torch

    return bool(torch.cuda.is_available())


def _gpu_obtainable(ray: Any) -> bool:
    """The cluster lists a GPU: can a task actually get one (and see CUDA) within GPU_WAIT_S?"""
    probe = ray.remote(num_gpus=1, num_cpus=1)(_cuda_ok).remote()
    try:
        return bool(ray.get(probe, timeout=GPU_WAIT_S))
    except ray.exceptions.GetTimeoutError:
        ray.cancel(probe, force=True)
        print(f"no GPU became free within {GPU_WAIT_S:.0f} s; training on the CPU", flush=True)
        return False


def train_command(args: argparse.Namespace) -> int:
    _check_requirements()
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # deterministic cuBLAS when on a GPU
    params = _defaults(json.loads(base64.b64decode(args.hyperparameters_b64)))
    sources = [Source.parse(s) for s in args.data]
    try:
        blobs = [read_source(s, job_id=args.job_id) for s in sources]
        table = parse_tables(blobs, target=str(params["target_column"]))
    except DataSourceError as exc:
        print(f"{ERROR_PREFIX}data source: {exc}", flush=True)  # says what to fix, never a data value
        return 3
    header = {"job_id": args.job_id, "algorithm": "tabular_classifier", "code_hash": args.code_hash,
              "hyperparameters": params, "hyperparameters_sha256": sha256_hex(canonical_json(params)),
              "inputs": [{"source": s.kind, "ref": s.ref if s.kind == "storage" else Path(s.ref).name,
                          "sha256": sha256_hex(b), "bytes": len(b)} for s, b in zip(sources, blobs, strict=True)]}
    output = _run(args, params, header, table)
    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    document = transcript_document(output.records)
    write_atomic(out / WEIGHTS_FILE, output.weights)
    write_atomic(out / TRANSCRIPT_FILE, canonical_json(document))  # written last: marks the run complete
    final = output.records[-1]
    print(RESULT_PREFIX + canonical_json({"transcript_root": document["merkle_root"],
                                          "model_sha256": final["model_sha256"], "metrics": final["metrics"]})
          .decode(), flush=True)
    return 0


def evaluate_command(args: argparse.Namespace) -> int:
    from .train import evaluate

    tables = [parse_tables([Path(p).read_bytes()], target=args.target_column) for p in args.data]
    print(json.dumps(evaluate(Path(args.weights).read_bytes(), tables)))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tabular_classifier")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("train", help="train and write weights.bin + transcript.json")
    run.add_argument("--job-id", required=True)
    run.add_argument("--code-hash", required=True, help="catalog code hash of this algorithm folder")
    run.add_argument("--hyperparameters-b64", required=True, help="base64 of the hyperparameters JSON")
    run.add_argument("--data", action="append", required=True, help="storage:<id>@<version> or file:<path>")
    run.add_argument("--output-dir", required=True)
    run.add_argument("--runtime", choices=("auto", "ray", "plain"), default="auto")
    run.set_defaults(func=train_command)
    check = commands.add_parser("evaluate", help="accuracy of weights on held-out CSV files")
    check.add_argument("--weights", required=True)
    check.add_argument("--data", action="append", required=True)
    check.add_argument("--target-column", default="target")
    check.set_defaults(func=evaluate_command)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
