"""/docs: Swagger UI served from the installed fastapi-offline package, never from a CDN.

The page is our own template (so it has the site frame and works as a page without JavaScript: it links the
OpenAPI document); Swagger UI's script is started by a static file because the CSP forbids inline scripts.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from app.errors import NotFound
from app.web import render

router = APIRouter(include_in_schema=False)
SWAGGER_DIR = Path(fastapi_offline.__file__).parent / "static"
SWAGGER_FILES = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css"}


@router.get("/docs", name="api.api_docs")
def api_docs(request: Request) -> Response:
    return render(request, "public/api_docs.html")


@router.get("/static/vendor/swagger/{name}", name="api.swagger_asset")
def swagger_asset(name: str) -> Response:
    if name not in SWAGGER_FILES:
        raise NotFound
    return FileResponse(SWAGGER_DIR / name, media_type=SWAGGER_FILES[name],
                        headers={"Cache-Control": "public, max-age=86400"})
