"""The periodic jobs (`purge`, `send-reminders`): each domain registers its part at start-up (app/wiring.py), the
CLI and the start-up purge run them. Each part returns one line for the operator's log."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from app import mail

Job = Callable[[Session], str]
COMMANDS = ("purge", "send-reminders")
_parts: dict[str, dict[str, Job]] = {command: {} for command in COMMANDS}


def register(command: str, name: str, job: Job) -> None:
    """Adds (or replaces, by name) one domain's part of a command."""
    _parts[command][name] = job


def run(command: str, session: Session) -> str:
    if command not in _parts:
        raise ValueError(command)
    lines = [job(session) for job in _parts[command].values()]
    if command == "send-reminders":  # what the parts queued goes out now; failures stay queued for the next run
        sent, failed = mail.deliver_pending(session)
        lines.append(f"Delivery: sent {sent} message(s), {failed} failed (retried later, unless never sendable).")
    return " ".join(lines)
