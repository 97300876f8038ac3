"""Settings of the ledger→Kafka bridge: `LEDGERML_BRIDGE_*` environment variables.

    LEDGERML_BRIDGE_ORG=org1                    topic prefix: publishes on `org1.ledger`
    LEDGERML_BRIDGE_MSP_ID=Org1MSP
    LEDGERML_BRIDGE_KAFKA_BOOTSTRAP=127.0.0.1:9092
    LEDGERML_BRIDGE_LEDGER_RPC_URL=http://127.0.0.1:26611   this organisation's validator (required)
    LEDGERML_BRIDGE_LEDGER_CHAIN_ID=ledgerml-dev            checked against the node at start
    LEDGERML_BRIDGE_DATA_DIR=var/ledger-bridge              checkpoint.sqlite and status.json
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from ledgerml.shared.settings import ServiceSettings, service_config


class BridgeSettings(ServiceSettings):
    model_config = service_config("LEDGERML_BRIDGE_")

    service_name: str = "ledger-bridge"
    data_dir: Path = Field(default=Path("var/ledger-bridge"), description="checkpoint and status file")
    start_block: int = Field(default=1, ge=1, description="first block to read when there is no checkpoint")
    batch_max: int = Field(default=500, ge=1, le=10_000, description="events per Kafka batch at most")
    retry_max_s: float = Field(default=30.0, gt=0, le=600, description="longest back-off after a failure")
    status_every_s: float = Field(default=2.0, gt=0, le=60, description="status file refresh when idle")
    metrics_port: int | None = Field(default=None, ge=1, le=65535, description="Prometheus /metrics, off if unset")
