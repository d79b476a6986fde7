"""Tables of the dialogues domain: events, sign-ups (personal data, kept apart), walk observations, photos,
and the mail outbox.

Sign-ups are the only personal data here. They live in their own table and are deleted a set number of days
after the event (`app.dialogues.retention.purge`); the event keeps only counts (`final_counts`).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, String, Text, UniqueConstraint

from app.models.base import Field, SQLModel, created_at_field


class EventKind(StrEnum):
    meeting = "meeting"
    safety_walk = "safety_walk"
    street_stand = "street_stand"
    focus_group = "focus_group"
    online = "online"


class EventStatus(StrEnum):
    published = "published"
    cancelled = "cancelled"


class SignupStatus(StrEnum):
    confirmed = "confirmed"
    waitlisted = "waitlisted"
    cancelled = "cancelled"


class ObservationCategory(StrEnum):
    lighting = "lighting"
    vegetation = "vegetation"
    tunnel = "tunnel"
    litter = "litter"
    vandalism = "vandalism"
    traffic = "traffic"
    other = "other"


class ObservationStatus(StrEnum):
    open = "open"
    planned = "planned"
    done = "done"
    rejected = "rejected"


class DialogueEvent(SQLModel, table=True):
    """A dialogue meeting, safety walk, street stand, focus group or online meeting. No personal data."""

    __tablename__ = "dialogue_event"
    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True, ondelete="CASCADE")
    area_id: int | None = Field(default=None, foreign_key="area.id", ondelete="SET NULL")
    kind: EventKind = Field(sa_type=String(20))
    status: EventStatus = Field(default=EventStatus.published, sa_type=String(20))
    # Staff-written content per language code: {"sv": "...", "en": "..."}.
    title: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    description: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    place: str = Field(default="", max_length=300)
    latitude: float | None = None
    longitude: float | None = None
    starts_at: datetime = Field(index=True)
    ends_at: datetime
    capacity: int = Field(default=20, ge=1)
    # How many people one sign-up may bring: one anonymous sign-up must not take a whole focus group's seats.
    max_people_per_signup: int = Field(default=2, ge=1, sa_column_kwargs={"server_default": "2"})
    signup_deadline: datetime | None = None
    interpretation_languages: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    accessibility: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    related_url: str = Field(default="", max_length=500)
    reminder_sent_at: datetime | None = None
    purged_at: datetime | None = None
    # After the purge: counts only, e.g. {"confirmed": 18, "attended": 15, "no_show": 3, ...}.
    final_counts: dict[str, int] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime = created_at_field()


class DialogueSignup(SQLModel, table=True):
    """Personal data: one resident's sign-up. Deleted by the retention purge; never in public pages or the API."""

    __tablename__ = "dialogue_signup"
    __table_args__ = (UniqueConstraint("event_id", "contact_key"),)
    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="dialogue_event.id", index=True, ondelete="CASCADE")
    token: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    email: str = Field(default="", max_length=254)
    phone: str = Field(default="", max_length=40)
    contact_key: str = Field(max_length=254)
    people: int = Field(default=1, ge=1)
    interpretation_language: str = Field(default="", max_length=20)
    needs: str = Field(default="", max_length=1000)
    language: str = Field(default="sv", max_length=20)
    status: SignupStatus = Field(sa_type=String(20))
    attended: bool | None = None
    created_at: datetime = created_at_field()


class WalkObservation(SQLModel, table=True):
    """Something found on a safety walk: where, what is wrong, what should be done, by whom, and its status."""

    __tablename__ = "walk_observation"
    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="dialogue_event.id", index=True, ondelete="CASCADE")
    municipality_id: int = Field(foreign_key="municipality.id", index=True, ondelete="CASCADE")
    area_id: int | None = Field(default=None, foreign_key="area.id", ondelete="SET NULL")
    landmark: str = Field(default="", max_length=300)
    latitude: float | None = None
    longitude: float | None = None
    category: ObservationCategory = Field(sa_type=String(20))
    problem: str = Field(sa_column=Column(Text, nullable=False))
    measure: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    party_id: int | None = Field(default=None, foreign_key="party.id", ondelete="SET NULL")
    deadline: date | None = None
    status: ObservationStatus = Field(default=ObservationStatus.open, sa_type=String(20))
    rejection_reason: str = Field(default="", max_length=1000)
    created_at: datetime = created_at_field()


class WalkPhoto(SQLModel, table=True):
    """A re-encoded photo of an observation; the file lives outside the web root (see app.dialogues.walks.photo_dir)."""

    __tablename__ = "walk_photo"
    id: int | None = Field(default=None, primary_key=True)
    observation_id: int = Field(foreign_key="walk_observation.id", index=True, ondelete="CASCADE")
    filename: str = Field(max_length=80, unique=True)
    content_type: str = Field(max_length=40)
    created_at: datetime = created_at_field()


class MailOutbox(SQLModel, table=True):
    """E-mail waiting to be sent (or that failed and will be retried). A row is deleted once it is sent.

    `ref` ties a message to what it is about (e.g. "dialogue_event:12") so the retention purge can delete it.
    """

    __tablename__ = "mail_outbox"
    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(default="", max_length=80, index=True)
    recipient: str = Field(max_length=254)
    subject: str = Field(max_length=300)
    body: str = Field(sa_column=Column(Text, nullable=False))
    headers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    attempts: int = 0
    claimed_until: datetime | None = None
    last_error: str = Field(default="", max_length=200)
    created_at: datetime = created_at_field()
