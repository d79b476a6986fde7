"""Accessibility audit: axe-core on every HTML page of the route table, public and staff, at phone and desktop
size, in Swedish and in Arabic (right to left), with zero violations of any impact.

Pages come from the route table, so a new page is audited without editing this file: every GET route needs a
URL built from the demo data (`demo_params`), or is declared here as answering something other than a page.
Forms that create things are also audited in their error state (submitted empty once), and the survey is walked
page by page (its pages need a draft cookie), including its error state and the thank-you page. At phone size a
page must also not be wider than the screen (reflow, WCAG 1.4.10), which axe does not check.

Staff pages have no Arabic catalog: in Arabic they are the Swedish pages (tests/site/test_language_marks.py),
so the Arabic runs audit the public pages and check that staff pages are Swedish. One browser context per size
and language; the full matrix runs on SQLite, a sample on PostgreSQL.
"""

from __future__ import annotations

import itertools
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import axe_playwright_python
import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import Engine, create_engine
from sqlmodel import Session, col, select

from app import demo
from app.admin import passwords
from app.dialogues import service as dialogues_service
from app.i18n import STAFF_LANGUAGES
from app.main import create_app
from app.models import Area, Municipality, Party, StaffUser
from app.models.cycles import Agreement, Cycle, CycleCheck, SituationDocument
from app.models.dialogues import DialogueEvent, DialogueSignup, EventKind, SignupStatus, WalkObservation, WalkPhoto
from app.models.pledges import (
    Pledge,
    PledgeActivity,
    PledgeAttachment,
    PledgeStatus,
    PledgeSubscriber,
    PledgeUpdate,
)
from app.models.surveys import ImportStatus, Question, Survey, SurveyImportJob, SurveyStatus
from tests.authz import staff_routes
from tests.browser.conftest import login
from tests.databases import on_postgres

pytestmark = pytest.mark.browser

AXE_SCRIPT = Path(axe_playwright_python.__file__).parent / "axe.min.js"
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
LANGUAGES = ("sv", "ar")

APP = create_app(create_engine("sqlite://"))
# Not pages: the JSON API, static files and vendored scripts.
NOT_PAGES_PREFIXES = ("/api/", "/static/", "/assets/", "/openapi.json", "/healthz",
                      "/sprak")  # the language switcher only redirects (and would reset the audit's language)
# GET routes that answer a file or a redirect, not a page. Adding one here is a decision: when the demo data
# reaches it, the audit checks that it really answers something other than HTML.
NOT_HTML = {
    "/m/{slug}/dialoger/{event_id}/kalender.ics",
    "/m/{slug}/pledges/feed.atom",
    "/m/{slug}/pledges/files/{attachment_id}",
    "/staff/m/{municipality}/surveys/{survey_id}/qr.svg",
    "/staff/m/{municipality}/surveys/{survey_id}/qr.png",
    "/staff/m/{municipality}/surveys/{survey_id}/responses.csv",
    "/staff/m/{municipality}/surveys/{survey_id}/responses.xlsx",
    "/staff/m/{municipality}/surveys/{survey_id}/paper-template.csv",
    "/staff/m/{municipality}/surveys/{survey_id}/paper-template.xlsx",
    "/staff/m/{municipality}/dialogues/{event_id}/attendees.csv",
    "/staff/m/{municipality}/dialogues/photos/{photo_id}",
    "/staff/m/{municipality}/concerns/export.xlsx",
    "/staff/m/{municipality}/concerns/export/{concern_table}.csv",
    "/staff/m/{municipality}/pledges/{pledge_id}/files/{attachment_id}",
    "/m/{slug}/agreements/{agreement_id}/document",
    "/m/{slug}/documents/{document_id}/pdf",
    "/staff/m/{municipality}/cycles/agreements/{agreement_id}/document",
    "/staff/m/{municipality}/cycles/documents/{document_id}/pdf",
}
# The survey's question and thank-you pages need a draft cookie: the audit reaches them by answering.
WALKED = {"/s/{slug}/{page:int}", "/s/{slug}/tack"}
# Forms audited in their error state: the page, and the submit button's form (identified by a field in it).
EMPTY_FORMS = {
    "/staff/login": "#email",
    "/m/{slug}/dialoger/{event_id}": "#name",
    "/m/{slug}/pledges": "input[type=email]",
    "/staff/account": "input[type=password]",
    "/staff/m/{municipality}/users": "input[type=email]",
    "/staff/m/{municipality}/areas/new": "#name",
    "/staff/m/{municipality}/parties/new": "#name",
    "/staff/m/{municipality}/dialogues/new": "input[type=text]",
    "/staff/m/{municipality}/dialogues/{event_id}/message": "textarea",
    "/staff/m/{municipality}/dialogues/{event_id}/observations/new": "input[type=text]",
    "/staff/m/{municipality}/pledges/new": "input[type=text]",
    "/staff/admin/municipalities": "input[type=text]",
}
SUPERADMIN_PATHS = {r.path for r in staff_routes(APP) if r.permission == "superadmin"}


