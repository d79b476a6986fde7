"""Every route has its own name, and every `url('name')` in the templates names a route that exists.

Templates link by route name (the `url()` global in app/web.py), so a renamed or removed route must show up here
rather than as a broken page at run time.
"""

from __future__ import annotations

import re
from collections import Counter

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from app.config import ROOT

TEMPLATES = ROOT / "frontend" / "templates"
URL_CALL = re.compile(r"""\burl\(\s*(['"])([^'"]+)\1""")


def _route_names(app: FastAPI) -> list[str]:
    return [str(getattr(route.original_route, "name", "")) for route in iter_route_contexts(app.routes)]


def test_every_route_has_a_unique_name(app: FastAPI) -> None:
    names = _route_names(app)
    assert all(names), "a route without a name"
    shared = sorted(name for name, count in Counter(names).items() if count > 1)
    assert not shared, f"route names used by more than one route: {shared}"


def test_every_url_in_the_templates_names_a_route(app: FastAPI) -> None:
    names = set(_route_names(app))
    used: dict[str, set[str]] = {}
    for template in sorted(TEMPLATES.rglob("*.html")):
        for _quote, name in URL_CALL.findall(template.read_text(encoding="utf-8")):
            used.setdefault(name, set()).add(str(template.relative_to(TEMPLATES)))
    unknown = {name: sorted(where) for name, where in used.items() if name not in names}
    assert not unknown, f"url() names no route: {unknown}"
