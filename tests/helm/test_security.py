"""Pods run non-root, read-only, without capabilities, with probes, resources and standard labels."""

from __future__ import annotations

import pytest
from chartlib import ALL_ON, all_containers, example, kinds, pod_specs

CASES = [ALL_ON, example("org1"), example("org2"), example("org3")]
APIS = {"registry", "access-control", "storage", "training", "audit"}


@pytest.mark.parametrize("args", CASES, ids=["all-on", "org1", "org2", "org3"])
def test_every_pod_is_restricted(render, args):
    pods = pod_specs(render(*args))
    assert pods
    for name, _, spec in pods:
        psc = spec["securityContext"]
        assert psc["runAsNonRoot"] is True, name
        assert psc["runAsUser"] > 0, name
        assert psc["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert spec["automountServiceAccountToken"] is False, name
        assert not spec.get("hostNetwork") and not spec.get("hostPID"), name
        for c in all_containers(spec):
            sc = c["securityContext"]
            assert sc["readOnlyRootFilesystem"] is True, (name, c["name"])
            assert sc["allowPrivilegeEscalation"] is False, (name, c["name"])
            assert sc["capabilities"] == {"drop": ["ALL"]}, (name, c["name"])
            assert c["resources"]["limits"]["memory"] and c["resources"]["requests"]["cpu"], (name, c["name"])


def test_apis_probe_healthz_and_readyz(render):
    docs = render(*ALL_ON)
    deployments = {d["metadata"]["labels"]["app.kubernetes.io/component"]: d for d in kinds(docs, "Deployment")}
    consumers = {f"{a}-consumer" for a in APIS - {"storage"}}
    assert APIS | {f"{a}-relay" for a in APIS} | consumers | {"training-worker", "bridge"} == set(deployments)
    for name in APIS:
        c = deployments[name]["spec"]["template"]["spec"]["containers"][0]
        assert c["args"] == [f"ledgerml.{name.replace('-', '_')}", "serve"]
        assert c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
        assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
        assert c["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]
    assert deployments["storage-relay"]["spec"]["template"]["spec"]["containers"][0]["args"] == [
        "ledgerml.storage",
        "relay",
    ]
    assert deployments["audit-consumer"]["spec"]["template"]["spec"]["containers"][0]["args"] == [
        "ledgerml.audit",
        "consume",
    ]


def test_standard_labels_pdb_and_optional_hpa(render):
    docs = render(*ALL_ON)
    for d in docs:
        labels = d["metadata"]["labels"]
        for key in ("name", "instance", "component", "part-of", "version", "managed-by"):
            assert f"app.kubernetes.io/{key}" in labels, (d["kind"], d["metadata"]["name"], key)
    assert {p["metadata"]["labels"]["app.kubernetes.io/component"] for p in kinds(docs, "PodDisruptionBudget")} == APIS
    assert not kinds(docs, "HorizontalPodAutoscaler")
    scaled = render(*ALL_ON, "--set", "serviceDefaults.autoscaling.enabled=true")
    assert len(kinds(scaled, "HorizontalPodAutoscaler")) == len(APIS)
    api = next(d for d in kinds(scaled, "Deployment") if d["metadata"]["name"].endswith("-registry"))
    assert "replicas" not in api["spec"]


def test_checksum_annotation_follows_the_config(render):
    def checksum(docs):
        d = next(d for d in kinds(docs, "Deployment") if d["metadata"]["name"].endswith("-registry"))
        return d["spec"]["template"]["metadata"]["annotations"]["checksum/config"]

    assert checksum(render()) != checksum(render("--set", "logLevel=DEBUG"))
    assert checksum(render()) == checksum(render("--set", "image.tag=0.2.0"))


def test_gpu_worker_group(render):
    (ray,) = kinds(render(*example("org1")), "RayCluster")
    (group,) = ray["spec"]["workerGroupSpecs"]
    spec = group["template"]["spec"]
    assert spec["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in spec["tolerations"]
    assert ray["spec"]["headGroupSpec"]["rayStartParams"]["num-gpus"] == "0"


def test_auditor_runs_no_storage_training_or_ray(render):
    docs = render(*example("org3"))
    components = {d["metadata"]["labels"]["app.kubernetes.io/component"] for d in kinds(docs, "Deployment")}
    assert components.isdisjoint({"storage", "training", "storage-relay", "training-relay", "training-worker"})
    assert not kinds(docs, "RayCluster") and not kinds(docs, "CronJob")
    for cm in kinds(docs, "ConfigMap"):
        if cm["metadata"]["name"].endswith(("-endpoints", "-bridge", "-validator")):
            continue
        assert "Org3MSP" in cm["data"].values() and '["Org3MSP"]' in cm["data"].values()
        assert not any("S3_" in k for k in cm["data"])
