"""`ledgerml training submit|status|cancel|fetch-model|curve|algorithms` and `ledgerml credits balance`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from ledgerml.cli.app import console, credits_app, emit, err_console, state, training_app
from ledgerml.client.training import FINAL_STATES, TRAINING_ERRORS, dataset_ref

FOLLOW_POLL_S = 2.0


def _params(pairs: list[str] | None, as_json: str | None) -> dict[str, Any]:
    """`--param epochs=10` (values parsed as JSON when they are, else kept as text) and/or `--params '{...}'`."""
    params: dict[str, Any] = {}
    if as_json:
        try:
            loaded = json.loads(as_json)
        except ValueError:
            loaded = None
        if not isinstance(loaded, dict):
            raise TRAINING_ERRORS["LML-7402"]("--params must be a JSON object, e.g. '{\"epochs\": 10}'")
        params.update(loaded)
    for pair in pairs or []:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise TRAINING_ERRORS["LML-7402"](f"--param takes NAME=VALUE (e.g. epochs=10), not {pair!r}")
        try:
            params[key] = json.loads(raw)
        except ValueError:
            params[key] = raw
    return params


def _show(ctx: typer.Context, job: dict[str, Any]) -> None:
    if state(ctx).as_json:
        emit(ctx, job)
        return
    ledger = job.get("ledger") or {}
    where = ledger.get("state", "")
    if ledger.get("tx_id"):
        where += f" (tx {ledger['tx_id']}, block {ledger['block_number']})"
    if ledger.get("error_code"):
        where += f" [{ledger['error_code']}]"
    model = job.get("model") or {}
    lines = {"state": job["state"], "role": job["role"], "requester": job["requester_org"],
             "owner": job.get("owner_org") or "?",
             "datasets": ", ".join(f"{d['dataset_id']}@{d['version']}" for d in job["datasets"]),
             "algorithm": f"{job['algorithm']['name']} ({job['algorithm']['code_hash']})",
             "deposit": job["deposit"], "ledger": where, "model sha256": model.get("sha256") or "",
             "transcript root": model.get("transcript_root") or "", "failure": job.get("failure_reason") or ""}
    emit(ctx, {k: v for k, v in lines.items() if v != ""}, title=f"training job {job['job_id']}")
    if job.get("note"):
        console.print(Text.assemble("  ", ("note", "yellow"), f"  {job['note']}"), soft_wrap=True)


def _follow(ctx: typer.Context, job_id: str, timeout_s: float | None = None) -> dict[str, Any]:
    """A live bar over epochs, with the latest loss and accuracy, until the job reaches a final state
    (or `timeout_s` passed: then exit 1 with the state it was in)."""
    training = state(ctx).client().training
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console, disable=state(ctx).as_json) as bar:
        task = bar.add_task(f"{job_id}: waiting", total=None)

        def update(progress: dict[str, Any]) -> None:
            epochs = progress.get("epochs") or []
            last = epochs[-1] if epochs else {}
            detail = f"loss {last['loss']:.4f} acc {last['accuracy']:.3f}" if last.get("loss") is not None else ""
            bar.update(task, total=progress.get("total_epochs"), completed=len(epochs),
                       description=f"{job_id}: {progress['state']} {detail}".rstrip())

        last = training.wait(job_id, on_progress=update, poll_s=FOLLOW_POLL_S, timeout_s=timeout_s)
    if last["state"] not in FINAL_STATES:
        err_console.print(f"{job_id} still {last['state']} after {timeout_s:g}s", style="red", soft_wrap=True)
        raise typer.Exit(1)
    return last


@training_app.command("submit")
def submit(ctx: typer.Context,
           dataset: Annotated[list[str], typer.Option("--dataset", "-d", help="DATASET@VERSION:OWNER, repeatable")],
           algorithm: Annotated[str, typer.Option(help="Catalog name (see `training algorithms`)")],
           deposit: Annotated[int, typer.Option(help="Credits escrowed on the ledger (> 0)")],
           param: Annotated[list[str] | None, typer.Option("--param", "-p", help="NAME=VALUE, repeatable")] = None,
           params: Annotated[str | None, typer.Option(help="Hyperparameters as a JSON object")] = None,
           job_id: Annotated[str | None, typer.Option("--job-id", help="Slug; generated when absent")] = None,
           code_hash: Annotated[str | None, typer.Option(help="Refuse unless the catalog has this hash")] = None,
           follow: Annotated[bool, typer.Option("--follow", "-f", help="Then follow progress")] = False) -> None:
    """Request training on another organisation's data (RequestTraining is queued for the ledger)."""
    job = state(ctx).client().training.submit(
        datasets=[dataset_ref(d) for d in dataset], algorithm=algorithm, deposit=deposit,
        hyperparameters=_params(param, params), job_id=job_id, algorithm_code_hash=code_hash)
    _show(ctx, job)
    if follow:
        _follow(ctx, job["job_id"])


