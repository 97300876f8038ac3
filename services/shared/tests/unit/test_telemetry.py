from __future__ import annotations

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from ledgerml.shared.telemetry.context import (
    TX_ID_ATTRIBUTE,
    context_from_env,
    extract_context,
    inject_headers,
    ledger_span,
    ray_job_env,
    record_tx_id,
)


@pytest.fixture
def spans() -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):  # the global provider can be set once per process
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


def test_kafka_headers_carry_the_trace(spans: InMemorySpanExporter) -> None:
    tracer = trace.get_tracer("test")
    with tracer.start_as_current_span("producer") as producer:
        headers = inject_headers([("ce_id", b"1"), ("traceparent", b"stale")])
    assert [k for k, _ in headers].count("traceparent") == 1
    parent = trace.get_current_span(extract_context(headers)).get_span_context()
    assert parent.trace_id == producer.get_span_context().trace_id


def test_ledger_span_records_tx_id(spans: InMemorySpanExporter) -> None:
    with ledger_span("submit", channel="ledgerml", chaincode="ledgerml", function="GrantAccess"):
        record_tx_id("tx-42")
    finished = [s for s in spans.get_finished_spans() if s.name == "ledger submit GrantAccess"]
    assert finished and finished[-1].attributes is not None
    assert finished[-1].attributes[TX_ID_ATTRIBUTE] == "tx-42"


def test_ray_job_env_round_trips_the_trace(spans: InMemorySpanExporter) -> None:
    with trace.get_tracer("test").start_as_current_span("dispatch") as dispatch:
        env = ray_job_env()
    assert "TRACEPARENT" in env
    inside = trace.get_current_span(context_from_env(env)).get_span_context()
    assert inside.trace_id == dispatch.get_span_context().trace_id
