"""Every table. Importing this package registers all models on the shared metadata."""

from app.models import cache as cache  # the public page cache's version counters
from app.models import concerns as concerns  # each domain's tables, registered on the metadata
from app.models import cycles as cycles
from app.models import dialogues as dialogues
from app.models import limits as limits  # shared rate-limit counters
from app.models import pledges as pledges
from app.models import surveys as surveys
from app.models.base import SQLModel, metadata
from app.models.places import Area, Municipality, Party, PartyKind, PoliceArea
from app.models.staff import (
    AuditLog,
    Invitation,
    LoginAttempt,
    Membership,
    PasswordToken,
    RecoveryCode,
    Role,
    StaffUser,
)

__all__ = [
    "Area",
    "AuditLog",
    "Invitation",
    "LoginAttempt",
    "Membership",
    "Municipality",
    "Party",
    "PartyKind",
    "PasswordToken",
    "PoliceArea",
    "RecoveryCode",
    "Role",
    "SQLModel",
    "StaffUser",
    "metadata",
]