@training_app.command("status")
def status(ctx: typer.Context, job_id: Annotated[str, typer.Argument(help="Training job id")],
           follow: Annotated[bool, typer.Option("--follow", "-f", help="Live progress until the job ends")] = False,
           timeout: Annotated[float | None, typer.Option(help="Stop following after this many seconds")] = None,
           ) -> None:
    """A job's state, ledger status and model; with --follow a live progress bar over its epochs."""
    if follow:
        _follow(ctx, job_id, timeout)
    _show(ctx, state(ctx).client().training.status(job_id))


@training_app.command("cancel")
def cancel(ctx: typer.Context, job_id: Annotated[str, typer.Argument(help="Training job id")]) -> None:
    """Withdraw a job the owner has not accepted; the deposit is refunded when CancelTraining commits."""
    _show(ctx, state(ctx).client().training.cancel(job_id))


@training_app.command("fetch-model")
def fetch_model(ctx: typer.Context, job_id: Annotated[str, typer.Argument(help="Training job id")],
                out: Annotated[Path, typer.Option("--out", "-O", "-o", help="Where to write the weights")]) -> None:
    """Download the trained weights; written only after their SHA-256 matched the recorded model hash."""
    weights, digest = state(ctx).client().training.fetch_model(job_id)
    out.write_bytes(weights)
    emit(ctx, {"job_id": job_id, "path": str(out), "bytes": len(weights), "sha256": digest, "verified": True},
         title="model")


@training_app.command("curve")
def curve(ctx: typer.Context, job_id: Annotated[str, typer.Argument(help="Training job id")],
          out: Annotated[Path, typer.Option("--out", "-O", "-o", help="PNG file to write")]) -> None:
    """Loss and accuracy per epoch as a PNG."""
    image = state(ctx).client().training.curve(job_id)
    out.write_bytes(image)
    emit(ctx, {"job_id": job_id, "path": str(out), "bytes": len(image)}, title="training curve")


@training_app.command("algorithms")
def algorithms(ctx: typer.Context) -> None:
    """The algorithm catalog with code hashes and hyperparameters."""
    items = state(ctx).client().training.algorithms()
    if state(ctx).as_json:
        emit(ctx, items)
        return
    for a in items:
        emit(ctx, {"version": a["version"], "code hash": a["code_hash"], "description": a["description"],
                   "hyperparameters": ", ".join(f"{k}={v.get('default')}" for k, v in
                                                a["parameters"].get("properties", {}).items())},
             title=f"algorithm {a['name']}")


@credits_app.command("balance")
def balance(ctx: typer.Context,
            of: Annotated[str | None, typer.Option("--of", help="Organisation (default: your own)")] = None) -> None:
    """Your organisation's credit balance, read from the ledger."""
    emit(ctx, state(ctx).client().training.credits(of), title="credits")
