"""Org2's training service served over real HTTP on the stack's PostgreSQL and Kafka, driven through the
SDK as Org2's user and by Org1's training identity as a partner: requests are validated before any
ledger write, answered 202 with the ledger write's honest status, and every ledger-backed read refuses."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from ledgerml.client import LedgerML
from ledgerml.client.connection import connect
from ledgerml.client.training import dataset_ref
from ledgerml.shared.errors import DependencyUnavailable, LedgerMLError
from ledgerml.shared.identity import load_identity
from ledgerml.shared.ledger import UnconfiguredLedger
from ledgerml.shared.ledgerwrites import LedgerWriteRelay
from ledgerml.shared.persistence import create_db_engine
from ledgerml.stack.pki import Consortium, create_consortium
from ledgerml.stack.serving import serve_app
from ledgerml.training.adapters.partners import PartnerTrainingServices
from ledgerml.training.main import create_app
from ledgerml.training.settings import TrainingSettings

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[4]


@pytest.fixture
def served(tmp_path: Path, fresh_postgres: str) -> Iterator[tuple[str, Consortium]]:
    consortium = create_consortium(tmp_path / "crypto")
    settings = TrainingSettings(database_url=fresh_postgres, kafka_bootstrap=os.environ["LEDGERML_KAFKA_BOOTSTRAP"],
                                msp_root=consortium.root, msp_id="Org2MSP", org=f"t{uuid.uuid4().hex[:8]}",
                                catalog_dir=REPO / "ray_jobs", worker_enabled=False,
                                identity_msp_dir=consortium.orgs["Org2MSP"].identity("training").msp_dir)
    with serve_app(create_app(settings)) as url:
        yield url, consortium


def test_request_over_http_stays_pending_on_the_unconfigured_ledger(served: tuple[str, Consortium],
                                                                    fresh_postgres: str) -> None:
    url, consortium = served
    sdk = LedgerML(connect("org2", pki_root=consortium.root, endpoints={"Org2MSP": {"training-orchestrator": url}}))
    (algorithm,) = sdk.training.algorithms()
    datasets = [dataset_ref("bc-train@v1:org1")]
    with pytest.raises(LedgerMLError) as refused:
        sdk.training.submit(datasets=datasets, algorithm="tabular_classifier", deposit=10,
                            hyperparameters={"epochs": 0}, job_id="job-bad")
    assert refused.value.code == "LML-7402"
    job = sdk.training.submit(datasets=datasets, algorithm="tabular_classifier", deposit=10, job_id="job-1",
                              hyperparameters={"epochs": 3}, algorithm_code_hash=algorithm["code_hash"])
    assert (job["state"], job["ledger"]["state"]) == ("requested", "pending")

    engine = create_db_engine(fresh_postgres)  # the relay process, with the only ledger adapter there is
    LedgerWriteRelay(engine=engine, ledger=UnconfiguredLedger()).submit_pending()
    with engine.connect() as conn:
        functions = conn.execute(text("SELECT function FROM lml_ledger_writes")).scalars().all()
    engine.dispose()
    assert functions == ["RequestTraining"]  # the refused request wrote nothing
    status = sdk.training.status("job-1")
    assert status["ledger"]["error_code"] == "LML-5004" and "LML-5004" in status["note"]

    owner = load_identity("Org1MSP", msp_dir=consortium.orgs["Org1MSP"].identity("training").msp_dir)
    partner = PartnerTrainingServices(urls={"Org2MSP": url}, identity=owner)
    spec = partner.job("Org2MSP", "job-1")  # the data owner reads the hyperparameters it must run
    assert spec["hyperparameters"]["epochs"] == 3 and spec["hyperparameters_hash"] == job["hyperparameters_hash"]
    assert partner.progress("Org2MSP", "job-1")["epochs"] == []
    partner.close()

    assert sdk.training.curve("job-1").startswith(b"\x89PNG")
    assert sdk.training.cancel("job-1")["state"] == "cancelling"
    with pytest.raises(DependencyUnavailable, match="no ledger endpoint"):
        sdk.training.credits()
    sdk.close()

