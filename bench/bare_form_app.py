"""The baseline for bench/survey_load.py: a bare FastAPI app whose one endpoint only parses the same form the
survey's page POST sends (urlencoded, ~20 fields) and answers with a 303, as the real submission does."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse

app = FastAPI()


@app.post("/s/{slug}/{page}")
async def parse_only(request: Request, slug: str, page: int) -> RedirectResponse:
    form = await request.form(max_files=10, max_fields=2000)
    return RedirectResponse(f"/s/{slug}/tack?n={len(form)}", status_code=303)
