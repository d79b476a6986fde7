"""The surveys demo data: two waves of the standard survey, rich enough for the concerns dashboard, and
deterministic and idempotent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from app import demo
from app.db import make_engine, migrate
from app.models.surveys import Answer, Response, Survey, SurveyStatus
from tests.databases import fresh_database


def snapshot(session: Session) -> dict[str, Any]:
    surveys = session.exec(select(Survey).order_by(col(Survey.wave))).all()
    return {
        "surveys": [(s.slug, s.wave, s.status, s.series_id) for s in surveys],
        "channels": sorted(session.exec(select(Response.channel).distinct()).all()),
        "responses": session.exec(select(func.count()).select_from(Response)).one(),
        "answers": session.exec(select(func.count()).select_from(Answer)).one(),
        "areas": session.exec(select(func.count(func.distinct(Response.area_id)))).one(),
        "texts": session.exec(select(func.count()).select_from(Answer)
                              .where(col(Answer.value_text).is_not(None))).one(),
        "places": session.exec(select(func.count()).select_from(Answer).where(col(Answer.lat).is_not(None))).one(),
        "first": session.exec(select(Answer.value_code).order_by(col(Answer.id)).limit(20)).all(),
    }


def test_demo_has_two_waves_every_channel_and_is_deterministic_and_idempotent(tmp_root: Path) -> None:
    results = []
    for run in ("a", "b"):
        with fresh_database(tmp_root, f"demo_{run}") as url:
            migrate(url)
            engine = make_engine(url, pool_size=2)
            try:
                with Session(engine) as session:
                    demo.load(session)
                    first = snapshot(session)
                    demo.load(session)  # a second load adds nothing
                    assert snapshot(session) == first
                    results.append(first)
            finally:
                engine.dispose()
    assert results[0] == results[1]
    data = results[0]
    assert [(slug, wave, status) for slug, wave, status, _series in data["surveys"]] == [
        ("trygghet-2025", 1, SurveyStatus.closed), ("trygghet-2026", 2, SurveyStatus.open)]
    assert len({series for *_rest, series in data["surveys"]}) == 1
    assert data["channels"] == ["assisted", "code", "paper", "qr", "web"]
    assert data["responses"] >= 300 and data["areas"] == 5
    assert data["texts"] > 20 and data["places"] > 50
