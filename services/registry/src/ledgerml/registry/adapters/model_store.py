"""Model records and the training requests they complete, on SQLAlchemy Core (portable SQL)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, exists, insert, or_, select

from ledgerml.registry.adapters.db import model_inputs_table, models_table, training_jobs_table
from ledgerml.registry.lineage import ModelInput, ModelRecord, TrainingRequest
from ledgerml.shared.persistence import insert_ignoring_duplicates

m, mi, tj = models_table, model_inputs_table, training_jobs_table


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


class SqlModels:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def _inputs(self, model_id: str) -> tuple[ModelInput, ...]:
        rows = self._conn.execute(select(mi).where(mi.c.model_id == model_id).order_by(mi.c.position)).all()
        return tuple(ModelInput(r.dataset_id, r.version, r.merkle_root, r.owner_org) for r in rows)

    def _record(self, row: Any) -> ModelRecord:
        r = row._mapping
        metrics = json.loads(r["metrics_json"])
        return ModelRecord(
            model_id=r["model_id"], job_id=r["job_id"], producer_org=r["producer_org"], holder_org=r["holder_org"],
            algorithm=r["algorithm"], code_hash=r["code_hash"], hyperparameters_hash=r["hyperparameters_hash"],
            inputs=self._inputs(r["model_id"]), transcript_root=r["transcript_root"],
            metrics=tuple(sorted((str(k), float(v)) for k, v in metrics.items())), metrics_hash=r["metrics_hash"],
            tx_id=r["tx_id"], block_number=r["block_number"], created_at=_aware(r["created_at"]))

    def model(self, model_id: str) -> ModelRecord | None:
        row = self._conn.execute(select(m).where(m.c.model_id == model_id)).first()
        return self._record(row) if row else None

    def add_model(self, model: ModelRecord) -> bool:
        inserted = insert_ignoring_duplicates(self._conn, m, {
            "model_id": model.model_id, "job_id": model.job_id, "producer_org": model.producer_org,
            "holder_org": model.holder_org, "algorithm": model.algorithm, "code_hash": model.code_hash,
            "hyperparameters_hash": model.hyperparameters_hash, "transcript_root": model.transcript_root,
            "metrics_json": json.dumps(dict(model.metrics), sort_keys=True), "metrics_hash": model.metrics_hash,
            "lineage_complete": model.lineage_complete, "tx_id": model.tx_id, "block_number": model.block_number,
            "created_at": model.created_at})
        if inserted and model.inputs:
            self._conn.execute(insert(mi), [
                {"model_id": model.model_id, "position": i, "dataset_id": x.dataset_id, "version": x.version,
                 "merkle_root": x.merkle_root, "owner_org": x.owner_org} for i, x in enumerate(model.inputs)])
        return inserted

    def models(self, *, dataset_id: str | None, job_id: str | None, party: str | None,
               limit: int) -> list[ModelRecord]:
        stmt = select(m)
        if dataset_id is not None:
            stmt = stmt.where(exists().where(mi.c.model_id == m.c.model_id, mi.c.dataset_id == dataset_id))
        if job_id is not None:
            stmt = stmt.where(m.c.job_id == job_id)
        if party is not None:
            stmt = stmt.where(or_(m.c.holder_org == party, m.c.producer_org == party))
        rows = self._conn.execute(stmt.order_by(m.c.created_at, m.c.model_id).limit(limit)).all()
        return [self._record(r) for r in rows]

    def training_request(self, job_id: str) -> TrainingRequest | None:
        row = self._conn.execute(select(tj).where(tj.c.job_id == job_id)).first()
        if row is None:
            return None
        r = row._mapping
        return TrainingRequest(
            job_id=r["job_id"], requester_org=r["requester_org"], algorithm=r["algorithm"], code_hash=r["code_hash"],
            hyperparameters_hash=r["hyperparameters_hash"],
            datasets=tuple((str(d), str(v)) for d, v in json.loads(r["datasets_json"])),
            requested_tx_id=r["requested_tx_id"], seen_at=_aware(r["seen_at"]))

    def add_training_request(self, request: TrainingRequest) -> None:
        insert_ignoring_duplicates(self._conn, tj, {
            "job_id": request.job_id, "requester_org": request.requester_org, "algorithm": request.algorithm,
            "code_hash": request.code_hash, "hyperparameters_hash": request.hyperparameters_hash,
            "datasets_json": json.dumps([list(d) for d in request.datasets]),
            "requested_tx_id": request.requested_tx_id, "seen_at": request.seen_at})
