"""Overdue and silent activities, and the weekly reminder mails about them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, select

from app import audit, clock, mail, places
from app.audit import Action
from app.config import get_settings
from app.db import writing
from app.i18n import gettext as _
from app.models import AuditLog, Membership, Municipality, StaffUser
from app.models.pledges import (
    ActivityStatus,
    Pledge,
    PledgeActivity,
    PledgeStatus,
)
from app.pledges import progress, rules
from app.pledges.queries import facts, party_label
from app.pledges.rules import localized


@dataclass(frozen=True)
class Flag:
    pledge_id: int
    activity_id: int
    title: str
    party: str
    overdue: bool
    silent: bool
    last_update_on: date | None
    ends_on: date | None


def flags(session: Session, municipality_id: int, today: date | None = None) -> list[Flag]:
    """Overdue and silent activities of the municipality's published pledges (for the staff dashboard)."""
    today = today or clock.today()
    rows = session.exec(select(PledgeActivity).join(Pledge, col(Pledge.id) == PledgeActivity.pledge_id).where(
        Pledge.municipality_id == municipality_id, Pledge.status == PledgeStatus.published,
        col(PledgeActivity.status).in_([ActivityStatus.planned, ActivityStatus.in_progress]))).all()
    names = {p.id or 0: p.name for p in places.parties(session, municipality_id)}
    found = []
    for row in rows:
        f = facts(row)
        overdue, silent = progress.is_overdue(f, today), progress.is_silent(f, today, rules.SILENT_DAYS)
        if overdue or silent:
            found.append(Flag(row.pledge_id, row.id or 0, localized(row.title, "sv"), party_label(row, names),
                              overdue, silent, row.last_update_on, row.ends_on))
    return found


@dataclass(frozen=True)
class Reminder:
    to: str
    municipality: str
    activities: list[Flag]
    user_id: int = 0
    municipality_id: int = 0


def pledge_reminders(session: Session, today: date | None = None) -> list[Reminder]:
    """Who should be reminded of which overdue or silent activities: the staff of the activity's party
    (for joint activities, the police and municipality staff), else the municipality's coordinators/admins."""
    reminders: dict[str, Reminder] = {}
    for municipality in session.exec(select(Municipality)).all():
        flagged = flags(session, municipality.id or 0, today)
        if not flagged:
            continue
        members = session.exec(select(StaffUser, Membership).join(Membership, col(Membership.user_id) == StaffUser.id)
                               .where(Membership.municipality_id == municipality.id,
                                      col(StaffUser.is_active).is_(True))).all()
        kinds = {p.id: p.kind for p in places.parties(session, municipality.id or 0)}
        for flag in flagged:
            act = session.get(PledgeActivity, flag.activity_id)
            assert act is not None
            wanted = [u for u, m in members if (act.joint and kinds.get(m.party_id) in ("police", "municipality"))
                      or (act.party_id is not None and m.party_id == act.party_id)]
            if not wanted:
                wanted = [u for u, m in members if m.role in ("coordinator", "admin")]
            for user in wanted:
                key = f"{municipality.id}:{user.email}"
                reminders.setdefault(key, Reminder(user.email, municipality.name, [], user.id or 0,
                                                   municipality.id or 0)).activities.append(flag)
    return list(reminders.values())


REMINDER_INTERVAL = timedelta(days=7)


def queue_pledge_reminders(session: Session, today: date | None = None) -> int:
    """Queue a reminder mail per person (the `send-reminders` command then delivers the outbox). Returns the count.

    `send-reminders` runs every 15 minutes: a person is reminded at most once per REMINDER_INTERVAL and municipality
    (remembered in the audit log, which also shows who was reminded when)."""
    with writing(session):
        base = get_settings().base_url
        since = clock.now() - REMINDER_INTERVAL
        reminded = AuditLog.action == Action.STAFF_USER_PLEDGE_REMINDER
        recent = {(row.entity_id, row.municipality_id)
                  for row in session.exec(select(AuditLog).where(reminded, col(AuditLog.at) >= since)).all()}
        reminders = [r for r in pledge_reminders(session, today) if (r.user_id, r.municipality_id) not in recent]
        for reminder in reminders:
            audit.record(session, None, Action.STAFF_USER_PLEDGE_REMINDER, "staff_user", reminder.user_id,
                         municipality_id=reminder.municipality_id,
                         after={"activities": [f.activity_id for f in reminder.activities]})
            lines = [f"- {f.title} ({f.party}): " + ", ".join(
                ([_("försenad")] if f.overdue else []) + ([_("ingen uppföljning på länge")] if f.silent else []))
                     for f in reminder.activities]
            body = _("Hej! Följande aktiviteter i medborgarlöftena för %(m)s behöver en uppföljning:") % {
                "m": reminder.municipality} + "\n\n" + "\n".join(lines) + f"\n\n{base}/staff\n"
            mail.queue(session, reminder.to, _("Påminnelse: uppföljning av medborgarlöften"), body,
                       ref="pledge_reminder")
        return len(reminders)
