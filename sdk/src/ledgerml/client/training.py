"""SDK client for the training-orchestrator service: training jobs, progress, models and credits."""

from __future__ import annotations

from ledgerml.client.connection import Connection

SERVICE = "training-orchestrator"


class TrainingClient:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
