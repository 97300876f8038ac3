"""NetworkPolicies: default-deny, only the listed flows, and Ray workers with no egress out of Ray."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from chartlib import ALL_ON, ROOT, example, kinds


def matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for e in selector.get("matchExpressions", []):
        present, value = e["key"] in labels, labels.get(e["key"])
        ok = {
            "In": present and value in e.get("values", []),
            "NotIn": not present or value not in e.get("values", []),
            "Exists": present,
            "DoesNotExist": not present,
        }[e["operator"]]
        if not ok:
            return False
    return True


def pod_labels(docs, component: str) -> dict[str, str]:
    for d in kinds(docs, "Deployment") + kinds(docs, "StatefulSet"):
        labels = d["spec"]["template"]["metadata"]["labels"]
        if labels["app.kubernetes.io/component"] == component:
            return labels
    for d in kinds(docs, "RayCluster"):
        for g in [d["spec"]["headGroupSpec"], *d["spec"]["workerGroupSpecs"]]:
            labels = g["template"]["metadata"]["labels"]
            if labels["app.kubernetes.io/component"] == component:
                return labels
    for d in kinds(docs, "CronJob"):
        labels = d["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"]
        if labels["app.kubernetes.io/component"] == component:
            return labels
    raise AssertionError(component)


def policies_for(docs, labels, kind: str):
    return [
        p
        for p in kinds(docs, "NetworkPolicy")
        if kind in p["spec"]["policyTypes"] and matches(p["spec"]["podSelector"], labels)
    ]


def egress_allows(docs, src: dict[str, str], dst: dict[str, str], port: int) -> bool:
    """Same-namespace pod-to-pod egress check through every policy selecting the source."""
    for p in policies_for(docs, src, "Egress"):
        for rule in p["spec"].get("egress", []):
            ports = [x["port"] for x in rule.get("ports", [])]
            if ports and port not in ports:
                continue
            if any(
                "podSelector" in t and "namespaceSelector" not in t and matches(t["podSelector"], dst)
                for t in rule["to"]
            ):
                return True
    return False


def test_chart_default_denies_every_release_pod(render):
    docs = render(*ALL_ON)
    (deny,) = [p for p in kinds(docs, "NetworkPolicy") if p["metadata"]["name"].endswith("-default-deny")]
    assert deny["spec"]["policyTypes"] == ["Ingress", "Egress"]
    assert "ingress" not in deny["spec"] and "egress" not in deny["spec"]
    for component in ("registry", "registry-consumer", "training-worker", "storage-gc", "audit-relay", "ray-head",
                      "ray-worker", "validator", "bridge"):
        assert matches(deny["spec"]["podSelector"], pod_labels(docs, component)), component


def test_k8s_namespace_baseline():
    deny = yaml.safe_load((ROOT / "k8s/policies/default-deny.yaml").read_text())
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    for ns_file in sorted(Path(ROOT / "k8s/namespaces").glob("*.yaml")):
        labels = yaml.safe_load(ns_file.read_text())["metadata"]["labels"]
        assert labels["pod-security.kubernetes.io/enforce"] == "restricted", ns_file.name


def test_ray_workers_have_no_egress_outside_their_ray_cluster(render):
    for args in (ALL_ON, example("org1")):
        docs = render(*args)
        worker = pod_labels(docs, "ray-worker")
        ray_pods = [pod_labels(docs, "ray-head"), worker]
        policies = policies_for(docs, worker, "Egress")
        assert policies
        for p in policies:
            for rule in p["spec"].get("egress", []):
                assert rule.get("to"), f"{p['metadata']['name']}: egress rule without 'to' allows everything"
                for peer in rule["to"]:
                    assert "ipBlock" not in peer, p["metadata"]["name"]
                    if "namespaceSelector" in peer:  # only cluster DNS
                        assert peer["namespaceSelector"] == {
                            "matchLabels": {"kubernetes.io/metadata.name": "kube-system"}
                        }
                        assert peer["podSelector"] == {"matchLabels": {"k8s-app": "kube-dns"}}
                        assert {x["port"] for x in rule["ports"]} == {53}
                    else:
                        assert any(matches(peer["podSelector"], r) for r in ray_pods)
                        assert not matches(peer["podSelector"], pod_labels(docs, "storage"))
        assert not egress_allows(docs, worker, pod_labels(docs, "storage"), 8080)
        assert egress_allows(docs, worker, pod_labels(docs, "ray-head"), 6379)


def test_allowed_flows(render):
    docs = render(*ALL_ON)
    training, storage, registry = (pod_labels(docs, c) for c in ("training", "storage", "registry"))
    relay = pod_labels(docs, "registry-relay")
    head = pod_labels(docs, "ray-head")
    pg = {"cnpg.io/cluster": "ledgerml-pg"}
    kafka = {"strimzi.io/cluster": "ledgerml-kafka", "strimzi.io/kind": "Kafka"}
    assert egress_allows(docs, training, head, 8265)
    assert egress_allows(docs, relay, pg, 5432) and egress_allows(docs, relay, kafka, 9093)
    assert egress_allows(docs, head, storage, 8080)
    worker, consumer, gc = (pod_labels(docs, c) for c in ("training-worker", "audit-consumer", "storage-gc"))
    assert egress_allows(docs, worker, head, 8265) and egress_allows(docs, worker, registry, 8080)
    assert egress_allows(docs, consumer, pg, 5432) and egress_allows(docs, consumer, kafka, 9092)
    assert egress_allows(docs, gc, pg, 5432) and egress_allows(docs, gc, {"v1.min.io/tenant": "ledgerml-minio"}, 9000)
    assert not egress_allows(docs, registry, pg, 8000)
    # Ingress to the Ray head: training only (and Ray pods), not the other APIs.
    (head_policy,) = [p for p in kinds(docs, "NetworkPolicy") if p["metadata"]["name"].endswith("-ray-head")]
    sources = [f["podSelector"] for r in head_policy["spec"]["ingress"] for f in r["from"]]
    assert any(matches(s, training) for s in sources) and any(matches(s, worker) for s in sources)
    assert not any(matches(s, registry) for s in sources)
    # APIs accept 8080 from the ingress and monitoring namespaces.
    (api,) = [p for p in kinds(docs, "NetworkPolicy") if p["metadata"]["name"].endswith("-api-ingress")]
    namespaces = [
        f["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
        for r in api["spec"]["ingress"]
        for f in r["from"]
        if "namespaceSelector" in f
    ]
    assert namespaces == ["ingress-nginx", "monitoring"]
    assert all(x["port"] == 8080 for r in api["spec"]["ingress"] for x in r["ports"])


def test_policies_can_be_switched_off(render):
    assert not kinds(render("--set", "networkPolicy.enabled=false"), "NetworkPolicy")


def ingress_allows(docs, dst: dict[str, str], port: int, peer: dict[str, Any]) -> bool:
    """Does any ingress rule of a policy selecting dst admit `peer` (a from-entry shape) on port?"""
    for p in policies_for(docs, dst, "Ingress"):
        for rule in p["spec"].get("ingress", []):
            ports = [x["port"] for x in rule.get("ports", [])]
            if ports and port not in ports:
                continue
            for f in rule.get("from", [{}]):
                if "podSelector" in peer and "podSelector" in f and "namespaceSelector" not in f:
                    if matches(f["podSelector"], peer["podSelector"]):
                        return True
                elif "namespace" in peer and "namespaceSelector" in f:
                    if matches(f["namespaceSelector"], {"kubernetes.io/metadata.name": peer["namespace"]}):
                        return True
                elif "cidr" in peer and f.get("ipBlock", {}).get("cidr") == peer["cidr"]:
                    return True
    return False


P2P = ("--set", "validator.p2p.allowedNamespaces={ledgerml-org2},validator.p2p.allowedCIDRs={198.51.100.12/32}")


def test_validator_rpc_only_from_this_release_p2p_only_from_the_other_validators(render):
    docs = render(*ALL_ON, *P2P)
    val = pod_labels(docs, "validator")
    for component in ("registry", "training-worker", "audit-consumer", "storage-relay", "bridge"):
        src = pod_labels(docs, component)
        assert egress_allows(docs, src, val, 26657), component
        assert ingress_allows(docs, val, 26657, {"podSelector": src}), component
        assert not ingress_allows(docs, val, 26656, {"podSelector": src}), component
    other_release = {"app.kubernetes.io/instance": "other", "app.kubernetes.io/component": "registry"}
    for outsider in (pod_labels(docs, "ray-worker"), other_release):
        assert not ingress_allows(docs, val, 26657, {"podSelector": outsider}), outsider
    assert not ingress_allows(docs, val, 26657, {"namespace": "ledgerml-org2"})
    assert not ingress_allows(docs, val, 26657, {"cidr": "198.51.100.12/32"})
    assert ingress_allows(docs, val, 26656, {"namespace": "ledgerml-org2"})
    assert ingress_allows(docs, val, 26656, {"cidr": "198.51.100.12/32"})
    assert not ingress_allows(docs, val, 26656, {"namespace": "ledgerml-org3"})
    (policy,) = [p for p in kinds(docs, "NetworkPolicy") if p["metadata"]["name"].endswith("-validator")]
    egress = policy["spec"]["egress"]
    assert all(rule.get("to") for rule in egress), "an egress rule without 'to' allows everything"
    p2p = [rule for rule in egress if {x["port"] for x in rule["ports"]} == {26656}]
    assert len(p2p) == 1 and len(egress) == 2, egress  # DNS + the other validators, nothing else
    assert {"ipBlock": {"cidr": "198.51.100.12/32"}} in p2p[0]["to"]


def test_validator_without_peers_admits_no_p2p(render):
    docs = render(*ALL_ON)
    (policy,) = [p for p in kinds(docs, "NetworkPolicy") if p["metadata"]["name"].endswith("-validator")]
    assert [r["ports"] for r in policy["spec"]["ingress"]] == [[{"port": 26657, "protocol": "TCP"}]]
    assert all(r.get("from") for r in policy["spec"]["ingress"])
    assert len(policy["spec"]["egress"]) == 1  # DNS only
