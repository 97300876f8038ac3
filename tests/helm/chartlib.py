"""Helpers for the chart tests: where things are, how to render, how to pick objects apart."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "helm" / "ledgerml"
EXAMPLES = ROOT / "k8s" / "examples"

Docs = list[dict[str, Any]]


def run_template(helm: str, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [helm, "template", "ledgerml", str(CHART), "-n", "ledgerml-t", "--kube-version", "1.33.0", *args]
    return subprocess.run(cmd, capture_output=True, text=True, check=False)


def example(org: str) -> tuple[str, str]:
    return ("-f", str(EXAMPLES / f"{org}-values.yaml"))


ALL_ON = ("--set", "database.mode=cnpg,kafka.mode=strimzi,objectStore.mode=minio,validator.enabled=true,"
          "ray.enabled=true")


def kinds(docs: Docs, kind: str) -> Docs:
    return [d for d in docs if d["kind"] == kind]


def pod_specs(docs: Docs) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(name, pod metadata, pod spec) for every Deployment, StatefulSet and RayCluster group."""
    out = []
    for d in kinds(docs, "Deployment") + kinds(docs, "StatefulSet"):
        out.append((d["metadata"]["name"], d["spec"]["template"]["metadata"], d["spec"]["template"]["spec"]))
    for d in kinds(docs, "RayCluster"):
        groups = [d["spec"]["headGroupSpec"], *d["spec"]["workerGroupSpecs"]]
        for g in groups:
            name = f"{d['metadata']['name']}/{g.get('groupName', 'head')}"
            out.append((name, g["template"]["metadata"], g["template"]["spec"]))
    return out


def all_containers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [*spec.get("initContainers", []), *spec["containers"]]


def validator(docs: Docs) -> dict[str, Any]:
    (sts,) = kinds(docs, "StatefulSet")
    assert sts["metadata"]["labels"]["app.kubernetes.io/component"] == "validator"
    return sts
