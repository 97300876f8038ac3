"""Fixtures: the real helm binary (installed by stack/install-helm.sh) and a caching renderer."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from chartlib import ROOT, Docs, run_template


@pytest.fixture(scope="session")
def helm() -> str:
    binary = os.environ.get("HELM_BIN")
    if not binary:
        out = subprocess.run(
            ["bash", str(ROOT / "stack" / "install-helm.sh")], capture_output=True, text=True, check=True
        )
        binary = out.stdout.strip().splitlines()[-1]
    return binary


@pytest.fixture(scope="session")
def render(helm: str) -> Callable[..., Docs]:
    cache: dict[tuple[str, ...], Docs] = {}

    def _render(*args: str) -> Docs:
        if args not in cache:
            out = run_template(helm, *args)
            assert out.returncode == 0, out.stderr
            cache[args] = [d for d in yaml.safe_load_all(out.stdout) if d]
        return cache[args]

    return _render
