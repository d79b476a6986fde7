"""Cache-Control by rule (app/middleware.py): no browser or proxy keeps a staff page, a page reached by a personal
link, or a survey page with saved answers; public pages keep their caching. HSTS under an https BASE_URL."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from sqlmodel import Session

from app.config import get_settings
from app.main import create_app
from app.models import Role
from app.models.pledges import PledgeStatus, PledgeSubscriber
from tests import factories
from tests.conftest import CheckedClient
from tests.pledges import factories as pf
from tests.surveys.factories import standard_survey
from tests.surveys.test_public_flow import FULL, post_page, start


def _staff_pages() -> list[str]:
    """Every staff GET page that needs no id: the user list, outbox, audit log, themes, settings..."""
    app = create_app()
    found = []
    for route in iter_route_contexts(app.routes):
        path = str(route.path)
        if isinstance(route.original_route, APIRoute) and path.startswith("/staff") and "GET" in (route.methods or ()) \
                and not re.search(r"\{(?!municipality\})", path):
            found.append(path)
    return sorted(found)


def test_every_staff_page_is_no_store(client: CheckedClient, db: Session) -> None:
    """The attack: the staff user page (then with a live password link), the outbox, the audit log and themes were
    kept by the browser's cache, readable after logout on a shared computer."""
    municipality = factories.municipality(db)
    admin = factories.staff(db, municipality, Role.admin)
    db.commit()
    pages = _staff_pages()
    assert len(pages) > 15 and "/staff/m/{municipality}/users" in pages
    client.get("/staff/login")
    client.login(admin)
    stored = []
    for path in pages:
        response = client.get(path.replace("{municipality}", municipality.slug), follow_redirects=False)
        if "no-store" not in response.headers.get("cache-control", ""):
            stored.append(f"{path} -> {response.status_code} {response.headers.get('cache-control')}")
    assert stored == []


def test_a_survey_page_with_saved_answers_is_no_store(client: CheckedClient, db: Session) -> None:
    survey = standard_survey(db)
    start(client, survey)
    post_page(client, survey, 1, FULL[1])
    page = client.get(f"/s/{survey.slug}/1")
    assert 'value="fairly_unsafe" checked' in page.text  # the saved answer is on the page...
    assert page.headers["cache-control"] == "no-store"  # ...so no cache may keep it


def test_a_subscription_link_page_is_no_store_and_public_pages_stay_cacheable(client: CheckedClient,
                                                                              db: Session) -> None:
    municipality = factories.municipality(db)
    pledge, _acts = pf.complete_pledge(db, municipality, PledgeStatus.published)
    db.add(PledgeSubscriber(municipality_id=municipality.id or 0, email="a@resident.example", token="t" * 40))
    db.commit()
    confirm = client.get(f"/m/{municipality.slug}/pledges/confirm/{'t' * 40}")
    assert confirm.status_code == 200
    assert confirm.headers["cache-control"] == "no-store"
    public = client.get(f"/m/{municipality.slug}/pledges/{pledge.id}")
    assert public.status_code == 200 and "no-store" not in public.headers["cache-control"]
    assert "strict-transport-security" not in public.headers  # BASE_URL is http here


def test_hsts_when_base_url_is_https(client: CheckedClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "base_url", "https://trygg.example.se")
    response = client.get("/tillganglighet")
    assert response.headers["strict-transport-security"].startswith("max-age=31536000")
