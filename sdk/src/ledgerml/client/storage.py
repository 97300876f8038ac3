"""SDK client for the storage service: streamed uploads and verified downloads of dataset versions.

Bytes are streamed in blocks both ways (nothing is held whole). The service verifies every chunk before
sending it and ends the body early when one fails; `download` then raises `DownloadIncomplete` and
keeps no partial file. Storage's coded errors (LML-71xx) arrive here with their own code.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

from ledgerml.client.bodies import get_body
from ledgerml.client.connection import Connection
from ledgerml.shared.errors import DependencyUnavailable, LedgerMLError
from ledgerml.shared.identity import issue_token

SERVICE = "storage"
BLOCK = 1024 * 1024
Progress = Callable[[int, "int | None"], None]  # (bytes just transferred, total bytes if known)

# The storage service's stable codes (services/storage/ERRORS.md), so problems keep their code here.
_STORAGE_CODES = {
    "LML-7101": (502, "Stored data failed integrity verification"), "LML-7102": (409, "Dataset version exists"),
    "LML-7103": (409, "An upload of this version is in progress"), "LML-7104": (404, "Dataset version not stored"),
    "LML-7105": (404, "Dataset not registered"), "LML-7106": (415, "Upload must be application/octet-stream"),
    "LML-7107": (400, "Upload body is empty"), "LML-7108": (413, "Dataset version exceeds the maximum size"),
    "LML-7109": (416, "Requested range not satisfiable"), "LML-7110": (400, "Upload interrupted"),
    "LML-7111": (503, "Object store unavailable"), "LML-7112": (500, "Dataset key cannot be unwrapped"),
    "LML-7113": (403, "Access control does not allow this download"),
    "LML-7114": (403, "Only this organisation's training service may read for jobs"),
    "LML-7115": (403, "No accepted job uses this dataset version"),
    "LML-7116": (403, "Only the dataset's owner organisation may do this"),
    "LML-7117": (500, "Organisation key missing or a placeholder"), "LML-7118": (400, "Malformed Range header"),
}
# Defining them registers the codes with `ledgerml.shared.web.client.error_from_problem`.
STORAGE_ERRORS: dict[str, type[LedgerMLError]] = {
    code: type(f"StorageError{code[4:]}", (LedgerMLError,), {"code": code, "status": status, "title": title})
    for code, (status, title) in _STORAGE_CODES.items()}


class DownloadIncomplete(LedgerMLError):
    """The body ended before its Content-Length: the service stopped at a chunk that failed verification,
    or the connection broke. Nothing of the partial download is kept."""

    code, status, title = "LML-7119", 502, "Download ended before the whole range arrived"


@dataclass(frozen=True)
class Download:
    bytes_written: int
    total_size: int | None
    merkle_root: str | None
    content_range: str | None

    def view(self) -> dict[str, Any]:
        return {"bytes_written": self.bytes_written, "total_size": self.total_size, "merkle_root": self.merkle_root,
                "content_range": self.content_range}


def _path(dataset_id: str, version: str) -> str:
    return f"/datasets/{quote(dataset_id, safe='')}/versions/{quote(version, safe='')}"


def _blocks(source: BinaryIO, progress: Progress | None, total: int | None) -> Iterator[bytes]:
    while block := source.read(BLOCK):
        yield block
        if progress is not None:
            progress(len(block), total)


class StorageClient:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def _http(self, owner_org: str | None) -> Any:
        return self._conn.http(SERVICE, org=owner_org)

    def upload(self, source: Path | str | BinaryIO, dataset_id: str, version: str, *,
               progress: Progress | None = None) -> dict[str, Any]:
        """Stream a file (path or binary file object) as a new version of one of your datasets; returns its
        manifest (merkle_root, size_bytes, chunk_count, ...). Checked first, before a byte of the body is
        sent: an unregistered dataset (LML-7105), another organisation's (LML-7116), a version already
        stored (LML-7102) fail in one small request instead of after the whole file."""
        self._preflight(dataset_id, version)
        with contextlib.ExitStack() as stack:
            stream = source if not isinstance(source, str | Path) else stack.enter_context(Path(source).open("rb"))
            total = _size_of(stream)
            headers = {"content-type": "application/octet-stream"}
            if total is not None:
                headers["content-length"] = str(total)
            response = self._http(None).request("PUT", _path(dataset_id, version),
                                                content=_blocks(stream, progress, total), headers=headers)
            result: dict[str, Any] = response.json()
            return result

    def _preflight(self, dataset_id: str, version: str) -> None:
        """Ask for the version's manifest: only "not stored yet" (LML-7104) lets an upload start. The service
        still decides (a concurrent upload of the same version is refused there, LML-7103/7102)."""
        try:
            self.manifest(dataset_id, version)
        except STORAGE_ERRORS["LML-7104"]:
            return
        raise STORAGE_ERRORS["LML-7102"](f"{dataset_id}@{version} is stored already and versions are immutable; "
                                         "upload under a new version name")

    def download(self, dataset_id: str, version: str, dest: Path | str | BinaryIO, *, owner_org: str | None = None,
                 byte_range: tuple[int, int] | None = None, progress: Progress | None = None) -> Download:
        """Verified plaintext of a version (or of bytes first..last inclusive) into `dest`. `owner_org`: the
        organisation whose storage holds the dataset (default: your own)."""
        headers = {"range": f"bytes={byte_range[0]}-{byte_range[1]}"} if byte_range else {}
        if isinstance(dest, str | Path):
            final = Path(dest)
            partial = final.with_name(final.name + ".partial")
            try:
                with partial.open("wb") as out:
                    result = self._download(dataset_id, version, out, owner_org, headers, progress)
                partial.replace(final)
                return result
            finally:
                partial.unlink(missing_ok=True)
        return self._download(dataset_id, version, dest, owner_org, headers, progress)

    @contextlib.contextmanager
    def _body(self, owner_org: str | None, path: str,
              headers: dict[str, str]) -> Iterator[tuple[Mapping[str, str], Iterator[bytes | memoryview]]]:
        """(headers, body blocks) of a GET: read by the standard library where the service's endpoint is known
        (`bodies`), else through the connection's client for it."""
        url = self._conn.endpoint_url(SERVICE, org=owner_org)
        if url is None:
            with self._http(owner_org).stream("GET", path, headers=headers) as response:
                yield response.headers, response.iter_bytes()
            return
        token = issue_token(self._conn.identity, audience=SERVICE)
        with get_body(url, path, headers={**headers, "authorization": f"Bearer {token}"},
                      timeout_s=self._conn.timeout_s, service=SERVICE) as body:
            yield body.headers, body.blocks()

    def _download(self, dataset_id: str, version: str, out: BinaryIO, owner_org: str | None,
                  headers: dict[str, str], progress: Progress | None) -> Download:
        written, expected = 0, None
        try:
            with self._body(owner_org, _path(dataset_id, version) + "/content", headers) as (answer, blocks):
                expected = int(answer["content-length"]) if "content-length" in answer else None
                for block in blocks:
                    out.write(block)
                    written += len(block)
                    if progress is not None:
                        progress(len(block), expected)
                root, content_range = answer.get("x-ledgerml-merkle-root"), answer.get("content-range")
        except DependencyUnavailable as exc:
            if expected is None:
                raise
            raise self._incomplete(written, expected) from exc
        if expected is not None and written != expected:
            raise self._incomplete(written, expected)
        total = int(content_range.rsplit("/", 1)[1]) if content_range else expected
        return Download(written, total, root, content_range)

    @staticmethod
    def _incomplete(written: int, expected: int) -> DownloadIncomplete:
        return DownloadIncomplete(f"received {written} of {expected} bytes: the storage service stops a download at "
                                  "a chunk that fails verification (see `ledgerml datasets verify`) or the connection "
                                  "broke; nothing was kept")

    def manifest(self, dataset_id: str, version: str, *, owner_org: str | None = None) -> dict[str, Any]:
        """The stored version's manifest (owner organisation and auditors)."""
        result: dict[str, Any] = self._http(owner_org).request("GET", _path(dataset_id, version)).json()
        return result

    def integrity(self, dataset_id: str, version: str, *, owner_org: str | None = None) -> dict[str, Any]:
        """Re-verify every stored chunk of a version: {ok, chunks_ok, chunks_failed, merkle roots}."""
        result: dict[str, Any] = self._http(owner_org).request("GET", _path(dataset_id, version) + "/integrity",
                                                               timeout=None).json()  # verifies every chunk first
        return result


def _size_of(stream: BinaryIO) -> int | None:
    try:
        return os.fstat(stream.fileno()).st_size - stream.tell()
    except (OSError, AttributeError, ValueError):
        try:
            here = stream.seek(0, os.SEEK_CUR)
            end = stream.seek(0, os.SEEK_END)
            stream.seek(here)
            return end - here
        except (OSError, AttributeError, ValueError):
            return None
