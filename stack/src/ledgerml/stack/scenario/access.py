"""Access: Org2 asks, Org1 sees the request arrive from the ledger and answers with conditions, Org2 reads
under a download grant, Org1 revokes, and Org2 is refused again. Each answer is a ledger transaction; the
owner's decisions follow from its projection of ledger events (`consistency=strong` asks the ledger)."""

from __future__ import annotations

import hashlib
import io
import time
from typing import Any

from ledgerml.stack.scenario.narration import await_committed, ledger_state, poll
from ledgerml.stack.scenario.world import OWNER, World, days_ahead, refused


def download_refused(w: World) -> list[str]:
    exc = refused(lambda: w.org2.storage.download(w.dataset_id, "v1", io.BytesIO(), owner_org=OWNER))
    if exc is None:
        raise AssertionError("Org2 downloaded Org1's data without a grant")
    if exc.status != 403:
        raise exc
    return [f"Org2 without a grant is refused: {exc.code} {exc.detail}"]


def _request(w: World, purpose: str, days: int) -> tuple[str, list[str]]:
    view = w.org2.access.request(dataset_id=w.dataset_id, owner_org=OWNER, purpose=purpose,
                                 requested_expiry=days_ahead(days))
    rid = str(view["request_id"])
    done = await_committed(lambda: w.org2.access.get(rid), what=f"RequestAccess ({purpose})")
    return rid, [f"Org2 asked Org1 for `{purpose}` access for {days} days: request {rid}",
                 f"RequestAccess {ledger_state(done)}"]


def _incoming(w: World, rid: str) -> list[str]:
    def seen() -> dict[str, Any] | None:
        return next((r for r in w.org1.access.incoming() if r.get("request_id") == rid), None)

    found = poll(seen, what=f"request {rid} in Org1's `access list --incoming` (from ledger events)")
    return [f"Org1's incoming requests show it: {found['requester_org']} wants `{found['purpose']}` on "
            f"{found['dataset_id']} until {found['requested_expiry']}"]


def _grant(w: World, rid: str, **conditions: Any) -> list[str]:
    w.org1.access.grant(rid, **conditions)
    done = await_committed(lambda: w.org1.access.get(rid), what="GrantAccess")
    c = done.get("conditions") or {}
    return [f"Org1 granted: expires {c.get('expires_at')}, max jobs {c.get('max_jobs')}, compute-only "
            f"{c.get('compute_only')}", f"GrantAccess {ledger_state(done)}"]


def _revoke(w: World, rid: str, reason: str) -> tuple[float, list[str]]:
    w.org1.access.revoke(rid, reason=reason)
    done = await_committed(lambda: w.org1.access.get(rid), what="RevokeAccess")
    return time.monotonic(), [f"Org1 revoked grant {rid} ({reason}); RevokeAccess {ledger_state(done)}"]


def download_granted(w: World) -> list[str]:
    w.download_request, lines = _request(w, "download", 7)
    lines += _incoming(w, w.download_request)
    return lines + _grant(w, w.download_request, expires_at=days_ahead(3), max_jobs=1, compute_only=False)


def org2_downloads(w: World) -> list[str]:
    started = time.monotonic()

    def allowed() -> dict[str, Any] | None:  # the owner's storage asks the owner's access-control
        decision = w.org1.access.decide(organisation="Org2MSP", dataset_id=w.dataset_id, purpose="download")
        return decision if decision.get("allow") else None

    decision = poll(allowed, what="Org1's projection allowing Org2's download", timeout_s=10)
    sink = io.BytesIO()
    got = w.org2.storage.download(w.dataset_id, "v1", sink, owner_org=OWNER)
    if hashlib.sha256(sink.getvalue()).digest() != hashlib.sha256(w.train_csv.read_bytes()).digest():
        raise AssertionError("the downloaded bytes differ from Org1's file")
    if got.merkle_root != w.manifest["merkle_root"]:
        raise AssertionError(f"download root {got.merkle_root} != registered {w.manifest['merkle_root']}")
    return [f"Org1's access-control decides from its projection of ledger events: allow ({decision['reason']}), "
            f"{time.monotonic() - started:.2f}s after the grant committed",
            f"Org2 downloaded {got.bytes_written} verified bytes; root {got.merkle_root[:16]}… matches the ledger"]


def download_revoked(w: World) -> list[str]:
    revoked_at, lines = _revoke(w, w.download_request, "study closed")

    def refusal() -> Any:
        return refused(lambda: w.org2.storage.download(w.dataset_id, "v1", io.BytesIO(), owner_org=OWNER))

    exc = poll(refusal, what="Org2's download refused after the revocation", timeout_s=10)
    if exc.status != 403:
        raise exc
    return [*lines, f"Org2's next download is refused {time.monotonic() - revoked_at:.2f}s after the commit: "
                    f"{exc.code} {exc.detail}"]


def train_granted(w: World) -> list[str]:
    w.train_request, lines = _request(w, "train", 30)
    lines += _incoming(w, w.train_request)
    lines += _grant(w, w.train_request, expires_at=days_ahead(14), max_jobs=2, compute_only=True)
    strong = w.org1.access.decide(organisation="Org2MSP", dataset_id=w.dataset_id, purpose="train", strong=True)
    if not strong.get("allow"):
        raise AssertionError(f"the ledger does not allow training: {strong}")
    return [*lines, f"Org1's decision with consistency=strong (asks the ledger): allow, {strong['reason']}"]
