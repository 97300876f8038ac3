"""Audit: Org1's log anchors its signed tree heads on the ledger; Org3 reads an anchor from the ledger's
state (Merkle proof against a validator's header), proves an entry's inclusion offline against it and
two anchors consistent; it writes the dataset's report; a byte flipped in the bucket is caught."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from ledgerml.client.anchored import check_against_anchor, export_leaves
from ledgerml.client.audit import canonical_json, verify_offline
from ledgerml.client.ledger import ProvenAnchor
from ledgerml.shared.identity import load_identity
from ledgerml.shared.merkle import root_of, verify_consistency
from ledgerml.stack.pki import load_consortium
from ledgerml.stack.scenario.narration import poll
from ledgerml.stack.scenario.world import OWNER, World

LOG_ID = "org1-audit"


def _anchor_beyond(w: World, size: int) -> ProvenAnchor:
    """The first anchor on the ledger covering more than `size` entries (Org1's audit service anchors every
    few seconds), read with its state proof."""
    def latest() -> ProvenAnchor | None:
        found = w.org3.ledger.anchor(LOG_ID)
        return found if found is not None and found.tree_size > size else None

    return poll(latest, what=f"an anchor of {LOG_ID} beyond {size} entries", timeout_s=60, every_s=1.0)


def anchored_inclusion(w: World) -> list[str]:
    entries = list(w.org3.audit.timeline(log_org=OWNER, dataset_id=w.dataset_id))
    if not entries:
        raise AssertionError("Org1's audit log has no entry for the dataset")
    actions = sorted({str(e["entry"].get("action", "?")) for e in entries})
    seq = int(entries[-1]["seq"])
    anchor = _anchor_beyond(w, seq)
    proof = w.org3.audit.proof(seq, tree_size=anchor.tree_size, log_org=OWNER)
    result = verify_offline(proof["entry"], proof, root_hex=anchor.root_hash)
    if not (result.proof_valid and result.root_confirmed):
        raise AssertionError(f"entry {seq} is not proven under the anchored root: {result.reason}")
    head = proof.get("tree_head") or {}
    if head.get("root_hash") != anchor.root_hash:
        raise AssertionError(f"Org1's signed head at {anchor.tree_size} differs from its anchor on the ledger")
    return [f"Org3 read {len(entries)} entries of Org1's audit log about the dataset: {', '.join(actions)}",
            f"anchor of {LOG_ID} at size {anchor.tree_size} read from the ledger's state (tx {anchor.tx_id[:16]}…), "
            f"its Merkle proof checked against the app hash of block {anchor.height + 1} from {anchor.verified_by}",
            f"entry {seq} ({proof['entry'].get('action')}) proven included offline under the anchored root "
            f"{anchor.root_hash[:16]}…; Org1's signed head at that size: {result.head_signature}"]


def anchored_consistency(w: World) -> list[str]:
    first = w.org3.ledger.anchor(LOG_ID)
    if first is None:
        raise AssertionError(f"no anchor of {LOG_ID} on the ledger")
    second = _anchor_beyond(w, first.tree_size)
    body: dict[str, Any] = w.org3.audit.consistency(first.tree_size, second.tree_size, log_org=OWNER)
    path = [bytes.fromhex(p) for p in body["proof"]]
    if not verify_consistency(first.tree_size, second.tree_size, bytes.fromhex(first.root_hash),
                              bytes.fromhex(second.root_hash), path):
        raise AssertionError(f"anchors {first.tree_size} and {second.tree_size} are not consistent")
    return [f"anchors at sizes {first.tree_size} and {second.tree_size} (both from the ledger): the log only grew "
            f"— consistency proof of {len(path)} hashes verified offline"]


def audit_report(w: World) -> list[str]:
    html = w.org3.audit.report("dataset", w.dataset_id, log_org=OWNER)
    path = w.out_dir / f"audit-report-{w.dataset_id}.html"
    path.write_text(html)
    return [f"Org3's report for the dataset (access history, jobs, lineage graph): {path}"]


def rewritten_log_caught(w: World) -> list[str]:
    """Org1 holds its own audit key, so a log it rewrites verifies under a head it signs itself; what it cannot
    rewrite is the root it anchored on the ledger. Org3 exports Org1's log and checks it against the anchor;
    then the same check runs on a rewritten copy (one grant's grantee changed) with a head re-signed by
    Org1's audit key. Org1's real log is untouched: the rogue copy is built here, as Org1's operator could."""
    export = w.out_dir / f"{LOG_ID}-export.jsonl"
    with export.open("wb") as handle:
        w.org3.audit.export(handle, fmt="jsonl", log_org=OWNER)
    anchor = w.org3.ledger.anchor(LOG_ID)
    if anchor is None:
        raise AssertionError(f"no anchor of {LOG_ID} on the ledger")
    rows = [json.loads(line) for line in export.read_text().splitlines() if line.strip()]
    honest = check_against_anchor(export_leaves(export.read_text().splitlines()), anchor)
    if not honest.ok:
        raise AssertionError(f"Org1's own export fails its anchor: {honest.reason}")
    victim = next((i for i, r in enumerate(rows[:anchor.tree_size]) if r["entry"].get("action") ==
                   "access.grant.issued"), None)
    if victim is None:
        raise AssertionError(f"no grant among the first {anchor.tree_size} entries of {LOG_ID}")
    rows[victim]["entry"]["data"] = {**rows[victim]["entry"].get("data", {}), "grantee_org": "Org3MSP"}
    rewritten = w.out_dir / f"{LOG_ID}-rewritten.jsonl"
    rewritten.write_text("".join(json.dumps(r, separators=(",", ":")) + "\n" for r in rows))
    leaves = export_leaves(rewritten.read_text().splitlines())
    signed = _resign(w, root_of(leaves).hex(), len(leaves))
    caught = check_against_anchor(leaves, anchor)
    if caught.ok:
        raise AssertionError("a rewritten log passed the anchor check")
    return [f"Org3 exported Org1's log ({len(rows)} entries): {honest.reason}",
            f"a rewritten copy (entry {victim}, a grant, now names another grantee) with a tree head re-signed by "
            f"Org1's audit key: signature {signed} — a signature alone proves nothing",
            f"`ledgerml audit check-export {rewritten.name} --log org1`: {caught.reason}"]


def _resign(w: World, root_hex: str, size: int) -> str:
    """Sign the rewritten log's head with Org1's audit identity, as Org1's operator could; check it verifies."""
    files = load_consortium(w.pki_root).orgs[OWNER].identity("audit")
    identity = load_identity(OWNER, msp_dir=files.msp_dir)
    head = {"log_id": LOG_ID, "tree_size": size, "root_hash": root_hex,
            "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z")}
    signature = identity.private_key.sign(canonical_json(head), ec.ECDSA(hashes.SHA256()))
    key = identity.certificate.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise AssertionError("Org1's audit certificate holds no P-256 key")
    key.verify(signature, canonical_json(head), ec.ECDSA(hashes.SHA256()))  # raises InvalidSignature
    return f"valid under {identity.certificate.subject.rfc4514_string()}"


