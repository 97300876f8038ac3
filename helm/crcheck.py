"""Check rendered custom resources against the fields their operators document as required.

kubernetes-validate only knows core kinds; for the operators' kinds this checks the `required` lists of
their CRD schemas (transcribed below, with the version they come from) plus a few enums, so a renamed or
dropped field fails here instead of at `kubectl apply` time.

Usage: crcheck.py RENDERED.yaml...   exit 1 and one line per problem on failure.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import yaml

# (apiVersion, kind) -> {path: required keys}. "[]" in a path means every item of that list.
# Sources: KubeRay v1.7.0 ray.io_rayclusters.yaml; Strimzi 1.2.0 040/043/045 CRDs; MinIO operator v7.1.1
# minio.min.io_tenants.yaml; CloudNativePG postgresql.cnpg.io_clusters.yaml.
REQUIRED: dict[tuple[str, str], dict[str, list[str]]] = {
    ("ray.io/v1", "RayCluster"): {
        "": ["spec"],
        "spec": ["headGroupSpec"],
        "spec.headGroupSpec": ["template"],
        "spec.headGroupSpec.template.spec": ["containers"],
        "spec.workerGroupSpecs[]": ["groupName", "maxReplicas", "minReplicas", "template"],
        "spec.workerGroupSpecs[].template.spec": ["containers"],
    },
    ("kafka.strimzi.io/v1", "Kafka"): {
        "": ["spec"],
        "spec": ["kafka"],
        "spec.kafka": ["listeners"],
        "spec.kafka.listeners[]": ["name", "port", "type", "tls"],
    },
    ("kafka.strimzi.io/v1", "KafkaNodePool"): {
        "": ["spec"],
        "spec": ["replicas", "storage", "roles"],
        "spec.storage": ["type"],
        "spec.storage.volumes[]": ["id", "type"],
        "metadata.labels": ["strimzi.io/cluster"],
    },
    ("kafka.strimzi.io/v1", "KafkaTopic"): {"": ["spec"], "metadata.labels": ["strimzi.io/cluster"]},
    ("minio.min.io/v2", "Tenant"): {
        "": ["spec"],
        "spec": ["pools"],
        "spec.pools[]": ["name", "servers", "volumeClaimTemplate", "volumesPerServer"],
        "spec.configuration": ["name"],
    },
    ("postgresql.cnpg.io/v1", "Cluster"): {"": ["metadata", "spec"], "spec": ["instances"]},
}

ENUMS: dict[tuple[str, str], dict[str, set[Any]]] = {
    ("kafka.strimzi.io/v1", "KafkaNodePool"): {
        "spec.roles[]": {"controller", "broker"},
        "spec.storage.type": {"ephemeral", "persistent-claim", "jbod"},
    },
    ("kafka.strimzi.io/v1", "Kafka"): {
        "spec.kafka.listeners[].type": {"internal", "route", "loadbalancer", "nodeport", "ingress", "cluster-ip"},
    },
}


def resolve(node: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Yield (concrete path, value) for every node matching a dotted path with "[]" list steps."""
    if not path:
        yield "", node
        return
    head, _, rest = path.partition(".")
    is_list = head.endswith("[]")
    key = head.removesuffix("[]")
    if not isinstance(node, dict) or key not in node:
        return
    child = node[key]
    items = list(enumerate(child)) if is_list and isinstance(child, list) else [(None, child)]
    for i, item in items:
        here = key if i is None else f"{key}[{i}]"
        for sub, value in resolve(item, rest):
            yield (f"{here}.{sub}" if sub else here), value


def is_custom(api_version: str) -> bool:
    group = api_version.split("/")[0] if "/" in api_version else ""
    return "." in group and not group.endswith(".k8s.io")


def check(doc: dict[str, Any]) -> list[str]:
    api, kind = doc.get("apiVersion", ""), doc.get("kind", "")
    name = f"{kind}/{doc.get('metadata', {}).get('name', '?')}"
    if not is_custom(api):
        return []  # core kind: kubernetes-validate's job
    if (api, kind) not in REQUIRED:
        return [f"{name}: no documented field list for {api} {kind}"]
    errors = []
    for path, keys in REQUIRED[(api, kind)].items():
        for where, value in resolve(doc, path):
            if not isinstance(value, dict):
                errors.append(f"{name}: {where or '<root>'} must be an object")
                continue
            errors += [f"{name}: {where or '<root>'} lacks required field '{k}'" for k in keys if k not in value]
    for path, allowed in ENUMS.get((api, kind), {}).items():
        parent, _, leaf = path.rpartition(".")
        for where, value in resolve(doc, parent):
            values = value.get(leaf.removesuffix("[]"), []) if isinstance(value, dict) else []
            for v in values if leaf.endswith("[]") else [values] if values != [] else []:
                if v not in allowed:
                    errors.append(f"{name}: {where}.{leaf} = {v!r} not in {sorted(allowed)}")
    return errors


def main(paths: list[str]) -> int:
    errors, seen = [], 0
    for p in paths:
        with open(p, encoding="utf-8") as f:
            for doc in yaml.safe_load_all(f):
                if isinstance(doc, dict) and is_custom(doc.get("apiVersion", "")):
                    seen += 1
                    errors += check(doc)
    for e in errors:
        print(f"crcheck: {e}", file=sys.stderr)
    print(f"crcheck: {seen} custom resources checked, {len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
