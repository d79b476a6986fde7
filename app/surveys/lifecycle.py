"""What other domains hear from the survey domain: "a wave closed". Listeners are registered by app/wiring.py, so
the survey domain never imports the domains built on it."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from app.models.surveys import Survey

WaveClosed = Callable[[Session, Survey], None]
_listeners: dict[str, WaveClosed] = {}


def on_wave_closed(name: str, listener: WaveClosed) -> None:
    """Registers (or replaces, by name) a listener; they run in registration order, in the closing transaction."""
    _listeners[name] = listener


def wave_closed(session: Session, survey: Survey) -> None:
    for listener in _listeners.values():
        listener(session, survey)
