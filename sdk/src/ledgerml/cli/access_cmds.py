"""`ledgerml` commands (access_cmds)."""

from __future__ import annotations
