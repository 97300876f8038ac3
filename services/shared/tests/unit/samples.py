"""One valid payload per event type, for round-trip and contract tests."""

from __future__ import annotations

import datetime as dt

from ledgerml.shared.events import EventType
from ledgerml.shared.events import schemas as s

H = "ab" * 32
T = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)

SAMPLES: dict[EventType, s.EventData] = {
    EventType.STORAGE_VERSION_STORED: s.VersionStored(dataset_id="d1", version="v1", merkle_root=H,
                                                      size_bytes=10, chunk_count=1, chunk_size=8),
    EventType.STORAGE_INTEGRITY_VIOLATED: s.IntegrityViolated(dataset_id="d1", version="v1", chunk_index=0,
                                                              expected_sha256=H, actual_sha256="cd" * 32),
    EventType.STORAGE_CHUNK_READ: s.ChunkRead(dataset_id="d1", version="v1", chunk_index=2,
                                              reader_org="Org2MSP", job_id="j1"),
    EventType.ACCESS_REQUEST_CREATED: s.AccessRequested(request_id="r1", dataset_id="d1",
                                                        requester_org="Org2MSP", purpose="train",
                                                        ledger_tx_id="tx1"),
    EventType.ACCESS_GRANT_ISSUED: s.GrantIssued(grant_id="g1", request_id="r1", dataset_id="d1",
                                                 grantee_org="Org2MSP", expires_at=T, max_jobs=3,
                                                 ledger_tx_id="tx2"),
    EventType.ACCESS_GRANT_DENIED: s.GrantDenied(request_id="r1", dataset_id="d1", grantee_org="Org2MSP",
                                                 reason="no", ledger_tx_id="tx3"),
    EventType.ACCESS_GRANT_REVOKED: s.GrantRevoked(grant_id="g1", dataset_id="d1", grantee_org="Org2MSP",
                                                   ledger_tx_id="tx4"),
    EventType.REGISTRY_DATASET_REGISTERED: s.DatasetRegistered(dataset_id="d1", owner_org="Org1MSP",
                                                               name="x-rays", ledger_tx_id="tx5"),
    EventType.REGISTRY_VERSION_REGISTERED: s.DatasetVersionRegistered(
        dataset_id="d1", version="v1", merkle_root=H, size_bytes=1, chunk_count=1, ledger_tx_id="tx6"),
    EventType.REGISTRY_MODEL_REGISTERED: s.ModelRegistered(model_id="m1", job_id="j1", owner_org="Org2MSP",
                                                           model_sha256=H, ledger_tx_id="tx7"),
    EventType.TRAINING_JOB_REQUESTED: s.TrainingRequested(
        job_id="j1", requester_org="Org2MSP", algorithm="logreg", code_sha256=H,
        datasets=(s.DatasetVersionRef(dataset_id="d1", version="v1"),), deposit=10, ledger_tx_id="tx8"),
    EventType.TRAINING_JOB_ACCEPTED: s.TrainingAccepted(job_id="j1", executor_org="Org1MSP", ledger_tx_id="t"),
    EventType.TRAINING_JOB_PROGRESSED: s.TrainingProgressed(job_id="j1", epoch=1, total_epochs=3,
                                                            metrics={"loss": 0.5}),
    EventType.TRAINING_JOB_COMPLETED: s.TrainingCompleted(job_id="j1", model_sha256=H, transcript_root=H,
                                                          metrics={"acc": 0.9}, ledger_tx_id="tx9"),
    EventType.TRAINING_JOB_FAILED: s.TrainingFailed(job_id="j1", reason="oom"),
    EventType.AUDIT_TREE_HEAD_ANCHORED: s.TreeHeadAnchored(tree_size=8, root_hash=H, anchored_at=T,
                                                           ledger_tx_id="tx10"),
}
