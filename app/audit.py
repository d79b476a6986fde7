"""The audit log: who changed what, when, with before/after snapshots. Written in the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, SQLModel

from app.models import AuditLog, StaffUser

_SECRET_FIELDS = frozenset({"password_hash"})


def snapshot(obj: SQLModel | None) -> dict[str, Any] | None:
    if obj is None:
        return None
    data = obj.model_dump(mode="json", warnings=False)  # enum columns read back from the database as plain str
    return {key: value for key, value in data.items() if key not in _SECRET_FIELDS}


def record(session: Session, actor: StaffUser | None, action: str, entity: str, entity_id: int | None,
           *, municipality_id: int | None = None, before: dict[str, Any] | None = None,
           after: dict[str, Any] | None = None) -> None:
    session.add(AuditLog(actor_id=actor.id if actor else None, municipality_id=municipality_id,
                         action=action, entity=entity, entity_id=entity_id, before=before, after=after))
