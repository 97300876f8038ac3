"""Where the SDK finds the ledger, and the state key of an anchor (the chaincode's composite key)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledgerml.client.ledger import LedgerEndpoint, anchor_key, ledger_endpoint
from ledgerml.shared.errors import ConfigurationInvalid

STACK_ENV = """LEDGERML_LEDGER_CHAIN_ID=ledgerml-dev
LEDGERML_LEDGER_RPC_ORG1MSP=http://127.0.0.1:26611
LEDGERML_LEDGER_RPC_ORG3MSP=http://127.0.0.1:26631
LEDGERML_LEDGER_RPC_URLS=http://127.0.0.1:26601,http://127.0.0.1:26611,http://127.0.0.1:26631
"""


def test_explicit_variables_win_over_the_local_stack(tmp_path: Path) -> None:
    (tmp_path / "stack.env").write_text(STACK_ENV)
    env = {"LEDGERML_LEDGER_RPC_URL": "http://ledger:26657", "LEDGERML_LEDGER_CHAIN_ID": "prod",
           "LEDGERML_STACK_RUN_DIR": str(tmp_path)}
    assert ledger_endpoint("Org1MSP", env=env) == LedgerEndpoint("http://ledger:26657", "prod", None)


def test_the_local_stack_names_the_organisations_validator_and_another_to_verify_against(tmp_path: Path) -> None:
    (tmp_path / "stack.env").write_text(STACK_ENV)
    found = ledger_endpoint("Org3MSP", env={}, run_dir=tmp_path)
    assert found == LedgerEndpoint("http://127.0.0.1:26631", "ledgerml-dev", "http://127.0.0.1:26611")


def test_no_ledger_anywhere_is_a_coded_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationInvalid, match="LEDGERML_LEDGER_RPC_URL"):
        ledger_endpoint("Org2MSP", env={}, run_dir=tmp_path)


def test_anchor_key_is_the_chaincodes_composite_key_with_a_zero_padded_size() -> None:
    assert anchor_key("org1-audit", 42) == b"\x00lml.anchor\x00org1-audit\x0000000000000000000042\x00"
