"""The public page cache (app/cache/): served from memory while nothing changed, invalidated by staff changes
and sign-ups through the ordinary routes, never for signed-in staff, per language, with the visitor's own CSRF
token, ETags and 304s."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import update
from sqlmodel import Session, select

from app import clock
from app.cache import pages, versions
from app.config import get_settings
from app.db import make_engine, migrate
from app.main import create_app
from app.models import Role
from app.models.cache import CacheVersion
from app.models.pledges import PledgeProposal, PledgeStatus
from app.pledges import public_view as pledge_public_view
from tests import factories
from tests.conftest import CheckedClient
from tests.databases import fresh_database
from tests.dialogues import factories as dialogue_factories
from tests.pledges import factories as pf
from tests.surveys import factories as survey_factories

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts how often the pledge page is really built (a hit builds nothing)."""
    calls: list[int] = []
    original = pledge_public_view.pledge_view

    def counting(*args: Any, **kwargs: Any) -> dict[str, Any]:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(pledge_public_view, "pledge_view", counting)
    return calls


@pytest.fixture
def town(db: Session) -> dict[str, Any]:
    municipality = factories.municipality(db, languages=["sv", "en", "ar"])
    found, acts = pf.complete_pledge(db, municipality, PledgeStatus.published)
    found.title = {"sv": "Tryggare Centrum", "en": "Safer Centre"}
    db.add(found)
    user = factories.staff(db, municipality, Role.coordinator)
    db.commit()
    return {"m": municipality, "pledge": found, "acts": acts, "user": user,
            "url": f"/m/{municipality.slug}/pledges/{found.id}",
            "staff": f"/staff/m/{municipality.slug}/pledges/{found.id}"}


@pytest.fixture
def staff_client(app: FastAPI, town: dict[str, Any]) -> Iterator[CheckedClient]:
    with CheckedClient(app, base_url="http://testserver") as other:
        other.login(town["user"])
        yield other


def test_second_visit_is_served_from_the_cache(client: CheckedClient, town: dict[str, Any],
                                               renders: list[int]) -> None:
    first = client.get(town["url"])
    second = client.get(town["url"])
    assert first.status_code == second.status_code == 200
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("miss", "hit")
    assert len(renders) == 1 and first.text == second.text and "Tryggare Centrum" in second.text
    assert second.headers["cache-control"] == "private, no-cache"  # it carries this visitor's CSRF token
    assert "cookie" in second.headers["vary"].lower() and second.headers["last-modified"].endswith("GMT")


def test_staff_change_through_the_staff_route_invalidates(client: CheckedClient, staff_client: CheckedClient,
                                                          town: dict[str, Any], db: Session) -> None:
    assert "Tryggare Centrum" in client.get(town["url"]).text
    assert client.get(town["url"]).headers["x-cache"] == "hit"
    response = staff_client.post_form(f"{town['staff']}/edit", {
        "title": "Tryggare Torget", "intro": "Vi lovar.", "starts_on": "2025-01-01", "ends_on": "2026-12-31",
        "area_id": "", "new_version": "yes", "version_note": "Nytt namn."})
    assert response.status_code == 303
    # A published pledge changes with the other side's approval (four eyes): the police approve the proposal.
    proposal = db.exec(select(PledgeProposal)).one()
    staff_client.login(factories.staff(db, town["m"], Role.police))
    assert staff_client.post_form(f"{town['staff']}/proposals/{proposal.id}/decide",
                                  {"decision": "approve"}).status_code == 303
    after = client.get(town["url"])
    assert after.headers["x-cache"] == "miss" and "Tryggare Torget" in after.text
    assert "Tryggare Torget" in client.get(f"/m/{town['m'].slug}/pledges").text  # the list page too


def test_activity_progress_reaches_the_cached_page(client: CheckedClient, staff_client: CheckedClient,
                                                   town: dict[str, Any]) -> None:
    act = town["acts"][0]
    client.get(town["url"])
    assert "Fyra nya papperskorgar." not in client.get(town["url"]).text
    response = staff_client.post_form(f"{town['staff']}/activities/{act.id}/updates",
                                      {"upd_text": "Fyra nya papperskorgar.", "upd_achieved": "4",
                                       "upd_posted_on": "2025-03-01"})
    assert response.status_code == 303, response.text
    assert "Fyra nya papperskorgar." in client.get(town["url"]).text


def test_signed_in_staff_are_never_served_or_stored(client: CheckedClient, staff_client: CheckedClient,
                                                    town: dict[str, Any], renders: list[int]) -> None:
    for _ in range(2):
        page = staff_client.get(town["url"])
        assert page.status_code == 200 and "x-cache" not in page.headers
        assert page.headers["cache-control"] == "private, no-store"
    assert len(renders) == 2
    assert client.get(town["url"]).headers["x-cache"] == "miss"  # nothing the staff saw was stored


