"""Each organisation's services and bridge are pointed at that organisation's own validator."""

from __future__ import annotations

from pathlib import Path

from ledgerml.stack.consortium import SERVICES
from ledgerml.stack.consortium_env import bridge_env, service_env

LEDGER = {"LEDGERML_LEDGER_CHAIN_ID": "ledgerml-test", "LEDGERML_LEDGER_RPC_ORG1MSP": "http://127.0.0.1:26611",
          "LEDGERML_LEDGER_RPC_ORG2MSP": "http://127.0.0.1:26621",
          "LEDGERML_LEDGER_RPC_URLS": "http://127.0.0.1:26601,http://127.0.0.1:26611,http://127.0.0.1:26621"}


def _stack(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"LEDGERML_PKI_ROOT": str(tmp_path / "pki"), "LEDGERML_KAFKA_BOOTSTRAP": "127.0.0.1:9192",
            "LEDGERML_STACK_RUN_DIR": str(tmp_path), "LEDGERML_S3_ENDPOINT": "http://127.0.0.1:9100",
            "LEDGERML_S3_ACCESS_KEY": "k", "LEDGERML_S3_SECRET_KEY": "s", **extra}


def test_every_service_talks_to_its_own_organisations_validator(tmp_path: Path) -> None:
    stack = _stack(tmp_path, **LEDGER)
    for spec in SERVICES:
        env = service_env(spec, org="Org2MSP", slug="org2", port=9000, data_dir=tmp_path / "org2", stack_env=stack,
                          endpoints={"Org2MSP": {s.name: "http://x" for s in SERVICES}})
        assert env[f"{spec.prefix}LEDGER_RPC_URL"] == "http://127.0.0.1:26621"
        assert env[f"{spec.prefix}LEDGER_CHAIN_ID"] == "ledgerml-test"


def test_without_a_ledger_network_services_get_no_ledger_and_no_bridge_runs(tmp_path: Path) -> None:
    stack = _stack(tmp_path)
    env = service_env(SERVICES[0], org="Org1MSP", slug="org1", port=9000, data_dir=tmp_path / "org1",
                      stack_env=stack, endpoints={})
    assert not any("LEDGER_" in key for key in env)
    assert bridge_env(org="Org1MSP", slug="org1", data_dir=tmp_path / "b", stack_env=stack) is None
    # an organisation without a validator of its own gets none either (never another org's)
    assert bridge_env(org="Org3MSP", slug="org3", data_dir=tmp_path / "b", stack_env=_stack(tmp_path, **LEDGER)) \
        is None


def test_the_bridge_reads_blocks_of_its_own_validator_and_holds_no_signing_identity(tmp_path: Path) -> None:
    env = bridge_env(org="Org1MSP", slug="org1", data_dir=tmp_path / "bridge", stack_env=_stack(tmp_path, **LEDGER))
    assert env is not None
    assert env["LEDGERML_BRIDGE_LEDGER_RPC_URL"] == "http://127.0.0.1:26611"
    assert (env["LEDGERML_BRIDGE_ORG"], env["LEDGERML_BRIDGE_KAFKA_BOOTSTRAP"]) == ("org1", "127.0.0.1:9192")
    assert env["LEDGERML_BRIDGE_DATA_DIR"] == str(tmp_path / "bridge")
    assert not any("IDENTITY" in key or "MSP_ROOT" in key for key in env)
