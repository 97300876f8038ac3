"""The HTTP surface of Org2's training service (in-process, SQLite, real tokens): coded 4xx before any
ledger write, 202 with the honest ledger status, authorisation, and ledger reads failing closed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from ledgerml.shared.identity import issue_token, load_identity
from ledgerml.shared.ledger import UnconfiguredLedger
from ledgerml.shared.ledgerwrites import LedgerWriteRelay
from ledgerml.stack.pki import Consortium, create_consortium
from ledgerml.training.main import create_app
from ledgerml.training.settings import TrainingSettings

from .conftest import REPO

BODY: dict[str, Any] = {"job_id": "job-1", "datasets": [{"dataset_id": "bc-train", "version": "v1",
                                                         "owner_org": "Org1MSP"}],
                        "algorithm": "tabular_classifier", "hyperparameters": {"epochs": 5}, "deposit": 10}


@pytest.fixture(scope="module")
def consortium(tmp_path_factory: pytest.TempPathFactory) -> Consortium:
    return create_consortium(tmp_path_factory.mktemp("pki") / "crypto")


def headers(consortium: Consortium, msp_id: str, name: str = "User1") -> dict[str, str]:
    identity = load_identity(msp_id, msp_dir=consortium.orgs[msp_id].identity(name).msp_dir)
    return {"authorization": f"Bearer {issue_token(identity, audience='training-orchestrator')}"}


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'training.db'}"


@pytest.fixture
def client(consortium: Consortium, db_url: str) -> Iterator[TestClient]:
    settings = TrainingSettings(database_url=db_url, msp_root=consortium.root, msp_id="Org2MSP", org="org2",
                                catalog_dir=REPO / "ray_jobs",
                                identity_msp_dir=consortium.orgs["Org2MSP"].identity("training").msp_dir)
    with TestClient(create_app(settings)) as test_client:
        test_client.headers.update(headers(consortium, "Org2MSP"))
        yield test_client


def ledger_writes(db_url: str) -> int:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        count = int(conn.execute(text("SELECT count(*) FROM lml_ledger_writes")).scalar_one())
    engine.dispose()
    return count


def test_request_answers_202_and_says_the_ledger_write_is_pending(client: TestClient, db_url: str) -> None:
    response = client.post("/jobs", json=BODY)
    assert response.status_code == 202, response.text
    view = response.json()
    assert (view["state"], view["role"], view["owner_org"]) == ("requested", "consumer", "Org1MSP")
    assert view["ledger"]["state"] == "pending" and view["ledger_writes"][0]["function"] == "RequestTraining"
    engine = create_engine(db_url)  # the relay, as `python -m ledgerml.training relay` runs it today
    LedgerWriteRelay(engine=engine, ledger=UnconfiguredLedger()).submit_pending()
    engine.dispose()
    view = client.get("/jobs/job-1").json()
    assert view["ledger"]["error_code"] == "LML-5004" and "LML-5004" in view["note"]


@pytest.mark.parametrize(("change", "code"), [
    ({"algorithm": "nope"}, "LML-7400"),
    ({"algorithm_code_hash": "0" * 64}, "LML-7401"),
    ({"hyperparameters": {"epochs": -1}}, "LML-7402"),
    ({"deposit": 0}, "LML-7403"),
    ({"deposit": "10"}, "LML-1000"),
    ({"datasets": [{"dataset_id": "bc-train", "version": "v1", "owner_org": "Org2MSP"}]}, "LML-7408"),
    ({"job_id": "Bad Id"}, "LML-7411"),
])
def test_bad_requests_get_a_coded_4xx_and_no_ledger_write(client: TestClient, db_url: str, change: dict[str, Any],
                                                          code: str) -> None:
    response = client.post("/jobs", json=BODY | change)
    assert response.status_code == 422 and response.json()["code"] == code, response.text
    assert ledger_writes(db_url) == 0


def test_who_may_see_and_change_a_job(client: TestClient, consortium: Consortium) -> None:
    assert client.post("/jobs", json=BODY).status_code == 202
    assert client.post("/jobs", json=BODY).json()["code"] == "LML-7410"
    owner, auditor = headers(consortium, "Org1MSP"), headers(consortium, "Org3MSP")
    assert client.get("/jobs/job-1", headers=owner).json()["hyperparameters"]["epochs"] == 5  # owner reads spec
    assert client.get("/jobs/job-1", headers=auditor).status_code == 200
    assert client.post("/jobs/job-1/cancel", headers=auditor).json()["code"] == "LML-3002"
    assert client.post("/jobs/job-1/cancel", headers=owner).status_code == 403
    assert client.post("/jobs", json=BODY | {"job_id": "job-2"}, headers=owner).status_code == 403
    other = BODY | {"job_id": "job-3", "datasets": [{"dataset_id": "x-1", "version": "v1", "owner_org": "Org3MSP"}]}
    assert client.post("/jobs", json=other).status_code == 202
    assert client.get("/jobs/job-3", headers=owner).json()["code"] == "LML-7404"
    assert client.get("/jobs/job-1", headers={"authorization": ""}).status_code == 401


def test_cancel_before_acceptance(client: TestClient) -> None:
    client.post("/jobs", json=BODY)
    response = client.post("/jobs/job-1/cancel")
    assert response.status_code == 202 and response.json()["state"] == "cancelling"
    assert [w["function"] for w in response.json()["ledger_writes"]] == ["RequestTraining", "CancelTraining"]
    assert client.post("/jobs/job-1/cancel").json()["code"] == "LML-7405"


def test_progress_curve_and_model_of_a_job_not_yet_run(client: TestClient) -> None:
    client.post("/jobs", json=BODY)
    progress = client.get("/jobs/job-1/progress").json()
    assert (progress["epochs"], progress["total_epochs"], progress["state"]) == ([], 5, "requested")
    curve = client.get("/jobs/job-1/curve.png")
    assert curve.status_code == 200 and curve.headers["content-type"] == "image/png"
    assert curve.content.startswith(b"\x89PNG")
    assert client.get("/jobs/job-1/model").json()["code"] == "LML-7406"


def test_algorithms_and_credits(client: TestClient) -> None:
    (algorithm,) = client.get("/algorithms").json()["items"]
    assert algorithm["name"] == "tabular_classifier" and len(algorithm["code_hash"]) == 64
    response = client.get("/credits/Org2MSP")
    assert response.status_code == 503 and response.json()["code"] == "LML-5004" and "retry-after" in response.headers
    assert client.get("/credits/Org1MSP").status_code == 403
