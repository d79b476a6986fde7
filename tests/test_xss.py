"""XSS and formula payloads in every free-text field come back escaped wherever they are shown.

Every free-text column residents and staff can write is filled with a payload; then every GET route in the route
table (public pages, staff pages, CSV/XLSX exports, the JSON API, the Atom feed) is fetched, and the mail a resident
and staff trigger is read from the outbox.
"""

from __future__ import annotations

import csv
import io
import json
import re
from email import policy
from email.parser import BytesParser
from typing import Any
from xml.etree import ElementTree as ET

import openpyxl  # type: ignore[import-untyped]
from fastapi.routing import APIRoute, iter_route_contexts
from sqlmodel import SQLModel, select

from app import mail
from app.config import get_settings
from app.models import Area, Municipality, Party, Role, StaffUser
from app.models.dialogues import DialogueEvent, DialogueSignup, MailOutbox, WalkObservation
from app.models.pledges import (
    Pledge,
    PledgeActivity,
    PledgeAttachment,
    PledgeFocusArea,
    PledgeIndicator,
    PledgeSignatory,
    PledgeStatus,
    PledgeUpdate,
    PledgeVersion,
)
from app.models.surveys import Answer, Question, QuestionOption, SurveyTranslation
from tests import test_fuzz_forms as fuzz
from tests.conftest import CheckedClient
from tests.test_fuzz_forms import World, url_for

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
# Each payload starts like a spreadsheet formula and carries HTML that must never reach a page unescaped.
PAYLOADS = [f'{lead}XSSF{SCRIPT}"\'>{IMG}' for lead in "=+-@"]
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")

FREE_TEXT: dict[type[SQLModel], list[str]] = {
    Municipality: ["name"], Area: ["name"], Party: ["name"], StaffUser: ["name"],
    DialogueEvent: ["title", "description", "place", "accessibility"], DialogueSignup: ["name", "needs"],
    WalkObservation: ["landmark", "problem", "measure", "rejection_reason"],
    Pledge: ["title", "intro"], PledgeFocusArea: ["title", "problem", "cause"],
    PledgeActivity: ["title", "target_unit", "target_text", "cancel_reason"], PledgeUpdate: ["text"],
    PledgeSignatory: ["name", "role"], PledgeIndicator: ["label"], PledgeVersion: ["note"],
    PledgeAttachment: ["original_name"], MailOutbox: ["subject", "body"],
    SurveyTranslation: ["title", "intro"], Question: ["text", "help"], QuestionOption: ["label"],
    Answer: ["value_text"],
}
SKIPPED_PREFIXES = ("/static/", "/assets/", "/docs")

world, fresh = fuzz.world, fuzz.fresh  # the fuzz tests' world: an object behind every path parameter


def fill_with_payloads(world: World) -> int:
    """Writes a payload into every free-text field of every row; returns how many fields were filled."""
    db, filled = world.session, 0
    for model, names in FREE_TEXT.items():
        for n, row in enumerate(db.exec(select(model)).all()):
            for name in names:
                current = getattr(row, name)
                payload = f"{PAYLOADS[(n + filled) % len(PAYLOADS)]} {n}"  # names are unique per municipality
                if isinstance(current, dict):
                    setattr(row, name, {lang: payload for lang in {"sv", "en", "ar", *current}})
                elif isinstance(current, str) or (model is Answer and current is not None):
                    setattr(row, name, payload)
                else:
                    continue
                filled += 1
            db.add(row)
    pledge = db.get(Pledge, world.params["pledge_id"])
    assert pledge is not None
    pledge.status, pledge.version = PledgeStatus.published, 1  # shown on the public pages too
    db.add(pledge)
    db.commit()
    return filled


def get_routes() -> list[str]:
    return sorted({str(r.path) for r in iter_route_contexts(world_app_routes())
                   if isinstance(r.original_route, APIRoute) and "GET" in (r.methods or ())
                   and not str(r.path).startswith(SKIPPED_PREFIXES)})


def world_app_routes() -> list[Any]:
    from sqlalchemy import create_engine

    from app.main import create_app

    return list(create_app(create_engine("sqlite://")).routes)


def check_html(url: str, body: str) -> None:
    for raw in (SCRIPT, IMG):
        at = body.find(raw)
        assert at < 0, f"{url}: a payload reached the page unescaped: ...{body[max(0, at - 200):at + 60]}"
    # Inside <script type="application/json"> nothing may close the element early.
    for block in re.findall(r"<script[^>]*application/json[^>]*>(.*?)</script>", body, re.S):
        json.loads(block)


