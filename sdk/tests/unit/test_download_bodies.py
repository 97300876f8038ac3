"""Download bodies read by the standard library's HTTP client (`ledgerml.client.bodies`), against a small
in-process server on loopback: whole and ranged bodies, coded problems, bodies cut short."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ledgerml.client.connection import connect
from ledgerml.client.storage import DownloadIncomplete, StorageClient
from ledgerml.shared.errors import LedgerMLError

DATA = bytes(range(256)) * 12000  # ~3 MiB: several 1 MiB blocks


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        assert self.headers["authorization"].startswith("Bearer ")
        if "/versions/v9/" in self.path:
            problem = json.dumps({"code": "LML-7104", "status": 404, "title": "t", "detail": "no v9"}).encode()
            self.send_response(404)
            self.send_header("content-type", "application/problem+json")
            self.send_header("content-length", str(len(problem)))
            self.end_headers()
            self.wfile.write(problem)
            return
        cut = "/versions/cut/" in self.path
        self.send_response(200)
        self.send_header("content-length", str(len(DATA)))
        self.send_header("x-ledgerml-merkle-root", "ab" * 32)
        self.end_headers()
        self.wfile.write(DATA[:1000] if cut else DATA)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _client(pki: Path, url: str) -> StorageClient:
    return StorageClient(connect("org1", pki_root=pki, endpoints={"Org1MSP": {"storage": url}}))


def test_body_arrives_whole_with_progress(pki: Path, server: str, tmp_path: Path) -> None:
    seen: list[int] = []
    result = _client(pki, server).download("ds-one", "v1", tmp_path / "out.bin", progress=lambda n, _t: seen.append(n))
    assert (tmp_path / "out.bin").read_bytes() == DATA and result.bytes_written == sum(seen) == len(DATA)
    assert result.merkle_root == "ab" * 32 and len(seen) >= 3


def test_problem_keeps_its_code_and_a_short_body_keeps_nothing(pki: Path, server: str, tmp_path: Path) -> None:
    with pytest.raises(LedgerMLError) as missing:
        _client(pki, server).download("ds-one", "v9", tmp_path / "out.bin")
    assert (missing.value.code, missing.value.status) == ("LML-7104", 404)
    with pytest.raises(DownloadIncomplete, match=f"of {len(DATA)} bytes"):
        _client(pki, server).download("ds-one", "cut", tmp_path / "out.bin")
    assert list(tmp_path.iterdir()) == []
