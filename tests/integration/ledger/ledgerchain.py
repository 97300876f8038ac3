"""Raw access to the test network for the ledger's integration tests: identities from the consortium PKI,
signed transactions from the shared envelope, and CometBFT's JSON-RPC spoken directly, so that a test sees
what CheckTx and FinalizeBlock really answered (the adapter would turn it into an exception)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ledgerml.shared.identity.msp import SigningIdentity, load_identity
from ledgerml.shared.ledger.envelope import build_tx, random_nonce, tx_id

ORGS = ("OrdererMSP", "Org1MSP", "Org2MSP", "Org3MSP")  # validator i belongs to ORGS[i]
CODES = {"FORBIDDEN_NOT_OWNER": 4, "FORBIDDEN_NOT_REQUESTER": 5, "NOT_FOUND": 2}


def _domain(msp: str) -> str:
    return f"{msp.removesuffix('MSP').lower()}.ledgerml.test"


def identity(pki_root: Path, msp: str, name: str) -> SigningIdentity:
    section = "ordererOrganizations" if msp == "OrdererMSP" else "peerOrganizations"
    domain = _domain(msp)
    base = pki_root / section / domain
    folder = base / ("users" if "." not in name else ("orderers" if msp == "OrdererMSP" else "peers"))
    leaf = folder / (name if "." in name else f"{name}@{domain}")
    return load_identity(msp, msp_dir=leaf / "msp")


def rogue_identity(msp: str, role: str = "admin") -> SigningIdentity:
    """A certificate that claims `msp` and `role` but is issued by a CA the consortium never heard of."""
    now = dt.datetime.now(dt.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"ca.{_domain(msp)}")])
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, _domain(msp)),
                      x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, role),
                      x509.NameAttribute(NameOID.COMMON_NAME, f"Admin@{_domain(msp)}")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(ca_key, hashes.SHA256()))
    return SigningIdentity(msp, cert, key)


@dataclass
class Outcome:
    tx_id: str
    check_code: int
    code: int | None = None  # FinalizeBlock's code, None while not committed
    height: int | None = None
    log: str = ""
    data: Any = None
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def committed(self) -> bool:
        return self.code == 0


class Chain:
    def __init__(self, env: dict[str, str]) -> None:
        self.chain_id = env["LEDGERML_LEDGER_CHAIN_ID"]
        self.rpc = {msp: env[f"LEDGERML_LEDGER_RPC_{msp.upper()}"] for msp in ORGS}
        self.pki = Path(env["LEDGERML_PKI_ROOT"])
        self.http = httpx.Client(timeout=10)

    def call(self, msp: str, method: str, **params: Any) -> dict[str, Any]:
        reply = self.http.post(self.rpc[msp], json={"jsonrpc": "2.0", "id": 1, "method": method,
                                                    "params": params}).json()
        if "error" in reply:
            raise LookupError(f"{method}: {reply['error']}")
        return dict(reply["result"])

    def tx(self, fn: str, args: Sequence[str], *signers: SigningIdentity, nonce: str | None = None) -> bytes:
        return build_tx(chain_id=self.chain_id, fn=fn, args=list(args), nonce=nonce or random_nonce(),
                        signers=list(signers))

    def broadcast(self, raw: bytes, *, via: str = "Org1MSP") -> Outcome:
        """CheckTx's answer; a node that refuses before CheckTx (its mempool cache already holds these
        bytes) answers with check_code -1 and its reason as the log."""
        try:
            result = self.call(via, "broadcast_tx_sync", tx=base64.b64encode(raw).decode())
        except LookupError as refused:
            return Outcome(tx_id(raw), -1, log=str(refused))
        return Outcome(tx_id(raw), int(result["code"]), log=str(result.get("log", "")))

    def lookup(self, txid: str, *, via: str = "Org2MSP") -> dict[str, Any] | None:
        try:
            return self.call(via, "tx", hash=base64.b64encode(bytes.fromhex(txid)).decode())
        except LookupError:
            return None

    def wait(self, outcome: Outcome, *, via: str = "Org2MSP", timeout_s: float = 30.0) -> Outcome:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = self.lookup(outcome.tx_id, via=via)
            if found is not None:
                result = found["tx_result"]
                outcome.code, outcome.height, outcome.log = int(result.get("code", 0)), int(found["height"]), \
                    str(result.get("log", ""))
                data = base64.b64decode(result.get("data") or "")
                outcome.data = json.loads(data) if data else None
                outcome.events = list(result.get("events") or [])
                return outcome
            time.sleep(0.05)  # poll: the next block is ~100 ms away
        raise TimeoutError(f"{outcome.tx_id} not committed within {timeout_s}s")

    def submit(self, fn: str, args: Sequence[str], *signers: SigningIdentity, via: str = "Org1MSP") -> Outcome:
        outcome = self.broadcast(self.tx(fn, args, *signers), via=via)
        return self.wait(outcome) if outcome.check_code == 0 else outcome

    def evaluate(self, fn: str, args: Sequence[str], *, via: str = "Org2MSP",
                 after: Outcome | None = None, timeout_s: float = 30.0) -> tuple[int, Any, str]:
        """A read on `via`'s validator; with `after`, once that validator's application has committed the
        outcome's block (a node's block store may run a block ahead of its application while it syncs)."""
        data = json.dumps({"fn": fn, "args": list(args)}).encode().hex()
        deadline = time.monotonic() + timeout_s
        while True:
            response = self.call(via, "abci_query", path="/evaluate", data=data)["response"]
            if after is None or after.height is None or int(response.get("height") or 0) >= after.height:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"{via}'s application did not reach height {after.height} within {timeout_s}s")
            time.sleep(0.05)  # poll
        value = base64.b64decode(response.get("value") or "")
        return int(response.get("code", 0)), json.loads(value) if value else None, str(response.get("log", ""))

    def height(self, msp: str) -> int:
        return int(self.call(msp, "status")["sync_info"]["latest_block_height"])

    def app_hash_at(self, msp: str, height: int) -> str:
        """The app hash after `height`: in the header of the next block."""
        return str(self.call(msp, "commit", height=str(height + 1))["signed_header"]["header"]["app_hash"])

    def wait_height(self, msp: str, height: int, *, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        while self.height(msp) < height:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{msp}'s validator did not reach height {height} within {timeout_s}s")
            time.sleep(0.1)  # poll
