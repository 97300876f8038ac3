"""Typed reads of chaincode records, the CheckAccess authorizer, and which ledger adapter a service builds."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from ledgerml.shared.errors import ConfigurationInvalid, LedgerError, LedgerNotConfigured, LedgerRecordNotFound
from ledgerml.shared.identity import Principal, Role
from ledgerml.shared.ledger import Fn, UnconfiguredLedger
from ledgerml.shared.ledger.cometbft import CometBftLedger
from ledgerml.shared.ledger.queries import (
    CheckAccessAuthorizer,
    check_access,
    get_balance,
    get_dataset,
    get_dataset_version,
    get_model,
    get_training_job,
)
from ledgerml.shared.runtime import build_ledger
from ledgerml.shared.settings import ServiceSettings

from .pki_helpers import make_ca

ZERO = "0001-01-01T00:00:00Z"
JOB = {"schema_version": 2, "job_id": "j1", "consumer": "Org2MSP", "owner": "Org1MSP",
       "inputs": [{"dataset_id": "d1", "version": "v1", "merkle_root": "ab" * 32, "owner": "Org1MSP", "price": 5,
                   "grant_request_id": "r1"}],
       "algorithm": {"name": "logreg", "code_hash": "cd" * 32}, "hyperparameters_hash": "ef" * 32, "deposit": 10,
       "price": 5, "status": "ACCEPTED", "deadline": "2026-12-06T10:00:00Z", "result": None, "failure_reason": "",
       "requested_at": "2026-12-03T10:00:00Z", "updated_at": "2026-12-03T10:01:00Z", "tx_id": "aa" * 32}


class Answers:
    """Evaluations answered from a table of (function, args) -> JSON; anything else is NOT_FOUND."""

    def __init__(self, answers: dict[tuple[str, tuple[str, ...]], object]) -> None:
        self.answers = answers

    def evaluate(self, function: Fn | str, args: Sequence[str]) -> bytes:
        key = (str(function), tuple(args))
        if key not in self.answers:
            raise LedgerRecordNotFound(f"{function}: LML-CC-0002 NOT_FOUND", chaincode_code="LML-CC-0002")
        answer = self.answers[key]
        return answer if isinstance(answer, bytes) else json.dumps(answer).encode()

    def submit(self, function: Fn | str, args: Sequence[str], *, idempotency_key: str | None = None) -> object:
        raise AssertionError("reads only")

    def events(self, *, start_block: int) -> object:
        raise AssertionError("reads only")


def test_records_read_as_the_go_core_writes_them() -> None:
    ledger = Answers({
        ("GetTrainingJob", ("j1",)): JOB,
        ("GetBalance", ("Org3MSP",)): {"schema_version": 0, "org": "Org3MSP", "balance": 0, "updated_at": ZERO,
                                       "tx_id": ""},
        ("GetDatasetVersion", ("d1", "v1")): {"dataset_id": "d1", "version": "v1", "owner": "Org1MSP",
                                              "merkle_root": "ab" * 32, "size_bytes": 10, "chunk_count": 1,
                                              "schema_hash": "", "created_at": ZERO, "tx_id": "t"},
        ("GetDataset", ("d1",)): {"id": "d1", "owner": "Org1MSP", "metadata": "{}", "terms": "", "price_per_job": 5,
                                  "created_at": "2026-12-03T10:00:00Z", "tx_id": "t", "new_field": [1]},
        ("GetModel", ("mh",)): {"model_hash": "mh", "holder": "Org2MSP", "producer": "Org1MSP",
                                "lineage": {**JOB, "inputs": None, "transcript_root": "tr", "metrics_hash": "mm"}},
    })
    job = get_training_job(ledger, "j1")  # type: ignore[arg-type]
    assert job.status == "ACCEPTED" and job.inputs_of("d1", "v1")[0].merkle_root == "ab" * 32
    assert job.algorithm is not None and job.algorithm.name == "logreg" and job.result is None
    assert job.inputs_of("d1", "v9") == ()
    balance = get_balance(ledger, "Org3MSP")  # type: ignore[arg-type]
    assert (balance.org, balance.balance) == ("Org3MSP", 0)
    assert get_dataset_version(ledger, "d1", "v1").merkle_root == "ab" * 32  # type: ignore[arg-type]
    assert get_dataset(ledger, "d1").price_per_job == 5  # type: ignore[arg-type]
    model = get_model(ledger, "mh")  # type: ignore[arg-type]
    assert model.lineage.inputs == () and model.lineage.transcript_root == "tr"
    with pytest.raises(LedgerRecordNotFound):
        get_dataset(ledger, "d2")  # type: ignore[arg-type]


def test_an_answer_that_is_not_the_record_is_a_ledger_error() -> None:
    ledger = Answers({("GetTrainingJob", ("j1",)): {"job": "j1"}, ("GetBalance", ("x",)): b"not json",
                      ("CheckAccess", ("Org2MSP", "d1", "train")): {"allowed": "yes", "reason": "GRANTED"}})
    for read in (lambda: get_training_job(ledger, "j1"), lambda: get_balance(ledger, "x"),  # type: ignore[arg-type]
                 lambda: check_access(ledger, org="Org2MSP", dataset_id="d1", purpose="train")):  # type: ignore[arg-type]
        with pytest.raises(LedgerError) as info:
            read()
        assert info.value.status == 502


def test_check_access_and_the_authorizer() -> None:
    ledger = Answers({("CheckAccess", ("Org2MSP", "d1", "train")): {"allowed": True, "reason": "GRANTED",
                                                                     "request_id": "r1", "compute_only": True},
                      ("CheckAccess", ("Org2MSP", "d1", "download")): {"allowed": False, "reason": "NO_REQUEST"}})
    decision = check_access(ledger, org="Org2MSP", dataset_id="d1", purpose="train")  # type: ignore[arg-type]
    assert decision.allowed and decision.request_id == "r1" and decision.compute_only
    authorizer = CheckAccessAuthorizer(ledger)  # type: ignore[arg-type]
    user = Principal("Org2MSP", Role.CLIENT, "User1@org2")
    assert authorizer.allows(user, action="train", resource="d1")
    assert not authorizer.allows(user, action="download", resource="d1")


def _settings(**values: object) -> ServiceSettings:
    return ServiceSettings(service_name="registry", **values)  # type: ignore[arg-type]


def test_build_ledger_from_settings(tmp_path: Path) -> None:
    assert isinstance(build_ledger(_settings()), UnconfiguredLedger)
    with pytest.raises(LedgerNotConfigured, match="no ledger endpoint"):
        UnconfiguredLedger().evaluate(Fn.GET_SUPPLY, [])
    with pytest.raises(ConfigurationInvalid, match="LEDGER_CHAIN_ID"):
        build_ledger(_settings(ledger_rpc_url="http://127.0.0.1:26611"))
    with pytest.raises(ConfigurationInvalid, match="IDENTITY_MSP_DIR"):
        build_ledger(_settings(ledger_rpc_url="http://127.0.0.1:26611", ledger_chain_id="ledgerml-test"))
    identity = make_ca("Org1MSP", "org1.ledgerml.test").issue("Registry", "client")
    msp = tmp_path / "msp"
    (msp / "signcerts").mkdir(parents=True)
    (msp / "keystore").mkdir()
    (msp / "signcerts" / "cert.pem").write_bytes(identity.certificate.public_bytes(serialization.Encoding.PEM))
    (msp / "keystore" / "priv_sk").write_bytes(identity.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    ledger = build_ledger(_settings(ledger_rpc_url="http://127.0.0.1:26611/", ledger_chain_id="ledgerml-test",
                                    identity_msp_dir=msp, msp_id="Org1MSP", ledger_commit_timeout_s=5))
    assert isinstance(ledger, CometBftLedger)
    assert (ledger.rpc_url, ledger.chain_id, ledger.msp_id) == ("http://127.0.0.1:26611", "ledgerml-test", "Org1MSP")
    ledger.close()


def test_ledger_settings_come_from_the_service_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGERML_LEDGER_RPC_URL", "http://127.0.0.1:26621")
    monkeypatch.setenv("LEDGERML_LEDGER_CHAIN_ID", "ledgerml-dev")
    monkeypatch.setenv("LEDGERML_LEDGER_COMMIT_TIMEOUT_S", "12.5")
    settings = _settings()
    assert (settings.ledger_rpc_url, settings.ledger_chain_id, settings.ledger_commit_timeout_s) == (
        "http://127.0.0.1:26621", "ledgerml-dev", 12.5)
