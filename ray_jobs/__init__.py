"""LedgerML's algorithm catalog: one folder per algorithm (entrypoint, parameter schema, pinned
requirements, `algorithm.json`), run next to the data through the Ray Jobs API. See README.md."""
