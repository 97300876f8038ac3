"""Hyperledger Fabric: reported, not faked.

The Go module proxy this project can reach refuses every github.com/hyperledger/* module, so the
peer, orderer and tools cannot be built here (docs/decisions/0002-fabric-unavailable.md). `make
install` retries the download each time; once binaries are in the cache this component reports them.
"""

from __future__ import annotations

from pathlib import Path

from ledgerml.stack.config import StackConfig, cache_dir

BLOCKED_REASON = ("not installable here: the Go module proxy refuses github.com/hyperledger/* "
                  "(see docs/decisions/0002-fabric-unavailable.md)")


def fabric_bin_dir(cfg: StackConfig) -> Path:
    return cache_dir() / f"fabric-{cfg.versions['FABRIC_VERSION']}" / "bin"


def fabric_status(cfg: StackConfig) -> tuple[bool, str]:
    bin_dir = fabric_bin_dir(cfg)
    tools = ("peer", "orderer", "osnadmin", "configtxgen")
    if all((bin_dir / t).exists() for t in tools):
        return True, f"binaries present in {bin_dir}; network bring-up not implemented yet"
    return False, BLOCKED_REASON
