"""The training benchmark's consortium path: from Org2's request to the committed result on the ledger.

Each repetition is one real job through the three organisations' services on the test stack: Org2's
`POST /jobs` (RequestTraining with the deposit, escrowed) → the bridge's TrainingRequested → Org1's
orchestrator re-checks the grant and commits AcceptTraining → Ray trains next to the data through storage's
verified stream → weights stored, SubmitTrainingResult committed. The clock runs from the request until
Org2's validator holds the job as SUCCEEDED (polled every 0.1 s), which is what the requester waits for.
Segments come from the ledger's own records: request, acceptance and result commit heights and times.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ledgerml.client import LedgerML, connect
from ledgerml.client.connection import load_endpoints
from ledgerml.shared.ledger import Fn
from ledgerml.stack.config import StackConfig
from ledgerml.stack.consortium import Consortium
from ledgerml.stack.scenario.narration import await_committed, poll

OWNER, REQUESTER, PRICE = "Org1MSP", "Org2MSP", 5
POLL_S = 0.1


@dataclass
class LedgerBench:
    org1: LedgerML
    org2: LedgerML
    ref: dict[str, str]

    def run(self, params: dict[str, Any], *, timeout_s: float = 600.0) -> dict[str, float]:
        """One job; seconds from the request to the committed result, and where they went."""
        params = {**params, "seed": uuid.uuid4().int % 2**31}  # identical weights would collide (one model)
        started = time.perf_counter()
        job = self.org2.training.submit(datasets=[self.ref], algorithm="tabular_classifier", deposit=PRICE,
                                        hyperparameters=params)
        job_id = str(job["job_id"])
        deadline = started + timeout_s
        while (status := (self.org2.ledger.training_job(job_id) or {}).get("status")) != "SUCCEEDED":
            if status in ("FAILED", "EXPIRED", "CANCELLED") or time.perf_counter() > deadline:
                raise SystemExit(f"benchmark job {job_id} ended {status}")
            time.sleep(POLL_S)  # poll
        total = time.perf_counter() - started
        return {"total_s": total, **self._segments(job_id)}

    def _segments(self, job_id: str) -> dict[str, float]:
        """Block-time gaps between the job's own ledger transactions (request → accept → result)."""
        history = self.org2.ledger.evaluate(Fn.GET_TRAINING_JOB_HISTORY, [job_id]) or []
        at = {str((h.get("record") or {}).get("status")): _when(str(h.get("timestamp"))) for h in history}
        out: dict[str, float] = {}
        if "REQUESTED" in at and "ACCEPTED" in at:
            out["request_to_accept_s"] = (at["ACCEPTED"] - at["REQUESTED"]).total_seconds()
        if "ACCEPTED" in at and "SUCCEEDED" in at:
            out["accept_to_result_s"] = (at["SUCCEEDED"] - at["ACCEPTED"]).total_seconds()
        return out


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def share(org1: LedgerML, org2: LedgerML, data: Path, *, jobs: int) -> dict[str, str]:
    """Org1 shares the CSV as a dataset, Org2 asks to train on it, Org1 grants `jobs` jobs."""
    dataset_id = f"bench-bc-{uuid.uuid4().hex[:6]}"
    header = data.read_text().splitlines()[0].split(",")
    org1.registry.create_dataset(dataset_id=dataset_id, name="bench breast cancer", terms="benchmark",
                                 schema={c: ("integer" if c == "target" else "float") for c in header},
                                 price_per_job=PRICE)
    await_committed(lambda: org1.registry.get_dataset(dataset_id), what="RegisterDataset")
    org1.storage.upload(data, dataset_id, "v1")
    await_committed(lambda: (org1.registry.get_dataset(dataset_id).get("versions") or [{}])[0],
                    what="RegisterDatasetVersion")
    rid = str(org2.access.request(dataset_id=dataset_id, owner_org=OWNER, purpose="train",
                                  requested_expiry=datetime.now(UTC) + timedelta(days=1))["request_id"])
    await_committed(lambda: org2.access.get(rid), what="RequestAccess")
    poll(lambda: any(r["request_id"] == rid for r in org1.access.incoming()), what="the request at Org1")
    org1.access.grant(rid, max_jobs=jobs, compute_only=True)
    await_committed(lambda: org1.access.get(rid), what="GrantAccess")
    return {"dataset_id": dataset_id, "version": "v1", "owner_org": OWNER}


class Consortia:
    """The consortium's services on the test stack for the benchmark: started here unless already running."""

    def __init__(self, profile: str = "test") -> None:
        self.cfg = StackConfig.for_profile(profile)
        self.services = Consortium(self.cfg)
        self.started = False

    def __enter__(self) -> Consortia:
        if not all(ready for *_, ready in self.services.status()):
            self.services.up()
            self.started = True
        return self

    def __exit__(self, *_: object) -> None:
        if self.started:
            self.services.down()

    def bench(self, data: Path, *, jobs: int) -> LedgerBench:
        endpoints = load_endpoints(self.cfg.run_dir / "endpoints.json")
        pki = self.cfg.run_dir / "pki"
        org1, org2 = (LedgerML(connect(o, pki_root=pki, endpoints=endpoints)) for o in ("org1", "org2"))
        admins = [LedgerML(connect(o, user="Admin", pki_root=pki, endpoints=endpoints)) for o in ("org1", "org2")]
        receipt = admins[0].ledger.mint(to_org=REQUESTER, amount=PRICE * jobs, co_signers=[admins[1].conn.identity])
        org2.ledger.wait_for_height(receipt.block_number)
        return LedgerBench(org1, org2, share(org1, org2, data, jobs=jobs))
