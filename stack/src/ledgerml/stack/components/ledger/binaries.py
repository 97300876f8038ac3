"""Where the ledger's binaries live: CometBFT by version, the LedgerML ABCI application by a content hash
of its Go sources, so a source change builds a new binary and an unchanged tree reuses the cached one."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from ledgerml.stack.config import REPO_ROOT, cache_dir

CHAINCODE_DIR = REPO_ROOT / "chaincode"
APP_NAME = "ledgerml-abci"
APP_PACKAGE = f"./cmd/{APP_NAME}"
BUILTIN_APP = "kvstore"


class BuildError(RuntimeError):
    """`go build` of the application failed; the message carries its output."""


def cometbft_binary(versions: dict[str, str]) -> Path:
    return cache_dir() / f"cometbft-{versions['COMETBFT_VERSION']}" / "bin" / "cometbft"


def app_sources(src: Path | None = None) -> list[Path]:
    """What goes into the binary: Go files other than tests, the module files, embeddable JSON."""
    src = src or CHAINCODE_DIR
    return sorted(p for p in src.rglob("*")
                  if p.is_file() and (p.name in ("go.mod", "go.sum") or p.suffix == ".json"
                                      or (p.suffix == ".go" and not p.name.endswith("_test.go"))))


def app_source_hash(src: Path | None = None) -> str:
    src = src or CHAINCODE_DIR
    digest = hashlib.sha256()
    for path in app_sources(src):
        digest.update(f"{path.relative_to(src).as_posix()}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def app_present(src: Path | None = None) -> bool:
    """The ABCI application's main package exists in this tree (until it does, the network runs
    CometBFT's built-in kvstore application)."""
    return ((src or CHAINCODE_DIR) / APP_PACKAGE).is_dir()


def app_binary(source_hash: str) -> Path:
    return cache_dir() / f"{APP_NAME}-{source_hash}" / "bin" / APP_NAME


def build_app(src: Path | None = None) -> tuple[Path, bool, float]:
    """Build the working tree's application into the cache unless that exact source is there already.
    Returns (binary, built now?, seconds)."""
    src = src or CHAINCODE_DIR
    started = time.monotonic()
    binary = app_binary(app_source_hash(src))
    if binary.exists():
        return binary, False, 0.0
    binary.parent.mkdir(parents=True, exist_ok=True)
    go = shutil.which("go")
    if go is None:
        raise BuildError("go not found: install Go >= 1.26")
    fd, tmp = tempfile.mkstemp(prefix=f".{APP_NAME}-", dir=binary.parent)
    os.close(fd)
    version = binary.parent.parent.name.removeprefix(f"{APP_NAME}-")  # `ledgerml-abci version` names the tree
    done = subprocess.run(  # noqa: S603 - fixed argv
        [go, "build", "-trimpath", "-ldflags", f"-X main.version={version}", "-o", tmp, APP_PACKAGE], cwd=src,
        capture_output=True, text=True,
        env={**os.environ, "CGO_ENABLED": "0"}, check=False)
    if done.returncode != 0:
        Path(tmp).unlink(missing_ok=True)
        raise BuildError(f"go build {APP_PACKAGE} failed:\n{done.stdout}{done.stderr}")
    os.chmod(tmp, 0o755)  # noqa: S103 - an executable in the user's own cache
    os.replace(tmp, binary)  # atomic: a half-written binary never has the final name
    return binary, True, time.monotonic() - started
