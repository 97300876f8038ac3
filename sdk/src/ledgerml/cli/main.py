"""Entry point of the `ledgerml` command line: registers every command module, renders errors once."""

from __future__ import annotations

import sys

from ledgerml.cli import app as cli_app
from ledgerml.shared.errors import LedgerMLError

# Command modules register their commands on the groups of `ledgerml.cli.app` when imported.
COMMAND_MODULES = ("registry_cmds", "storage_cmds", "access_cmds", "training_cmds", "credits_cmds", "audit_cmds",
                   "stack_cmds")

app = cli_app.app


def _register() -> None:
    import importlib

    for name in COMMAND_MODULES:
        importlib.import_module(f"ledgerml.cli.{name}")


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the exit status (1 for a coded LedgerML error, 2 for usage errors)."""
    _register()
    try:
        app(args=argv, prog_name="ledgerml")
    except LedgerMLError as exc:
        cli_app.say_error(f"({exc.title}): {exc.detail}", label=f"error {exc.code}")
        return 1
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    run()
