"""Garbage collection of what unfinished uploads left in the bucket.

`discard_upload` runs as soon as an upload stops (client gone, error); `collect_garbage` is the sweep
run by `python -m ledgerml.storage gc` (e.g. from cron or a Kubernetes CronJob): it discards uploads
marked aborted or idle for longer than the grace period, then removes any chunk object older than the
grace period that no chunk record names (a crash between a put and its record cannot leave one, but a
restored database or a manual copy could).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from ledgerml.shared.errors import DependencyUnavailable
from ledgerml.storage.ports import BlobStore, StorageRecords

log = logging.getLogger(__name__)
CHUNK_PREFIX = "chunks/"


@dataclass
class GcReport:
    uploads_discarded: int = 0
    objects_removed: int = 0
    orphans_removed: int = 0

    def view(self) -> dict[str, int]:
        return asdict(self)


def discard_upload(records: StorageRecords, blobs: BlobStore, upload_id: str) -> int:
    """Mark the upload aborted, remove its objects, then its rows. If the store is unreachable the rows
    stay (aborted, invisible) for the next `collect_garbage`. Returns the number of objects removed."""
    keys = records.abort_upload(upload_id)
    try:
        for key in keys:
            blobs.remove(key)
    except DependencyUnavailable:
        log.warning("upload discard deferred to gc: object store unavailable", extra={"upload_id": upload_id})
        return 0
    records.forget_upload(upload_id)
    return len(keys)


def collect_garbage(records: StorageRecords, blobs: BlobStore, *, grace: timedelta,
                    now: datetime | None = None) -> GcReport:
    """Discard abandoned uploads and remove unreferenced chunk objects older than `grace`."""
    cutoff = (now or datetime.now(UTC)) - grace
    report = GcReport()
    for upload_id in records.abandoned_uploads(stale_before=cutoff):
        report.objects_removed += discard_upload(records, blobs, upload_id)
        report.uploads_discarded += 1
    for batch in batched(blobs.keys_older_than(CHUNK_PREFIX, cutoff), 500):
        known = records.referenced(batch)
        for key in batch:
            if key not in known:
                blobs.remove(key)
                report.orphans_removed += 1
    log.info("storage gc done", extra=report.view())
    return report


def batched(items: Iterable[str], size: int) -> Iterable[list[str]]:
    batch: list[str] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
