"""Composition root of `python -m ledgerml.shared.bridge`: one process per organisation, following that
organisation's own validator and publishing on `<org>.ledger` until SIGTERM/SIGINT."""

from __future__ import annotations

import logging
import signal
import threading

from prometheus_client import start_http_server

from ledgerml.shared.bridge.bridge import Backoff, LedgerBridge
from ledgerml.shared.bridge.checkpoint import Checkpoint
from ledgerml.shared.bridge.feed import ValidatorFeed
from ledgerml.shared.bridge.settings import BridgeSettings
from ledgerml.shared.bridge.status import CHECKPOINT_FILE, STATUS_FILE, BridgeStatus, StatusFile
from ledgerml.shared.errors import ConfigurationInvalid, DependencyUnavailable
from ledgerml.shared.events import topic_for
from ledgerml.shared.messaging import EventPublisher
from ledgerml.shared.messaging.kafka import KafkaPublisher, ensure_topics
from ledgerml.shared.telemetry.logs import configure_logging
from ledgerml.shared.telemetry.tracing import setup_tracing

log = logging.getLogger(__name__)


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    return stop


def kafka_publishers(settings: BridgeSettings) -> EventPublisher:
    """A fresh idempotent producer (acks=all), after making sure the topic exists."""
    ensure_topics(settings.kafka_bootstrap, [topic_for(settings.org, "ledger")])
    return KafkaPublisher(bootstrap=settings.kafka_bootstrap, client_id=f"{settings.org}-{settings.service_name}")


def _wait_for_chain(feed: ValidatorFeed, status: StatusFile, org: str, stop: threading.Event,
                    retry_max_s: float) -> str | None:
    """The chain's identity, once the validator answers; one serving another chain id is a
    configuration error. None when stopped first."""
    backoff = Backoff(first_s=min(0.5, retry_max_s), max_s=retry_max_s)
    while not stop.is_set():
        try:
            feed.check_chain()
            return feed.chain_identity()
        except DependencyUnavailable as exc:
            status.write(BridgeStatus(org=org, state="retrying", error=f"ledger: {exc.code}"))
            log.warning("ledger not reachable yet", extra={"dependency": "ledger", "code": exc.code})
            stop.wait(backoff.next())  # poll: back off until the validator answers
    return None


def run(settings: BridgeSettings, stop: threading.Event) -> None:
    if not settings.ledger_rpc_url:
        raise ConfigurationInvalid("set LEDGERML_BRIDGE_LEDGER_RPC_URL to this organisation's validator")
    status = StatusFile(settings.data_dir / STATUS_FILE)
    feed = ValidatorFeed(rpc_url=settings.ledger_rpc_url, chain_id=settings.ledger_chain_id)
    checkpoint = Checkpoint(settings.data_dir / CHECKPOINT_FILE)
    try:
        chain = _wait_for_chain(feed, status, settings.org, stop, settings.retry_max_s)
        if chain is not None and checkpoint.bind(chain):
            log.warning("the ledger is a new chain: following it from its first block", extra={"org": settings.org})
        bridge = LedgerBridge(org=settings.org, ledger=feed, publishers=lambda: kafka_publishers(settings),
                              checkpoint=checkpoint, status=status, head=feed.latest_height,
                              start_block=settings.start_block, batch_max=settings.batch_max,
                              retry_max_s=settings.retry_max_s, status_every_s=settings.status_every_s)
        log.info("bridge starting", extra={"org": settings.org, "block": bridge.position.height,
                                           "sequence": bridge.position.sequence})
        bridge.run(stop)
    finally:
        checkpoint.close()
        feed.close()


def main() -> None:
    settings = BridgeSettings()
    # as `runtime.start_process`, without loading the web and database stack the bridge does not use
    configure_logging(settings.service_name, settings.log_level)
    setup_tracing(settings.service_name, exporter=settings.trace_exporter, file_path=settings.trace_file,
                  otlp_endpoint=settings.otlp_endpoint)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per RPC call, several a second, says nothing
    if settings.metrics_port is not None:
        start_http_server(settings.metrics_port, addr=settings.host)
    run(settings, _stop_on_signals())
