"""The layering every service keeps (docs/architecture.md, "One shape"), read from the import statements:

- a service's domain (`domain.py`) imports nothing outward: no web, database, broker, object store, ledger
  client or other layer of its own service;
- a service's use cases (`service.py`, `service_*.py`) import no adapter and no SQLAlchemy: they reach the
  outside through the Protocols of `ports.py`;
- services do not import each other (they talk over HTTP and Kafka), and `ledgerml.shared` imports none;
- nothing under `src/` imports test scaffolding (`ledgerml.stack.testing`).

Known breaches are listed with the reason and the work that removes them; each is a strict xfail, so a
fix that makes one pass fails here until its entry is deleted.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SERVICES = {"registry": "registry", "access_control": "access-control", "storage": "storage",
            "training": "training-orchestrator", "audit": "audit"}
OUTWARD_LIBRARIES = ("fastapi", "starlette", "uvicorn", "sqlalchemy", "alembic", "psycopg", "kafka", "minio",
                     "ray", "grpc", "httpx", "websockets", "pydantic_settings")
SHARED_IO = ("web", "messaging", "persistence", "ledger", "runtime", "commands", "peers", "bridge", "telemetry",
             "ledgerwrites")
OWN_OUTER_LAYERS = ("adapters", "api", "service", "main", "settings", "consumers", "schemas", "policy")

KNOWN_BREACHES: dict[tuple[str, str], str] = {}


def package_dir(pkg: str) -> Path:
    return REPO / "services" / SERVICES[pkg] / "src" / "ledgerml" / pkg


def imports(path: Path) -> Iterator[str]:
    """Every module `path` imports, absolute (relative imports resolved against its package)."""
    package = ".".join(path.parts[path.parts.index("ledgerml"):-1])
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def breaches_of(pkg: str, rule: str) -> list[str]:
    root = package_dir(pkg)
    own = f"ledgerml.{pkg}"
    found: list[str] = []
    if rule == "domain":
        files = [root / "domain.py"]
        forbidden = [*OUTWARD_LIBRARIES, *(f"ledgerml.shared.{m}" for m in SHARED_IO),
                     *(f"{own}.{layer}" for layer in OWN_OUTER_LAYERS)]
    elif rule == "service":
        files = sorted(root.glob("service*.py"))
        forbidden = ["sqlalchemy", f"{own}.adapters"]
    else:
        files = sorted(root.rglob("*.py"))
        forbidden = [*(f"ledgerml.{other}" for other in SERVICES if other != pkg), "ledgerml.stack.testing"]
    for path in files:
        for module in imports(path):
            if any(under(module, f) or module.startswith(f"{f}_") for f in forbidden):
                found.append(f"{path.relative_to(REPO)} imports {module}")
    return sorted(set(found))


def case(pkg: str, rule: str) -> object:
    reason = KNOWN_BREACHES.get((pkg, rule))
    marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
    return pytest.param(pkg, rule, marks=marks, id=f"{pkg}-{rule}")


@pytest.mark.parametrize(("pkg", "rule"), [case(p, r) for p in SERVICES for r in ("domain", "service", "isolation")])
def test_layering(pkg: str, rule: str) -> None:
    assert breaches_of(pkg, rule) == []


def test_shared_imports_no_service_and_no_test_scaffolding() -> None:
    root = REPO / "services" / "shared" / "src" / "ledgerml" / "shared"
    found = [f"{path.relative_to(REPO)} imports {module}" for path in sorted(root.rglob("*.py"))
             for module in imports(path)
             if any(under(module, f"ledgerml.{p}") for p in (*SERVICES, "stack", "client"))]
    assert found == []


def test_the_rules_see_a_breach() -> None:
    """The check reads real imports: registry's adapters import SQLAlchemy, so they would fail the service rule."""
    assert any("sqlalchemy" in m for m in imports(package_dir("registry") / "adapters" / "db.py"))
    assert list(imports(package_dir("registry") / "service.py"))