def test_a_waiting_flash_message_is_shown_not_cached(client: CheckedClient, town: dict[str, Any],
                                                     db: Session) -> None:
    event = dialogue_factories.event(db, town["m"])
    db.commit()
    page = f"/m/{town['m'].slug}/dialoger/{event.id}"
    client.get(page)
    form = {"name": "Ada Andersson", "email": "ada@resident.example", "phone": "", "people": "1", "consent": "yes"}
    assert client.post_form(f"{page}/anmalan", form).status_code == 303
    again = client.post_form(f"{page}/anmalan", {**form, "name": "Ada igen"})
    assert again.headers["location"] == page
    shown = client.get(page)
    assert "redan anmäld" in shown.text and "x-cache" not in shown.headers
    assert "redan anmäld" not in client.get(page).text  # shown once, as without a cache


def test_languages_are_kept_apart(client: CheckedClient, town: dict[str, Any]) -> None:
    swedish = client.get(town["url"])
    english = client.get(town["url"] + "?lang=en")
    assert 'lang="sv"' in swedish.text and 'lang="en"' in english.text and "Safer Centre" in english.text
    again = client.get(town["url"])
    assert again.headers["x-cache"] == "hit" and 'lang="sv"' in again.text and "Safer Centre" not in again.text
    client.cookies.set("lang", "en")
    by_cookie = client.get(town["url"])
    assert 'lang="en"' in by_cookie.text and "Safer Centre" in by_cookie.text


def test_each_visitor_gets_their_own_csrf_token_and_can_post_with_it(app: FastAPI, client: CheckedClient,
                                                                     town: dict[str, Any]) -> None:
    client.get(town["url"])
    with CheckedClient(app, base_url="http://testserver") as other:
        page = other.get(town["url"])
        assert page.headers["x-cache"] == "hit"
        token = TOKEN.search(page.text)
        assert token and token.group(1) == other.session_data()["csrf"] != client.session_data()["csrf"]
        response = other.post(f"/m/{town['m'].slug}/pledges/subscribe",
                              data={"csrf_token": token.group(1), "email": "boende@resident.example"})
        assert response.status_code == 200 and "Kontrollera din e-post" in response.text


