"""A second baseline for bench/survey_load.py: the real app (every middleware, the session, the CSRF check and
the form parsing the survey POST goes through) plus one empty route that answers 303 without touching the
database. Its rate is the ceiling for any route of this app; the submission's gap to it is the write path."""

from __future__ import annotations

from fastapi import Depends
from fastapi.responses import Response
from starlette.datastructures import FormData

from app.asgi import app
from app.web import read_form, redirect


async def empty_route(slug: str, page: int, form: FormData = Depends(read_form)) -> Response:
    return redirect(f"/s/{slug}/tack?n={len(form)}")


app.add_api_route("/floor/{slug}/{page}", empty_route, methods=["POST"], include_in_schema=False)
app.router.routes.insert(0, app.router.routes.pop())  # matched first, as the survey routes are
