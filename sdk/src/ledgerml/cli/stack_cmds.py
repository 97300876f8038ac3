"""`ledgerml` commands (stack_cmds)."""

from __future__ import annotations
