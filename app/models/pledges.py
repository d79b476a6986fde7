"""Tables of the pledges domain: pledges (medborgarlöften), signatories and the accounts' signatures, focus areas,
activities, follow-up updates with attachments, indicators, published versions, the municipality's pledge settings,
and update subscribers (personal data, kept apart).

Public texts written by staff (title, intro, problem, cause, activity text, target text) are stored per
language as JSON maps `{"sv": "...", "en": "..."}`; Swedish is the signed original and the fallback.
A focus area keeps its own snapshot of the resident figures that motivated it (`figures`), so a pledge never
changes when survey data changes.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, String, Text, UniqueConstraint

from app.models.base import Field, SQLModel, created_at_field


class PledgeStatus(StrEnum):
    draft = "draft"
    in_review = "in_review"
    published = "published"  # signed and published
    closed = "closed"


class UpdateState(StrEnum):
    published = "published"
    pending = "pending"  # waits for a coordinator's approval (the municipality's setting)
    rejected = "rejected"  # never public
    withdrawn = "withdrawn"  # was public; the page keeps a short "återkallad" line


class ActivityStatus(StrEnum):
    planned = "planned"
    in_progress = "in_progress"
    done = "done"
    cancelled = "cancelled"


class Pledge(SQLModel, table=True):
    __tablename__ = "pledge"
    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True, ondelete="CASCADE")
    police_area_id: int | None = Field(default=None, foreign_key="police_area.id", ondelete="SET NULL")
    area_id: int | None = Field(default=None, foreign_key="area.id", ondelete="SET NULL")  # None: whole town
    title: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    intro: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    starts_on: date
    ends_on: date
    status: PledgeStatus = Field(default=PledgeStatus.draft, sa_type=String(20))
    version: int = 0  # the number of the latest published version; 0 until first published
    published_at: datetime | None = None
    closed_at: datetime | None = None
    # Four eyes: whoever submitted (or asked to reopen) may not sign; cleared when the round ends.
    submitted_by: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")
    reopen_requested_at: datetime | None = None  # a closed pledge waiting for both signatures to be reopened
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class PledgeSignature(SQLModel, table=True):
    """One party's approval of a version: the account that signed, for which side, when. Publishing (and reopening)
    needs one for the police and one for the municipality, by two different accounts, neither the submitter."""

    __tablename__ = "pledge_signature"
    __table_args__ = (UniqueConstraint("pledge_id", "round", "side"), UniqueConstraint("pledge_id", "round", "user_id"))
    id: int | None = Field(default=None, primary_key=True)
    pledge_id: int = Field(foreign_key="pledge.id", index=True, ondelete="CASCADE")
    round: int  # the version number this signature publishes
    side: str = Field(max_length=20)  # PartyKind.police or PartyKind.municipality
    party_id: int | None = Field(default=None, foreign_key="party.id", ondelete="SET NULL")
    user_id: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")
    signer_name: str = Field(default="", max_length=200)  # kept when the account is deleted
    signed_at: datetime = created_at_field()


class PledgeProposal(SQLModel, table=True):
    """A change to a published pledge waiting for the other side (four eyes): the validated form values of one
    versioned change, applied by the same service function only when an account of the other side approves."""

    __tablename__ = "pledge_proposal"
    id: int | None = Field(default=None, primary_key=True)
    pledge_id: int = Field(foreign_key="pledge.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=40)  # a key of service.CHANGES
    target_id: int | None = None  # the focus area or activity changed; None for the pledge itself or a new row
    values: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    proposed_by: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")
    side: str = Field(default="", max_length=20)  # the proposer's side; the other side decides
    state: str = Field(default="pending", max_length=20)  # pending, applied, rejected
    decided_by: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")
    created_at: datetime = created_at_field()


class PledgeSettings(SQLModel, table=True):
    """The municipality's pledge settings (a row only once one is changed; absent means the defaults)."""

    __tablename__ = "pledge_settings"
    municipality_id: int = Field(foreign_key="municipality.id", primary_key=True, ondelete="CASCADE")
    partner_updates_need_approval: bool = False