def check_cells(url: str, cells: list[str]) -> None:
    dangerous = [c for c in cells if "XSSF" in c and c.startswith(FORMULA_LEADS)]
    assert not dangerous, f"{url}: formula-like cells not neutralised: {dangerous[:3]}"


def check_response(url: str, response: Any, shown: dict[str, int]) -> None:
    kind = response.headers.get("content-type", "")
    body = response.content
    if b"XSSF" in body or b"XSSF" in body:
        shown[kind.split(";")[0]] = shown.get(kind.split(";")[0], 0) + 1
    if kind.startswith("text/html"):
        check_html(url, response.text)
    elif kind.startswith("text/csv"):
        text = response.content.decode("utf-8-sig")
        dialect = csv.Sniffer().sniff(text[:2000], delimiters=",;") if text.strip() else csv.excel
        check_cells(url, [cell for row in csv.reader(io.StringIO(text), dialect) for cell in row])
    elif "spreadsheetml" in kind:
        book = openpyxl.load_workbook(io.BytesIO(body))
        check_cells(url, [str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row
                          if isinstance(c.value, str)])
    elif "json" in kind:
        json.loads(body)  # well-formed: the payload is JSON-escaped, never raw
        assert response.headers.get("x-content-type-options") == "nosniff", url
    elif "xml" in kind:
        root = ET.fromstring(body)  # noqa: S314 - our own response; well-formed, and the payload is text, not markup
        assert not [e for e in root.iter() if e.tag.split("}")[-1] in ("script", "img")], url


def test_payloads_come_back_escaped_everywhere(fresh: World) -> None:
    world = fresh
    assert fill_with_payloads(world) > 40
    shown: dict[str, int] = {}
    fetched: list[str] = []
    with CheckedClient(world.app, base_url="http://testserver") as public, \
            CheckedClient(world.app, base_url="http://testserver") as admin, \
            CheckedClient(world.app, base_url="http://testserver") as superadmin:
        admin.login(world.users[Role.admin])
        superadmin.login(world.superadmin)
        for path in get_routes():
            client = superadmin if path.startswith("/staff/admin") else admin if path.startswith("/staff") \
                else public
            url = url_for(path, world.params)
            response = client.get(url, follow_redirects=False)
            assert response.status_code < 500, f"{url}: {response.status_code}"
            if response.status_code == 200:
                fetched.append(path)
                check_response(url, response, shown)
        # The pages whose whole point is showing these texts did show them (escaped).
        for page in ("/m/{slug}/pledges/{pledge_id}", "/m/{slug}/dialoger/{event_id}",
                     "/staff/m/{municipality}/dialogues/{event_id}/attendees", "/staff/m/{municipality}/areas"):
            assert page in fetched, page
            assert ESCAPED_SCRIPT in (public if page.startswith("/m/") else admin).get(
                url_for(page, world.params)).text, page
    assert shown.get("text/html", 0) > 20 and shown.get("application/json") and shown.get("text/csv"), shown


def test_mail_with_payloads_is_plain_text(fresh: World) -> None:
    world = fresh
    fill_with_payloads(world)
    outbox = get_settings().outbox_dir
    before = set(outbox.glob("*.eml")) if outbox.exists() else set()
    with CheckedClient(world.app, base_url="http://testserver") as public, \
            CheckedClient(world.app, base_url="http://testserver") as admin:
        signed_up = public.post_form(url_for("/m/{slug}/dialoger/{event_id}/anmalan", world.params),
                                     {"name": PAYLOADS[0], "email": "boende@resident.example", "phone": "",
                                      "people": "1", "needs": PAYLOADS[1], "consent": "yes"})
        assert signed_up.status_code in (303, 400), signed_up.text[:300]
        admin.login(world.users[Role.admin])
        sent = admin.post_form(url_for("/staff/m/{municipality}/dialogues/{event_id}/message", world.params),
                               {"subject": PAYLOADS[2], "body": PAYLOADS[3]})
        assert sent.status_code == 303, sent.text[:300]
        page = admin.get(url_for("/staff/m/{municipality}/dialogues/outbox", world.params))
        assert ESCAPED_SCRIPT in page.text
        check_html("outbox", page.text)
    mail.deliver_pending(world.session)
    messages = [BytesParser(policy=policy.default).parsebytes(p.read_bytes())
                for p in set(outbox.glob("*.eml")) - before]
    with_payload = [m for m in messages if "XSSF" in str(m["Subject"]) or "XSSF" in m.as_string()]
    assert with_payload, "no mail carried the payloads"
    for message in with_payload:
        for part in message.walk():
            if part.get_content_maintype() == "multipart":
                continue
            assert part.get_content_type() == "text/plain" or SCRIPT not in part.get_content(), part
