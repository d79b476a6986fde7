"""The system administrator's page for creating municipalities, in a real browser at phone size.

The demo data has no system administrator, so this module runs its own live server with one added.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlmodel import Session

from app import demo
from app.admin import service as admin_service
from app.db import make_engine, migrate
from app.main import create_app
from tests.browser.conftest import _free_port, assert_accessible, login
from tests.databases import fresh_database

pytestmark = pytest.mark.browser
ROOT_EMAIL = "system@trygg.example"


@pytest.fixture(scope="module")
def live_server(tmp_root: Path) -> Iterator[str]:
    """Overrides the shared live server for this module: the demo data plus a system administrator."""
    with fresh_database(tmp_root, "live_superadmin") as url:
        migrate(url)
        engine = make_engine(url, pool_size=5)
        with Session(engine) as session:
            demo.load(session)
            admin_service.create_admin(session, ROOT_EMAIL, "Sam System", demo.DEMO_PASSWORD)
        port = _free_port()
        server = uvicorn.Server(uvicorn.Config(create_app(engine), host="127.0.0.1", port=port,
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
            engine.dispose()


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_municipalities_page_is_accessible(page: Any, lang: str) -> None:
    page.goto(f"/sprak?lang={lang}&next=/")
    login(page, ROOT_EMAIL)
    page.click("a[href='/staff/admin/municipalities']")
    page.wait_for_selector("h1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page)


def test_creating_a_municipality_with_errors_then_correctly(page: Any) -> None:
    login(page, ROOT_EMAIL)
    page.goto("/staff/admin/municipalities")
    page.fill("#name", "Älvby kommun")
    page.fill("#admin_name", "Åsa Admin")
    page.fill("#admin_email", "inte en adress")
    page.click("form[action='/staff/admin/municipalities'] button[type=submit]")
    page.wait_for_selector(".error-summary")
    assert page.title().startswith("Fel:")
    assert page.input_value("#name") == "Älvby kommun"  # what was typed is kept
    assert_accessible(page)
    page.fill("#admin_email", "asa@alvby.example")
    page.check("#languages-fi")
    page.click("form[action='/staff/admin/municipalities'] button[type=submit]")
    page.wait_for_url("**/staff/m/alvby-kommun/settings")
    assert page.is_checked("#languages-fi") and page.is_checked("#languages-sv")
    assert_accessible(page)
