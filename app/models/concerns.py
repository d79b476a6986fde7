"""Tables of the concerns domain: crime statistics, the free-text theme lexicon and re-tags, chosen priorities.

`concern_priority` is the selection the pledges domain reads: 2-4 concerns of one survey wave, each with its
numbers snapshotted (item, area, wave, share, n, interval) at the time they were chosen. `concern_published_set`
holds each wave's published figures after disclosure control (see app/concerns/published.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, String, UniqueConstraint

from app.models.base import Field, SQLModel, created_at_field
from app.models.surveys import Answer

# Aggregation by area: the answer's response (for its area) next to the covering columns, so the
# per-area GROUP BY reads only this index. Declared here, on the surveys table, so the surveys model is untouched.
_answer = Answer.__table__  # type: ignore[attr-defined]
Index("ix_survey_answer_concerns_area", _answer.c.survey_id, _answer.c.question_id, _answer.c.response_id,
      _answer.c.item_code, _answer.c.value_code)


class CrimeStatistic(SQLModel, table=True):
    """Reported crimes per area, category and period, uploaded by staff (shape of Brå/Polisen tables)."""

    __tablename__ = "crime_statistic"
    __table_args__ = (UniqueConstraint("municipality_id", "area_id", "category", "period"),)
    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True, ondelete="CASCADE")
    area_id: int = Field(foreign_key="area.id", ondelete="CASCADE")
    category: str = Field(max_length=120)
    period: str = Field(max_length=20)  # "2025", "2025-Q3" or "2025-07"
    count: int = Field(ge=0)
    uploaded_by: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")
    uploaded_at: datetime = created_at_field()


class ThemeTerm(SQLModel, table=True):
    """A staff-edited lexicon entry: a word stem that puts an answer into a theme (a problem item or a place)."""

    __tablename__ = "concern_theme_term"
    __table_args__ = (UniqueConstraint("municipality_id", "stem"),)
    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True, ondelete="CASCADE")
    stem: str = Field(max_length=60)
    theme: str = Field(max_length=60)  # "item:<code>" or "place:<code>"
    created_at: datetime = created_at_field()


class AnswerTheme(SQLModel, table=True):
    """A staff re-tag of one free-text answer; it replaces the lexicon's themes for that answer."""

    __tablename__ = "concern_answer_theme"
    __table_args__ = (UniqueConstraint("answer_id", "theme"),
                      Index("ix_concern_answer_theme_survey", "survey_id", "theme"))
    id: int | None = Field(default=None, primary_key=True)
    answer_id: int = Field(foreign_key="survey_answer.id", ondelete="CASCADE")
    survey_id: int = Field(foreign_key="survey.id", ondelete="CASCADE")
    theme: str = Field(max_length=60)  # "" marks "no theme" so an answer can be un-tagged
    tagged_by: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")
    tagged_at: datetime = created_at_field()


class ConcernPriority(SQLModel, table=True):
    """A concern chosen as a priority for a pledge, with its numbers as they were when chosen."""

    __tablename__ = "concern_priority"
    __table_args__ = (UniqueConstraint("survey_id", "area_id", "item_code"),)
    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True, ondelete="CASCADE")
    survey_id: int = Field(foreign_key="survey.id", ondelete="CASCADE")
    series_id: str = Field(max_length=32)
    wave: int
    area_id: int | None = Field(default=None, foreign_key="area.id", ondelete="SET NULL")  # None: whole wave
    item_code: str = Field(max_length=40)
    item_label: str = Field(default="", max_length=200)
    position: int = 1
    share: float | None = None  # None when the figure was suppressed
    n: int = 0
    low: float | None = None
    high: float | None = None
    status: str = Field(default="chosen", sa_type=String(20))
    chosen_by: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")
    chosen_at: datetime = created_at_field()


class PublishedSet(SQLModel, table=True):
    """A wave's published figures after disclosure control: one JSON snapshot per wave and audience.

    "public" is built when a wave closes (and rebuilt when its responses change); "staff" is the daily snapshot
    of an open wave. Pages, exports, the API and pledges read figures from here, never from the answers.
    """

    __tablename__ = "concern_published_set"
    __table_args__ = (UniqueConstraint("survey_id", "audience"),)
    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", ondelete="CASCADE")
    audience: str = Field(max_length=12)  # "public" (closed wave) or "staff" (open wave, daily snapshot)
    built_at: datetime = created_at_field()
    responses: int = Field(ge=0)  # how many responses the set is based on (staleness check)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
