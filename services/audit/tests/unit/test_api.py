"""The audit API over HTTP (TestClient, real tokens, SQLite): entries, proofs, heads, verify, gaps,
log verification, and who may read."""

from __future__ import annotations

from fastapi.routing import APIRoute

from ledgerml.audit import api as audit_api
from ledgerml.audit import api_reports
from ledgerml.audit.domain import canonical_json
from ledgerml.shared import merkle
from ledgerml.shared.web.auth import READ_ONLY_OPERATION

from .conftest import Api


def test_entries_filter_and_paginate(api: Api) -> None:
    assert len(api.get("/entries").json()["items"]) == 21
    assert [i["seq"] for i in api.get("/entries", dataset_id="xrays").json()["items"]] == [0, 1, 2, 3, 4, 5, 7, 10]
    assert len(api.get("/entries", job_id="job-1").json()["items"]) == 5
    assert {i["entry"]["action"] for i in api.get("/entries", action="access.*").json()["items"]} == {
        "access.request.created", "access.grant.issued", "access.grant.revoked"}
    assert len(api.get("/entries", actor="Org2MSP", org="Org1MSP").json()["items"]) == 13
    window = api.get("/entries", since="2026-03-01T09:02:00Z", until="2026-03-01T09:04:00+00:00").json()["items"]
    assert [i["entry"]["time"][11:16] for i in window] == ["09:02", "09:03"]
    first = api.get("/entries", limit=8).json()
    second = api.get("/entries", limit=8, cursor=first["next_cursor"]).json()
    assert [i["seq"] for i in second["items"]] == list(range(8, 16)) and second["next_cursor"] == "15"


def test_bad_queries_get_coded_4xx(api: Api) -> None:
    assert api.get("/entries", cursor="abc").json()["code"] == "LML-7501"
    problem = api.get("/entries", since="2026-03-02T00:00:00Z", until="2026-03-01T00:00:00Z").json()
    assert problem["code"] == "LML-7512" and "earlier" in problem["detail"]
    assert api.get("/entries", limit=0).status_code == 422
    assert api.get("/entries/999/proof").json()["code"] == "LML-7502"
    assert api.get("/entries/3/proof", tree_size=5).json()["code"] == "LML-7503"
    assert api.get("/entries/9/proof", tree_size=8).json()["code"] == "LML-7505"
    assert api.get("/consistency", first=12, second=8).json()["code"] == "LML-7505"


def test_sizes_beyond_64_bits_are_invalid_requests_not_database_overflows(api: Api) -> None:
    huge = 2**63
    for path, params in [("/consistency", {"first": huge}), ("/consistency", {"first": 1, "second": huge}),
                         ("/entries/1/proof", {"tree_size": huge}), (f"/entries/{huge}/proof", {})]:
        response = api.get(path, **params)
        assert (response.status_code, response.json()["code"]) == (422, "LML-1000"), path
    assert api.get("/consistency", first=2**63 - 1).json()["code"] == "LML-7503"


def test_inclusion_proof_verifies_against_the_signed_head(api: Api) -> None:
    body = api.get("/entries/6/proof").json()
    head = body["tree_head"]
    assert body["tree_size"] == head["tree_size"] == 21
    assert head["ledger"]["state"] == "pending"
    leaf = merkle.leaf_hash(canonical_json(body["entry"]))  # recomputed by the client, not taken
    assert leaf.hex() == body["leaf_hash"]
    proof = [bytes.fromhex(p) for p in body["proof"]]
    assert merkle.verify_inclusion(leaf, 6, 21, proof, bytes.fromhex(head["root_hash"]))
    older = api.get("/entries/6/proof", tree_size=8).json()
    assert older["tree_size"] == 8 and len(older["proof"]) == 3


def test_consistency_proof_between_heads(api: Api) -> None:
    body = api.get("/consistency", first=8, second=21).json()
    old, new = body["first"], body["second"]
    assert merkle.verify_consistency(8, 21, bytes.fromhex(old["root_hash"]), bytes.fromhex(new["root_hash"]),
                                     [bytes.fromhex(p) for p in body["proof"]])
    heads = api.get("/tree-heads").json()["items"]
    assert [h["tree_size"] for h in heads] == [4, 8, 12, 16, 20, 21]
    assert {h["ledger"]["state"] for h in heads} == {"pending"}


def test_verify_endpoint(api: Api) -> None:
    proof = api.get("/entries/2/proof").json()
    request = {"entry": proof["entry"], "leaf_index": 2, "tree_size": proof["tree_size"], "proof": proof["proof"],
               "root_hash": proof["tree_head"]["root_hash"]}
    ok = api.client.post("/verify", json=request, headers=api.headers()).json()
    assert ok["valid"] and ok["tree_head_known"] and ok["ledger"]["state"] == "pending"
    forged = {**request, "entry": {**proof["entry"], "actor": "Org9MSP"}}
    bad = api.client.post("/verify", json=forged, headers=api.headers()).json()
    assert not bad["valid"] and "does not lead" in bad["reason"]
    junk = api.client.post("/verify", json={**request, "entry": {"v": 1}}, headers=api.headers()).json()
    assert junk["code"] == "LML-7510"


def test_gaps_and_log_verification(api: Api) -> None:
    gaps = api.get("/gaps").json()
    assert gaps["gaps"] == [] and {s["source"] for s in gaps["sources"]} >= {"org1/storage", "org1/training"}
    assert api.get("/log/verify").json()["ok"] is True


def test_only_members_and_auditors_read_and_auditors_only_verify(api: Api) -> None:
    assert api.client.get("/entries").status_code == 401
    assert api.get("/entries", as_=("Org2MSP", "User1")).json()["code"] == "LML-7506"
    assert api.get("/entries", as_=("Org3MSP", "User1")).status_code == 200
    assert api.get("/log/verify", as_=("Org3MSP", "Admin")).status_code == 200
    proof = api.get("/entries/2/proof").json()
    request = {"entry": proof["entry"], "leaf_index": 2, "tree_size": proof["tree_size"], "proof": proof["proof"],
               "root_hash": proof["tree_head"]["root_hash"]}
    posted = api.client.post("/verify", json=request, headers=api.headers("Org3MSP", "User1"))
    assert posted.status_code == 200 and posted.json()["valid"] is True
    assert api.get("/entries", as_=("Org1MSP", "peer0.org1.ledgerml.test")).json()["code"] == "LML-3004"


def test_no_audit_route_changes_state() -> None:
    methods = {(r.path, m) for router in (audit_api.router, api_reports.router) for r in router.routes
               if isinstance(r, APIRoute) for m in r.methods}
    assert {m for _, m in methods} == {"GET", "POST"}
    assert [p for p, m in methods if m == "POST"] == ["/verify"]  # a pure check, marked read-only for auditors
    [verify] = [r for r in audit_api.router.routes if isinstance(r, APIRoute) and r.path == "/verify"]
    assert verify.openapi_extra == {READ_ONLY_OPERATION: True}

