"""The OpenAPI document states the errors the API really answers: RFC 9457 problem details, not FastAPI's defaults."""

from __future__ import annotations

from typing import Any

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
    },
}
PROBLEM_STATUSES = {"400": "A value the database cannot take (e.g. a NUL character)",
                    "404": "Not found (unknown municipality or object)", "422": "Invalid parameters"}


def document_problem_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """Every /api operation may answer 400, 404 or 422 as `application/problem+json` (see app.errors)."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, item in schema.get("paths", {}).items():
        if not path.startswith("/api/"):
            continue
        for operation in item.values():
            responses = operation.setdefault("responses", {})
            for status, description in PROBLEM_STATUSES.items():
                responses[status] = {"description": description, "content": problem}
    return schema
