"""Staff users, their roles per municipality, invitations, password links, two-factor sign-in, login attempts,
and the audit log."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, String, UniqueConstraint

from app.models.base import Field, SQLModel, created_at_field


class Role(StrEnum):
    admin = "admin"
    coordinator = "coordinator"
    police = "police"
    partner = "partner"
    viewer = "viewer"


class StaffUser(SQLModel, table=True):
    __tablename__ = "staff_user"
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    name: str = Field(max_length=200)
    password_hash: str | None = Field(default=None, max_length=255)
    is_active: bool = True
    is_superadmin: bool = False
    # Bumped on logout-everywhere, password change and disable: old session cookies stop working.
    session_version: int = 1
    created_at: datetime = created_at_field()
    last_login_at: datetime | None = None
    # TOTP two-factor sign-in: the confirmed secret, one being enrolled (kept here, never in the cookie), and the
    # last time step used, so a code cannot be used twice.
    totp_secret: str | None = Field(default=None, max_length=64)
    totp_pending_secret: str | None = Field(default=None, max_length=64)
    totp_last_step: int | None = None


class Membership(SQLModel, table=True):
    """A staff user's role in one municipality."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("user_id", "municipality_id"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="staff_user.id", index=True, ondelete="CASCADE")
    municipality_id: int = Field(foreign_key="municipality.id", index=True, ondelete="CASCADE")
    role: Role = Field(sa_type=String(20))
    party_id: int | None = Field(default=None, foreign_key="party.id", ondelete="SET NULL")


class Invitation(SQLModel, table=True):
    """A pending invitation into a municipality: nothing is attached until the account's owner accepts it."""

    __tablename__ = "invitation"
    __table_args__ = (UniqueConstraint("user_id", "municipality_id"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="staff_user.id", index=True, ondelete="CASCADE")
    municipality_id: int = Field(foreign_key="municipality.id", index=True, ondelete="CASCADE")
    role: Role = Field(sa_type=String(20))
    invited_by: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")
    created_at: datetime = created_at_field()


class PasswordToken(SQLModel, table=True):
    """A single-use password link: only the SHA-256 of its random token is stored; a newer one supersedes it."""

    __tablename__ = "password_token"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="staff_user.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = created_at_field()
    expires_at: datetime


class RecoveryCode(SQLModel, table=True):
    """A one-time recovery code for two-factor sign-in, stored as a SHA-256 hash; used_at marks it spent."""

    __tablename__ = "recovery_code"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="staff_user.id", index=True, ondelete="CASCADE")
    code_hash: str = Field(max_length=64)
    used_at: datetime | None = None


class LoginAttempt(SQLModel, table=True):
    """Failed logins per account name, for throttling that holds across app instances."""

    __tablename__ = "login_attempt"
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, index=True)
    attempted_at: datetime = created_at_field()


class AuditLog(SQLModel, table=True):
    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = created_at_field()
    actor_id: int | None = Field(default=None, foreign_key="staff_user.id", ondelete="SET NULL")
    municipality_id: int | None = Field(default=None, foreign_key="municipality.id", ondelete="SET NULL",
                                        index=True)
    action: str = Field(max_length=80)
    entity: str = Field(max_length=80)
    entity_id: int | None = None
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