@dataclass(frozen=True)
class PageRoute:
    path: str

    @property
    def staff(self) -> bool:
        return self.path.startswith("/staff") and self.path not in {"/staff/login", "/staff/password/{token}"}


def page_routes() -> list[PageRoute]:
    """Every GET route of the app that may answer a page."""
    found = []
    for route in iter_route_contexts(APP.routes):
        if not isinstance(route.original_route, APIRoute) or "GET" not in (route.methods or ()):
            continue
        path = str(route.path)
        if not path.startswith(NOT_PAGES_PREFIXES):
            found.append(PageRoute(path))
    return found


def demo_params(engine: Engine) -> dict[str, list[Any]]:
    """Values for every path parameter, from the demo municipality (plus a sign-up, a subscriber and a password
    link, which the demo does not hold). Several values mean several pages (a meeting and a safety walk)."""
    with Session(engine) as db:
        town = db.exec(select(Municipality).where(Municipality.slug == demo.DEMO_SLUG)).one()
        mid = town.id or 0

        def first(model: Any, *where: Any) -> Any:
            return db.exec(select(model).where(*where).order_by(col(model.id))).first()

        survey = first(Survey, Survey.municipality_id == mid, Survey.status == SurveyStatus.open)
        question = first(Question, Question.survey_id == survey.id)
        meeting = first(DialogueEvent, DialogueEvent.municipality_id == mid, DialogueEvent.kind == EventKind.meeting,
                        col(DialogueEvent.purged_at).is_(None))
        walk = first(DialogueEvent, DialogueEvent.municipality_id == mid,
                     DialogueEvent.kind == EventKind.safety_walk)
        observation = first(WalkObservation, WalkObservation.event_id == walk.id)
        photo = first(WalkPhoto)
        pledge = first(Pledge, Pledge.municipality_id == mid, Pledge.status == PledgeStatus.published)
        activity = first(PledgeActivity, PledgeActivity.pledge_id == pledge.id)
        attachment = first(PledgeAttachment)
        update = first(PledgeUpdate, PledgeUpdate.activity_id == activity.id) or first(PledgeUpdate)
        viewer = db.exec(select(StaffUser).where(StaffUser.email == "lasare@strandvik.example")).one()
        signup = first(DialogueSignup, DialogueSignup.name == "Axe Audit")
        if signup is None:
            signup = DialogueSignup(event_id=meeting.id, token=secrets.token_urlsafe(24), name="Axe Audit",
                                    email="axe@example.org", contact_key="axe@example.org",
                                    status=SignupStatus.confirmed)
            db.add(signup)
        subscriber = first(PledgeSubscriber, PledgeSubscriber.email == "axe@example.org")
        if subscriber is None:
            subscriber = PledgeSubscriber(municipality_id=mid, email="axe@example.org",
                                          token=secrets.token_urlsafe(24))
            db.add(subscriber)
        jobs = [first(SurveyImportJob, SurveyImportJob.survey_id == survey.id, SurveyImportJob.status == status)
                for status in (ImportStatus.failed, ImportStatus.running)]
        if None in jobs:  # a rejected paper import with its report, and one still being checked
            jobs = [SurveyImportJob(survey_id=survey.id or 0, municipality_id=mid, status=ImportStatus.failed,
                                    total_rows=3000, checked_rows=3000,
                                    report={"outcome": "rejected", "rows": 3000, "total_problems": 1,
                                            "problems": [[12, "q-unsafe_evening", "Okänt svarsalternativ"]]}),
                    SurveyImportJob(survey_id=survey.id or 0, municipality_id=mid, status=ImportStatus.running,
                                    total_rows=3000, checked_rows=1200)]
            db.add_all(jobs)
        closed = first(Survey, Survey.municipality_id == mid, col(Survey.status).in_(["closed", "archived"]))
        cycle = first(Cycle, Cycle.municipality_id == mid)
        check = first(CycleCheck, CycleCheck.evidence == "")
        agreement = first(Agreement, Agreement.municipality_id == mid)
        document = first(SituationDocument, SituationDocument.municipality_id == mid, col(SituationDocument.public))
        password_link = passwords.password_link(db, viewer)  # stored hashed: made here, before the commit
        db.commit()
        return {
            "municipality": [town.slug], "slug": [town.slug], "user_id": [viewer.id],
            "area_id": [first(Area, Area.municipality_id == mid).id],
            "party_id": [first(Party, Party.municipality_id == mid).id],
            "survey_id": [survey.id], "question_id": [question.id], "survey_slug": [survey.slug],
            "event_id": [meeting.id, walk.id], "observation_id": [observation.id],
            "photo_id": [photo.id] if photo else [], "signed": [dialogues_service.signed_token(signup)],
            "pledge_id": [pledge.id], "activity_id": [activity.id], "focus_area_id": [activity.focus_area_id],
            "attachment_id": [attachment.id] if attachment else [], "update_id": [update.id] if update else [],
            "concern_table": ["concerns"],
            "password_token": [password_link.rsplit("/", 1)[1]],
            "subscriber_token": [subscriber.token], "job_id": [job.id for job in jobs],
            "closed_survey_id": [closed.id], "cycle_id": [cycle.id], "number": [3], "check_id": [check.id],
            "agreement_id": [agreement.id], "document_id": [document.id],
        }


