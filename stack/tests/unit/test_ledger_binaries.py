"""The ledger application's cache key: a source change builds anew, a test or doc change reuses."""

from __future__ import annotations

from pathlib import Path

from ledgerml.stack.components.ledger import binaries, upgrade


def _tree(root: Path) -> Path:
    (root / "cmd" / "ledgerml-abci").mkdir(parents=True)
    (root / "go.mod").write_text("module example\n")
    (root / "cmd" / "ledgerml-abci" / "main.go").write_text("package main\nfunc main() {}\n")
    (root / "cmd" / "ledgerml-abci" / "main_test.go").write_text("package main\n")
    (root / "README.md").write_text("docs\n")
    return root


def test_hash_follows_the_sources_that_build_the_binary(tmp_path: Path) -> None:
    src = _tree(tmp_path / "chaincode")
    first = binaries.app_source_hash(src)
    assert binaries.app_source_hash(src) == first and len(first) == 16

    (src / "cmd" / "ledgerml-abci" / "main_test.go").write_text("package main\n// more tests\n")
    (src / "README.md").write_text("more docs\n")
    assert binaries.app_source_hash(src) == first

    (src / "cmd" / "ledgerml-abci" / "main.go").write_text("package main\nfunc main() { println() }\n")
    changed = binaries.app_source_hash(src)
    assert changed != first

    (src / "cmd" / "ledgerml-abci" / "main.go").rename(src / "cmd" / "ledgerml-abci" / "app.go")
    assert binaries.app_source_hash(src) != changed  # a renamed file is another tree


def test_each_source_hash_has_its_own_cache_entry(tmp_path: Path) -> None:
    src = _tree(tmp_path / "chaincode")
    assert binaries.app_present(src) and not binaries.app_present(tmp_path)
    path = binaries.app_binary(binaries.app_source_hash(src))
    assert path.name == "ledgerml-abci" and path.parent.parent.name == f"ledgerml-abci-{binaries.app_source_hash(src)}"


def test_upgrades_are_read_from_the_binary_and_approved_by_a_member_majority(tmp_path: Path) -> None:
    fake = tmp_path / "ledgerml-abci"
    fake.write_text("#!/bin/sh\nprintf 'ledgerml-abci abc\\nupgrades applied: v3\\nupgrades built in: v3,v4\\n'\n")
    fake.chmod(0o755)
    assert upgrade.applied_upgrades(str(fake)) == ["v3"]
    assert upgrade.approvers() == ["Org1MSP", "Org2MSP"]  # members Org1, Org2: ⌊2/2⌋ + 1 = 2
