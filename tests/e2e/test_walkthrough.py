"""The README's CLI walkthrough, run line by line as written, with the `ledgerml` command of the virtual environment.

The block is parsed out of README.md, so the two cannot drift. Three things differ from a person typing it:
the dataset id `bc` (and the job id built on it) gets a fresh suffix, so the test can run again on the same
stack; `LEDGERML_STACK_RUN_DIR` points at the stack under test; and the words in capitals (REQUEST, SIZE,
ROOT) are filled in from what the earlier lines printed, as the README asks its reader to. Between lines the
test waits, through the SDK, for what a person would wait for: the ledger commit a line's write depends on.
"""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from ledgerml.client import LedgerML
from ledgerml.stack.scenario.narration import await_committed, poll

pytestmark = pytest.mark.e2e
Org = Callable[..., LedgerML]

REPO = Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"## CLI walkthrough\n.*?```sh\n(.*?)```", re.S)
HEX64 = re.compile(r"\b[0-9a-f]{64}\b")


def walkthrough_lines() -> list[str]:
    block = BLOCK.search((REPO / "README.md").read_text())
    assert block, "README.md has no ```sh block under '## CLI walkthrough'"
    return [line.strip() for line in block.group(1).splitlines() if line.strip() and not line.startswith("#")]


def command_of(line: str) -> tuple[str, ...]:
    """`ledgerml --org org1 --user Admin credits mint ...` → ("credits", "mint")."""
    words = line.split("#", 1)[0].split()
    options_with_values = ("--org", "-o", "--user")
    rest = [w for i, w in enumerate(words[1:], 1) if not w.startswith("-") and words[i - 1] not in options_with_values]
    return tuple(rest[:2])


