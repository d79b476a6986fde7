"""JSON API for open data and integrations, under /api/v1."""
