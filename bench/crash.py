"""Crash and outage check (run by hand, not in the suite):

    .venv/bin/python bench/crash.py [--kills 3] [--seconds 6] [--concurrency 24]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/] [--skip-postgres] [--skip-outage]

For a fresh SQLite file and a fresh, uniquely named PostgreSQL database (dropped afterwards) it migrates, seeds one
open one-page survey per round (15 answer rows per response) and one dialogue event, starts uvicorn
(`app.asgi:app`, 2 workers, in its own process group) and drives residents at it: survey submissions the way a
phone makes them (GET /s/<slug>, POST /start, GET and POST page 1) and event sign-ups (GET the event page, POST the
form with a unique e-mail, accepting the waitlist). After --seconds it kills the whole process group with SIGKILL in
the middle of that load, restarts the server and goes on with the next round; --kills rounds in all.

The client keeps its own record: per survey how many submissions were acknowledged (303 to /tack) and how many
got no answer at all (cut by the kill), and every sign-up e-mail that was acknowledged (303 to /anmalan/...),
refused, or cut. Then the database must show, per survey, acknowledged <= stored <= acknowledged + cut; every
acknowledged e-mail stored, and none that was refused; every response with its full 15 answer rows and no answer
without its response; every sign-up complete (token, name, contact key, a confirmed/waitlisted status) with its
confirmation e-mail either still queued in mail_outbox or already delivered into the outbox folder; confirmed seats
within capacity; and no 500 answered anywhere.

Outage (PostgreSQL only, unless --skip-outage): under the same load plus GET pages and the JSON API, PostgreSQL is
stopped for a few seconds (`pg_ctlcluster --skip-systemctl-redirect <version> main stop`, then `start`; a
finally-block starts it again whatever happens). While it is down, HTML answers must be the 503 page written for
people (its title, explanation, and the page check of tests/pagecheck.py) and the API must answer 503
application/problem+json; afterwards the same server process, not restarted, must answer normally again.
Stopping PostgreSQL disturbs anyone else using that server for those seconds, so the script first waits (up to
--wait-quiet minutes, default 10) until no other database on the server has a client.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from email import policy
from email.parser import BytesParser
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path
from typing import Any

import httpx2 as httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import survey_load  # noqa: E402 - after the path insert

QUESTIONS = 10
ITEMS = 5
ANSWERS_PER_RESPONSE = QUESTIONS + ITEMS
CAPACITY = 40
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
UNAVAILABLE_TITLE = "Tjänsten är tillfälligt otillgänglig"
UNAVAILABLE_TEXT = "Vi kan inte nå databasen just nu"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- database ----------------------------------------------------------------------------------------------------


@dataclass
class Seeded:
    slugs: list[str]  # one open survey per round
    municipality: str
    event_id: int


def seed(url: str, surveys: int) -> Seeded:
    from sqlmodel import Session

    from app import clock
    from app.db import make_engine, migrate
    from app.models import Municipality
    from app.models.dialogues import DialogueEvent, EventKind
    from app.models.surveys import (
        OptionKind,
        Question,
        QuestionOption,
        QuestionType,
        Survey,
        SurveyMode,
        SurveyStatus,
        SurveyTranslation,
    )

    migrate(url)
    engine = make_engine(url, pool_size=2)
    slugs = []
    with Session(engine) as session:
        municipality = Municipality(slug="krasch", name="Kraschkommun", languages=["sv"])
        session.add(municipality)
        session.flush()
        for n in range(surveys):
            survey = Survey(municipality_id=municipality.id or 0, series_id=uuid.uuid4().hex, slug=f"krasch-{n}",
                            status=SurveyStatus.open, modes=[SurveyMode.open_link.value], languages=["sv"],
                            opens_on=date(2020, 1, 1))
            session.add(survey)
            session.flush()
            slugs.append(survey.slug)
            session.add(SurveyTranslation(survey_id=survey.id or 0, language="sv", title=f"Kraschenkät {n}",
                                          intro="Krasch- och avbrottstest."))
            for q in range(QUESTIONS):
                question = Question(survey_id=survey.id or 0, code=f"q{q}", page=1, position=q,
                                    type=QuestionType.single, required=q == 0, text={"sv": f"Fråga {q + 1}"})
                session.add(question)
                session.flush()
                for i, code in enumerate(("very_safe", "fairly_safe", "fairly_unsafe", "very_unsafe")):
                    session.add(QuestionOption(question_id=question.id or 0, code=code, position=i,
                                               label={"sv": code}))
            battery = Question(survey_id=survey.id or 0, code="problems", page=1, position=QUESTIONS,
                               type=QuestionType.matrix, text={"sv": "Hur stora problem är följande?"})
            session.add(battery)
            session.flush()
            for i, code in enumerate(("very_big", "fairly_big", "fairly_small", "no_problem", "dont_know")):
                session.add(QuestionOption(question_id=battery.id or 0, kind=OptionKind.option, code=code,
                                           position=i, label={"sv": code}))
            for i in range(ITEMS):
                session.add(QuestionOption(question_id=battery.id or 0, kind=OptionKind.item, code=f"item{i}",
                                           position=i, label={"sv": f"Problem {i + 1}"}))
        start = clock.now() + timedelta(days=7)
        event = DialogueEvent(municipality_id=municipality.id or 0, kind=EventKind.meeting,
                              title={"sv": "Krasch-dialog"}, description={"sv": "Test."}, place="Stadshuset",
                              starts_at=start, ends_at=start + timedelta(hours=2), capacity=CAPACITY)
        session.add(event)
        session.commit()
        seeded = Seeded(slugs, municipality.slug, event.id or 0)
    engine.dispose()
    return seeded



# --- the server: its own process group, so one SIGKILL takes the master and both workers ----------------------


class Server:
    def __init__(self, url: str, folder: Path, workers: int = 2) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.outbox = folder / "outbox"
        self.log = folder / "server.log"
        self.workers = workers
        self.env = {**os.environ, "DATABASE_URL": url, "ENVIRONMENT": "development", "BASE_URL": self.base,
                    "OUTBOX_DIR": str(self.outbox), "SMTP_HOST": "", "SURVEY_SUBMISSIONS_PER_HOUR": "0",
                    "SIGNUPS_PER_CLIENT_HOUR": "0",
                    "WORKERS": str(workers), "DB_POOL_SIZE": "10",
                    "SECRET_KEY": "crash-bench-secret-key-0123456789abcdef"}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "app.asgi:app", "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", str(self.workers), "--no-access-log", "--log-level", "warning"],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=self.log.open("ab"), start_new_session=True)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server died at start, see {self.log}")
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    for _ in range(8):  # both workers past their first (slow) page
                        httpx.get(f"{self.base}/api/v1/municipalities", timeout=20)
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server did not start, see {self.log}")

    def kill(self) -> None:
        """SIGKILL to the whole process group (master and workers): no shutdown code runs anywhere."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # the workers are gone too
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


