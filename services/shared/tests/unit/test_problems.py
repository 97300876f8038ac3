from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from ledgerml.shared import errors
from ledgerml.shared.web.problems import PROBLEM_JSON, install_problem_handlers


class Body(BaseModel):
    name: str = Field(min_length=1)
    size: int = Field(ge=0)


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/raise/{name}")
    def raise_error(name: str) -> None:
        match name:
            case "not-found":
                raise errors.NotFound("dataset d1 does not exist")
            case "owner":
                raise errors.NotOwnerOrganisation("only Org1MSP may change d1")
            case "kafka":
                raise errors.DependencyUnavailable(dependency="kafka", retry_after_s=7)
            case "ledger":
                raise errors.LedgerEndorsementFailed("policy not satisfied", tx_id="abc123")
            case _:
                raise RuntimeError("secret connection string postgres://u:pw@h/db")

    @app.post("/items")
    def create(body: Body) -> Body:
        return body

    return app


client = TestClient(_app(), raise_server_exceptions=False)


def test_domain_error_becomes_problem_json() -> None:
    response = client.get("/raise/not-found")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["code"] == "LML-1004" and body["title"] == "Not found" and body["status"] == 404
    assert body["detail"] == "dataset d1 does not exist" and body["instance"] == "/raise/not-found"
    assert body["type"].endswith("LML-1004") and "trace_id" in body


def test_each_class_keeps_its_status_and_code() -> None:
    assert (client.get("/raise/owner").status_code, client.get("/raise/owner").json()["code"]) == (403,
                                                                                                  "LML-3001")
    ledger = client.get("/raise/ledger").json()
    assert ledger["status"] == 409 and ledger["code"] == "LML-6001" and ledger["tx_id"] == "abc123"


def test_dependency_unavailable_is_503_with_retry_after() -> None:
    response = client.get("/raise/kafka")
    assert response.status_code == 503 and response.headers["retry-after"] == "7"
    assert response.json()["code"] == "LML-5003"


def test_unknown_exception_is_500_without_internals() -> None:
    response = client.get("/raise/boom")
    assert response.status_code == 500 and response.headers["content-type"] == PROBLEM_JSON
    text = response.text
    assert "RuntimeError" not in text and "pw@" not in text and "Traceback" not in text
    assert response.json()["code"] == "LML-0000"


def test_validation_errors_name_each_field() -> None:
    response = client.post("/items", json={"name": "", "size": -1})
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["code"] == "LML-1000"
    fields = {e["field"]: e["message"] for e in body["errors"]}
    assert set(fields) == {"body.name", "body.size"}
    assert "at least 1" in fields["body.name"] and "greater than or equal to 0" in fields["body.size"]


def test_malformed_json_is_422_not_500() -> None:
    response = client.post("/items", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422 and response.json()["code"] == "LML-1000"


def test_unknown_route_is_problem_json() -> None:
    response = client.get("/nowhere")
    assert response.status_code == 404 and response.json()["code"] == "LML-1004"


def test_every_error_code_is_unique_and_documented() -> None:
    from pathlib import Path

    def walk(cls: type[errors.LedgerMLError]) -> list[type[errors.LedgerMLError]]:
        return [cls, *(c for sub in cls.__subclasses__() for c in walk(sub))]

    # Only the shared classes: services and the SDK document theirs in their own ERRORS.md, and the peer
    # client creates classes for other services' codes at run time.
    # A class under two bases (LedgerRecordNotFound is a LedgerRejected and a NotFound) is walked twice.
    classes = [c for c in dict.fromkeys(walk(errors.LedgerMLError)) if c.__module__ == errors.__name__]
    codes = [c.code for c in classes]
    assert len(codes) == len(set(codes))
    table = (Path(__file__).resolve().parents[2] / "ERRORS.md").read_text()
    assert all(f"`{code}`" in table for code in codes), [c for c in codes if f"`{c}`" not in table]
