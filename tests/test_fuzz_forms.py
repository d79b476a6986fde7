"""Hostile input on every public and staff form, found from the route table: never a 5xx, never half-written.

Each POST route (outside the JSON API, which schemathesis covers) is posted to as a person allowed to use it, with
a valid CSRF token, starting from the values of its own form (read from the GET page that shows it) and replacing,
repeating or dropping fields with hostile values. When the answer is an error (4xx, or the form shown again with
an error summary) no table may have gained or lost a row.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, create_engine, func, inspect, select
from sqlalchemy.exc import DBAPIError, PendingRollbackError
from sqlmodel import Session, SQLModel

from app.admin import passwords
from app.auth import PERMISSIONS
from app.dialogues import service as dialogues_service
from app.main import create_app
from app.models import Invitation, Municipality, Role, StaffUser
from app.models.dialogues import DialogueSignup
from app.models.pledges import PledgeSubscriber
from app.models.surveys import Survey
from tests import factories
from tests.admin import authz_params as admin_params
from tests.authz import StaffRoute, staff_routes
from tests.concerns import authz_params as concerns_params
from tests.conftest import CheckedClient
from tests.cycles import authz_params as cycles_params
from tests.databases import OneSession
from tests.dialogues import authz_params as dialogues_params
from tests.pledges import authz_params as pledges_params
from tests.surveys import authz_params as surveys_params

EXAMPLES_PER_ROUTE = int(os.environ.get("FUZZ_EXAMPLES", "4"))


def _post_routes() -> list[tuple[str, StaffRoute | None]]:
    app = create_app(create_engine("sqlite://"))
    staff = {r.path: r for r in staff_routes(app) if r.method == "POST"}
    found = []
    for route in iter_route_contexts(app.routes):
        path = str(route.path)
        if isinstance(route.original_route, APIRoute) and "POST" in (route.methods or ()) \
                and not path.startswith("/api/"):
            found.append((path, staff.get(path)))
    return sorted(found, key=lambda item: item[0])


POST_ROUTES = _post_routes()

# Rows an error answer is allowed to write: a failed login is counted (per account and per client address), so
# that guessing is throttled; sign-ups and subscriptions count every attempt per client address (abuse limit).
ERROR_MAY_WRITE = {"/staff/login": {"login_attempt", "rate_counter"}, "/staff/login/code": {"rate_counter"},
                   "/staff/two-factor/setup": {"rate_counter"}, "/staff/account/two-factor/disable": {"rate_counter"},
                   "/staff/password/forgot": {"rate_counter"},
                   "/m/{slug}/dialoger/{event_id}/anmalan": {"rate_counter"},
                   "/m/{slug}/pledges/subscribe": {"rate_counter"}}

# Pages beside a route's own that show its form.
FORM_PAGES = {"/staff/m/{municipality}/concerns/": "/staff/m/{municipality}/concerns/themes"}

# Forms shown only in another state of their object (a disabled user, a draft or published pledge, a past
# event) or on no page at all: the fields their routes read.
KNOWN_FIELDS: dict[str, dict[str, list[str]]] = {
    "/staff/logout": {},
    # an adopted document's forms (the fuzz world's document is a draft)
    "/staff/m/{municipality}/cycles/documents/{document_id}/version": {},
    "/staff/m/{municipality}/cycles/documents/{document_id}/public": {"public": ["1"]},
    # two-factor forms shown only in one state of the account (with or without it set up, a code step under way)
    "/staff/account/two-factor/disable": {"proof": [""]},
    "/staff/two-factor/setup": {"code": [""]},
    "/staff/login/code": {"code": [""]},
    "/staff/admin/users/{user_id}/two-factor/reset": {"next": [""]},
    # shown only while an invitation is pending
    "/staff/invitations/{invitation_id}/accept": {},
    "/staff/invitations/{invitation_id}/decline": {},
    "/staff/m/{municipality}/users/invitations/{invitation_id}/withdraw": {},
    "/staff/m/{municipality}/users/{user_id}/enable": {},
    "/staff/m/{municipality}/pledges/{pledge_id}/submit": {},
    "/staff/m/{municipality}/pledges/{pledge_id}/close": {"confirm_close": ["yes"]},
    "/staff/m/{municipality}/pledges/{pledge_id}/reopen": {},
    # shown only while a partner update waits for approval; the decision is the button pressed
    "/staff/m/{municipality}/pledges/{pledge_id}/updates/{update_id}/review": {"decision": ["approve"]},
    "/staff/m/{municipality}/pledges/{pledge_id}/extend": {"extend_to": [""]},
    "/staff/m/{municipality}/dialogues/{event_id}/no-show": {},
    # shown only for a closed wave (priorities are quoted publicly; the world's wave is open)
    "/staff/m/{municipality}/concerns/priorities": {"wave": [""], "area": [""], "items": [""]},
    # shown only on the page answering a generated batch of letter codes
    "/staff/m/{municipality}/surveys/{survey_id}/codes/download": {"batch": [""], "format": ["csv"],
                                                                   "layout": ["letter"]},
}

# --- hostile values ------------------------------------------------------------------------------------------

SPECIAL = [
    "", " ", "\x00", "a\x00b", "\u202eevil\u202c", "\u200b", "\ufeff", "\x1b[31m", "\r\n\r\n", "\t",
    "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "javascript:alert(1)",
    "' OR 1=1 --", "'; DROP TABLE staff_user; --", "%s%s%n", "{{7*7}}", "${7*7}", "../../etc/passwd",
    "-1", "0", "-0", "1.5", "1e308", "-1e308", "NaN", "inf", "2147483648", "-2147483649", "9223372036854775808",
    "99999999999999999999999999", "0x10", "１２", "٣", "true", "null", "[]", "{}", "on",
    "2026-02-30", "0000-00-00", "9999-12-31", "2026-13-01", "1899-12-31", "25:61", "T",
    "a@b", "@", "x" * 300 + "@example.com", "=cmd|' /C calc'!A0", "+1", "@SUM(1)",
    "alpha", "admin", "superadmin", "open", "published", "draft", "sv", "zz", "²", "Ⅻ",
]
HOSTILE_TEXT = st.one_of(
    st.sampled_from(SPECIAL),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=12).map(lambda s: s * 2000),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
HOSTILE_VALUE = st.one_of(HOSTILE_TEXT, st.lists(HOSTILE_TEXT, min_size=2, max_size=4))  # a list repeats the key
HOSTILE_FILE = st.tuples(
    st.sampled_from(["a.csv", "../../../etc/passwd", "x.png", "bild.jpg", "\x00.pdf", "å" * 300 + ".xlsx",
                     "boundary.geojson", ""]),
    st.one_of(st.binary(max_size=200), st.sampled_from([
        b"", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, b"\xff\xd8\xff\xe0garbage", b"%PDF-1.4\n",
        b"PK\x03\x04not a zip", b"<svg onload=alert(1)>", b"a;b\n\x00;\xff\n", b'{"type":"Polygon"}',
        b"=1+1,@SUM(A1)\n" * 50])),
    st.sampled_from(["text/csv", "image/png", "application/pdf", "application/octet-stream", "text/html"]),
)


# --- forms as the pages show them ----------------------------------------------------------------------------

@dataclass
class Form:
    action: str
    values: dict[str, list[str]] = field(default_factory=dict)
    files: set[str] = field(default_factory=set)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            self._form = Form(urlsplit(a.get("action", "")).path)
            self.forms.append(self._form)
        form, name = self._form, a.get("name")
        if form is None or (not name and tag != "option"):
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind == "file":
                form.files.add(str(name))
            elif kind in ("checkbox", "radio"):
                form.values.setdefault(str(name), [])
                if "checked" in a:
                    form.values[str(name)].append(a.get("value", "on"))
            elif kind not in ("submit", "button", "reset", "image"):
                form.values.setdefault(str(name), []).append(a.get("value", ""))
        elif tag == "textarea":
            self._textarea = str(name)
            form.values.setdefault(str(name), []).append("")
        elif tag == "select":
            self._select, self._select_first, self._select_chosen = str(name), None, False
            form.values.setdefault(str(name), [])
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in a:
                form.values[self._select].append(value)
                self._select_chosen = True

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea:
            self._form.values[self._textarea][-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._form is not None and self._select:
            if not self._select_chosen and self._select_first is not None:
                self._form.values[self._select].append(self._select_first)
            self._select = None


def forms_on(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def candidate_pages(url: str) -> Iterator[str]:
    """The page showing a form is the URL itself, its /new or /edit page, or a page above it."""
    path = url
    for _ in range(4):
        yield from (path, f"{path}/new", f"{path}/edit")
        path = path.rsplit("/", 1)[0]
        if path.count("/") < 2:
            return


def find_form(client: TestClient, route_path: str, url: str, params: dict[str, Any]) -> Form | None:
    found: Form | None = None
    beside = [url_for(page, params) for prefix, page in FORM_PAGES.items() if route_path.startswith(prefix)]
    for page in [*candidate_pages(url), *beside]:
        response = client.get(page, follow_redirects=False)
        if response.status_code != 200 or not response.headers.get("content-type", "").startswith("text/html"):
            continue
        for form in forms_on(response.text):
            if form.action == url:
                found = found or Form(url)
                for name, values in form.values.items():
                    found.values.setdefault(name, values)
                found.files |= form.files
        if found:
            return found
    if route_path in KNOWN_FIELDS:
        return Form(url, {name: list(values) for name, values in KNOWN_FIELDS[route_path].items()})
    return None


# --- the world: one municipality with an object behind every path parameter ------------------------------------

@dataclass
class World:
    connection: Connection
    session: Session
    app: FastAPI
    params: dict[str, Any]
    users: dict[Role, StaffUser]
    superadmin: StaffUser
    tables: list[str]


def _public_params(db: Session, alpha: Municipality, params: dict[str, Any]) -> dict[str, Any]:
    survey = db.get(Survey, params["survey_id"])
    assert survey is not None
    signup = db.get(DialogueSignup, params["signup_id"])
    assert signup is not None
    subscriber = PledgeSubscriber(municipality_id=alpha.id or 0, email="prenumerant@resident.example",
                                  token="fuzz-subscriber-token", confirmed=True)
    db.add(subscriber)
    db.flush()
    invited = factories.staff(db, alpha, Role.viewer)
    return {"survey_slug": survey.slug, "page": 1, "signed": dialogues_service.signed_token(signup),
            "password_token": passwords.password_link(db, invited).rsplit("/", 1)[-1],
            "subscriber_token": subscriber.token}


def _session(connection: Connection) -> Session:
    return Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)


@pytest.fixture(scope="module")
def world(engine: Engine) -> Iterator[World]:
    """Built once per module inside a transaction that is rolled back at the end."""
    connection = engine.connect()
    transaction = connection.begin()
    db = _session(connection)
    alpha = factories.municipality(db, slug="alpha")
    users = {role: factories.staff(db, alpha, role) for role in Role}
    target = factories.staff(db, alpha, Role.viewer)
    superadmin = factories.staff(db, superadmin=True)
    db.commit()
    params: dict[str, Any] = {"municipality": alpha.slug, "user_id": target.id}
    for provider in (admin_params, surveys_params, dialogues_params, concerns_params, pledges_params, cycles_params):
        params.update(provider.params(db, alpha))
    params.update(_public_params(db, alpha, params))
    invitation = Invitation(user_id=users[Role.admin].id or 0, municipality_id=alpha.id or 0, role=Role.viewer,
                            invited_by=superadmin.id)  # an invitation stands only while its inviter may invite
    db.add(invitation)
    db.flush()
    params["invitation_id"] = invitation.id  # the admin may accept or decline it, alpha may withdraw it
    db.commit()
    db.close()
    existing = set(inspect(connection).get_table_names())
    tables = [t.name for t in SQLModel.metadata.sorted_tables if t.name in existing]
    found = World(connection, db, create_app(engine), params, users, superadmin, tables)
    found.app.state.sessions = OneSession(lambda: found.session)
    try:
        yield found
    finally:
        transaction.rollback()
        connection.close()


@pytest.fixture
def fresh(world: World) -> Iterator[World]:
    """Each route starts from the same world: a savepoint around the test is rolled back afterwards."""
    savepoint = world.connection.begin_nested()
    world.session = _session(world.connection)
    try:
        yield world
    finally:
        world.session.close()
        savepoint.rollback()


PUBLIC_PARAM_NAMES = {("/s/", "slug"): "survey_slug", ("/m/", "slug"): "municipality",
                      ("/staff/password/", "token"): "password_token", ("/m/", "token"): "subscriber_token"}


def url_for(path: str, params: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        key = next((key for (prefix, param), key in PUBLIC_PARAM_NAMES.items()
                    if param == name and path.startswith(prefix)), name)
        assert key in params, f"{path}: no value for {{{name}}}: add one to the fuzz world (tests/test_fuzz_forms.py)"
        return str(params[key])

    return re.sub(r"{(\w+)(?::\w+)?}", value, path)


def row_counts(session: Session, tables: list[str]) -> dict[str, int]:
    """Rows per table as the request left them (flushed rows count: a half-write shows even before a commit)."""
    meta = SQLModel.metadata.tables
    query = select(*[select(func.count()).select_from(meta[t]).scalar_subquery() for t in tables])
    try:
        row = session.execute(query).one()
    except (DBAPIError, PendingRollbackError):
        # The database refused a statement (PostgreSQL then aborts the transaction): a real request's session
        # would end in a rollback, so do that here, which undoes everything the request did not commit.
        session.rollback()
        row = session.execute(query).one()
    return dict(zip(tables, row, strict=True))


def is_error(response: Any) -> bool:
    if response.status_code >= 400:
        return True
    return response.status_code == 200 and 'class="error-summary"' in response.text


def sign_in(client: CheckedClient, world: World, staff: StaffRoute | None) -> None:
    if staff is None or not staff.protected:
        return
    if staff.permission == "superadmin":
        client.login(world.superadmin)
        return
    allowed = PERMISSIONS.get(staff.permission or "view", frozenset(Role))
    client.login(world.users[Role.admin if Role.admin in allowed else next(iter(allowed))])


def prepare(client: CheckedClient, route_path: str, world: World) -> None:
    """Public flows that need an earlier step: a survey page needs a started answer."""
    if route_path.startswith("/s/{slug}/{page"):
        start = client.post_form(f"/s/{world.params['survey_slug']}/start", {"language": "sv"})
        assert start.status_code == 303, start.text[:300]


def test_every_post_route_is_fuzzed() -> None:
    assert len(POST_ROUTES) > 40
    assert {path for path, _ in POST_ROUTES} >= {"/staff/login", "/s/{slug}/start",
                                                 "/m/{slug}/dialoger/{event_id}/anmalan"}


@pytest.mark.parametrize(("route_path", "staff"), POST_ROUTES, ids=[p for p, _ in POST_ROUTES])
def test_hostile_form_input(fresh: World, route_path: str, staff: StaffRoute | None) -> None:
    world = fresh
    url = url_for(route_path, world.params)
    with CheckedClient(world.app, base_url="http://testserver") as client:
        client.page_check = False  # hostile values are echoed into pages; page structure is checked elsewhere
        sign_in(client, world, staff)
        prepare(client, route_path, world)
        form = find_form(client, route_path, url, world.params)
        assert form is not None, (f"no form posts to {url} on {list(candidate_pages(url))}: add its fields to "
                                  "KNOWN_FIELDS in tests/test_fuzz_forms.py")
        fields = sorted(set(form.values) - {"csrf_token"} | form.files) or ["unexpected"]
        allowed_writes = ERROR_MAY_WRITE.get(route_path, set())
        statuses: set[int] = set()

        @settings(max_examples=EXAMPLES_PER_ROUTE, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(overrides=st.dictionaries(st.sampled_from(fields), HOSTILE_VALUE, min_size=1, max_size=4),
               dropped=st.sets(st.sampled_from(fields), max_size=2),
               upload=HOSTILE_FILE)
        @example(overrides=dict.fromkeys(fields, "a\x00b"), dropped=set(), upload=("a\x00.csv", b"\x00", "text/csv"))
        @example(overrides=dict.fromkeys(fields, "Å" * 5_000), dropped=set(), upload=("x.png", b"\0" * 9, "image/png"))
        @example(overrides=dict.fromkeys(fields, "²2147483648"), dropped=set(), upload=("a.csv", b"1;2", "text/csv"))
        @example(overrides={fields[0]: "-99999999999999999999"}, dropped=set(fields[1:]), upload=("", b"", ""))
        def post(overrides: dict[str, Any], dropped: set[str], upload: tuple[str, bytes, str]) -> None:
            data: dict[str, Any] = {name: list(values) for name, values in form.values.items() if name not in dropped}
            files = {name: upload for name in form.files if name not in dropped and name not in overrides}
            data.update(overrides)
            data["csrf_token"] = client.csrf()
            before = row_counts(world.session, world.tables)
            response = client.post(url, data=data, files=files or None, follow_redirects=False)
            statuses.add(response.status_code)
            assert response.status_code < 500, response.text[:500]
            if is_error(response):
                after = row_counts(world.session, world.tables)
                changed = {t: (before[t], after[t]) for t in world.tables
                           if before[t] != after[t] and t not in allowed_writes}
                assert not changed, f"{response.status_code} answer, yet rows changed: {changed}"

        post()
        assert statuses, "no request was sent"