class PledgeSignatory(SQLModel, table=True):
    __tablename__ = "pledge_signatory"
    id: int | None = Field(default=None, primary_key=True)
    pledge_id: int = Field(foreign_key="pledge.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=200)
    role: str = Field(max_length=200)
    signed_on: date | None = None


class PledgeFocusArea(SQLModel, table=True):
    __tablename__ = "pledge_focus_area"
    id: int | None = Field(default=None, primary_key=True)
    pledge_id: int = Field(foreign_key="pledge.id", index=True, ondelete="CASCADE")
    position: int = 0
    title: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    problem: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    cause: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Snapshot of the linked concerns: [{"item", "label", "area", "wave", "share", "n", "low", "high"}].
    figures: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class PledgeActivity(SQLModel, table=True):
    __tablename__ = "pledge_activity"
    id: int | None = Field(default=None, primary_key=True)
    pledge_id: int = Field(foreign_key="pledge.id", index=True, ondelete="CASCADE")
    focus_area_id: int = Field(foreign_key="pledge_focus_area.id", index=True, ondelete="CASCADE")
    position: int = 0
    title: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    party_id: int | None = Field(default=None, foreign_key="party.id", ondelete="SET NULL")
    joint: bool = False  # police and municipality together ("tillsammans")
    target_number: int | None = Field(default=None, ge=0)
    target_unit: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    target_text: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    starts_on: date | None = None
    ends_on: date | None = None
    status: ActivityStatus = Field(default=ActivityStatus.planned, sa_type=String(20))
    cancel_reason: str = Field(default="", max_length=1000)
    achieved: int = 0  # the sum of the updates' achieved numbers, kept in step by the service
    last_update_on: date | None = None
    observation_id: int | None = Field(default=None, foreign_key="walk_observation.id", ondelete="SET NULL")


class PledgeUpdate(SQLModel, table=True):
    """A follow-up note on an activity; public once the pledge is published."""

    __tablename__ = "pledge_update"
    __table_args__ = (Index("ix_pledge_update_pledge_date", "pledge_id", "posted_on"),)
    id: int | None = Field(default=None, primary_key=True)
    pledge_id: int = Field(foreign_key="pledge.id", ondelete="CASCADE")
    activity_id: int = Field(foreign_key="pledge_activity.id", index=True, ondelete="CASCADE")
    posted_on: date
    text: str = Field(sa_column=Column(Text, nullable=False))
    achieved: int | None = Field(default=None, ge=0)
    author_id: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")
    party_id: int | None = Field(default=None, foreign_key="party.id", ondelete="SET NULL")  # posted for this party
    state: UpdateState = Field(default=UpdateState.published, sa_type=String(20))
    corrected_at: datetime | None = None
    withdrawn_at: datetime | None = None
    reviewed_by: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")
    created_at: datetime = created_at_field()


class PledgeAttachment(SQLModel, table=True):
    """A photo (re-encoded, metadata stripped) or PDF of an update; the file lives outside the web root."""

    __tablename__ = "pledge_attachment"
    id: int | None = Field(default=None, primary_key=True)
    update_id: int = Field(foreign_key="pledge_update.id", index=True, ondelete="CASCADE")
    filename: str = Field(max_length=80, unique=True)
    original_name: str = Field(default="", max_length=200)
    content_type: str = Field(max_length=40)
    size: int = 0


class PledgeIndicator(SQLModel, table=True):
    """A survey item in an area: baseline from a wave, a target, and the latest wave's figure."""

    __tablename__ = "pledge_indicator"
    __table_args__ = (Index("ix_pledge_indicator_series", "series_id"),)
    id: int | None = Field(default=None, primary_key=True)
    pledge_id: int = Field(foreign_key="pledge.id", index=True, ondelete="CASCADE")
    label: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    series_id: str = Field(max_length=32)
    question_code: str = Field(max_length=40)
    item_code: str = Field(default="", max_length=40)
    area_id: int | None = Field(default=None, foreign_key="area.id", ondelete="SET NULL")
    baseline_wave: int
    baseline_share: float
    baseline_n: int
    target_share: float
    latest_wave: int | None = None
    latest_share: float | None = None
    latest_n: int | None = None
    measured_on: date | None = None


class PledgeVersion(SQLModel, table=True):
    """A published version: the public texts as signed, and what changed since the previous version."""

    __tablename__ = "pledge_version"
    id: int | None = Field(default=None, primary_key=True)
    pledge_id: int = Field(foreign_key="pledge.id", index=True, ondelete="CASCADE")
    number: int
    snapshot: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    changes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    note: str = Field(default="", max_length=2000)
    actor_id: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")
    created_at: datetime = created_at_field()


class PledgeSubscriber(SQLModel, table=True):
    """Personal data: an e-mail address for update notices. Only this table holds it; deleted on unsubscribe."""

    __tablename__ = "pledge_subscriber"
    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True, ondelete="CASCADE")
    email: str = Field(max_length=254)
    token: str = Field(max_length=64, unique=True)
    language: str = Field(default="sv", max_length=12)
    confirmed: bool = False
    created_at: datetime = created_at_field()
