"""values.schema.json rejects typos and bad values; the CR checker and the Dockerfile lint catch mistakes."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml
from chartlib import ROOT, run_template

sys.path.insert(0, str(ROOT / "helm"))
sys.path.insert(0, str(ROOT / "docker"))

import crcheck
import lint as dockerlint


def test_typo_values_file_is_rejected(helm):
    out = run_template(helm, "-f", str(ROOT / "tests/helm/fixtures/typo-values.yaml"))
    assert out.returncode != 0
    assert "additional properties 'replcas' not allowed" in out.stderr


@pytest.mark.parametrize(
    "setting, message",
    [
        ("org.role=admin", "/org/role"),
        ("kafka.mode=external", "/kafka/bootstrap"),
        ("validator.storageSize=lots", "/validator/storageSize"),
        ("validator.persistentPeers={peer.example.com:26656}", "/validator/persistentPeers/0"),
        ("validator.latency.timeoutCommit=fast", "/validator/latency/timeoutCommit"),
        ("validator.enabled=false", "/ledger/rpcUrl"),
        ("validator.genesis.existingConfigMap=", "/validator/genesis/existingConfigMap"),
        ("fabric.mode=operator", "additional properties 'fabric'"),
        ("networkPolicy.extra=1", "additional properties 'extra'"),
    ],
)
def test_bad_values_are_rejected(helm, setting, message):
    out = run_template(helm, "--set", setting)
    assert out.returncode != 0 and message in out.stderr, out.stderr


def test_defaults_render(helm):
    assert run_template(helm).returncode == 0


def test_crcheck_flags_missing_documented_fields(render):
    from chartlib import ALL_ON

    docs = render(*ALL_ON)
    crs = [d for d in docs if crcheck.is_custom(d["apiVersion"])]
    assert {d["kind"] for d in crs} == {
        "Cluster",
        "Kafka",
        "KafkaNodePool",
        "KafkaTopic",
        "Tenant",
        "RayCluster",
    }
    assert all(crcheck.check(d) == [] for d in crs)
    ray = next(d for d in crs if d["kind"] == "RayCluster")
    broken = yaml.safe_load(yaml.safe_dump(ray))
    del broken["spec"]["workerGroupSpecs"][0]["maxReplicas"]
    assert crcheck.check(broken) == [
        "RayCluster/ledgerml-ray: spec.workerGroupSpecs[0] lacks required field 'maxReplicas'"
    ]
    pool = next(d for d in crs if d["kind"] == "KafkaNodePool")
    pool["spec"]["roles"] = ["brokers"]
    assert any("'brokers'" in e for e in crcheck.check(pool))
    assert crcheck.check({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}})


def test_dockerfile_lint():
    assert dockerlint.lint((ROOT / "docker/Dockerfile").read_text()) == []
    bad = "FROM python:latest\nUSER root\nCMD python -m ledgerml.registry\n"
    errors = dockerlint.lint(bad)
    assert any("explicit tag" in e for e in errors)
    assert any("non-root USER" in e for e in errors)
    assert any("exec (JSON) form" in e for e in errors)
    assert any("multi-stage" in e for e in errors)


def test_readme_is_current():
    out = subprocess.run([sys.executable, str(ROOT / "helm/gen_readme.py"), "--check"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
