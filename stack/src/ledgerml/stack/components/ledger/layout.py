"""The local four-validator network on paper: who runs which node on which ports, its genesis and its
config.toml settings (docs/decisions/0003, "The local network"). Pure functions: no process, no socket."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledgerml.stack.pki import load_consortium

# Node i is run by the i-th organisation; genesis roles follow decision 0003.
VALIDATORS: tuple[tuple[str, str], ...] = (
    ("OrdererMSP", "operator"), ("Org1MSP", "member"), ("Org2MSP", "member"), ("Org3MSP", "auditor"))
# The order of the MSPs in the genesis app state (members first, as in the decision's example).
APP_STATE_ORDER = ("Org1MSP", "Org2MSP", "Org3MSP", "OrdererMSP")
VOTING_POWER = 10
# An idle chain still commits a block this often, so `make status` can tell live from stalled.
EMPTY_BLOCKS_INTERVAL_S = 3
TomlValue = str | bool | int


@dataclass(frozen=True)
class NodeSpec:
    index: int
    msp_id: str
    role: str
    p2p_port: int
    rpc_port: int
    abci_port: int

    @property
    def name(self) -> str:
        return f"node{self.index}"

    @property
    def moniker(self) -> str:
        return f"{self.name}-{self.msp_id.removesuffix('MSP').lower()}"

    @property
    def rpc_url(self) -> str:
        return f"http://127.0.0.1:{self.rpc_port}"

    @property
    def env_key(self) -> str:
        return f"LEDGERML_LEDGER_RPC_{self.msp_id.upper()}"


def chain_id(profile: str) -> str:
    return f"ledgerml-{profile}"


def node_specs(port_base: int) -> tuple[NodeSpec, ...]:
    """Node i: p2p on base + 10i, RPC on base + 10i + 1, its application's ABCI socket on base + 10i + 2."""
    return tuple(NodeSpec(i, msp, role, port_base + 10 * i, port_base + 10 * i + 1, port_base + 10 * i + 2)
                 for i, (msp, role) in enumerate(VALIDATORS))


def _pems(directory: Path) -> list[str]:
    return [p.read_text() for p in sorted(directory.glob("*.pem"))] if directory.is_dir() else []


def app_state(pki_root: Path) -> dict[str, Any]:
    """The MSP roots and roles of the consortium PKI, as the application reads them at InitChain."""
    orgs = load_consortium(pki_root).orgs
    roles = dict(VALIDATORS)
    return {"msps": [{"msp_id": msp, "role": roles[msp],
                      "root_certs": _pems(orgs[msp].msp_dir / "cacerts"),
                      "intermediate_certs": _pems(orgs[msp].msp_dir / "intermediatecerts")}
                     for msp in APP_STATE_ORDER]}


def node_id(node_key: Mapping[str, Any]) -> str:
    """A node's p2p id from its node_key.json: the first 20 bytes of SHA-256 over its Ed25519 public key
    (the key file holds seed ‖ public key)."""
    raw = base64.b64decode(node_key["priv_key"]["value"])
    return hashlib.sha256(raw[32:]).hexdigest()[:40]


def validator_entry(priv_validator_key: Mapping[str, Any], name: str) -> dict[str, Any]:
    return {"address": priv_validator_key["address"], "pub_key": dict(priv_validator_key["pub_key"]),
            "power": str(VOTING_POWER), "name": name}


def genesis(template: Mapping[str, Any], *, chain: str, validators: Sequence[Mapping[str, Any]],
            state: Mapping[str, Any]) -> dict[str, Any]:
    """The shared genesis: `cometbft init`'s consensus parameters for this version, our chain id, the
    four validators with equal power, and the consortium's MSPs as app state."""
    return {**template, "chain_id": chain, "initial_height": "1", "validators": list(validators),
            "app_hash": "", "app_state": dict(state)}


def persistent_peers(nodes: Sequence[NodeSpec], node_ids: Sequence[str], *, exclude: int) -> str:
    return ",".join(f"{node_ids[n.index]}@127.0.0.1:{n.p2p_port}" for n in nodes if n.index != exclude)


def config_settings(node: NodeSpec, *, peers: str, proxy_app: str) -> dict[tuple[str, str], TomlValue]:
    """config.toml keys set on top of `cometbft init`'s defaults, as (section, key) → value."""
    return {
        ("", "proxy_app"): proxy_app,
        ("", "moniker"): node.moniker,
        ("", "log_level"): "state:info,*:error",
        ("rpc", "laddr"): f"tcp://127.0.0.1:{node.rpc_port}",
        ("rpc", "pprof_laddr"): "",
        ("p2p", "laddr"): f"tcp://127.0.0.1:{node.p2p_port}",
        ("p2p", "persistent_peers"): peers,
        ("p2p", "addr_book_strict"): False,
        ("p2p", "allow_duplicate_ip"): True,
        # A fixed set of validators: peers come from persistent_peers only; a restarted peer is redialled
        # within seconds rather than after an ever longer backoff.
        ("p2p", "pex"): False,
        ("p2p", "persistent_peers_max_dial_period"): "5s",
        # 0.38's 100 ms default doubles commit latency (shared/notes/cometbft.md).
        ("p2p", "flush_throttle_timeout"): "10ms",
        ("consensus", "timeout_propose"): "1s",
        ("consensus", "timeout_prevote"): "500ms",
        ("consensus", "timeout_precommit"): "500ms",
        ("consensus", "timeout_commit"): "100ms",
        ("consensus", "create_empty_blocks"): True,
        ("consensus", "create_empty_blocks_interval"): f"{EMPTY_BLOCKS_INTERVAL_S}s",
        ("tx_index", "indexer"): "kv",
        ("instrumentation", "prometheus"): False,
    }


def _toml(value: TomlValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(value)


def set_toml(text: str, settings: Mapping[tuple[str, str], TomlValue]) -> str:
    """Replace `key = value` lines of a flat TOML file, section by section. Every key must already be
    there: a key missing from another CometBFT version's template fails loudly instead of being ignored."""
    section, out, seen = "", [], set()
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped.strip("[]").strip()
        elif "=" in stripped and not stripped.startswith("#"):
            key = stripped.split("=", 1)[0].strip()
            if (section, key) in settings:
                line = f"{key} = {_toml(settings[(section, key)])}"
                seen.add((section, key))
        out.append(line)
    missing = sorted(set(settings) - seen)
    if missing:
        raise KeyError(f"config.toml has no {', '.join(f'[{s}] {k}' for s, k in missing)}")
    return "\n".join(out) + "\n"
