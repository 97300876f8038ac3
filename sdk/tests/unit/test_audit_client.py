"""`AuditClient` against a scripted audit service (httpx.MockTransport), and the offline verifier
against proofs built with the RFC 9162 reference code."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from ledgerml.client import LedgerML
from ledgerml.client.audit import canonical_json, verify_offline
from ledgerml.client.connection import connect
from ledgerml.shared.errors import LedgerMLError
from ledgerml.shared.identity import load_identity
from ledgerml.shared.merkle import inclusion_proof, leaf_hash, root_of
from ledgerml.shared.web.client import ServiceClient

from .scripted import ScriptedService as ScriptedAudit

Route = Callable[[httpx.Request], httpx.Response]


def problem(status: int, code: str, detail: str) -> httpx.Response:
    return httpx.Response(status, json={"status": status, "detail": detail, "code": code, "title": "t"},
                          headers={"content-type": "application/problem+json"})




def sdk_with(pki: Path, audit: ScriptedAudit, org: str = "org3") -> LedgerML:
    conn = connect(org, pki_root=pki, endpoints={})
    for target in ("Org1MSP", "Org2MSP", "Org3MSP"):
        conn._clients[(target, "audit")] = ServiceClient(base_url=f"http://{target}.audit.test", audience="audit",
                                                         identity=conn.identity, transport=httpx.MockTransport(audit))
    return LedgerML(conn)


def entry(i: int) -> dict[str, Any]:
    return {"v": 1, "event_id": f"e{i}", "source": "org1/storage", "sequence": i + 1, "type": "t", "action": "a",
            "org": "org1", "actor": "Org2MSP", "time": "2026-03-01T09:00:00.000000Z", "trace_id": None,
            "subjects": {"dataset_id": ["xrays"]}, "ledger": {"tx_id": None, "block": None}, "data": {"i": i}}


def proof_file(pki: Path, index: int = 2, size: int = 5, *, signer: str = "audit") -> dict[str, Any]:
    """What `GET /entries/{seq}/proof` returns, built with the reference Merkle code and a real identity."""
    leaves = [leaf_hash(canonical_json(entry(i))) for i in range(size)]
    root = root_of(leaves).hex()
    head = {"log_id": "org1-audit", "tree_size": size, "root_hash": root, "timestamp": "2026-03-01T09:10:00.000000Z"}
    identity = load_identity("Org1MSP", msp_dir=pki / "peerOrganizations/org1.ledgerml.test/users"
                             / f"{signer}@org1.ledgerml.test/msp")
    signature = identity.private_key.sign(canonical_json(head), ec.ECDSA(hashes.SHA256()))
    head |= {"signature": base64.b64encode(signature).decode(),
             "certificate": identity.certificate.public_bytes(serialization.Encoding.PEM).decode(),
             "ledger": {"state": "pending", "tx_id": None, "block_number": None, "error_code": "LML-5004",
                        "error_detail": "no Fabric ledger"}}
    return {"seq": index, "entry": entry(index), "leaf_index": index, "tree_size": size,
            "proof": [p.hex() for p in inclusion_proof(index, leaves)], "tree_head": head}


def test_offline_verification_needs_an_explicit_root_to_be_conclusive(pki: Path) -> None:
    proof = proof_file(pki)
    unconfirmed = verify_offline(proof["entry"], proof)
    assert unconfirmed.proof_valid and not unconfirmed.root_confirmed and unconfirmed.root_source == "tree head"
    assert unconfirmed.head_signature == "valid" and "audit@org1" in str(unconfirmed.head_signer)
    assert "audit anchor" in unconfirmed.reason and "NOT confirmed" in unconfirmed.reason
    confirmed = verify_offline(proof["entry"], proof, root_hex=proof["tree_head"]["root_hash"])
    assert confirmed.proof_valid and confirmed.root_confirmed
    forged = verify_offline({**proof["entry"], "actor": "Org9MSP"}, proof, root_hex=proof["tree_head"]["root_hash"])
    assert not forged.proof_valid and forged.reason.startswith("INVALID")
    assert not verify_offline(proof["entry"], proof, root_hex="00" * 32).proof_valid
    tampered_head = {**proof, "tree_head": {**proof["tree_head"], "tree_size": 6}}
    assert verify_offline(proof["entry"], tampered_head).head_signature == "invalid"


def test_reads_follow_cursors_and_pass_filters(pki: Path) -> None:
    pages = {None: {"items": [{"seq": 0}, {"seq": 1}], "next_cursor": "1"},
             "1": {"items": [{"seq": 2}], "next_cursor": None}}
    audit = ScriptedAudit({"GET /entries": lambda r: httpx.Response(200, json=pages[r.url.params.get("cursor")])})
    sdk = sdk_with(pki, audit)
    from datetime import UTC, datetime

    seen = list(sdk.audit.timeline(log_org="org1", dataset_id="xrays", since=datetime(2026, 3, 1, tzinfo=UTC)))
    assert [i["seq"] for i in seen] == [0, 1, 2]
    assert audit.seen[0].url.host == "org1msp.audit.test"
    assert audit.seen[0].url.params["dataset_id"] == "xrays"
    assert audit.seen[0].url.params["since"] == "2026-03-01T00:00:00+00:00"
    assert "model_id" not in audit.seen[0].url.params and audit.seen[1].url.params["cursor"] == "1"


def test_proofs_lineage_verify_export_report_and_errors(pki: Path) -> None:
    proof = proof_file(pki)
    audit = ScriptedAudit({
        "GET /entries/2/proof": lambda r: httpx.Response(200, json=proof),
        "GET /lineage/models/m 1": lambda r: httpx.Response(200, json={"model_id": "m 1"}),
        "POST /verify": lambda r: httpx.Response(200, json={"valid": True, "echo": json.loads(r.content)}),
        "GET /export": lambda r: httpx.Response(200, content=b'{"seq":0}\n{"seq":1}\n'),
        "GET /reports/models/m1.html": lambda r: httpx.Response(200, text="<html>report</html>"),
        "GET /sweeps/xrays": lambda r: problem(503, "LML-7509", "no storage endpoint"),
        "GET /consistency": lambda r: problem(404, "LML-7503", "no head of size 9"),
    })
    sdk = sdk_with(pki, audit, org="org1")
    assert sdk.audit.proof(2)["tree_size"] == 5
    assert sdk.audit.lineage("m 1")["model_id"] == "m 1"
    echoed = sdk.audit.verify(proof["entry"], proof)["echo"]
    assert echoed["root_hash"] == proof["tree_head"]["root_hash"] and echoed["leaf_index"] == 2
    buffer = io.BytesIO()
    assert sdk.audit.export(buffer, fmt="jsonl", action="storage.*") == 20 and buffer.getvalue().count(b"\n") == 2
    assert audit.seen[-1].url.params["format"] == "jsonl" and audit.seen[-1].url.params["action"] == "storage.*"
    assert sdk.audit.report("model", "m1") == "<html>report</html>"
    with pytest.raises(LedgerMLError, match="no head of size 9"):  # service codes unknown here: LML-5012
        sdk.audit.consistency(4, 9)
    with pytest.raises(LedgerMLError, match="no storage endpoint"):
        sdk.audit.sweep("xrays", owner_org="Org1MSP")
