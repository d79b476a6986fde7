"""Every staff route x (anonymous, wrong role, other municipality, allowed), discovered from the route table."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlmodel import Session

from app.auth import PERMISSIONS
from app.main import create_app
from app.models import Invitation, Role
from tests import factories
from tests.admin import authz_params as admin_params
from tests.authz import StaffRoute, staff_routes
from tests.concerns import authz_params as concerns_params
from tests.conftest import CheckedClient
from tests.dialogues import authz_params as dialogues_params
from tests.pledges import authz_params as pledges_params
from tests.surveys import authz_params as surveys_params

ROUTES = staff_routes(create_app(create_engine("sqlite://")))
PROTECTED = [r for r in ROUTES if r.protected]

# Staff routes that must be reachable without a session. Adding one here is a decision, not an accident.
PUBLIC_STAFF_ROUTES = {
    "GET /staff/login", "POST /staff/login", "POST /staff/logout",
    "GET /staff/password/{token}", "POST /staff/password/{token}",
    "GET /staff/login/code", "POST /staff/login/code",  # the second step of signing in: the password came first
    "GET /staff/password/forgot", "POST /staff/password/forgot",  # mails a link to the account's own address
}


@pytest.fixture
def world(db: Session) -> dict[str, Any]:
    """Municipality alpha with a user per role and a target user; municipality beta with an admin."""
    alpha = factories.municipality(db, slug="alpha")
    beta = factories.municipality(db, slug="beta")
    users = {role: factories.staff(db, alpha, role) for role in Role}
    target = factories.staff(db, alpha, Role.viewer)
    outsider = factories.staff(db, beta, Role.admin)
    superadmin = factories.staff(db, superadmin=True)
    db.commit()
    # Every path parameter a staff route may use, filled with a real object in alpha.
    params: dict[str, Any] = {"municipality": alpha.slug, "user_id": target.id}
    for provider in (admin_params, surveys_params, dialogues_params, concerns_params, pledges_params):
        params.update(provider.params(db, alpha))
    # An invitation the admin (the role the "allowed" case signs in as) may accept or decline, and alpha may withdraw.
    invitation = Invitation(user_id=users[Role.admin].id or 0, municipality_id=alpha.id or 0, role=Role.viewer)
    db.add(invitation)
    db.flush()
    params["invitation_id"] = invitation.id
    db.commit()
    return {"alpha": alpha, "users": users, "outsider": outsider, "superadmin": superadmin, "params": params}


def url_for(route: StaffRoute, params: dict[str, Any]) -> str:
    names = re.findall(r"{(\w+)(?::\w+)?}", route.path)
    missing = [name for name in names if name not in params]
    assert not missing, f"add a value for {missing} to the authorization matrix fixture (tests/test_authz_matrix.py)"
    return re.sub(r"{(\w+)(?::\w+)?}", lambda m: str(params[m.group(1)]), route.path)


def send(client: CheckedClient, route: StaffRoute, url: str) -> Any:
    if route.method == "GET":
        return client.get(url, follow_redirects=False)
    return client.request(route.method, url, data={"csrf_token": client.csrf()}, follow_redirects=False)


def test_unprotected_staff_routes_are_only_the_login_pages() -> None:
    assert {r.id for r in ROUTES if not r.protected} == PUBLIC_STAFF_ROUTES


def test_every_municipality_route_is_scoped() -> None:
    unscoped = [r.id for r in PROTECTED if "{municipality}" in r.path and not r.scoped]
    assert not unscoped


def test_viewers_cannot_change_anything() -> None:
    """Every state-changing municipality route needs a permission the read-only viewer role lacks."""
    open_to_viewers = [r.id for r in PROTECTED
                       if r.scoped and r.method != "GET" and Role.viewer not in _lacking_roles(r)]
    assert not open_to_viewers


@pytest.mark.parametrize("route", PROTECTED, ids=lambda r: r.id)
def test_anonymous_is_sent_to_login(client: CheckedClient, world: dict[str, Any], route: StaffRoute) -> None:
    response = send(client, route, url_for(route, world["params"]))
    assert response.status_code == 303
    assert response.headers["location"].startswith("/staff/login?next=")


def _lacking_roles(route: StaffRoute) -> list[Role]:
    if route.permission == "superadmin":
        return [Role.admin]  # even a municipality admin is not a system administrator
    allowed = PERMISSIONS.get(route.permission or "view", frozenset(Role))
    return [role for role in Role if role not in allowed]


@pytest.mark.parametrize("route", [r for r in PROTECTED if _lacking_roles(r)], ids=lambda r: r.id)
def test_wrong_role_is_forbidden(client: CheckedClient, world: dict[str, Any], route: StaffRoute) -> None:
    lacking = _lacking_roles(route)
    client.login(world["users"][lacking[0]])
    response = send(client, route, url_for(route, world["params"]))
    assert response.status_code == 403, response.text[:300]


@pytest.mark.parametrize("route", [r for r in PROTECTED if r.scoped], ids=lambda r: r.id)
def test_other_municipality_gets_not_found(client: CheckedClient, world: dict[str, Any], route: StaffRoute) -> None:
    client.login(world["outsider"])
    response = send(client, route, url_for(route, world["params"]))
    assert response.status_code == 404


@pytest.mark.parametrize("route", PROTECTED, ids=lambda r: r.id)
def test_allowed_role_gets_through(client: CheckedClient, world: dict[str, Any], route: StaffRoute) -> None:
    allowed = PERMISSIONS.get(route.permission or "view", frozenset(Role))
    role = Role.admin if Role.admin in allowed else next(iter(allowed))
    client.login(world["superadmin"] if route.permission == "superadmin" else world["users"][role])
    response = send(client, route, url_for(route, world["params"]))
    assert response.status_code in ({200} if route.method == "GET" else {200, 303, 400}), response.text[:300]
