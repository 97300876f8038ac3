"""Use cases of the training service: training jobs, their dispatch to Ray and their results.

Keyword-only functions that take ports (`ledgerml.shared.ledger.Ledger`, the outbox, this service's
repositories) and write state and events in one transaction. None yet: this is the skeleton.
"""
