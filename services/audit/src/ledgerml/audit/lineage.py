"""A model's lineage assembled from audit entries alone (pure): the job that produced it, the dataset
versions it read with their roots, the grants in force for the requester when the job ran, and the
result. Every fact carries the index of the entry it comes from, so each one can be proven."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ledgerml.audit.domain import AuditEntry, format_time, parse_time

Record = tuple[int, AuditEntry]
GRANT_ACTIONS = ("access.grant.issued", "access.grant.revoked")
DATASET_ACTIONS = ("registry.dataset.registered", "registry.version.registered", "storage.version.stored",
                   *GRANT_ACTIONS)
JOB_OUTCOMES = {"training.job.accepted": "accepted", "training.job.completed": "completed",
                "training.job.failed": "failed"}


def job_of_model(model_id: str, records: Sequence[Record]) -> str | None:
    for _, entry in records:
        if entry.action == "registry.model.registered" and entry.data.get("model_id") == model_id:
            return str(entry.data["job_id"])
    jobs = {j for _, e in records for j in e.subjects.get("job_id", ())}
    return jobs.pop() if len(jobs) == 1 else None


def datasets_of_job(records: Sequence[Record]) -> list[tuple[str, str]]:
    for _, entry in records:
        if entry.action == "training.job.requested":
            return [(str(d["dataset_id"]), str(d["version"])) for d in entry.data.get("datasets") or []]
    return []


def _job(job_id: str, records: Sequence[Record]) -> dict[str, Any]:
    job: dict[str, Any] = {"job_id": job_id, "status": "unknown", "requester_org": None, "algorithm": None,
                           "code_sha256": None, "requested_at": None, "accepted_by": None, "result": None,
                           "entries": []}
    for seq, entry in records:
        if job_id not in entry.subjects.get("job_id", ()):
            continue
        job["entries"].append(seq)
        data = entry.data
        if entry.action == "training.job.requested":
            job.update(status=job["status"] if job["status"] != "unknown" else "requested",
                       requester_org=data.get("requester_org"), algorithm=data.get("algorithm"),
                       code_sha256=data.get("code_sha256"), deposit=data.get("deposit"),
                       requested_at=format_time(entry.time), ledger_tx_id=entry.ledger_tx_id)
        elif entry.action in JOB_OUTCOMES:
            job["status"] = JOB_OUTCOMES[entry.action]
            if entry.action == "training.job.accepted":
                job["accepted_by"] = data.get("executor_org")
            else:
                job["result"] = {k: v for k, v in data.items() if k != "job_id"} | {"at": format_time(entry.time)}
    return job


def _in_force(grant: dict[str, Any], at: datetime | None) -> bool:
    if at is None:
        return False
    issued, expires = parse_time(grant["issued_at"]), parse_time(grant["expires_at"])
    revoked = parse_time(grant["revoked_at"]) if grant["revoked_at"] else None
    return issued <= at < expires and (revoked is None or revoked > at)


def _grants(datasets: set[str], grantee: str | None, at: datetime | None, records: Sequence[Record]) -> list[Any]:
    grants: dict[str, dict[str, Any]] = {}
    for seq, entry in records:
        data = entry.data
        if entry.action not in GRANT_ACTIONS or data.get("dataset_id") not in datasets:
            continue
        if grantee is not None and data.get("grantee_org") != grantee:
            continue
        if entry.action == "access.grant.issued":
            grants[str(data["grant_id"])] = {
                "grant_id": data["grant_id"], "dataset_id": data["dataset_id"], "grantee_org": data["grantee_org"],
                "expires_at": data["expires_at"], "max_jobs": data.get("max_jobs"),
                "compute_only": data.get("compute_only"), "issued_at": format_time(entry.time), "revoked_at": None,
                "ledger_tx_id": entry.ledger_tx_id, "entries": [seq]}
        elif str(data["grant_id"]) in grants:
            grant = grants[str(data["grant_id"])]
            grant.update(revoked_at=format_time(entry.time))
            grant["entries"].append(seq)
    return [g | {"in_force": _in_force(g, at)} for g in grants.values()]


def _dataset_versions(pairs: list[tuple[str, str]], records: Sequence[Record]) -> list[dict[str, Any]]:
    out = []
    for dataset_id, version in pairs:
        item: dict[str, Any] = {"dataset_id": dataset_id, "version": version, "merkle_root": None,
                                "owner_org": None, "entries": []}
        for seq, entry in records:
            data = entry.data
            if data.get("dataset_id") != dataset_id or entry.action not in DATASET_ACTIONS[:3]:
                continue
            if entry.action == "registry.dataset.registered":
                item["owner_org"] = data.get("owner_org")
            elif data.get("version") == version:
                item["merkle_root"] = item["merkle_root"] or data.get("merkle_root")
            else:
                continue
            item["entries"].append(seq)
        out.append(item)
    return out


def model_lineage(model_id: str, records: Sequence[Record]) -> dict[str, Any]:
    model = next(({"model_sha256": e.data.get("model_sha256"), "owner_org": e.data.get("owner_org"),
                   "registered_at": format_time(e.time), "ledger_tx_id": e.ledger_tx_id, "entries": [s]}
                  for s, e in records if e.action == "registry.model.registered"
                  and e.data.get("model_id") == model_id), None)
    job_id = job_of_model(model_id, records)
    job = _job(job_id, records) if job_id else None
    pairs = datasets_of_job(records)
    ran_at = parse_time(job["requested_at"]) if job and job["requested_at"] else None
    grants = _grants({d for d, _ in pairs}, job["requester_org"] if job else None, ran_at, records)
    return {"model_id": model_id, "model": model, "job": job, "datasets": _dataset_versions(pairs, records),
            "grants": grants, "entries": sorted({s for s, _ in records})}


def dataset_overview(dataset_id: str, records: Sequence[Record]) -> dict[str, Any]:
    """A dataset's versions and every grant on it, shaped like a lineage (no job, no model)."""
    versions = sorted({str(e.data["version"]) for _, e in records if e.action in DATASET_ACTIONS[1:3]
                       and e.data.get("dataset_id") == dataset_id})
    return {"model_id": None, "model": None, "job": None,
            "datasets": _dataset_versions([(dataset_id, v) for v in versions], records),
            "grants": _grants({dataset_id}, None, None, records), "entries": sorted({s for s, _ in records})}
