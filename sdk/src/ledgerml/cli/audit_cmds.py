"""`ledgerml` commands (audit_cmds)."""

from __future__ import annotations
