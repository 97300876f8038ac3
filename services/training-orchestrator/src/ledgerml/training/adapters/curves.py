"""Training curves as PNG (matplotlib, headless Agg backend): loss and accuracy per epoch."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.figure import Figure


def render_curve(job_id: str, epochs: Sequence[Mapping[str, Any]]) -> bytes:
    figure = Figure(figsize=(7, 3.2), dpi=100)  # a bare Figure uses Agg; no global pyplot state
    loss_axes, accuracy_axes = figure.subplots(1, 2)
    xs = [int(e["epoch"]) for e in epochs]
    for axes, keys, label in ((loss_axes, ("loss", "validation_loss"), "loss"),
                              (accuracy_axes, ("accuracy", "validation_accuracy"), "accuracy")):
        for key in keys:
            points = [(x, e[key]) for x, e in zip(xs, epochs, strict=True) if e.get(key) is not None]
            if points:
                axes.plot([p[0] for p in points], [p[1] for p in points], marker="o", markersize=3,
                          label=key.replace("_", " "))
        axes.set_xlabel("epoch")
        axes.set_title(label)
        if axes.has_data():
            axes.legend(fontsize="small")
        else:
            axes.text(0.5, 0.5, "no epochs yet", ha="center", va="center", transform=axes.transAxes)
    figure.suptitle(f"training job {job_id}", fontsize="medium")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
