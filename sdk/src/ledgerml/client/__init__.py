"""LedgerML Python SDK: a typed client for every service's API, signing requests with the caller's MSP identity."""
