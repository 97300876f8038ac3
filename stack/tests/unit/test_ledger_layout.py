"""The ledger network's generated layout: ports, genesis app state, config.toml keys (no processes)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from cryptography import x509

from ledgerml.stack.components.ledger import LedgerNetwork, layout
from ledgerml.stack.components.ledger.health import NodeHealth
from ledgerml.stack.config import StackConfig
from ledgerml.stack.pki import create_consortium

# A throwaway key `cometbft init` (v0.38.26) wrote, and the id `cometbft show-node-id` printed for it.
NODE_KEY = {"priv_key": {"type": "tendermint/PrivKeyEd25519", "value": "S86ijw692KdZZWTOJELnR7WPHlkSDg8AcrEHCfuX"
                                                                         "SBQI6qrurAr/9de0/eC/zr25AMYgGrXOsm04KVhLyAsRqg=="}}
NODE_ID = "3768afb713a2f62b3b51902054518d531520d0e0"

# The shape of `cometbft init`'s config.toml: top-level keys, then sections, comments in between.
TEMPLATE = """# comment with key = value inside
proxy_app = "tcp://127.0.0.1:26658"
moniker = "host"
log_level = "info"

[rpc]
laddr = "tcp://127.0.0.1:26657"
pprof_laddr = ""

[p2p]
laddr = "tcp://0.0.0.0:26656"
persistent_peers = ""
addr_book_strict = true
pex = true
persistent_peers_max_dial_period = "0s"
flush_throttle_timeout = "100ms"
allow_duplicate_ip = false

[consensus]
timeout_propose = "3s"
timeout_prevote = "1s"
timeout_precommit = "1s"
timeout_commit = "1s"
create_empty_blocks = true
create_empty_blocks_interval = "0s"

[tx_index]
indexer = "kv"

