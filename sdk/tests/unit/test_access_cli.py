"""`ledgerml access request|list|grant|deny|revoke|decide|history`, with the SDK talking to a scripted
access-control (httpx.MockTransport) through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from ledgerml.cli import main as cli_main
from ledgerml.cli.access_cmds import when
from ledgerml.client import LedgerML
from ledgerml.shared.errors import InvalidRequest

from .test_access_client import DECISION, REQUEST, ScriptedAccess, problem, sdk_with

LEDGER_PENDING = {"state": "pending", "tx_id": None, "block_number": None, "error_code": None, "error_detail": None}



@pytest.fixture
def run(pki: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    cli_main._register()

    def invoke(service: ScriptedAccess, *args: str) -> Any:
        sdk = sdk_with(pki, service)
        monkeypatch.setattr(LedgerML, "connect", classmethod(lambda cls, org="org1", **kw: sdk))
        return CliRunner().invoke(cli_main.app, list(args))

    return invoke


def test_request_sends_purpose_owner_and_a_relative_expiry(run: Any) -> None:
    service = ScriptedAccess({"POST /requests": lambda r: httpx.Response(202, json=REQUEST)})
    result = run(service, "--json", "access", "request", "cxr", "--owner", "Org1MSP", "--purpose", "evaluate",
                 "--expires", "7d")
    assert result.exit_code == 0, result.output
    body = service.body()
    assert (body["dataset_id"], body["owner_org"], body["purpose"]) == ("cxr", "Org1MSP", "evaluate")
    assert str(body["requested_expiry"]).endswith("+00:00")
    assert json.loads(result.output)["request_id"] == "req-1"


def test_list_incoming_as_a_table(run: Any) -> None:
    service = ScriptedAccess({"GET /requests": lambda r: httpx.Response(200, json={"items": [REQUEST],
                                                                                   "next_cursor": None})})
    result = run(service, "access", "list", "--incoming", "--state", "pending")
    assert result.exit_code == 0, result.output
    assert "req-1" in result.output and "Org2MSP" in result.output
    assert dict(service.seen[0][1].url.params) == {"direction": "incoming", "state": "pending", "limit": "50"}


def test_grant_deny_revoke(run: Any) -> None:
    ok = {f"POST {p}": (lambda r: httpx.Response(202, json=REQUEST)) for p in (
        "/requests/req-1/grant", "/requests/req-1/deny", "/grants/req-1/revoke")}
    service = ScriptedAccess(ok)
    assert run(service, "access", "grant", "req-1", "--max-jobs", "2", "--compute-only").exit_code == 0
    assert service.body() == {"max_jobs": 2, "compute_only": True}
    assert run(service, "access", "deny", "req-1", "--reason", "no").exit_code == 0
    assert service.body() == {"reason": "no"}
    result = run(service, "access", "revoke", "req-1", "--reason", "breach")
    assert result.exit_code == 0 and "request req-1" in result.output


def test_decide_prints_the_verdict_and_reason(run: Any) -> None:
    service = ScriptedAccess({"POST /decisions": lambda r: httpx.Response(200, json=DECISION)})
    result = run(service, "access", "decide", "Org2MSP", "cxr", "--at", "Org1MSP")
    assert result.exit_code == 0, result.output
    assert "DENY" in result.output and "REVOKED" in result.output
    json_result = run(service, "--json", "access", "decide", "Org2MSP", "cxr", "--purpose", "download")
    assert json.loads(json_result.output)["allow"] is False
    assert service.body()["purpose"] == "download"


def test_history_lists_entries(run: Any) -> None:
    entry = {"at": "2030-01-01T00:00:00Z", "event": "grant", "state": "pending", "actor": "CN=Admin", "tx_id": None,
             "block_number": None, "detail": None, "ledger": LEDGER_PENDING}
    service = ScriptedAccess({"GET /requests/req-1/history": lambda r: httpx.Response(
        200, json={"request": REQUEST, "entries": [entry]})})
    result = run(service, "access", "history", "req-1")
    assert result.exit_code == 0 and "grant" in result.output


def test_service_errors_exit_non_zero_with_their_code(pki: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    service = ScriptedAccess({"POST /requests/req-1/grant": lambda r: problem(409, "LML-7306", "request is denied")})
    sdk = sdk_with(pki, service)
    monkeypatch.setattr(LedgerML, "connect", classmethod(lambda cls, org="org1", **kw: sdk))
    assert cli_main.main(["access", "grant", "req-1"]) == 1


def test_expiry_parsing() -> None:
    assert when("2030-01-01T00:00:00Z") == "2030-01-01T00:00:00+00:00"
    assert when("12h").endswith("+00:00")
    with pytest.raises(InvalidRequest):
        when("2030-01-01")
    with pytest.raises(InvalidRequest):
        when("soon")
