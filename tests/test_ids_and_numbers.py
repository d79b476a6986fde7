"""Ids beyond what the database holds, on every route with an id in its path: a 404, never a 5xx.

The attack: `/m/<slug>/pledges/9223372036854775808` (2**63) or 10**20 made SQLite ("Python int too large") and
PostgreSQL ("bigint out of range") raise, a 500 on 17 requests, 9 of them without login.
"""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import create_engine
from sqlmodel import Session, select

from app.main import create_app
from app.models import Area, Role
from tests import factories
from tests.conftest import CheckedClient

HUGE = (str(2**63), str(10**20))


def _routes_with_ids() -> list[tuple[str, str, list[str]]]:
    """(method, path, the int path parameters) for every route whose path holds an int."""
    app = create_app(create_engine("sqlite://"))
    found: list[tuple[str, str, list[str]]] = []
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute):
            continue
        pending, ints = [route.dependant], set[str]()
        while pending:
            dependant = pending.pop()
            ints.update(p.name for p in dependant.path_params if p.field_info.annotation is int)
            pending.extend(dependant.dependencies)
        if ints:
            found.extend((method, str(route.path), sorted(ints)) for method in sorted(route.methods or ()))
    return found


ROUTES = _routes_with_ids()


def test_the_walk_finds_the_id_routes() -> None:
    paths = {path for _m, path, _i in ROUTES}
    assert len(ROUTES) >= 80 and "/m/{slug}/pledges/{pledge_id}" in paths  # the walk sees public and staff routes
    assert any(p.startswith("/staff/") for p in paths)
    # Every {…_id} in any path is read as int somewhere (a route or a load-or-404 dependency such as OwnedPledge):
    # an id read untyped escapes the range check, and 2**63 reached the database as a 500.
    app = create_app(create_engine("sqlite://"))
    with_ids = {str(r.path) for r in iter_route_contexts(app.routes)
                if isinstance(r.original_route, APIRoute) and re.search(r"\{[a-z_]+_id\}", str(r.path))}
    assert with_ids <= paths, sorted(with_ids - paths)[:10]


@pytest.mark.parametrize("as_admin", [False, True], ids=["anonymous", "admin"])
def test_no_5xx_for_ids_out_of_range(client: CheckedClient, db: Session, as_admin: bool) -> None:
    municipality = factories.municipality(db)
    admin = factories.staff(db, municipality, Role.admin)
    db.commit()
    if as_admin:
        client.login(admin)
    statuses: dict[int, list[str]] = {}
    for method, path, ints in ROUTES:
        for huge in HUGE:
            url = path
            for name in ints:
                url = url.replace("{" + name + "}", huge)
            url = re.sub(r"\{(municipality|slug)\}", municipality.slug, url)
            url = re.sub(r"\{[a-z_]+\}", "x", url)
            if method == "GET":
                response = client.get(url, follow_redirects=False)
            elif method == "POST":
                response = client.post_form(url, {})
            else:
                response = client.request(method, url, follow_redirects=False)
            statuses.setdefault(response.status_code, []).append(f"{method} {url}")
    assert not [k for k in statuses if k >= 500], {k: v for k, v in statuses.items() if k >= 500}
    assert set(statuses) == {404}, {k: v[:5] for k, v in statuses.items() if k != 404}


@pytest.mark.parametrize("number", ["1" * 5000, "1." + "1" * 5000, "-" + "9" * 5000])
def test_geojson_with_a_5000_digit_number_is_a_400_with_a_message(client: CheckedClient, db: Session,
                                                                  number: str) -> None:
    """The attack: an area polygon with a coordinate of 5,000 digits gave a 500 (int() past Python's digit limit)."""
    municipality = factories.municipality(db)
    admin = factories.staff(db, municipality, Role.admin)
    db.commit()
    client.login(admin)
    square = "[[16.54,59.37],[16.55,59.37],[16.55,59.38],[NUMBER,59.38],[16.54,59.37]]".replace("NUMBER", number)
    response = client.post_form(f"/staff/m/{municipality.slug}/areas", {
        "name": "Långt tal", "slug": "", "parent_id": "", "population": "",
        "geojson": '{"type": "Polygon", "coordinates": [' + square + "]}"})
    assert response.status_code == 400
    assert "för många siffror" in response.text and 'href="#geojson"' in response.text
    assert db.exec(select(Area).where(Area.municipality_id == municipality.id)).all() == []
