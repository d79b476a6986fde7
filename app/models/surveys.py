"""Tables of the surveys domain: surveys and their waves, questions, options, responses and answers.

Shape of the data (read this before aggregating it):

- A **survey** belongs to a municipality and covers chosen areas (`survey_area`). Waves of the same
  questionnaire share a `series_id`; `wave` counts 1, 2, 3… within a series. Copying a survey as its next wave
  keeps every question `code` and option `code`, so results are compared across waves by code, not by id.
- Survey title and intro per language live in `survey_translation`. Question texts and option labels are
  content written by staff and are stored per language as JSON maps `{"sv": "...", "en": "..."}`; Swedish is
  the fallback when a language is missing.
- A **question** sits on a page (`page`, 1-based) at a `position`; `type` says how it is answered (see
  `QuestionType`), `role` marks background questions (age, gender, sub-area…) so analysis finds them without
  knowing codes. `condition_question_code`/`condition_value_code` show a question only when an earlier
  question was answered with that option code.
- A question's **options** (`kind="option"`) are the answer choices; a problem battery's rows are its
  **items** (`kind="item"`) and its options are the shared scale columns. A place question's options are
  landmarks residents can pick without JavaScript.
- A **response** is one submitted questionnaire: the survey, its series and wave, the channel, the resident's
  sub-area (`area_id`, copied from the sub-area background answer) and the submission **date** only. No IP
  address, user agent, time of day, staff user or letter code is stored with it.
- An **answer** is one row per (response, question, item, value), made for GROUP BY:
  single choice/scale -> `value_code` (+ `value_number` for numeric scales);
  multiple -> one row per chosen `value_code`; battery -> one row per `item_code` with its `value_code`;
  ranking -> one row per ranked option (`value_code`, `value_number` = rank 1..3);
  free text -> `value_text`; place -> `lat`/`lon` and/or `value_code` (picked landmark or `area:<slug>`) and
  `time_of_day`. `survey_id` is repeated on the answer so the covering index
  (survey_id, question_id, item_code, value_code) answers "share per item and value" without a join.
- A **draft** holds answers between pages under the SHA-256 of a random cookie token; it never names a person
  and is marked submitted (answers wiped) on submission, so a token cannot submit twice.
- A **letter code** stores only the SHA-256 of a one-time code and whether it is used. Nothing links a
  response to the code that opened it.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, String, Text, UniqueConstraint

from app.models.base import Field, SQLModel, created_at_field


class SurveyStatus(StrEnum):
    draft = "draft"
    open = "open"
    closed = "closed"
    archived = "archived"


class SurveyMode(StrEnum):
    open_link = "open_link"
    letter_codes = "letter_codes"
    assisted = "assisted"


class Channel(StrEnum):
    web = "web"
    qr = "qr"
    code = "code"
    assisted = "assisted"
    paper = "paper"


class QuestionType(StrEnum):
    single = "single"  # one option
    multiple = "multiple"  # min_choices..max_choices options (settings)
    scale = "scale"  # labelled 4/5-point (options "1".."5") or numeric 0-10 (settings scale_min/scale_max)
    matrix = "matrix"  # problem battery: items x scale options
    ranking = "ranking"  # pick and order the top `rank_count` options (settings, default 3)
    text = "text"  # free text, at most 2,000 characters
    place = "place"  # a map point and/or a sub-area/landmark from a list, plus an optional time of day
    subarea = "subarea"  # one of the survey's sub-areas (its options are generated from survey_area)


class BackgroundRole(StrEnum):
    age = "age"
    gender = "gender"
    subarea = "subarea"
    years = "years"
    relation = "relation"


class OptionKind(StrEnum):
    option = "option"
    item = "item"


class Survey(SQLModel, table=True):
    __tablename__ = "survey"
    __table_args__ = (Index("ix_survey_series_wave", "series_id", "wave"),)
    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True, ondelete="CASCADE")
    series_id: str = Field(max_length=32)  # shared by every wave of one questionnaire
    wave: int = Field(default=1, ge=1)
    slug: str = Field(max_length=40, unique=True, index=True)  # the public link /s/<slug>
    status: SurveyStatus = Field(default=SurveyStatus.draft, sa_type=String(20))
    opens_on: date | None = None
    closes_on: date | None = None
    modes: list[str] = Field(default_factory=lambda: [SurveyMode.open_link.value],
                             sa_column=Column(JSON, nullable=False))
    languages: list[str] = Field(default_factory=lambda: ["sv"], sa_column=Column(JSON, nullable=False))
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class SurveyArea(SQLModel, table=True):
    """The areas a survey covers (its sub-area list and its place check)."""

    __tablename__ = "survey_area"
    survey_id: int = Field(foreign_key="survey.id", primary_key=True, ondelete="CASCADE")
    area_id: int = Field(foreign_key="area.id", primary_key=True, ondelete="CASCADE")


class SurveyTranslation(SQLModel, table=True):
    __tablename__ = "survey_translation"
    __table_args__ = (UniqueConstraint("survey_id", "language"),)
    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", index=True, ondelete="CASCADE")
    language: str = Field(max_length=12)
    title: str = Field(default="", max_length=200)
    intro: str = Field(default="", sa_column=Column(Text, nullable=False))


class Question(SQLModel, table=True):
    __tablename__ = "survey_question"
    __table_args__ = (UniqueConstraint("survey_id", "code"),
                      Index("ix_survey_question_order", "survey_id", "page", "position"))
    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", ondelete="CASCADE")
    code: str = Field(max_length=40)  # stable across waves
    page: int = Field(default=1, ge=1)
    position: int = 0
    type: QuestionType = Field(sa_type=String(20))
    role: BackgroundRole | None = Field(default=None, sa_type=String(20))
    required: bool = False
    text: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    help: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # min_choices, max_choices (multiple); scale_min, scale_max, low/high labels (numeric scale);
    # rank_count (ranking); with_time (place)
    settings: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    condition_question_code: str | None = Field(default=None, max_length=40)
    condition_value_code: str | None = Field(default=None, max_length=40)


class QuestionOption(SQLModel, table=True):
    __tablename__ = "survey_option"
    __table_args__ = (UniqueConstraint("question_id", "kind", "code"),
                      Index("ix_survey_option_order", "question_id", "kind", "position"))
    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="survey_question.id", ondelete="CASCADE")
    kind: OptionKind = Field(default=OptionKind.option, sa_type=String(10))
    code: str = Field(max_length=40)  # stable across waves
    position: int = 0
    label: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Response(SQLModel, table=True):
    """One submitted questionnaire. Deliberately no IP, user agent, time, staff user or code."""

    __tablename__ = "survey_response"
    __table_args__ = (Index("ix_survey_response_survey_area", "survey_id", "area_id"),
                      Index("ix_survey_response_series_wave", "series_id", "wave"))
    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", ondelete="CASCADE")
    series_id: str = Field(max_length=32)
    wave: int
    channel: Channel = Field(sa_type=String(12))
    area_id: int | None = Field(default=None, foreign_key="area.id", ondelete="SET NULL")
    language: str = Field(default="sv", max_length=12)
    submitted_on: date


class Answer(SQLModel, table=True):
    __tablename__ = "survey_answer"
    __table_args__ = (
        Index("ix_survey_answer_aggregate", "survey_id", "question_id", "item_code", "value_code"),
        Index("ix_survey_answer_response", "response_id", "question_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    response_id: int = Field(foreign_key="survey_response.id", ondelete="CASCADE")
    survey_id: int = Field(foreign_key="survey.id", ondelete="CASCADE")
    question_id: int = Field(foreign_key="survey_question.id", ondelete="CASCADE")
    item_code: str = Field(default="", max_length=40)  # battery item; "" otherwise
    value_code: str | None = Field(default=None, max_length=80)
    value_number: int | None = None
    value_text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    lat: float | None = None
    lon: float | None = None
    time_of_day: str | None = Field(default=None, max_length=20)


class SurveyDraft(SQLModel, table=True):
    """Answers between pages, keyed by the SHA-256 of a random cookie token. Purged after `expires_at`."""

    __tablename__ = "survey_draft"
    token_hash: str = Field(primary_key=True, max_length=64)
    survey_id: int = Field(foreign_key="survey.id", index=True, ondelete="CASCADE")
    language: str = Field(default="sv", max_length=12)
    channel: Channel = Field(default=Channel.web, sa_type=String(12))
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Held only until submission, when the code is marked used and this field is wiped with the answers.
    code_hash: str | None = Field(default=None, max_length=64)
    submitted: bool = False
    expires_at: datetime = Field(index=True)


class LetterCode(SQLModel, table=True):
    """A one-time code printed on a letter. Only its SHA-256 is stored; no response refers to it."""

    __tablename__ = "survey_letter_code"
    __table_args__ = (UniqueConstraint("survey_id", "code_hash"),)
    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", ondelete="CASCADE")
    code_hash: str = Field(max_length=64)
    used: bool = False


class CodeFailures(SQLModel, table=True):
    """Failed letter-code attempts by residents, per survey: a count staff can see. No code, client or time."""

    __tablename__ = "survey_code_failure"
    survey_id: int = Field(foreign_key="survey.id", primary_key=True, ondelete="CASCADE")
    failures: int = 0


class ImportStatus(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


class SurveyImportJob(SQLModel, table=True):
    """A large paper import running in the background: how far the check has come, then its report.

    `report` is {"outcome": "imported", "rows": n} or {"outcome": "rejected", "rows": n, "problems": [[row,
    column, message], ...], "total_problems": k} or {"outcome": "error", "message": "..."}. It never holds the
    answers themselves; the uploaded file is kept in memory by the job only.
    """

    __tablename__ = "survey_import_job"
    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", index=True, ondelete="CASCADE")
    municipality_id: int = Field(foreign_key="municipality.id", ondelete="CASCADE")
    created_by: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")
    status: ImportStatus = Field(default=ImportStatus.queued, sa_type=String(12))
    total_rows: int = 0
    checked_rows: int = 0
    report: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()  # the last sign of progress: a job silent for long has died
    finished_at: datetime | None = None
