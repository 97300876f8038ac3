"""OpenTelemetry set-up, trace propagation (Kafka headers, ledger calls, Ray jobs), logs and metrics."""
