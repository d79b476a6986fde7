"""Load test of survey submission (run by hand, not in the suite):

    .venv/bin/python bench/survey_load.py [--seconds 10] [--runs 3] [--concurrency 40] [--workers 1]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test] [--skip-postgres]

For each database (a fresh SQLite file; a fresh PostgreSQL database created on the given server and dropped
afterwards) it migrates, seeds an open one-page survey of 15 answers (10 single-choice questions and a
5-item problem battery), starts uvicorn (`app.asgi:app`, N workers) and drives it with an asyncio httpx client
at C concurrent connections. Each virtual resident does what a phone does: GET /s/<slug> (session cookie with
the CSRF token), POST /s/<slug>/start (draft cookie), GET /s/<slug>/1, then POST /s/<slug>/1 with its answers,
its cookies and the CSRF token, expecting the 303 to /s/<slug>/tack. The residents' first three requests are
made before the timed phase (drafts prepared), so the timed phase measures submissions only, like the
baseline: a bare FastAPI app (bench/bare_form_app.py) that only parses the same form. The open-link rate limit
is switched off (SURVEY_SUBMISSIONS_PER_HOUR=0): every virtual resident shares 127.0.0.1.

Reports submissions/s, the ratio to the bare endpoint, p50/p99 of the submission POST, and stored responses ==
acknowledged (303) responses, counted in the database after the run. Also measures the resident's survey page
(HTML + its same-origin CSS/JS, gzip as sent) and lists any host other than the server in the page's links.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path
from typing import Any

import httpx2 as httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ANSWERS_PER_RESPONSE = 15
LOG = Path(tempfile.gettempdir()) / "survey_load_server.log"
QUESTIONS = 10
ITEMS = 5


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- database ----------------------------------------------------------------------------------------------------


def seed(url: str) -> tuple[str, int]:
    """Migrates and seeds a municipality with an open one-page survey; returns (slug, survey id)."""
    from sqlmodel import Session

    from app.db import make_engine, migrate
    from app.models import Area, Municipality
    from app.models.surveys import (
        OptionKind,
        Question,
        QuestionOption,
        Survey,
        SurveyMode,
        SurveyStatus,
        SurveyTranslation,
    )

    migrate(url)
    engine = make_engine(url)
    with Session(engine) as session:
        municipality = Municipality(slug="bench", name="Benchkommun", languages=["sv"])
        session.add(municipality)
        session.flush()
        session.add(Area(municipality_id=municipality.id or 0, slug="centrum", name="Centrum"))
        survey = Survey(municipality_id=municipality.id or 0, series_id=uuid.uuid4().hex, slug="bench",
                        status=SurveyStatus.open, modes=[SurveyMode.open_link.value], languages=["sv"],
                        opens_on=date(2020, 1, 1))
        session.add(survey)
        session.flush()
        session.add(SurveyTranslation(survey_id=survey.id or 0, language="sv", title="Trygghetsenkät (bench)",
                                      intro="Belastningstest."))
        for n in range(QUESTIONS):
            question = Question(survey_id=survey.id or 0, code=f"q{n}", page=1, position=n, type="single",
                                required=n == 0, text={"sv": f"Fråga {n + 1}: hur trygg känner du dig?"})
            session.add(question)
            session.flush()
            for i, code in enumerate(("very_safe", "fairly_safe", "fairly_unsafe", "very_unsafe")):
                session.add(QuestionOption(question_id=question.id or 0, code=code, position=i,
                                           label={"sv": code.replace("_", " ")}))
        battery = Question(survey_id=survey.id or 0, code="problems", page=1, position=QUESTIONS, type="matrix",
                           text={"sv": "Hur stora problem är följande?"})
        session.add(battery)
        session.flush()
        for i, code in enumerate(("very_big", "fairly_big", "fairly_small", "no_problem", "dont_know")):
            session.add(QuestionOption(question_id=battery.id or 0, kind=OptionKind.option, code=code, position=i,
                                       label={"sv": code}))
        for i in range(ITEMS):
            session.add(QuestionOption(question_id=battery.id or 0, kind=OptionKind.item, code=f"item{i}",
                                       position=i, label={"sv": f"Problem {i + 1}"}))
        session.commit()
        survey_id = survey.id or 0
    engine.dispose()
    return "bench", survey_id


def count_responses(url: str, survey_id: int) -> tuple[int, int]:
    from sqlalchemy import text

    from app.db import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        responses = conn.execute(text("SELECT count(*) FROM survey_response WHERE survey_id = :s"),
                                 {"s": survey_id}).scalar_one()
        answers = conn.execute(text("SELECT count(*) FROM survey_answer WHERE survey_id = :s"),
                               {"s": survey_id}).scalar_one()
    engine.dispose()
    return int(responses), int(answers)


def create_pg_database(server: str, prefix: str = "bench_surveys") -> tuple[str, str]:
    """A fresh, uniquely named database on the server: (its URL, its name). The benches drop it afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(server).set(database=name).render_as_string(hide_password=False), name


