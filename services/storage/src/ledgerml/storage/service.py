"""Use cases of the storage service: chunks, manifests, Merkle roots and verified reads.

Keyword-only functions that take ports (`ledgerml.shared.ledger.Ledger`, the outbox, this service's
repositories) and write state and events in one transaction. None yet: this is the skeleton.
"""
