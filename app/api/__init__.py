"""JSON API for open data and integrations, under /api/v1: one module per domain, all read-only except unsubscribe."""
