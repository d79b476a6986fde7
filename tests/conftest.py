"""Shared fixtures: a migrated database with per-test rollback (SQLite or PostgreSQL), the app, and a client
that runs the page check on every HTML response."""

from __future__ import annotations

import base64
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_TMP = Path(tempfile.mkdtemp(prefix="trygg-tests-"))
os.environ.update({
    "ENVIRONMENT": "test",
    "SECRET_KEY": "test-secret-key-that-is-long-enough-for-tests",
    "DATABASE_URL": f"sqlite:///{_TMP / 'unused.sqlite3'}",
    "OUTBOX_DIR": str(_TMP / "outbox"),
    "BASE_URL": "http://testserver",
    "SMTP_HOST": "",
})

import pytest  # noqa: E402
from fastapi import FastAPI  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from httpx2 import Response  # noqa: E402
from itsdangerous import TimestampSigner  # noqa: E402
from sqlalchemy import Engine  # noqa: E402
from sqlmodel import Session  # noqa: E402

from app import cache, wiring  # noqa: E402
from app.config import get_settings  # noqa: E402
from app.db import make_engine, migrate  # noqa: E402
from app.main import create_app  # noqa: E402
from app.models import StaffUser  # noqa: E402
from tests import factories  # noqa: E402
from tests.databases import OneSession, fresh_database, on_postgres  # noqa: E402
from tests.pagecheck import page_problems  # noqa: E402

get_settings.cache_clear()
wiring.install()  # the wave-closed listeners and job parts, also for tests that never build the app


def pytest_report_header() -> str:
    return f"database: {'PostgreSQL' if on_postgres() else 'SQLite'}"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print how many real-browser tests ran, so a CI log shows they were not silently skipped."""
    counts = {outcome: sum(1 for report in terminalreporter.stats.get(outcome, [])
                           if "tests/browser/" in report.nodeid
                           and (outcome == "skipped" or getattr(report, "when", "call") == "call"))
              for outcome in ("passed", "failed", "skipped")}
    database = "PostgreSQL" if on_postgres() else "SQLite"
    terminalreporter.write_line(f"browser tests on {database}: {counts['passed']} passed, "
                                f"{counts['failed']} failed, {counts['skipped']} skipped")


@pytest.fixture
def steady_clock(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The app's clock stands still at the test's start. Rate limits count in fixed windows (15 minutes, an hour):
    a test that counts up to a limit must not see its attempts split by a window's edge (it did, at 18:30:00)."""
    from app import clock

    moment = clock.now()
    monkeypatch.setattr(clock, "now", lambda: moment)
    return moment


@pytest.fixture(scope="session")
def tmp_root() -> Path:
    return _TMP


@pytest.fixture(scope="session")
def database_url(tmp_root: Path) -> Iterator[str]:
    with fresh_database(tmp_root, "suite") as url:
        migrate(url)
        yield url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url, pool_size=5)
    cache.install()  # writes in tests without an app (services, CLI) bump the page cache as in production
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session whose every commit is a savepoint inside one transaction that is rolled back."""
    connection = engine.connect()
    transaction = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        transaction.rollback()
        connection.close()


@pytest.fixture
def app(engine: Engine, db: Session) -> FastAPI:
    application = create_app(engine)
    application.state.sessions = OneSession(lambda: db)
    return application


class CheckedClient(TestClient):
    """A TestClient that runs the page check on every HTML page it receives."""

    page_check = True

    def request(self, method: str, url: Any, *args: Any, **kwargs: Any) -> Response:
        response = super().request(method, url, *args, **kwargs)
        if self.page_check and response.headers.get("content-type", "").startswith("text/html"):
            problems = page_problems(response.text)
            assert not problems, f"{method} {url} -> {response.status_code}: page check failed: {problems}"
        return response

    def session_data(self) -> dict[str, Any]:
        cookie = self.cookies.get("trygg_session")
        if not cookie:
            return {}
        payload = TimestampSigner(get_settings().secret_key).unsign(cookie)
        data: dict[str, Any] = json.loads(base64.b64decode(payload))
        return data

    def csrf(self) -> str:
        if "csrf" not in self.session_data():
            self.get("/tillganglighet")
        return str(self.session_data()["csrf"])

    def post_form(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Response:
        form = dict(data or {})
        form.setdefault("csrf_token", self.csrf())
        kwargs.setdefault("follow_redirects", False)
        return self.post(url, data=form, **kwargs)

    def login(self, user: StaffUser, password: str = factories.PASSWORD) -> Response:
        """Signs in, with the code from the account's authenticator app when it has two-factor sign-in."""
        response = self.post_form("/staff/login", {"email": user.email, "password": password, "next": "/staff"})
        assert response.status_code == 303, response.text
        if response.headers["location"] == "/staff/login/code":
            response = self.post_form("/staff/login/code", {"code": factories.totp_code(user)})
            assert response.status_code == 303, response.text
        return response


@pytest.fixture
def client(app: FastAPI) -> Iterator[CheckedClient]:
    with CheckedClient(app, base_url="http://testserver") as test_client:
        yield test_client
