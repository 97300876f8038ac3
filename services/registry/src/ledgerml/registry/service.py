"""Use cases of the registry service: datasets, dataset versions and models as the ledger records them.

Keyword-only functions that take ports (`ledgerml.shared.ledger.Ledger`, the outbox, this service's
repositories) and write state and events in one transaction. None yet: this is the skeleton.
"""
