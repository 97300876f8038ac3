"""LedgerML training service: training jobs dispatched to Ray next to the data."""

__version__ = "0.1.0"
SERVICE = "training"
AUDIENCE = "training-orchestrator"  # token audience and endpoint key (docs: cross-service contracts)
