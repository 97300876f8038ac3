"""The SDK's connection (identity + endpoints) and the CLI's shared behaviour."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import typer
from typer.testing import CliRunner

from ledgerml.cli import main as cli_main
from ledgerml.cli.app import credits_app, state
from ledgerml.client import LedgerML
from ledgerml.client.connection import UnknownIdentity, connect, load_endpoints, msp_id_of
from ledgerml.shared.errors import ConfigurationInvalid
from ledgerml.shared.identity import TokenVerifier, load_trust_store


def test_org_names_map_to_msp_ids() -> None:
    assert msp_id_of("org2") == "Org2MSP"
    assert msp_id_of("Org3MSP") == "Org3MSP"


def test_connect_signs_requests_as_the_chosen_org(pki: Path) -> None:
    conn = connect("org2", pki_root=pki, endpoints={"Org2MSP": {"registry": "http://registry"}})
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["authorization"].split(" ", 1)[1])
        return httpx.Response(200, json={})

    client = conn.http("registry")
    client._http = httpx.Client(base_url="http://registry", transport=httpx.MockTransport(handler))
    client.request("GET", "/datasets")
    principal = TokenVerifier(load_trust_store(pki), audience="registry").verify(seen[0])
    assert principal.org == "Org2MSP" and "User1@org2" in principal.subject


def test_missing_endpoint_or_identity_is_a_clear_configuration_error(pki: Path, tmp_path: Path) -> None:
    conn = connect("org1", pki_root=pki, endpoints={})
    with pytest.raises(ConfigurationInvalid, match="no endpoint for storage of Org1MSP"):
        conn.http("storage")
    with pytest.raises(UnknownIdentity, match="Org1MSP has no identity 'Mallory'; use one of: Admin, User1"):
        connect("org1", user="Mallory", pki_root=pki, endpoints={})
    with pytest.raises(ConfigurationInvalid, match="no endpoints file"):
        load_endpoints(tmp_path / "absent.json")


def test_endpoints_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "endpoints.json"
    path.write_text(json.dumps({"Org1MSP": {"registry": "http://127.0.0.1:8100"}}))
    assert load_endpoints(path) == {"Org1MSP": {"registry": "http://127.0.0.1:8100"}}


def test_facade_exposes_one_client_per_service(pki: Path) -> None:
    with LedgerML(connect("org1", pki_root=pki, endpoints={})) as sdk:
        assert sdk.msp_id == "Org1MSP"
        assert {type(c).__name__ for c in (sdk.registry, sdk.access, sdk.storage, sdk.training, sdk.audit)} == {
            "RegistryClient", "AccessClient", "StorageClient", "TrainingClient", "AuditClient"}


def test_every_command_has_help_text() -> None:
    cli_main._register()
    runner = CliRunner()
    missing = []
    for group in cli_main.app.registered_groups:
        for command in group.typer_instance.registered_commands:
            doc = command.help or (command.callback.__doc__ if command.callback else None)
            if not doc:
                missing.append(f"{group.name} {command.name}")
    assert not missing, f"commands without --help text: {missing}"
    result = runner.invoke(cli_main.app, ["--help"])
    assert result.exit_code == 0 and "datasets" in result.output and "audit" in result.output


def test_coded_errors_exit_1_with_the_code(pki: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LEDGERML_PKI_ROOT", str(pki))
    monkeypatch.setenv("LEDGERML_ENDPOINTS_FILE", str(pki / "absent.json"))

    @credits_app.command("probe-config", hidden=True)
    def _probe(ctx: typer.Context) -> None:
        """Test-only: forces a connection."""
        state(ctx).client()

    assert cli_main.main(["--org", "org2", "credits", "probe-config"]) == 1
    assert "LML-9001" in capsys.readouterr().err


def test_stack_profile_is_validated() -> None:
    assert cli_main.main(["stack", "status", "--profile", "prod"]) == 2
