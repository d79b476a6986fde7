"""Mixed resident load against uvicorn with 2 workers (run by hand, not in the suite):

    .venv/bin/python bench/mixed_load.py [--seconds 20] [--concurrency 40 200] [--workers 2]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test] [--skip-postgres] [--json out.json]

For each database (a fresh SQLite file; a uniquely named PostgreSQL database, dropped afterwards) it migrates,
loads the demo data (its published pledge is the pledge page measured) and seeds bench/survey_load.py's open
one-page survey plus a dialogue event with room for everyone, then:

1. The pledge page cached vs uncached, in the same run: wrk (40 connections, `Accept-Encoding: gzip` like a
   browser, no cookies: every request is a first visit) against a server started with PUBLIC_CACHE_SECONDS=0,
   then against one with the cache on (the default). Reports requests/s of each and the ratio.
2. The mixed load, for each concurrency, against the cached server: every connection loops over resident
   journeys picked at random (weights in JOURNEYS): read the pledge page; read an event page; answer the survey
   (GET start page, POST start, GET page 1, POST the answers: 303 to /tack is an acknowledged response); sign up
   for the event (GET its page, POST the form with the page's CSRF token: 303 to /anmalan/... is an acknowledged
   sign-up). The client is a small keep-alive HTTP/1.1 client on asyncio (httpx costs more CPU than the server
   on these 2 cores); it waits for every answer before it stops, so afterwards the rows in the database must
   equal the acknowledged answers exactly: survey_response rows == acknowledged submissions and dialogue_signup
   rows == acknowledged sign-ups, counted per run.

Reports requests/s, p50/p99 per request kind, errors (any unexpected status or dropped connection) and the
stored == acknowledged check. The open-link rate limit is switched off (every virtual resident is 127.0.0.1).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import survey_load  # noqa: E402 - after the path insert, like the app imports below
from bench.survey_load import (  # noqa: E402
    answers_form,
    free_port,
    seed,
    start_server,
    stop_server,
)

CSRF_RE = re.compile(rb'name="csrf_token" value="([^"]+)"')
# Journey -> weight. Reading is what most residents do; every fourth journey writes something.
JOURNEYS = {"pledge": 40, "event": 20, "survey": 25, "signup": 15}
KINDS = ("pledge page", "event page", "survey page", "survey start", "survey submit", "sign-up")


# --- seeding and counting -------------------------------------------------------------------------------------


@dataclass
class Target:
    survey_slug: str
    survey_id: int
    pledge_path: str
    event_path: str
    event_id: int


def prepare_database(url: str) -> Target:
    """Migrates; the survey bench's municipality and survey, the demo data, and an event with room for all."""
    from sqlmodel import Session, select

    from app import clock, demo
    from app.db import make_engine
    from app.models import Municipality
    from app.models.dialogues import DialogueEvent, EventKind
    from app.models.pledges import Pledge, PledgeStatus

    survey_slug, survey_id = seed(url)  # migrates first
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        demo.load(session)
        pledge = session.exec(select(Pledge).where(Pledge.status == PledgeStatus.published)).first()
        assert pledge is not None, "the demo data has no published pledge"
        home = session.get(Municipality, pledge.municipality_id)
        bench = session.exec(select(Municipality).where(Municipality.slug == survey_slug)).one()
        start = clock.now() + timedelta(days=30)
        event = DialogueEvent(municipality_id=bench.id or 0, kind=EventKind.meeting,
                              title={"sv": "Dialogmöte (bench)"}, description={"sv": "Belastningstest."},
                              place="Stadshuset", starts_at=start, ends_at=start + timedelta(hours=2),
                              capacity=10_000_000)
        session.add(event)
        session.commit()
        target = Target(survey_slug, survey_id, f"/m/{home.slug if home else ''}/pledges/{pledge.id}",
                        f"/m/{bench.slug}/dialoger/{event.id}", event.id or 0)
    engine.dispose()
    return target


def count_rows(url: str, target: Target) -> tuple[int, int]:
    """(survey responses, sign-ups) stored for the bench survey and event."""
    from sqlalchemy import text

    from app.db import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        responses = conn.execute(text("SELECT count(*) FROM survey_response WHERE survey_id = :s"),
                                 {"s": target.survey_id}).scalar_one()
        signups = conn.execute(text("SELECT count(*) FROM dialogue_signup WHERE event_id = :e"),
                               {"e": target.event_id}).scalar_one()
    engine.dispose()
    return int(responses), int(signups)


# --- a small keep-alive HTTP/1.1 client -------------------------------------------------------------------------


