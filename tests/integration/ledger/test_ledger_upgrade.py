"""A new application version rolled out with live state (issue 15, "Upgrade"): records written before the
coordinated upgrade height are read back unchanged after it, every validator applied it in the same block,
and the chain keeps taking writes in the new schema. Runs last among the ledger tests: it moves the test
network to schema 3, as `make chaincode-upgrade` moves a developer's network."""

from __future__ import annotations

import json
import os

import pytest
from ledgerchain import ORGS, Chain

from ledgerml.shared.identity.msp import SigningIdentity
from ledgerml.stack.components.ledger import upgrade
from ledgerml.stack.config import StackConfig

pytestmark = pytest.mark.integration


def test_records_written_before_the_v3_upgrade_are_readable_after_it(chain: Chain, who: dict[str, SigningIdentity],
                                                                      unique: str) -> None:
    code, plan, _ = chain.evaluate("GetUpgrade", ["v3"])
    if code == 0 and plan["status"] == "APPLIED":
        pytest.skip("this network applied v3 before the test started (a re-used .run/test); `make clean` resets it")
    spec = {"id": f"up-{unique}", "metadata": "{}", "terms": "written before the upgrade", "price_per_job": 3}
    registered = chain.submit("RegisterDataset", [json.dumps(spec)], who["Org1/client"])
    minted = chain.submit("Mint", ["Org2MSP", "3"], who["Org1/admin"], who["Org2/admin"])
    assert registered.committed and minted.committed, (registered.log, minted.log)
    _, dataset_before, _ = chain.evaluate("GetDataset", [f"up-{unique}"], after=minted)
    _, supply_before, _ = chain.evaluate("GetSupply", [], after=minted)
    assert supply_before["schema_version"] == 2

    assert upgrade.rollout(StackConfig.for_profile(os.environ.get("LEDGERML_STACK_PROFILE", "test"))) == 0

    heights = set()
    for org in ORGS:
        code, plan, log = chain.evaluate("GetUpgrade", ["v3"], via=org)
        assert code == 0 and plan["status"] == "APPLIED", log
        heights.add(plan["height"])
    assert len(heights) == 1, f"validators applied v3 at different heights: {heights}"
    assert dataset_before.pop("schema_version") == 2
    for org in ORGS:  # read through the v3 application: same fields, presented in the current schema
        code, dataset_after, log = chain.evaluate("GetDataset", [f"up-{unique}"], via=org)
        assert code == 0 and dataset_after.pop("schema_version") == 3, log
        assert dataset_after == dataset_before
    code, supply_after, log = chain.evaluate("GetSupply", [])
    assert code == 0 and supply_after["schema_version"] == 3, log
    assert supply_after["total_minted"] == supply_before["total_minted"]
    assert supply_after["mint_count"] >= 1, "the v3 migration did not count the mints written before it"
    again = chain.submit("Mint", ["Org2MSP", "1"], who["Org1/admin"], who["Org2/admin"])
    assert again.committed, again.log
    _, supply_later, _ = chain.evaluate("GetSupply", [], after=again)
    assert supply_later["mint_count"] == supply_after["mint_count"] + 1
