"""Safety-walk observations and their photos: what staff record on a walk, and the public walk report's reads."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from app import audit, uploads
from app.audit import Action
from app.auth import Scope
from app.db import writing
from app.dialogues.service import audit_snapshot
from app.errors import NotFound, ValidationFailed
from app.i18n import gettext as _
from app.models import Party
from app.models.dialogues import (
    DialogueEvent,
    ObservationCategory,
    ObservationStatus,
    WalkObservation,
    WalkPhoto,
)

MAX_PHOTO_BYTES = 8 * 1024 * 1024


def category_labels() -> dict[str, str]:
    return {ObservationCategory.lighting.value: _("Belysning"), ObservationCategory.vegetation.value: _("Växtlighet"),
            ObservationCategory.tunnel.value: _("Tunnel eller gångtunnel"),
            ObservationCategory.litter.value: _("Nedskräpning"), ObservationCategory.vandalism.value: _("Skadegörelse"),
            ObservationCategory.traffic.value: _("Trafik"), ObservationCategory.other.value: _("Annat")}


def observation_status_labels() -> dict[str, str]:
    return {ObservationStatus.open.value: _("Öppen"), ObservationStatus.planned.value: _("Planerad"),
            ObservationStatus.done.value: _("Åtgärdad"), ObservationStatus.rejected.value: _("Avslagen")}


def observations(session: Session, event_id: int) -> list[WalkObservation]:
    return list(session.exec(select(WalkObservation).where(WalkObservation.event_id == event_id)
                             .order_by(col(WalkObservation.id))).all())


def photo_ids(session: Session, observation_ids: list[int]) -> dict[int, list[int]]:
    if not observation_ids:
        return {}
    found: dict[int, list[int]] = {i: [] for i in observation_ids}
    for photo_id, observation_id in session.exec(select(WalkPhoto.id, WalkPhoto.observation_id).where(
            col(WalkPhoto.observation_id).in_(observation_ids)).order_by(col(WalkPhoto.id))).all():
        if photo_id is not None:
            found[observation_id].append(photo_id)
    return found



def parties(session: Session, municipality_id: int) -> list[Party]:
    return list(session.exec(select(Party).where(Party.municipality_id == municipality_id)
                             .order_by(Party.name)).all())


def save_observation(session: Session, scope: Scope, event: DialogueEvent, observation: WalkObservation | None,
                     fields: dict[str, Any]) -> WalkObservation:
    """Record a new observation on the walk `event` (observation None) or change one."""
    with writing(session):
        if observation is None:
            found = WalkObservation(event_id=event.id or 0, municipality_id=scope.municipality_id, **fields)
            before = None
        else:
            found = observation
            before = audit_snapshot(found)
            for name, value in fields.items():
                setattr(found, name, value)
        session.add(found)
        session.flush()
        action = Action.WALK_OBSERVATION_CREATE if before is None else Action.WALK_OBSERVATION_UPDATE
        audit.record(session, scope.user, action, "walk_observation", found.id,
                     municipality_id=scope.municipality_id, before=before, after=audit_snapshot(found))
    return found


def photo_dir() -> Path:
    return uploads.upload_dir("walk-photos")


def add_photo(session: Session, scope: Scope, observation: WalkObservation, data: bytes) -> WalkPhoto:
    if len(data) > MAX_PHOTO_BYTES:
        raise ValidationFailed({"photo": _("Bilden är för stor. Den får vara högst 8 MB.")})
    content, content_type, suffix = uploads.clean_image(data, "photo")
    folder = photo_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{uuid.uuid4().hex}{suffix}"
    (folder / name).write_bytes(content)
    with writing(session):
        photo = WalkPhoto(observation_id=observation.id or 0, filename=name, content_type=content_type)
        session.add(photo)
        session.flush()
        audit.record(session, scope.user, Action.WALK_OBSERVATION_ADD_PHOTO, "walk_observation", observation.id,
                     municipality_id=scope.municipality_id, after={"photo_id": photo.id})
    return photo


def staff_photo(session: Session, scope: Scope, photo_id: int) -> tuple[Path, str]:
    row = session.exec(select(WalkPhoto, WalkObservation).join(
        WalkObservation, col(WalkObservation.id) == WalkPhoto.observation_id).where(
        WalkPhoto.id == photo_id, WalkObservation.municipality_id == scope.municipality_id)).first()
    if row is None:
        raise NotFound
    path = photo_dir() / row[0].filename
    if not path.is_file():
        raise NotFound
    return path, row[0].content_type
