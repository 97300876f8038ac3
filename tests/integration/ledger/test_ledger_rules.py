"""What the consortium's ledger itself refuses, on the real four-validator network (issue 15, "Must hold").

Every test speaks CometBFT's JSON-RPC directly, so it sees the real CheckTx and FinalizeBlock answers and
reads results back from another organisation's validator than the one that took the transaction."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from ledgerchain import Chain, Outcome, rogue_identity

from ledgerml.shared.identity.msp import SigningIdentity

pytestmark = pytest.mark.integration

People = dict[str, SigningIdentity]


def _hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _iso(days: int) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _refused(outcome: Outcome, *names: str) -> None:
    """Refused with (one of) the chaincode's own codes, at CheckTx or in the block."""
    code = outcome.check_code or outcome.code
    assert code and any(name in outcome.log for name in names), f"expected {names}, got code {code}: {outcome.log}"


def _dataset(chain: Chain, who: People, dataset_id: str, *, price: int = 0) -> Outcome:
    spec = {"id": dataset_id, "metadata": json.dumps({"title": dataset_id}), "terms": "research only",
            "price_per_job": price}
    outcome = chain.submit("RegisterDataset", [json.dumps(spec)], who["Org1/client"])
    assert outcome.committed, outcome.log
    version = {"dataset_id": dataset_id, "version": "v1", "merkle_root": _hex(dataset_id), "size_bytes": 1024,
               "chunk_count": 1, "schema_hash": _hex("schema")}
    assert chain.submit("RegisterDatasetVersion", [json.dumps(version)], who["Org1/client"]).committed
    return outcome


def _balance(chain: Chain, org: str) -> int:
    code, account, _ = chain.evaluate("GetBalance", [org])
    return int(account["balance"]) if code == 0 else 0


def test_a_dataset_registered_by_org1_reads_back_field_by_field_from_org3s_validator(
        chain: Chain, who: People, unique: str) -> None:
    outcome = _dataset(chain, who, f"ds-{unique}")
    code, record, log = chain.evaluate("GetDataset", [f"ds-{unique}"], via="Org3MSP", after=outcome)
    assert code == 0, log
    assert record == outcome.data, "Org3's validator disagrees with what Org1's committed"
    assert (record["id"], record["owner"], record["tx_id"]) == (f"ds-{unique}", "Org1MSP", outcome.tx_id)
    [event] = outcome.events
    attributes = {a["key"]: a["value"] for a in event["attributes"]}
    assert event["type"] == "DatasetRegistered"
    assert (attributes["tx_id"], attributes["msp"]) == (outcome.tx_id, "Org1MSP")
    assert json.loads(attributes["payload"]) == record


def test_org2_can_neither_version_answer_for_nor_deliver_on_org1s_dataset(
        chain: Chain, who: People, unique: str) -> None:
    dataset = f"ds-{unique}"
    _dataset(chain, who, dataset, price=5)
    forged = {"dataset_id": dataset, "version": "v2", "merkle_root": _hex("forged"), "size_bytes": 1,
              "chunk_count": 1, "schema_hash": _hex("schema")}
    _refused(chain.submit("RegisterDatasetVersion", [json.dumps(forged)], who["Org2/client"], via="Org2MSP"),
             "FORBIDDEN_NOT_OWNER")

    request = {"request_id": f"rq-{unique}", "dataset_id": dataset, "purpose": "train", "algorithm_code_hash": "",
               "requested_expiry": _iso(30)}
    assert chain.submit("RequestAccess", [json.dumps(request)], who["Org2/client"], via="Org2MSP").committed
    conditions = json.dumps({"expires_at": _iso(30), "max_jobs": 2, "compute_only": True})
    _refused(chain.submit("GrantAccess", [f"rq-{unique}", conditions], who["Org2/client"], via="Org2MSP"),
             "FORBIDDEN_NOT_OWNER")
    assert chain.submit("GrantAccess", [f"rq-{unique}", conditions], who["Org1/client"]).committed

    minted = chain.submit("Mint", ["Org2MSP", "50"], who["Org1/admin"], who["Org2/admin"])
    assert minted.committed, minted.log
    job = {"job_id": f"job-{unique}", "datasets": [{"dataset_id": dataset, "version": "v1"}],
           "algorithm": {"name": "tabular_classifier", "code_hash": _hex("code")},
           "hyperparameters_hash": _hex("{}"), "deposit": 10}
    assert chain.submit("RequestTraining", [json.dumps(job)], who["Org2/client"], via="Org2MSP").committed
    assert chain.submit("AcceptTraining", [f"job-{unique}"], who["Org1/client"]).committed
    result = json.dumps({"job_id": f"job-{unique}", "model_hash": _hex(f"model-{unique}"),
                         "transcript_root": _hex("transcript"), "metrics_hash": _hex("metrics")})
    owner_before = _balance(chain, "Org1MSP")
    _refused(chain.submit("SubmitTrainingResult", [result], who["Org2/client"], via="Org2MSP"),
             "FORBIDDEN_NOT_OWNER")
    delivered = chain.submit("SubmitTrainingResult", [result], who["Org1/client"])
    assert delivered.committed, delivered.log
    assert _balance(chain, "Org1MSP") == owner_before + 5, "the escrow did not pay the dataset's price to Org1"


