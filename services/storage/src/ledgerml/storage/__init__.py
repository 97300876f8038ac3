"""LedgerML storage service: chunked, hashed, encrypted dataset versions and verified reads."""

__version__ = "0.1.0"
SERVICE = "storage"
