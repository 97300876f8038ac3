"""LedgerML registry service: dataset and model catalog, versions and lineage view."""

__version__ = "0.1.0"
SERVICE = "registry"
