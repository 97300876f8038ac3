"""LedgerML audit service: append-only Merkle audit log, proofs and anchored tree heads."""

__version__ = "0.1.0"
SERVICE = "audit"
