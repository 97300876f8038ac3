"""The environment each local service process gets: common settings plus what each service needs
to reach the stack's engines and the other services. Secrets come from the stack's 0600 env file.

When the stack runs the ledger network, every service of Org N (and Org N's ledger bridge) talks to
Org N's own validator: `<PREFIX>LEDGER_RPC_URL` from `LEDGERML_LEDGER_RPC_<MSP>` in stack.env, and
`<PREFIX>LEDGER_CHAIN_ID` from `LEDGERML_LEDGER_CHAIN_ID` (docs/decisions/0003)."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ledgerml.stack.config import REPO_ROOT

if TYPE_CHECKING:
    from ledgerml.stack.consortium import ServiceSpec

Endpoints = Mapping[str, Mapping[str, str]]
BRIDGE_PREFIX = "LEDGERML_BRIDGE_"


def _identity_dir(pki_root: Path, msp_id: str, name: str) -> Path:
    domain = f"{msp_id.removesuffix('MSP').lower()}.ledgerml.test"
    return pki_root / "peerOrganizations" / domain / "users" / f"{name}@{domain}" / "msp"


def service_env(spec: ServiceSpec, *, org: str, slug: str, port: int, data_dir: Path, stack_env: Mapping[str, str],
                endpoints: Endpoints) -> dict[str, str]:
    pki_root = Path(stack_env["LEDGERML_PKI_ROOT"])
    data_dir.mkdir(parents=True, exist_ok=True)
    common = {
        "DATABASE_URL": f"sqlite:///{data_dir / (spec.name + '.db')}",
        "KAFKA_BOOTSTRAP": stack_env["LEDGERML_KAFKA_BOOTSTRAP"],
        "MSP_ROOT": str(pki_root),
        "IDENTITY_MSP_DIR": str(_identity_dir(pki_root, org, spec.identity)),
        "ORG": slug,
        "MSP_ID": org,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "ENVIRONMENT": "development",
        "LOG_LEVEL": "INFO",
        **ledger_env(org, stack_env),
    }
    extra = EXTRAS.get(spec.name)
    specific = extra(org=org, slug=slug, data_dir=data_dir, stack_env=stack_env, endpoints=endpoints) if extra else {}
    env = {spec.prefix + k: v for k, v in {**common, **specific}.items()}
    for key in ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN_PATH"):
        if key in stack_env:
            env[key] = stack_env[key]
    return env


def ledger_env(org: str, stack_env: Mapping[str, str]) -> dict[str, str]:
    """This organisation's validator, or nothing when the stack runs no ledger network."""
    rpc = stack_env.get(f"LEDGERML_LEDGER_RPC_{org.upper()}")
    chain_id = stack_env.get("LEDGERML_LEDGER_CHAIN_ID")
    return {"LEDGER_RPC_URL": rpc, "LEDGER_CHAIN_ID": chain_id} if rpc and chain_id else {}


def bridge_env(*, org: str, slug: str, data_dir: Path, stack_env: Mapping[str, str]) -> dict[str, str] | None:
    """The ledger bridge of one organisation (`python -m ledgerml.shared.bridge`); None without a ledger.
    It reads blocks only, so it gets no signing identity."""
    ledger = ledger_env(org, stack_env)
    if not ledger:
        return None
    env = {"ORG": slug, "MSP_ID": org, "KAFKA_BOOTSTRAP": stack_env["LEDGERML_KAFKA_BOOTSTRAP"],
           "DATA_DIR": str(data_dir), "HOST": "127.0.0.1", "ENVIRONMENT": "development", "LOG_LEVEL": "INFO",
           **ledger}
    return {BRIDGE_PREFIX + k: v for k, v in env.items()}


class Extra(Protocol):
    """Signature of a per-service addition (keyword-only)."""

    def __call__(self, *, org: str, slug: str, data_dir: Path, stack_env: Mapping[str, str],
                 endpoints: Endpoints) -> dict[str, str]: ...


def _s3(stack_env: Mapping[str, str]) -> dict[str, str]:
    return {"S3_ENDPOINT": stack_env["LEDGERML_S3_ENDPOINT"], "S3_ACCESS_KEY": stack_env["LEDGERML_S3_ACCESS_KEY"],
            "S3_SECRET_KEY": stack_env["LEDGERML_S3_SECRET_KEY"]}


def _storage(*, org: str, slug: str, data_dir: Path, stack_env: Mapping[str, str],
             endpoints: Endpoints) -> dict[str, str]:
    return {**_s3(stack_env), "ORG_KEY_FILE": str(data_dir / "storage-org.key"),
            "REGISTRY_URL": endpoints[org]["registry"], "ACCESS_CONTROL_URL": endpoints[org]["access-control"]}


def _training(*, org: str, slug: str, data_dir: Path, stack_env: Mapping[str, str],
              endpoints: Endpoints) -> dict[str, str]:
    run_dir = Path(stack_env["LEDGERML_STACK_RUN_DIR"])
    env = {**_s3(stack_env), "CATALOG_DIR": str(REPO_ROOT / "ray_jobs"), "JOB_PYTHON": sys.executable,
           "RESULTS_DIR": str(data_dir / "training-results"), "REGISTRY_URL": endpoints[org]["registry"],
           "ACCESS_CONTROL_URL": endpoints[org]["access-control"], "STORAGE_URL": endpoints[org]["storage"],
           "PARTNER_ENDPOINTS_FILE": str(run_dir / "endpoints.json")}
    if "LEDGERML_RAY_ADDRESS" in stack_env:
        env["RAY_ADDRESS"] = stack_env["LEDGERML_RAY_ADDRESS"]
    if "RAY_AUTH_TOKEN_PATH" in stack_env:
        env["RAY_AUTH_TOKEN_FILE"] = stack_env["RAY_AUTH_TOKEN_PATH"]
    return env


def _audit(*, org: str, slug: str, data_dir: Path, stack_env: Mapping[str, str],
           endpoints: Endpoints) -> dict[str, str]:
    run_dir = Path(stack_env["LEDGERML_STACK_RUN_DIR"])
    return {"ENDPOINTS_FILE": str(run_dir / "endpoints.json"), "ANCHOR_INTERVAL_S": "5"}


EXTRAS: dict[str, Extra] = {"storage": _storage, "training-orchestrator": _training, "audit": _audit}
