"""The `purge` and `send-reminders` commands (called by app.cli and at start-up)."""

from __future__ import annotations

from sqlmodel import Session

from app import mail
from app.dialogues import service
from app.pledges import service as pledges_service


def run(command: str, session: Session) -> str:
    if command == "purge":
        done = service.purge(session)
        deleted = sum(counts.get("confirmed", 0) + counts.get("waitlisted", 0) + counts.get("cancelled", 0)
                      for _event_id, counts in done)
        unconfirmed = pledges_service.purge_unconfirmed(session)
        return (f"Purged the sign-ups of {len(done)} event(s) ({deleted} sign-up(s)); counts are kept. "
                f"Deleted {unconfirmed} unconfirmed pledge subscription(s).")
    if command == "send-reminders":
        queued = service.queue_reminders(session)
        pledge_reminders = pledges_service.queue_pledge_reminders(session)
        sent, failed = mail.deliver_pending(session)
        return (f"Queued {queued} event reminder(s) and {pledge_reminders} pledge follow-up reminder(s); "
                f"sent {sent} message(s), {failed} failed (retried later, unless they can never be sent).")
    raise ValueError(command)
