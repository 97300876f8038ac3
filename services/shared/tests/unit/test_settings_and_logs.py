from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest
from pydantic import ValidationError

from ledgerml.shared.events import Envelope, EventType
from ledgerml.shared.settings import ServiceSettings, service_config
from ledgerml.shared.telemetry.logs import JsonFormatter

from .samples import SAMPLES


class DemoSettings(ServiceSettings):
    model_config = service_config("LEDGERML_DEMO_")
    service_name: str = "demo"


def test_env_prefix_per_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGERML_DEMO_KAFKA_BOOTSTRAP", "127.0.0.1:1")
    monkeypatch.setenv("LEDGERML_OTHER_KAFKA_BOOTSTRAP", "127.0.0.1:2")
    settings = DemoSettings()
    assert settings.kafka_bootstrap == "127.0.0.1:1"
    assert settings.database_url_value == "sqlite:///var/demo.db"


@pytest.mark.parametrize("url", ["postgresql+psycopg://lml:changeme@db/lml", "postgresql+psycopg://lml:@db/x"])
def test_placeholder_secrets_refused_outside_development(url: str) -> None:
    with pytest.raises(ValidationError, match="placeholder"):
        DemoSettings(environment="production", database_url=url)
    assert DemoSettings(environment="development", database_url=url).database_url_value == url


def test_real_secret_accepted_and_never_printed() -> None:
    settings = DemoSettings(environment="production", database_url="postgresql+psycopg://lml:s3cr3t-x@db/lml")
    assert "s3cr3t" not in repr(settings) and "s3cr3t" not in settings.model_dump_json()


def test_secret_files_are_read(tmp_path: Path) -> None:
    (tmp_path / "ledgerml_demo_database_url").write_text("sqlite:///from-file.db")
    settings = DemoSettings(_secrets_dir=tmp_path)  # type: ignore[call-arg]
    assert settings.database_url_value == "sqlite:///from-file.db"


def test_event_log_record_carries_metadata_not_data() -> None:
    envelope = Envelope.wrap(SAMPLES[EventType.ACCESS_GRANT_DENIED], source="org1/access-control",
                             subject="r1", sequence=4)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("access-control"))
    logger = logging.getLogger("test.events")
    logger.addHandler(handler)
    try:
        logger.warning("event applied", extra={**envelope.describe(), "data": envelope.data.model_dump(),
                                               "payload": envelope.to_json(), "token": "ey.secret"})
    finally:
        logger.removeHandler(handler)
    line = json.loads(stream.getvalue())
    assert line["event_id"] == envelope.id and line["event_type"] == "ledgerml.access.grant.denied.v1"
    text = stream.getvalue()
    assert "Org2MSP" not in text and "tx3" not in text and "ey.secret" not in text
