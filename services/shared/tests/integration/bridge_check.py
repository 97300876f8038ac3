"""What a consumer of `<org>.ledger` sees: every record read from real Kafka through the shared
idempotent consumer (the one every service runs), so duplicates are dropped by envelope id exactly as
they would be in a service, and counted."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from kafka import KafkaAdminClient
from sqlalchemy import Connection

from ledgerml.shared.bridge.status import STATUS_FILE, read_status
from ledgerml.shared.events import Envelope
from ledgerml.shared.messaging import IdempotentConsumer
from ledgerml.shared.messaging.kafka import KafkaEventSource, ensure_topics
from ledgerml.shared.persistence import create_db_engine, messaging_metadata

DEADLINE_S = 120.0


class LedgerTopic:
    def __init__(self, *, bootstrap: str, topic: str, db: Path) -> None:
        ensure_topics(bootstrap, [topic])  # as the bridge does: 3 partitions
        self.topic = topic
        self.applied: list[Envelope] = []
        self.duplicates = 0
        self._engine = create_db_engine(f"sqlite:///{db}")
        messaging_metadata.create_all(self._engine)
        group = f"bridge-check-{uuid.uuid4().hex[:8]}"
        self._source = KafkaEventSource(bootstrap=bootstrap, group_id=group, topics=[topic], client_id=group)
        self._consumer = IdempotentConsumer(name="bridge-check", engine=self._engine, source=self._source,
                                            handler=self._apply)

    def _apply(self, conn: Connection, envelope: Envelope) -> None:
        self.applied.append(envelope)

    def read_until(self, done: Callable[[LedgerTopic], bool], *, what: str) -> None:
        deadline = time.monotonic() + DEADLINE_S
        while not done(self):  # poll: each poll returns as soon as records arrive
            if time.monotonic() > deadline:
                raise AssertionError(f"{what}: not seen on {self.topic} within {DEADLINE_S:.0f} s "
                                     f"({len(self.applied)} applied, {self.duplicates} duplicates)")
            self.duplicates += self._consumer.process_batch(timeout_s=0.5).duplicates

    def close(self) -> None:
        self._consumer.close()
        self._engine.dispose()


def delete_topic(bootstrap: str, topic: str) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.delete_topics([topic])
    finally:
        admin.close()


class BridgeProcess:
    """A bridge run as its own OS process, stopped or killed by its pid."""

    def __init__(self, argv: Sequence[str], *, env: Mapping[str, str], data_dir: Path, log: Path) -> None:
        self.data_dir = data_dir
        with log.open("ab") as out:
            self.proc = subprocess.Popen(list(argv), stdin=subprocess.PIPE, stdout=out, stderr=subprocess.STDOUT,
                                         env={**os.environ, **env, "PYTHONUNBUFFERED": "1"})

    def status(self) -> dict[str, object] | None:
        status = read_status(self.data_dir / STATUS_FILE)
        return status if status is not None and status.get("pid") == self.proc.pid else None

    def wait_ready(self) -> None:
        deadline = time.monotonic() + DEADLINE_S
        while not ((status := self.status()) and status.get("ready") is True):
            assert self.proc.poll() is None, f"the bridge exited with {self.proc.returncode} before it was ready"
            assert time.monotonic() < deadline, f"the bridge was not ready within {DEADLINE_S:.0f} s: {status}"
            time.sleep(0.1)  # poll: the status file is rewritten every status interval

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        assert self.proc.wait(timeout=DEADLINE_S) == -signal.SIGKILL

    def close(self) -> None:
        """Test cleanup: a bridge a failed test left running is killed (by its pid)."""
        if self.proc.poll() is None:
            self.kill()

    def terminate(self) -> int:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
        return self.proc.wait(timeout=DEADLINE_S)
