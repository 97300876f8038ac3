"""The organisation's CometBFT validator: one StatefulSet pod (cometbft + ledgerml-abci) on a claim, keys from
Secrets, genesis from a ConfigMap, peers and latency from values, probes that spare a catching-up node, its two
Services; and nothing of Fabric left in any rendering."""

from __future__ import annotations

import json
import re
import tomllib

import pytest
from chartlib import ALL_ON, CHART, EXAMPLES, example, kinds, run_template, validator

PEER = "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567@ledgerml-validator-0.ledgerml-validator-p2p.ledgerml-org2.svc:26656"
GENESIS = json.dumps({"genesis_time": "2026-12-01T00:00:00Z", "chain_id": "ledgerml-prod", "app_state": {"msps": []}})


def config_toml(docs) -> dict:
    (cm,) = [c for c in kinds(docs, "ConfigMap") if c["metadata"]["name"] == "ledgerml-validator"]
    return tomllib.loads(cm["data"]["config.toml"])


def test_one_replica_with_a_claim_for_both_homes(render):
    sts = validator(render())
    spec = sts["spec"]
    assert spec["replicas"] == 1 and spec["serviceName"] == "ledgerml-validator-p2p"
    (claim,) = spec["volumeClaimTemplates"]
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
    assert claim["spec"]["resources"]["requests"]["storage"] == "50Gi"
    pod = spec["template"]["spec"]
    assert not any("persistentVolumeClaim" in v or "emptyDir" in v for v in pod["volumes"])
    cometbft, abci = pod["containers"]
    assert [cometbft["command"] + cometbft["args"], abci["command"] + abci["args"]] == [
        ["cometbft", "start", "--home", "/cometbft"],
        ["ledgerml-abci", "--home", "/app", "--addr", "tcp://127.0.0.1:26658"],
    ]
    claimed = claim["metadata"]["name"]
    data = {c["name"]: [(m["mountPath"], m.get("subPath")) for m in c["volumeMounts"] if m["name"] == claimed]
            for c in pod["containers"]}
    assert data == {"cometbft": [("/cometbft/data", "cometbft")], "abci": [("/app", "app")]}
    assert "ports" not in abci, "the ABCI socket stays on loopback"
    (init,) = pod["initContainers"]
    script = init["args"][0]
    assert "priv_validator_state.json" in script and '[ -s "$state" ] ||' in script, "never reset a signing state"
    bigger = validator(render("--set", "validator.storageSize=200Gi,validator.storageClass=fast"))
    assert bigger["spec"]["volumeClaimTemplates"][0]["spec"] == {
        "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "200Gi"}}, "storageClassName": "fast"}


def test_config_points_at_the_app_the_mounts_and_values(render):
    docs = render(*ALL_ON)
    conf = config_toml(docs)
    assert conf["proxy_app"] == "tcp://127.0.0.1:26658"
    assert conf["rpc"]["laddr"] == "tcp://0.0.0.0:26657" and conf["p2p"]["laddr"] == "tcp://0.0.0.0:26656"
    assert conf["consensus"]["timeout_commit"] == "100ms" and conf["p2p"]["flush_throttle_timeout"] == "10ms"
    assert conf["consensus"]["create_empty_blocks_interval"] == "3s", "an idle chain must not make a block every 100 ms"
    assert conf["p2p"]["persistent_peers"] == ""
    pod = validator(docs)["spec"]["template"]["spec"]
    mounts = {m["name"]: m["mountPath"] for m in pod["containers"][0]["volumeMounts"]}
    volumes = {v["name"]: v["projected"]["sources"] for v in pod["volumes"]}
    files = {f"{mounts[name]}/{i['path']}"
             for name, srcs in volumes.items() for s in srcs for i in next(iter(s.values()))["items"]}
    for key in ("genesis_file", "node_key_file", "priv_validator_key_file"):
        assert f"/cometbft/{conf[key]}" in files, key
    for writable in (conf["priv_validator_state_file"], conf["p2p"]["addr_book_file"]):
        assert writable.startswith("data/") and mounts["data"] == "/cometbft/data", writable
    tuned = config_toml(render("--set-json", json.dumps({"validator": {
        "persistentPeers": [PEER, PEER.replace("0a1b", "9f8e")], "externalAddress": "validator.org1.example.com:26656",
        "latency": {"timeoutCommit": "250ms", "flushThrottleTimeout": "20ms"}}})))
    assert tuned["p2p"]["persistent_peers"] == f"{PEER},{PEER.replace('0a1b', '9f8e')}"
    assert tuned["p2p"]["external_address"] == "validator.org1.example.com:26656"
    assert tuned["consensus"]["timeout_commit"] == "250ms" and tuned["p2p"]["flush_throttle_timeout"] == "20ms"


@pytest.mark.parametrize("org", ["org1", "org2", "org3"])
def test_examples_peer_with_the_three_other_validators(render, org):
    peers = config_toml(render(*example(org)))["p2p"]["persistent_peers"].split(",")
    assert len(peers) == 3 and not any(f".{org}." in p for p in peers)
    assert all(re.fullmatch(r"[0-9a-f]{40}@[^:@]+:26656", p) for p in peers)


def test_genesis_inline_or_existing(render, helm):
    pod = validator(render())["spec"]["template"]["spec"]
    config = next(v for v in pod["volumes"] if v["name"] == "config")["projected"]["sources"]
    assert {"name": "ledgerml-genesis", "items": [{"key": "genesis.json", "path": "genesis.json"}]} in [
        s["configMap"] for s in config]
    docs = render("--set-json", json.dumps({"validator": {"genesis": {"json": GENESIS}}}))
    (cm,) = [c for c in kinds(docs, "ConfigMap") if c["metadata"]["name"] == "ledgerml-genesis"]
    assert json.loads(cm["data"]["genesis.json"])["chain_id"] == "ledgerml-prod"
    other_chain = GENESIS.replace("-prod", "")
    wrong = run_template(helm, "--set-json", json.dumps({"validator": {"genesis": {"json": other_chain}}}))
    assert wrong.returncode != 0 and 'chain_id "ledgerml" differs from ledger.chainId "ledgerml-prod"' in wrong.stderr
    checksum = validator(docs)["spec"]["template"]["metadata"]["annotations"]["checksum/config"]
    assert checksum != validator(render())["spec"]["template"]["metadata"]["annotations"]["checksum/config"]


def test_probes_spare_a_catching_up_node(render):
    cometbft = validator(render())["spec"]["template"]["spec"]["containers"][0]
    assert cometbft["livenessProbe"]["httpGet"] == {"path": "/health", "port": "rpc"}
    assert cometbft["startupProbe"]["httpGet"] == {"path": "/health", "port": "rpc"}
    assert cometbft["startupProbe"]["periodSeconds"] * cometbft["startupProbe"]["failureThreshold"] >= 600
    ready = " ".join(cometbft["readinessProbe"]["exec"]["command"])
    assert "127.0.0.1:26657/status" in ready and "catching_up" in ready and "false" in ready
    assert {p["name"]: p["containerPort"] for p in cometbft["ports"]} == {"p2p": 26656, "rpc": 26657}


def test_p2p_headless_and_rpc_cluster_ip(render):
    services = {s["metadata"]["name"]: s["spec"] for s in kinds(render(), "Service")}
    p2p, rpc = services["ledgerml-validator-p2p"], services["ledgerml-validator-rpc"]
    assert p2p["clusterIP"] == "None" and p2p["publishNotReadyAddresses"] is True
    assert [p["port"] for p in p2p["ports"]] == [26656] and [p["port"] for p in rpc["ports"]] == [26657]
    assert rpc["type"] == "ClusterIP" and not rpc.get("publishNotReadyAddresses")
    assert {s["selector"]["app.kubernetes.io/component"] for s in (p2p, rpc)} == {"validator"}


def test_bridge_is_one_recreated_pod_publishing_the_org_ledger_topic(render, helm):
    docs = render(*example("org3"))
    (bridge,) = [d for d in kinds(docs, "Deployment") if d["metadata"]["name"] == "ledgerml-bridge"]
    assert bridge["spec"]["replicas"] == 1 and bridge["spec"]["strategy"] == {"type": "Recreate"}
    container = bridge["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] + container["args"] == ["python", "-m", "ledgerml.shared.bridge"]
    (cm,) = [c for c in kinds(docs, "ConfigMap") if c["metadata"]["name"] == "ledgerml-bridge"]
    assert cm["data"]["LEDGERML_BRIDGE_ORG"] == "org3"  # the bridge publishes on <ORG>.ledger
    assert any(t["spec"]["topicName"] == "org3.ledger" for t in kinds(docs, "KafkaTopic"))
    (claim,) = [c for c in kinds(docs, "PersistentVolumeClaim") if c["metadata"]["name"] == "ledgerml-bridge"]
    assert claim["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep", "the checkpoint outlives the release"
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert mounts["data"] == cm["data"]["LEDGERML_BRIDGE_DATA_DIR"]
    assert not any(d["metadata"]["name"] == "ledgerml-bridge" for d in render("--set", "bridge.enabled=false"))
    no_topic = run_template(helm, "--set", "kafka.topics.names={registry}")
    assert no_topic.returncode != 0 and 'kafka.topics.names must list "ledger"' in no_topic.stderr


def test_no_validator_without_a_ledger_url(render, helm):
    docs = render("--set", "validator.enabled=false,ledger.rpcUrl=http://v.example.com:26657")
    assert not kinds(docs, "StatefulSet")
    assert not any("validator" in d["metadata"]["name"] for d in docs if d["kind"] != "NetworkPolicy")
    assert not any(p["metadata"]["name"].endswith("-validator") for p in kinds(docs, "NetworkPolicy"))


FABRIC = re.compile(r"fabric|hyperledger|peer0|orderer|couchdb|hlf\.|:7051|:7050", re.I)


@pytest.mark.parametrize("values", [None, *sorted(CHART.glob("ci/*.yaml")), *sorted(EXAMPLES.glob("*.yaml"))],
                         ids=lambda v: v.stem if v else "defaults")
def test_no_fabric_object_left_anywhere(helm, values):
    out = run_template(helm, *(("-f", str(values)) if values else ()))
    assert out.returncode == 0, out.stderr
    assert not FABRIC.findall(out.stdout), sorted(set(FABRIC.findall(out.stdout)))


def test_no_fabric_value_or_template_left():
    for path in [CHART / "values.yaml", CHART / "values.schema.json", *CHART.glob("templates/*")]:
        assert not FABRIC.search(path.read_text()), path.name
