"""The generated names (ledger/contract.py) are exactly chaincode/contract.json's."""

from __future__ import annotations

import json
from pathlib import Path

from ledgerml.shared.ledger import contract, gen
from ledgerml.shared.ledger.contract import EVALUATE_FUNCTIONS, SUBMIT_FUNCTIONS, CCError, Event, Fn

CONTRACT = Path(__file__).resolve().parents[4] / "chaincode" / "contract.json"


def test_the_committed_module_is_fresh() -> None:
    """Fails when chaincode/contract.json changed: run `python -m ledgerml.shared.ledger.gen`."""
    assert gen.CONTRACT == CONTRACT
    assert Path(contract.__file__).read_text() == gen.render_file(CONTRACT), \
        "ledger/contract.py is stale: run python -m ledgerml.shared.ledger.gen"


def test_every_name_of_the_contract_is_a_member() -> None:
    exported = json.loads(CONTRACT.read_text())
    assert [f.value for f in Fn] == [f["name"] for f in exported["functions"]]
    assert {f.value for f in SUBMIT_FUNCTIONS} == {f["name"] for f in exported["functions"] if f["kind"] == "submit"}
    assert SUBMIT_FUNCTIONS | EVALUATE_FUNCTIONS == set(Fn) and not SUBMIT_FUNCTIONS & EVALUATE_FUNCTIONS
    assert [e.value for e in Event] == exported["events"]
    assert {e.name: (e.code, e.description) for e in CCError} == {
        name: (info["code"], info["description"]) for name, info in exported["errors"].items()}
    assert contract.SCHEMA_VERSION == exported["schema_version"]
    assert contract.UPGRADES == {u["name"]: u["schema_version"] for u in exported.get("upgrades") or []}


def test_error_codes_by_number() -> None:
    assert CCError.from_number(4) is CCError.FORBIDDEN_NOT_OWNER and CCError.FORBIDDEN_NOT_OWNER.number == 4
    assert CCError.NOT_FOUND.code == "LML-CC-0002" and CCError.from_number(9999) is None
    assert Fn.GRANT_ACCESS == "GrantAccess" and Fn.GET_DATASET_VERSION == "GetDatasetVersion"
    assert CCError.REPLAYED.code == "LML-CC-0018" and Fn.PROBE == "Probe"


def test_names_and_check_mode(tmp_path: Path) -> None:
    assert gen.constant_name("GetDatasetVersion") == "GET_DATASET_VERSION"
    assert gen.constant_name("ScheduleUpgrade") == "SCHEDULE_UPGRADE" and gen.constant_name("GetTTL") == "GET_TTL"
    extended = json.loads(CONTRACT.read_text())
    extended["functions"].append({"contract": "future", "name": "Frobnicate", "kind": "submit"})
    extended["errors"]["FUTURE_CODE"] = {"code": "LML-CC-0099", "description": "a code yet to come"}
    source, out = tmp_path / "contract.json", tmp_path / "contract.py"
    source.write_text(json.dumps(extended))
    out.write_text(Path(contract.__file__).read_text())
    assert gen.main(["--contract", str(source), "--out", str(out), "--check"]) == 1
    assert gen.main(["--contract", str(source), "--out", str(out)]) == 0
    assert gen.main(["--contract", str(source), "--out", str(out), "--check"]) == 0
    text = out.read_text()
    assert 'FROBNICATE = "Frobnicate"' in text and 'FUTURE_CODE = ("LML-CC-0099", "a code yet to come")' in text
    namespace: dict[str, object] = {}
    exec(compile(text, str(out), "exec"), namespace)  # the rendering is valid Python
