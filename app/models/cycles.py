"""Tables of the cycles domain: the five-step cycle of the joint work (Brå, Polisen and SKR), its steps and their
"done when" checklists, the collaboration agreement (*samverkansöverenskommelse*), and the documents the law
(2023:196) requires: the *lägesbild* and the *åtgärdsplan*.

A checklist item either ticks itself from evidence the product already holds (`evidence`, a key of
app/cycles/evidence.py) or is ticked by staff (`evidence` empty). A document's figures are read live while it is
a draft and frozen into `snapshot` when it is adopted, so an adopted document never changes with new answers.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, String, Text, UniqueConstraint

from app.models.base import Field, SQLModel, created_at_field


class StepStatus(StrEnum):
    not_started = "not_started"
    in_progress = "in_progress"
    done = "done"


class DocumentKind(StrEnum):
    situation = "lagesbild"  # lägesbild
    action_plan = "atgardsplan"  # åtgärdsplan


class DocumentStatus(StrEnum):
    draft = "draft"
    adopted = "adopted"


class Cycle(SQLModel, table=True):
    """One round of the joint work, e.g. 2026–2027."""

    __tablename__ = "cycle"
    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=200)
    starts_on: date
    ends_on: date
    public: bool = False  # the "Så arbetar vi" page shows it
    created_at: datetime = created_at_field()


class CycleStep(SQLModel, table=True):
    __tablename__ = "cycle_step"
    __table_args__ = (UniqueConstraint("cycle_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True, ondelete="CASCADE")
    number: int = Field(ge=1, le=5)
    owner_party_id: int | None = Field(default=None, foreign_key="party.id", ondelete="SET NULL")
    due_on: date | None = None
    status: StepStatus = Field(default=StepStatus.not_started, sa_type=String(20))
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    reminded_on: date | None = None  # the last reminder about this step being late


class CycleCheck(SQLModel, table=True):
    """A "done when" item of a step."""

    __tablename__ = "cycle_check"
    id: int | None = Field(default=None, primary_key=True)
    step_id: int = Field(foreign_key="cycle_step.id", index=True, ondelete="CASCADE")
    position: int = 0
    text: str = Field(max_length=300)
    evidence: str = Field(default="", max_length=40)  # "" = ticked by staff
    done_on: date | None = None  # staff's tick (evidence items tick themselves)


class Agreement(SQLModel, table=True):
    """The collaboration agreement between the police, the municipality and partners."""

    __tablename__ = "agreement"
    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True, ondelete="CASCADE")
    cycle_id: int | None = Field(default=None, foreign_key="cycle.id", ondelete="SET NULL")
    title: str = Field(max_length=200)
    starts_on: date
    ends_on: date
    focus: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # [{"name", "role", "party", "signed_on"}]: who signed, for which party, when
    signatories: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    party_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    pledge_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    document_name: str = Field(default="", max_length=200)  # the signed PDF, cleaned, under uploads/agreements
    document_file: str = Field(default="", max_length=100)
    created_at: datetime = created_at_field()


class SituationDocument(SQLModel, table=True):
    """A lägesbild or an åtgärdsplan: one row per version; a new version starts as a copy of the last."""

    __tablename__ = "situation_document"
    __table_args__ = (UniqueConstraint("municipality_id", "kind", "series", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True, ondelete="CASCADE")
    cycle_id: int | None = Field(default=None, foreign_key="cycle.id", ondelete="SET NULL")
    kind: DocumentKind = Field(sa_type=String(20))
    series: str = Field(max_length=32)  # shared by every version of one document
    version: int = 1
    title: str = Field(max_length=200)
    status: DocumentStatus = Field(default=DocumentStatus.draft, sa_type=String(20))
    survey_id: int | None = Field(default=None, foreign_key="survey.id", ondelete="SET NULL")  # the wave it reads
    # Staff's own text per section key, and the åtgärdsplan's other measures [{"measure", "party", "when", "indicator"}]
    sections: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    snapshot: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))  # frozen at adoption
    adopted_on: date | None = None
    decision_body: str = Field(default="", max_length=200)
    public: bool = False
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()