[instrumentation]
prometheus = false
"""


@pytest.fixture
def cfg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> StackConfig:
    monkeypatch.setenv("LEDGERML_RUN_ROOT", str(tmp_path / "run"))
    return StackConfig.for_profile("dev")


def test_ports_follow_the_decision_and_do_not_collide() -> None:
    for profile, base in (("dev", 26600), ("test", 27600)):
        cfg = StackConfig.for_profile(profile)
        nodes = layout.node_specs(cfg.ports["LEDGER_PORT_BASE"])
        assert [n.msp_id for n in nodes] == ["OrdererMSP", "Org1MSP", "Org2MSP", "Org3MSP"]
        assert [(n.p2p_port, n.rpc_port, n.abci_port) for n in nodes] == [
            (base + 10 * i, base + 10 * i + 1, base + 10 * i + 2) for i in range(4)]
        ours = {p for n in nodes for p in (n.p2p_port, n.rpc_port, n.abci_port)}
        others = {v for k, v in cfg.ports.items() if k != "LEDGER_PORT_BASE"}
        assert len(ours) == 12 and not ours & others
    assert StackConfig.for_profile("dev").ports["LEDGER_PORT_BASE"] != StackConfig.for_profile("test").ports[
        "LEDGER_PORT_BASE"]


def test_endpoints_name_each_organisations_validator(cfg: StackConfig) -> None:
    env = LedgerNetwork(cfg).endpoints()
    assert env["LEDGERML_LEDGER_CHAIN_ID"] == "ledgerml-dev"
    assert env["LEDGERML_LEDGER_RPC_ORG1MSP"] == "http://127.0.0.1:26611"
    assert env["LEDGERML_LEDGER_RPC_ORDERERMSP"] == "http://127.0.0.1:26601"
    assert env["LEDGERML_LEDGER_RPC_URLS"].split(",") == [f"http://127.0.0.1:{26601 + 10 * i}" for i in range(4)]
    assert len(LedgerNetwork(cfg).ports_to_bind()) == 12  # nothing runs yet


def test_genesis_app_state_carries_the_consortium_roots_and_roles(tmp_path: Path) -> None:
    consortium = create_consortium(tmp_path / "pki")
    state = layout.app_state(tmp_path / "pki")
    assert [(m["msp_id"], m["role"]) for m in state["msps"]] == [
        ("Org1MSP", "member"), ("Org2MSP", "member"), ("Org3MSP", "auditor"), ("OrdererMSP", "operator")]
    for msp in state["msps"]:
        assert msp["root_certs"] == [consortium.orgs[msp["msp_id"]].ca_cert_pem.decode()]
        assert msp["intermediate_certs"] == []
        root = x509.load_pem_x509_certificate(msp["root_certs"][0].encode())
        assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca

    template = {"genesis_time": "2026-12-03T07:09:39Z", "chain_id": "test-chain-x", "initial_height": "0",
                "consensus_params": {"block": {"max_bytes": "22020096"}}, "validators": [], "app_hash": ""}
    keys = [{"address": f"{i:040X}", "pub_key": {"type": "tendermint/PubKeyEd25519", "value": f"k{i}"}}
            for i in range(4)]
    doc = layout.genesis(template, chain="ledgerml-dev", state=state,
                         validators=[layout.validator_entry(k, f"node{i}") for i, k in enumerate(keys)])
    assert doc["chain_id"] == "ledgerml-dev" and doc["app_state"] == state
    assert doc["consensus_params"] == template["consensus_params"]
    assert [(v["address"], v["power"], v["name"]) for v in doc["validators"]] == [
        (f"{i:040X}", "10", f"node{i}") for i in range(4)]


def test_node_id_matches_cometbft() -> None:
    assert layout.node_id(NODE_KEY) == NODE_ID


def test_config_sets_low_latency_loopback_keys() -> None:
    nodes = layout.node_specs(26600)
    ids = [f"{i:040x}" for i in range(4)]
    peers = layout.persistent_peers(nodes, ids, exclude=2)
    assert peers.split(",") == [f"{ids[i]}@127.0.0.1:{26600 + 10 * i}" for i in (0, 1, 3)]
    text = layout.set_toml(TEMPLATE, layout.config_settings(nodes[2], peers=peers, proxy_app="tcp://127.0.0.1:26622"))

    conf = tomllib.loads(text)
    assert conf["proxy_app"] == "tcp://127.0.0.1:26622" and conf["moniker"] == "node2-org2"
    assert conf["log_level"] == "state:info,*:error"
    assert conf["rpc"] == {"laddr": "tcp://127.0.0.1:26621", "pprof_laddr": ""}
    assert conf["p2p"]["laddr"] == "tcp://127.0.0.1:26620" and conf["p2p"]["persistent_peers"] == peers
    assert conf["p2p"]["addr_book_strict"] is False and conf["p2p"]["allow_duplicate_ip"] is True
    assert conf["p2p"]["flush_throttle_timeout"] == "10ms"
    assert conf["consensus"]["timeout_commit"] == "100ms" and conf["consensus"]["timeout_propose"] == "1s"
    assert conf["consensus"]["create_empty_blocks_interval"] == f"{layout.EMPTY_BLOCKS_INTERVAL_S}s"
    assert conf["instrumentation"]["prometheus"] is False and conf["tx_index"]["indexer"] == "kv"
    assert text.startswith("# comment with key = value inside\n")  # comments survive


def test_config_key_missing_from_the_template_fails_loudly() -> None:
    with pytest.raises(KeyError, match=r"\[consensus\] timeout_commit"):
        layout.set_toml(TEMPLATE.replace('timeout_commit = "1s"\n', ""), {("consensus", "timeout_commit"): "100ms"})


@pytest.mark.parametrize(("kwargs", "problem"), [
    ({"pid": None}, "node process down"),
    ({"app_pid": None}, "application process down"),
    ({"height": None, "error": "no reply"}, "RPC not answering (no reply)"),
    ({"catching_up": True}, "catching up"),
    ({"advanced": 0}, "stalled at height 7"),
    ({}, ""),
])
def test_a_validator_is_healthy_only_when_it_runs_and_commits(kwargs: dict[str, object], problem: str) -> None:
    base: dict[str, object] = {"node": layout.node_specs(26600)[1], "pid": 10, "app_pid": 11, "app_needed": True,
                               "rss_mib": 40.0, "height": 7, "peers": 3, "advanced": 2}
    health = NodeHealth(**{**base, **kwargs})  # type: ignore[arg-type]
    assert health.problem == problem
    assert health.line(3.0).startswith("✓ up" if not problem else "✗ DOWN")
