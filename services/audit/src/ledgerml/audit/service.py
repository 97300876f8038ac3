"""Use cases of the audit service: the append-only audit log, its proofs and anchored tree heads.

Keyword-only functions that take ports (`ledgerml.shared.ledger.Ledger`, the outbox, this service's
repositories) and write state and events in one transaction. None yet: this is the skeleton.
"""
