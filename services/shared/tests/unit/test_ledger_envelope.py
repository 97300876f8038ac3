"""Signed transaction bytes (docs/decisions/0003): verifiable, deterministic, within the contract's limits."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from ledgerml.shared.ledger.envelope import (
    MAX_ARGS,
    EnvelopeError,
    build_tx,
    nonce_for,
    open_tx,
    random_nonce,
    tx_id,
)

from .pki_helpers import make_ca

ORG1 = make_ca("Org1MSP", "org1.ledgerml.test")
ORG2 = make_ca("Org2MSP", "org2.ledgerml.test")
ALICE = ORG1.issue("Alice", "client")
ADMIN2 = ORG2.issue("Admin", "admin")


def _tx(*, nonce: str | None = None, args: list[str] | None = None, signers=(ALICE,)) -> bytes:  # type: ignore[no-untyped-def]
    return build_tx(chain_id="ledgerml-test", fn="RegisterDataset", args=args if args is not None else ['{"id":"d1"}'],
                    nonce=nonce or nonce_for("write-1"), signers=list(signers))


def test_the_wire_shape_and_a_signature_that_verifies_over_the_exact_body_bytes() -> None:
    tx = _tx(signers=(ALICE, ADMIN2))
    outer = json.loads(tx)
    body = base64.b64decode(outer["body"])
    assert json.loads(body) == {"chain_id": "ledgerml-test", "fn": "RegisterDataset", "args": ['{"id":"d1"}'],
                                "nonce": nonce_for("write-1")}
    assert [s["msp"] for s in outer["signatures"]] == ["Org1MSP", "Org2MSP"]
    for signer, entry in zip((ALICE, ADMIN2), outer["signatures"], strict=True):
        assert base64.b64decode(entry["cert"]) == signer.certificate_der
        signer.certificate.public_key().verify(base64.b64decode(entry["sig"]), body, ec.ECDSA(hashes.SHA256()))
    opened = open_tx(tx)
    assert opened.verifies() and opened.fn == "RegisterDataset" and opened.nonce == nonce_for("write-1")
    assert opened.signatures[0].msp_id == "Org1MSP"


def test_same_write_same_bytes_same_tx_id() -> None:
    assert _tx() == _tx()
    assert tx_id(_tx()) == hashlib.sha256(_tx()).hexdigest() and len(tx_id(_tx())) == 64
    assert tx_id(_tx()) != tx_id(_tx(nonce=nonce_for("write-2")))


def test_nonces() -> None:
    assert nonce_for("k") == hashlib.sha256(b"k").hexdigest()[:32]
    first, second = random_nonce(), random_nonce()
    assert first != second and len(first) == 32 and int(first, 16) >= 0


def test_a_tampered_body_no_longer_verifies() -> None:
    outer = json.loads(_tx())
    body = json.loads(base64.b64decode(outer["body"]))
    outer["body"] = base64.b64encode(json.dumps({**body, "args": ['{"id":"d2"}']}).encode()).decode()
    assert not open_tx(json.dumps(outer).encode()).verifies()


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"nonce": "ABC"}, "32 lowercase hex"),
    ({"args": ["x"] * (MAX_ARGS + 1)}, "at most 16"),
    ({"args": ["x" * 70_000]}, "bytes; at most"),
    ({"signers": ()}, "submitter"),
    ({"signers": (ALICE, ORG1.issue("Bob", "admin"))}, "another MSP"),
])
def test_limits_of_the_wire_contract(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(EnvelopeError, match=message):
        _tx(**kwargs)  # type: ignore[arg-type]


def test_garbage_is_not_a_transaction() -> None:
    with pytest.raises(EnvelopeError):
        open_tx(b'{"body": "!!", "signatures": []}')
