"""The demo's consortium scenario as a test: every step that can run passes, and exactly the steps
that need the Fabric ledger are reported blocked (so a regression in either direction shows)."""

from __future__ import annotations

import pytest

from ledgerml.stack.scenario import run

pytestmark = pytest.mark.e2e

LEDGER_STEPS = {
    "Org2 finds the dataset in its own catalog",
    "Org2 requests access to train",
    "Org1 grants with conditions",
    "Org2 requests training and deposits credits",
    "Org1 revokes; Org2's next training is refused",
}


def test_scenario_runs_every_step_it_can(consortium: dict[str, dict[str, str]], stack_env: dict[str, str],
                                         capsys: pytest.CaptureFixture[str]) -> None:
    status = run.main(["--profile", stack_env.get("LEDGERML_STACK_PROFILE", "test"), "--strict"])
    out = capsys.readouterr().out
    blocked = {line.split("  [")[0][2:] for line in out.splitlines() if line.startswith("! ")}
    failed = [line for line in out.splitlines() if line.startswith("✗ ")]
    assert not failed, out
    assert blocked == LEDGER_STEPS, out
    assert status == 3  # --strict: blocked steps are not a pass
    assert "inclusion proof of entry" in out and "integrity check fails at chunk 0" in out
