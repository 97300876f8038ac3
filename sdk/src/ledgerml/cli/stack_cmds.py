"""`ledgerml stack up|down|status`: the local stack, through the project's own stack manager."""

from __future__ import annotations

import subprocess
import sys
from typing import Annotated

import typer

from ledgerml.cli.app import say_error, stack_app

Profile = Annotated[str, typer.Option("--profile", "-p", help="dev (make up) or test (make test)")]


def _stack(command: str, profile: str) -> None:
    if profile not in ("dev", "test"):
        raise typer.BadParameter("use dev or test", param_hint="--profile")
    try:
        argv = [sys.executable, "-m", "ledgerml.stack", command, "--profile", profile]  # fixed, validated
        done = subprocess.run(argv, check=False)  # noqa: S603
    except OSError as exc:  # the interpreter itself vanished
        say_error(str(exc), label="cannot run the stack manager:")
        raise typer.Exit(1) from exc
    raise typer.Exit(done.returncode)


@stack_app.command("up")
def up(profile: Profile = "dev") -> None:
    """Start Kafka, MinIO, Ray and PostgreSQL on loopback (a no-op for what already runs)."""
    _stack("up", profile)


@stack_app.command("down")
def down(profile: Profile = "dev") -> None:
    """Stop what `stack up` started, by process id."""
    _stack("down", profile)


@stack_app.command("status")
def status(profile: Profile = "dev") -> None:
    """Each component's state and memory; exits 1 if one is down."""
    _stack("status", profile)
