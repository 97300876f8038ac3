"""`ledgerml` commands (registry_cmds)."""

from __future__ import annotations
