"""Public routes of the concerns domain: plotly's JavaScript served from the installed package."""

from __future__ import annotations

import gzip
import re
from functools import lru_cache
from pathlib import Path

import plotly
from fastapi import APIRouter, Request
from fastapi.responses import Response

router = APIRouter()

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
PLOTLY_VERSION = plotly.__version__
# The URL carries the package version, so a year-long immutable cache is safe: an upgrade changes the URL.
CACHE = "public, max-age=31536000, immutable"


@lru_cache(maxsize=1)
def _plotly_bytes() -> tuple[bytes, bytes]:
    raw = PLOTLY_JS.read_bytes()
    return raw, gzip.compress(raw, compresslevel=6)


@router.get("/assets/plotly.min.js", name="concerns.plotly_js", include_in_schema=False)
def plotly_js(request: Request) -> Response:
    """plotly.js from the installed Python package: never a CDN, never committed to the repository."""
    raw, compressed = _plotly_bytes()
    headers = {"Cache-Control": CACHE, "X-Content-Type-Options": "nosniff", "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(compressed, media_type="text/javascript; charset=utf-8", headers=headers)
    return Response(raw, media_type="text/javascript; charset=utf-8", headers=headers)


_RULES_START = '{"X,X div":'
_PAIR = re.compile(r'"((?:[^"\\]|\\.)*)":(?:\'((?:[^\'\\]|\\.)*)\'|"((?:[^"\\]|\\.)*)")(,|\})')


@lru_cache(maxsize=1)
def plotly_base_css() -> str:
    """plotly.js's own base CSS rules, taken from the installed bundle, as a stylesheet.

    plotly.js normally injects these with a <style> element, which our CSP (style-src 'self') refuses. Served as a
    file and linked with id "plotly.js-style-global" and class "no-inline-styles", plotly skips the injection.
    """
    text = PLOTLY_JS.read_text(encoding="utf-8")
    start = text.find(_RULES_START)
    if start < 0:
        return ""
    rules = []
    position = start + 1
    while True:
        match = _PAIR.match(text, position)
        if match is None:
            break
        selector, single, double, end = match.groups()
        full = re.sub(r"^,", " ,", selector).replace("X", ".js-plotly-plot .plotly").replace("Y", ".plotly-notifier")
        rules.append(f"{full}{{{single if single is not None else double}}}")
        if end == "}":
            break
        position = match.end()
    return "\n".join(rules) + "\n"


@router.get("/assets/plotly-base.css", name="concerns.plotly_css", include_in_schema=False)
def plotly_css() -> Response:
    return Response(plotly_base_css(), media_type="text/css; charset=utf-8", headers={"Cache-Control": CACHE})


_INJECTED = re.compile(r'document\.getElementById\("([0-9a-f]{64})"\)\)\{var \w+=document\.createElement\("style"\)')


@lru_cache(maxsize=1)
def plotly_injected_style_ids() -> tuple[str, ...]:
    """Ids of the <style> elements the bundle injects on load unless an element with that id exists (the bundled
    map library's CSS, which we do not use). A placeholder with each id keeps the CSP from refusing them."""
    return tuple(dict.fromkeys(_INJECTED.findall(PLOTLY_JS.read_text(encoding="utf-8"))))