def urls_for(path: str, params: dict[str, list[Any]]) -> list[str]:
    """Every URL for a route from the parameter values; [] when a parameter has no value."""
    names = re.findall(r"{(\w+)(?::\w+)?}", path)
    if path.startswith("/s/"):
        names = ["survey_slug" if n == "slug" else n for n in names]
    names = [("password_token" if path.startswith("/staff/") else "subscriber_token") if n == "token" else n
             for n in names]
    unknown = [n for n in names if n not in params]
    assert not unknown, f"{path}: add a demo value for {unknown} to demo_params() in {__file__}"
    if path.startswith("/m/") and "/results/" in path:
        params = {**params, "survey_id": params["closed_survey_id"]}  # results exist for a closed wave only
    if path.endswith("/rapport") or "observations" in path:
        params = {**params, "event_id": params["event_id"][1:]}  # only the safety walk has a report
    urls = []
    for values in itertools.product(*(params[n] for n in names)):
        parts = re.split(r"{\w+(?::\w+)?}", path)  # the text around the parameters
        urls.append("".join(part + (str(value) if i < len(values) else "")
                            for i, (part, value) in enumerate(itertools.zip_longest(parts, values))))
    return urls


@pytest.fixture(scope="module")
def params(live_engine: Engine) -> dict[str, list[Any]]:
    return demo_params(live_engine)


