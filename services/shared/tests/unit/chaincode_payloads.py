"""Chaincode event payloads shaped as chaincode/internal/core/*/model.go marshals them (Go field tags,
RFC 3339 times, zero values written out), and a `ChaincodeEvent` builder."""

from __future__ import annotations

import json
from typing import Any

from ledgerml.shared.ledger import ChaincodeEvent

T = "2030-01-01T00:00:00Z"
LATER = "2030-01-01T00:05:00Z"
GO_ZERO_TIME = "0001-01-01T00:00:00Z"
H1, H2, H3 = "a1" * 32, "b2" * 32, "c3" * 32
CATALOG = json.dumps({"name": "Chest X-rays", "description": "frontal views", "schema": {"age": "int", "label": "str"},
                      "tags": ["imaging", "cxr"]})


def event(name: str, payload: object, *, block: int = 5, index: int = 0, tx: str | None = None) -> ChaincodeEvent:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return ChaincodeEvent(tx_id=tx or f"{block:04d}{index:04d}" + "e" * 56, block_number=block, index=index,
                          name=name, payload=raw)


def dataset(dataset_id: str = "cxr", *, metadata: str = CATALOG) -> dict[str, Any]:
    return {"schema_version": 2, "id": dataset_id, "owner": "Org1MSP", "metadata": metadata, "terms": "research",
            "price_per_job": 3, "created_at": T, "tx_id": "x"}


def version(dataset_id: str = "cxr", v: str = "v1") -> dict[str, Any]:
    return {"schema_version": 2, "dataset_id": dataset_id, "version": v, "owner": "Org1MSP", "merkle_root": H1,
            "size_bytes": 1024, "chunk_count": 2, "schema_hash": "", "created_at": LATER, "tx_id": "x"}


def request(request_id: str = "r1", *, status: str = "PENDING", conditions: dict[str, Any] | None = None,
            reason: str = "", expiry: str = GO_ZERO_TIME, code_hash: str = "") -> dict[str, Any]:
    return {"schema_version": 2, "request_id": request_id, "dataset_id": "cxr", "owner": "Org1MSP",
            "requester": "Org2MSP", "purpose": "train", "algorithm_code_hash": code_hash,
            "requested_expiry": expiry, "status": status, "conditions": conditions, "reason": reason,
            "created_at": T, "updated_at": LATER, "tx_id": "x"}


GRANTED = {"expires_at": "2030-02-01T00:00:00Z", "max_jobs": 2, "compute_only": True}


def job(job_id: str = "j1", *, status: str = "REQUESTED", result: dict[str, str] | None = None,
        failure_reason: str = "") -> dict[str, Any]:
    return {"job": {
        "schema_version": 2, "job_id": job_id, "consumer": "Org2MSP", "owner": "Org1MSP",
        "inputs": [{"dataset_id": "cxr", "version": "v1", "merkle_root": H1, "owner": "Org1MSP", "price": 3,
                    "grant_request_id": "r1"}],
        "algorithm": {"name": "logreg", "code_hash": H2}, "hyperparameters_hash": "", "deposit": 3, "price": 3,
        "status": status, "deadline": "2030-01-04T00:00:00Z", "result": result, "failure_reason": failure_reason,
        "requested_at": T, "updated_at": LATER, "tx_id": "x"},
        "escrow": None, "model": None}


def anchor(log_id: str = "org1-audit") -> dict[str, Any]:
    return {"schema_version": 2, "log_id": log_id, "tree_size": 7, "root_hash": H3, "anchored_by": "Org1MSP",
            "anchored_at": LATER, "tx_id": "x"}


def minted() -> dict[str, Any]:
    return {"schema_version": 2, "tx_id": "x", "to": "Org2MSP", "amount": 10, "minted_by": "Org1MSP", "minted_at": T}
