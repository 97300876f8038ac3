"""`ledgerml audit timeline|lineage|proof|verify|export|report|check-log` with typer's CliRunner; the
SDK talks to a scripted audit service, `audit verify` runs offline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from ledgerml.cli import main as cli_main
from ledgerml.client import LedgerML

from .test_audit_client import ScriptedAudit, entry, proof_file, sdk_with


@pytest.fixture
def run(pki: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    cli_main._register()

    def invoke(audit: ScriptedAudit | None, *args: str) -> Any:
        if audit is not None:
            sdk = sdk_with(pki, audit)
            monkeypatch.setattr(LedgerML, "connect", classmethod(lambda cls, org="org1", **kw: sdk))
        return CliRunner().invoke(cli_main.app, list(args))

    return invoke


def _items(n: int) -> list[dict[str, Any]]:
    return [{"seq": i, "leaf_hash": "00" * 32, "entry": entry(i)} for i in range(n)]


def test_timeline_prints_entries_and_honours_limit(run: Any) -> None:
    page = {"items": _items(3), "next_cursor": "2"}
    audit = ScriptedAudit({"GET /entries": lambda r: httpx.Response(200, json=page)})
    shown = run(audit, "audit", "timeline", "--log", "org1", "--dataset", "xrays", "--since", "2026-03-01",
                "--limit", "2")
    assert shown.exit_code == 0, shown.output
    assert "dataset_id=xr" in shown.output and "Org2MSP" in shown.output and "2 audit entries" in shown.output
    params = audit.seen[0].url.params
    assert params["dataset_id"] == "xrays" and params["since"] == "2026-03-01T00:00:00+00:00"
    as_json = run(audit, "--json", "audit", "timeline", "--limit", "3")
    assert [i["seq"] for i in json.loads(as_json.output)] == [0, 1, 2]


def test_lineage_summarises_and_json_keeps_everything(run: Any) -> None:
    lineage = {"model_id": "m1", "model": {"model_sha256": "ab" * 32}, "entries": [0, 4],
               "job": {"job_id": "job-1", "status": "completed", "requester_org": "Org2MSP", "algorithm": "logreg"},
               "datasets": [{"dataset_id": "xrays", "version": "v1"}],
               "grants": [{"grant_id": "g1", "in_force": True}, {"grant_id": "g0", "in_force": False}]}
    audit = ScriptedAudit({"GET /lineage/models/m1": lambda r: httpx.Response(200, json=lineage)})
    shown = run(audit, "audit", "lineage", "m1")
    assert shown.exit_code == 0 and "xrays@v1" in shown.output and "g1" in shown.output and "g0" not in shown.output
    assert json.loads(run(audit, "--json", "audit", "lineage", "m1").output) == lineage


def test_proof_then_offline_verify(run: Any, pki: Path, tmp_path: Path) -> None:
    proof = proof_file(pki)
    audit = ScriptedAudit({"GET /entries/2/proof": lambda r: httpx.Response(200, json=proof)})
    out = tmp_path / "proof.json"
    assert run(audit, "audit", "proof", "2", "--out", str(out)).exit_code == 0
    entry_file = tmp_path / "entry.json"
    entry_file.write_text(json.dumps(proof["entry"], indent=4))  # pretty-printed: re-canonicalised

    unconfirmed = run(None, "audit", "verify", "--entry", str(entry_file), "--proof", str(out))
    assert unconfirmed.exit_code == 3 and "NOT confirmed" in unconfirmed.output and "audit anchor" in unconfirmed.output
    root = proof["tree_head"]["root_hash"]
    confirmed = run(None, "--json", "audit", "verify", "--entry", str(out), "--proof", str(out), "--root", root)
    assert confirmed.exit_code == 0 and json.loads(confirmed.stdout)["root_confirmed"] is True
    assert confirmed.stderr.startswith("exit 0: valid")
    entry_file.write_text(json.dumps({**proof["entry"], "actor": "Org9MSP"}))
    forged = run(None, "audit", "verify", "--entry", str(entry_file), "--proof", str(out), "--root", root)
    assert forged.exit_code == 1 and "INVALID" in forged.output
    assert run(None, "audit", "verify", "--entry", str(out), "--proof", str(out), "--root", "XYZ").exit_code == 2
    (tmp_path / "junk.json").write_text("[1]")
    assert run(None, "audit", "verify", "--entry", str(out), "--proof", str(tmp_path / "junk.json")).exit_code == 2


def test_export_report_and_check_log(run: Any, tmp_path: Path) -> None:
    audit = ScriptedAudit({
        "GET /export": lambda r: httpx.Response(200, content=b"seq,time\n0,t\n"),
        "GET /reports/datasets/xrays.html": lambda r: httpx.Response(200, text="<html>xrays</html>"),
        "GET /log/verify": lambda r: httpx.Response(200, json={"ok": False, "reason": "entry 3 is missing"}),
    })
    csv_file, html_file = tmp_path / "a.csv", tmp_path / "r.html"
    exported = run(audit, "audit", "export", "--format", "csv", "--out", str(csv_file), "--action", "access.*")
    assert exported.exit_code == 0 and csv_file.read_bytes() == b"seq,time\n0,t\n"
    assert audit.seen[0].url.params["format"] == "csv" and audit.seen[0].url.params["action"] == "access.*"
    assert run(audit, "audit", "export", "--format", "xml", "--out", str(csv_file)).exit_code == 2
    assert run(audit, "audit", "report", "dataset", "xrays", "--out", str(html_file)).exit_code == 0
    assert html_file.read_text() == "<html>xrays</html>"
    assert run(audit, "audit", "report", "job", "x", "--out", str(html_file)).exit_code == 2
    checked = run(audit, "audit", "check-log")
    assert checked.exit_code == 1 and "entry 3 is missing" in checked.output
