"""CSRF on every state-changing route, found from the route table (public and staff pages alike).

Each POST/PUT/PATCH/DELETE route is sent, by an anonymous visitor and by a system administrator who is also the
municipality's admin (so no permission check can be what refuses it): no token, a forged token as a form field,
a forged token in a multipart upload, a forged X-CSRF-Token header, a JSON body, and another session's valid token.
Every one must be refused with 403, and the database must be exactly as before (every table's checksum).
With a valid token the same routes get through (tests/test_authz_matrix.py::test_allowed_role_gets_through).
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from sqlalchemy import create_engine
from sqlmodel import Session
from starlette.routing import BaseRoute, Mount, Route

from app import transfer
from app.auth import UNSAFE_METHODS
from app.main import create_app
from app.models import Role
from tests import factories
from tests.admin import authz_params as admin_params
from tests.concerns import authz_params as concerns_params
from tests.conftest import CheckedClient
from tests.dialogues import authz_params as dialogues_params
from tests.pledges import authz_params as pledges_params
from tests.surveys import authz_params as surveys_params

# State-changing routes that take no CSRF token. Adding one here is a decision, not an accident.
CSRF_EXEMPT = {
    # RFC 8058 one-click unsubscribe: mail clients POST it without a session; the signed token is the secret.
    "POST /api/v1/pledges/unsubscribe/{token}",
}


def unsafe_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every route that accepts an unsafe method, included routers and mounts too."""
    found: set[tuple[str, str]] = set()
    for route in iter_route_contexts(app.routes):
        for method in set(route.methods or ()) & UNSAFE_METHODS:
            found.add((method, str(route.path)))
    others: list[BaseRoute] = [r for r in app.routes if isinstance(r, (Route, Mount))]
    for other in others:
        if isinstance(other, Mount):
            assert other.path == "/static", f"a new mount {other.path}: check it takes no unsafe method"
        elif isinstance(other, Route):
            for method in set(other.methods or ()) & UNSAFE_METHODS:
                found.add((method, other.path))
    return sorted(found)


ROUTES = unsafe_routes(create_app(create_engine("sqlite://")))


def test_the_route_table_has_the_state_changing_routes() -> None:
    ids = {f"{method} {path}" for method, path in ROUTES}
    assert len(ids) > 50 and "POST /staff/login" in ids and "POST /s/{slug}/{page:int}" in ids
    assert ids >= CSRF_EXEMPT, "an exemption for a route that no longer exists"


def _snapshot(db: Session) -> dict[str, tuple[int, str]]:
    db.flush()
    connection = db.connection()
    return {table.name: transfer.checksum_table(connection, table) for table in transfer.tables()}


def _url(path: str, params: dict[str, Any]) -> str:
    return re.sub(r"{(\w+)(?::\w+)?}", lambda m: str(params.get(m.group(1), 1)), path)


def test_every_state_changing_route_refuses_a_missing_or_wrong_token(app: FastAPI, db: Session) -> None:
    alpha = factories.municipality(db, slug="alpha")
    boss = factories.staff(db, alpha, Role.admin, superadmin=True)
    db.commit()
    params: dict[str, Any] = {"municipality": alpha.slug, "slug": alpha.slug, "user_id": boss.id}
    for provider in (admin_params, surveys_params, dialogues_params, concerns_params, pledges_params):
        params.update(provider.params(db, alpha))
    db.commit()

    with CheckedClient(app, base_url="http://testserver") as anonymous, \
            CheckedClient(app, base_url="http://testserver") as staff, \
            CheckedClient(app, base_url="http://testserver") as other:
        staff.login(boss)
        someone_elses = other.csrf()
        assert someone_elses != staff.csrf()
        before = _snapshot(db)
        token = staff.csrf()
        near_miss = token[:-1] + ("x" if token[-1] != "x" else "y")
        attempts: dict[str, tuple[CheckedClient, dict[str, Any]]] = {
            "anonymous, no token": (anonymous, {"data": {"x": "1"}}),
            "no token": (staff, {"data": {"x": "1"}}),
            "forged token": (staff, {"data": {"csrf_token": "forged"}}),
            "forged token, multipart": (staff, {"data": {"csrf_token": near_miss},
                                                "files": {"file": ("a.csv", b"a;b\n", "text/csv")}}),
            "forged header": (staff, {"headers": {"X-CSRF-Token": near_miss}, "data": {"x": "1"}}),
            "JSON body": (staff, {"json": {"csrf_token": token}}),
            "another session's token": (staff, {"data": {"csrf_token": someone_elses}}),
        }
        problems = []
        for method, path in ROUTES:
            if f"{method} {path}" in CSRF_EXEMPT:
                continue
            url = _url(path, params)
            for name, (client, kwargs) in attempts.items():
                response = client.request(method, url, follow_redirects=False, **kwargs)
                if response.status_code != 403 or "Åtkomst nekad" not in response.text:
                    problems.append(f"{method} {path} ({name}): {response.status_code}")
        assert not problems, "\n".join(problems)
        assert staff.get("/staff", follow_redirects=False).status_code == 200  # still logged in: it was CSRF
    assert _snapshot(db) == before  # nothing changed anywhere
