"""Training curves render as PNG, with and without epochs."""

from __future__ import annotations

from ledgerml.training.adapters.curves import render_curve


def test_curves_render_loss_and_accuracy_per_epoch() -> None:
    epochs = [{"epoch": e, "loss": 1 / e, "accuracy": 0.5 + e / 10, "validation_loss": None,
               "validation_accuracy": 0.6 + e / 20} for e in (1, 2, 3)]
    full, empty = render_curve("job-1", epochs), render_curve("job-1", [])
    assert full.startswith(b"\x89PNG") and empty.startswith(b"\x89PNG") and full != empty
