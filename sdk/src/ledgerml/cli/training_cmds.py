"""`ledgerml` commands (training_cmds)."""

from __future__ import annotations
