"""Verified, authorised reads: whole and ranged, fail closed on tampering, every read recorded."""

from __future__ import annotations

import dataclasses
import os

import pytest

from ledgerml.shared.errors import LedgerNotConfigured
from ledgerml.shared.events import EventType
from ledgerml.shared.identity import Principal
from ledgerml.storage import service
from ledgerml.storage.errors import (
    DownloadNotGranted,
    IntegrityViolated,
    InternalReadRefused,
    JobNotAuthorised,
    NotDatasetOwner,
)
from ledgerml.storage.service import Storage
from ledgerml.storage.service_reading import open_content

from .conftest import AUDITOR, CHUNK, ORG1_USER, ORG2_USER, TRAINING, engine_of, events, upload
from .fakes import Decisions, Directory, JobsLedger, MemoryBlobs

DATA = os.urandom(CHUNK * 3 + 500)


def _read(storage: Storage, principal: Principal = ORG1_USER, range_header: str | None = None,
          job_id: str | None = None) -> bytes:
    content = open_content(storage=storage, principal=principal, dataset_id="ds-one", version="v1",
                           range_header=range_header, job_id=job_id)
    body = b"".join(content.body)
    assert len(body) == content.length
    return body


def _types(storage: Storage) -> list[EventType]:
    return [e.type for e in events(engine_of(storage))]


def test_owner_reads_whole_version_and_ranges(storage: Storage) -> None:
    upload(storage, DATA)
    assert _read(storage) == DATA
    assert _read(storage, range_header="bytes=100-9000") == DATA[100:9001]
    assert _read(storage, range_header=f"bytes={CHUNK}-{2 * CHUNK - 1}") == DATA[CHUNK:2 * CHUNK]
    assert _read(storage, range_header="bytes=-10") == DATA[-10:]
    reads = [e for e in events(engine_of(storage)) if e.type is EventType.STORAGE_CHUNK_READ]
    assert [e.data.model_dump()["chunk_index"] for e in reads] == [0, 0, 1, 3]  # one per request
    assert {e.data.model_dump()["reader_org"] for e in reads} == {"Org1MSP"}


def test_tampered_chunk_fails_closed_and_emits_integrity_violated(storage: Storage, blobs: MemoryBlobs) -> None:
    manifest = upload(storage, DATA)
    target = manifest.chunks[0].object_key
    blobs.objects[target] = blobs.objects[target][:30] + bytes([blobs.objects[target][30] ^ 1]) + \
        blobs.objects[target][31:]
    with pytest.raises(IntegrityViolated, match="chunk 0"):
        _read(storage)
    assert EventType.STORAGE_CHUNK_READ not in _types(storage)  # nothing was read out
    violation = next(e for e in events(engine_of(storage)) if e.type is EventType.STORAGE_INTEGRITY_VIOLATED)
    assert violation.data.model_dump()["chunk_index"] == 0
    assert violation.data.model_dump()["expected_sha256"] == manifest.chunks[0].sha256


def test_later_bad_chunk_stops_the_stream_before_its_bytes(storage: Storage, blobs: MemoryBlobs) -> None:
    manifest = upload(storage, DATA)
    del blobs.objects[manifest.chunks[2].object_key]
    content = open_content(storage=storage, principal=ORG1_USER, dataset_id="ds-one", version="v1")
    received = b""
    with pytest.raises(IntegrityViolated, match="missing"):
        for part in content.body:
            received += part
    assert received == DATA[:2 * CHUNK]  # the two verified chunks, not one byte of the third
    assert EventType.STORAGE_INTEGRITY_VIOLATED in _types(storage)


def test_integrity_report_lists_every_failed_chunk(storage: Storage, blobs: MemoryBlobs) -> None:
    manifest = upload(storage, DATA)
    assert service.integrity_report(storage, manifest).view()["ok"] is True
    del blobs.objects[manifest.chunks[1].object_key]
    key = manifest.chunks[3].object_key
    blobs.objects[key] = blobs.objects[key][:-1] + bytes([blobs.objects[key][-1] ^ 1])
    report = service.integrity_report(storage, manifest).view()
    assert report["ok"] is False and report["chunks_ok"] == 2
    assert report["chunks_failed"] == [
        {"index": 1, "code": "LML-7101", "reason": "is missing from the object store",
         "expected_sha256": manifest.chunks[1].sha256, "actual_sha256": None},
        {"index": 3, "code": "LML-7101", "reason": "does not authenticate (altered or moved)",
         "expected_sha256": manifest.chunks[3].sha256, "actual_sha256": None}]
    # Issue 17: the root is recomputed from what was read, so it cannot show as equal to the stored one.
    assert report["merkle_root_manifest"] == manifest.merkle_root and report["merkle_root_recomputed"] is None
    assert _types(storage).count(EventType.STORAGE_INTEGRITY_VIOLATED) == 2


