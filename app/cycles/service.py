"""The cycle's writes and the staff overview: create a cycle with Brå's five steps and their default checklists,
change a step (owner, due date, status), add and tick items, keep the collaboration agreement with its signed
PDF; and the reminder about late steps. Every write is audited in the same transaction."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlmodel import Session, col, select

from app import audit, clock, mail, places, uploads
from app.audit import Action
from app.auth import Scope
from app.cycles import evidence, rules
from app.cycles.staff_forms import AgreementForm, CheckForm, CycleForm, StepForm
from app.db import writing
from app.deps import get_owned
from app.errors import NotFound, ValidationFailed
from app.i18n import gettext as _
from app.models import Membership, Municipality, Role, StaffUser
from app.models.cycles import Agreement, Cycle, CycleCheck, CycleStep, StepStatus
from app.models.pledges import Pledge, PledgeStatus
from app.pledges.rules import parse_date

AGREEMENTS = "agreements"  # upload folder of the signed agreements
MAX_PDF_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class CheckView:
    check: CycleCheck
    done: bool
    finding: evidence.Finding | None  # what ticked it, for an evidence item


@dataclass(frozen=True)
class StepView:
    step: CycleStep
    title: str
    purpose: str
    owner: str
    late: bool
    checks: list[CheckView]


@dataclass(frozen=True)
class CycleView:
    cycle: Cycle
    steps: list[StepView]

    @property
    def late(self) -> list[StepView]:
        return [s for s in self.steps if s.late]

    @property
    def current(self) -> StepView | None:
        """The first step not done: where the municipality stands."""
        return next((s for s in self.steps if s.step.status != StepStatus.done), None)


def cycles(session: Session, municipality_id: int) -> list[Cycle]:
    return list(session.exec(select(Cycle).where(Cycle.municipality_id == municipality_id)
                             .order_by(col(Cycle.starts_on).desc(), col(Cycle.id).desc())).all())


def create_cycle(session: Session, scope: Scope, form: CycleForm) -> Cycle:
    with writing(session):
        if errors := form.problems():
            raise ValidationFailed(errors)
        starts_on, ends_on = parse_date(form.starts_on), parse_date(form.ends_on)
        assert starts_on is not None and ends_on is not None
        cycle = Cycle(municipality_id=scope.municipality_id, name=form.name, starts_on=starts_on, ends_on=ends_on,
                      public=form.public)
        session.add(cycle)
        session.flush()
        steps = {}
        for number in rules.STEPS:
            steps[number] = CycleStep(cycle_id=cycle.id or 0, number=number)
            session.add(steps[number])
        session.flush()
        for position, item in enumerate(rules.default_checks()):
            session.add(CycleCheck(step_id=steps[item.step].id or 0, position=position, text=item.text,
                                   evidence=item.evidence))
        audit.record(session, scope.user, Action.CYCLE_CREATE, "cycle", cycle.id,
                     municipality_id=scope.municipality_id, after=audit.snapshot(cycle))
    return cycle


def cycle_view(session: Session, cycle: Cycle, slug: str) -> CycleView:
    today = clock.today()
    found = evidence.findings(session, cycle, slug)
    steps = list(session.exec(select(CycleStep).where(CycleStep.cycle_id == cycle.id)
                              .order_by(col(CycleStep.number))).all())
    checks = list(session.exec(select(CycleCheck).where(col(CycleCheck.step_id).in_([s.id for s in steps]))
                               .order_by(col(CycleCheck.position), col(CycleCheck.id))).all())
    names = {p.id: p.name for p in places.parties(session, cycle.municipality_id)}
    titles, purposes = rules.step_titles(), rules.step_purposes()
    views = []
    for step in steps:
        mine = [CheckView(c, c.done_on is not None or c.evidence in found, found.get(c.evidence))
                for c in checks if c.step_id == step.id]
        views.append(StepView(step, titles[step.number], purposes[step.number],
                              names.get(step.owner_party_id, "") if step.owner_party_id else "",
                              rules.is_late(step.status, step.due_on, today), mine))
    return CycleView(cycle, views)


def step(session: Session, cycle: Cycle, number: int) -> CycleStep:
    found = session.exec(select(CycleStep).where(CycleStep.cycle_id == cycle.id, CycleStep.number == number)).first()
    if found is None:
        raise NotFound
    return found


def save_step(session: Session, scope: Scope, cycle: Cycle, number: int, form: StepForm) -> CycleStep:
    with writing(session):
        target = step(session, cycle, number)
        errors = form.problems()
        owner = form.owner()
        if owner is not None and owner not in {p.id for p in places.parties(session, scope.municipality_id)}:
            errors["owner_party_id"] = _("Välj en part i listan.")
        if errors:
            raise ValidationFailed(errors)
        before = audit.snapshot(target)
        target.status, target.owner_party_id = StepStatus(form.status), owner
        target.due_on, target.note = parse_date(form.due_on), form.note
        session.add(target)
        audit.record(session, scope.user, Action.CYCLE_STEP_SAVE, "cycle_step", target.id,
                     municipality_id=scope.municipality_id, before=before, after=audit.snapshot(target))
    return target


def add_check(session: Session, scope: Scope, cycle: Cycle, number: int, form: CheckForm) -> CycleCheck:
    with writing(session):
        target = step(session, cycle, number)
        if errors := form.problems():
            raise ValidationFailed(errors)
        row = CycleCheck(step_id=target.id or 0, position=1000, text=form.text)
        session.add(row)
        session.flush()
        audit.record(session, scope.user, Action.CYCLE_CHECK_ADD, "cycle_check", row.id,
                     municipality_id=scope.municipality_id, after=audit.snapshot(row))
    return row


def tick_check(session: Session, scope: Scope, cycle: Cycle, check_id: int, done: bool) -> CycleCheck:
    """Staff tick an item by hand (an evidence item ticks itself; a hand tick is kept beside it)."""
    with writing(session):
        row = get_owned(session, CycleCheck, check_id)
        step_of = session.get(CycleStep, row.step_id)
        if step_of is None or step_of.cycle_id != cycle.id:
            raise NotFound
        before = audit.snapshot(row)
        row.done_on = clock.today() if done else None
        session.add(row)
        audit.record(session, scope.user, Action.CYCLE_CHECK_TICK, "cycle_check", row.id,
                     municipality_id=scope.municipality_id, before=before, after=audit.snapshot(row))
    return row


# --- the collaboration agreement -----------------------------------------------------------------------------

def agreements(session: Session, municipality_id: int) -> list[Agreement]:
    return list(session.exec(select(Agreement).where(Agreement.municipality_id == municipality_id)
                             .order_by(col(Agreement.starts_on).desc(), col(Agreement.id).desc())).all())


def linkable_pledges(session: Session, municipality_id: int) -> list[Pledge]:
    return list(session.exec(select(Pledge).where(Pledge.municipality_id == municipality_id)
                             .order_by(col(Pledge.starts_on).desc())).all())


def document_path(agreement: Agreement) -> Path | None:
    if not agreement.document_file:
        return None
    path = uploads.upload_dir(AGREEMENTS) / agreement.document_file
    return path if path.is_file() else None


def save_agreement(session: Session, scope: Scope, existing: Agreement | None, form: AgreementForm,
                   document: bytes | None, document_name: str) -> Agreement:
    """The agreement with its signatories; a signed PDF, when given, is cleaned (no metadata, scripts or embedded
    files) and replaces the earlier one once the row is written."""
    with writing(session):
        errors = form.problems()
        cycle_id = form.cycle()
        if cycle_id is not None and cycle_id not in {c.id for c in cycles(session, scope.municipality_id)}:
            errors["cycle_id"] = _("Välj en arbetscykel i listan.")
        party_ids = {p.id for p in places.parties(session, scope.municipality_id)}
        pledge_ids = {p.id for p in linkable_pledges(session, scope.municipality_id)}
        if not set(form.party_ids) <= party_ids:
            errors["party_ids"] = _("Välj parter i listan.")
        if not set(form.pledge_ids) <= pledge_ids:
            errors["pledge_ids"] = _("Välj löften i listan.")
        cleaned: bytes | None = None
        if document:
            if len(document) > MAX_PDF_BYTES:
                errors["document"] = _("Filen är för stor: högst 10 MB.")
            elif uploads.sniff(document[:16]) != "application/pdf":
                errors["document"] = _("Ladda upp det undertecknade avtalet som PDF.")
            else:
                try:
                    cleaned = uploads.clean_pdf(document, "document")
                except ValidationFailed as exc:
                    errors.update(exc.errors)
        if errors:
            raise ValidationFailed(errors)
        starts_on, ends_on = parse_date(form.starts_on), parse_date(form.ends_on)
        assert starts_on is not None and ends_on is not None
        target = existing or Agreement(municipality_id=scope.municipality_id, title=form.title, starts_on=starts_on,
                                       ends_on=ends_on)
        before = audit.snapshot(existing)
        target.title, target.starts_on, target.ends_on, target.focus = form.title, starts_on, ends_on, form.focus
        target.cycle_id, target.party_ids, target.pledge_ids = cycle_id, form.party_ids, form.pledge_ids
        target.signatories = form.stored_signatories()
        if cleaned is not None:
            target.document_file = f"{secrets.token_hex(16)}.pdf"
            # ASCII only: the name goes into a Content-Disposition header
            target.document_name = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(document_name).name)[:200] or "avtal.pdf"
        session.add(target)
        session.flush()
        audit.record(session, scope.user, Action.AGREEMENT_SAVE, "agreement", target.id,
                     municipality_id=scope.municipality_id, before=before, after=audit.snapshot(target))
        if cleaned is not None:  # written inside the transaction: a failed write leaves no row pointing at nothing
            folder = uploads.upload_dir(AGREEMENTS)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / target.document_file).write_bytes(cleaned)
    return target


def is_public(session: Session, agreement: Agreement) -> bool:
    """An agreement is public once a published pledge links to it, or its cycle is shown publicly."""
    if agreement.cycle_id is not None:
        cycle = session.get(Cycle, agreement.cycle_id)
        if cycle is not None and cycle.public:
            return True
    return bool(agreement.pledge_ids) and session.exec(select(Pledge.id).where(
        col(Pledge.id).in_(agreement.pledge_ids),
        col(Pledge.status).in_([PledgeStatus.published, PledgeStatus.closed]))).first() is not None


# --- reminders about late steps ------------------------------------------------------------------------------

def remind_late_steps(session: Session, today: date | None = None) -> int:
    """One mail per late step to the municipality's coordinators and administrators (and the owner party's
    accounts), then again each week while it stays late; queued in the mail outbox like every reminder. Returns the
    number of steps reminded about."""
    today = today or clock.today()
    titles = rules.step_titles()
    reminded = 0
    rows = session.exec(select(CycleStep, Cycle, Municipality).join(Cycle, col(Cycle.id) == CycleStep.cycle_id)
                        .join(Municipality, col(Municipality.id) == Cycle.municipality_id)
                        .where(CycleStep.status != StepStatus.done, col(CycleStep.due_on) < today)).all()
    for found, cycle, municipality in rows:
        if not rules.should_remind(found.status, found.due_on, found.reminded_on, today):
            continue
        people = session.exec(select(StaffUser).join(Membership, col(Membership.user_id) == StaffUser.id).where(
            Membership.municipality_id == municipality.id, StaffUser.is_active == True,  # noqa: E712
            (col(Membership.role).in_([Role.admin, Role.coordinator]))
            | (col(Membership.party_id) == found.owner_party_id))).all()
        with writing(session):  # the mails are queued with the mark: sent by the job's delivery, or retried
            found.reminded_on = today
            session.add(found)
            for person in people:
                mail.queue(session, person.email, _("Ett steg i trygghetsarbetet är försenat"),
                           _("Steg %(n)s, %(title)s, i %(cycle)s (%(municipality)s) skulle vara klart %(date)s.")
                           % {"n": found.number, "title": titles[found.number], "cycle": cycle.name,
                              "municipality": municipality.name,
                              "date": found.due_on.isoformat() if found.due_on else ""},
                           ref=f"cycle-step-{found.id}")
        reminded += 1
    return reminded


def municipality_section(session: Session, municipality: Municipality) -> tuple[str, dict[str, object]] | None:
    """The link to "Så arbetar vi" on the public municipality page, once a cycle is shown there."""
    if not any(c.public for c in cycles(session, municipality.id or 0)):
        return None
    return "public/cycles/_section.html", {"municipality": municipality}
