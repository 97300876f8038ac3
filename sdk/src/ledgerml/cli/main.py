"""Entry point of the `ledgerml` command line."""

from __future__ import annotations

import typer

app = typer.Typer(help="LedgerML: consortium ML training with ledger-backed permissions", no_args_is_help=True)


def main() -> None:
    app()
