"""Property-based run over the registry's OpenAPI document (schemathesis): generated requests,
authenticated with a real consortium token, against the app served over HTTP on PostgreSQL. No
response may be a 5xx, and every response must match the documented status codes, media types and
schemas."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from ledgerml.registry.main import create_app
from ledgerml.registry.settings import RegistrySettings
from ledgerml.stack.pki import Consortium
from ledgerml.stack.serving import serve_app
from ledgerml.stack.testing.plugin import Headers, throwaway_postgres

pytestmark = pytest.mark.integration
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
EXAMPLES = 40


@pytest.fixture(scope="module")
def registry_url(consortium: Consortium) -> Iterator[str]:
    with throwaway_postgres() as url:
        config = RegistrySettings(database_url=url, msp_root=consortium.root, msp_id="Org1MSP",
                                  kafka_bootstrap=os.environ.get("LEDGERML_KAFKA_BOOTSTRAP", "127.0.0.1:9"))
        with serve_app(create_app(config)) as base_url:
            yield base_url


def test_registry_api_conforms_to_its_schema(registry_url: str, auth: Headers) -> None:
    # schemathesis's pytest plugin (`parametrize`/`from_fixture`) does not run under pytest 9, so each
    # operation's case strategy is driven by Hypothesis directly.
    schema = schemathesis.openapi.from_url(f"{registry_url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} >= {"POST /datasets", "GET /datasets", "GET /datasets/{dataset_id}",
                                               "GET /models", "GET /models/{model_id}",
                                               "GET /models/{model_id}/verify"}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def conforms(case: Any) -> None:
            case.call_and_validate(headers=auth("Org1MSP"), checks=CHECKS)

        conforms()