def drop_pg_database(server: str, name: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(make_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@contextmanager
def pg_database(server: str, prefix: str = "bench_surveys") -> Iterator[str]:
    """A fresh PostgreSQL database for one bench pass (its URL), dropped afterwards whatever happened."""
    url, name = create_pg_database(server, prefix)
    try:
        yield url
    finally:
        drop_pg_database(server, name)


# --- servers -----------------------------------------------------------------------------------------------------


def start_server(target: str, port: int, workers: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1", "--port", str(port), "--workers",
         str(workers), "--no-access-log", "--log-level", "warning"],
        cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=LOG.open("ab"))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz" if target.startswith("app") else
                      f"http://127.0.0.1:{port}/docs", timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.3)
        if process.poll() is not None:
            raise RuntimeError(f"server died, see {LOG}")
    raise RuntimeError("server did not start")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def server_cpu(master: int) -> dict[str, float]:
    """CPU seconds used so far by the uvicorn workers (the children of `master`, or `master` itself with one
    worker), split into their event-loop threads ("loop") and all their other threads ("threads": the group-commit
    writers and the thread pool of the sync routes). Read from Linux's /proc."""
    ticks = os.sysconf("SC_CLK_TCK")

    def seconds(stat: Path) -> float:
        fields = stat.read_text().rsplit(")", 1)[1].split()  # after "(comm)": state ppid ... utime stime
        return (int(fields[11]) + int(fields[12])) / ticks

    workers = [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()
               and _parent(entry) == master] or [master]
    used = {"loop": 0.0, "threads": 0.0}
    for pid in workers:
        try:
            total, loop = seconds(Path(f"/proc/{pid}/stat")), seconds(Path(f"/proc/{pid}/task/{pid}/stat"))
        except (FileNotFoundError, ProcessLookupError):
            continue
        used["loop"] += loop
        used["threads"] += total - loop  # the process's own total also counts threads that have ended
    return used


def _parent(entry: Path) -> int:
    try:
        return int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
        return -1


def measured(master: int, run: Callable[..., Outcome], *args: Any) -> Outcome:
    """Runs one timed phase, `run(*args)`, and notes the server's CPU per acknowledged request (µs), by thread kind."""
    before = server_cpu(master)
    outcome = run(*args)
    after = server_cpu(master)
    outcome.cpu = {kind: (after[kind] - before[kind]) / max(outcome.ok, 1) * 1e6 for kind in before}
    return outcome


def cpu_text(runs: list[Outcome]) -> str:
    loop = statistics.median(o.cpu.get("loop", float("nan")) for o in runs)
    threads = statistics.median(o.cpu.get("threads", float("nan")) for o in runs)
    return f"{loop + threads:.0f} ({loop:.0f} + {max(threads, 0.0):.0f})"


# --- the load ----------------------------------------------------------------------------------------------------


def no_cookie_client(base: str, concurrency: int) -> httpx.AsyncClient:
    """A client that never stores cookies: each virtual resident carries its own, in its own header."""
    jar = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    return httpx.AsyncClient(base_url=base, cookies=jar, limits=limits, timeout=30, follow_redirects=False)


