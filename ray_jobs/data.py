"""Demo data: scikit-learn's breast-cancer dataset split (fixed seed) into the owner's training CSV and a
held-out CSV the consumer keeps to check a delivered model.

    python -m ray_jobs.data breast-cancer --out var/demo-data

Byte-identical output for the same seed (fixed float formatting), so the uploaded version's Merkle root
is reproducible too.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import re
from pathlib import Path

TRAIN_FILE = "breast_cancer_train.csv"
HELDOUT_FILE = "breast_cancer_heldout.csv"


def _column(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def breast_cancer_csvs(*, seed: int = 42, heldout_fraction: float = 0.25) -> dict[str, bytes]:
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    data = load_breast_cancer()
    x_train, x_held, y_train, y_held = train_test_split(
        data.data, data.target, test_size=heldout_fraction, random_state=seed, stratify=data.target)
    header = [_column(n) for n in data.feature_names] + ["target"]

    def render(x: list[list[float]], y: list[int]) -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        for features, label in zip(x, y, strict=True):
            writer.writerow([repr(float(v)) for v in features] + [int(label)])
        return buffer.getvalue().encode()

    return {TRAIN_FILE: render(x_train.tolist(), y_train.tolist()),
            HELDOUT_FILE: render(x_held.tolist(), y_held.tolist())}


def write_breast_cancer(out: Path, *, seed: int = 42, heldout_fraction: float = 0.25) -> dict[str, dict[str, object]]:
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, dict[str, object]] = {}
    for name, blob in breast_cancer_csvs(seed=seed, heldout_fraction=heldout_fraction).items():
        (out / name).write_bytes(blob)
        written[name] = {"path": str(out / name), "sha256": hashlib.sha256(blob).hexdigest(), "bytes": len(blob),
                         "rows": blob.count(b"\n") - 1}
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ray_jobs.data")
    sub = parser.add_subparsers(dest="dataset", required=True)
    bc = sub.add_parser("breast-cancer", help="scikit-learn breast-cancer: training CSV + held-out CSV")
    bc.add_argument("--out", type=Path, required=True)
    bc.add_argument("--seed", type=int, default=42)
    bc.add_argument("--heldout-fraction", type=float, default=0.25)
    args = parser.parse_args(argv)
    print(json.dumps(write_breast_cancer(args.out, seed=args.seed, heldout_fraction=args.heldout_fraction),
                     indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
