"""Stack configuration: pinned versions, per-profile ports, and where things live on disk."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

STACK_DIR = Path(__file__).resolve().parents[3]
REPO_ROOT = STACK_DIR.parent
PROFILES = ("dev", "test")


def _read_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def versions() -> dict[str, str]:
    return _read_env_file(STACK_DIR / "versions.env")


def cache_dir() -> Path:
    """Per-user install cache, shared by every clone; entries are keyed by version."""
    base = os.environ.get("LEDGERML_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "ledgerml"
    )
    return Path(base)


@dataclass(frozen=True)
class StackConfig:
    profile: str
    run_dir: Path

    @classmethod
    def for_profile(cls, profile: str) -> StackConfig:
        if profile not in PROFILES:
            raise ValueError(f"unknown profile {profile!r}; use one of {', '.join(PROFILES)}")
        run_root = Path(os.environ.get("LEDGERML_RUN_ROOT") or REPO_ROOT / ".run")
        return cls(profile, run_root / profile)

    @cached_property
    def ports(self) -> dict[str, int]:
        prefix = f"{self.profile}_"
        raw = _read_env_file(STACK_DIR / "ports.env")
        return {k[len(prefix):]: int(v) for k, v in raw.items() if k.startswith(prefix)}

    @cached_property
    def versions(self) -> dict[str, str]:
        return versions()

    def component_dir(self, name: str) -> Path:
        return self.run_dir / name

    @property
    def logs_dir(self) -> Path:
        return self.run_dir / "logs"

    @property
    def env_file(self) -> Path:
        """KEY=VALUE endpoints for tests, services and the CLI (mode 0600: holds local credentials)."""
        return self.run_dir / "stack.env"
