"""Storage integration fixtures: the same tests run against MinIO (with SQLite) and versitygw (with the
stack's PostgreSQL), each with real registry and access-control apps of the same organisation."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledgerml.stack.pki import Consortium
from ledgerml.stack.testing.plugin import throwaway_postgres

from .deployment import Deployment, S3Server, deploy


@pytest.fixture(scope="module", params=["minio", "versitygw"])
def s3(request: pytest.FixtureRequest, stack_env: dict[str, str]) -> S3Server:
    if f"{'LEDGERML_S3B' if request.param == 'versitygw' else 'LEDGERML_S3'}_ENDPOINT" not in os.environ:
        pytest.fail(f"{request.param} is not in the stack env: `python -m ledgerml.stack up --profile test`",
                    pytrace=False)
    return S3Server.from_env(request.param)


@pytest.fixture(scope="module")
def deployment(s3: S3Server, consortium: Consortium, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    root: Path = tmp_path_factory.mktemp(f"storage-{s3.name}")
    if s3.name == "minio":
        with deploy(consortium, s3, root, f"sqlite:///{root / 'storage.db'}") as deployed:
            yield deployed
        return
    with throwaway_postgres() as database_url, deploy(consortium, s3, root, database_url) as deployed:
        yield deployed


@pytest.fixture
def dataset_id(deployment: Deployment) -> str:
    """A fresh dataset registered by Org1 at its registry."""
    name = f"ds-{uuid.uuid4().hex[:10]}"
    deployment.register(name)
    return name
