"""No Secret is rendered and no secret value reaches a ConfigMap: secrets are files from Secret refs."""

from __future__ import annotations

import re

import pytest
from chartlib import ALL_ON, example, kinds

CASES = [(), ALL_ON, example("org1"), example("org2"), example("org3")]
SECRETISH = re.compile(r"PASSWORD|SECRET|_KEY|TOKEN|CREDENTIAL")


@pytest.mark.parametrize("args", CASES, ids=["defaults", "all-on", "org1", "org2", "org3"])
def test_no_secret_value_in_any_configmap(render, args):
    docs = render(*args)
    assert not kinds(docs, "Secret"), "the chart must only reference existing Secrets"
    deployments = {d["metadata"]["name"]: d for d in kinds(docs, "Deployment")}
    for cm in kinds(docs, "ConfigMap"):
        for key, value in cm["data"].items():
            assert key.endswith("_FILE") or not SECRETISH.search(key), (
                f"{cm['metadata']['name']}: {key} looks like a secret value"
            )
            assert "-----BEGIN" not in value, key
            if key.endswith("DATABASE_URL"):
                assert re.match(r"^[\w+]+://[^:@/]+@", value), f"password in {key}: {value}"
    # Every *_FILE setting points into the projected volume built only from Secrets.
    for d in deployments.values():
        spec = d["spec"]["template"]["spec"]
        (vol,) = [v for v in spec["volumes"] if v["name"] == "secrets"]
        assert all(set(src) == {"secret"} for src in vol["projected"]["sources"])
        paths = {i["path"] for src in vol["projected"]["sources"] for i in src["secret"]["items"]}
        cm_name = spec["containers"][0]["envFrom"][0]["configMapRef"]["name"]
        cm = next(c for c in kinds(docs, "ConfigMap") if c["metadata"]["name"] == cm_name)
        files = {v for k, v in cm["data"].items() if k.endswith("_FILE")}
        assert files, cm_name
        assert {f.removeprefix("/var/run/secrets/ledgerml/") for f in files} <= paths, d["metadata"]["name"]
        assert not any("env" in c and any("valueFrom" in e for e in c["env"]) for c in spec["containers"])


def test_least_privilege_mounts(render):
    docs = render()
    mounts = {}
    for d in kinds(docs, "Deployment"):
        vol = next(v for v in d["spec"]["template"]["spec"]["volumes"] if v["name"] == "secrets")
        mounts[d["metadata"]["labels"]["app.kubernetes.io/component"]] = {
            i["path"] for s in vol["projected"]["sources"] for i in s["secret"]["items"]
        }
    assert "org/org.key" in mounts["storage"]
    assert "org/org.key" not in mounts["registry"] and "s3/secret-key" not in mounts["registry"]
    assert "s3/secret-key" in mounts["training"] and "org/org.key" not in mounts["training"]
