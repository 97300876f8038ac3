"""LedgerML access-control service: access requests, grants, denials and revocations."""

__version__ = "0.1.0"
SERVICE = "access-control"
