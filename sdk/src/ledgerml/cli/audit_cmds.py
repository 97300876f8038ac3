"""`ledgerml audit ...`: timelines, lineage, proofs, offline verification, exports and reports.

`--log ORG` picks whose audit log to ask (default: your own organisation's). `audit verify` runs
offline: it needs only the entry, its proof and a root. `audit anchor` reads a log's anchored root from
the ledger's state, with its Merkle proof checked against a validator's header. Exit status of
`audit verify`: see `VERIFY_EXITS` (shown in its `--help`, and each exit says on stderr what it means).
`audit check-export` checks a whole-log export against the log's anchor on the ledger: an organisation can
rewrite and re-sign its own log, but not the root it anchored (exit 0 matches, 1 rewritten or truncated, 4
the latest anchor is newer than the export: export again, or name an older anchored size with `--tree-size`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from ledgerml.cli.app import audit_app, console, emit, err_console, state
from ledgerml.client.anchored import ExportUnreadable, check_against_anchor, export_leaves
from ledgerml.client.audit import verify_offline
from ledgerml.client.connection import msp_id_of

EXIT_VALID, EXIT_INVALID, EXIT_USAGE, EXIT_ROOT_UNCONFIRMED, EXIT_STALE_EXPORT = 0, 1, 2, 3, 4
VERIFY_EXITS = {
    EXIT_VALID: "valid: the entry is included under the root you gave with --root (e.g. the anchored one)",
    EXIT_INVALID: "INVALID: the proof does not lead from the entry to the root; do not trust this entry",
    EXIT_USAGE: "usage error: a missing or unreadable --entry/--proof file, or a --root that is not 64 hex",
    EXIT_ROOT_UNCONFIRMED: "valid, but only against the service's own tree head, which nobody outside the "
                           "service confirmed; pass --root with the anchored root (`ledgerml audit anchor`)",
}
VERIFY_HELP = "Exit status:\n\n" + "\n\n".join(f"{code}  {meaning}" for code, meaning in VERIFY_EXITS.items())
ENTRY_COLUMNS = ("seq", "time", "org", "actor", "action", "subjects", "ledger_tx")

LogOrg = Annotated[str | None, typer.Option("--log", help="Whose audit log to ask (default: your own)")]
Dataset = Annotated[str | None, typer.Option("--dataset", help="Entries naming this dataset")]
Model = Annotated[str | None, typer.Option("--model", help="Entries naming this model")]
Job = Annotated[str | None, typer.Option("--job", help="Entries naming this training job")]
Source = Annotated[str | None, typer.Option("--source-org", help="Emitting organisation (org1 or Org1MSP)")]
Actor = Annotated[str | None, typer.Option("--actor", help="Who acted (an MSP id or a service)")]
Action = Annotated[str | None, typer.Option("--action", help="e.g. storage.chunk.read, or access.*")]
Since = Annotated[datetime | None, typer.Option("--since", help="From (inclusive, UTC if no zone)")]
Until = Annotated[datetime | None, typer.Option("--until", help="Until (exclusive)")]
Out = Annotated[Path, typer.Option("--out", "-O", help="File to write", dir_okay=False)]


def _filters(dataset: str | None, model: str | None, job: str | None, source: str | None, actor: str | None,
             action: str | None, since: datetime | None, until: datetime | None) -> dict[str, Any]:
    return {"dataset_id": dataset, "model_id": model, "job_id": job, "org": source, "actor": actor,
            "action": action, "since": _utc(since), "until": _utc(until)}


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _row(item: dict[str, Any]) -> dict[str, Any]:
    entry = item["entry"]
    subjects = "; ".join(f"{k}={','.join(v)}" for k, v in sorted((entry.get("subjects") or {}).items()))
    return {"seq": item["seq"], "time": entry["time"], "org": entry["org"], "actor": entry["actor"],
            "action": entry["action"], "subjects": subjects, "ledger_tx": entry["ledger"]["tx_id"] or ""}


@audit_app.command("timeline")
def timeline(ctx: typer.Context, log: LogOrg = None, dataset: Dataset = None, model: Model = None, job: Job = None,
             source: Source = None, actor: Actor = None, action: Action = None, since: Since = None,
             until: Until = None,
             limit: Annotated[int, typer.Option(min=1, help="At most this many entries")] = 50) -> None:
    """Audit entries in log order, filtered."""
    audit = state(ctx).client().audit
    filters = _filters(dataset, model, job, source, actor, action, since, until)
    items = []
    for item in audit.timeline(log_org=log, page_size=min(limit, 500), **filters):
        items.append(item)
        if len(items) >= limit:
            break
    if state(ctx).as_json:
        emit(ctx, items)
    else:
        emit(ctx, [_row(i) for i in items], columns=ENTRY_COLUMNS, title=f"{len(items)} audit entries")


@audit_app.command("lineage")
def lineage(ctx: typer.Context, model_id: str, log: LogOrg = None) -> None:
    """A model's lineage: job, dataset versions, grants in force, result."""
    result = state(ctx).client().audit.lineage(model_id, log_org=log)
    if state(ctx).as_json:
        emit(ctx, result)
        return
    job = result.get("job") or {}
    emit(ctx, {"model": model_id, "sha256": (result.get("model") or {}).get("model_sha256"),
               "job": job.get("job_id"), "status": job.get("status"), "requester": job.get("requester_org"),
               "algorithm": job.get("algorithm"),
               "datasets": ", ".join(f"{d['dataset_id']}@{d['version']}" for d in result["datasets"]),
               "grants in force": ", ".join(g["grant_id"] for g in result["grants"] if g["in_force"]),
               "entries": ", ".join(str(s) for s in result["entries"])}, title="Lineage")


