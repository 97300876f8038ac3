"""`ledgerml` commands (storage_cmds)."""

from __future__ import annotations
