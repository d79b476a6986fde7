"""Identity flows as an attacker tries them: invitations of existing accounts, password links, the system
administrator's account, lockouts by strangers, two-factor sign-in, and what the session cookie carries."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pyotp
import pytest
from fastapi import FastAPI
from sqlmodel import Session, select

from app.admin import passwords
from app.audit import Action
from app.config import get_settings
from app.demo import SYSTEM_ADMIN_EMAIL
from app.errors import NotFound
from app.mail import outbox_files
from app.models import AuditLog, Invitation, Membership, Municipality, PasswordToken, Role, StaffUser
from tests import factories
from tests.conftest import CheckedClient

# Attempts counted up to a limit stay in one rate window (tests/conftest.py: steady_clock).
pytestmark = pytest.mark.usefixtures("steady_clock")

LINK = re.compile(r"/staff/password/([\w\-]+)")
NEW_PASSWORD = "ett helt nytt långt lösen"


def mails_to(address: str) -> list[dict[str, Any]]:
    return outbox_files("To", address, limit=1000)


def link_token(text: str) -> str:
    found = LINK.search(text)
    assert found, f"no password link in: {text[:300]}"
    return found.group(1)


def cookie_text(client: CheckedClient) -> str:
    """Everything the session cookie carries, decoded (it is signed, not encrypted: anyone holding it can read it)."""
    return json.dumps(client.session_data(), ensure_ascii=False)


def assert_no_secret(client: CheckedClient, *secrets: str) -> None:
    data = client.session_data()
    carried = json.dumps({key: value for key, value in data.items() if key != "csrf"}, ensure_ascii=False)
    assert "/staff/password/" not in carried and "link" not in carried
    for secret in secrets:
        assert secret not in cookie_text(client)


@pytest.fixture
def towns(db: Session) -> dict[str, Any]:
    norrby = factories.municipality(db, slug="norrby", name="Norrby kommun")
    strandvik = factories.municipality(db, slug="strandvik", name="Strandviks kommun")
    norrby_admin = factories.staff(db, norrby, Role.admin)
    strandvik_admin = factories.staff(db, strandvik, Role.admin)
    strandvik_admin.name = "Stina Strandvik"
    system = factories.staff(db, email=SYSTEM_ADMIN_EMAIL, superadmin=True)
    system.name = "Sam System"
    db.add_all([strandvik_admin, system])
    db.commit()
    return {"norrby": norrby, "strandvik": strandvik, "norrby_admin": norrby_admin,
            "strandvik_admin": strandvik_admin, "system": system}


def _audit(db: Session, municipality: Municipality, action: str) -> list[AuditLog]:
    return list(db.exec(select(AuditLog).where(AuditLog.municipality_id == municipality.id,
                                               AuditLog.action == action)).all())


def test_inviting_the_system_administrator_and_another_municipalitys_admin_attaches_and_shows_nothing(
        app: FastAPI, db: Session, towns: dict[str, Any]) -> None:
    norrby, strandvik = towns["norrby"], towns["strandvik"]
    victims = [towns["system"], towns["strandvik_admin"]]
    seen: list[str] = []
    with CheckedClient(app) as attacker:
        attacker.login(towns["norrby_admin"])
        for victim in victims:
            response = attacker.post_form("/staff/m/norrby/users",
                                          {"email": victim.email.upper(), "name": "Min Kollega", "role": "admin"})
            assert response.status_code == 303
            page = attacker.get(response.headers["location"])
            assert "En inbjudan har skickats" in page.text
            seen += [response.text, page.text, cookie_text(attacker)]
            # Whatever the attacker tries next on that account, in Norrby: it is not a member there.
            for path in ("", "/reset", "/role", "/disable", "/remove"):
                url = f"/staff/m/norrby/users/{victim.id}{path}"
                tried = attacker.get(url) if not path else attacker.post_form(url, {"role": "viewer"})
                assert tried.status_code == 404
                seen += [tried.text, cookie_text(attacker)]
        for victim in victims:
            assert not db.exec(select(Membership).where(Membership.user_id == victim.id,
                                                        Membership.municipality_id == norrby.id)).first()
            assert not db.exec(select(PasswordToken).where(PasswordToken.user_id == victim.id)).first()
        everything = "\n".join(seen)
        assert "Sam System" not in everything and "Stina Strandvik" not in everything
        assert "/staff/password/" not in everything

    # The invitees get a mail, with no password link (they have a password): they sign in and accept.
    for victim in victims:
        (invitation_mail,) = mails_to(victim.email)
        assert "Norrby kommun" in invitation_mail["body"] and "/staff/invitations" in invitation_mail["body"]
        assert "/staff/password/" not in invitation_mail["body"]
    # Each membership change lands in the audit log of every municipality concerned.
    assert len(_audit(db, norrby, Action.INVITATION_INVITE)) == 2
    assert len(_audit(db, strandvik, Action.INVITATION_INVITE)) == 1
    with CheckedClient(app) as owner:
        owner.login(towns["strandvik_admin"])
        listed = owner.get("/staff/invitations")
        assert "Norrby kommun" in listed.text
        invitation = db.exec(select(Invitation).where(Invitation.user_id == towns["strandvik_admin"].id)).one()
        assert owner.post_form(f"/staff/invitations/{invitation.id}/accept").status_code == 303
        assert owner.get("/staff/m/norrby").status_code == 200
    assert db.exec(select(Membership).where(Membership.user_id == towns["strandvik_admin"].id,
                                            Membership.municipality_id == norrby.id)).one().role == "admin"
    assert _audit(db, norrby, Action.MEMBERSHIP_ACCEPT) and _audit(db, strandvik, Action.MEMBERSHIP_ACCEPT)


def test_an_invitation_is_accepted_only_by_its_own_account(app: FastAPI, db: Session,
                                                           towns: dict[str, Any]) -> None:
    with CheckedClient(app) as admin:
        admin.login(towns["norrby_admin"])
        admin.post_form("/staff/m/norrby/users", {"email": towns["system"].email, "name": "X", "role": "admin"})
    invitation = db.exec(select(Invitation).where(Invitation.user_id == towns["system"].id)).one()
    with CheckedClient(app) as other:
        other.login(towns["strandvik_admin"])
        assert other.post_form(f"/staff/invitations/{invitation.id}/accept").status_code == 404
        assert "Norrby" not in other.get("/staff/invitations").text
    assert db.get(Invitation, invitation.id) is not None


def test_a_municipality_admin_cannot_manage_the_system_administrators_account(
        client: CheckedClient, db: Session, towns: dict[str, Any]) -> None:
    system, norrby = towns["system"], towns["norrby"]
    db.add(Membership(user_id=system.id or 0, municipality_id=norrby.id or 0, role=Role.viewer))
    db.commit()
    client.login(towns["norrby_admin"])
    before = len(mails_to(system.email))
    for path, data in (("reset", {}), ("role", {"role": "admin"}), ("disable", {}), ("remove", {})):
        response = client.post_form(f"/staff/m/norrby/users/{system.id}/{path}", data)
        assert response.status_code == 403, path
        assert "/staff/password/" not in response.text + cookie_text(client)
    assert client.post_form(f"/staff/admin/users/{system.id}/two-factor/reset").status_code == 403
    db.refresh(system)
    assert system.is_active and system.totp_secret
    assert not db.exec(select(PasswordToken).where(PasswordToken.user_id == system.id)).first()
    assert len(mails_to(system.email)) == before
    assert "hanteras bara av systemadministratörer" in client.get(f"/staff/m/norrby/users/{system.id}").text


def test_send_password_link_mails_the_member_and_shows_it_nowhere(
        app: FastAPI, db: Session, towns: dict[str, Any]) -> None:
    member = factories.staff(db, towns["norrby"], Role.police)
    db.commit()
    with CheckedClient(app) as admin, CheckedClient(app) as member_browser:
        member_browser.login(member)
        admin.login(towns["norrby_admin"])
        response = admin.post_form(f"/staff/m/norrby/users/{member.id}/reset")
        assert response.status_code == 303
        page = admin.get(response.headers["location"]).text
        assert "/staff/password/" not in page + response.text
        assert_no_secret(admin)
        token = link_token(mails_to(member.email)[0]["body"])
        assert token not in page + cookie_text(admin)
        assert _audit(db, towns["norrby"], Action.STAFF_USER_PASSWORD_RESET_LINK)
        # The owner uses it; the link works once, and the owner's other sessions end.
        with CheckedClient(app) as mailbox:
            assert mailbox.post_form(f"/staff/password/{token}",
                                     {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 303
            assert_no_secret(mailbox, token)
            assert mailbox.get("/staff/password/" + token).status_code == 404
        assert member_browser.get("/staff", follow_redirects=False).status_code == 303


def test_the_password_token_reveals_nothing_of_the_hash_and_works_once(db: Session) -> None:
    town = factories.municipality(db)
    user = factories.staff(db, town)
    link = passwords.password_link(db, user)
    db.commit()
    token = link.rsplit("/", 1)[1]
    assert user.password_hash
    padded = token + "=" * (-len(token) % 4)
    decoded = base64.urlsafe_b64decode(padded).decode("latin-1")
    for text in (token, decoded):
        for start in range(0, len(user.password_hash) - 6):
            assert user.password_hash[start:start + 6] not in text
        assert user.email not in text
    # 32 random bytes and nothing else: no room for the account's id (a random "1" among them proves nothing,
    # so the size is the check, not the absence of a digit)
    assert len(base64.urlsafe_b64decode(padded)) == 32 and not token.startswith(f"{user.id}.")
    stored = db.exec(select(PasswordToken).where(PasswordToken.user_id == user.id)).one()
    assert token not in stored.token_hash  # only its hash is kept
    # A newer link supersedes the older one; a used link stops working.
    newer = passwords.password_link(db, user).rsplit("/", 1)[1]
    db.commit()
    with pytest.raises(NotFound):
        passwords.user_for_password_token(db, token)
    assert passwords.user_for_password_token(db, newer).id == user.id
    passwords.set_password(db, user, NEW_PASSWORD, NEW_PASSWORD)
    with pytest.raises(NotFound):
        passwords.user_for_password_token(db, newer)


def test_forgot_password_answers_alike_and_mails_only_the_owner_within_limits(
        client: CheckedClient, db: Session) -> None:
    user = factories.staff(db, factories.municipality(db))
    db.commit()
    pages = {}
    for email in (user.email, "finns.inte@test.example"):
        response = client.post_form("/staff/password/forgot", {"email": email})
        assert response.status_code == 200
        pages[email] = re.sub(r'value="[^"]*"', "", response.text)
    assert pages[user.email] == pages["finns.inte@test.example"]
    assert len(mails_to(user.email)) == 1 and not mails_to("finns.inte@test.example")
    assert_no_secret(client, link_token(mails_to(user.email)[0]["body"]))
    for _ in range(4):  # a flood at one victim: at most three mails an hour
        assert client.post_form("/staff/password/forgot", {"email": user.email}).status_code == 200
    assert len(mails_to(user.email)) == 3
    # ...and one client cannot go on and on (here the limit of requests per client per hour is reached).
    for _ in range(passwords.FORGOT_PER_CLIENT - 6):  # six sent above
        client.post_form("/staff/password/forgot", {"email": "annan@test.example"})
    refused = client.post_form("/staff/password/forgot", {"email": "annan@test.example"})
    assert refused.status_code == 429 and "För många förfrågningar" in refused.text


def test_five_wrong_passwords_from_one_client_do_not_lock_the_owner_out_of_another(
        app: FastAPI, db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "login_slow_seconds", 0)  # the stranger may guess without waiting
    user = factories.staff(db, factories.municipality(db))
    db.commit()
    with CheckedClient(app, client=("198.51.100.7", 40000)) as stranger:
        for _ in range(5):
            assert stranger.post_form("/staff/login", {"email": user.email, "password": "fel"}).status_code == 400
        blocked = stranger.post_form("/staff/login", {"email": user.email, "password": factories.PASSWORD})
        assert "För många misslyckade inloggningar" in blocked.text  # the stranger's client is blocked
    with CheckedClient(app, client=("203.0.113.20", 40000)) as owner:
        assert owner.login(user).status_code == 303
        assert owner.get("/staff").status_code == 200


# --- two-factor sign-in ---------------------------------------------------------------------------------------------


def wrong_codes(secret: str, count: int) -> list[str]:
    """Codes that are surely wrong now: none of them is the code of the previous, current or next 30 s."""
    totp = pyotp.TOTP(secret)
    step = totp.timecode(datetime.now(UTC))
    valid = {totp.generate_otp(s) for s in range(step - 2, step + 3)}
    return [code for code in (f"{n:06d}" for n in range(count + len(valid))) if code not in valid][:count]


def _enrol(client: CheckedClient) -> tuple[str, list[str]]:
    """Goes through the set-up page as the user does: reads the secret, types the code, gets the recovery codes."""
    page = client.get("/staff/two-factor/setup")
    assert page.status_code == 200 and "<svg" in page.text and page.headers["cache-control"] == "no-store"
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.text)
    assert secret
    assert secret.group(1) not in cookie_text(client)
    wrong = client.post_form("/staff/two-factor/setup", {"code": wrong_codes(secret.group(1), 1)[0]})
    assert wrong.status_code == 400
    done = client.post_form("/staff/two-factor/setup", {"code": pyotp.TOTP(secret.group(1)).now()})
    assert done.status_code == 200
    codes = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", done.text)
    assert len(codes) == 10
    assert_no_secret(client, secret.group(1), *codes)
    assert done.headers["cache-control"] == "no-store"
    return secret.group(1), codes


def test_a_system_administrator_without_two_factor_can_do_nothing_before_setting_it_up(
        client: CheckedClient, db: Session) -> None:
    root = factories.staff(db, superadmin=True, two_factor=False)
    db.commit()
    response = client.post_form("/staff/login", {"email": root.email, "password": factories.PASSWORD})
    assert response.headers["location"] == "/staff/two-factor/setup"
    for path in ("/staff", "/staff/admin/municipalities", "/staff/account", "/staff/invitations"):
        assert client.get(path, follow_redirects=False).headers["location"] == "/staff/two-factor/setup", path
    refused = client.post_form("/staff/admin/municipalities", {"name": "Ny kommun"})
    assert refused.headers["location"] == "/staff/two-factor/setup"
    assert not db.exec(select(Municipality).where(Municipality.name == "Ny kommun")).first()
    _enrol(client)
    assert client.get("/staff/admin/municipalities").status_code == 200
    assert _audit_any(db, root, Action.STAFF_USER_TWO_FACTOR_ON)


def _audit_any(db: Session, user: StaffUser, action: str) -> list[AuditLog]:
    return list(db.exec(select(AuditLog).where(AuditLog.entity_id == user.id, AuditLog.action == action)).all())


def test_a_municipality_can_require_two_factor_for_its_staff(app: FastAPI, db: Session) -> None:
    town = factories.municipality(db)
    admin = factories.staff(db, town, Role.admin)
    coordinator = factories.staff(db, town, Role.coordinator)
    db.commit()
    with CheckedClient(app) as admin_client, CheckedClient(app) as staff_client:
        staff_client.login(coordinator)
        assert staff_client.get(f"/staff/m/{town.slug}").status_code == 200
        admin_client.login(admin)
        saved = admin_client.post_form(f"/staff/m/{town.slug}/settings", {
            "name": town.name, "contact_email": "trygg@test.example", "languages": ["sv"],
            "require_two_factor": "1"})
        assert saved.status_code == 303
        db.refresh(town)
        assert town.require_two_factor
        # From the next request on, the municipality's staff (the admin too) must set it up first.
        assert staff_client.get(f"/staff/m/{town.slug}", follow_redirects=False).headers["location"] == \
            "/staff/two-factor/setup"
        assert admin_client.get("/staff", follow_redirects=False).headers["location"] == "/staff/two-factor/setup"
        _enrol(staff_client)
        assert staff_client.get(f"/staff/m/{town.slug}").status_code == 200


def test_the_requirement_is_not_enforced_in_development(
        client: CheckedClient, db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    root = factories.staff(db, superadmin=True, two_factor=False)
    db.commit()
    monkeypatch.setenv("ENVIRONMENT", "development")
    get_settings.cache_clear()
    try:
        assert client.login(root).headers["location"] == "/staff"
        assert client.get("/staff/admin/municipalities").status_code == 200
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def _password_step(client: CheckedClient, user: StaffUser) -> None:
    response = client.post_form("/staff/login", {"email": user.email, "password": factories.PASSWORD})
    assert response.headers["location"] == "/staff/login/code"
    assert "uid" not in client.session_data()  # the password alone signs no one in
    assert client.get("/staff", follow_redirects=False).headers["location"].startswith("/staff/login")


def test_a_code_cannot_be_used_twice(client: CheckedClient, db: Session) -> None:
    user = factories.staff(db, factories.municipality(db), two_factor=True)
    db.commit()
    assert user.totp_secret
    code = pyotp.TOTP(user.totp_secret).now()
    _password_step(client, user)
    assert client.post_form("/staff/login/code", {"code": code}).status_code == 303
    assert client.get("/staff").status_code == 200
    client.post_form("/staff/logout")
    _password_step(client, user)  # someone who saw the code (over the shoulder, a proxy log) replays it
    replayed = client.post_form("/staff/login/code", {"code": code})
    assert replayed.status_code == 400 and "redan använts" in replayed.text
    assert "uid" not in client.session_data()


def test_a_recovery_code_works_once(client: CheckedClient, db: Session) -> None:
    user = factories.staff(db, factories.municipality(db))
    db.commit()
    client.login(user)
    _secret, codes = _enrol(client)
    client.post_form("/staff/logout")
    _password_step(client, user)
    assert client.post_form("/staff/login/code", {"code": codes[3].upper()}).status_code == 303
    assert "reservkoder: 9." in client.get("/staff/account").text  # nine left
    client.post_form("/staff/logout")
    _password_step(client, user)
    assert client.post_form("/staff/login/code", {"code": codes[3]}).status_code == 400


def test_code_guessing_is_throttled(client: CheckedClient, db: Session) -> None:
    user = factories.staff(db, factories.municipality(db), two_factor=True)
    db.commit()
    _password_step(client, user)
    assert user.totp_secret
    for guess in wrong_codes(user.totp_secret, 5):
        assert client.post_form("/staff/login/code", {"code": guess}).status_code == 400
    refused = client.post_form("/staff/login/code", {"code": factories.totp_code(user)})
    assert refused.status_code == 400 and "För många felaktiga koder" in refused.text
    assert "uid" not in client.session_data()


def test_turning_two_factor_off_needs_a_code_or_the_password(client: CheckedClient, db: Session) -> None:
    user = factories.staff(db, factories.municipality(db), two_factor=True)
    db.commit()
    client.login(user)
    assert client.post_form("/staff/account/two-factor/disable", {"proof": "gissning"}).status_code == 400
    db.refresh(user)
    assert user.totp_secret
    assert client.post_form("/staff/account/two-factor/disable", {"proof": factories.PASSWORD}).status_code == 303
    db.refresh(user)
    assert user.totp_secret is None and _audit_any(db, user, Action.STAFF_USER_TWO_FACTOR_OFF)


def test_a_system_administrator_resets_someones_two_factor_and_it_is_audited_everywhere(
        client: CheckedClient, db: Session, towns: dict[str, Any]) -> None:
    person = factories.staff(db, towns["norrby"], Role.police, two_factor=True)
    db.add(Membership(user_id=person.id or 0, municipality_id=towns["strandvik"].id or 0, role=Role.viewer))
    db.commit()
    client.login(towns["system"])
    page = client.get(f"/staff/m/norrby/users/{person.id}").text
    assert f"/staff/admin/users/{person.id}/two-factor/reset" in page
    response = client.post_form(f"/staff/admin/users/{person.id}/two-factor/reset",
                                {"next": f"/staff/m/norrby/users/{person.id}"})
    assert response.headers["location"] == f"/staff/m/norrby/users/{person.id}"
    db.refresh(person)
    assert person.totp_secret is None
    assert _audit(db, towns["norrby"], Action.STAFF_USER_TWO_FACTOR_RESET)
    assert _audit(db, towns["strandvik"], Action.STAFF_USER_TWO_FACTOR_RESET)


@pytest.fixture
def two_clients(app: FastAPI) -> Iterator[tuple[CheckedClient, CheckedClient]]:
    with CheckedClient(app) as first, CheckedClient(app) as second:
        yield first, second


def test_changing_the_password_ends_the_other_sessions(two_clients: tuple[CheckedClient, CheckedClient],
                                                       db: Session) -> None:
    here, elsewhere = two_clients
    user = factories.staff(db, factories.municipality(db))
    db.commit()
    here.login(user)
    elsewhere.login(user)
    assert here.post_form("/staff/account/password", {"current": factories.PASSWORD, "password": NEW_PASSWORD,
                                                       "confirm": NEW_PASSWORD}).status_code == 303
    assert here.get("/staff").status_code == 200
    assert elsewhere.get("/staff", follow_redirects=False).status_code == 303


def test_a_browser_the_owner_signed_in_from_before_is_not_blocked_by_strangers_at_the_same_address(
        app: FastAPI, db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """An office network: everyone shares one public address. A stranger there sprays and guesses; the owner's
    own browser (known from an earlier sign-in) still gets in, a fresh browser at that address does not."""
    monkeypatch.setenv("LOGIN_SLOW_SECONDS", "0")  # the stranger may guess without waiting
    monkeypatch.setenv("LOGIN_MAX_FAILURES_PER_CLIENT", "6")
    get_settings.cache_clear()
    office = ("192.0.2.10", 40000)
    try:
        user = factories.staff(db, factories.municipality(db))
        db.commit()
        with CheckedClient(app, client=office) as own_browser, CheckedClient(app, client=office) as stranger:
            own_browser.login(user)
            assert own_browser.cookies.get("trygg_device")
            assert own_browser.post_form("/staff/logout").status_code == 303
            for n in range(6):  # five on the owner's account, one more elsewhere: both limits reached
                email = user.email if n < 5 else "annan@test.example"
                assert stranger.post_form("/staff/login", {"email": email, "password": "fel"}).status_code == 400
            blocked = stranger.post_form("/staff/login", {"email": user.email, "password": factories.PASSWORD})
            assert "För många misslyckade inloggningar" in blocked.text
            assert own_browser.login(user).status_code == 303
            # The cookie is bound to its account: it does not lift the address's limit for another account.
            other = factories.staff(db, factories.municipality(db))
            db.commit()
            own_browser.post_form("/staff/logout")
            refused = own_browser.post_form("/staff/login", {"email": other.email, "password": factories.PASSWORD})
            assert "För många misslyckade inloggningar" in refused.text
            # A forged cookie counts for nothing.
            stranger.cookies.set("trygg_device", "eyJ1IjoxLCJkIjoiYSJ9.forged", path="/staff")
            again = stranger.post_form("/staff/login", {"email": user.email, "password": factories.PASSWORD})
            assert "För många misslyckade inloggningar" in again.text
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
