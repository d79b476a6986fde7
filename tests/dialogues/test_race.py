"""Must show: 200 concurrent sign-ups for 20 seats confirm exactly 20 and waitlist the rest, on a real, committed
database (SQLite file, or PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select

from app.db import make_engine, migrate
from app.dialogues import service
from app.dialogues.forms import SignupInput
from app.models.dialogues import DialogueSignup, SignupStatus
from tests import factories
from tests.databases import fresh_database
from tests.dialogues import factories as dialogue_factories

SIGNUPS = 200
SEATS = 20
WORKERS = 25


def test_200_concurrent_signups_for_20_seats(tmp_root: Path) -> None:
    with fresh_database(tmp_root, "dialogue_race") as url:
        migrate(url)
        engine = make_engine(url, pool_size=WORKERS)
        try:
            with Session(engine, expire_on_commit=False) as session:
                municipality = factories.municipality(session)
                event = dialogue_factories.event(session, municipality, capacity=SEATS)
                session.commit()
                event_id = event.id or 0
            start = threading.Barrier(WORKERS)

            def one(i: int) -> str:
                if i < WORKERS:
                    start.wait(timeout=30)  # the first wave starts at the same instant
                data = SignupInput(name=f"Person {i}", email=f"person{i}@race.example", phone="", people=1,
                                   interpretation_language="", needs="", language="sv")
                with Session(engine, expire_on_commit=False) as session:
                    return service.sign_up(session, municipality, event_id, data, accept_waitlist=True).kind

            with ThreadPoolExecutor(max_workers=WORKERS) as pool:
                outcomes = list(pool.map(one, range(SIGNUPS)))

            assert outcomes.count("confirmed") == SEATS
            assert outcomes.count("waitlisted") == SIGNUPS - SEATS
            with Session(engine) as session:
                stored = dict(session.exec(select(DialogueSignup.status, func.count())
                                           .where(DialogueSignup.event_id == event_id)
                                           .group_by(DialogueSignup.status)).all())
                seats = session.exec(select(func.sum(DialogueSignup.people)).where(
                    DialogueSignup.event_id == event_id, DialogueSignup.status == SignupStatus.confirmed)).one()
            assert stored == {SignupStatus.confirmed: SEATS, SignupStatus.waitlisted: SIGNUPS - SEATS}
            assert seats == SEATS
        finally:
            engine.dispose()