def test_chunk_the_store_cannot_give_back_is_an_integrity_violation(storage: Storage, blobs: MemoryBlobs) -> None:
    """Issue 17: MinIO answers 503 for an object corrupt on its disk; that is chunk 2 failing, not an outage."""
    manifest = upload(storage, DATA)
    blobs.unreadable.add(manifest.chunks[2].object_key)
    report = service.integrity_report(storage, manifest).view()
    assert report["ok"] is False and report["chunks_ok"] == 3
    assert report["chunks_failed"] == [
        {"index": 2, "code": "LML-7101", "expected_sha256": manifest.chunks[2].sha256, "actual_sha256": None,
         "reason": "is corrupt or unreadable in the object store (it answered: SlowDownRead: Resource requested is "
                   "unreadable, please reduce your request rate)"}]
    with pytest.raises(IntegrityViolated, match=r"^ds-one@v1 chunk 2 is corrupt or unreadable in the object store"):
        _read(storage, range_header=f"bytes={2 * CHUNK}-{2 * CHUNK + 9}")
    violations = [e.data.model_dump() for e in events(engine_of(storage))
                  if e.type is EventType.STORAGE_INTEGRITY_VIOLATED]
    assert [(v["dataset_id"], v["version"], v["chunk_index"]) for v in violations] == [("ds-one", "v1", 2)] * 2
    assert _read(storage, range_header=f"bytes=0-{CHUNK - 1}") == DATA[:CHUNK]  # the other chunks still serve


def test_root_differing_from_the_registry_fails_closed(storage: Storage) -> None:
    upload(storage, DATA)
    forged = dataclasses.replace(storage, directory=Directory({"ds-one": "Org1MSP"}, {"ds-one": {"v1": "ab" * 32}}))
    with pytest.raises(IntegrityViolated, match="registry"):
        _read(forged)
    assert EventType.STORAGE_INTEGRITY_VIOLATED in _types(storage)


def test_other_org_needs_an_allowing_decision(storage: Storage) -> None:
    upload(storage, DATA)
    with pytest.raises(DownloadNotGranted) as refused:
        _read(storage, ORG2_USER)
    # Issue 17: the cause is a missing grant, and the message says so and what to do (not a bare token).
    assert refused.value.detail == (
        "Org2MSP may not download ds-one: it holds no download grant from Org1MSP; ask for one with `ledgerml "
        "access request ds-one --owner Org1MSP --purpose download` (access-control: UNKNOWN_DATASET)")
    revoked = dataclasses.replace(storage, decisions=Decisions(refusal="REVOKED"))
    with pytest.raises(DownloadNotGranted, match=r"^Org2MSP may not download ds-one: the owner revoked the grant "
                                                 r"\(REVOKED\)$"):
        _read(revoked, ORG2_USER)
    with pytest.raises(DownloadNotGranted):
        _read(storage, AUDITOR)
    granted = dataclasses.replace(storage, decisions=Decisions({("Org2MSP", "ds-one")}))
    assert _read(granted, ORG2_USER, range_header="bytes=0-99") == DATA[:100]
    assert granted.decisions.asked[-1] == ("Org2MSP", "ds-one", "download")  # type: ignore[attr-defined]


def test_manifest_and_integrity_are_for_owner_and_auditors(storage: Storage) -> None:
    upload(storage, DATA)
    info = service.dataset_served_here(storage, "ds-one")
    service.authorise_inspection(storage, AUDITOR, info)
    service.authorise_inspection(storage, ORG1_USER, info)
    with pytest.raises(NotDatasetOwner):
        service.authorise_inspection(storage, ORG2_USER, info)


ACCEPTED = {"job_id": "job-1", "status": "ACCEPTED", "owner": "Org1MSP", "consumer": "Org2MSP",
            "inputs": [{"dataset_id": "ds-one", "version": "v1", "merkle_root": "", "owner": "Org1MSP"}]}


def test_job_reads_fail_closed_without_a_ledger(storage: Storage) -> None:
    upload(storage, DATA)
    with pytest.raises(LedgerNotConfigured):
        _read(storage, TRAINING, job_id="job-1")
    with pytest.raises(InternalReadRefused):
        _read(storage, ORG1_USER, job_id="job-1")  # not the training service


def test_job_reads_follow_the_ledger_job(storage: Storage) -> None:
    manifest = upload(storage, DATA)
    jobs = {"job-1": {**ACCEPTED, "inputs": [{**ACCEPTED["inputs"][0], "merkle_root": manifest.merkle_root}]},  # type: ignore[dict-item]
            "job-2": {**ACCEPTED, "status": "REQUESTED"},
            "job-3": {**ACCEPTED, "inputs": [{"dataset_id": "ds-one", "version": "v9"}]},
            "job-4": {**ACCEPTED, "inputs": [{"dataset_id": "ds-one", "version": "v1", "merkle_root": "cd" * 32}]}}
    with_ledger = dataclasses.replace(storage, ledger=JobsLedger(jobs))
    assert _read(with_ledger, TRAINING, job_id="job-1") == DATA
    read = [e for e in events(engine_of(storage)) if e.type is EventType.STORAGE_CHUNK_READ][-1]
    assert read.data.model_dump()["job_id"] == "job-1"
    for job_id in ("job-2", "job-3"):
        with pytest.raises(JobNotAuthorised):
            _read(with_ledger, TRAINING, job_id=job_id)
    with pytest.raises(IntegrityViolated, match="ledger"):
        _read(with_ledger, TRAINING, job_id="job-4")