# --- residents ---------------------------------------------------------------------------------------------------


@dataclass
class Record:
    """What the client saw. `cut`: the final request got no answer (the server died under it)."""

    acknowledged: Counter[str] = field(default_factory=Counter)  # survey slug -> 303 /tack
    cut: Counter[str] = field(default_factory=Counter)  # survey slug -> no answer to the final POST
    signed_up: set[str] = field(default_factory=set)  # e-mails answered 303 /anmalan/...
    refused: set[str] = field(default_factory=set)  # e-mails answered with anything else
    signup_cut: set[str] = field(default_factory=set)
    statuses: Counter[str] = field(default_factory=Counter)  # "what status" -> count, every request
    samples: dict[str, httpx.Response] = field(default_factory=dict)  # first 503 per kind (html/api)
    successes_after: dict[str, float] = field(default_factory=dict)  # kind -> first success after a mark


def note(record: Record, what: str, response: httpx.Response) -> None:
    record.statuses[f"{what} {response.status_code}"] += 1
    if response.status_code == 503:
        kind = "api" if what.startswith("api") else "html"
        record.samples.setdefault(kind, response)


def answers_form(n: int, csrf: str) -> dict[str, str]:
    codes = ("very_safe", "fairly_safe", "fairly_unsafe", "very_unsafe")
    form = {"csrf_token": csrf, "page": "1"}
    for q in range(QUESTIONS):
        form[f"q-q{q}"] = codes[(n + q) % 4]
    for i in range(ITEMS):
        form[f"q-problems-item{i}"] = ("very_big", "fairly_big", "fairly_small", "no_problem", "dont_know")[(n + i) % 5]
    return form


def csrf_of(page: httpx.Response) -> str | None:
    found = CSRF_RE.search(page.text)
    return found.group(1) if found else None


