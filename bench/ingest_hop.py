"""The HTTP hop alone: the same uvicorn server stack as the storage service, with an app that does nothing
but take an upload's body (and drop it) or send a download's body (one 8 MiB buffer, repeated). Run in
its own process by `bench.ingest`, it tells what any design that puts a service between the client and
the store pays before a single byte is hashed, encrypted or stored.

`python -m bench.ingest_hop PORT`; PUT /sink (body dropped), GET /source/<bytes>.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

BLOCK = os.urandom(8 * 1024 * 1024)


async def sink(request: Request) -> Response:
    received = 0
    async for piece in request.stream():
        received += len(piece)
    return JSONResponse({"received": received}, status_code=201)


def _repeat(size: int) -> Iterator[bytes | memoryview]:
    view = memoryview(BLOCK)
    while size > 0:
        yield BLOCK if size >= len(BLOCK) else view[:size]
        size -= len(BLOCK)


def source(request: Request) -> Response:
    size = int(request.path_params["size"])
    return StreamingResponse(_repeat(size), headers={"content-length": str(size)},
                             media_type="application/octet-stream")


app = Starlette(routes=[Route("/sink", sink, methods=["PUT"]), Route("/source/{size:int}", source),
                        Route("/healthz", lambda _r: JSONResponse({"ok": True}))])

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_config=None)
