"""Who the SDK speaks as and where each organisation's services listen.

An organisation's services are found in an endpoints file, written by the local launcher
(`.run/<profile>/endpoints.json`) or by an operator: `{"Org1MSP": {"registry": "http://...", ...}}`.
The caller's identity is an MSP folder from the consortium PKI; every request carries a fresh ES256
token signed by it, so the services authenticate and authorise the real consortium identity.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ledgerml.shared.errors import ConfigurationInvalid, InvalidRequest
from ledgerml.shared.identity.msp import SigningIdentity, default_msp_id, load_identity
from ledgerml.shared.peers import PeerClients, read_endpoints
from ledgerml.shared.web.client import ServiceClient

SERVICES = ("registry", "access-control", "storage", "training-orchestrator", "audit")
DEFAULT_RUN_DIR = Path(".run/dev")


class UnknownOrganisation(InvalidRequest):
    """`--org`/`--owner` names no organisation of this consortium (a typo, most often)."""

    code, title = "LML-1010", "Unknown organisation"


class UnknownIdentity(InvalidRequest):
    """`--user` names no identity of the organisation."""

    code, title = "LML-1011", "Unknown identity"


def _choices(names: list[str]) -> str:
    return ", ".join(names) if names else "none"


def msp_id_of(org: str) -> str:
    """`org1` → `Org1MSP`; an MSP id is returned unchanged."""
    return org if org.endswith("MSP") else org[:1].upper() + org[1:] + "MSP"


def domain_of(msp_id: str) -> str:
    return f"{msp_id.removesuffix('MSP').lower()}.ledgerml.test"


@dataclass
class Connection:
    msp_id: str
    identity: SigningIdentity
    endpoints: Mapping[str, Mapping[str, str]]
    timeout_s: float = 30.0
    _peers: PeerClients = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._peers = PeerClients(
            identity=self.identity, endpoints=self.endpoints, timeout_s=self.timeout_s,
            unknown_org=lambda target, known: UnknownOrganisation(
                f"{target} is not an organisation of this consortium; known: {_choices(known)}"),
            no_endpoint=lambda target, service: ConfigurationInvalid(
                f"no endpoint for {service} of {target}: add it to the endpoints file (LEDGERML_ENDPOINTS_FILE) "
                "or start the services"))

    @property
    def _clients(self) -> dict[tuple[str, str], ServiceClient]:
        return self._peers.clients

    def http(self, service: str, *, org: str | None = None) -> ServiceClient:
        """A client for `service` of `org` (default: the caller's own organisation)."""
        target = msp_id_of(org) if org else self.msp_id
        if self.endpoints and target not in self.endpoints:  # named as the caller wrote it
            raise UnknownOrganisation(f"{org} ({target}) is not an organisation of this consortium; known: "
                                      f"{_choices(sorted(self.endpoints))}")
        return self._peers.client(target, service)

    def endpoint_url(self, service: str, *, org: str | None = None) -> str | None:
        """The base URL of `service` of `org` from the endpoints, or None when there is none (a client
        planted without one, as tests do, is then the only way to reach it)."""
        return self.endpoints.get(msp_id_of(org) if org else self.msp_id, {}).get(service)

    def close(self) -> None:
        self._peers.close()


def _run_dir() -> Path:
    explicit = os.environ.get("LEDGERML_STACK_RUN_DIR")
    return Path(explicit) if explicit else DEFAULT_RUN_DIR


def load_endpoints(path: Path | None = None) -> dict[str, dict[str, str]]:
    path = path or Path(os.environ.get("LEDGERML_ENDPOINTS_FILE") or _run_dir() / "endpoints.json")
    if not path.is_file():
        raise ConfigurationInvalid(f"no endpoints file at {path}: run `make demo` / `ledgerml stack up`, or "
                                   "set LEDGERML_ENDPOINTS_FILE")
    return read_endpoints(path)


def identity_dir(pki_root: Path, msp_id: str, user: str) -> Path:
    domain = domain_of(msp_id)
    return pki_root / "peerOrganizations" / domain / "users" / f"{user}@{domain}" / "msp"


def connect(org: str = "org1", *, user: str = "User1", pki_root: Path | None = None,
            endpoints: Mapping[str, Mapping[str, str]] | None = None, timeout_s: float = 30.0) -> Connection:
    """Connect as `user` of `org` (e.g. `org2`, `Org2MSP`), using the local PKI and endpoints by default."""
    msp_id = msp_id_of(org)
    root = pki_root or Path(os.environ.get("LEDGERML_PKI_ROOT") or _run_dir() / "pki")
    orgs = root / "peerOrganizations"
    if not orgs.is_dir():
        raise ConfigurationInvalid(f"no consortium PKI under {root}: run `make demo` / `ledgerml stack up`, or set "
                                   "LEDGERML_PKI_ROOT")
    known = {default_msp_id(d.name): d for d in orgs.iterdir() if d.is_dir()}
    if msp_id not in known:
        names = [f"{m.removesuffix('MSP').lower()} ({m})" for m in sorted(known)]
        raise UnknownOrganisation(f"{org!r} is not an organisation of this consortium; use one of: "
                                  f"{_choices(names)}")
    msp_dir = identity_dir(root, msp_id, user)
    if not msp_dir.is_dir():
        users = sorted(d.name.split("@")[0] for d in (known[msp_id] / "users").glob("*@*") if d.is_dir())
        raise UnknownIdentity(f"{msp_id} has no identity {user!r}; use one of: {_choices(users)}")
    identity = load_identity(msp_id, msp_dir=msp_dir)
    return Connection(msp_id, identity, endpoints if endpoints is not None else load_endpoints(), timeout_s)
