"""What a new user meets first (issue 17): messages printed verbatim, the likely cause named (unknown
organisation or identity), `audit verify`'s exit codes explained, stdout kept for data and files written
only where `-O/--out` says."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer
from typer.testing import CliRunner

from ledgerml.cli import main as cli_main
from ledgerml.cli.app import credits_app, emit, state
from ledgerml.client import LedgerML
from ledgerml.client.connection import UnknownOrganisation, connect
from ledgerml.shared.errors import InvalidRequest

from .test_audit_client import ScriptedAudit, proof_file, sdk_with

PATTERN = "String should match pattern '^[a-z0-9][a-z0-9-]{2,63}$' [bold]not a style[/bold] :smile:"


@credits_app.command("probe-message", hidden=True)
def _probe_message(ctx: typer.Context, fail: bool = False) -> None:
    """Test-only: prints a value and fails with a detail that looks like Rich markup."""
    if fail:
        raise InvalidRequest(PATTERN)
    emit(ctx, {"pattern": PATTERN}, title="[title] kept")


@credits_app.command("probe-connect", hidden=True)
def _probe_connect(ctx: typer.Context) -> None:
    """Test-only: forces a connection."""
    state(ctx).client()


def test_errors_and_values_print_verbatim(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main.main(["credits", "probe-message", "--fail"]) == 1
    printed = capsys.readouterr()
    assert printed.out == ""
    assert printed.err == f"error LML-1000 (Invalid request): {PATTERN}\n"
    assert cli_main.main(["credits", "probe-message"]) == 0
    out = capsys.readouterr().out
    assert "[title] kept" in out and PATTERN in out


def test_an_unknown_org_names_the_known_ones(pki: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("LEDGERML_PKI_ROOT", str(pki))
    assert cli_main.main(["--org", "org9", "credits", "probe-connect"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error LML-1010 (Unknown organisation): 'org9' is not an organisation of this consortium; "
                          "use one of: org1 (Org1MSP), org2 (Org2MSP), org3 (Org3MSP)"), err
    assert "misconfigured" not in err
    assert cli_main.main(["--user", "Mallory", "credits", "probe-connect"]) == 1
    assert "error LML-1011 (Unknown identity): Org1MSP has no identity 'Mallory'" in capsys.readouterr().err


def test_an_unknown_owner_names_the_known_ones(pki: Path) -> None:
    conn = connect("org1", pki_root=pki, endpoints={"Org1MSP": {"storage": "http://s1"},
                                                    "Org2MSP": {"storage": "http://s2"}})
    with pytest.raises(UnknownOrganisation, match=r"^org9 \(Org9MSP\) is not an organisation of this consortium; "
                                                  r"known: Org1MSP, Org2MSP$"):
        conn.http("storage", org="org9")


def _run(pki: Path, monkeypatch: pytest.MonkeyPatch, audit: ScriptedAudit | None, *args: str) -> Any:
    cli_main._register()
    if audit is not None:
        sdk = sdk_with(pki, audit)
        monkeypatch.setattr(LedgerML, "connect", classmethod(lambda cls, org="org1", **kw: sdk))
    return CliRunner().invoke(cli_main.app, list(args))


def test_verify_explains_its_exit_codes(pki: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shown = _run(pki, monkeypatch, None, "audit", "verify", "--help")
    assert shown.exit_code == 0
    text = " ".join(shown.stdout.split())
    for code, words in ((0, "valid: the entry is included"), (1, "INVALID"), (2, "usage error"),
                        (3, "valid, but only against the service's own tree head")):
        assert f"{code} {words}" in text, code
    proof = proof_file(pki)
    (tmp_path / "proof.json").write_text(json.dumps(proof))
    args = ("audit", "verify", "--entry", str(tmp_path / "proof.json"), "--proof", str(tmp_path / "proof.json"))
    unconfirmed = _run(pki, monkeypatch, None, "--json", *args)
    assert unconfirmed.exit_code == 3 and json.loads(unconfirmed.stdout)["proof_valid"] is True
    assert unconfirmed.stderr.startswith("exit 3: valid, but only against the service's own tree head")
    (tmp_path / "forged.json").write_text(json.dumps({**proof["entry"], "actor": "Org9MSP"}))
    forged = _run(pki, monkeypatch, None, "audit", "verify", "--entry", str(tmp_path / "forged.json"),
                  "--proof", str(tmp_path / "proof.json"))
    assert forged.exit_code == 1 and forged.stderr.startswith("exit 1: INVALID")


def test_proof_without_out_writes_nothing_to_stdout(pki: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """`ledgerml audit proof 2 > proof.json` must not leave a usage error in proof.json."""
    audit = ScriptedAudit({"GET /entries/2/proof": lambda r: httpx.Response(200, json=proof_file(pki))})
    refused = _run(pki, monkeypatch, audit, "audit", "proof", "2")
    assert refused.exit_code == 2 and refused.stdout == "" and "--out" in refused.stderr
    assert audit.seen == []
    written = _run(pki, monkeypatch, audit, "--json", "audit", "proof", "2", "-O", str(tmp_path / "p.json"))
    assert written.exit_code == 0 and json.loads(written.stdout)["written"] == str(tmp_path / "p.json")
    assert json.loads((tmp_path / "p.json").read_text())["leaf_index"] == 2


@pytest.mark.parametrize("command", [("datasets", "download", "ds", "v1"), ("training", "fetch-model", "job-1"),
                                     ("training", "curve", "job-1"), ("audit", "export"),
                                     ("audit", "report", "dataset", "ds")])
def test_every_file_writing_command_takes_capital_o(command: tuple[str, ...], pki: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    shown = _run(pki, monkeypatch, None, *command, "--help")
    assert shown.exit_code == 0 and "-O" in shown.stdout, shown.stdout
    refused = _run(pki, monkeypatch, None, *command)
    assert refused.exit_code == 2 and refused.stdout == "", "a file is written only where -O/--out says"
