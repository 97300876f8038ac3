"""Exports of a query (JSON Lines, CSV; streamed page by page) and human-readable HTML reports for one
dataset or model, with the lineage graph embedded as a PNG."""

from __future__ import annotations

import base64
import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import Connection, Engine

from ledgerml.audit.adapters.queries import EntryFilter, iter_entries
from ledgerml.audit.adapters.tree_heads import head_view, latest_tree_head
from ledgerml.audit.domain import SUBJECT_KINDS, AuditEntry, format_time
from ledgerml.audit.errors import LineageNotFound, UnsupportedExportFormat
from ledgerml.audit.graph import lineage_graph, render_png
from ledgerml.audit.lineage import DATASET_ACTIONS, dataset_overview
from ledgerml.audit.reading import ACCESS_ACTIONS, check_range, lineage_of_model

FORMATS = {"jsonl": "application/x-ndjson", "csv": "text/csv; charset=utf-8"}
CSV_COLUMNS = ("seq", "time", "org", "actor", "action", "event_type", "source", "sequence", "event_id",
               *SUBJECT_KINDS, "ledger_tx_id", "ledger_block", "trace_id", "leaf_hash")
REPORT_ROWS = 500

_templates = Environment(loader=PackageLoader("ledgerml.audit", "templates"), autoescape=select_autoescape(),
                         trim_blocks=True, lstrip_blocks=True)


def media_type(fmt: str) -> str:
    if fmt not in FORMATS:
        raise UnsupportedExportFormat(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    return FORMATS[fmt]


def _csv_row(row: Any) -> list[str]:
    entry = json.loads(row.entry)
    subjects = entry.get("subjects") or {}
    values = {"seq": row.seq, "time": entry["time"], "org": entry["org"], "actor": entry["actor"],
              "action": entry["action"], "event_type": entry["type"], "source": entry["source"],
              "sequence": entry["sequence"], "event_id": entry["event_id"],
              **{k: ";".join(subjects.get(k, [])) for k in SUBJECT_KINDS},
              "ledger_tx_id": entry["ledger"]["tx_id"] or "", "ledger_block": entry["ledger"]["block"] or "",
              "trace_id": entry["trace_id"] or "", "leaf_hash": bytes(row.leaf_hash).hex()}
    return [str(values[c]) for c in CSV_COLUMNS]


def export_stream(engine: Engine, f: EntryFilter, *, fmt: str) -> Iterator[bytes]:
    """Validates first (so errors are problems, not a truncated 200), then yields page by page."""
    media_type(fmt)
    check_range(f)
    return _export(engine, f, fmt)


def _export(engine: Engine, f: EntryFilter, fmt: str) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if fmt == "csv":
        writer.writerow(CSV_COLUMNS)
    with engine.connect() as conn:
        for row in iter_entries(conn, f):
            if fmt == "jsonl":
                yield json.dumps({"seq": row.seq, "leaf_hash": bytes(row.leaf_hash).hex(),
                                  "entry": json.loads(row.entry)}, separators=(",", ":")).encode() + b"\n"
                continue
            writer.writerow(_csv_row(row))
            if buffer.tell() > 64 * 1024:
                yield buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


def _png(lineages: list[dict[str, Any]], title: str) -> str:
    return base64.b64encode(render_png(lineage_graph(lineages), title=title)).decode()


def _rows(conn: Connection, f: EntryFilter) -> list[dict[str, Any]]:
    out = []
    for row in iter_entries(conn, f, limit=REPORT_ROWS):
        entry = AuditEntry.from_leaf(bytes(row.entry))
        out.append({"seq": row.seq, "time": format_time(entry.time), "actor": entry.actor, "action": entry.action,
                    "subjects": ", ".join(f"{k}={';'.join(v)}" for k, v in sorted(entry.subjects.items())),
                    "ledger_tx_id": entry.ledger_tx_id or ""})
    return out


def _context(conn: Connection, *, log_owner: str) -> dict[str, Any]:
    signed = latest_tree_head(conn)
    return {"generated_at": format_time(datetime.now(UTC)), "log_owner": log_owner,
            "tree_head": head_view(conn, signed) if signed else None}


def model_report(conn: Connection, *, model_id: str, log_owner: str) -> str:
    lineage = lineage_of_model(conn, model_id=model_id)
    return _templates.get_template("model_report.html.j2").render(
        **_context(conn, log_owner=log_owner), lineage=lineage,
        graph_png=_png([lineage], f"Lineage of model {model_id}"),
        rows=_rows(conn, EntryFilter(model_id=model_id)))


def dataset_report(conn: Connection, *, dataset_id: str, log_owner: str) -> str:
    rows = _rows(conn, EntryFilter(dataset_id=dataset_id))
    if not rows:
        raise LineageNotFound(f"no audit entries name dataset {dataset_id!r}")
    models = sorted({m for r in iter_entries(conn, EntryFilter(dataset_id=dataset_id, action="training.job.*"))
                     for m in _models_of_job(conn, r)})
    records = [(r.seq, AuditEntry.from_leaf(bytes(r.entry)))
               for r in iter_entries(conn, EntryFilter(dataset_id=dataset_id, actions=DATASET_ACTIONS))]
    overview = dataset_overview(dataset_id, records)
    lineages = [overview, *(lineage_of_model(conn, model_id=m) for m in models)]
    access = _rows(conn, EntryFilter(dataset_id=dataset_id, actions=ACCESS_ACTIONS))
    return _templates.get_template("dataset_report.html.j2").render(
        **_context(conn, log_owner=log_owner), dataset_id=dataset_id, rows=rows, access=access,
        overview=overview, lineages=lineages[1:], graph_png=_png(lineages, f"Models trained on dataset {dataset_id}"))


def _models_of_job(conn: Connection, row: Any) -> set[str]:
    jobs = AuditEntry.from_leaf(bytes(row.entry)).subjects.get("job_id", ())
    return {m for job in jobs for r in iter_entries(conn, EntryFilter(job_id=job, action="registry.model.registered"))
            for m in AuditEntry.from_leaf(bytes(r.entry)).subjects.get("model_id", ())}
