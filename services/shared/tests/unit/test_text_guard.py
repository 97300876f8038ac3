"""NUL characters are refused at the door (422 LML-1000), on every backend alike; other text passes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.testclient import TestClient

from ledgerml.shared.web.problems import install_problem_handlers
from ledgerml.shared.web.text_guard import refuse_nul_characters

router = APIRouter()


@router.post("/things/{name}")
def create(name: str, body: dict[str, Any], q: str | None = None) -> dict[str, Any]:
    return {"name": name, "body": body, "q": q}


def _client() -> TestClient:
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(router, dependencies=[Depends(refuse_nul_characters)])
    return TestClient(app)


def test_a_nul_in_a_json_string_or_key_is_refused_with_a_coded_422() -> None:
    client = _client()
    for body in ({"terms": "a\x00b"}, {"nested": [{"x\x00": 1}]}):
        answer = client.post("/things/t", json=body)
        assert answer.status_code == 422 and answer.json()["code"] == "LML-1000"
        assert "NUL (U+0000)" in answer.json()["detail"]


def test_a_nul_in_a_query_or_path_parameter_is_refused() -> None:
    client = _client()
    assert client.post("/things/t", params={"q": "x\x00"}, json={}).json()["detail"].startswith("parameter(s) q")
    assert client.post("/things/a%00b", json={}).status_code == 422


def test_other_text_including_an_escaped_backslash_u0000_passes() -> None:
    client = _client()
    literal = "\\u0000 is how JSON writes NUL"  # a backslash, then 'u0000': no NUL character
    answer = client.post("/things/t", json={"terms": literal, "name": "ünïcødé"})
    assert answer.status_code == 200 and answer.json()["body"]["terms"] == literal
