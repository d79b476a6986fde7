"""Factories for the dialogues domain."""

from __future__ import annotations

import io
import itertools
import secrets
from datetime import timedelta
from typing import Any

from PIL import Image
from sqlmodel import Session

from app import clock, uploads
from app.dialogues import walks
from app.models import Municipality
from app.models.dialogues import (
    DialogueEvent,
    DialogueSignup,
    EventKind,
    ObservationCategory,
    SignupStatus,
    WalkObservation,
    WalkPhoto,
)

_counter = itertools.count(1)


def event(session: Session, municipality: Municipality, *, capacity: int = 20, days: int = 7,
          kind: EventKind = EventKind.meeting, **fields: Any) -> DialogueEvent:
    start = clock.now() + timedelta(days=days)
    values: dict[str, Any] = {"municipality_id": municipality.id or 0, "kind": kind,
                              "title": {"sv": f"Dialogmöte {next(_counter)}", "en": "Dialogue meeting"},
                              "description": {"sv": "Kom och prata."}, "place": "Stadshuset",
                              "starts_at": start, "ends_at": start + timedelta(hours=2), "capacity": capacity}
    values.update(fields)
    found = DialogueEvent(**values)
    session.add(found)
    session.flush()
    return found


def signup(session: Session, event: DialogueEvent, *, name: str | None = None, email: str | None = None,
           phone: str = "", people: int = 1, status: SignupStatus = SignupStatus.confirmed,
           language: str = "sv") -> DialogueSignup:
    n = next(_counter)
    mail = f"person{n}@resident.example" if email is None else email
    found = DialogueSignup(event_id=event.id or 0, token=secrets.token_urlsafe(24), name=name or f"Invånare {n}",
                           email=mail, phone=phone, contact_key=f"e:{mail}" if mail else f"p:{phone}",
                           people=people, status=status, language=language)
    session.add(found)
    session.flush()
    return found


def observation(session: Session, event: DialogueEvent, **fields: Any) -> WalkObservation:
    values: dict[str, Any] = {"event_id": event.id or 0, "municipality_id": event.municipality_id,
                              "landmark": "Gångtunneln", "category": ObservationCategory.tunnel,
                              "problem": "Mörkt", "measure": "Byt lampor"}
    values.update(fields)
    found = WalkObservation(**values)
    session.add(found)
    session.flush()
    return found


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (40, 30), exif: bool = False) -> bytes:
    image = Image.new("RGB", size, (200, 120, 40))
    buffer = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010F] = "SecretCamera"  # Make
        data[0x8825] = {1: "N", 2: (59.0, 22.0, 10.0), 3: "E", 4: (16.0, 32.0, 5.0)}  # GPS IFD
        image.save(buffer, fmt, exif=data.tobytes())
    else:
        image.save(buffer, fmt)
    return buffer.getvalue()


def photo(session: Session, observation: WalkObservation) -> WalkPhoto:
    content, content_type, extension = uploads.clean_image(image_bytes(), "photo")
    folder = walks.photo_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"test-{next(_counter)}-{secrets.token_hex(4)}{extension}"
    (folder / name).write_bytes(content)
    found = WalkPhoto(observation_id=observation.id or 0, filename=name, content_type=content_type)
    session.add(found)
    session.flush()
    return found