def test_every_page_route_is_reachable_or_declared(params: dict[str, list[Any]]) -> None:
    """A new GET route gets audited automatically, or this fails until it gets demo data or a NOT_HTML entry."""
    routes = page_routes()
    paths = {r.path for r in routes}
    assert not (NOT_HTML | WALKED | set(EMPTY_FORMS)) - paths, "declared routes that no longer exist"
    unreachable = [r.path for r in routes if r.path not in NOT_HTML | WALKED and not urls_for(r.path, params)]
    assert not unreachable
    assert len(routes) > 60  # guards the discovery itself


class Audit:
    """One browser context (a size and a language) walking the pages and collecting axe violations."""

    def __init__(self, browser: Any, base_url: str, size: str, lang: str) -> None:
        self.base_url = base_url
        self.context = browser.new_context(viewport=SIZES[size], base_url=base_url, locale="sv-SE",
                                           is_mobile=size == "phone", has_touch=size == "phone")
        # axe loads with every page instead of being sent over for each check: a third faster
        self.context.add_init_script(path=str(AXE_SCRIPT))
        self.page = self.context.new_page()
        self.page.set_default_timeout(30_000)  # the concerns dashboard can take over 10 s on a busy machine
        self.lang = lang
        self.width = SIZES[size]["width"]
        self.problems: list[str] = []
        self.audited = 0
        self.page.goto(f"/sprak?lang={lang}&next=/")

    def close(self) -> None:
        self.context.close()

    def check(self, label: str) -> None:
        self.audited += 1
        overflow = self.page.evaluate("document.documentElement.scrollWidth") - self.width
        if overflow > 1:  # WCAG 1.4.10 reflow: no sideways scrolling of the whole page on a phone
            self.problems.append(f"{label} [{self.page.url.removeprefix(self.base_url)}]: page is {overflow}px "
                                 "wider than the screen")
        if self.page.url.endswith("/docs"):
            self.page.wait_for_selector("#swagger-ui .opblock")  # drawn by script after /openapi.json loads
        violations = self.page.evaluate("axe.run({resultTypes: ['violations']}).then(r => r.violations)")
        for v in violations:
            targets = [n["target"] for n in v["nodes"][:3]]
            self.problems.append(f"{label} [{self.page.url.removeprefix(self.base_url)}]: {v['id']} "
                                 f"({v['impact']}, {len(v['nodes'])}x) {targets}")

    def visit(self, url: str, *, html: bool = True) -> None:
        if not html:  # files download rather than display, so fetch them with the context's cookies
            answer = self.context.request.get(url, max_redirects=0)
            kind = answer.headers.get("content-type", "")
            assert answer.status < 400, f"{url} answered {answer.status}"
            assert "text/html" not in kind, f"{url} answers a page: audit it instead of declaring it NOT_HTML"
            return
        response = self.page.goto(url)
        assert response is not None
        kind = response.headers.get("content-type", "")
        assert response.status == 200, f"{url} answered {response.status}"
        assert "text/html" in kind, f"{url} answers {kind}: declare its route in NOT_HTML"
        self.check(url)

    def empty_form(self, field: str) -> None:
        """Submits the form holding `field` empty (browser validation off) and audits the error page."""
        form = self.page.locator(f"main form[method=post]:has({field})").first
        form.evaluate("f => { f.noValidate = true; }")
        with self.page.expect_navigation():
            form.locator("button[type=submit]").last.evaluate("b => b.click()")
        if not self.page.locator(".error-summary, .error-message").count():
            self.problems.append(f"{field} form: no error shown at {self.page.url} (it may have stored something)")
        self.check("empty form")

    def walk_survey(self, slug: str) -> None:
        """Starts the survey, audits each page (the first also with its errors) and the thank-you page."""
        self.visit(f"/s/{slug}")
        with self.page.expect_navigation():
            self.page.locator("main form[method=post] button[type=submit]").last.evaluate("b => b.click()")
        for number in range(1, 30):
            if "/tack" in self.page.url:
                break
            assert re.search(rf"/s/{slug}/\d+$", self.page.url), self.page.url
            self.check(f"survey page {number}")
            if number == 1:  # once unanswered: the error summary and messages
                with self.page.expect_navigation():
                    self.page.locator("form.survey-form[method=post] button[type=submit]").last.evaluate(
                        "b => b.click()")
                assert self.page.locator(".error-summary").count(), "the first survey page has no required question"
                self.check("survey page 1 with errors")
            self.page.evaluate("""() => {  // answers every radio group with its first option
                const names = new Set([...document.querySelectorAll('form.survey-form input[type=radio]')]
                    .map(r => r.name));
                names.forEach(n => { const r = document.querySelector(`input[type=radio][name="${n}"]`);
                    if (!document.querySelector(`input[type=radio][name="${n}"]:checked`)) r.checked = true; });
            }""")
            before = self.page.url
            with self.page.expect_navigation():
                self.page.locator("form.survey-form[method=post] button[type=submit]").last.evaluate("b => b.click()")
            if self.page.url == before or self.page.locator(".error-summary").count():
                self.check(f"survey page {number} with errors")
                raise AssertionError(f"the audit could not answer {before}")
        assert "/tack" in self.page.url
        self.check("survey thanks")


