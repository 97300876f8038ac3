"""Integration fixtures: access-control instances on real HTTP (uvicorn), the stack's Kafka, real tokens
from a throwaway consortium PKI, and the real projection consumer in a thread."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine

from ledgerml.access_control.consumers import build_consumers
from ledgerml.access_control.main import create_app
from ledgerml.access_control.settings import AccessControlSettings
from ledgerml.stack.pki import Consortium
from ledgerml.stack.serving import serve_app
from ledgerml.stack.testing.kafka import remove_topics
from ledgerml.stack.testing.plugin import Callers

__all__ = ["Callers", "Instance", "Launch"]


@dataclass
class Instance:
    url: str
    settings: AccessControlSettings
    engine: Engine


@pytest.fixture(scope="module")
def callers(consortium: Consortium) -> Callers:
    return Callers(consortium, "access-control")


Launch = Callable[..., Instance]


@pytest.fixture(scope="module")
def launch(tmp_path_factory: pytest.TempPathFactory, consortium: Consortium,
           kafka_bootstrap: str) -> Iterator[Launch]:
    """`launch("Org1MSP")` serves that organisation's access-control on a free port until module end."""
    stack = ExitStack()
    prefixes: list[str] = []

    def _launch(msp_id: str, *, database_url: str | None = None, prefix: str | None = None) -> Instance:
        org = prefix or f"ac{uuid.uuid4().hex[:8]}"
        prefixes.append(org)
        db = database_url or f"sqlite:///{tmp_path_factory.mktemp('db') / 'access.db'}"
        settings = AccessControlSettings(database_url=db, msp_id=msp_id, org=org, msp_root=consortium.root,
                                         kafka_bootstrap=kafka_bootstrap)
        app = create_app(settings)
        url = stack.enter_context(serve_app(app))
        return Instance(url, settings, app.state.engine)

    with stack:
        yield _launch
    for org in prefixes:
        remove_topics(kafka_bootstrap, org)


@contextmanager
def projection_consumer(instance: Instance) -> Iterator[None]:
    """The real consumer (`python -m ledgerml.access_control consume`'s loop) in a thread."""
    consumers = build_consumers(instance.settings, instance.engine)
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            for consumer in consumers:
                consumer.process_batch(timeout_s=0.2)

    thread = threading.Thread(target=loop, name="projection-consumer", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)
        for consumer in consumers:
            consumer.close()


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:8]

