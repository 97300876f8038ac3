"""What every benchmark shares: the machine it ran on, medians, percentiles, and the results file.

Results follow ../shared/BENCH.md: `bench/results/<name>.json` with `benchmark`, `machine`,
`repetitions`, `goal` and the benchmark's own fields (medians). A figure that could not be measured
is null, with a `blocked` sentence saying why; nothing is ever filled in by hand.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return 0.0


def machine_info() -> dict[str, Any]:
    return {"cores": os.cpu_count(), "memory_gib": _memory_gib(), "cpu_model": _cpu_model(),
            "python": platform.python_version(), "os": platform.platform()}


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile, q in (0, 100]."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return float(ordered[rank - 1])


def write_result(name: str, *, goal: str, repetitions: int, fields: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    data = {"benchmark": name, "machine": machine_info(), "repetitions": repetitions, "goal": goal,
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"), **fields}
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2) + "\n")
    print(json.dumps(data, indent=2))
    return path
