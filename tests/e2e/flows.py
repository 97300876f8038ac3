"""What the e2e tests do as the organisations' users, through the SDK: Org1 shares a small dataset, answers a
request, the admins mint, Org2 submits jobs. Every ledger write is awaited until it commits (bounded)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ledgerml.client import LedgerML
from ledgerml.stack.scenario.narration import await_committed, poll

OWNER, REQUESTER, PRICE = "Org1MSP", "Org2MSP", 5
ROWS = "\n".join(f"{i % 7 / 7:.3f},{(i * 3) % 5 / 5:.3f},{i % 2}" for i in range(60))


def share_dataset(org1: LedgerML, tmp: Path, *, name: str) -> dict[str, str]:
    """Org1 registers and uploads a small CSV; returns the job's dataset reference once v1 is on the ledger."""
    dataset_id = f"{name}-{uuid.uuid4().hex[:6]}"
    org1.registry.create_dataset(dataset_id=dataset_id, name=f"e2e {name}", schema={"a": "float", "b": "float",
                                                                                    "target": "integer"},
                                 terms="e2e", price_per_job=PRICE)
    await_committed(lambda: org1.registry.get_dataset(dataset_id), what="RegisterDataset")
    csv = tmp / f"{dataset_id}.csv"
    csv.write_text("a,b,target\n" + ROWS + "\n")
    org1.storage.upload(csv, dataset_id, "v1")

    def version() -> dict[str, Any]:
        versions = org1.registry.get_dataset(dataset_id).get("versions") or []
        return versions[0] if versions else {}

    await_committed(version, what="RegisterDatasetVersion")
    return {"dataset_id": dataset_id, "version": "v1", "owner_org": OWNER}


def grant_training(org1: LedgerML, org2: LedgerML, dataset_id: str, *, max_jobs: int = 3,
                   expires_at: datetime | None = None) -> str:
    expiry = datetime.now(UTC) + timedelta(days=7)
    rid = str(org2.access.request(dataset_id=dataset_id, owner_org=OWNER, purpose="train",
                                  requested_expiry=expiry)["request_id"])
    await_committed(lambda: org2.access.get(rid), what="RequestAccess")
    poll(lambda: any(r["request_id"] == rid for r in org1.access.incoming()), what="the request at Org1")
    org1.access.grant(rid, max_jobs=max_jobs, compute_only=True, expires_at=expires_at)
    await_committed(lambda: org1.access.get(rid), what="GrantAccess")
    return rid


def fund(org1_admin: LedgerML, org2_admin: LedgerML, *, reader: LedgerML, amount: int = 20) -> None:
    """Mint `amount` for the requester and wait until `reader`'s validator has the block, so its reads see it."""
    receipt = org1_admin.ledger.mint(to_org=REQUESTER, amount=amount, co_signers=[org2_admin.conn.identity])
    reader.ledger.wait_for_height(receipt.block_number)


def balances(client: LedgerML) -> dict[str, int]:
    return {org: client.ledger.balance(org) for org in (OWNER, REQUESTER)}


def submit(org2: LedgerML, ref: dict[str, str], *, deposit: int = PRICE, algorithm: str = "tabular_classifier",
           code_hash: str | None = None, epochs: int = 2, **hyperparameters: Any) -> str:
    """Org2's job on `ref`; a seed of its own, since the ledger keys a model by its weights' hash."""
    params = {"epochs": epochs, "seed": uuid.uuid4().int % 2**31, **hyperparameters}
    job = org2.training.submit(datasets=[ref], algorithm=algorithm, deposit=deposit, algorithm_code_hash=code_hash,
                               hyperparameters=params)
    return str(job["job_id"])
