"""Use cases of the access-control service: access requests and the owner's decisions (grant, deny, revoke).

Keyword-only functions that take ports (`ledgerml.shared.ledger.Ledger`, the outbox, this service's
repositories) and write state and events in one transaction. None yet: this is the skeleton.
"""
