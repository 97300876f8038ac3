"""Deterministic MLP training that records a transcript as it goes.

Same seed, same data, same code on CPU → the same batch order, the same checkpoint hashes and the same
metrics: torch deterministic algorithms, one intra-op thread, and a CPU generator for the data order
(so the order does not depend on the device).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from .artifacts import canonical_json, deserialise_weights, progress_line, serialise_weights, sha256_hex
from .sources import Table

ALGORITHM = "tabular_classifier"


def make_deterministic(seed: int, device: str) -> None:
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    if device == "cpu":
        torch.set_num_threads(1)


def build_model(in_features: int, *, hidden_units: int, hidden_layers: int, classes: int) -> nn.Sequential:
    layers: list[nn.Module] = []
    width = in_features
    for _ in range(hidden_layers):
        layers += [nn.Linear(width, hidden_units), nn.ReLU()]
        width = hidden_units
    layers.append(nn.Linear(width, classes))
    return nn.Sequential(*layers)


@dataclass(frozen=True)
class TrainOutput:
    records: list[dict[str, Any]]
    weights: bytes


def _state(model: nn.Module) -> dict[str, np.ndarray]:
    return {k: v.detach().to("cpu").numpy() for k, v in model.state_dict().items()}


def _split(rows: int, fraction: float, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    order = torch.randperm(rows, generator=generator)
    held = round(rows * fraction)
    return order[held:].sort().values, order[:held].sort().values


def _accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    if len(y) == 0:
        return float("nan"), float("nan")
    with torch.no_grad():
        logits = model(x)
        loss = nn.functional.cross_entropy(logits, y).item()
        return loss, (logits.argmax(dim=1) == y).float().mean().item()


def train(table: Table, params: Mapping[str, Any], *, header: Mapping[str, Any], device: str,
          emit: Callable[[str], None] = print) -> TrainOutput:
    seed = int(params["seed"])
    make_deterministic(seed, device)
    generator = torch.Generator().manual_seed(seed)
    x_all = torch.from_numpy(table.features)
    y_all = torch.from_numpy(table.labels)
    train_idx, val_idx = _split(len(y_all), float(params["validation_fraction"]), generator)
    mean = x_all[train_idx].mean(dim=0)
    std = x_all[train_idx].std(dim=0, unbiased=False)
    std = torch.where(std > 0, std, torch.ones_like(std))
    x = ((x_all - mean) / std).to(device)
    y = y_all.to(device)
    x_train, y_train, x_val, y_val = x[train_idx.to(device)], y[train_idx.to(device)], x[val_idx.to(device)], \
        y[val_idx.to(device)]
    classes = int(y_all.max().item()) + 1
    model = build_model(x.shape[1], hidden_units=int(params["hidden_units"]),
                        hidden_layers=int(params["hidden_layers"]), classes=classes).to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=float(params["learning_rate"]),
                                 weight_decay=float(params["weight_decay"]))
    # The job id is part of the weights file: a model names the job that produced it, so two jobs that train
    # the same tensors (deterministic training, same data and seed) still yield two models on the ledger.
    meta = {"algorithm": ALGORITHM, "job_id": str(header["job_id"]), "features": list(table.columns),
            "classes": classes,
            "hidden_units": int(params["hidden_units"]), "hidden_layers": int(params["hidden_layers"]),
            "mean": [float(v) for v in mean.tolist()], "std": [float(v) for v in std.tolist()]}
    records: list[dict[str, Any]] = [{"kind": "header", **header, "seed": seed, "device": device,
                                      "torch": torch.__version__.split("+")[0], "rows": len(y_all),
                                      "train_rows": len(train_idx), "validation_rows": len(val_idx),
                                      "features": len(table.columns), "classes": classes}]
    order_digest = hashlib.sha256()
    epochs, batch = int(params["epochs"]), int(params["batch_size"])
    weights = b""
    for epoch in range(1, epochs + 1):
        model.train()
        permutation = torch.randperm(len(train_idx), generator=generator)
        order_hash = sha256_hex(permutation.numpy().astype("<i8").tobytes())
        order_digest.update(bytes.fromhex(order_hash))
        for start in range(0, len(permutation), batch):
            rows = permutation[start:start + batch].to(device)
            optimiser.zero_grad()
            loss = nn.functional.cross_entropy(model(x_train[rows]), y_train[rows])
            loss.backward()
            optimiser.step()
        model.eval()
        train_loss, train_acc = _accuracy(model, x_train, y_train)
        val_loss, val_acc = _accuracy(model, x_val, y_val)
        weights = serialise_weights(_state(model), meta)
        record = {"kind": "epoch", "epoch": epoch, "total_epochs": epochs, "batch_order_sha256": order_hash,
                  "checkpoint_sha256": sha256_hex(weights), "loss": round(train_loss, 6),
                  "accuracy": round(train_acc, 6), "validation_loss": _round(val_loss),
                  "validation_accuracy": _round(val_acc)}
        records.append(record)
        emit(progress_line({k: record[k] for k in ("epoch", "total_epochs", "loss", "accuracy",
                                                   "validation_loss", "validation_accuracy")}))
    last = records[-1]
    metrics = {"epochs": epochs, "train_loss": last["loss"], "train_accuracy": last["accuracy"],
               "validation_loss": last["validation_loss"], "validation_accuracy": last["validation_accuracy"]}
    records.append({"kind": "final", "batch_order_sha256": order_digest.hexdigest(),
                    "model_sha256": sha256_hex(weights), "metrics": metrics,
                    "metrics_sha256": sha256_hex(canonical_json(metrics))})
    return TrainOutput(records, weights)


def _round(value: float) -> float | None:
    return None if value != value else round(value, 6)  # NaN (no validation rows) → null


def evaluate(weights: bytes, tables: Sequence[Table]) -> dict[str, float]:
    """Accuracy of a weights file on held-out tables (the consumer's check of a delivered model)."""
    tensors, meta = deserialise_weights(weights)
    model = build_model(len(meta["features"]), hidden_units=meta["hidden_units"],
                        hidden_layers=meta["hidden_layers"], classes=meta["classes"])
    model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in tensors.items()})
    model.eval()
    x = np.concatenate([t.features for t in tables])
    y = np.concatenate([t.labels for t in tables])
    mean, std = np.asarray(meta["mean"], dtype=np.float32), np.asarray(meta["std"], dtype=np.float32)
    loss, accuracy = _accuracy(model, torch.from_numpy((x - mean) / std), torch.from_numpy(y))
    return {"loss": round(loss, 6), "accuracy": round(accuracy, 6), "rows": float(len(y))}
