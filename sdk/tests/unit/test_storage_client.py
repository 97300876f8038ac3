"""`StorageClient` against a scripted storage service (httpx.MockTransport): streamed upload, ranged and
verified download, coded problems, and no partial file when a download stops early."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ledgerml.client.connection import Connection, connect
from ledgerml.client.storage import DownloadIncomplete, StorageClient
from ledgerml.shared.errors import LedgerMLError
from ledgerml.shared.web.client import ServiceClient

DATA = bytes(range(256)) * 9000  # ~2.2 MiB: several upload blocks


class FakeStorage:
    """Just enough of the storage HTTP contract to drive the client."""

    def __init__(self) -> None:
        self.versions: dict[str, bytes] = {}
        self.requests: list[httpx.Request] = []
        self.break_after: int | None = None
        self.failed_chunks: list[dict[str, object]] = []
        self.unregistered: set[str] = set()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        match = re.fullmatch(r"/datasets/([^/]+)/versions/([^/]+)(/content|/integrity)?", request.url.path)
        assert match and request.headers["authorization"].startswith("Bearer ")
        key, tail = f"{match[1]}@{match[2]}", match[3]
        if match[1] in self.unregistered:
            return _problem(404, "LML-7105", f"dataset {match[1]} is not registered")
        if request.method == "PUT":
            if request.headers.get("content-type") != "application/octet-stream":
                return _problem(415, "LML-7106", "send application/octet-stream")
            if key in self.versions:
                return _problem(409, "LML-7102", "versions are immutable")
            self.versions[key] = b"".join(request.stream)  # type: ignore[union-attr]
            return httpx.Response(201, json={"dataset_id": match[1], "version": match[2], "merkle_root": "ab" * 32,
                                             "size_bytes": len(self.versions[key]), "chunk_count": 1})
        if key not in self.versions:
            return _problem(404, "LML-7104", "no such version")
        data = self.versions[key]
        if tail == "/integrity":
            return httpx.Response(200, json={"ok": not self.failed_chunks, "chunks_ok": 1,
                                             "chunks_failed": self.failed_chunks})
        if tail is None:
            return httpx.Response(200, json={"size_bytes": len(data)})
        return self._content(request, data)

    def _content(self, request: httpx.Request, data: bytes) -> httpx.Response:
        headers = {"x-ledgerml-merkle-root": "ab" * 32}
        status, body = 200, data
        if "range" in request.headers:
            first, last = (int(x) for x in request.headers["range"].removeprefix("bytes=").split("-"))
            status, body = 206, data[first:last + 1]
            headers["content-range"] = f"bytes {first}-{last}/{len(data)}"
        headers["content-length"] = str(len(body))
        if self.break_after is not None:
            return httpx.Response(status, headers=headers, stream=_Breaking(body[:self.break_after]))
        return httpx.Response(status, headers=headers, content=body)


class _Breaking(httpx.SyncByteStream):
    """A body that stops early, as when the service aborts at a chunk that failed verification."""

    def __init__(self, head: bytes) -> None:
        self._head = head

    def __iter__(self) -> Iterator[bytes]:
        yield self._head
        raise httpx.RemoteProtocolError("peer closed connection without sending complete message body")


def _problem(status: int, code: str, detail: str) -> httpx.Response:
    return httpx.Response(status, json={"code": code, "detail": detail, "status": status},
                          headers={"content-type": "application/problem+json"})



@pytest.fixture
def service() -> FakeStorage:
    return FakeStorage()


def scripted(pki: Path, service: FakeStorage, org: str = "org1") -> Connection:
    conn = connect(org, pki_root=pki, endpoints={})
    for target in ("Org1MSP", "Org2MSP"):
        conn._clients[(target, "storage")] = ServiceClient(base_url=f"http://{target}", audience="storage",
                                                            identity=conn.identity,
                                                            transport=httpx.MockTransport(service))
    return conn


def test_upload_streams_a_file_with_progress(pki: Path, service: FakeStorage, tmp_path: Path) -> None:
    source = tmp_path / "data.bin"
    source.write_bytes(DATA)
    seen: list[tuple[int, int | None]] = []
    manifest = StorageClient(scripted(pki, service)).upload(source, "ds-one", "v1",
                                                            progress=lambda n, t: seen.append((n, t)))
    assert manifest["size_bytes"] == len(DATA) and service.versions["ds-one@v1"] == DATA
    put = service.requests[-1]
    assert put.headers["content-length"] == str(len(DATA)) and "transfer-encoding" not in put.headers
    assert sum(n for n, _ in seen) == len(DATA) and len(seen) == 3 and {t for _, t in seen} == {len(DATA)}


def test_upload_of_a_file_object_and_coded_conflicts(pki: Path, service: FakeStorage) -> None:
    client = StorageClient(scripted(pki, service))
    client.upload(io.BytesIO(b"tiny"), "ds-one", "v1")
    with pytest.raises(LedgerMLError) as caught:
        client.upload(io.BytesIO(b"again"), "ds-one", "v1")
    assert caught.value.code == "LML-7102" and caught.value.status == 409


class Unread(io.BytesIO):
    """A source that must not be read: the upload is refused before its body is sent."""

    def read(self, size: int | None = -1) -> bytes:
        raise AssertionError("the body was read although the upload could be refused up front")


def test_upload_is_refused_before_the_body_is_sent(pki: Path, service: FakeStorage) -> None:
    """Issue 17: an existing version or an unregistered dataset failed only after the whole file streamed."""
    client = StorageClient(scripted(pki, service))
    service.versions["ds-one@v1"] = b"stored"
    with pytest.raises(LedgerMLError) as exists:
        client.upload(Unread(), "ds-one", "v1")
    assert exists.value.code == "LML-7102" and "upload under a new version name" in exists.value.detail
    service.unregistered.add("ds-gone")
    with pytest.raises(LedgerMLError) as unknown:
        client.upload(Unread(), "ds-gone", "v1")
    assert unknown.value.code == "LML-7105"
    assert [r.method for r in service.requests] == ["GET", "GET"], "no PUT went out"


def test_download_whole_and_range_to_path_and_file(pki: Path, service: FakeStorage, tmp_path: Path) -> None:
    service.versions["ds-one@v1"] = DATA
    client = StorageClient(scripted(pki, service, "org2"))
    progress: list[int] = []
    whole = client.download("ds-one", "v1", tmp_path / "out.bin", owner_org="org1",
                            progress=lambda n, _t: progress.append(n))
    assert (tmp_path / "out.bin").read_bytes() == DATA and whole.bytes_written == len(DATA) == sum(progress)
    assert whole.merkle_root == "ab" * 32 and str(service.requests[-1].url).startswith("http://org1msp/")
    buffer = io.BytesIO()
    part = client.download("ds-one", "v1", buffer, owner_org="org1", byte_range=(10, 19))
    assert buffer.getvalue() == DATA[10:20] and part.content_range == f"bytes 10-19/{len(DATA)}"
    assert part.total_size == len(DATA)


def test_download_that_stops_early_keeps_nothing(pki: Path, service: FakeStorage, tmp_path: Path) -> None:
    service.versions["ds-one@v1"] = DATA
    service.break_after = 1000
    with pytest.raises(DownloadIncomplete, match=f"received 1000 of {len(DATA)} bytes"):
        StorageClient(scripted(pki, service)).download("ds-one", "v1", tmp_path / "out.bin")
    assert list(tmp_path.iterdir()) == []


def test_manifest_integrity_and_missing_versions(pki: Path, service: FakeStorage) -> None:
    service.versions["ds-one@v1"] = b"abc"
    client = StorageClient(scripted(pki, service))
    assert client.manifest("ds-one", "v1") == {"size_bytes": 3}
    assert client.integrity("ds-one", "v1")["ok"] is True
    with pytest.raises(LedgerMLError) as caught:
        client.manifest("ds-one", "v9")
    assert (caught.value.code, caught.value.status) == ("LML-7104", 404)
    assert json.loads(service.requests[-1].content or b"null") is None