def merge_cookies(cookies: dict[str, str], response: httpx.Response) -> None:
    for header in response.headers.get_list("set-cookie"):
        name, _, rest = header.partition("=")
        value = rest.split(";", 1)[0]
        if "max-age=0" in header.lower() or value in ('""', ""):
            cookies.pop(name.strip(), None)
        else:
            cookies[name.strip()] = value


def cookie_header(cookies: dict[str, str]) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}


START_ERRORS = [0]
TRANSPORT_ERRORS = [0]
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Resident:
    cookies: dict[str, str]
    csrf: str


def answers_form(n: int, csrf: str) -> dict[str, str]:
    codes = ("very_safe", "fairly_safe", "fairly_unsafe", "very_unsafe")
    form = {"csrf_token": csrf, "page": "1"}
    for q in range(QUESTIONS):
        form[f"q-q{q}"] = codes[(n + q) % 4]
    for i in range(ITEMS):
        form[f"q-problems-item{i}"] = ("very_big", "fairly_big", "fairly_small", "no_problem", "dont_know")[(n + i) % 5]
    return form


async def prepare(client: httpx.AsyncClient, slug: str) -> Resident:
    """One resident's first three requests; a dropped keep-alive connection is retried (not a server error)."""
    for _attempt in range(5):
        try:
            return await _prepare(client, slug)
        except httpx.TransportError:
            TRANSPORT_ERRORS[0] += 1
    return await _prepare(client, slug)


async def _prepare(client: httpx.AsyncClient, slug: str) -> Resident:
    cookies: dict[str, str] = {}
    start = await client.get(f"/s/{slug}")
    start.raise_for_status()
    merge_cookies(cookies, start)
    match = CSRF_RE.search(start.text)
    assert match, "no CSRF token on the start page"
    csrf = match.group(1)
    for _attempt in range(20):
        posted = await client.post(f"/s/{slug}/start", data={"csrf_token": csrf, "language": "sv"},
                                   headers=cookie_header(cookies))
        if posted.status_code != 500:
            break
        START_ERRORS[0] += 1  # SQLite "database is locked": counted and reported, then retried
    assert posted.status_code == 303, (posted.status_code, posted.text[:300])
    merge_cookies(cookies, posted)
    page = await client.get(f"/s/{slug}/1", headers=cookie_header(cookies))
    assert page.status_code == 200, page.status_code
    merge_cookies(cookies, page)
    return Resident(cookies, csrf)


async def prepare_many(base: str, slug: str, count: int, concurrency: int) -> list[Resident]:
    residents: list[Resident] = []
    async with no_cookie_client(base, concurrency) as client:
        queue = iter(range(count))

        async def worker() -> None:
            for _n in queue:
                residents.append(await prepare(client, slug))

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return residents


@dataclass
class Outcome:
    seconds: float
    ok: int = 0
    failed: int = 0
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    wrk_p50: float | None = None  # wrk's own percentiles (ms), when wrk drove the run
    wrk_p99: float | None = None
    exhausted: bool = False
    cpu: dict[str, float] = field(default_factory=dict)  # server CPU µs per acknowledged request, by thread kind

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        if self.wrk_p50 is not None and p in (0.5, 0.99):
            return self.wrk_p50 if p == 0.5 else float(self.wrk_p99 or "nan")
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


