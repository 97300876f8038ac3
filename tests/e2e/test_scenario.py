"""The demo's consortium scenario as a test: every step passes on the ledger — none blocked, none failed —
and the flows' outcomes a user would check are in its output."""

from __future__ import annotations

import re

import pytest

from ledgerml.stack.scenario import run

pytestmark = pytest.mark.e2e


def test_the_whole_scenario_runs_on_the_ledger(consortium: dict[str, dict[str, str]], stack_env: dict[str, str],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    status = run.main(["--profile", stack_env.get("LEDGERML_STACK_PROFILE", "test")])
    out = capsys.readouterr().out
    steps = [line for line in out.splitlines() if line[:2] in ("✓ ", "! ", "✗ ")]
    assert len(steps) == len(run.SCENARIO), out
    assert all(line.startswith("✓ ") for line in steps), out
    assert status == 0 and "0 blocked, 0 failed" in out
    # catalog: committed with tx id and height, mirrored by the other organisations
    assert re.search(r"RegisterDataset committed, tx [0-9a-f]{16}… at height \d+", out), out
    assert "Org2's registry mirrors it from its bridge" in out and "Org3's registry mirrors it" in out
    # access: granted download, refused after revocation; the ledger refuses training after revocation
    assert "Org2 downloaded" in out and ": REVOKED" in out
    assert "LML-CC-0007 NO_LIVE_GRANT" in out and "no credits moved" in out
    # credits and escrow
    assert "escrow on the ledger: 5 credits HELD" in out and "escrow RELEASED: 5 credits paid to Org1MSP" in out
    accuracy = float(re.search(r"accuracy on Org2's held-out split \(\d+ rows\): ([0-9.]+)", out).group(1))  # type: ignore[union-attr]
    assert accuracy > 0.8, out
    # lineage and audit anchors
    assert "Org2's `models verify`: " in out and "Org3's `models verify`: " in out
    assert "proven included offline under the anchored root" in out and "consistency proof of" in out
    assert "integrity check fails at chunk 0" in out
