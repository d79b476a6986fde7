"""Must show: two app instances (separate uvicorn processes, one SECRET_KEY) on one PostgreSQL database stay
correct across instances: the last seats of an event, one-time letter codes, rate limits and staff sessions.

Every request here goes over real HTTP to a real process; the two instances share nothing but the database and the
secret key. Runs whenever a PostgreSQL server is reachable (TEST_DATABASE_URL, else 127.0.0.1:5432); fails
instead of skipping under CI=true.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from app.config import ROOT
from app.db import make_engine, migrate
from app.models import Municipality, Role, StaffUser
from app.models.dialogues import DialogueEvent, DialogueSignup, SignupStatus
from app.models.surveys import (
    LetterCode,
    Question,
    QuestionOption,
    QuestionType,
    Response,
    Survey,
    SurveyMode,
    SurveyStatus,
    SurveyTranslation,
)
from app.surveys import codes as survey_codes
from tests import factories
from tests.databases import fresh_postgres_database, postgres_server
from tests.dialogues import factories as dialogue_factories

SECRET = "scale-out-secret-key-shared-by-both-instances-0123456789"
SUBMISSIONS_PER_HOUR = 3
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Instance:
    base: str
    process: subprocess.Popen[bytes]
    log: Path


def _start(url: str, folder: Path, name: str) -> Instance:
    port = _free_port()
    log = folder / f"{name}.log"
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET, "ENVIRONMENT": "test",
           "BASE_URL": f"http://127.0.0.1:{port}", "OUTBOX_DIR": str(folder / f"outbox-{name}"),
           "SURVEY_SUBMISSIONS_PER_HOUR": str(SUBMISSIONS_PER_HOUR), "DB_POOL_SIZE": "3", "WORKERS": "1",
           "SIGNUPS_PER_CLIENT_HOUR": "0",  # the 20 "residents" of the seat race all come from 127.0.0.1
           "LOGIN_SLOW_SECONDS": "0"}  # five failures in a row reach the block (the wait uses the same shared table)
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.asgi:app", "--host", "127.0.0.1", "--port", str(port),
         "--workers", "1", "--no-access-log", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb"))
    return Instance(f"http://127.0.0.1:{port}", process, log)


def _wait_ready(instance: Instance) -> None:
    deadline = time.monotonic() + 90  # a loaded 2-core machine can take a while to import the app
    while time.monotonic() < deadline:
        if instance.process.poll() is not None:
            raise RuntimeError(f"instance died: {instance.log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{instance.base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"instance did not start: {instance.log.read_text()[-2000:]}")


@dataclass
class World:
    a: Instance
    b: Instance
    engine: Engine
    municipality: str
    event_id: int
    letter_slug: str
    letter_codes: list[str]
    open_slug: str
    coordinator: str
    admin: str
    throttled: str
    coordinator_id: int


def _one_page_survey(session: Session, municipality: Municipality, slug: str, modes: list[str]) -> Survey:
    survey = Survey(municipality_id=municipality.id or 0, series_id=uuid.uuid4().hex, slug=slug,
                    status=SurveyStatus.open, modes=modes, languages=["sv"], opens_on=date(2020, 1, 1))
    session.add(survey)
    session.flush()
    session.add(SurveyTranslation(survey_id=survey.id or 0, language="sv", title="Skalningsenkät", intro="Test."))
    question = Question(survey_id=survey.id or 0, code="q0", page=1, position=0, type=QuestionType.single,
                        required=True, text={"sv": "Hur trygg känner du dig?"})
    session.add(question)
    session.flush()
    for i, code in enumerate(("safe", "unsafe")):
        session.add(QuestionOption(question_id=question.id or 0, code=code, position=i, label={"sv": code}))
    session.flush()
    return survey


def _seed(url: str) -> dict[str, Any]:
    migrate(url)
    engine = make_engine(url, pool_size=2)
    with Session(engine, expire_on_commit=False) as session:
        municipality = factories.municipality(session, languages=["sv"])
        event = dialogue_factories.event(session, municipality, capacity=10)
        for _ in range(6):  # four seats left
            dialogue_factories.signup(session, event)
        letter = _one_page_survey(session, municipality, f"kod-{municipality.id}", [SurveyMode.letter_codes.value])
        codes = [survey_codes.new_code() for _ in range(6)]
        session.add_all([LetterCode(survey_id=letter.id or 0, code_hash=survey_codes.code_hash(c)) for c in codes])
        opened = _one_page_survey(session, municipality, f"oppen-{municipality.id}", [SurveyMode.open_link.value])
        coordinator = factories.staff(session, municipality, Role.coordinator)
        admin = factories.staff(session, municipality, Role.admin)
        throttled = factories.staff(session, municipality, Role.viewer)
        session.commit()
        seeded = {"municipality": municipality.slug, "event_id": event.id, "letter_slug": letter.slug,
                  "letter_codes": codes, "open_slug": opened.slug, "coordinator": coordinator.email,
                  "admin": admin.email, "throttled": throttled.email, "coordinator_id": coordinator.id}
    engine.dispose()
    return seeded


@pytest.fixture
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    server = postgres_server()
    if server is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but no PostgreSQL server is reachable for the scale-out test")
        pytest.skip("no PostgreSQL server (set TEST_DATABASE_URL or start one on 127.0.0.1:5432)")
    folder = tmp_path_factory.mktemp("scale_out")
    with fresh_postgres_database(server, "scale_out") as url:
        seeded = _seed(url)
        a, b = _start(url, folder, "a"), _start(url, folder, "b")
        engine = make_engine(url, pool_size=2)
        try:
            _wait_ready(a)
            _wait_ready(b)
            yield World(a=a, b=b, engine=engine, **seeded)
        finally:
            for instance in (a, b):
                instance.process.terminate()
            for instance in (a, b):
                try:
                    instance.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    instance.process.kill()
            engine.dispose()


# --- helpers: one resident or staff member is one cookie jar, which goes to either instance -----------------------
# Cookies are scoped by host, not port: both instances on 127.0.0.1 receive the same jar, as behind a balancer.


def _client() -> httpx.Client:
    return httpx.Client(timeout=30, follow_redirects=False)


def _csrf(page: httpx.Response) -> str:
    found = CSRF_RE.search(page.text)
    assert found, (page.status_code, page.text[:300])
    return found.group(1)


def _together(jobs: list[Callable[[], httpx.Response]]) -> list[httpx.Response]:
    """Runs the jobs at the same instant (a barrier), each on its own thread."""
    barrier = threading.Barrier(len(jobs))

    def run(job: Callable[[], httpx.Response]) -> httpx.Response:
        barrier.wait(timeout=30)
        return job()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(run, jobs))


def _survey_draft(client: httpx.Client, base: str, slug: str, code: str = "") -> str:
    """GET the start page, start a draft (with a letter code), open page 1; returns the CSRF token."""
    csrf = _csrf(client.get(f"{base}/s/{slug}"))
    started = client.post(f"{base}/s/{slug}/start", data={"csrf_token": csrf, "language": "sv", "code": code})
    assert started.status_code == 303, (started.status_code, started.text[:500])
    assert client.get(f"{base}/s/{slug}/1").status_code == 200
    return csrf


def _survey_submit(client: httpx.Client, base: str, slug: str, csrf: str) -> httpx.Response:
    return client.post(f"{base}/s/{slug}/1", data={"csrf_token": csrf, "page": "1", "q-q0": "safe"})


def _acknowledged(response: httpx.Response) -> bool:
    return response.status_code == 303 and response.headers.get("location", "").endswith("/tack")


def _login(client: httpx.Client, base: str, email: str, password: str = factories.PASSWORD) -> httpx.Response:
    csrf = _csrf(client.get(f"{base}/staff/login"))
    return client.post(f"{base}/staff/login", data={"csrf_token": csrf, "email": email, "password": password,
                                                    "next": "/staff"})


def _signed_in(client: httpx.Client, base: str) -> bool:
    page = client.get(f"{base}/staff")
    assert page.status_code in (200, 303), page.status_code
    return page.status_code == 200


# --- the checks: one test runs them as subtests, so the two instances start once, on one worker -------------


def check_last_seats_are_never_oversold_across_instances(world: World) -> None:
    """20 residents, half through each instance, ask at the same instant for the last 4 seats (no waitlist)."""
    path = f"/m/{world.municipality}/dialoger/{world.event_id}"
    residents = []
    for i in range(20):
        client = _client()
        here, there = (world.a, world.b) if i % 2 else (world.b, world.a)
        csrf = _csrf(client.get(f"{here.base}{path}"))  # the form from one instance, the POST to the other
        residents.append((client, there, csrf, i))

    def job(client: httpx.Client, there: Instance, csrf: str, i: int) -> Callable[[], httpx.Response]:
        return lambda: client.post(f"{there.base}{path}/anmalan", data={
            "csrf_token": csrf, "name": f"Invånare {i}", "email": f"sista{i}@scale.example", "people": "1",
            "consent": "yes", "waitlist": ""})

    answers = _together([job(*r) for r in residents])
    for client, *_rest in residents:
        client.close()

    statuses = sorted(r.status_code for r in answers)
    assert statuses.count(303) == 4, [(r.status_code, r.text[:300]) for r in answers if r.status_code != 400]
    assert statuses.count(400) == 16, statuses  # "the seats just ran out", nothing stored
    assert all(r.headers["location"].startswith("/anmalan/") for r in answers if r.status_code == 303)
    with Session(world.engine) as session:
        confirmed = session.exec(select(func.coalesce(func.sum(DialogueSignup.people), 0)).where(
            DialogueSignup.event_id == world.event_id, DialogueSignup.status == SignupStatus.confirmed)).one()
        stored = session.exec(select(func.count()).select_from(DialogueSignup).where(
            DialogueSignup.event_id == world.event_id)).one()
        capacity = session.get(DialogueEvent, world.event_id).capacity  # type: ignore[union-attr]
    assert confirmed == capacity == 10
    assert stored == 10


def check_a_letter_code_is_used_once_when_submitted_through_both_instances_at_once(world: World) -> None:
    """Each code is typed on two phones; one submits via instance A, the other via B, at the same instant."""
    pairs = []
    for code in world.letter_codes:
        first, second = _client(), _client()
        pairs.append((first, world.a, _survey_draft(first, world.a.base, world.letter_slug, code)))
        pairs.append((second, world.b, _survey_draft(second, world.b.base, world.letter_slug, code)))

    answers = _together([partial(_survey_submit, client, instance.base, world.letter_slug, csrf)
                          for client, instance, csrf in pairs])
    for phone, *_rest in pairs:
        phone.close()

    per_code = [answers[n:n + 2] for n in range(0, len(answers), 2)]
    for one, other in per_code:
        assert sorted([_acknowledged(one), _acknowledged(other)]) == [False, True], (
            one.status_code, other.status_code, one.text[:300], other.text[:300])
        loser = other if _acknowledged(one) else one
        assert loser.status_code in (400, 409), loser.status_code
        assert "redan" in loser.text  # "… has already been used" / "already submitted"
    with Session(world.engine) as session:
        survey = session.exec(select(Survey).where(Survey.slug == world.letter_slug)).one()
        responses = session.exec(select(func.count()).select_from(Response).where(
            Response.survey_id == survey.id)).one()
        used = session.exec(select(func.count()).select_from(LetterCode).where(
            LetterCode.survey_id == survey.id, LetterCode.used == True)).one()  # noqa: E712
    assert responses == len(world.letter_codes)
    assert used == len(world.letter_codes)
    # And a used code cannot start a new draft on either instance.
    for instance in (world.a, world.b):
        with _client() as client:
            csrf = _csrf(client.get(f"{instance.base}/s/{world.letter_slug}"))
            again = client.post(f"{instance.base}/s/{world.letter_slug}/start",
                                data={"csrf_token": csrf, "language": "sv", "code": world.letter_codes[0]})
            assert again.status_code == 400
            assert "redan" in again.text


def check_open_link_submission_limit_is_counted_across_instances(world: World) -> None:
    """SURVEY_SUBMISSIONS_PER_HOUR=3 for 127.0.0.1: three submissions split over A and B pass, the fourth is 429
    whichever instance it reaches."""
    outcomes = []
    for instance in (world.a, world.b, world.a, world.b, world.a):
        with _client() as client:  # a new phone each time: the "already answered" cookie is not what stops it
            csrf = _survey_draft(client, instance.base, world.open_slug)
            outcomes.append(_survey_submit(client, instance.base, world.open_slug, csrf).status_code)
    assert outcomes == [303, 303, 303, 429, 429]


def check_login_throttling_holds_across_instances(world: World) -> None:
    """Five wrong passwords from one client spread over both instances lock that client out of the account on both
    (counted in the database)."""
    for n in range(5):
        with _client() as client:
            failed = _login(client, (world.a, world.b)[n % 2].base, world.throttled, "wrong password")
            assert failed.status_code == 400
            assert "Fel e-postadress eller lösenord" in failed.text
    for instance in (world.a, world.b):
        with _client() as client:
            refused = _login(client, instance.base, world.throttled)  # the right password, too late
            assert refused.status_code == 400
            assert "För många misslyckade inloggningar" in refused.text
            assert not _signed_in(client, instance.base)


def check_staff_session_login_logout_and_disable_hold_across_instances(world: World) -> None:
    with _client() as staff:
        assert _login(staff, world.a.base, world.coordinator).status_code == 303
        assert _signed_in(staff, world.b.base)  # signed in on A, valid on B
        stolen = staff.cookies.get("trygg_session")
        assert stolen
        csrf = _csrf(staff.get(f"{world.b.base}/staff"))
        assert staff.post(f"{world.b.base}/staff/logout", data={"csrf_token": csrf}).status_code == 303
        assert not _signed_in(staff, world.a.base)
    with _client() as replay:  # the cookie as it was before the logout on B no longer works on A
        replay.cookies.set("trygg_session", stolen, domain="127.0.0.1")
        assert not _signed_in(replay, world.a.base)
        assert not _signed_in(replay, world.b.base)

    with _client() as staff, _client() as admin:
        assert _login(staff, world.a.base, world.coordinator).status_code == 303
        assert _signed_in(staff, world.a.base)
        assert _login(admin, world.b.base, world.admin).status_code == 303
        users = f"{world.b.base}/staff/m/{world.municipality}/users/{world.coordinator_id}"
        csrf = _csrf(admin.get(users))
        assert admin.post(f"{users}/disable", data={"csrf_token": csrf}).status_code == 303
        assert not _signed_in(staff, world.a.base)  # disabled on B: the session ends on A at once
        assert _login(staff, world.a.base, world.coordinator).status_code == 400
    with Session(world.engine) as session:
        user = session.get(StaffUser, world.coordinator_id)
        assert user is not None and not user.is_active


CHECKS = [check_last_seats_are_never_oversold_across_instances,
          check_a_letter_code_is_used_once_when_submitted_through_both_instances_at_once,
          check_open_link_submission_limit_is_counted_across_instances,
          check_login_throttling_holds_across_instances,
          check_staff_session_login_logout_and_disable_hold_across_instances]


def test_two_instances_on_one_database_stay_correct(world: World, subtests: pytest.Subtests) -> None:
    for check in CHECKS:
        with subtests.test(msg=check.__name__.removeprefix("check_")):
            check(world)
