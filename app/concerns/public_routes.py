"""Public routes of the concerns domain: plotly's JavaScript served from the installed package, and the API."""

from __future__ import annotations

import gzip
from functools import lru_cache
from pathlib import Path

import plotly
from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.concerns import api

router = APIRouter()
router.include_router(api.router)

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
PLOTLY_VERSION = plotly.__version__
# The URL carries the package version, so a year-long immutable cache is safe: an upgrade changes the URL.
CACHE = "public, max-age=31536000, immutable"


@lru_cache(maxsize=1)
def _plotly_bytes() -> tuple[bytes, bytes]:
    raw = PLOTLY_JS.read_bytes()
    return raw, gzip.compress(raw, compresslevel=6)


@router.get("/assets/plotly.min.js", include_in_schema=False)
def plotly_js(request: Request) -> Response:
    """plotly.js from the installed Python package: never a CDN, never committed to the repository."""
    raw, compressed = _plotly_bytes()
    headers = {"Cache-Control": CACHE, "X-Content-Type-Options": "nosniff", "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(compressed, media_type="text/javascript; charset=utf-8", headers=headers)
    return Response(raw, media_type="text/javascript; charset=utf-8", headers=headers)
