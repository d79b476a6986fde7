"""Staff login, throttling, sessions, CSRF, invitations, password links and disabling."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlmodel import Session, select

from app import clock
from app.admin import rules
from app.audit import Action
from app.config import get_settings
from app.mail import outbox_files
from app.models import AuditLog, Invitation, Membership, Role, StaffUser
from app.models.limits import RateCounter
from tests import factories
from tests.conftest import CheckedClient

# Attempts counted up to a limit stay in one rate window (tests/conftest.py: steady_clock).
pytestmark = pytest.mark.usefixtures("steady_clock")


def test_login_and_logout(client: CheckedClient, db: Session) -> None:
    town = factories.municipality(db)
    user = factories.staff(db, town, Role.coordinator)
    response = client.post_form("/staff/login", {"email": user.email.upper(), "password": factories.PASSWORD,
                                                 "next": f"/staff/m/{town.slug}"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/staff/m/{town.slug}"
    assert town.name in client.get(f"/staff/m/{town.slug}").text
    assert client.post_form("/staff/logout").status_code == 303
    assert client.get("/staff", follow_redirects=False).status_code == 303


def test_a_copied_session_cookie_stops_working_at_logout(client: CheckedClient, db: Session) -> None:
    user = factories.staff(db, factories.municipality(db))
    client.login(user)
    copied = client.cookies.get("trygg_session")
    assert copied
    client.post_form("/staff/logout")
    client.cookies.set("trygg_session", copied)  # replayed after logout, e.g. from another device or instance
    assert client.get("/staff", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("email", ["nobody@test.example", "known"])
def test_bad_login_gives_one_neutral_message(client: CheckedClient, db: Session, email: str) -> None:
    user = factories.staff(db, factories.municipality(db))
    response = client.post_form("/staff/login", {"email": user.email if email == "known" else email,
                                                 "password": "wrong password"})
    assert response.status_code == 400
    assert "Fel e-postadress eller lösenord." in response.text
    assert response.text.count('class="error-message"') == 1


def test_disabled_account_cannot_log_in(client: CheckedClient, db: Session) -> None:
    user = factories.staff(db, factories.municipality(db), active=False)
    response = client.post_form("/staff/login", {"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 400


def test_login_slows_after_three_failures_and_the_owner_gets_in_after_the_wait(
        app: FastAPI, db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    user = factories.staff(db, factories.municipality(db))
    db.commit()
    moment = clock.now()
    monkeypatch.setattr(clock, "now", lambda: moment)
    with CheckedClient(app, client=("198.51.100.9", 40000)) as guesser:
        for _ in range(3):
            failed = guesser.post_form("/staff/login", {"email": user.email, "password": "nope"})
            assert "Fel e-postadress eller lösenord" in failed.text
        # The fourth try, even with the right password, is not checked until the wait is over (and not counted).
        slowed = guesser.post_form("/staff/login", {"email": user.email, "password": factories.PASSWORD})
        assert slowed.status_code == 400
        assert "Vänta 30 sekunder" in slowed.text
        with CheckedClient(app, client=("203.0.113.21", 40000)) as owner:  # another client is not slowed
            assert owner.login(user).status_code == 303
        moment += timedelta(seconds=31)
        assert guesser.login(user).status_code == 303


def test_login_is_throttled_after_five_failures(client: CheckedClient, db: Session,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "login_slow_seconds", 0)  # the wait between tries has its own test
    user = factories.staff(db, factories.municipality(db))
    for _ in range(5):
        assert client.post_form("/staff/login", {"email": user.email, "password": "nope"}).status_code == 400
    response = client.post_form("/staff/login", {"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 400
    assert "För många misslyckade inloggningar" in response.text
    keys = [row.key for row in db.exec(select(RateCounter)).all()]
    assert keys and all(user.email not in key and "testclient" not in key for key in keys)  # keyed hashes only


def test_successful_login_clears_failures(client: CheckedClient, db: Session,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "login_slow_seconds", 0)  # the wait between tries has its own test
    user = factories.staff(db, factories.municipality(db))
    for _ in range(4):
        client.post_form("/staff/login", {"email": user.email, "password": "nope"})
    client.login(user)
    client.post_form("/staff/logout")
    for _ in range(4):  # four more: without the reset these would make eight, over the limit of five
        client.post_form("/staff/login", {"email": user.email, "password": "nope"})
    client.login(user)


def test_session_is_renewed_at_login(client: CheckedClient, db: Session) -> None:
    """Session fixation: whatever the visitor had before logging in is not carried into the staff session."""
    user = factories.staff(db, factories.municipality(db))
    before = client.csrf()
    client.login(user)
    after = client.session_data()
    assert "csrf" not in after or after["csrf"] != before
    assert after["uid"] == user.id


def test_session_cookie_flags(client: CheckedClient, db: Session) -> None:
    user = factories.staff(db, factories.municipality(db))
    response = client.login(user)
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie


def test_missing_or_wrong_csrf_token_is_refused(client: CheckedClient, db: Session) -> None:
    user = factories.staff(db, factories.municipality(db))
    response = client.post("/staff/login", data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 403
    assert "Åtkomst nekad" in response.text
    client.csrf()
    response = client.post("/staff/login", data={"email": user.email, "password": factories.PASSWORD,
                                                 "csrf_token": "forged"})
    assert response.status_code == 403
    assert "uid" not in client.session_data()


def test_next_parameter_cannot_redirect_elsewhere(client: CheckedClient, db: Session) -> None:
    user = factories.staff(db, factories.municipality(db))
    for target in ("https://evil.example/", "//evil.example", "/\\evil.example"):
        response = client.post_form("/staff/login", {"email": user.email, "password": factories.PASSWORD,
                                                     "next": target})
        assert response.headers["location"] == "/staff"
        client.post_form("/staff/logout")


def _link_token(text: str) -> str:
    match = re.search(r"/staff/password/([\w.\-]+)", text)
    assert match, "no password link in the text"
    return match.group(1)


def mail_to(address: str) -> dict[str, Any]:
    """The newest mail sent to `address` (the development outbox the tests run with)."""
    found = outbox_files("To", address, limit=1)
    assert found, f"no mail to {address}"
    return found[0]


def test_invite_then_choose_password_then_accept_then_log_in(client: CheckedClient, db: Session) -> None:
    town = factories.municipality(db)
    admin = factories.staff(db, town, Role.admin)
    client.login(admin)
    response = client.post_form(f"/staff/m/{town.slug}/users",
                                {"email": "Ny.Person@Kommun.example", "name": "Ny Person", "role": "police"})
    assert response.status_code == 303
    page = client.get(response.headers["location"]).text
    assert "/staff/password/" not in page  # the link is only in the invitee's mail
    assert "ny.person@kommun.example" in page  # listed as a pending invitation
    token = _link_token(mail_to("ny.person@kommun.example")["body"])
    invited = db.exec(select(StaffUser).where(StaffUser.email == "ny.person@kommun.example")).one()
    assert invited.password_hash is None
    assert not db.exec(select(Membership).where(Membership.user_id == invited.id)).all()  # nothing until accepted
    client.post_form("/staff/logout")

    short = client.post_form(f"/staff/password/{token}", {"password": "kort", "confirm": "kort"})
    assert short.status_code == 400
    assert "minst 12 tecken" in short.text
    done = client.post_form(f"/staff/password/{token}", {"password": "en lång fras här", "confirm": "en lång fras här"})
    assert done.status_code == 303 and done.headers["location"] == "/staff/invitations"
    invitation = db.exec(select(Invitation).where(Invitation.user_id == invited.id)).one()
    accepted = client.post_form(f"/staff/invitations/{invitation.id}/accept")
    assert accepted.headers["location"] == f"/staff/m/{town.slug}"
    assert client.get(f"/staff/m/{town.slug}").status_code == 200
    # The link works once.
    assert client.get(f"/staff/password/{token}").status_code == 404
    actions = {a.action for a in db.exec(select(AuditLog).where(AuditLog.municipality_id == town.id)).all()}
    assert {Action.INVITATION_INVITE, Action.MEMBERSHIP_ACCEPT} <= actions


def test_invite_validates_and_writes_nothing(client: CheckedClient, db: Session) -> None:
    town = factories.municipality(db)
    client.login(factories.staff(db, town, Role.admin))
    response = client.post_form(f"/staff/m/{town.slug}/users", {"email": "not-an-email", "name": "", "role": "king"})
    assert response.status_code == 400
    for field in ("email", "name", "role"):
        assert f'href="#{field}"' in response.text
    assert db.exec(select(StaffUser).where(StaffUser.email == "not-an-email")).first() is None


def test_tampered_password_link_is_not_found(client: CheckedClient) -> None:
    assert client.get("/staff/password/not-a-token").status_code == 404
    response = client.post_form("/staff/password/not.a.token", {"password": "x" * 20, "confirm": "x" * 20})
    assert response.status_code == 404


def test_disable_ends_the_users_sessions(app: object, db: Session) -> None:
    town = factories.municipality(db)
    admin = factories.staff(db, town, Role.admin)
    victim = factories.staff(db, town, Role.police)
    with CheckedClient(app) as admin_client, CheckedClient(app) as victim_client:  # type: ignore[arg-type]
        admin_client.login(admin)
        victim_client.login(victim)
        assert victim_client.get("/staff").status_code == 200
        response = admin_client.post_form(f"/staff/m/{town.slug}/users/{victim.id}/disable")
        assert response.status_code == 303
        assert victim_client.get("/staff", follow_redirects=False).status_code == 303
        # ...and cannot log in again until enabled.
        again = victim_client.post_form("/staff/login", {"email": victim.email, "password": factories.PASSWORD})
        assert again.status_code == 400
        admin_client.post_form(f"/staff/m/{town.slug}/users/{victim.id}/enable")
        victim_client.login(victim)


def test_admin_cannot_disable_self_or_change_own_role(client: CheckedClient, db: Session) -> None:
    town = factories.municipality(db)
    admin = factories.staff(db, town, Role.admin)
    client.login(admin)
    client.post_form(f"/staff/m/{town.slug}/users/{admin.id}/disable")
    client.post_form(f"/staff/m/{town.slug}/users/{admin.id}/role", {"role": "viewer"})
    db.refresh(admin)
    assert admin.is_active
    assert client.get(f"/staff/m/{town.slug}/users").status_code == 200


def test_admin_cannot_disable_someone_working_in_another_municipality(client: CheckedClient, db: Session) -> None:
    town, other = factories.municipality(db), factories.municipality(db)
    admin = factories.staff(db, town, Role.admin)
    shared = factories.staff(db, town, Role.police)
    from app.models import Membership

    db.add(Membership(user_id=shared.id or 0, municipality_id=other.id or 0, role=Role.police))
    db.commit()
    client.login(admin)
    assert client.post_form(f"/staff/m/{town.slug}/users/{shared.id}/disable").status_code == 403
    db.refresh(shared)
    assert shared.is_active


def test_change_role_is_audited(client: CheckedClient, db: Session) -> None:
    town = factories.municipality(db)
    admin = factories.staff(db, town, Role.admin)
    other = factories.staff(db, town, Role.viewer)
    client.login(admin)
    client.post_form(f"/staff/m/{town.slug}/users/{other.id}/role", {"role": "coordinator"})
    entry = db.exec(select(AuditLog).where(AuditLog.action == Action.MEMBERSHIP_CHANGE_ROLE)).one()
    assert entry.before == {"role": "viewer"}
    assert entry.after == {"role": "coordinator"}
    assert entry.actor_id == admin.id


def test_reset_link_then_new_password(client: CheckedClient, db: Session) -> None:
    town = factories.municipality(db)
    admin = factories.staff(db, town, Role.admin)
    person = factories.staff(db, town, Role.police)
    client.login(admin)
    response = client.post_form(f"/staff/m/{town.slug}/users/{person.id}/reset")
    assert "/staff/password/" not in client.get(response.headers["location"]).text
    token = _link_token(mail_to(person.email)["body"])
    client.post_form("/staff/logout")
    assert client.post_form(f"/staff/password/{token}",
                            {"password": "ett nytt långt lösen", "confirm": "ett nytt långt lösen"}).status_code == 303
    client.post_form("/staff/logout")
    client.login(person, "ett nytt långt lösen")


def test_change_own_password(client: CheckedClient, db: Session) -> None:
    user = factories.staff(db, factories.municipality(db))
    client.login(user)
    wrong = client.post_form("/staff/account/password",
                             {"current": "wrong", "password": "ny lösenfras 123", "confirm": "ny lösenfras 123"})
    assert wrong.status_code == 400
    ok = client.post_form("/staff/account/password", {"current": factories.PASSWORD,
                                                      "password": "ny lösenfras 123", "confirm": "ny lösenfras 123"})
    assert ok.status_code == 303
    assert client.get("/staff").status_code == 200  # this session continues
    client.post_form("/staff/logout")
    client.login(user, "ny lösenfras 123")


def test_password_rules() -> None:
    assert rules.password_problem("short", "short")
    assert rules.password_problem("a" * 12, "b" * 12)
    assert rules.password_problem("a" * 12, "a" * 12) is None
    assert rules.email_problem("a@b.se") is None
    assert rules.email_problem("a@b")
    assert rules.email_problem("<script>@x.se")


# --- session fixation, cookie flags and throttling across clients -------------------------------------------------


def test_a_session_cookie_planted_before_login_is_not_the_one_used_after(app: object, db: Session) -> None:
    """Session fixation: an attacker who plants their own session cookie in a victim's browser before the victim
    logs in must not be able to use that cookie afterwards."""
    from fastapi import FastAPI

    assert isinstance(app, FastAPI)
    user = factories.staff(db, factories.municipality(db))
    with CheckedClient(app, base_url="http://testserver") as attacker, \
            CheckedClient(app, base_url="http://testserver") as victim:
        attacker.csrf()  # the attacker gets a session (with a CSRF token) of their own
        planted = attacker.cookies.get("trygg_session")
        assert planted
        for cookie in attacker.cookies.jar:  # the same cookie (name, domain, path) in the victim's browser
            victim.cookies.jar.set_cookie(cookie)
        assert victim.csrf() == attacker.csrf()  # the victim's browser really uses the planted session
        response = victim.login(user)
        issued = response.cookies.get("trygg_session")
        assert issued and issued != planted
        assert victim.session_data()["uid"] == user.id
        assert "csrf" not in victim.session_data() or victim.session_data()["csrf"] != attacker.csrf()
        assert victim.get("/staff", follow_redirects=False).status_code == 200
        # The planted cookie did not become a logged-in session: the attacker is still sent to the login page.
        assert attacker.cookies.get("trygg_session") == planted
        assert attacker.get("/staff", follow_redirects=False).status_code == 303


@pytest.fixture
def https_client(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Iterator[CheckedClient]:
    """The app as deployed behind https (BASE_URL=https://…), which makes every cookie Secure."""
    from app.config import get_settings

    monkeypatch.setenv("BASE_URL", "https://testserver")
    get_settings.cache_clear()
    try:
        application = request.getfixturevalue("app")
        with CheckedClient(application, base_url="https://testserver") as client:
            yield client
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def _cookie_flags(response: Any) -> dict[str, set[str]]:
    found = {}
    for header in response.headers.get_list("set-cookie"):
        name = header.split("=", 1)[0]
        found[name] = {part.strip().lower().split("=")[0] for part in header.split(";")[1:]} | {
            part.strip().lower() for part in header.split(";")[1:] if part.strip().lower().startswith("samesite")}
    return found


def test_cookies_are_httponly_samesite_and_secure_over_https(https_client: CheckedClient, db: Session) -> None:
    from app.surveys.public_routes import draft_cookie
    from app.web import LANG_COOKIE
    from tests.surveys.factories import standard_survey

    user = factories.staff(db, factories.municipality(db))
    survey = standard_survey(db)
    seen: dict[str, set[str]] = {}
    seen.update(_cookie_flags(https_client.get("/tillganglighet")))
    seen.update(_cookie_flags(https_client.login(user)))
    seen.update(_cookie_flags(https_client.get("/sprak?lang=en&next=/", follow_redirects=False)))
    started = https_client.post_form(f"/s/{survey.slug}/start", {"language": "sv"})
    assert started.status_code == 303
    seen.update({name: flags for name, flags in _cookie_flags(started).items() if name != LANG_COOKIE})
    assert {"trygg_session", LANG_COOKIE, draft_cookie(survey)} <= set(seen), seen
    for name, flags in seen.items():
        assert {"secure", "httponly", "samesite=lax"} <= flags, f"{name}: {sorted(flags)}"


def test_the_survey_language_cookie_is_secure_over_https(https_client: CheckedClient, db: Session) -> None:
    from app.web import LANG_COOKIE
    from tests.surveys.factories import standard_survey

    survey = standard_survey(db)
    started = https_client.post_form(f"/s/{survey.slug}/start", {"language": "sv"})
    assert "secure" in _cookie_flags(started)[LANG_COOKIE]


def test_session_cookie_is_not_secure_over_plain_http_and_expires(client: CheckedClient, db: Session) -> None:
    """Development over http: a Secure cookie would never come back, so it is only Secure under https."""
    from app.config import get_settings

    user = factories.staff(db, factories.municipality(db))
    header = next(h for h in client.login(user).headers.get_list("set-cookie") if h.startswith("trygg_session="))
    assert "secure" not in header.lower()
    max_age = int(re.search(r"max-age=(\d+)", header, re.IGNORECASE).group(1))  # type: ignore[union-attr]
    assert 0 < max_age <= get_settings().session_max_age_hours * 3600


def test_throttling_holds_across_browsers_and_spellings_and_says_the_same_for_unknown_accounts(
        app: FastAPI, db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "login_slow_seconds", 0)  # the wait between tries has its own test
    user = factories.staff(db, factories.municipality(db))
    spellings = [user.email, user.email.upper(), f"  {user.email}  ", user.email.title(), user.email]
    pages = {}
    for account, names in (("known", spellings), ("unknown", ["nobody@test.example"] * 5)):
        for name in names:  # each failure from a fresh browser: no cookie ties the attempts together
            with CheckedClient(app, base_url="http://testserver") as fresh:
                assert fresh.post_form("/staff/login", {"email": name, "password": "nope"}).status_code == 400
        with CheckedClient(app, base_url="http://testserver") as fresh:
            password = factories.PASSWORD
            response = fresh.post_form("/staff/login", {"email": names[0], "password": password})
            assert response.status_code == 400 and "För många misslyckade inloggningar" in response.text
            assert "uid" not in fresh.session_data()
            pages[account] = re.sub(r'value="[^"]*"', "", response.text)
    assert pages["known"] == pages["unknown"]  # the throttle does not tell which accounts exist


def test_one_address_guessing_across_many_accounts_is_throttled(
        client: CheckedClient, db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """Password spraying: one or two guesses on each of many accounts never reaches the per-account limit, so
    failures are also counted per client address (as a keyed hash only), across all accounts."""
    from app.config import get_settings
    from app.models.limits import RateCounter

    monkeypatch.setenv("LOGIN_MAX_FAILURES_PER_CLIENT", "3")
    get_settings.cache_clear()
    try:
        user = factories.staff(db, factories.municipality(db))
        for n in range(3):
            failed = client.post_form("/staff/login", {"email": f"guess{n}@test.example", "password": "nope"})
            assert failed.status_code == 400 and "Fel e-postadress eller lösenord" in failed.text
        refused = client.post_form("/staff/login", {"email": user.email, "password": factories.PASSWORD})
        assert refused.status_code == 400 and "För många misslyckade inloggningar" in refused.text
        assert "uid" not in client.session_data()
        keys = [row.key for row in db.exec(select(RateCounter)).all()]
        assert keys and all("testclient" not in key for key in keys)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert client.login(user).status_code == 303  # under the default limit the same address logs in
