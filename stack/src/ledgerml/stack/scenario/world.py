"""What the scenario's steps share: each organisation's SDK client, where outputs go, and what earlier
steps learnt (the dataset, its manifest, requests, the job, balances)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from minio import Minio

from ledgerml.client import LedgerML
from ledgerml.shared.errors import LedgerMLError

OWNER = "Org1MSP"


@dataclass
class World:
    org1: LedgerML
    org2: LedgerML
    org3: LedgerML
    org1_admin: LedgerML
    org2_admin: LedgerML
    out_dir: Path
    s3: Minio
    pki_root: Path = Path()
    train_csv: Path = Path()
    heldout_csv: Path = Path()
    dataset_id: str = field(default_factory=lambda: f"breast-cancer-{uuid.uuid4().hex[:6]}")
    manifest: dict[str, Any] = field(default_factory=dict)
    download_request: str = ""
    train_request: str = ""
    job_id: str = ""
    model_id: str = ""
    balances: dict[str, int] = field(default_factory=dict)
    result_block: int | None = None

    @property
    def ref(self) -> dict[str, str]:
        return {"dataset_id": self.dataset_id, "version": "v1", "owner_org": OWNER}

    def clients(self) -> list[LedgerML]:
        return [self.org1, self.org2, self.org3, self.org1_admin, self.org2_admin]


def days_ahead(days: int) -> datetime:
    return datetime.now(UTC) + timedelta(days=days)


def found_or_none(read: Any) -> Any:
    """`read()`, or None while the record is not there yet (a mirror or projection still catching up)."""
    try:
        return read()
    except LedgerMLError as exc:
        if exc.status != 404:
            raise
        return None


def refused(act: Any) -> LedgerMLError | None:
    """The coded error `act()` raised, or None when it succeeded."""
    try:
        act()
    except LedgerMLError as exc:
        return exc
    return None
