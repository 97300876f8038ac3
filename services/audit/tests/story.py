"""A consortium story told as envelopes: Org1 registers and stores a dataset, grants Org2 access, Org2
trains a model on it, the grant is revoked. Shared by the audit unit and integration tests."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator

from ledgerml.shared.events import Envelope
from ledgerml.shared.events import schemas as s

H1, H2 = "ab" * 32, "cd" * 32
START = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


class Producer:
    """One service's outbox: gap-free sequence numbers from 1, times a minute apart."""

    def __init__(self, source: str, clock: Iterator[dt.datetime]) -> None:
        self.source = source
        self._sequence = itertools.count(1)
        self._clock = clock

    def emit(self, data: s.EventData, subject: str, *, event_id: str | None = None) -> Envelope:
        return Envelope.wrap(data, source=self.source, subject=subject, sequence=next(self._sequence),
                             traceparent=TRACEPARENT, time=next(self._clock), event_id=event_id)


def minutes(start: dt.datetime = START) -> Iterator[dt.datetime]:
    return (start + dt.timedelta(minutes=i) for i in itertools.count())


def story(org: str = "org1", *, dataset: str = "xrays", job: str = "job-1", model: str = "model-1") -> list[Envelope]:
    clock = minutes()
    registry, storage = Producer(f"{org}/registry", clock), Producer(f"{org}/storage", clock)
    access, training = Producer(f"{org}/access-control", clock), Producer(f"{org}/training", clock)
    expires = START + dt.timedelta(days=30)
    return [
        registry.emit(s.DatasetRegistered(dataset_id=dataset, owner_org="Org1MSP", name="X-rays", ledger_tx_id="tx01"),
                      dataset),
        storage.emit(s.VersionStored(dataset_id=dataset, version="v1", merkle_root=H1, size_bytes=100, chunk_count=2,
                                     chunk_size=64), dataset),
        registry.emit(s.DatasetVersionRegistered(dataset_id=dataset, version="v1", merkle_root=H1, size_bytes=100,
                                                 chunk_count=2, ledger_tx_id="tx02"), dataset),
        access.emit(s.AccessRequested(request_id="req-1", dataset_id=dataset, requester_org="Org2MSP",
                                      purpose="train", ledger_tx_id="tx03"), "req-1"),
        access.emit(s.GrantIssued(grant_id="grant-1", request_id="req-1", dataset_id=dataset, grantee_org="Org2MSP",
                                  expires_at=expires, max_jobs=3, ledger_tx_id="tx04"), "grant-1"),
        training.emit(s.TrainingRequested(job_id=job, requester_org="Org2MSP", algorithm="logreg", code_sha256=H2,
                                          datasets=(s.DatasetVersionRef(dataset_id=dataset, version="v1"),),
                                          deposit=10, ledger_tx_id="tx05"), job),
        training.emit(s.TrainingAccepted(job_id=job, executor_org="Org1MSP", ledger_tx_id="tx06"), job),
        storage.emit(s.ChunkRead(dataset_id=dataset, version="v1", chunk_index=0, reader_org="Org1MSP", job_id=job),
                     dataset),
        training.emit(s.TrainingCompleted(job_id=job, model_sha256=H2, transcript_root=H1,
                                          metrics={"accuracy": 0.91}, ledger_tx_id="tx07"), job),
        registry.emit(s.ModelRegistered(model_id=model, job_id=job, owner_org="Org2MSP", model_sha256=H2,
                                        ledger_tx_id="tx08"), model),
        access.emit(s.GrantRevoked(grant_id="grant-1", dataset_id=dataset, grantee_org="Org2MSP",
                                   ledger_tx_id="tx09"), "grant-1"),
    ]


def filler(n: int, *, source: str = "org1/storage", start_sequence: int = 1, dataset: str = "bulk") -> list[Envelope]:
    """`n` chunk reads from one producer (sequences start_sequence, start_sequence + 1, ...)."""
    return [Envelope.wrap(s.ChunkRead(dataset_id=dataset, version="v1", chunk_index=i, reader_org="Org2MSP"),
                          source=source, subject=dataset, sequence=start_sequence + i,
                          time=START + dt.timedelta(seconds=i))
            for i in range(n)]
