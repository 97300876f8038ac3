"""One trace from an HTTP request through a Kafka hop into a consumer's span; consortium identities
from the stack's PKI generator (`ledgerml.stack.pki`) authenticate against the shared verifier."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import pytest
from fastapi import APIRouter, FastAPI, Request
from fastapi.testclient import TestClient
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import Connection, Engine

from ledgerml.shared.errors import WrongOrganisation
from ledgerml.shared.events import Envelope
from ledgerml.shared.events.schemas import TrainingFailed
from ledgerml.shared.identity import Role, TokenVerifier, issue_token, load_identity, load_trust_store
from ledgerml.shared.messaging import IdempotentConsumer, Outbox, OutboxRelay
from ledgerml.shared.messaging.kafka import KafkaEventSource, KafkaPublisher, ensure_topics
from ledgerml.shared.web.app import build_app
from ledgerml.shared.web.auth import Authenticator, CurrentPrincipal
from ledgerml.stack.pki import Consortium, create_consortium

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def consortium(tmp_path_factory: pytest.TempPathFactory) -> Consortium:
    return create_consortium(tmp_path_factory.mktemp("crypto"))


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):  # the global provider can be set once per process
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield exporter
    exporter.shutdown()


def test_stack_identities_authenticate(consortium: Consortium) -> None:
    trust = load_trust_store(consortium.root)
    assert {"OrdererMSP", "Org1MSP", "Org2MSP", "Org3MSP"} <= set(trust.orgs)
    verifier = TokenVerifier(trust, audience="registry")
    for msp_id, name, role in [("Org1MSP", "registry", Role.CLIENT), ("Org2MSP", "Admin", Role.ADMIN),
                               ("Org3MSP", "User1", Role.CLIENT)]:
        files = consortium.orgs[msp_id].identity(name)
        identity = load_identity(msp_id, msp_dir=files.msp_dir)
        principal = verifier.verify(issue_token(identity, audience="registry"))
        assert (principal.org, principal.role) == (msp_id, role)
    org2 = consortium.orgs["Org2MSP"].identity("User1")
    impostor = load_identity("Org1MSP", msp_dir=org2.msp_dir)  # Org2's key claiming to be Org1
    with pytest.raises(WrongOrganisation):
        verifier.verify(issue_token(impostor, audience="registry"))


def test_one_trace_from_http_through_kafka_to_consumer(
    consortium: Consortium, messaging_engine: Engine, kafka_bootstrap: str, unique: str,
    spans: InMemorySpanExporter,
) -> None:
    org = f"trace{unique}"
    ensure_topics(kafka_bootstrap, [f"{org}.training"], partitions=1)
    outbox = Outbox(org=org, service="training")
    router = APIRouter()

    @router.post("/jobs/{job_id}/fail")
    def fail_job(job_id: str, request: Request, principal: CurrentPrincipal) -> dict[str, str]:
        engine: Engine = request.app.state.engine
        with engine.begin() as conn:
            envelope = outbox.add(conn, TrainingFailed(job_id=job_id, reason="oom"), subject=job_id)
        return {"event_id": envelope.id}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.authenticator = Authenticator(trust=load_trust_store(consortium.root), audience="training")
        app.state.engine = messaging_engine
        yield

    identity = load_identity("Org2MSP", msp_dir=consortium.orgs["Org2MSP"].identity("User1").msp_dir)
    app = build_app(service="training", version="0", lifespan=lifespan, routers=[router])
    with TestClient(app) as client:
        response = client.post("/jobs/j1/fail",
                               headers={"Authorization": f"Bearer {issue_token(identity, audience='training')}"})
    assert response.status_code == 200, response.text

    publisher = KafkaPublisher(bootstrap=kafka_bootstrap, client_id="trace-relay", deadline_s=20)
    assert OutboxRelay(engine=messaging_engine, publisher=publisher).publish_pending() == 1
    publisher.close()

    seen: list[str] = []

    def handler(conn: Connection, envelope: Envelope) -> None:
        seen.append(envelope.id)

    source = KafkaEventSource(bootstrap=kafka_bootstrap, group_id=f"g{unique}", topics=[f"{org}.training"],
                              client_id="trace-consumer")
    consumer = IdempotentConsumer(name="audit", engine=messaging_engine, source=source, handler=handler)
    deadline = time.monotonic() + 60
    while not seen and time.monotonic() < deadline:  # poll
        consumer.process_batch(timeout_s=1.0)
    source.close()
    assert seen == [response.json()["event_id"]]

    finished = spans.get_finished_spans()
    server = next(s for s in finished if s.kind is trace.SpanKind.SERVER and "/jobs/" in s.name)
    producer = next(s for s in finished if s.name == f"{org}.training publish")
    consumed = next(s for s in finished if s.name == f"{org}.training process")
    trace_ids = {s.context.trace_id for s in (server, producer, consumed) if s.context}
    assert len(trace_ids) == 1
    assert consumed.parent is not None and producer.context is not None
    assert consumed.parent.span_id == producer.context.span_id
