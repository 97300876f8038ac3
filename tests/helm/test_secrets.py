"""No Secret is rendered and no secret value reaches a ConfigMap: secrets are files from Secret refs."""

from __future__ import annotations

import re

import pytest
from chartlib import ALL_ON, example, kinds, validator

CASES = [(), ALL_ON, example("org1"), example("org2"), example("org3")]
SECRETISH = re.compile(r"PASSWORD|SECRET|_KEY|TOKEN|CREDENTIAL")


@pytest.mark.parametrize("args", CASES, ids=["defaults", "all-on", "org1", "org2", "org3"])
def test_no_secret_value_in_any_configmap(render, args):
    docs = render(*args)
    assert not kinds(docs, "Secret"), "the chart must only reference existing Secrets"
    configmaps = {c["metadata"]["name"]: c["data"] for c in kinds(docs, "ConfigMap")}
    for name, data in configmaps.items():
        for key, value in data.items():
            assert not SECRETISH.search(key) or key.endswith("_FILE"), f"{name}: {key} looks like a secret value"
            assert "DATABASE_URL" not in key, (name, key)
            assert "-----BEGIN" not in value, key
    for d in kinds(docs, "Deployment"):
        spec = d["spec"]["template"]["spec"]
        if spec["containers"][0]["args"] == ["ledgerml.shared.bridge"]:
            continue  # mounts nothing secret: test_bridge_and_validator_secrets
        volumes = {v["name"]: v for v in spec["volumes"]}
        for name in ("secrets", "identity"):
            assert all(set(src) == {"secret"} for src in volumes[name]["projected"]["sources"])
        assert all(set(src) <= {"secret", "configMap"} for src in volumes["consortium"]["projected"]["sources"])
        data = configmaps[spec["containers"][0]["envFrom"][0]["configMapRef"]["name"]]
        prefix = next(k.removesuffix("MSP_ID") for k in data if k.endswith("_MSP_ID"))
        files = {i["path"] for s in volumes["secrets"]["projected"]["sources"] for i in s["secret"]["items"]}
        assert f"{prefix}DATABASE_URL" in files, d["metadata"]["name"]
        by_file = {v.rsplit("/", 1)[-1] for k, v in data.items() if k.endswith("_FILE")}
        assert all(f.startswith(prefix) or f in by_file for f in files), files
        mounts = {m["name"]: m for m in spec["containers"][0]["volumeMounts"]}
        assert mounts["secrets"]["mountPath"] == "/run/secrets/ledgerml" and mounts["secrets"]["readOnly"]
        assert data[f"{prefix}IDENTITY_MSP_DIR"].startswith(mounts["identity"]["mountPath"])
        assert not any("valueFrom" in e for c in spec["containers"] for e in c.get("env", []))


def test_least_privilege_mounts(render):
    docs = render()
    mounts = {}
    for d in kinds(docs, "Deployment"):
        if d["metadata"]["labels"]["app.kubernetes.io/component"] == "bridge":
            continue
        vol = next(v for v in d["spec"]["template"]["spec"]["volumes"] if v["name"] == "secrets")
        mounts[d["metadata"]["labels"]["app.kubernetes.io/component"]] = {
            i["path"] for s in vol["projected"]["sources"] for i in s["secret"]["items"]
        }
    assert "org.key" in mounts["storage"] and "LEDGERML_STORAGE_ORG_KEY" not in mounts["storage"]
    assert mounts["registry"] == {"LEDGERML_REGISTRY_DATABASE_URL"}
    assert "LEDGERML_TRAINING_S3_SECRET_KEY" in mounts["training"]
    assert "org.key" not in mounts["training"]
    (gc,) = kinds(docs, "CronJob")
    vol = next(v for v in gc["spec"]["jobTemplate"]["spec"]["template"]["spec"]["volumes"] if v["name"] == "secrets")
    assert {i["path"] for s in vol["projected"]["sources"] for i in s["secret"]["items"]} == mounts["storage"]


@pytest.mark.parametrize("args", CASES, ids=["defaults", "all-on", "org1", "org2", "org3"])
def test_bridge_and_validator_secrets(render, args):
    docs = render(*args)
    (bridge,) = [d for d in kinds(docs, "Deployment") if d["metadata"]["name"].endswith("-bridge")]
    volumes = bridge["spec"]["template"]["spec"]["volumes"]
    kinds_of = [(v["name"], *(set(v) - {"name"})) for v in volumes]
    assert kinds_of == [("data", "persistentVolumeClaim"), ("tmp", "emptyDir")]
    spec = validator(docs)["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in spec["volumes"]}
    keys = volumes["keys"]["projected"]
    assert all(set(src) == {"secret"} for src in keys["sources"]) and keys["defaultMode"] == 0o440
    assert {i["path"] for src in keys["sources"] for i in src["secret"]["items"]} == {
        "node_key.json", "priv_validator_key.json"}
    assert all(set(src) == {"configMap"} for src in volumes["config"]["projected"]["sources"])
    for c in spec["containers"] + spec["initContainers"]:
        for m in c["volumeMounts"]:
            if m["name"] in ("keys", "config"):
                assert m.get("readOnly") is True and c["name"] == "cometbft", (c["name"], m)
    config = next(c for c in kinds(docs, "ConfigMap") if c["metadata"]["name"].endswith("-validator"))
    assert "priv_key" not in str(config["data"]) and "-----BEGIN" not in str(config["data"])


def test_validator_key_secrets_come_from_values(render):
    docs = render("--set", "validator.nodeKey.existingSecret=nk,validator.validatorKey.existingSecret=vk,"
                  "validator.validatorKey.key=pv.json")
    keys = next(v for v in validator(docs)["spec"]["template"]["spec"]["volumes"] if v["name"] == "keys")
    sources = keys["projected"]["sources"]
    refs = {(s["secret"]["name"], i["key"], i["path"]) for s in sources for i in s["secret"]["items"]}
    assert refs == {("nk", "node_key.json", "node_key.json"), ("vk", "pv.json", "priv_validator_key.json")}
    assert not kinds(docs, "Secret")