def tamper_detected(w: World) -> list[str]:
    bucket = "ledgerml-org1-datasets"
    key = _chunk_object(w, bucket)
    sealed = bytearray(w.s3.get_object(bucket, key).read())
    sealed[len(sealed) // 2] ^= 0x01
    w.s3.put_object(bucket, key, io.BytesIO(bytes(sealed)), len(sealed))
    try:
        report = w.org1.storage.integrity(w.dataset_id, "v1")
        if report.get("ok"):
            raise AssertionError("a flipped byte in the bucket went unnoticed")
        failed = report["chunks_failed"][0]
    finally:
        sealed[len(sealed) // 2] ^= 0x01
        w.s3.put_object(bucket, key, io.BytesIO(bytes(sealed)), len(sealed))
    return [f"one byte flipped directly in MinIO ({bucket}/{key[:16]}…): integrity check fails at chunk "
            f"{failed['index']}, expected {str(failed['expected_sha256'])[:16]}…; byte restored afterwards"]


def _chunk_object(w: World, bucket: str) -> str:
    """The newest chunk object in Org1's bucket is the demo version's (one chunk, uploaded by this run)."""
    objects = [o for o in w.s3.list_objects(bucket, prefix="chunks/", recursive=True) if o.object_name]
    if not objects:
        raise AssertionError(f"no objects in {bucket}")
    newest = max(objects, key=lambda o: o.last_modified or datetime.min.replace(tzinfo=UTC))
    return str(newest.object_name)