async def submit_load(base: str, slug: str, residents: list[Resident] | None, seconds: float,
                      concurrency: int) -> Outcome:
    """POSTs the answers at `concurrency` for `seconds` (or until the prepared residents run out)."""
    outcome = Outcome(seconds)
    counter = iter(range(10**9))
    pool = iter(residents) if residents is not None else None
    async with no_cookie_client(base, concurrency) as client:
        started = time.perf_counter()
        deadline = started + seconds

        async def worker() -> None:
            while time.perf_counter() < deadline:
                n = next(counter)
                if pool is not None:
                    resident = next(pool, None)
                    if resident is None:
                        return
                    form, headers = answers_form(n, resident.csrf), cookie_header(resident.cookies)
                else:
                    form, headers = answers_form(n, "x"), {}
                t0 = time.perf_counter()
                try:
                    response = await client.post(f"/s/{slug}/1", data=form, headers=headers)
                except httpx.TransportError:  # not acknowledged: if the server stored it, the count says so
                    outcome.statuses[0] = outcome.statuses.get(0, 0) + 1
                    outcome.failed += 1
                    continue
                elapsed = time.perf_counter() - t0
                outcome.statuses[response.status_code] = outcome.statuses.get(response.status_code, 0) + 1
                if response.status_code == 303 and "/tack" in response.headers.get("location", ""):
                    outcome.ok += 1
                    outcome.latencies.append(elapsed)
                else:
                    outcome.failed += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        outcome.seconds = time.perf_counter() - started
    return outcome


async def page_weight(base: str, slug: str) -> dict[str, Any]:
    """Bytes on the wire (gzip) for the survey's question page and its same-origin CSS/JS; foreign hosts."""
    async with httpx.AsyncClient(base_url=base, follow_redirects=False,
                                 headers={"Accept-Encoding": "gzip"}) as client:
        resident = await prepare(client, slug)
        page = await client.get(f"/s/{slug}/1", headers=cookie_header(resident.cookies))
        total = page.num_bytes_downloaded
        html = page.text
        links = re.findall(r'(?:src|href)="([^"]+)"', html)
        foreign = sorted({url for url in links if re.match(r"^(https?:)?//", url)
                          and not url.startswith(base) and not url.startswith("//127.0.0.1")})
        assets = sorted({url for url in links if url.startswith("/static/")})
        sizes = {}
        for asset in assets:
            fetched = await client.get(asset)
            sizes[asset] = fetched.num_bytes_downloaded
            total += fetched.num_bytes_downloaded
        return {"html_bytes": page.num_bytes_downloaded, "assets": sizes, "total_bytes": total,
                "foreign_hosts": foreign, "content_encoding": page.headers.get("content-encoding", "")}



# --- wrk (a C client: the Python client above is itself the bottleneck on a 2-core machine) ------------------


def wrk_submit(base: str, slug: str, residents: list[Resident] | None, seconds: float,
               concurrency: int, path: str = "") -> Outcome:
    """The same timed phase driven by wrk: prepared drafts (bench/submit_drafts.lua), or the bare form POST
    (bench/form_post.lua) when `residents` is None."""
    threads = 2
    env = dict(os.environ)
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as handle:
        for resident in residents or []:
            handle.write(f"{cookie_header(resident.cookies)['Cookie']}\t{resident.csrf}\n")
        drafts = handle.name
    env.update({"DRAFTS": drafts, "NTHREADS": str(threads), "SUBMIT_PATH": path or f"/s/{slug}/1"})
    script = ROOT / "bench" / ("submit_drafts.lua" if residents is not None else "form_post.lua")
    done = subprocess.run(["wrk", f"-t{threads}", f"-c{concurrency}", f"-d{seconds:.0f}s", "--latency", "-s",
                           str(script), f"{base}/s/{slug}/1"], capture_output=True, text=True, env=env,
                          check=True)
    os.unlink(drafts)
    outcome = Outcome(seconds)
    if residents is None:
        total = int(re.search(r"(\d+) requests in", done.stdout).group(1))  # type: ignore[union-attr]
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)", done.stdout)
        outcome.ok = total - (int(errors.group(1)) if errors else 0)
        outcome.failed = total - outcome.ok
        outcome.seconds = seconds
        outcome.wrk_p50 = _wrk_ms(done.stdout, "50%")
        outcome.wrk_p99 = _wrk_ms(done.stdout, "99%")
        return outcome
    found = re.search(r"RESULT acknowledged=(\d+) other=(\d+) exhausted=(\d+) p50=([\d.]+) p99=([\d.]+) "
                      r"seconds=([\d.]+)", done.stdout)
    assert found, done.stdout + done.stderr
    outcome.ok, outcome.failed = int(found.group(1)), int(found.group(2))
    outcome.statuses = {303: outcome.ok, -1: outcome.failed}
    outcome.seconds = float(found.group(6))
    outcome.wrk_p50, outcome.wrk_p99 = float(found.group(4)), float(found.group(5))
    outcome.exhausted = found.group(3) != "0"
    return outcome


