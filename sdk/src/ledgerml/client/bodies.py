"""Large response bodies read with the standard library's HTTP client: it reads straight into one reused
1 MiB buffer (`readinto`), where httpx hands a body out in 64 KiB pieces through its parser, about half
the throughput on loopback in our measurements (bench/README.md, ingest). Used for download bodies
only; every other call goes through `ServiceClient` (httpx), and problems keep their codes the same way."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from urllib.parse import urlsplit

import httpx

from ledgerml.shared.errors import DependencyUnavailable
from ledgerml.shared.web.client import error_from_problem

BLOCK = 1024 * 1024


class Body:
    def __init__(self, response: http.client.HTTPResponse, service: str) -> None:
        self._response, self._service = response, service
        self.headers: Mapping[str, str] = {k.lower(): v for k, v in response.getheaders()}

    def blocks(self) -> Iterator[memoryview]:
        """The body in blocks of one reused buffer: each is valid until the next is asked for (what
        `BinaryIO.write` may assume). A body that ends short of its length raises `DependencyUnavailable`."""
        view = memoryview(bytearray(BLOCK))
        while True:
            try:
                n = self._response.readinto(view)
            except (OSError, http.client.HTTPException) as exc:
                raise DependencyUnavailable(f"{self._service}: {type(exc).__name__}",
                                            dependency=self._service) from exc
            if not n:
                return
            yield view[:n]


@contextmanager
def get_body(base_url: str, path: str, *, headers: Mapping[str, str], timeout_s: float,
             service: str) -> Iterator[Body]:
    """GET `path` under `base_url`; a problem answer raises the service's coded error."""
    url = urlsplit(base_url)
    if url.scheme == "https":  # the same trust store as the httpx clients
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            url.hostname or "", url.port, timeout=timeout_s, context=httpx.create_ssl_context())
    else:
        conn = http.client.HTTPConnection(url.hostname or "", url.port, timeout=timeout_s)
    try:
        try:
            conn.request("GET", url.path.rstrip("/") + path, headers=dict(headers))
            response = conn.getresponse()
            if response.status >= 400:
                raw = response.read()
        except (OSError, http.client.HTTPException) as exc:
            raise DependencyUnavailable(f"{service}: {type(exc).__name__}", dependency=service) from exc
        if response.status >= 400:
            try:
                problem = json.loads(raw)
            except ValueError:
                problem = {}
            raise error_from_problem(response.status, problem if isinstance(problem, dict) else {}, service=service)
        yield Body(response, service)
    finally:
        conn.close()