def test_etag_answers_304_and_a_change_answers_200(client: CheckedClient, staff_client: CheckedClient,
                                                   town: dict[str, Any]) -> None:
    page = client.get(town["url"])
    etag = page.headers["etag"]
    unchanged = client.get(town["url"], headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b"" and unchanged.headers["etag"] == etag
    staff_client.post_form(f"{town['staff']}/close", {"confirm_close": "yes"})
    changed = client.get(town["url"], headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag


def test_pages_without_a_form_are_public_and_answer_if_modified_since(app: FastAPI, client: CheckedClient,
                                                                      db: Session, town: dict[str, Any]) -> None:
    db.execute(update(CacheVersion).values(changed_at=datetime(2020, 1, 1, tzinfo=UTC)))  # long settled
    first = client.get("/")
    assert first.headers["cache-control"] == "private, no-cache"  # it started a session: never for shared caches
    with CheckedClient(app, base_url="http://testserver") as stranger:
        page = stranger.get("/")
        assert page.status_code == 200 and page.headers["cache-control"] == "public, no-cache"
        assert "set-cookie" not in page.headers and 'name="csrf_token"' not in page.text
    since = client.get("/", headers={"If-Modified-Since": page.headers["last-modified"]})
    assert since.status_code == 304
    assert client.get("/", headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}).status_code == 200


def test_a_sign_up_updates_the_seats_on_the_cached_event_page(client: CheckedClient, db: Session,
                                                              town: dict[str, Any]) -> None:
    event = dialogue_factories.event(db, town["m"], capacity=5)
    db.commit()
    page = f"/m/{town['m'].slug}/dialoger/{event.id}"
    assert "5 av 5 kvar" in client.get(page).text
    assert client.get(page).headers["x-cache"] == "hit"
    form = {"name": "Ada Andersson", "email": "ada@resident.example", "phone": "", "people": "2", "consent": "yes"}
    assert client.post_form(f"{page}/anmalan", form).status_code == 303
    assert "3 av 5 kvar" in client.get(page).text


def test_writes_to_private_tables_do_not_invalidate(client: CheckedClient, db: Session,
                                                    town: dict[str, Any]) -> None:
    client.get(town["url"])
    client.post_form(f"/m/{town['m'].slug}/pledges/subscribe", {"email": "boende@resident.example"})
    assert client.get(town["url"]).headers["x-cache"] == "hit"


def test_switched_off_by_the_setting(client: CheckedClient, town: dict[str, Any],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "public_cache_seconds", 0)
    for _ in range(2):
        page = client.get(town["url"])
        assert page.status_code == 200 and "x-cache" not in page.headers


def test_entries_expire_after_their_lifetime(client: CheckedClient, town: dict[str, Any],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    client.get(town["url"])
    assert client.get(town["url"]).headers["x-cache"] == "hit"
    later = clock.now() + timedelta(seconds=get_settings().public_cache_seconds)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert client.get(town["url"]).headers["x-cache"] == "miss"


def test_a_rolled_back_write_changes_nothing_and_a_committed_one_bumps(db: Session, town: dict[str, Any]) -> None:
    before = versions.current_versions(db)
    assert before is not None
    town["pledge"].intro = {"sv": "Ändrat men ångrat."}
    db.add(town["pledge"])
    db.flush()
    db.rollback()
    db.commit()  # a read-only commit after the rollback writes nothing either
    assert versions.current_versions(db) == before
    town["m"].name = "Nytt namn"
    db.add(town["m"])
    db.commit()
    after = versions.current_versions(db)
    assert after is not None
    assert after[versions.CONTENT][0] == before[versions.CONTENT][0] + 1
    assert after[versions.SIGNUPS] == before[versions.SIGNUPS]


def test_gzip_and_identity_carry_the_same_page(client: CheckedClient, town: dict[str, Any]) -> None:
    client.get(town["url"])
    packed = client.get(town["url"], headers={"Accept-Encoding": "gzip"})
    plain = client.get(town["url"], headers={"Accept-Encoding": "identity"})
    assert packed.headers["content-encoding"] == "gzip" and "content-encoding" not in plain.headers
    assert packed.headers["x-cache"] == plain.headers["x-cache"] == "hit"
    assert packed.text == plain.text and client.session_data()["csrf"] in plain.text


@pytest.fixture(scope="module")
def own_database(tmp_root: Path) -> Iterator[str]:
    """A database of its own: the fast path reads the versions through the app's engine, not the test session."""
    with fresh_database(tmp_root, "page_cache") as url:
        migrate(url)
        yield url


def test_fast_path_answers_hits_before_routing_and_sees_other_processes_commits(
        own_database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    engine, elsewhere = make_engine(own_database, pool_size=2), make_engine(own_database, pool_size=2)
    with Session(engine, expire_on_commit=False) as session:
        municipality = factories.municipality(session)
        found, _acts = pf.complete_pledge(session, municipality, PledgeStatus.published)
        user = factories.staff(session, municipality, Role.coordinator)
        session.commit()
    url = f"/m/{municipality.slug}/pledges/{found.id}"
    routed: list[int] = []
    original = pages.serve

    def counting(*args: Any) -> Any:
        routed.append(1)
        return original(*args)

    monkeypatch.setattr(pages, "serve", counting)
    try:
        with CheckedClient(create_app(engine), base_url="http://testserver") as visitor:
            assert visitor.get(url).headers["x-cache"] == "miss"
            hit = visitor.get(url)
            assert hit.headers["x-cache"] == "hit" and len(routed) == 1  # the second never reached the route
            assert visitor.session_data()["csrf"] in hit.text
            with Session(elsewhere) as other:  # another app instance on the same database
                row = other.get(type(found), found.id)
                assert row is not None
                row.title = {"sv": "Ändrat på en annan server"}
                other.add(row)
                other.commit()
            changed = visitor.get(url)
            assert changed.headers["x-cache"] == "miss" and "Ändrat på en annan server" in changed.text
            visitor.login(user)
            signed_in = visitor.get(url)
            assert "x-cache" not in signed_in.headers and signed_in.headers["cache-control"] == "private, no-store"
    finally:
        engine.dispose()
        elsewhere.dispose()


def test_closing_a_survey_and_cancelling_an_event_reach_the_cached_municipality_page(
        client: CheckedClient, staff_client: CheckedClient, db: Session, town: dict[str, Any]) -> None:
    survey = survey_factories.standard_survey(db, town["m"])
    event = dialogue_factories.event(db, town["m"])
    db.commit()
    page = f"/m/{town['m'].slug}"
    before = client.get(page)
    assert f'href="/s/{survey.slug}"' in before.text and f"/dialoger/{event.id}" in before.text
    assert client.get(page).headers["x-cache"] == "hit"
    staff = f"/staff/m/{town['m'].slug}"
    assert staff_client.post_form(f"{staff}/surveys/{survey.id}/status", {"status": "closed"}).status_code == 303
    assert f'href="/s/{survey.slug}"' not in client.get(page).text
    assert staff_client.post_form(f"{staff}/dialogues/{event.id}/cancel").status_code == 303
    assert f"/dialoger/{event.id}" not in client.get(page).text
    assert f"/dialoger/{event.id}\"" not in client.get(f"{page}/dialoger").text
