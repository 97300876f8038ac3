"""Run a real service app on a free loopback port, in a thread, for integration tests and benchmarks.

The app runs under uvicorn exactly as in production (lifespan, middleware, real HTTP), so a test
talks to it over the network with real tokens, as a partner organisation would.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn
from fastapi import FastAPI


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve_app(app: FastAPI, *, port: int | None = None, ready_timeout_s: float = 30.0) -> Iterator[str]:
    """Yields the base URL once `/healthz` answers; shuts the server down on exit."""
    chosen = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=chosen, log_config=None,
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, name=f"uvicorn-{chosen}", daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{chosen}"
    deadline = time.monotonic() + ready_timeout_s
    try:
        while True:
            if not thread.is_alive():
                raise RuntimeError(f"the app on port {chosen} exited during startup (see the log above)")
            try:
                if server.started and httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"the app on port {chosen} was not healthy within {ready_timeout_s}s")
            time.sleep(0.05)  # poll
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=15)
