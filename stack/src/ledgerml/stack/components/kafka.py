"""Apache Kafka 4.x, one combined broker+controller in KRaft mode, from Maven Central jars."""

from __future__ import annotations

import base64
import shutil
import socket
import subprocess
import uuid

from ledgerml.stack.components.base import Component
from ledgerml.stack.config import STACK_DIR, cache_dir
from ledgerml.stack.procs import ReadinessError, log_tail, running_pid, spawn, stop, wait_until

JVM_OPTS = ["-Xms256m", "-Xmx512m", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-Djava.awt.headless=true"]

SERVER_PROPERTIES = """process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:{controller}
listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller}
advertised.listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs={data}
num.partitions=3
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=2
"""


class Kafka(Component):
    name = "kafka"

    @property
    def libs(self):  # type: ignore[no-untyped-def]
        return cache_dir() / f"kafka-{self.cfg.versions['KAFKA_VERSION']}" / "libs"

    def ports(self) -> list[int]:
        return [self.cfg.ports["KAFKA_PORT"], self.cfg.ports["KAFKA_CONTROLLER_PORT"]]

    def endpoints(self) -> dict[str, str]:
        return {"LEDGERML_KAFKA_BOOTSTRAP": f"127.0.0.1:{self.cfg.ports['KAFKA_PORT']}"}

    def _java(self, main: str, *args: str) -> list[str]:
        java = shutil.which("java") or "java"
        return [java, *JVM_OPTS, f"-Dlog4j2.configurationFile={STACK_DIR / 'kafka' / 'log4j2.properties'}",
                f"-Dkafka.logs.dir={self.cfg.logs_dir}", "-cp", f"{self.libs}/*", main, *args]

    def _configure(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        props = self.dir / "server.properties"
        props.write_text(SERVER_PROPERTIES.format(
            port=self.cfg.ports["KAFKA_PORT"], controller=self.cfg.ports["KAFKA_CONTROLLER_PORT"],
            data=self.dir / "data"))
        if not (self.dir / "data" / "meta.properties").exists():
            cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
            done = subprocess.run(  # noqa: S603
                self._java("kafka.tools.StorageTool", "format", "--standalone", "--cluster-id", cluster_id,
                           "--config", str(props), "--ignore-formatted"),
                capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise ReadinessError(f"kafka: storage format failed:\n{done.stdout}\n{done.stderr}")

    def start(self) -> None:
        if running_pid(self.pid_file) is None:
            if not self.libs.is_dir():
                raise ReadinessError(f"kafka: jars missing in {self.libs}; run `make install`")
            self._configure()
            spawn(self._java("kafka.Kafka", str(self.dir / "server.properties")),
                  pid_file=self.pid_file, log=self.log)
        wait_until(self._port_open, what="kafka listener", timeout_s=90, log=self.log, pid_file=self.pid_file)
        wait_until(self.ready, what="kafka produce/ack probe", timeout_s=90, log=self.log,
                   pid_file=self.pid_file)

    def _port_open(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.cfg.ports["KAFKA_PORT"]), timeout=1):
                return True
        except OSError:
            return False

    def ready(self) -> bool:
        """An idempotent producer gets an acks=all acknowledgement from the broker."""
        if not self._port_open():
            return False
        from kafka import KafkaProducer
        from kafka.errors import KafkaError

        try:
            producer = KafkaProducer(bootstrap_servers=self.endpoints()["LEDGERML_KAFKA_BOOTSTRAP"],
                                     acks="all", enable_idempotence=True, request_timeout_ms=5000,
                                     max_block_ms=5000)
        except KafkaError:
            return False
        try:
            producer.send("_ledgerml.stack.probe", b"ready").get(timeout=10)
            return True
        except KafkaError:
            return False
        finally:
            producer.close(timeout=2)

    def stop(self) -> bool:
        return stop(self.pid_file, grace_s=30)

    def diagnose(self) -> str:
        return log_tail(self.log)