def shared_client(base: str, concurrency: int) -> httpx.AsyncClient:
    """One client for all virtual residents (a client per resident costs an SSL context each); it keeps no
    cookies: each resident carries its own, in its own header."""
    jar = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
    limits = httpx.Limits(max_connections=concurrency + 4, max_keepalive_connections=concurrency + 4)
    return httpx.AsyncClient(base_url=base, cookies=jar, limits=limits, timeout=20, follow_redirects=False)


def keep_cookies(cookies: dict[str, str], response: httpx.Response) -> dict[str, str]:
    for header in response.headers.get_list("set-cookie"):
        name, _, rest = header.partition("=")
        value = rest.split(";", 1)[0]
        if "max-age=0" in header.lower() or value in ('""', ""):
            cookies.pop(name.strip(), None)
        else:
            cookies[name.strip()] = value
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}


async def one_submission(client: httpx.AsyncClient, slug: str, n: int, record: Record) -> None:
    cookies: dict[str, str] = {}
    try:
        start = await client.get(f"/s/{slug}")
        note(record, "survey page", start)
        csrf = csrf_of(start)
        if start.status_code != 200 or csrf is None:
            return
        posted = await client.post(f"/s/{slug}/start", data={"csrf_token": csrf, "language": "sv"},
                                   headers=keep_cookies(cookies, start))
        note(record, "survey start", posted)
        if posted.status_code != 303:
            return
        page = await client.get(f"/s/{slug}/1", headers=keep_cookies(cookies, posted))
        note(record, "survey page 1", page)
        if page.status_code != 200:
            return
    except httpx.TransportError:
        return  # nothing was submitted yet
    try:
        answer = await client.post(f"/s/{slug}/1", data=answers_form(n, csrf), headers=keep_cookies(cookies, page))
    except httpx.TransportError:
        record.cut[slug] += 1
        return
    note(record, "survey submit", answer)
    if answer.status_code == 303 and answer.headers.get("location", "").endswith("/tack"):
        record.acknowledged[slug] += 1


async def one_signup(client: httpx.AsyncClient, path: str, email: str, record: Record) -> None:
    cookies: dict[str, str] = {}
    try:
        page = await client.get(path)
        note(record, "event page", page)
        csrf = csrf_of(page)
        if page.status_code != 200 or csrf is None:
            return
    except httpx.TransportError:
        return
    try:
        answer = await client.post(f"{path}/anmalan", headers=keep_cookies(cookies, page), data={
            "csrf_token": csrf, "name": f"Invånare {email.split('@')[0]}", "email": email, "people": "1",
            "consent": "yes", "waitlist": "yes"})
    except httpx.TransportError:
        record.signup_cut.add(email)
        return
    note(record, "signup", answer)
    if answer.status_code == 303 and answer.headers.get("location", "").startswith("/anmalan/"):
        record.signed_up.add(email)
    else:
        record.refused.add(email)


async def reads(client: httpx.AsyncClient, seeded: Seeded, record: Record, mark: list[float]) -> None:
    """A public page and the JSON API (the outage phase watches these)."""
    for what, path in (("html event page", f"/m/{seeded.municipality}/dialoger/{seeded.event_id}"),
                       ("api events", f"/api/v1/events?municipality={seeded.municipality}"),
                       ("api municipalities", "/api/v1/municipalities")):
        try:
            response = await client.get(path)
        except httpx.TransportError:
            record.statuses[f"{what} no answer"] += 1
            continue
        note(record, what, response)
        if mark and response.status_code == 200:
            record.successes_after.setdefault(what, time.monotonic() - mark[0])


