"""`ledgerml datasets upload | download | verify`: streamed transfers with progress bars, verified reads."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Annotated

import typer

from ledgerml.cli.app import datasets_app, emit, state, transfer_progress
from ledgerml.client.storage import Progress

Owner = Annotated[str | None, typer.Option("--owner", help="Organisation holding the data (default: your own)")]


@contextmanager
def _progress_bar(ctx: typer.Context, description: str) -> Iterator[Progress]:
    """A bar opened on the first transferred block, once the total size is known; hidden with --json."""
    with ExitStack() as stack:
        advance = None

        def on_block(n: int, total: int | None) -> None:
            nonlocal advance
            if advance is None:
                advance = stack.enter_context(transfer_progress(description, total, enabled=not state(ctx).as_json))
            advance(n)

        yield on_block


def _parse_range(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    first, sep, last = text.partition("-")
    if not sep or not first.isdigit() or not last.isdigit() or int(last) < int(first):
        raise typer.BadParameter("use FIRST-LAST byte offsets, inclusive, e.g. 0-1048575", param_hint="--range")
    return int(first), int(last)


@datasets_app.command("upload")
def upload(ctx: typer.Context, path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
           dataset: Annotated[str, typer.Option("--dataset", "-d", help="Registered dataset id")],
           version: Annotated[str, typer.Option("--version", "-v", help="New version name, e.g. v1")]) -> None:
    """Upload a file as a new, immutable version of your dataset (chunked, hashed, encrypted at rest)."""
    with _progress_bar(ctx, f"upload {dataset}@{version}") as progress:
        manifest = state(ctx).client().storage.upload(path, dataset, version, progress=progress)
    emit(ctx, manifest, title=f"stored {dataset}@{version}")


@datasets_app.command("download")
def download(ctx: typer.Context, dataset: Annotated[str, typer.Argument(help="Dataset id")],
             version: Annotated[str, typer.Argument(help="Version")],
             out: Annotated[Path, typer.Option("--out", "-O", "-o", help="File to write", dir_okay=False)],
             owner: Owner = None,
             byte_range: Annotated[str | None, typer.Option("--range", help="FIRST-LAST bytes, inclusive")] = None,
             ) -> None:
    """Download a version's verified plaintext (every chunk is checked before it is sent)."""
    wanted = _parse_range(byte_range)
    with _progress_bar(ctx, f"download {dataset}@{version}") as progress:
        result = state(ctx).client().storage.download(dataset, version, out, owner_org=owner, byte_range=wanted,
                                                      progress=progress)
    emit(ctx, {**result.view(), "path": str(out)}, title=f"downloaded {dataset}@{version}")


@datasets_app.command("verify")
def verify(ctx: typer.Context, dataset: Annotated[str, typer.Argument(help="Dataset id")],
           version: Annotated[str, typer.Argument(help="Version")], owner: Owner = None) -> None:
    """Re-verify every stored chunk and the Merkle root of a version (owner and auditors); exit 1 if not ok."""
    report = state(ctx).client().storage.integrity(dataset, version, owner_org=owner)
    failed = report.get("chunks_failed") or []
    title = f"integrity of {dataset}@{version}: {'ok' if report.get('ok') else 'FAILED'}"
    if state(ctx).as_json:
        emit(ctx, report)
    else:
        recomputed = report.get("merkle_root_recomputed")
        unreadable = [str(c.get("index")) for c in failed if c.get("actual_sha256") is None]
        lines = {"stored root": report.get("merkle_root_manifest"),
                 "recomputed root": recomputed or f"none (chunk {', '.join(unreadable)} could not be read)",
                 "chunks ok": report.get("chunks_ok"), "chunks failed": len(failed)}
        lines |= {f"chunk {c.get('index')}": f"FAILED {c.get('code', 'LML-7101')} {c.get('reason', '')}".rstrip()
                  for c in failed}
        emit(ctx, lines, title=title)
    if not report.get("ok"):
        raise typer.Exit(1)
