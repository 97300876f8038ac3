"""Shared building blocks that cross LedgerML service boundaries."""