async def load(base: str, seeded: Seeded, slug: str, record: Record, stop: asyncio.Event, concurrency: int,
               counter: list[int], mark: list[float] | None = None) -> None:
    path = f"/m/{seeded.municipality}/dialoger/{seeded.event_id}"

    async with shared_client(base, concurrency) as client:

        async def survey_worker() -> None:
            while not stop.is_set():
                counter[0] += 1
                await one_submission(client, slug, counter[0], record)

        async def signup_worker() -> None:
            while not stop.is_set():
                counter[0] += 1
                email = f"invanare{counter[0]}.{uuid.uuid4().hex[:6]}@krasch.example"
                await one_signup(client, path, email, record)
                await asyncio.sleep(0.05)

        async def read_worker() -> None:
            while not stop.is_set():
                await reads(client, seeded, record, mark if mark is not None else [])
                await asyncio.sleep(0.1)

        signups = max(2, concurrency // 4)
        tasks = [survey_worker() for _ in range(concurrency - signups)] + [signup_worker() for _ in range(signups)]
        if mark is not None:
            tasks += [read_worker() for _ in range(2)]
        await asyncio.gather(*tasks)


async def run_until(base: str, seeded: Seeded, slug: str, record: Record, concurrency: int, counter: list[int],
                    action_after: float, action: Any, then_seconds: float = 0.0,
                    mark: list[float] | None = None) -> None:
    """Load; after `action_after` s run `action` (blocking, in a thread) while the load goes on; stop the load
    `then_seconds` after the action returns."""
    stop = asyncio.Event()

    async def conductor() -> None:
        await asyncio.sleep(action_after)
        await asyncio.to_thread(action)
        await asyncio.sleep(then_seconds)
        stop.set()

    await asyncio.gather(load(base, seeded, slug, record, stop, concurrency, counter, mark), conductor())


# --- the checks --------------------------------------------------------------------------------------------------


def delivered_to(outbox: Path) -> Counter[str]:
    found: Counter[str] = Counter()
    if outbox.is_dir():
        for path in outbox.glob("*.eml"):
            with path.open("rb") as handle:
                found[str(BytesParser(policy=policy.default).parse(handle)["To"])] += 1
    return found


def verify(url: str, seeded: Seeded, record: Record, outbox: Path) -> list[str]:
    """Returns the problems found (empty: all held)."""
    from sqlalchemy import text

    from app.db import make_engine

    problems: list[str] = []
    engine = make_engine(url, pool_size=2)
    with engine.connect() as conn:
        stored: dict[str, int] = dict(conn.execute(text(
            "SELECT s.slug, count(r.id) FROM survey s LEFT JOIN survey_response r ON r.survey_id = s.id "
            "GROUP BY s.slug")).all())
        for slug in seeded.slugs:
            acked, cut, have = record.acknowledged[slug], record.cut[slug], int(stored.get(slug, 0))
            if not acked <= have <= acked + cut:
                problems.append(f"survey {slug}: {have} stored, {acked} acknowledged, {cut} cut")
        partial = conn.execute(text(
            "SELECT r.id, count(a.id) FROM survey_response r LEFT JOIN survey_answer a ON a.response_id = r.id "
            "GROUP BY r.id HAVING count(a.id) <> :n"), {"n": ANSWERS_PER_RESPONSE}).all()
        if partial:
            problems.append(f"{len(partial)} responses without their {ANSWERS_PER_RESPONSE} answers: {partial[:5]}")
        orphans = conn.execute(text(
            "SELECT count(*) FROM survey_answer a LEFT JOIN survey_response r ON r.id = a.response_id "
            "WHERE r.id IS NULL")).scalar_one()
        if orphans:
            problems.append(f"{orphans} answers without a response")
        rows = conn.execute(text(
            "SELECT email, token, name, contact_key, status, people FROM dialogue_signup WHERE event_id = :e"),
            {"e": seeded.event_id}).all()
        emails = {row[0] for row in rows}
        if missing := record.signed_up - emails:
            problems.append(f"{len(missing)} acknowledged sign-ups not stored: {sorted(missing)[:5]}")
        if extra := emails & record.refused:
            problems.append(f"{len(extra)} refused sign-ups stored anyway: {sorted(extra)[:5]}")
        if unknown := emails - record.signed_up - record.signup_cut:
            problems.append(f"{len(unknown)} stored sign-ups nobody sent: {sorted(unknown)[:5]}")
        incomplete = [row[0] for row in rows if not (row[1] and row[2] and row[3] == f"e:{row[0]}"
                                                     and row[4] in ("confirmed", "waitlisted"))]
        if incomplete:
            problems.append(f"{len(incomplete)} sign-ups missing a part: {incomplete[:5]}")
        confirmed = sum(int(row[5]) for row in rows if row[4] == "confirmed")
        if confirmed > CAPACITY:
            problems.append(f"{confirmed} confirmed seats for a capacity of {CAPACITY}")
        queued = Counter(r[0] for r in conn.execute(text("SELECT recipient FROM mail_outbox")).all())
        sent = delivered_to(outbox)
        unmailed = [email for email in emails if not queued[email] and not sent[email]]
        if unmailed:
            problems.append(f"{len(unmailed)} sign-ups with no confirmation queued or delivered: {unmailed[:5]}")
        record.statuses["stored sign-ups"] = len(rows)
        record.statuses["confirmed seats"] = confirmed
        record.statuses["stored responses"] = sum(int(stored.get(slug, 0)) for slug in seeded.slugs)
    engine.dispose()
    if errors := {k: v for k, v in record.statuses.items() if k.endswith(" 500")}:
        problems.append(f"500 answers: {errors}")
    return problems


# --- the runs ----------------------------------------------------------------------------------------------------


def crash_rounds(label: str, url: str, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    seeded = seed(url, args.kills + 1)
    server = Server(url, folder)
    record = Record()
    counter = [0]
    rounds = []
    try:
        for k in range(args.kills):
            server.start()
            before = sum(record.acknowledged.values()), len(record.signed_up)
            asyncio.run(run_until(server.base, seeded, seeded.slugs[k], record, args.concurrency, counter,
                                  args.seconds, server.kill, then_seconds=0.5))
            rounds.append({"acknowledged_submissions": sum(record.acknowledged.values()) - before[0],
                           "acknowledged_signups": len(record.signed_up) - before[1],
                           "cut_submissions": record.cut[seeded.slugs[k]]})
            print(f"  {label} kill {k + 1}: {rounds[-1]}", flush=True)
        server.start()  # it comes back after the last kill and serves the next survey
        with httpx.Client(base_url=server.base, timeout=20) as client:
            assert client.get(f"/s/{seeded.slugs[-1]}").status_code == 200
        server.stop()
    finally:
        server.stop()
    problems = verify(url, seeded, record, server.outbox)
    return {"label": label, "rounds": rounds, "problems": problems, "cut_signups": len(record.signup_cut),
            "acknowledged": sum(record.acknowledged.values()), "signed_up": len(record.signed_up),
            "stored_responses": record.statuses["stored responses"],
            "stored_signups": record.statuses["stored sign-ups"],
            "confirmed": record.statuses["confirmed seats"],
            "statuses": {k: v for k, v in sorted(record.statuses.items()) if not k.startswith("stored")}}


def postgres_cluster() -> tuple[str, str]:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    return version, "main"


def pg_ctl(action: str) -> None:
    version, cluster = postgres_cluster()
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, action], check=True,
                   capture_output=True, timeout=60)


