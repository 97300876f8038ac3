"""The HTTP edge: real ES256 tokens, status codes, headers and problem codes of every route."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ledgerml.shared.identity import issue_token, load_identity
from ledgerml.stack.pki import Consortium, create_consortium
from ledgerml.storage.api import get_storage
from ledgerml.storage.main import create_app
from ledgerml.storage.service import Storage
from ledgerml.storage.settings import StorageSettings

from .conftest import CHUNK
from .fakes import MemoryBlobs

DATA = os.urandom(CHUNK * 2 + 7)
URL = "/datasets/ds-one/versions/v1"


@pytest.fixture(scope="module")
def consortium(tmp_path_factory: pytest.TempPathFactory) -> Consortium:
    return create_consortium(tmp_path_factory.mktemp("pki"))


def _auth(consortium: Consortium, msp_id: str = "Org1MSP", name: str = "User1") -> dict[str, str]:
    files = consortium.orgs[msp_id].identity(name)
    token = issue_token(load_identity(msp_id, msp_dir=files.msp_dir), audience="storage")
    return {"authorization": f"Bearer {token}"}


@pytest.fixture
def client(consortium: Consortium, storage: Storage, tmp_path: Path) -> Iterator[TestClient]:
    settings = StorageSettings(database_url=f"sqlite:///{tmp_path / 'app.db'}", msp_root=consortium.root,
                               org_key_file=tmp_path / "unused.key")
    app = create_app(settings)
    app.dependency_overrides[get_storage] = lambda: storage
    with TestClient(app) as test_client:
        yield test_client


def _put(client: TestClient, consortium: Consortium, body: bytes = DATA, url: str = URL, **headers: str) -> object:
    return client.put(url, content=body, headers={"content-type": "application/octet-stream",
                                                  **_auth(consortium), **headers})


def test_upload_then_manifest_content_and_integrity(client: TestClient, consortium: Consortium) -> None:
    created = _put(client, consortium)
    assert created.status_code == 201, created.text  # type: ignore[attr-defined]
    view = created.json()  # type: ignore[attr-defined]
    assert {k: view[k] for k in ("dataset_id", "version", "size_bytes", "chunk_count", "chunk_size")} == {
        "dataset_id": "ds-one", "version": "v1", "size_bytes": len(DATA), "chunk_count": 3, "chunk_size": CHUNK}
    assert client.get(URL, headers=_auth(consortium)).json() == view
    full = client.get(URL + "/content", headers=_auth(consortium))
    assert full.status_code == 200 and full.content == DATA
    assert full.headers["x-ledgerml-merkle-root"] == view["merkle_root"]
    assert full.headers["content-length"] == str(len(DATA))
    part = client.get(URL + "/content", headers={**_auth(consortium), "range": "bytes=10-4200"})
    assert part.status_code == 206 and part.content == DATA[10:4201]
    assert part.headers["content-range"] == f"bytes 10-4200/{len(DATA)}"
    report = client.get(URL + "/integrity", headers=_auth(consortium, "Org3MSP")).json()
    assert report["ok"] is True and report["merkle_root_recomputed"] == view["merkle_root"]


def _code(response: object) -> tuple[int, str]:
    return response.status_code, response.json()["code"]  # type: ignore[attr-defined]


def test_clear_4xx_for_bad_requests(client: TestClient, consortium: Consortium) -> None:
    assert _code(_put(client, consortium, **{"content-type": "text/csv"})) == (415, "LML-7106")
    assert _code(_put(client, consortium, b"")) == (400, "LML-7107")
    assert _code(_put(client, consortium, url="/datasets/ds-unknown/versions/v1")) == (404, "LML-7105")
    assert _code(_put(client, consortium, url="/datasets/ds-one/versions/bad version")) == (422, "LML-1000")
    assert _put(client, consortium).status_code == 201  # type: ignore[attr-defined]
    assert _code(_put(client, consortium)) == (409, "LML-7102")
    assert _code(client.get(URL + "/content", headers={**_auth(consortium), "range": "bytes=99999-"})) == (
        416, "LML-7109")
    assert _code(client.get("/datasets/ds-one/versions/v9", headers=_auth(consortium))) == (404, "LML-7104")


def test_too_large_is_refused_from_its_declared_length(client: TestClient, consortium: Consortium,
                                                        storage: Storage) -> None:
    body = os.urandom(storage.limits.max_version_bytes + 1)
    assert _code(_put(client, consortium, body)) == (413, "LML-7108")


def test_who_may_do_what(client: TestClient, consortium: Consortium) -> None:
    assert client.put(URL, content=DATA).status_code == 401
    auditor_put = client.put(URL, content=DATA, headers={"content-type": "application/octet-stream",
                                                         **_auth(consortium, "Org3MSP")})
    assert _code(auditor_put) == (403, "LML-3002")
    org2_put = client.put(URL, content=DATA, headers={"content-type": "application/octet-stream",
                                                      **_auth(consortium, "Org2MSP")})
    assert _code(org2_put) == (403, "LML-7116")
    _put(client, consortium)
    assert _code(client.get(URL + "/content", headers=_auth(consortium, "Org2MSP"))) == (403, "LML-7113")
    assert _code(client.get(URL, headers=_auth(consortium, "Org2MSP"))) == (403, "LML-7116")
    job = "/internal/jobs/job-1" + URL + "/content"
    assert _code(client.get(job, headers=_auth(consortium))) == (403, "LML-7114")
    refused = client.get(job, headers=_auth(consortium, name="training"))
    assert _code(refused) == (503, "LML-5004") and refused.headers["retry-after"]


def test_tampering_and_outages_are_coded(client: TestClient, consortium: Consortium, blobs: MemoryBlobs) -> None:
    _put(client, consortium)
    for key, sealed in blobs.objects.items():  # every chunk, so chunk 0 fails before a byte is sent (a later
        altered = bytearray(sealed)           # one fails mid-stream, after the 200: not what this test checks)
        altered[len(altered) // 2] ^= 0x01
        blobs.objects[key] = bytes(altered)
    assert _code(client.get(URL + "/content", headers=_auth(consortium))) == (502, "LML-7101")
    blobs.down = True
    down = _put(client, consortium, url="/datasets/ds-one/versions/v2")
    assert _code(down) == (503, "LML-7111") and down.headers["retry-after"]  # type: ignore[attr-defined]