def test_checktx_refuses_a_self_made_ca_a_bad_signature_and_a_replay(chain: Chain, who: People,
                                                                      unique: str) -> None:
    spec = json.dumps({"id": f"ds-{unique}", "metadata": "{}", "terms": "t", "price_per_job": 0})
    forged = chain.broadcast(chain.tx("RegisterDataset", [spec], rogue_identity("Org1MSP")))
    assert forged.check_code != 0 and "UNAUTHENTICATED" in forged.log, forged.log

    raw = json.loads(chain.tx("RegisterDataset", [spec], who["Org1/client"]))
    signature = bytearray(base64.b64decode(raw["signatures"][0]["sig"]))
    signature[-1] ^= 0x01
    raw["signatures"][0]["sig"] = base64.b64encode(bytes(signature)).decode()
    tampered = chain.broadcast(json.dumps(raw).encode())
    assert tampered.check_code != 0 and "UNAUTHENTICATED" in tampered.log, tampered.log

    good = chain.tx("RegisterDataset", [spec], who["Org1/client"], nonce=_hex(unique)[:32])
    assert chain.wait(chain.broadcast(good), via="Org1MSP").committed  # committed where the replay is sent
    again = chain.broadcast(good, via="Org3MSP")
    assert again.check_code != 0, "the same bytes were accepted twice"
    same_nonce = chain.broadcast(chain.tx("RegisterDataset", [spec.replace("t", "u")], who["Org1/client"],
                                          nonce=_hex(unique)[:32]))
    assert same_nonce.check_code != 0 and "REPLAYED" in same_nonce.log, same_nonce.log

    later = chain.submit("Probe", [unique], who["Orderer/admin"])  # a later block: refused ones are in none
    assert later.committed, later.log
    for refused in (forged, tampered, same_nonce):
        for org in ("OrdererMSP", "Org1MSP", "Org2MSP", "Org3MSP"):
            assert chain.lookup(refused.tx_id, via=org) is None, f"a refused tx reached {org}'s chain"


def test_org3_audits_and_anchors_but_writes_nothing_else(chain: Chain, who: People, unique: str) -> None:
    spec = json.dumps({"id": f"ds3-{unique}", "metadata": "{}", "terms": "t", "price_per_job": 0})
    _refused(chain.submit("RegisterDataset", [spec], who["Org3/client"], via="Org3MSP"), "FORBIDDEN_ROLE")
    _refused(chain.submit("Transfer", ["Org1MSP", "1"], who["Org3/admin"], via="Org3MSP"), "FORBIDDEN_ROLE")
    _refused(chain.submit("RegisterDataset", [spec], who["Orderer/admin"]), "FORBIDDEN_ROLE")
    _refused(chain.submit("RegisterDataset", [spec], who["Org1/peer"]), "FORBIDDEN_ROLE")
    anchor = chain.submit("AnchorAuditRoot", [f"log-{unique}", "7", _hex("root")], who["Org3/client"],
                          via="Org3MSP")
    assert anchor.committed, anchor.log
    code, latest, log = chain.evaluate("GetLatestAnchor", [f"log-{unique}"], via="Org1MSP", after=anchor)
    assert code == 0 and (latest["tree_size"], latest["root_hash"]) == (7, _hex("root")), log


def test_minting_needs_a_majority_of_member_admins(chain: Chain, who: People) -> None:
    before = _balance(chain, "Org1MSP")
    _refused(chain.submit("Mint", ["Org1MSP", "7"], who["Org1/admin"]), "QUORUM_NOT_MET")
    # An auditor's or a client's signature does not count towards the majority of member admins.
    _refused(chain.submit("Mint", ["Org1MSP", "7"], who["Org1/admin"], who["Org3/admin"]), "QUORUM_NOT_MET",
             "FORBIDDEN_ROLE")
    _refused(chain.submit("Mint", ["Org1MSP", "7"], who["Org1/client"], who["Org2/admin"]), "QUORUM_NOT_MET",
             "FORBIDDEN_ROLE")
    assert _balance(chain, "Org1MSP") == before
    assert chain.submit("Mint", ["Org1MSP", "7"], who["Org2/admin"], who["Org1/admin"]).committed
    assert _balance(chain, "Org1MSP") == before + 7


def test_concurrent_writers_to_one_key_all_commit_with_one_outcome(chain: Chain, who: People) -> None:
    for org in ("Org1MSP", "Org2MSP"):
        assert chain.submit("Mint", [org, "40"], who["Org1/admin"], who["Org2/admin"]).committed
    before = _balance(chain, "Org3MSP")
    senders = [who["Org1/client"], who["Org2/client"]] * 10
    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(lambda s: chain.submit("Transfer", ["Org3MSP", "1"], s,
                                                        via="Org1MSP" if s.msp_id == "Org1MSP" else "Org2MSP"),
                                 senders))
    assert all(o.committed for o in outcomes), [o.log for o in outcomes if not o.committed]
    assert _balance(chain, "Org3MSP") == before + 20
    height = max(o.height or 0 for o in outcomes)
    for org in ("OrdererMSP", "Org1MSP", "Org2MSP", "Org3MSP"):
        chain.wait_height(org, height + 1)
    hashes = {org: chain.app_hash_at(org, height) for org in ("OrdererMSP", "Org1MSP", "Org2MSP", "Org3MSP")}
    assert len(set(hashes.values())) == 1, hashes
