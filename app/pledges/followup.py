"""Follow-up of a pledge: updates with attachments, their approval, corrections, settings and the closing report."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from app import audit, clock, places, uploads
from app.audit import Action
from app.auth import Scope
from app.db import writing
from app.errors import Forbidden, ValidationFailed
from app.i18n import gettext as _
from app.models.pledges import (
    ActivityStatus,
    Pledge,
    PledgeActivity,
    PledgeAttachment,
    PledgeStatus,
    PledgeUpdate,
    UpdateState,
)
from app.pledges import forms, progress, rules
from app.pledges.access import actor, guard_activity, record_audit, require_editor
from app.pledges.queries import children, facts, party_label, pledge_settings
from app.pledges.rules import localized
from app.pledges.subscribers import notify_subscribers


def upload_dir() -> Path:
    return uploads.upload_dir("pledges")


def clean_attachment(data: bytes) -> tuple[bytes, str, str]:
    """Check by content and size; re-encode images (drops EXIF/GPS), rewrite PDFs. (bytes, content type, suffix)."""
    if len(data) > rules.MAX_ATTACHMENT_BYTES:
        raise ValidationFailed({"upd_file": _("Filen är större än 5 MB.")})
    kind = uploads.sniff(data[:16])
    if kind is None:
        raise ValidationFailed({"upd_file": _("Bifoga en bild (JPEG, PNG, WebP) eller ett PDF-dokument.")})
    if kind == "application/pdf":
        return uploads.clean_pdf(data, "upd_file"), kind, ".pdf"
    return uploads.clean_image(data, "upd_file", ("JPEG", "PNG", "WEBP"))


def post_update(session: Session, scope: Scope, found: Pledge, row: PledgeActivity, values: dict[str, str],
                upload: tuple[str, bytes] | None) -> tuple[PledgeUpdate, list[int]]:
    """Records an update for the poster's party. A partner's update waits for approval when the municipality wants
    that; it then counts, shows and is mailed only once a coordinator approves it."""
    with writing(session):
        party_id = guard_activity(session, scope, row)
        if found.status not in (PledgeStatus.published, PledgeStatus.in_review, PledgeStatus.draft):
            raise ValidationFailed({"upd_text": _("Löftet är avslutat och kan inte ändras längre.")})
        errors = rules.validate_update(values["text"], values["achieved"], values["posted_on"], clock.today())
        if errors:
            raise ValidationFailed(errors)
        cleaned = clean_attachment(upload[1]) if upload else None
        achieved = rules.parse_count(values["achieved"])[0]
        day = rules.parse_date(values["posted_on"]) or clock.today()
        state = UpdateState.pending if _needs_approval(session, scope) else UpdateState.published
        update = PledgeUpdate(pledge_id=found.id or 0, activity_id=row.id or 0, posted_on=day, text=values["text"],
                              achieved=achieved, author_id=scope.user.id, party_id=party_id, state=state)
        session.add(update)
        session.flush()
        if cleaned:
            data, kind, suffix = cleaned
            name = f"{uuid.uuid4().hex}{suffix}"
            folder = upload_dir()
            folder.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(data)
            session.add(PledgeAttachment(update_id=update.id or 0, filename=name, original_name=upload[0][:200] if
                                         upload else "", content_type=kind, size=len(data)))
        record_audit(session, scope, Action.PLEDGE_UPDATE_POST, "pledge_update", update.id,
                     after=audit.snapshot(update))
        mail_ids = _go_public(session, found, row, update) if state == UpdateState.published else []
        return update, mail_ids


def _go_public(session: Session, found: Pledge, row: PledgeActivity, update: PledgeUpdate) -> list[int]:
    """An update becomes public: it counts toward the activity and subscribers are told (of a published pledge)."""
    row.achieved += update.achieved or 0
    row.last_update_on = max(update.posted_on, row.last_update_on or update.posted_on)
    if row.status == ActivityStatus.planned:
        row.status = ActivityStatus.in_progress
    session.add(row)
    return notify_subscribers(session, found, row, update) if found.status == PledgeStatus.published else []


def _needs_approval(session: Session, scope: Scope) -> bool:
    return (scope.role is not None and scope.role.value == "partner"
            and pledge_settings(session, scope.municipality_id).partner_updates_need_approval)


def save_pledge_settings(session: Session, scope: Scope, partner_updates_need_approval: bool) -> None:
    with writing(session):
        require_editor(session, scope)
        row = pledge_settings(session, scope.municipality_id)
        before = {"partner_updates_need_approval": row.partner_updates_need_approval}
        row.partner_updates_need_approval = partner_updates_need_approval
        session.add(row)
        record_audit(session, scope, Action.MUNICIPALITY_PLEDGE_SETTINGS, "municipality", scope.municipality_id, before,
                     {"partner_updates_need_approval": partner_updates_need_approval})


def review_update(session: Session, scope: Scope, found: Pledge, update: PledgeUpdate,
                  approve: bool) -> list[int]:
    """A coordinator approves (public, counted, mailed) or rejects (never public) a waiting partner update."""
    with writing(session):
        require_editor(session, scope)
        if update.state != UpdateState.pending:
            raise ValidationFailed({"review": _("Uppföljningen väntar inte på godkännande.")})
        before = audit.snapshot(update)
        update.state = UpdateState.published if approve else UpdateState.rejected
        update.reviewed_by = scope.user.id
        session.add(update)
        row = session.get(PledgeActivity, update.activity_id)
        assert row is not None
        mail_ids = _go_public(session, found, row, update) if approve else []
        record_audit(session, scope, Action.PLEDGE_UPDATE_APPROVE if approve else Action.PLEDGE_UPDATE_REJECT,
                     "pledge_update",
                     update.id, before, audit.snapshot(update))
        return mail_ids


def _guard_update(session: Session, scope: Scope, found: Pledge, update: PledgeUpdate) -> PledgeActivity:
    row = session.get(PledgeActivity, update.activity_id)
    assert row is not None
    guard_activity(session, scope, row)
    if not rules.may_change_update(actor(session, scope), update.party_id):
        raise Forbidden
    if found.status == PledgeStatus.closed:
        raise ValidationFailed({"upd_text": _("Löftet är avslutat och kan inte ändras längre.")})
    if update.state not in (UpdateState.published, UpdateState.pending):
        raise ValidationFailed({"upd_text": _("Uppföljningen är återkallad och kan inte ändras.")})
    return row


def correct_update(session: Session, scope: Scope, found: Pledge, update: PledgeUpdate,
                   values: dict[str, str]) -> None:
    """A correction: new text and number, marked "rättad <date>" publicly and audited with before and after.
    A partner's correction waits for approval again when the municipality wants approvals."""
    with writing(session):
        row = _guard_update(session, scope, found, update)
        errors = rules.validate_update(values["text"], values["achieved"], "", clock.today())
        if errors:
            raise ValidationFailed(errors)
        before = audit.snapshot(update)
        if update.state == UpdateState.published:
            row.achieved -= update.achieved or 0
        update.text = values["text"]
        update.achieved = rules.parse_count(values["achieved"])[0]
        update.corrected_at = clock.now()
        if _needs_approval(session, scope):
            update.state = UpdateState.pending
        if update.state == UpdateState.published:
            row.achieved += update.achieved or 0
        row.achieved = max(row.achieved, 0)
        session.add_all([update, row])
        record_audit(session, scope, Action.PLEDGE_UPDATE_CORRECT, "pledge_update", update.id, before,
                     audit.snapshot(update))


