"""Set up the OpenTelemetry SDK once per process, with a configurable exporter."""

from __future__ import annotations

import threading
from enum import StrEnum
from pathlib import Path
from typing import IO

from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

_lock = threading.Lock()
_configured = False


class TraceExporter(StrEnum):
    NONE = "none"
    CONSOLE = "console"
    FILE = "file"
    OTLP = "otlp"


def _json_line(span: ReadableSpan) -> str:
    return str(span.to_json(indent=None)) + "\n"


def _exporter(kind: TraceExporter, *, file_path: Path | None, otlp_endpoint: str | None) -> SpanExporter | None:
    if kind is TraceExporter.NONE:
        return None
    if kind is TraceExporter.CONSOLE:
        return ConsoleSpanExporter(formatter=_json_line)
    if kind is TraceExporter.FILE:
        if file_path is None:
            raise ValueError("the file trace exporter needs a file path")
        file_path.parent.mkdir(parents=True, exist_ok=True)
        out: IO[str] = file_path.open("a", encoding="utf-8")
        return ConsoleSpanExporter(out=out, formatter=_json_line)
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter(endpoint=otlp_endpoint) if otlp_endpoint else OTLPSpanExporter()


def setup_tracing(
    service_name: str,
    *,
    exporter: TraceExporter = TraceExporter.NONE,
    file_path: Path | None = None,
    otlp_endpoint: str | None = None,
) -> None:
    """Install the global tracer provider unless one is already installed (tests install their own)."""
    global _configured
    with _lock:
        if _configured or isinstance(trace.get_tracer_provider(), TracerProvider):
            _configured = True
            return
        provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
        span_exporter = _exporter(exporter, file_path=file_path, otlp_endpoint=otlp_endpoint)
        if span_exporter is not None:
            provider.add_span_processor(BatchSpanProcessor(span_exporter))
        trace.set_tracer_provider(provider)
        HTTPXClientInstrumentor().instrument()
        _configured = True


def instrument_app(app: FastAPI) -> None:
    # One span per request, none per body piece: a 1 GiB upload or download is thousands of pieces.
    FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz,metrics", exclude_spans=["receive", "send"])