class Dropped(Exception):
    """The connection closed or failed before a whole answer arrived."""


@dataclass
class Answer:
    status: int
    headers: dict[str, list[str]]
    body: bytes

    def header(self, name: str) -> str:
        values = self.headers.get(name, [])
        return values[0] if values else ""


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, headers: dict[str, str] | None = None,
                      form: dict[str, str] | None = None) -> Answer:
        body = urlencode(form).encode() if form is not None else b""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", "User-Agent: mixed-load"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        if form is not None:
            lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        try:
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            assert self.reader is not None
            self.writer.write(raw)
            head = await self.reader.readuntil(b"\r\n\r\n")
            status_line, *header_lines = head.decode("latin-1").split("\r\n")
            status = int(status_line.split(" ", 2)[1])
            found: dict[str, list[str]] = {}
            for line in header_lines:
                if line:
                    name, _, value = line.partition(":")
                    found.setdefault(name.strip().lower(), []).append(value.strip())
            if "chunked" in found.get("transfer-encoding", [""])[0]:
                content = await self._chunks()
            else:
                length = int(found.get("content-length", ["0"])[0])
                content = await self.reader.readexactly(length) if length else b""
            if found.get("connection", [""])[0].lower() == "close":
                await self.close()
            return Answer(status, found, content)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, IndexError) as exc:
            await self.close()
            raise Dropped(str(exc)) from exc

    async def _chunks(self) -> bytes:
        assert self.reader is not None
        parts: list[bytes] = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")
                return b"".join(parts)
            parts.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


def cookies_from(answer: Answer, jar: dict[str, str]) -> None:
    for header in answer.headers.get("set-cookie", []):
        name, _, rest = header.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]


def cookie_header(jar: dict[str, str]) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())} if jar else {}


# --- the mixed load -------------------------------------------------------------------------------------------


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {kind: [] for kind in KINDS})
    errors: dict[str, dict[str, int]] = field(default_factory=lambda: {kind: {} for kind in KINDS})
    acknowledged_responses: int = 0
    acknowledged_signups: int = 0
    cache_hits: int = 0
    cache_misses: int = 0
    seconds: float = 0.0

    def error(self, kind: str, what: str) -> None:
        self.errors[kind][what] = self.errors[kind].get(what, 0) + 1

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values()) + sum(sum(e.values()) for e in self.errors.values())


class Unexpected(Exception):
    pass


async def timed(tally: Tally, kind: str, conn: Connection, method: str, path: str, expect: int,
                headers: dict[str, str] | None = None, form: dict[str, str] | None = None) -> Answer:
    started = time.perf_counter()
    try:
        answer = await conn.request(method, path, headers, form)
    except Dropped:
        tally.error(kind, "dropped")
        raise Unexpected from None
    if answer.status != expect:
        tally.error(kind, str(answer.status))
        raise Unexpected
    tally.latencies[kind].append(time.perf_counter() - started)
    return answer


async def pledge_journey(conn: Connection, target: Target, tally: Tally, _n: int) -> None:
    answer = await timed(tally, "pledge page", conn, "GET", target.pledge_path, 200,
                         {"Accept-Encoding": "gzip"})
    if answer.header("x-cache") == "hit":
        tally.cache_hits += 1
    elif answer.header("x-cache") == "miss":
        tally.cache_misses += 1


async def event_journey(conn: Connection, target: Target, tally: Tally, _n: int) -> None:
    await timed(tally, "event page", conn, "GET", target.event_path, 200, {"Accept-Encoding": "gzip"})


async def survey_journey(conn: Connection, target: Target, tally: Tally, n: int) -> None:
    jar: dict[str, str] = {}
    base = f"/s/{target.survey_slug}"
    page = await timed(tally, "survey page", conn, "GET", base, 200)
    cookies_from(page, jar)
    token = CSRF_RE.search(page.body)
    if token is None:
        tally.error("survey page", "no CSRF token")
        return
    csrf = token.group(1).decode()
    started = await timed(tally, "survey start", conn, "POST", f"{base}/start", 303, cookie_header(jar),
                          {"csrf_token": csrf, "language": "sv"})
    cookies_from(started, jar)
    first = await timed(tally, "survey page", conn, "GET", f"{base}/1", 200, cookie_header(jar))
    cookies_from(first, jar)
    submitted = await timed(tally, "survey submit", conn, "POST", f"{base}/1", 303, cookie_header(jar),
                            answers_form(n, csrf))
    if "/tack" in submitted.header("location"):
        tally.acknowledged_responses += 1
    else:
        tally.error("survey submit", "303 elsewhere")


