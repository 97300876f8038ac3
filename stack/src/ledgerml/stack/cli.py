"""`python -m ledgerml.stack {up,down,status,clean,env,services-up,services-down,services-status,build-app,
chaincode-upgrade} [--profile dev|test]`: the engines and the ledger (`up`), the consortium's own services
(`services-*`), the ledger application's build and its rollout."""

from __future__ import annotations

import argparse
import shutil
import sys
import time

from ledgerml.stack.components import ALL, Component
from ledgerml.stack.config import PROFILES, StackConfig
from ledgerml.stack.procs import ReadinessError, port_free, rss_mib


def _components(cfg: StackConfig) -> list[Component]:
    return [cls(cfg) for cls in ALL]


def _write_env(cfg: StackConfig, comps: list[Component]) -> None:
    lines = [f"LEDGERML_STACK_PROFILE={cfg.profile}", f"LEDGERML_STACK_RUN_DIR={cfg.run_dir}",
             f"LEDGERML_PKI_ROOT={cfg.run_dir / 'pki'}"]
    for comp in comps:
        lines += [f"{k}={v}" for k, v in comp.endpoints().items()]
    cfg.env_file.parent.mkdir(parents=True, exist_ok=True)
    cfg.env_file.write_text("\n".join(lines) + "\n")
    cfg.env_file.chmod(0o600)


def _check_ports(comps: list[Component]) -> None:
    busy = [(c.name, p) for c in comps for p in c.ports_to_bind() if not port_free(p)]
    if busy:
        detail = ", ".join(f"{name}:{port}" for name, port in busy)
        raise ReadinessError(f"ports already in use by another program: {detail}. Stop it, or change "
                             f"stack/ports.env for this profile.")


def up(cfg: StackConfig) -> int:
    from ledgerml.stack.pki import create_consortium

    comps = _components(cfg)
    _check_ports(comps)
    create_consortium(cfg.run_dir / "pki")
    started = time.monotonic()
    for comp in comps:
        t0 = time.monotonic()
        was_running = comp.running()
        try:
            comp.start()
        except ReadinessError as exc:
            print(f"✗ {comp.name}: {exc}", file=sys.stderr)
            return 1
        state = "already running" if was_running else f"ready in {time.monotonic() - t0:.1f}s"
        print(f"✓ {comp.name:<9} {state:<18} {comp.summary()}")
        for line in comp.details():
            print(line)
    _write_env(cfg, comps)
    print(f"stack '{cfg.profile}' up in {time.monotonic() - started:.1f}s; endpoints in {cfg.env_file}; "
          f"logs in {cfg.logs_dir}")
    return 0


def services_up(cfg: StackConfig) -> int:
    from ledgerml.stack.consortium import Consortium

    started = time.monotonic()
    try:
        Consortium(cfg).up()
    except ReadinessError as exc:
        print(f"✗ services: {exc}", file=sys.stderr)
        return 1
    print(f"✓ services of Org1..Org3 ready in {time.monotonic() - started:.1f}s; "
          f"endpoints in {cfg.run_dir / 'endpoints.json'}; logs in {cfg.run_dir / 'services'}")
    return 0


def services_down(cfg: StackConfig) -> int:
    from ledgerml.stack.consortium import Consortium

    print(f"■ stopped {Consortium(cfg).down()} service process(es)")
    return 0


def services_status(cfg: StackConfig) -> int:
    from ledgerml.stack.consortium import Consortium

    bad = 0
    for org, name, pid, ready in Consortium(cfg).status():
        bad += not ready
        mem = f"{rss_mib(pid):5.0f} MiB" if pid else " " * 9
        print(f"{'✓ ready' if ready else '✗ DOWN '} {org:<8} {name:<22} pid={pid or '-':<8} {mem}")
    return 1 if bad else 0


def down(cfg: StackConfig) -> int:
    services_down(cfg)
    for comp in reversed(_components(cfg)):
        print(f"{'■ stopped' if comp.stop() else '· not running'} {comp.name}")
    return 0


def status(cfg: StackConfig) -> int:
    down_count = 0
    for comp in _components(cfg):
        healthy, lines = comp.report()
        down_count += not healthy
        print("\n".join(lines))
    return 1 if down_count else 0


def build_app(cfg: StackConfig) -> int:
    """Build the ledger application of this working tree into the cache (`make install` calls this)."""
    from ledgerml.stack.components.ledger import binaries

    if not binaries.app_present():
        print(f"==> ledger application: {binaries.CHAINCODE_DIR / binaries.APP_PACKAGE} not in this tree; "
              f"the ledger runs CometBFT's built-in {binaries.BUILTIN_APP} application")
        return 0
    try:
        binary, built, seconds = binaries.build_app()
    except binaries.BuildError as exc:
        print(f"✗ {exc}", file=sys.stderr)
        return 1
    print(f"==> ledger application {binary.parent.parent.name}: "
          f"{f'built in {seconds:.0f}s' if built else 'cached'} ({binary})")
    return 0


def chaincode_upgrade(cfg: StackConfig) -> int:
    from ledgerml.stack.components.ledger.upgrade import rollout

    try:
        return rollout(cfg)
    except ReadinessError as exc:
        print(f"✗ chaincode-upgrade: {exc}", file=sys.stderr)
        return 1


def clean(cfg: StackConfig) -> int:
    down(cfg)
    for comp in _components(cfg):
        if hasattr(comp, "temp_dir"):
            shutil.rmtree(comp.temp_dir, ignore_errors=True)
    shutil.rmtree(cfg.run_dir, ignore_errors=True)
    print(f"removed {cfg.run_dir}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lml-stack", description=__doc__)
    parser.add_argument("command", choices=["up", "down", "status", "clean", "env", "services-up", "services-down",
                                            "services-status", "build-app", "chaincode-upgrade"])
    parser.add_argument("--profile", choices=PROFILES, default="dev")
    args = parser.parse_args(argv)
    cfg = StackConfig.for_profile(args.profile)
    if args.command == "env":
        print(cfg.env_file)
        return 0
    handler = {"up": up, "down": down, "status": status, "clean": clean, "services-up": services_up,
               "services-down": services_down, "services-status": services_status, "build-app": build_app,
               "chaincode-upgrade": chaincode_upgrade}[args.command]
    return handler(cfg)
