"""mTLS end to end: uvicorn verifies the client's MSP certificate in the handshake and the principal
comes from the ASGI tls extension, never from a header."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import httpx
import pytest
import uvicorn
from fastapi import APIRouter, FastAPI

from ledgerml.shared.identity import load_trust_store
from ledgerml.shared.web.app import build_app
from ledgerml.shared.web.auth import Authenticator, CurrentPrincipal
from ledgerml.shared.web.tls import MutualTlsH11Protocol
from ledgerml.stack.pki import Consortium, create_consortium

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def consortium(tmp_path_factory: pytest.TempPathFactory) -> Consortium:
    return create_consortium(tmp_path_factory.mktemp("crypto"))


@pytest.fixture(scope="module")
def server(consortium: Consortium, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    trust = load_trust_store(consortium.root)
    bundle = tmp_path_factory.mktemp("tls") / "roots.pem"
    bundle.write_bytes(trust.all_roots_pem())
    router = APIRouter()

    @router.get("/whoami")
    def whoami(principal: CurrentPrincipal) -> dict[str, str]:
        return {"org": principal.org, "role": principal.role, "subject": principal.subject}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.authenticator = Authenticator(trust=trust, audience="storage")
        yield

    tls = consortium.orgs["Org1MSP"].org_dir / "peers" / "peer0.org1.ledgerml.test" / "tls"
    port = _free_port()
    config = uvicorn.Config(build_app(service="storage", version="0", lifespan=lifespan, routers=[router]),
                            host="127.0.0.1", port=port, http=MutualTlsH11Protocol, log_config=None,
                            ssl_certfile=str(tls / "server.crt"), ssl_keyfile=str(tls / "server.key"),
                            ssl_ca_certs=str(bundle), ssl_cert_reqs=ssl.CERT_REQUIRED)
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not instance.started and time.monotonic() < deadline:  # poll
        thread.join(0.05)
    assert instance.started
    yield f"https://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(30)


def _client(consortium: Consortium, msp_id: str | None) -> httpx.Client:
    context = ssl.create_default_context(
        cafile=str(consortium.orgs["Org1MSP"].org_dir / "tlsca" / "tlsca.org1.ledgerml.test-cert.pem"))
    if msp_id:
        files = consortium.orgs[msp_id].identity("User1")
        context.load_cert_chain(files.cert_path, files.key_path)
    return httpx.Client(verify=context)


def test_principal_from_verified_client_certificate(consortium: Consortium, server: str) -> None:
    with _client(consortium, "Org2MSP") as client:
        response = client.get(f"{server}/whoami", headers={"X-Client-Cert": "ignored"})
    assert response.json() == {"org": "Org2MSP", "role": "client", "subject": "User1@org2.ledgerml.test"}


def test_handshake_refused_without_client_certificate(consortium: Consortium, server: str) -> None:
    with _client(consortium, None) as client, pytest.raises(httpx.TransportError):
        client.get(f"{server}/healthz")