async def signup_journey(conn: Connection, target: Target, tally: Tally, n: int) -> None:
    jar: dict[str, str] = {}
    page = await timed(tally, "event page", conn, "GET", target.event_path, 200)
    cookies_from(page, jar)
    token = CSRF_RE.search(page.body)
    if token is None:
        tally.error("event page", "no CSRF token")
        return
    form = {"csrf_token": token.group(1).decode(), "name": f"Boende {n}", "phone": "", "people": "1",
            "email": f"boende-{n}-{uuid.uuid4().hex[:6]}@bench.example", "consent": "yes"}
    answer = await timed(tally, "sign-up", conn, "POST", f"{target.event_path}/anmalan", 303, cookie_header(jar),
                         form)
    if answer.header("location").startswith("/anmalan/"):
        tally.acknowledged_signups += 1
    else:
        tally.error("sign-up", "303 elsewhere")


JOURNEY_FUNCTIONS = {"pledge": pledge_journey, "event": event_journey, "survey": survey_journey,
                     "signup": signup_journey}


async def mixed(port: int, target: Target, concurrency: int, seconds: float, seed_value: int) -> Tally:
    tally = Tally()
    names, weights = list(JOURNEYS), list(JOURNEYS.values())
    counter = iter(range(10**9))
    chooser = random.Random(seed_value)
    began = time.perf_counter()
    deadline = began + seconds

    async def connection_loop() -> None:
        conn = Connection("127.0.0.1", port)
        while time.perf_counter() < deadline:
            journey = chooser.choices(names, weights)[0]
            try:
                await JOURNEY_FUNCTIONS[journey](conn, target, tally, next(counter))
            except Unexpected:
                continue
        await conn.close()

    await asyncio.gather(*(connection_loop() for _ in range(concurrency)))
    tally.seconds = time.perf_counter() - began  # includes waiting for the last answers: nothing left unread
    return tally


# --- wrk for the pledge page alone ------------------------------------------------------------------------------


def wrk_rate(url: str, seconds: float, concurrency: int = 40) -> dict[str, float]:
    done = subprocess.run(["wrk", "-t2", f"-c{concurrency}", f"-d{seconds:.0f}s", "--latency",
                           "-H", "Accept-Encoding: gzip", url], capture_output=True, text=True, check=True)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", done.stdout)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", done.stdout)
    return {"rate": float(rate.group(1)) if rate else float("nan"), "p50": _wrk_ms(done.stdout, "50%"),
            "p99": _wrk_ms(done.stdout, "99%"),
            "errors": (int(bad.group(1)) if bad else 0) + (sum(int(g) for g in errors.groups()) if errors else 0)}


def _wrk_ms(text: str, label: str) -> float:
    found = re.search(rf"^\s+{re.escape(label)}\s+([\d.]+)(us|ms|s)\b", text, re.MULTILINE)
    if not found:
        return float("nan")
    value, unit = float(found.group(1)), found.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


# --- the run ------------------------------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


def server_env(url: str, port: int, workers: int, cache_seconds: int) -> dict[str, str]:
    return {"DATABASE_URL": url, "SURVEY_SUBMISSIONS_PER_HOUR": "0", "SIGNUPS_PER_CLIENT_HOUR": "0",
            "ENVIRONMENT": "development",
            "BASE_URL": f"http://127.0.0.1:{port}", "WORKERS": str(workers),
            "PUBLIC_CACHE_SECONDS": str(cache_seconds), "SMTP_HOST": "",
            "OUTBOX_DIR": str(Path(tempfile.gettempdir()) / f"mixed-load-outbox-{os.getpid()}")}


