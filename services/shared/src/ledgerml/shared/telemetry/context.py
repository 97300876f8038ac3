"""W3C trace context carried across Kafka record headers, ledger calls and Ray jobs."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.propagate import extract, inject
from opentelemetry.trace import Span

TX_ID_ATTRIBUTE = "ledger.tx_id"
_tracer = trace.get_tracer("ledgerml.shared.telemetry")


def current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    inject(carrier)
    return carrier.get("traceparent")


def inject_headers(headers: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """Return `headers` with the current trace context replacing any earlier one."""
    carrier: dict[str, str] = {}
    inject(carrier)
    kept = [(k, v) for k, v in headers if k not in carrier]
    return kept + [(k, v.encode()) for k, v in carrier.items()]


def extract_context(headers: list[tuple[str, bytes]]) -> otel_context.Context:
    carrier = {k: v.decode("latin-1") for k, v in headers}
    return extract(carrier)


@contextmanager
def ledger_span(operation: str, *, channel: str, chaincode: str, function: str) -> Iterator[Span]:
    """Span around one ledger call; the Fabric Gateway adapter tags it with `record_tx_id` once the
    transaction id is known, and passes `current_traceparent()` along in the transient map."""
    with _tracer.start_as_current_span(
        f"ledger {operation} {function}",
        kind=trace.SpanKind.CLIENT,
        attributes={"ledger.system": "hyperledger-fabric", "ledger.channel": channel,
                    "ledger.chaincode": chaincode, "ledger.function": function},
    ) as span:
        yield span


def record_tx_id(tx_id: str, span: Span | None = None) -> None:
    (span or trace.get_current_span()).set_attribute(TX_ID_ATTRIBUTE, tx_id)


def ray_job_env() -> dict[str, str]:
    """Env vars for a Ray job submission (`runtime_env={"env_vars": ...}`) carrying the trace."""
    carrier: dict[str, str] = {}
    inject(carrier)
    return {name.upper(): value for name, value in carrier.items()}


def context_from_env(environ: Mapping[str, str] | None = None) -> otel_context.Context:
    """Inside a Ray job: the context the orchestrator passed with `ray_job_env()`."""
    env = os.environ if environ is None else environ
    carrier = {k: env[k.upper()] for k in ("traceparent", "tracestate") if k.upper() in env}
    return extract(carrier)