def withdraw_update(session: Session, scope: Scope, found: Pledge, update: PledgeUpdate) -> None:
    """Withdrawn: the public page keeps a short "återkallad <date>" line in its place; the number stops counting."""
    with writing(session):
        row = _guard_update(session, scope, found, update)
        before = audit.snapshot(update)
        if update.state == UpdateState.published:
            row.achieved = max(row.achieved - (update.achieved or 0), 0)
            session.add(row)
        # One never public leaves no public trace: withdrawn before approval counts as rejected.
        update.state = UpdateState.withdrawn if update.state == UpdateState.published else UpdateState.rejected
        update.withdrawn_at = clock.now()
        session.add(update)
        record_audit(session, scope, Action.PLEDGE_UPDATE_WITHDRAW, "pledge_update", update.id, before,
                     audit.snapshot(update))


def attachment_path(row: PledgeAttachment) -> Path:
    return upload_dir() / Path(row.filename).name


def attachment_headers(row: PledgeAttachment) -> dict[str, str]:
    return uploads.download_headers(f"bilaga-{row.id}{Path(row.filename).suffix}")


@dataclass(frozen=True)
class ReportRow:
    focus: str
    title: str
    party: str
    promised: str
    delivered: str
    status: str
    percent: int | None


def closing_report(session: Session, found: Pledge) -> list[ReportRow]:
    """Promised vs delivered per activity ("≥ 8 new neighbourhood-watch areas promised, 20 started")."""
    focus, acts = children(session, found)
    names = {p.id or 0: p.name for p in places.parties(session, found.municipality_id)}
    labels = forms.activity_status_labels()
    titles = {f.id: localized(f.title, "sv") for f in focus}
    rows = []
    for act in acts:
        unit = localized(act.target_unit, "sv")
        promised = (f"≥ {act.target_number} {unit}".strip() if act.target_number is not None
                    else localized(act.target_text, "sv") or "–")
        delivered = f"{act.achieved} {unit}".strip() if act.target_number is not None else labels[act.status]
        if act.status == ActivityStatus.cancelled:
            delivered = _("Inställd: %(reason)s") % {"reason": act.cancel_reason}
        rows.append(ReportRow(titles.get(act.focus_area_id, ""), localized(act.title, "sv"), party_label(act, names),
                              promised, delivered, labels[act.status],
                              progress.percent(progress.activity_progress(facts(act)))))
    return rows
