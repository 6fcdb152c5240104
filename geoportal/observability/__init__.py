"""Observability: request ids, JSON logs, Prometheus metrics, readiness (docs/architecture.md)."""
