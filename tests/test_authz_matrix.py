"""Every staff route x (anonymous, wrong role, other municipality, allowed), discovered from the route table;
then party scope (a partner x another party's activity) and the four-eyes rule on signing a pledge."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlmodel import Session, select

from app.auth import PERMISSIONS
from app.main import create_app
from app.models import Invitation, PartyKind, Role
from app.models.pledges import Pledge, PledgeSignature, PledgeStatus, PledgeUpdate
from tests import factories
from tests.admin import authz_params as admin_params
from tests.authz import StaffRoute, staff_routes
from tests.concerns import authz_params as concerns_params
from tests.conftest import CheckedClient
from tests.cycles import authz_params as cycles_params
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
    for provider in (admin_params, surveys_params, dialogues_params, concerns_params, pledges_params, cycles_params):
        params.update(provider.params(db, alpha))
    # An invitation the admin (the role the "allowed" case signs in as) may accept or decline, and alpha may withdraw.
    invitation = Invitation(user_id=users[Role.admin].id or 0, municipality_id=alpha.id or 0, role=Role.viewer,
                            invited_by=superadmin.id)  # an invitation stands only while its inviter may invite
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


# Routes that change an activity or one of its updates: only the activity's own party (or the pledge's editors).
PARTY_BOUND = [r for r in PROTECTED if r.method != "GET" and ("{activity_id}" in r.path or "{update_id}" in r.path)]


def test_party_bound_routes_are_found() -> None:
    assert {"status", "updates", "edit", "correct", "withdraw", "review"} <= {r.path.rsplit("/", 1)[1]
                                                                            for r in PARTY_BOUND}


@pytest.mark.parametrize("route", PARTY_BOUND, ids=lambda r: r.id)
def test_partner_cannot_act_on_another_partys_activity(client: CheckedClient, db: Session, world: dict[str, Any],
                                                       route: StaffRoute) -> None:
    """The housing company's account, by direct POST, on the municipality's activity and its update: 403, and
    the update is untouched."""
    housing = factories.party(db, world["alpha"], PartyKind.partner, name="Bostadsbolaget")
    partner = factories.staff(db, world["alpha"], Role.partner, party=housing)
    db.commit()
    client.login(partner)
    response = client.request(route.method, url_for(route, world["params"]),
                              data={"csrf_token": client.csrf(), "status": "cancelled", "cancel_reason": "x",
                                    "upd_text": "I polisens namn", "upd_achieved": "9", "decision": "approve"},
                              follow_redirects=False)
    assert response.status_code == 403, response.text[:300]
    update = db.get(PledgeUpdate, world["params"]["update_id"])
    assert update is not None and update.text == "Tio papperskorgar uppsatta." and update.state == "published"
    assert db.exec(select(PledgeUpdate).where(PledgeUpdate.text == "I polisens namn")).first() is None


@pytest.mark.parametrize("role", [role for role in Role if role in PERMISSIONS["edit"]])
def test_who_submitted_cannot_sign_and_one_signature_does_not_publish(client: CheckedClient, db: Session,
                                                                      world: dict[str, Any], role: Role) -> None:
    found = db.get(Pledge, world["params"]["pledge_id"])
    assert found is not None and found.status == PledgeStatus.in_review
    found.submitted_by = world["users"][role].id
    db.add(found)
    db.commit()
    url = f"/staff/m/{world['alpha'].slug}/pledges/{found.id}/publish"
    client.login(world["users"][role])
    assert client.post_form(url).status_code == 400
    assert db.exec(select(PledgeSignature)).first() is None
    other = Role.police if role != Role.police else Role.coordinator
    client.login(world["users"][other])
    assert client.post_form(url).status_code == 303
    db.refresh(found)
    assert found.status == PledgeStatus.in_review  # one side's signature publishes nothing
