"""`ledgerml credits mint|escrow`: what the consortium's admins and members read and sign on the ledger.

`mint` runs as an admin (`--user Admin`) of a member organisation and gathers the co-signatures of
admins of other member organisations (`--co-signer org2`, their identities from the local PKI) into one
transaction; the ledger refuses it without a majority of members (LML-CC-0021 QUORUM_NOT_MET).
"""

from __future__ import annotations

from typing import Annotated

import typer

from ledgerml.cli.app import credits_app, emit, state
from ledgerml.client.connection import connect, msp_id_of


@credits_app.command("mint")
def mint(ctx: typer.Context,
         to: Annotated[str, typer.Option("--to", help="Organisation credited (org2 or Org2MSP)")],
         amount: Annotated[int, typer.Option(min=1, help="Credits to create")],
         co_signer: Annotated[list[str], typer.Option("--co-signer", help="Another member organisation whose "
                                                      "admin co-signs (repeatable)")]) -> None:
    """Create credits for an organisation, signed by a majority of the member organisations' admins."""
    st = state(ctx)
    client = st.client()
    co_signers = [connect(org, user="Admin").identity for org in co_signer]
    receipt = client.ledger.mint(to_org=msp_id_of(to), amount=amount, co_signers=co_signers)
    emit(ctx, {"to": msp_id_of(to), "amount": amount, "signed by": ", ".join([client.msp_id, *map(msp_id_of,
                                                                                                co_signer)]),
               "tx": receipt.tx_id, "block": receipt.block_number,
               "balance now": client.ledger.balance(msp_id_of(to))}, title="minted")


@credits_app.command("escrow")
def escrow(ctx: typer.Context, job_id: Annotated[str, typer.Argument(help="Training job id")]) -> None:
    """A training job's escrow as the ledger holds it (HELD, RELEASED or REFUNDED, and to whom)."""
    found = state(ctx).client().ledger.escrow(job_id)
    emit(ctx, found if found is not None else {"job_id": job_id, "escrow": "none on the ledger"}, title="escrow")