@audit_app.command("proof")
def proof(ctx: typer.Context, seq: int, out: Out,
          tree_size: Annotated[int | None, typer.Option(help="Prove against this signed head")] = None,
          log: LogOrg = None) -> None:
    """Fetch an entry with its inclusion proof and signed tree head (the input of `audit verify`)."""
    body = state(ctx).client().audit.proof(seq, tree_size=tree_size, log_org=log)
    out.write_text(json.dumps(body, indent=2) + "\n")
    emit(ctx, {"entry": seq, "tree_size": body["tree_size"], "root": body["tree_head"]["root_hash"],
               "ledger": body["tree_head"]["ledger"]["state"], "written": str(out)}, title="Proof")


def _load(path: Path, what: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise typer.BadParameter(f"{path} is not a readable JSON {what}: {exc}") from None
    if not isinstance(data, dict):
        raise typer.BadParameter(f"{path} must hold a JSON object ({what})")
    return data


@audit_app.command("anchor")
def anchor(ctx: typer.Context,
           log: Annotated[str, typer.Option("--log", help="Whose audit log (org1 or Org1MSP)")],
           tree_size: Annotated[int | None, typer.Option(help="This anchored size (default: the latest)")] = None,
           ) -> None:
    """A log's anchored tree head, read from the ledger with a Merkle proof against a validator's header."""
    log_id = f"{msp_id_of(log).removesuffix('MSP').lower()}-audit"
    found = state(ctx).client().ledger.anchor(log_id, tree_size)
    if found is None:
        emit(ctx, {"log": log_id, "anchor": "none on the ledger"}, title="Anchor")
        raise typer.Exit(EXIT_INVALID)
    emit(ctx, {"log": found.log_id, "tree_size": found.tree_size, "root": found.root_hash, "tx": found.tx_id,
               "height": found.height, "proof checked against": found.verified_by}, title="Anchor")


def _exit_with(code: int) -> None:
    """Say on stderr what the exit status means (stdout keeps the result), then exit with it."""
    err_console.print(f"exit {code}: {VERIFY_EXITS[code]}", soft_wrap=True)
    if code != EXIT_VALID:
        raise typer.Exit(code)


@audit_app.command("verify", epilog=VERIFY_HELP)
def verify(ctx: typer.Context,
           entry: Annotated[Path, typer.Option("--entry", help="The entry (JSON; a proof file also works)")],
           proof_file: Annotated[Path, typer.Option("--proof", help="The proof file from `audit proof`")],
           root: Annotated[str | None, typer.Option("--root", help="A root you trust (64 hex)")] = None) -> None:
    """Offline: is the entry included under the root? Needs no service. Exits 0, 1, 2 or 3 (below)."""
    entry_doc, proof_doc = _load(entry, "entry"), _load(proof_file, "proof")
    if isinstance(entry_doc.get("entry"), dict):
        entry_doc = entry_doc["entry"]
    if root is not None and (len(root) != 64 or any(c not in "0123456789abcdef" for c in root)):
        raise typer.BadParameter("--root must be 64 lower-case hex characters")
    try:
        result = verify_offline(entry_doc, proof_doc, root_hex=root)
    except (KeyError, TypeError, ValueError) as exc:
        raise typer.BadParameter(f"{proof_file} is not an audit proof: {exc}") from None
    emit(ctx, result.as_dict(), title="Offline verification")
    if not state(ctx).as_json:
        console.print(result.reason, soft_wrap=True)
    if not result.proof_valid:
        _exit_with(EXIT_INVALID)
    _exit_with(EXIT_VALID if result.root_confirmed else EXIT_ROOT_UNCONFIRMED)


@audit_app.command("export")
def export(ctx: typer.Context, out: Out, fmt: Annotated[str, typer.Option("--format", help="jsonl or csv")] = "jsonl",
           log: LogOrg = None, dataset: Dataset = None, model: Model = None, job: Job = None, source: Source = None,
           actor: Actor = None, action: Action = None, since: Since = None, until: Until = None) -> None:
    """Stream a query's entries to a JSON Lines or CSV file."""
    if fmt not in ("jsonl", "csv"):
        raise typer.BadParameter("--format must be jsonl or csv")
    chosen: Literal["jsonl", "csv"] = "csv" if fmt == "csv" else "jsonl"
    with out.open("wb") as handle:
        written = state(ctx).client().audit.export(handle, fmt=chosen, log_org=log,
                                                   **_filters(dataset, model, job, source, actor, action, since, until))
    emit(ctx, {"written": str(out), "bytes": written, "format": fmt}, title="Export")


@audit_app.command("report")
def report(ctx: typer.Context, kind: Annotated[str, typer.Argument(help="dataset or model")], subject_id: str,
           out: Out, log: LogOrg = None) -> None:
    """Write the HTML report of one dataset or model, lineage graph included."""
    if kind not in ("dataset", "model"):
        raise typer.BadParameter("kind must be dataset or model")
    html = state(ctx).client().audit.report("dataset" if kind == "dataset" else "model", subject_id, log_org=log)
    out.write_text(html)
    emit(ctx, {"written": str(out), "bytes": len(html.encode())}, title="Report")


@audit_app.command("check-log")
def check_log(ctx: typer.Context, log: LogOrg = None) -> None:
    """Ask the service to recompute its whole log and compare with stored hashes and signed heads."""
    result = state(ctx).client().audit.verify_log(log_org=log)
    emit(ctx, result, title="Log verification")
    if not result["ok"]:
        raise typer.Exit(EXIT_INVALID)


@audit_app.command("check-export")
def check_export(ctx: typer.Context,
                 export_file: Annotated[Path, typer.Argument(help="A whole-log JSON Lines export (`audit export`)",
                                                             exists=True, dir_okay=False)],
                 log: Annotated[str, typer.Option("--log", help="Whose audit log it is (org1 or Org1MSP)")],
                 tree_size: Annotated[int | None, typer.Option(help="Check this anchor (default: the latest)")] = None,
                 ) -> None:
    """Does the export hash to the root its owner anchored on the ledger? Catches a rewritten, re-signed log."""
    log_id = f"{msp_id_of(log).removesuffix('MSP').lower()}-audit"
    try:
        with export_file.open("rb") as handle:
            leaves = export_leaves(handle)
    except ExportUnreadable as exc:
        raise typer.BadParameter(str(exc)) from None
    found = state(ctx).client().ledger.anchor(log_id, tree_size)
    if found is None:
        emit(ctx, {"log": log_id, "anchor": "none on the ledger"}, title="Anchor check")
        raise typer.Exit(EXIT_INVALID)
    if tree_size is None and found.tree_size > len(leaves):
        emit(ctx, {"log": log_id, "export_entries": len(leaves), "latest_anchor": found.tree_size,
                   "what to do": "the log was anchored again after this export: export again, or pass --tree-size "
                                 "with an anchored size no larger than the export"}, title="Anchor check")
        raise typer.Exit(EXIT_STALE_EXPORT)
    result = check_against_anchor(leaves, found)
    emit(ctx, result.as_dict(), title="Anchor check")
    if not state(ctx).as_json:
        console.print(result.reason, soft_wrap=True)
    if not result.ok:
        raise typer.Exit(EXIT_INVALID)
