"""The CLI's root and its command groups; command modules add their commands to these groups.

Global options: `--org` (whose identity), `--user`, `--json` (machine-readable output). Errors are
printed once, with their stable code, on stderr, and exit non-zero (see `main.main`). stdout carries
only a command's result (with `--json`, only its JSON); files are written only where `-O/--out` says.

Both consoles print text verbatim: no Rich markup (a validation pattern such as `^[a-z0-9]{2,63}$` is
not a style tag), no emoji codes, no hard wrapping of long messages; styles are set explicitly.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table
from rich.text import Text

from ledgerml.client import LedgerML

console = Console(markup=False, emoji=False)
err_console = Console(stderr=True, markup=False, emoji=False)

app = typer.Typer(help="LedgerML: train on each other's private data, with proof of who used what.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
datasets_app = typer.Typer(help="Register, upload, find and verify datasets.", no_args_is_help=True)
access_app = typer.Typer(help="Request, grant, deny, revoke and check access.", no_args_is_help=True)
training_app = typer.Typer(help="Submit training next to the data, follow it, fetch the model.",
                           no_args_is_help=True)
credits_app = typer.Typer(help="Consortium credits: balances, escrows, minting by the member admins.",
                          no_args_is_help=True)
audit_app = typer.Typer(help="Timelines, lineage, proofs and reports for auditors.", no_args_is_help=True)
stack_app = typer.Typer(help="The local stack (Kafka, MinIO, Ray, PostgreSQL) and services.",
                        no_args_is_help=True)
for name, group in (("datasets", datasets_app), ("access", access_app), ("training", training_app),
                    ("credits", credits_app), ("audit", audit_app), ("stack", stack_app)):
    app.add_typer(group, name=name)


@dataclass
class State:
    org: str = "org1"
    user: str = "User1"
    as_json: bool = False
    _client: LedgerML | None = field(default=None, repr=False)

    def client(self) -> LedgerML:
        if self._client is None:
            self._client = LedgerML.connect(self.org, user=self.user)
        return self._client


@app.callback()
def _root(ctx: typer.Context,
          org: Annotated[str, typer.Option("--org", "-o", help="Act as this organisation (org1, Org2MSP, ...)",
                                           envvar="LEDGERML_ORG")] = "org1",
          user: Annotated[str, typer.Option(help="Identity within the organisation", envvar="LEDGERML_USER")]
          = "User1",
          as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON")] = False) -> None:
    ctx.obj = State(org=org, user=user, as_json=as_json)


def state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    if not isinstance(obj, State):
        obj = State()
        ctx.find_root().obj = obj
    return obj


def emit(ctx: typer.Context, data: Any, *, columns: Sequence[str] = (), title: str | None = None) -> None:
    """JSON with `--json`; otherwise a table for lists of records (`columns`) or key/value lines."""
    if state(ctx).as_json:
        console.print_json(json.dumps(data, default=str))
        return
    rows = data if isinstance(data, list) else None
    if rows is not None and columns:
        table = Table(title=title)
        for column in columns:
            table.add_column(column)
        for row in rows:
            table.add_row(*(str(row.get(c, "")) for c in columns))
        console.print(table)
    elif isinstance(data, dict):
        if title:
            console.print(title, style="bold", soft_wrap=True)
        width = max((len(str(k)) for k in data), default=0)
        for key, value in data.items():
            console.print(f"  {str(key).ljust(width)}  {value}", soft_wrap=True)
    else:
        console.print(data, soft_wrap=True)


def say_error(message: str, *, label: str = "error") -> None:
    """One line on stderr: a red label, then `message` verbatim."""
    err_console.print(Text.assemble((label, "red"), " ", message), soft_wrap=True)


@contextmanager
def transfer_progress(description: str, total_bytes: int | None, *, enabled: bool = True) -> Iterator[Any]:
    """A byte progress bar; yields `advance(n)`. Hidden with --json or when disabled."""
    progress = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                        TimeRemainingColumn(), console=err_console, disable=not enabled, transient=False)
    with progress:
        task = progress.add_task(description, total=total_bytes)
        yield lambda n: progress.advance(task, n)
