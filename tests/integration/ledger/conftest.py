"""Fixtures for the ledger's integration tests on the real four-validator network of the test stack."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledgerml.shared.identity.msp import SigningIdentity

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ledgerchain import Chain, identity


@pytest.fixture(scope="session")
def chain(stack_env: dict[str, str]) -> Iterator[Chain]:
    if "LEDGERML_LEDGER_CHAIN_ID" not in stack_env:
        pytest.fail("the test stack runs no ledger network: `make up` must start the four validators")
    network = Chain(stack_env)
    yield network
    network.http.close()


@pytest.fixture(scope="session")
def who(chain: Chain) -> dict[str, SigningIdentity]:
    """The identities the tests act as: each organisation's admin and a client (its registry service)."""
    people = {f"{org}/admin": identity(chain.pki, f"{org}MSP", "Admin") for org in ("Org1", "Org2", "Org3")}
    people |= {f"{org}/client": identity(chain.pki, f"{org}MSP", "registry") for org in ("Org1", "Org2", "Org3")}
    people["Orderer/admin"] = identity(chain.pki, "OrdererMSP", "Admin")
    people["Org1/peer"] = identity(chain.pki, "Org1MSP", "peer0.org1.ledgerml.test")
    return people


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:12]
