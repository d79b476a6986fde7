"""The `purge` and `send-reminders` commands run against the configured database."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from app import cli, clock
from app.db import make_engine, migrate, set_engine
from app.models.dialogues import DialogueEvent, DialogueSignup
from tests import factories
from tests.databases import fresh_database
from tests.dialogues import factories as dialogue_factories


def test_purge_and_send_reminders_commands(tmp_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with fresh_database(tmp_root, "dialogue_cli") as url:
        migrate(url)
        engine = make_engine(url, pool_size=2)
        set_engine(engine)
        try:
            with Session(engine, expire_on_commit=False) as session:
                municipality = factories.municipality(session)
                old = dialogue_factories.event(session, municipality, days=-40)
                dialogue_factories.signup(session, old, name="Gammal Anmälan")
                session.commit()
            assert cli.main(["purge"]) == 0
            assert "Purged the sign-ups of 1 event(s) (1 sign-up(s))" in capsys.readouterr().out
            assert cli.main(["send-reminders"]) == 0
            out = capsys.readouterr().out
            assert "Queued 0 event reminder(s)." in out and "Queued 0 pledge follow-up reminder(s)." in out
            cli._purge_at_start()  # the start-up hook: nothing left to do, and it does not raise
            assert "Purged the sign-ups of 0 event(s)" in capsys.readouterr().out
            with Session(engine) as session:
                assert session.exec(select(DialogueSignup)).all() == []
                kept = session.get(DialogueEvent, old.id)
                assert kept is not None and kept.final_counts is not None
                assert kept.final_counts["confirmed"] == 1
                assert kept.purged_at is not None and kept.purged_at <= clock.now() + timedelta(seconds=1)
        finally:
            set_engine(None)
            engine.dispose()