@pytest.fixture
def audit(request: pytest.FixtureRequest, browser: Any, live_server: str) -> Iterator[Audit]:
    size, lang = request.param
    session = Audit(browser, live_server, size, lang)
    yield session
    session.close()


def run_audit(audit: Audit, params: dict[str, list[Any]], routes: list[PageRoute]) -> None:
    for route in routes:
        if route.path in WALKED:
            continue
        if route.path in SUPERADMIN_PATHS:
            continue
        for url in urls_for(route.path, params):
            audit.visit(url, html=route.path not in NOT_HTML)
            if route.path in EMPTY_FORMS and url == urls_for(route.path, params)[0]:
                audit.empty_form(EMPTY_FORMS[route.path])


COMBINATIONS = [(size, lang) for size in SIZES for lang in LANGUAGES]
# The full matrix runs on SQLite; PostgreSQL (same pages, another database) runs a sample of it: both sizes and
# both languages once each (staff pages at phone size), to keep the second pass of the suite short.
if on_postgres():
    COMBINATIONS = [("phone", "sv"), ("desktop", "ar")]


@pytest.mark.parametrize("audit", COMBINATIONS, ids=[f"{s}-{lang}" for s, lang in COMBINATIONS], indirect=True)
def test_every_page_has_no_axe_violations(audit: Audit, params: dict[str, list[Any]]) -> None:
    routes = page_routes()
    public = [r for r in routes if not r.staff]
    staff = [r for r in routes if r.staff]
    run_audit(audit, params, public)
    audit.walk_survey(params["survey_slug"][0])
    login(audit.page, "admin@strandvik.example")
    if audit.lang not in STAFF_LANGUAGES:
        # Staff pages have no catalog in this language, so they are the Swedish pages (marked lang="sv"), which
        # the Swedish run audits at this size; here it is enough that they really are Swedish.
        audit.visit("/staff")
        assert audit.page.locator("html").get_attribute("lang") == "sv"
        assert audit.audited > 25
        assert not audit.problems, "\n".join([f"{len(audit.problems)} problems:", *audit.problems])
        return
    run_audit(audit, params, staff)
    with audit.page.expect_navigation():
        audit.page.locator("form[action='/staff/logout'] button").evaluate("b => b.click()")
    login(audit.page, demo.SYSTEM_ADMIN_EMAIL)
    for path in sorted(SUPERADMIN_PATHS & {r.path for r in routes}):
        for url in urls_for(path, params):
            audit.visit(url)
            if path in EMPTY_FORMS:
                audit.empty_form(EMPTY_FORMS[path])
    assert audit.audited > 80
    assert not audit.problems, "\n".join([f"{len(audit.problems)} problems:", *audit.problems])