def _wrk_ms(text: str, label: str) -> float:
    found = re.search(rf"^\s+{re.escape(label)}\s+([\d.]+)(us|ms|s)\b", text, re.MULTILINE)
    if not found:
        return float("nan")
    value, unit = float(found.group(1)), found.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

# --- the run -----------------------------------------------------------------------------------------------------


def submit_phase(client: str, base: str, slug: str, residents: list[Resident] | None,
                 args: argparse.Namespace) -> Outcome:
    """The timed phase of submissions (prepared drafts, or the bare form POST when `residents` is None)."""
    if client == "wrk":
        return wrk_submit(base, slug, residents, args.seconds, args.concurrency)
    return asyncio.run(submit_load(base, slug, residents, args.seconds, args.concurrency))


def ran_out(outcome: Outcome, residents: list[Resident]) -> bool:
    return outcome.exhausted or outcome.ok + outcome.failed >= len(residents)


def run_database(label: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    slug, survey_id = seed(url)
    port = free_port()
    env = {"DATABASE_URL": url, "SURVEY_SUBMISSIONS_PER_HOUR": "0", "ENVIRONMENT": "development",
           "BASE_URL": f"http://127.0.0.1:{port}", "WORKERS": str(args.workers)}
    server = start_server("bench.stack_floor_app:app", port, args.workers, env)  # the app + an empty route
    base = f"http://127.0.0.1:{port}"
    runs, floors = [], []
    try:
        weight = asyncio.run(page_weight(base, slug))
        acknowledged = 0  # page_weight prepares a draft but submits nothing
        for n in range(args.runs):
            residents = asyncio.run(prepare_many(base, slug, args.prepare, args.concurrency))
            if args.client == "wrk":  # the same app, an empty route: what any route of this app can reach
                floor = measured(server.pid, wrk_submit, base, slug, residents, args.seconds, args.concurrency,
                                 f"/floor/{slug}/1")
                floors.append(floor)
                print(f"  {label} run {n + 1}: the app's empty route {floor.rate:.0f}/s, p99 {floor.pct(0.99):.1f} ms, "
                      f"server CPU µs per request {cpu_text([floor])}", flush=True)
            outcome = measured(server.pid, submit_phase, args.client, base, slug, residents, args)
            acknowledged += outcome.ok
            runs.append(outcome)
            print(f"  {label} run {n + 1}: {outcome.rate:.0f} submissions/s, p50 {outcome.pct(0.5):.1f} ms, "
                  f"p99 {outcome.pct(0.99):.1f} ms, server CPU µs per request {cpu_text([outcome])}, "
                  f"statuses {outcome.statuses}"
                  f"{' (prepared drafts ran out)' if ran_out(outcome, residents) else ''}",
                  flush=True)
    finally:
        stop_server(server)
    stored, answers = count_responses(url, survey_id)
    print(f"  {label}: {START_ERRORS[0]} POST /start answered 500 and {TRANSPORT_ERRORS[0]} connections dropped "
          "while drafts were prepared (both retried)", flush=True)
    TRANSPORT_ERRORS[0] = 0
    start_errors, START_ERRORS[0] = START_ERRORS[0], 0
    return {"label": label, "start_errors": start_errors, "runs": runs, "floors": floors, "acknowledged": acknowledged,
            "stored": stored, "answers": answers,
            "weight": weight}


def run_bare(args: argparse.Namespace) -> list[Outcome]:
    port = free_port()
    server = start_server("bench.bare_form_app:app", port, args.workers, {})
    runs = []
    try:
        for n in range(args.runs):
            outcome = measured(server.pid, submit_phase, args.client, f"http://127.0.0.1:{port}", "bench", None, args)
            runs.append(outcome)
            print(f"  bare run {n + 1}: {outcome.rate:.0f} requests/s, p50 {outcome.pct(0.5):.1f} ms, "
                  f"p99 {outcome.pct(0.99):.1f} ms, server CPU µs per request {cpu_text([outcome])}", flush=True)
    finally:
        stop_server(server)
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=40)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--prepare", type=int, default=2500, help="drafts prepared before each timed run")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--client", choices=["wrk", "httpx"], default="wrk" if shutil.which("wrk") else "httpx",
                        help="who drives the timed phase (drafts are always prepared with httpx)")
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    args = parser.parse_args()

    print(f"machine: {platform.machine()} {os.cpu_count()} CPU, Python {platform.python_version()}, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; workers={args.workers}, "
          f"concurrency={args.concurrency}, {args.runs} x {args.seconds:.0f} s, client {args.client}", flush=True)
    bare = run_bare(args)
    bare_rate = statistics.median(o.rate for o in bare)
    results = []
    with tempfile.TemporaryDirectory() as folder:
        results.append(run_database("SQLite", f"sqlite:///{folder}/bench.sqlite3", args))
    if not args.skip_postgres:
        with pg_database(args.postgres) as url:
            results.append(run_database("PostgreSQL", url, args))

    print()
    print("| target | submissions/s (median of runs) | ratio to bare | p50 ms | p99 ms "
          "| server CPU µs per request (event loop + other threads) | stored == acknowledged |")
    print("|---|---|---|---|---|---|---|")
    print(f"| bare FastAPI form parse | {bare_rate:.0f} | 1.00 | {statistics.median(o.pct(0.5) for o in bare):.1f} "
          f"| {statistics.median(o.pct(0.99) for o in bare):.1f} | {cpu_text(bare)} | – |")
    for result in results:
        if result["floors"]:
            floor_rate = statistics.median(o.rate for o in result["floors"])
            print(f"| the app's empty route ({result['label']} pass) | {floor_rate:.0f} | "
                  f"{floor_rate / bare_rate:.2f} | "
                  f"{statistics.median(o.pct(0.5) for o in result['floors']):.1f} | "
                  f"{statistics.median(o.pct(0.99) for o in result['floors']):.1f} | "
                  f"{cpu_text(result['floors'])} | – |")
    summary: dict[str, Any] = {"bare_rate": bare_rate, "databases": []}
    for result in results:
        rate = statistics.median(o.rate for o in result["runs"])
        p50 = statistics.median(o.pct(0.5) for o in result["runs"])
        p99 = statistics.median(o.pct(0.99) for o in result["runs"])
        same = result["stored"] == result["acknowledged"]
        # wrk stops at the deadline without reading the answers still in flight (at most C per run): those
        # responses are stored but not counted as acknowledged. The httpx client waits for them (exact check).
        in_flight = args.runs * args.concurrency if args.client == "wrk" else 0
        same = same or (args.client == "wrk" and 0 <= result["stored"] - result["acknowledged"] <= in_flight)
        print(f"| {result['label']} | {rate:.0f} | {rate / bare_rate:.2f} | {p50:.1f} | {p99:.1f} | "
              f"{cpu_text(result['runs'])} | "
              f"{result['stored']} stored, {result['acknowledged']} acknowledged: {'yes' if same else 'NO'}"
              f"{f' (wrk leaves at most {in_flight} in flight unread)' if in_flight else ''} "
              f"({result['answers']} answer rows) |")
        summary["databases"].append({"label": result["label"], "rate": rate, "ratio": rate / bare_rate, "p50": p50,
                                     "p99": p99, "stored": result["stored"], "acknowledged": result["acknowledged"],
                                     "answers": result["answers"], "weight": result["weight"]})
    weight = results[0]["weight"]
    print()
    print(f"survey page: {weight['total_bytes']} bytes transferred ({weight['content_encoding'] or 'identity'}), "
          f"HTML {weight['html_bytes']} + assets {weight['assets']}; "
          f"foreign hosts: {weight['foreign_hosts'] or 'none'}")
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2, default=str))


if __name__ == "__main__":
    main()
