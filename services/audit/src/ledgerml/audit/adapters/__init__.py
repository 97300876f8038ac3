"""Adapters of the audit service: one per external system (database here; ledger, Kafka, MinIO and
Ray through `ledgerml.shared` ports as the domain needs them)."""