def run_database(label: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    target = prepare_database(url)
    result: dict[str, Any] = {"label": label, "pledge": {}, "mixed": []}
    for name, seconds in (("uncached", 0), ("cached", 60)):
        port = free_port()
        server = start_server("app.asgi:app", port, args.workers, server_env(url, port, args.workers, seconds))
        try:
            figures = wrk_rate(f"http://127.0.0.1:{port}{target.pledge_path}", args.pledge_seconds)
            result["pledge"][name] = figures
            print(f"  {label} pledge page {name}: {figures['rate']:.0f} requests/s, p50 {figures['p50']:.1f} ms, "
                  f"p99 {figures['p99']:.1f} ms, errors {figures['errors']}", flush=True)
            if name == "uncached":
                continue
            for concurrency in args.concurrency:
                before = count_rows(url, target)
                tally = asyncio.run(mixed(port, target, concurrency, args.seconds, concurrency))
                after = count_rows(url, target)
                stored = (after[0] - before[0], after[1] - before[1])
                run = summarize(tally, concurrency, stored)
                result["mixed"].append(run)
                print(f"  {label} mixed c={concurrency}: {run['rate']:.0f} requests/s, errors {run['errors']}, "
                      f"responses stored {stored[0]} / acknowledged {tally.acknowledged_responses}, sign-ups "
                      f"stored {stored[1]} / acknowledged {tally.acknowledged_signups}, pledge cache "
                      f"{tally.cache_hits} hits / {tally.cache_misses} misses", flush=True)
                for kind, figures in run["kinds"].items():
                    print(f"      {kind:<14} {figures['count']:>6}  {figures['rate']:>6.0f}/s  p50 "
                          f"{figures['p50']:7.1f} ms  p99 {figures['p99']:7.1f} ms  errors {figures['errors']}",
                          flush=True)
        finally:
            stop_server(server)
    cached, uncached = result["pledge"]["cached"]["rate"], result["pledge"]["uncached"]["rate"]
    result["pledge"]["ratio"] = cached / uncached if uncached else float("nan")
    return result


def summarize(tally: Tally, concurrency: int, stored: tuple[int, int]) -> dict[str, Any]:
    kinds = {}
    for kind in KINDS:
        values = tally.latencies[kind]
        kinds[kind] = {"count": len(values), "rate": len(values) / tally.seconds, "p50": percentile(values, 0.5),
                       "p99": percentile(values, 0.99), "errors": dict(tally.errors[kind])}
    errors = sum(sum(e.values()) for e in tally.errors.values())
    ok = sum(len(v) for v in tally.latencies.values())
    return {"concurrency": concurrency, "seconds": tally.seconds, "rate": ok / tally.seconds, "errors": errors,
            "kinds": kinds, "acknowledged_responses": tally.acknowledged_responses, "stored_responses": stored[0],
            "acknowledged_signups": tally.acknowledged_signups, "stored_signups": stored[1],
            "cache_hits": tally.cache_hits, "cache_misses": tally.cache_misses}


def print_tables(results: list[dict[str, Any]]) -> None:
    print()
    print("| database | pledge page uncached (req/s) | cached (req/s) | ratio | cached p50 / p99 |")
    print("|---|---|---|---|---|")
    for result in results:
        p = result["pledge"]
        print(f"| {result['label']} | {p['uncached']['rate']:,.0f} | {p['cached']['rate']:,.0f} | "
              f"{p['ratio']:.1f}× | {p['cached']['p50']:.1f} / {p['cached']['p99']:.1f} ms |")
    print()
    print("| database | connections | requests/s | " + " | ".join(f"{k} p50 / p99 ms" for k in KINDS)
          + " | errors | responses stored = acknowledged | sign-ups stored = acknowledged |")
    print("|---|---|---|" + "---|" * len(KINDS) + "---|---|---|")
    for result in results:
        for run in result["mixed"]:
            cells = " | ".join(f"{run['kinds'][k]['p50']:.0f} / {run['kinds'][k]['p99']:.0f}" for k in KINDS)
            same_r = run["stored_responses"] == run["acknowledged_responses"]
            same_s = run["stored_signups"] == run["acknowledged_signups"]
            print(f"| {result['label']} | {run['concurrency']} | {run['rate']:,.0f} | {cells} | {run['errors']} | "
                  f"{run['stored_responses']:,} = {run['acknowledged_responses']:,}: {'yes' if same_r else 'NO'} | "
                  f"{run['stored_signups']:,} = {run['acknowledged_signups']:,}: {'yes' if same_s else 'NO'} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each mixed run")
    parser.add_argument("--pledge-seconds", type=float, default=10.0, help="length of each wrk run")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[40, 200])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    args = parser.parse_args()

    print(f"machine: {platform.machine()} {os.cpu_count()} CPU, Python {platform.python_version()}, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; workers={args.workers}, "
          f"connections={args.concurrency}, mixed runs of {args.seconds:.0f} s, journeys {JOURNEYS}", flush=True)
    results = []
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            results.append(run_database("SQLite", f"sqlite:///{folder}/mixed.sqlite3", args))
    if not args.skip_postgres:
        with survey_load.pg_database(args.postgres, "bench_mixed") as url:
            results.append(run_database("PostgreSQL", url, args))
    print_tables(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    if any(run["stored_responses"] != run["acknowledged_responses"] or run["stored_signups"]
           != run["acknowledged_signups"] for result in results for run in result["mixed"]):
        sys.exit("stored != acknowledged")


if __name__ == "__main__":
    main()