def pg_ready() -> bool:
    return subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"], check=False).returncode == 0


def others_connected(server: str, own: str) -> list[str]:
    """Databases on the server, other than ours and the maintenance ones, that have clients right now."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(make_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        names = [row[0] for row in conn.execute(text(
            "SELECT DISTINCT datname FROM pg_stat_activity WHERE datname IS NOT NULL AND pid <> pg_backend_pid()"))]
    admin.dispose()
    return [name for name in names if name not in (own, "postgres", "template1")]


def wait_until_quiet(server: str, own: str, minutes: float) -> None:
    """Stopping PostgreSQL cuts everyone using it: wait (up to `minutes`) until nobody else is connected."""
    deadline = time.monotonic() + minutes * 60
    while (busy := others_connected(server, own)) and time.monotonic() < deadline:
        print(f"  waiting to stop PostgreSQL: in use by {busy}", flush=True)
        time.sleep(10)
    if busy:
        print(f"  stopping PostgreSQL although {busy} are connected", flush=True)


def check_unavailable_pages(record: Record) -> list[str]:
    from tests.pagecheck import page_problems

    problems = []
    html, api = record.samples.get("html"), record.samples.get("api")
    if html is None:
        problems.append("no HTML 503 seen while PostgreSQL was down")
    else:
        if not html.headers.get("content-type", "").startswith("text/html"):
            problems.append(f"503 page is {html.headers.get('content-type')}")
        if UNAVAILABLE_TITLE not in html.text or UNAVAILABLE_TEXT not in html.text:
            problems.append("503 page lacks the title and explanation written for people")
        if found := page_problems(html.text):
            problems.append(f"503 page fails the page check: {found}")
    if api is None:
        problems.append("no API 503 seen while PostgreSQL was down")
    else:
        body = json.loads(api.text)
        if api.headers.get("content-type") != "application/problem+json" or body.get("status") != 503:
            problems.append(f"API 503 is {api.headers.get('content-type')}: {api.text[:200]}")
    return problems


def outage(url: str, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    from sqlalchemy.engine import make_url

    seeded = seed(url, 1)
    wait_until_quiet(args.postgres, str(make_url(url).database), args.wait_quiet)
    server = Server(url, folder)
    record = Record()
    counter = [0]
    mark: list[float] = []
    down: dict[str, float] = {}

    def stop_and_start() -> None:
        down["at"] = time.monotonic()
        try:
            pg_ctl("stop")
            down["stopped"] = time.monotonic()
            time.sleep(args.outage_seconds)
        finally:
            pg_ctl("start")
            for _ in range(60):
                if pg_ready():
                    break
                time.sleep(0.5)
            mark.append(time.monotonic())  # successes are timed from here
            down["started"] = time.monotonic()

    try:
        server.start()
        pid = server.process.pid if server.process else 0
        asyncio.run(run_until(server.base, seeded, seeded.slugs[0], record, args.concurrency, counter, 3.0,
                              stop_and_start, then_seconds=args.recovery_seconds, mark=mark))
        same_process = server.process is not None and server.process.pid == pid and server.process.poll() is None
        with httpx.Client(base_url=server.base, timeout=20) as client:
            after = {"healthz": client.get("/healthz").status_code,
                     "survey page": client.get(f"/s/{seeded.slugs[0]}").status_code,
                     "api": client.get(f"/api/v1/events?municipality={seeded.municipality}").status_code}
    finally:
        server.stop()
        if not pg_ready():  # whatever happened above, PostgreSQL runs again
            pg_ctl("start")
    problems = check_unavailable_pages(record) + verify(url, seeded, record, server.outbox)
    if not same_process:
        problems.append("the server process did not survive the outage")
    if any(status != 200 for status in after.values()):
        problems.append(f"not recovered: {after}")
    recovered = {k: round(v, 2) for k, v in sorted(record.successes_after.items())}
    return {"problems": problems, "after": after, "recovered_after_seconds": recovered,
            "down_seconds": round(down.get("started", 0) - down.get("stopped", 0), 1),
            "statuses": {k: v for k, v in sorted(record.statuses.items()) if not k.startswith("stored")},
            "acknowledged": sum(record.acknowledged.values()), "signed_up": len(record.signed_up),
            "stored_responses": record.statuses["stored responses"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=6.0, help="load before each kill")
    parser.add_argument("--concurrency", type=int, default=24)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-outage", action="store_true")
    parser.add_argument("--outage-seconds", type=float, default=5.0)
    parser.add_argument("--recovery-seconds", type=float, default=6.0)
    parser.add_argument("--wait-quiet", type=float, default=10.0,
                        help="minutes to wait for other clients of PostgreSQL to leave before stopping it")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: {args.kills} kills after {args.seconds:.0f} s "
          f"of load each, {args.concurrency} concurrent residents, uvicorn with 2 workers", flush=True)
    results: dict[str, Any] = {"crash": [], "outage": None}
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            results["crash"].append(crash_rounds("SQLite", f"sqlite:///{folder}/crash.sqlite3", args, Path(folder)))
    if not args.skip_postgres:
        with survey_load.pg_database(args.postgres, "bench_crash") as url, tempfile.TemporaryDirectory() as folder:
            results["crash"].append(crash_rounds("PostgreSQL", url, args, Path(folder)))
        if not args.skip_outage:
            with survey_load.pg_database(args.postgres, "bench_crash") as url, \
                    tempfile.TemporaryDirectory() as folder:
                try:
                    results["outage"] = outage(url, args, Path(folder))
                finally:
                    if not pg_ready():
                        pg_ctl("start")  # the database can only be dropped on a running server

    failed = False
    print()
    print("| database | kills | acknowledged submissions | stored | acknowledged sign-ups | stored | confirmed "
          f"≤ {CAPACITY} | problems |")
    print("|---|---|---|---|---|---|---|---|")
    for result in results["crash"]:
        failed |= bool(result["problems"])
        print(f"| {result['label']} | {len(result['rounds'])} | {result['acknowledged']} | "
              f"{result['stored_responses']} | {result['signed_up']} | {result['stored_signups']} | "
              f"{result['confirmed']} | {'; '.join(result['problems']) or 'none'} |")
        print(f"  statuses: {result['statuses']}")
    if results["outage"] is not None:
        found = results["outage"]
        failed |= bool(found["problems"])
        print(f"\noutage: PostgreSQL down {found['down_seconds']} s; first success after restart (s): "
              f"{found['recovered_after_seconds']}; after: {found['after']}; "
              f"problems: {'; '.join(found['problems']) or 'none'}")
        print(f"  statuses: {found['statuses']}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