class Walkthrough:
    """Runs the lines one by one, remembering what they printed."""

    def __init__(self, cwd: Path, stack_run_dir: str, dataset_id: str) -> None:
        self.cwd, self.dataset_id = cwd, dataset_id
        self.env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
        self.stack_run_dir = stack_run_dir
        self.values: dict[str, str] = {}

    def setup_line(self, line: str) -> bool:
        """`source .venv/bin/activate` and `export NAME=VALUE` change this shell's environment."""
        words = line.split("#", 1)[0].split()
        if words[:1] == ["source"]:
            assert words[1:] == [".venv/bin/activate"] and (REPO / words[1]).exists(), line
            self.env["PATH"] = f"{REPO / '.venv' / 'bin'}{os.pathsep}{self.env['PATH']}"
            self.env["VIRTUAL_ENV"] = str(REPO / ".venv")
            return True
        if words[:1] == ["export"]:
            name, _, value = words[1].partition("=")
            assert name == "LEDGERML_STACK_RUN_DIR" and value == ".run/dev", line
            self.env[name] = self.stack_run_dir
            return True
        return False

    def run(self, line: str) -> str:
        text = re.sub(r"\bbc\b", self.dataset_id, line)
        for word, value in self.values.items():
            text = re.sub(rf"\b{word}\b", value, text)
        assert not re.search(r"\b(REQUEST|SIZE|ROOT)\b", text.split("#", 1)[0]), f"unfilled placeholder: {text}"
        done = subprocess.run(["bash", "-c", text], cwd=self.cwd, env=self.env, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, f"{text}\nexit {done.returncode}\n{done.stdout}\n{done.stderr}"
        return done.stdout


class Checks:
    """What each line must print (the README's comments say it), and what to wait for before the next line."""

    def __init__(self, shell: Walkthrough, as_org: Org, workdir: Path) -> None:
        self.shell, self.workdir, self.dataset_id = shell, workdir, shell.dataset_id
        self.job_id, self.root = f"{shell.dataset_id}-job-1", ""
        self.org1, self.org2, self.org3 = as_org("org1"), as_org("org2"), as_org("org3")

    def before(self, command: tuple[str, ...]) -> None:
        if command == ("audit", "anchor"):
            # The audit service anchors its signed tree head on an interval: wait for one on the ledger.
            poll(lambda: self.org3.ledger.anchor("org1-audit"), what="an anchor of Org1's audit log", timeout_s=90)

    def after(self, command: tuple[str, ...], out: str) -> None:
        check = getattr(self, "_".join(command).replace("-", "_"), None)
        assert check is not None, f"the test knows no check for `{' '.join(command)}`: add one"
        check(out)

    def datasets_create(self, out: str) -> None:
        assert self.dataset_id in out, out
        await_committed(lambda: self.org1.registry.get_dataset(self.dataset_id), what="RegisterDataset")

    def datasets_upload(self, out: str) -> None:
        found = HEX64.search(out)
        assert f"stored {self.dataset_id}@v1" in out and found, out
        self.root = found.group(0)
        await_committed(lambda: (self.org1.registry.get_dataset(self.dataset_id).get("versions") or [{}])[0],
                        what="RegisterDatasetVersion")

    def datasets_show(self, out: str) -> None:
        assert self.dataset_id in out and "v1" in out and self.root in out, out

    def datasets_verify(self, out: str) -> None:
        assert f"integrity of {self.dataset_id}@v1: ok" in out, out

    def access_request(self, out: str) -> None:
        found = re.search(r"request (\S+)", out)
        assert found, out
        rid = self.shell.values["REQUEST"] = found.group(1)
        await_committed(lambda: self.org2.access.get(rid), what="RequestAccess")
        poll(lambda: any(r["request_id"] == rid for r in self.org1.access.incoming()), what="the request at Org1")

    def access_list(self, out: str) -> None:
        assert self.shell.values["REQUEST"] in out, out

    def access_grant(self, out: str) -> None:
        assert re.search(r"answer being written\s+grant", out), out  # the ledger commit follows
        await_committed(lambda: self.org1.access.get(self.shell.values["REQUEST"]), what="GrantAccess")

    def credits_mint(self, out: str) -> None:
        assert "minted" in out and "Org2MSP" in out, out

    def training_submit(self, out: str) -> None:
        assert f"training job {self.job_id}" in out, out

    def training_status(self, out: str) -> None:
        assert f"training job {self.job_id}" in out and "succeeded" in out and "model sha256" in out, out

    def audit_timeline(self, out: str) -> None:
        assert "audit entries" in out and self.dataset_id in out, out

    def audit_anchor(self, out: str) -> None:
        size, root = re.search(r"tree_size\s+(\d+)", out), re.search(r"root\s+([0-9a-f]{64})", out)
        assert size and root, out
        self.shell.values.update(SIZE=size.group(1), ROOT=root.group(1))

    def audit_proof(self, out: str) -> None:
        assert self.shell.values["ROOT"] in out and (self.workdir / "proof.json").exists(), out

    def audit_verify(self, out: str) -> None:
        assert "Offline verification" in out, out  # and exit 0: included under the anchored root

    def audit_report(self, out: str) -> None:
        assert self.dataset_id in (self.workdir / "report.html").read_text()

    def audit_export(self, out: str) -> None:
        lines = (self.workdir / "org1-log.jsonl").read_text().splitlines()
        assert len(lines) >= int(self.shell.values["SIZE"]), out

    def audit_check_export(self, out: str) -> None:
        assert "hash to the root anchored on the ledger" in out, out  # and exit 0


def test_the_readme_walkthrough_runs_as_written(as_org: Org, stack_env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "samples").symlink_to(REPO / "samples")
    shell = Walkthrough(tmp_path, stack_env["LEDGERML_STACK_RUN_DIR"], f"bc-{uuid.uuid4().hex[:6]}")
    checks = Checks(shell, as_org, tmp_path)
    ran: list[tuple[str, ...]] = []
    for line in walkthrough_lines():
        if shell.setup_line(line):
            continue
        command = command_of(line)
        checks.before(command)
        checks.after(command, shell.run(line))
        ran.append(command)
    assert ("training", "status") in ran and ("audit", "verify") in ran, ran
