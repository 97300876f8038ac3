"""`ledgerml datasets upload | download | verify` over a scripted storage service."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledgerml.cli import main as cli_main
from ledgerml.client import LedgerML

from .test_storage_client import DATA, FakeStorage, scripted


@pytest.fixture
def service(pki: Path, monkeypatch: pytest.MonkeyPatch) -> FakeStorage:
    fake = FakeStorage()
    monkeypatch.setattr(LedgerML, "connect", classmethod(
        lambda cls, org="org1", user="User1", pki_root=None: cls(scripted(pki, fake, org))))
    return fake


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from ledgerml.stack.pki import create_consortium

    return create_consortium(tmp_path_factory.mktemp("pki")).root


def test_upload_download_verify_round_trip(service: FakeStorage, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.bin"
    source.write_bytes(DATA)
    assert cli_main.main(["--json", "datasets", "upload", str(source), "--dataset", "ds-one", "--version", "v1"]) == 0
    assert json.loads(capsys.readouterr().out)["size_bytes"] == len(DATA)
    out = tmp_path / "out.bin"
    assert cli_main.main(["--org", "org2", "--json", "datasets", "download", "ds-one", "v1", "--out", str(out),
                          "--owner", "org1", "--range", "5-104"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert out.read_bytes() == DATA[5:105] and result["bytes_written"] == 100 and result["path"] == str(out)
    assert cli_main.main(["--json", "datasets", "verify", "ds-one", "v1"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True


def test_progress_bar_without_json(service: FakeStorage, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.bin"
    source.write_bytes(DATA)
    assert cli_main.main(["datasets", "upload", str(source), "-d", "ds-one", "-v", "v1"]) == 0
    captured = capsys.readouterr()
    assert "upload ds-one@v1" in captured.err and "stored ds-one@v1" in captured.out


def test_errors_keep_the_storage_code(service: FakeStorage, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main.main(["datasets", "download", "ds-one", "v9", "--out", str(tmp_path / "x")]) == 1
    assert "LML-7104" in capsys.readouterr().err and not (tmp_path / "x").exists()
    assert cli_main.main(["datasets", "download", "ds-one", "v1", "--out", str(tmp_path / "x"),
                          "--range", "9-1"]) == 2


def test_verify_exits_1_when_a_chunk_failed(service: FakeStorage, capsys: pytest.CaptureFixture[str]) -> None:
    service.versions["ds-one@v1"] = b"abc"
    service.failed_chunks = [{"index": 0, "code": "LML-7101", "reason": "does not authenticate (altered or moved)",
                              "expected_sha256": "ab" * 32, "actual_sha256": None}]
    assert cli_main.main(["datasets", "verify", "ds-one", "v1"]) == 1
    out = capsys.readouterr().out
    assert "integrity of ds-one@v1: FAILED" in out
    assert "chunk 0          FAILED LML-7101 does not authenticate (altered or moved)" in out
    assert "recomputed root  none (chunk 0 could not be read)" in out
