"""mTLS for uvicorn: expose the verified peer certificate through the ASGI `tls` extension.

uvicorn verifies the client certificate during the handshake (`ssl_cert_reqs=CERT_REQUIRED`,
`ssl_ca_certs` = the MSP root bundle) but does not publish it to the app; this protocol does, per
connection, so the principal comes from the TLS layer itself and never from a forwarded header.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol


class _TlsExtensionApp:
    def __init__(self, app: Any, chain_pem: list[str]) -> None:
        self._app = app
        self._chain = chain_pem

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket"):
            extensions = dict(scope.get("extensions") or {})
            extensions["tls"] = {"client_cert_chain": self._chain, "client_cert_error": None}
            scope = {**scope, "extensions": extensions}
        await self._app(scope, receive, send)


class MutualTlsH11Protocol(H11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        ssl_object = transport.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        if der:
            self.app = _TlsExtensionApp(self.app, [ssl.DER_cert_to_PEM_cert(der)])
