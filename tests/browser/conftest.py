"""Real-browser tests: a live uvicorn server on a migrated database with demo data, Debian's chromium driven by
Playwright at a phone viewport, and axe-core on every page.

Playwright cannot download its own browser here, so it drives /usr/bin/chromium. Outside CI a missing browser
skips these tests; with CI=true it fails them.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import Engine
from sqlmodel import Session

from app import demo
from app.db import make_engine, migrate
from app.main import create_app
from tests.databases import fresh_database

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync",
                 "--disable-smooth-scrolling"]  # a key press scrolls at once: tests read the position right after
PHONE = {"width": 390, "height": 844}
BLOCKING_IMPACTS = {"serious", "critical"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def live_engine(tmp_root: Path) -> Iterator[Engine]:
    """The live server's database with demo data (tests that need real ids, e.g. the accessibility audit)."""
    with fresh_database(tmp_root, "live") as url:
        migrate(url)
        engine = make_engine(url, pool_size=5)
        with Session(engine) as session:
            demo.load(session)
        try:
            yield engine
        finally:
            engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_engine: Engine) -> Iterator[str]:
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(live_engine), host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "live server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        message = f"Debian's chromium is not at {CHROMIUM}: `make test` installs it (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    """A fresh phone-sized browser context per test; any request to another host fails the test."""
    context = browser.new_context(viewport=PHONE, base_url=live_server, locale="sv-SE", is_mobile=True,
                                  has_touch=True)
    foreign: list[str] = []

    def guard(route: Any) -> None:
        if route.request.url.startswith(live_server) or route.request.url.startswith("data:"):
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    yield page
    context.close()
    assert not foreign, f"requests to other hosts: {foreign}"


def axe_violations(page: Any, impacts: set[str] | None = BLOCKING_IMPACTS) -> list[dict[str, Any]]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    violations: list[dict[str, Any]] = results.response["violations"]
    return [v for v in violations if impacts is None or v.get("impact") in impacts]


def assert_accessible(page: Any) -> None:
    """Fails on any serious or critical axe violation, naming the rule and the first elements."""
    violations = axe_violations(page)
    summary = [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes'][:3]]}" for v in violations]
    assert not violations, f"axe on {page.url}: {summary}"


# Two-factor sign-in of the accounts that had to set it up here (the system administrator): the secret read off the
# enrolment page, the last time step used, and the unused recovery codes (a code works once per 30 s step).
_TWO_FACTOR: dict[str, dict[str, Any]] = {}


def login(page: Any, email: str, password: str = demo.DEMO_PASSWORD) -> None:
    """Signs in as the user does, through two-factor enrolment or the code step when the account needs it."""
    import pyotp

    page.goto("/staff/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/staff(/login/code|/two-factor/setup)?$"))
    if page.url.endswith("/two-factor/setup"):
        secret = page.inner_text("#totp-secret").strip()
        totp = pyotp.TOTP(secret)
        step = totp.timecode(datetime.now(UTC))
        page.fill("#code", totp.generate_otp(step))
        page.click("form[action='/staff/two-factor/setup'] button[type=submit]")
        page.wait_for_selector("#recovery-codes")
        codes = [code.strip() for code in page.locator("#recovery-codes code").all_inner_texts()]
        _TWO_FACTOR[email] = {"totp": totp, "step": step, "codes": codes}
        page.click("a[href='/staff']")
    elif page.url.endswith("/login/code"):
        known = _TWO_FACTOR[email]
        step = known["totp"].timecode(datetime.now(UTC))
        if step > known["step"]:
            known["step"] = step
            page.fill("#code", known["totp"].generate_otp(step))
        else:  # this step's code was used by the previous login: a recovery code instead
            page.fill("#code", known["codes"].pop())
        page.click("form[action='/staff/login/code'] button[type=submit]")
    page.wait_for_url("**/staff")
