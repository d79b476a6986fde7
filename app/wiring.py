"""Where the domains are connected without importing each other upward: the survey domain announces that a wave
closed, the concern and pledge domains listen; each domain adds its part to the periodic jobs. `create_app()` and
the CLI call `install()` (it is idempotent)."""

from __future__ import annotations

from sqlmodel import Session

from app import jobs
from app.concerns import published
from app.cycles import service as cycles_service
from app.dialogues import retention
from app.models.surveys import Survey
from app.pledges import figures as pledges_figures
from app.pledges import reminders as pledges_reminders
from app.pledges import subscribers as pledges_subscribers
from app.surveys import lifecycle


def _publish_results(session: Session, survey: Survey) -> None:
    published.for_public(session, survey)  # the wave's published set is built when it closes


def _remeasure(session: Session, survey: Survey) -> None:
    pledges_figures.remeasure_indicators(session, survey.id or 0)


def _purge_signups(session: Session) -> str:
    done = retention.purge(session)
    deleted = sum(counts.get("confirmed", 0) + counts.get("waitlisted", 0) + counts.get("cancelled", 0)
                  for _event_id, counts in done)
    return f"Purged the sign-ups of {len(done)} event(s) ({deleted} sign-up(s)); counts are kept."


def _purge_subscriptions(session: Session) -> str:
    return f"Deleted {pledges_subscribers.purge_unconfirmed(session)} unconfirmed pledge subscription(s)."


def _event_reminders(session: Session) -> str:
    return f"Queued {retention.queue_reminders(session)} event reminder(s)."


def _pledge_reminders(session: Session) -> str:
    return f"Queued {pledges_reminders.queue_pledge_reminders(session)} pledge follow-up reminder(s)."


def _cycle_reminders(session: Session) -> str:
    return f"Queued reminders about {cycles_service.remind_late_steps(session)} late cycle step(s)."


def install() -> None:
    lifecycle.on_wave_closed("concerns.publish", _publish_results)
    lifecycle.on_wave_closed("pledges.remeasure", _remeasure)
    jobs.register("purge", "dialogues.signups", _purge_signups)
    jobs.register("purge", "pledges.subscriptions", _purge_subscriptions)
    jobs.register("send-reminders", "dialogues.reminders", _event_reminders)
    jobs.register("send-reminders", "pledges.reminders", _pledge_reminders)
    jobs.register("send-reminders", "cycles.reminders", _cycle_reminders)
