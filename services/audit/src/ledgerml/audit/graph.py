"""The lineage graph as a PNG: dataset versions and grants → training job → model (networkx layout,
matplotlib's Agg backend, no display needed)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import networkx as nx

LAYERS = {"grant": 0, "dataset": 0, "version": 1, "job": 2, "model": 3}
COLOURS = {"grant": "#f2c14e", "dataset": "#8ecae6", "version": "#219ebc", "job": "#fb8500", "model": "#2a9d8f"}


def lineage_graph(lineages: Sequence[dict[str, Any]]) -> nx.DiGraph:
    graph = nx.DiGraph()

    def add(node: str, kind: str, label: str) -> None:
        graph.add_node(node, layer=LAYERS[kind], kind=kind, label=label)

    for lineage in lineages:
        job = lineage.get("job") or {}
        job_node = f"job:{job.get('job_id')}" if job.get("job_id") else None
        if job_node:
            add(job_node, "job", f"job {job['job_id']}\n{job.get('algorithm') or ''} ({job.get('status')})")
        for ds in lineage.get("datasets") or []:
            version_node = f"version:{ds['dataset_id']}@{ds['version']}"
            root = (ds.get("merkle_root") or "")[:12]
            add(f"dataset:{ds['dataset_id']}", "dataset", f"dataset {ds['dataset_id']}")
            add(version_node, "version", f"{ds['dataset_id']}@{ds['version']}\nroot {root}")
            graph.add_edge(f"dataset:{ds['dataset_id']}", version_node)
            if job_node:
                graph.add_edge(version_node, job_node)
        for grant in lineage.get("grants") or []:
            add(f"grant:{grant['grant_id']}", "grant", f"grant {grant['grant_id']}\n→ {grant['grantee_org']}"
                + ("" if grant.get("in_force") else " (not in force)"))
            if job_node:
                graph.add_edge(f"grant:{grant['grant_id']}", job_node)
        if lineage.get("model_id"):
            model_node = f"model:{lineage['model_id']}"
            add(model_node, "model", f"model {lineage['model_id']}")
            if job_node:
                graph.add_edge(job_node, model_node)
    return graph


def render_png(graph: nx.DiGraph, *, title: str) -> bytes:
    figure, axes = plt.subplots(figsize=(10, max(4.0, 1.2 * max(1, graph.number_of_nodes() // 3))), dpi=100)
    try:
        axes.set_title(title)
        axes.axis("off")
        if graph.number_of_nodes():
            positions = nx.multipartite_layout(graph, subset_key="layer")
            colours = [COLOURS[graph.nodes[n]["kind"]] for n in graph.nodes]
            nx.draw_networkx_nodes(graph, positions, ax=axes, node_color=colours, node_size=2400, alpha=0.9)
            nx.draw_networkx_edges(graph, positions, ax=axes, arrows=True, arrowsize=16, node_size=2400)
            nx.draw_networkx_labels(graph, positions, ax=axes, font_size=7,
                                    labels={n: graph.nodes[n]["label"] for n in graph.nodes})
        else:
            axes.text(0.5, 0.5, "no lineage recorded", ha="center", va="center")
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()
    finally:
        plt.close(figure)
