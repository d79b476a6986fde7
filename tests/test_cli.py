"""The command-line entry: migrate, demo (idempotent) and create-admin, against a fresh database."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from app import cli, db
from app.admin import service
from app.config import get_settings
from app.models import Membership, Municipality, StaffUser
from tests.databases import fresh_database


@pytest.fixture
def cli_database(tmp_root: Path, monkeypatch: pytest.MonkeyPatch) -> object:
    with fresh_database(tmp_root, "cli") as url:
        monkeypatch.setenv("DATABASE_URL", url)
        get_settings.cache_clear()
        db.set_engine(None)
        yield url
        engine = db.get_engine()
        engine.dispose()
        db.set_engine(None)
        get_settings.cache_clear()


def test_migrate_demo_is_idempotent_and_prints_logins(cli_database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["migrate"]) == 0
    assert cli.main(["demo"]) == 0
    assert cli.main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "admin@strandvik.example" in out
    with Session(db.get_engine()) as session:
        assert session.exec(select(func.count()).select_from(Municipality)).one() == 1
        assert session.exec(select(func.count()).select_from(Membership)).one() == 5


def test_create_admin(cli_database: str, capsys: pytest.CaptureFixture[str]) -> None:
    cli.main(["migrate"])
    assert cli.main(["create-admin", "--email", "Chef@Kommun.example", "--password", "short"]) == 2
    assert "12 tecken" in capsys.readouterr().err
    assert cli.main(["create-admin", "--email", "Chef@Kommun.example", "--password", "a long enough pass"]) == 0
    with Session(db.get_engine()) as session:
        user = session.exec(select(StaffUser).where(StaffUser.email == "chef@kommun.example")).one()
        assert user.is_superadmin
        assert service.login(session, "chef@kommun.example", "a long enough pass").id == user.id
