"""`ledgerml datasets create|list|search|show` and `ledgerml models show|verify` (the registry)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ledgerml.cli.app import app, console, datasets_app, emit, state
from ledgerml.shared.errors import InvalidRequest

models_app = typer.Typer(help="Trained models: lineage and verification against the ledger.", no_args_is_help=True)
app.add_typer(models_app, name="models")

SUMMARY = ("dataset_id", "owner_org", "name", "tags", "price_per_job", "ledger")


def _columns(specs: list[str]) -> dict[str, str]:
    schema: dict[str, str] = {}
    for spec in specs:
        name, sep, kind = spec.partition("=")
        if not sep or not name or not kind:
            raise InvalidRequest(f"--column takes NAME=TYPE (e.g. label=categorical), not {spec!r}")
        schema[name] = kind
    return schema


def _row(d: dict[str, Any]) -> dict[str, Any]:
    ledger = d.get("ledger") or {}
    return {**d, "tags": ",".join(d.get("tags") or []), "ledger": ledger.get("state", "")}


def _show_dataset(ctx: typer.Context, d: dict[str, Any]) -> None:
    if state(ctx).as_json:
        emit(ctx, d)
        return
    ledger = d["ledger"]
    where = ledger["state"] + (f" (tx {ledger['tx_id']}, block {ledger['block_number']})" if ledger["tx_id"] else "")
    if ledger.get("error_code"):
        where += f" [{ledger['error_code']}: {ledger.get('error_detail') or ''}]"
    emit(ctx, {"owner": d["owner_org"], "name": d["name"], "description": d["description"],
               "schema": ", ".join(f"{k}:{v}" for k, v in d["schema"].items()), "terms": d["terms"],
               "tags": ", ".join(d["tags"]), "price per job": d["price_per_job"], "ledger": where},
         title=f"dataset {d['dataset_id']}")
    for v in d.get("versions", []):
        # Key/value lines, not a table: a Merkle root must never be cut to fit the terminal.
        vl = v["ledger"]
        emit(ctx, {"merkle root": v["merkle_root"], "size": f"{v['size_bytes']} bytes in {v['chunk_count']} chunks",
                   "stored": v["stored_at"], "ledger": vl["state"], "tx": vl["tx_id"] or "",
                   "block": vl["block_number"] if vl["block_number"] is not None else ""},
             title=f"version {v['version']}")


@datasets_app.command("create")
def create(ctx: typer.Context, name: Annotated[str, typer.Argument(help="Human-readable name")],
           column: Annotated[list[str], typer.Option("--column", "-c", help="NAME=TYPE, repeatable")],
           terms: Annotated[str, typer.Option(help="Licence / terms of use")],
           description: Annotated[str, typer.Option(help="What the data is")] = "",
           tag: Annotated[list[str] | None, typer.Option("--tag", "-t", help="Repeatable")] = None,
           price: Annotated[int, typer.Option(help="Credits per training job")] = 0,
           dataset_id: Annotated[str | None, typer.Option("--id", help="Slug; generated when absent")] = None) -> None:
    """Register a dataset owned by your organisation (its ledger registration follows)."""
    created = state(ctx).client().registry.create_dataset(
        name=name, schema=_columns(column), terms=terms, description=description, tags=tag or [],
        price_per_job=price, dataset_id=dataset_id)
    _show_dataset(ctx, created)


def _list(ctx: typer.Context, q: str | None, tag: str | None, owner: str | None, column: str | None,
          limit: int) -> None:
    registry = state(ctx).client().registry
    rows = []
    for entry in registry.iter_datasets(q, tag=tag, owner=owner, column=column, page_size=min(limit, 100)):
        rows.append(entry)
        if len(rows) >= limit:
            break
    emit(ctx, rows if state(ctx).as_json else [_row(r) for r in rows], columns=SUMMARY, title="catalog")


Owner = Annotated[str | None, typer.Option(help="Owner MSP id, e.g. Org1MSP")]
TagOpt = Annotated[str | None, typer.Option(help="Only datasets with this tag")]
ColumnOpt = Annotated[str | None, typer.Option(help="Only datasets whose schema has this column")]
Limit = Annotated[int, typer.Option(help="At most this many entries")]


@datasets_app.command("list")
def list_datasets(ctx: typer.Context, owner: Owner = None, tag: TagOpt = None, limit: Limit = 50) -> None:
    """The consortium catalog: your organisation's datasets and every other organisation's."""
    _list(ctx, None, tag, owner, None, limit)


@datasets_app.command("search")
def search(ctx: typer.Context, text: Annotated[str, typer.Argument(help="Words in the name or description")],
           tag: TagOpt = None, owner: Owner = None, column: ColumnOpt = None, limit: Limit = 50) -> None:
    """Search the catalog by text, tag, owner and schema column."""
    _list(ctx, text, tag, owner, column, limit)


@datasets_app.command("show")
def show(ctx: typer.Context, dataset_id: str,
         org: Annotated[str | None, typer.Option(help="Ask this organisation's registry")] = None) -> None:
    """A dataset with its versions, Merkle roots and ledger transactions."""
    _show_dataset(ctx, state(ctx).client().registry.get_dataset(dataset_id, org=org))


@models_app.command("show")
def show_model(ctx: typer.Context, model_id: str) -> None:
    """A model's lineage: dataset versions and roots, algorithm, hashes, job, metrics."""
    model = state(ctx).client().registry.get_model(model_id)
    if state(ctx).as_json:
        emit(ctx, model)
        return
    inputs = "; ".join(f"{i['dataset_id']}@{i['version']} root {i['merkle_root'] or '?'}" for i in model["inputs"])
    emit(ctx, {k: v for k, v in model.items() if k not in ("inputs", "ledger")} | {
        "inputs": inputs or "(unknown)", "ledger tx": model["ledger"]["tx_id"] or ""}, title=f"model {model_id}")


@models_app.command("verify")
def verify_model(ctx: typer.Context, model_id: str) -> None:
    """Check every lineage field against the ledger; exits 1 unless everything matches."""
    result = state(ctx).client().registry.verify_model(model_id)
    if state(ctx).as_json:
        emit(ctx, result)
    else:
        checks = [{"where": where, **c} for where in ("local", "ledger") for c in result[f"{where}_checks"]]
        emit(ctx, checks, columns=("where", "field", "status", "expected", "actual"), title=f"model {model_id}")
        console.print("verified" if result["verified"] else "NOT verified",
                      style="green" if result["verified"] else "red")
    if not result["verified"]:
        raise typer.Exit(1)
