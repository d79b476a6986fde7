"""Reads and writes of the pledges domain. Every staff read filters by the scoped municipality.

Editing rule: a draft (or a pledge in review) is edited freely. Once signed and published, a content change is
only accepted as a new version (the form's "make a new version" box with a note): the service applies it,
stores a `PledgeVersion` with the public texts and what changed, and the public page shows that list. Activity
status, follow-up updates and translations are not content changes and need no new version.

Who may act (decided here, once, for every route and every direct POST): `acting_party` resolves the party an
account acts for, and `guard_activity` is the one check every activity mutation passes (status, updates, edits,
corrections). Publishing needs four eyes: `sign` records one signature per side (police, municipality) by two
different accounts, neither of them the submitter; the second signature publishes (or reopens a closed pledge).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlalchemy.orm import object_session
from sqlmodel import Session, col, select

from app import audit, clock, mail, uploads
from app.auth import Scope
from app.concerns import published
from app.config import get_settings
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.i18n import gettext as _
from app.models import Area, AuditLog, Membership, Municipality, Party, StaffUser
from app.models.pledges import (
    ActivityStatus,
    Pledge,
    PledgeActivity,
    PledgeAttachment,
    PledgeFocusArea,
    PledgeIndicator,
    PledgeProposal,
    PledgeSettings,
    PledgeSignatory,
    PledgeSignature,
    PledgeStatus,
    PledgeSubscriber,
    PledgeUpdate,
    PledgeVersion,
    UpdateState,
)
from app.models.surveys import OptionKind, Question, QuestionOption, Survey
from app.pledges import forms, progress, rules
from app.pledges.rules import localized

EDITABLE = (PledgeStatus.draft, PledgeStatus.in_review)


# ------------------------------------------------------------------------------------------------ reads


def pledges(session: Session, municipality_id: int) -> list[Pledge]:
    return list(session.exec(select(Pledge).where(Pledge.municipality_id == municipality_id)
                             .order_by(col(Pledge.starts_on).desc(), col(Pledge.id).desc())).all())


def pledge(session: Session, municipality_id: int, pledge_id: int) -> Pledge:
    found = session.get(Pledge, pledge_id)
    if found is None or found.municipality_id != municipality_id:
        raise NotFound
    return found


def focus_area(session: Session, found: Pledge, focus_area_id: int) -> PledgeFocusArea:
    row = session.get(PledgeFocusArea, focus_area_id)
    if row is None or row.pledge_id != found.id:
        raise NotFound
    return row


def activity(session: Session, found: Pledge, activity_id: int) -> PledgeActivity:
    row = session.get(PledgeActivity, activity_id)
    if row is None or row.pledge_id != found.id:
        raise NotFound
    return row


def attachment(session: Session, found: Pledge, attachment_id: int) -> PledgeAttachment:
    row = session.get(PledgeAttachment, attachment_id)
    update = session.get(PledgeUpdate, row.update_id) if row else None
    if row is None or update is None or update.pledge_id != found.id:
        raise NotFound
    return row


def parties(session: Session, municipality_id: int) -> list[Party]:
    return list(session.exec(select(Party).where(Party.municipality_id == municipality_id)
                             .order_by(Party.kind, Party.name)).all())


def areas(session: Session, municipality_id: int) -> list[Area]:
    return list(session.exec(select(Area).where(Area.municipality_id == municipality_id)
                             .order_by(col(Area.parent_id).is_not(None), Area.name)).all())


def party_options(session: Session, municipality_id: int) -> list[tuple[str, str]]:
    labels = forms.party_kind_labels()
    options = [("", _("Välj part")), ("joint", labels["joint"])]
    options += [(str(p.id), f"{p.name} ({labels.get(p.kind, p.kind)})") for p in parties(session, municipality_id)]
    return options


def party_label(row: PledgeActivity, party_names: dict[int, str]) -> str:
    if row.joint:
        return forms.party_kind_labels()["joint"]
    return party_names.get(row.party_id or 0, "")


def children(session: Session, found: Pledge) -> tuple[list[PledgeFocusArea], list[PledgeActivity]]:
    focus = list(session.exec(select(PledgeFocusArea).where(PledgeFocusArea.pledge_id == found.id)
                              .order_by(col(PledgeFocusArea.position), col(PledgeFocusArea.id))).all())
    acts = list(session.exec(select(PledgeActivity).where(PledgeActivity.pledge_id == found.id)
                             .order_by(col(PledgeActivity.position), col(PledgeActivity.id))).all())
    return focus, acts


def facts(row: PledgeActivity) -> progress.ActivityFacts:
    return progress.ActivityFacts(status=row.status, target_number=row.target_number, achieved=row.achieved,
                                  ends_on=row.ends_on, last_update_on=row.last_update_on,
                                  starts_on=row.starts_on)


# ------------------------------------------------------------------------------------------------ figures


@dataclass(frozen=True)
class Figure:
    """A resident figure quoted by a pledge: a cell of the wave's published set. share and n are None when the
    set hides the cell ("too few answers")."""

    item: str
    label: str
    area: str
    wave: int
    share: float | None
    n: int | None

    def as_dict(self) -> dict[str, Any]:
        return {"item": self.item, "label": self.label, "area": self.area, "wave": self.wave,
                "share": None if self.share is None else round(self.share, 4), "n": self.n}


def concern_priorities(session: Session, municipality_id: int) -> list[Figure]:
    """The priorities chosen on the concerns dashboard (`concern_priority`), with their snapshotted figures.
    Suppressed figures (share None) are left out: a pledge cannot quote a number that was not published."""
    from app.models.concerns import ConcernPriority

    rows = session.exec(select(ConcernPriority).where(ConcernPriority.municipality_id == municipality_id,
                                                      ConcernPriority.status == "chosen")
                        .order_by(col(ConcernPriority.wave).desc(), col(ConcernPriority.position))).all()
    names = {a.id: a.name for a in areas(session, municipality_id)}
    return [Figure(item=row.item_code, label=row.item_label or row.item_code,
                   area=names.get(row.area_id, "") if row.area_id else _("hela kommunen"), wave=row.wave,
                   share=row.share, n=row.n) for row in rows if row.share is not None]


def survey_items(session: Session, municipality_id: int) -> list[tuple[str, str]]:
    """Problem-battery items of the municipality's surveys: ("survey_id:question_code:item_code", label)."""
    rows = session.execute(
        sa_select(Survey.id, Survey.wave, Question.code, QuestionOption.code, QuestionOption.label)  # type: ignore[call-overload]
        .join(Question, col(Question.survey_id) == Survey.id)
        .join(QuestionOption, col(QuestionOption.question_id) == Question.id)
        .where(Survey.municipality_id == municipality_id, QuestionOption.kind == OptionKind.item)
        .order_by(col(Survey.id).desc(), QuestionOption.position)
    ).all()
    return [(f"{sid}:{qcode}:{icode}", f"{localized(label, 'sv')} – {_('mätomgång')} {wave} (#{sid})")
            for sid, wave, qcode, icode, label in rows]


Measured = tuple[float | None, int | None]  # (share, n); (None, None) = hidden by the published set


def measure(session: Session, survey_id: int, question_code: str, item_code: str,
            area_id: int | None) -> Measured | None:
    """(share answering very/fairly big problem, n), "don't know" left out, as the wave's published set has it
    (pledges ask concerns; they never count answers). None when the wave publishes nothing for it (an open
    wave, an unknown item, no answers)."""
    survey = session.get(Survey, survey_id)
    question_id = session.exec(select(Question.id).where(Question.survey_id == survey_id,
                                                         Question.code == question_code)).first()
    if survey is None or question_id is None:
        return None
    found = published.for_public(session, survey)
    node = published.node_key(area_id) if area_id is not None else published.ALL
    if found is None or not found.published(item_code, node):
        return None
    cell = found.cell(item_code, node)
    if cell is None:
        return (None, None)
    if not cell[0]:
        return None
    return int(cell[1]) / int(cell[0]), int(cell[0])


def figure_from_survey(session: Session, municipality_id: int, pick: str, area_id: int | None) -> Figure:
    parts = pick.split(":")
    errors = {"fig_item": _("Välj en fråga ur en enkät.")}
    if len(parts) != 3 or row_id(parts[0]) is None:
        raise ValidationFailed(errors)
    survey = session.get(Survey, row_id(parts[0]))
    if survey is None or survey.municipality_id != municipality_id:
        raise ValidationFailed(errors)
    area = session.get(Area, area_id) if area_id else None
    if area is not None and area.municipality_id != municipality_id:
        raise ValidationFailed({"fig_area": _("Välj ett område i kommunen.")})
    if str(survey.status) not in published.FINAL_STATUSES:
        raise ValidationFailed({"fig_item": _("Resultaten publiceras när mätomgången har stängts.")})
    result = measure(session, survey.id or 0, parts[1], parts[2], area.id if area else None)
    if result is None:
        raise ValidationFailed({"fig_item": _("Det finns inga svar på den frågan i det området.")})
    label = session.exec(select(QuestionOption.label).join(Question, col(Question.id) == QuestionOption.question_id)
                         .where(Question.survey_id == survey.id, Question.code == parts[1],
                                QuestionOption.kind == OptionKind.item, QuestionOption.code == parts[2])).first()
    return Figure(item=parts[2], label=localized(dict(label or {}), "sv") or parts[2],
                  area=area.name if area else _("hela kommunen"), wave=survey.wave, share=result[0], n=result[1])


# ------------------------------------------------------------------------------------------------ writes


def _audit(session: Session, scope: Scope, action: str, entity: str, entity_id: int | None,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
    audit.record(session, scope.user, action, entity, entity_id, municipality_id=scope.municipality_id,
                 before=before, after=after)


def acting_party(session: Session, scope: Scope) -> Party | None:
    """The party an account acts for in this municipality.

    Partners: their membership's party, or none (then they can do nothing party-bound). Police: their membership's
    party if it is a police party, else the municipality's (first) police party. Coordinators, admins and system
    administrators: their membership's municipality party, else the municipality's (first) municipality party.
    """
    own = session.get(Party, scope.party_id) if scope.party_id else None
    if own is not None and own.municipality_id != scope.municipality_id:
        own = None
    if scope.role is not None and scope.role.value == "partner":
        return own
    side = rules.ROLE_SIDES.get(scope.role.value if scope.role else "", None)
    if side is None and scope.user.is_superadmin:
        side = "municipality"
    if side is None:
        return None
    if own is not None and own.kind == side:
        return own
    return session.exec(select(Party).where(Party.municipality_id == scope.municipality_id, Party.kind == side)
                        .order_by(col(Party.id))).first()


def actor(session: Session, scope: Scope) -> rules.Actor:
    party = acting_party(session, scope)
    return rules.Actor(user_id=scope.user.id or 0, role=scope.role.value if scope.role else None,
                       superadmin=scope.user.is_superadmin, party_id=party.id if party else None)


def guard_activity(session: Session, scope: Scope, row: PledgeActivity) -> int | None:
    """The one check every activity mutation passes: 403 unless the account may act on this activity (its own
    party's, or any as an editor). Returns the id of the party the account acts for, which the change records."""
    who = actor(session, scope)
    # An approved proposal was checked against its proposer when proposed; the approver applies it as it was.
    if not _applying(session) and not rules.may_act_on_activity(who, row.party_id, row.joint):
        raise Forbidden
    return who.party_id


def require_editor(session: Session, scope: Scope) -> None:
    """Approving partner updates and the municipality's pledge settings are the coordinators' (and admins')."""
    if not actor(session, scope).editor:
        raise Forbidden


def refuse_unversioned(found: Pledge, new_version: bool) -> None:
    """A signed pledge changes only through a new version; a closed one not at all."""
    if found.status == PledgeStatus.closed:
        raise ValidationFailed({"new_version": _("Löftet är avslutat och kan inte ändras längre.")})
    own_session = object_session(found)
    if found.status == PledgeStatus.in_review and isinstance(own_session, Session) and _signed(own_session, found):
        raise ValidationFailed({"new_version": _(
            "En part har redan signerat löftet. Skicka tillbaka det till utkast för att ändra det; då måste båda "
            "parter signera på nytt.")})
    if found.status == PledgeStatus.published and not new_version:
        raise ValidationFailed({"new_version": _(
            "Löftet är undertecknat och publicerat, så det kan inte ändras i tysthet. Kryssa i ”Gör en ny "
            "version” och skriv vad som ändras: invånarna ser då en ny version och vad som ändrades.")})


def _touch(found: Pledge) -> None:
    found.updated_at = clock.now()


class ProposalNeeded(Exception):
    """A versioned change of a published pledge reached the point of publishing: `change` rolls it back and stores
    it as a proposal for the other side (four eyes), so no one alone changes what residents see."""


_APPLYING = "pledge_proposal_applying"  # session.info flag: an approved proposal is being applied


def _applying(session: Session) -> bool:
    return bool(session.info.get(_APPLYING))


def _maybe_new_version(session: Session, scope: Scope, found: Pledge, note: str) -> None:
    if found.status == PledgeStatus.published:
        if not _applying(session):
            raise ProposalNeeded
        session.flush()
        _publish_version(session, scope, found, note)


def create_pledge(session: Session, scope: Scope, values: dict[str, str]) -> Pledge:
    errors = rules.validate_pledge(values["title"], values["starts_on"], values["ends_on"])
    area_id = _own_area(session, scope, values.get("area_id", ""), errors, "area_id")
    if errors:
        raise ValidationFailed(errors)
    found = Pledge(municipality_id=scope.municipality_id, police_area_id=scope.municipality.police_area_id,
                   area_id=area_id, title={"sv": values["title"]}, intro={"sv": values["intro"]},
                   starts_on=rules.parse_date(values["starts_on"]) or clock.today(),
                   ends_on=rules.parse_date(values["ends_on"]) or clock.today())
    session.add(found)
    session.flush()
    _audit(session, scope, "pledge.create", "pledge", found.id, after=audit.snapshot(found))
    session.commit()
    return found


def row_id(raw: str) -> int | None:
    """A row id typed into a form: ASCII digits that fit the database's integer ("²" or 10**20 are no id)."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else None


def _own_area(session: Session, scope: Scope, raw: str, errors: dict[str, str], field: str) -> int | None:
    if not raw:
        return None
    area = session.get(Area, row_id(raw)) if row_id(raw) else None
    if area is None or area.municipality_id != scope.municipality_id:
        errors[field] = _("Välj ett område i kommunen.")
        return None
    return area.id


def edit_pledge(session: Session, scope: Scope, found: Pledge, values: dict[str, str], *, new_version: bool,
                note: str) -> None:
    refuse_unversioned(found, new_version)
    errors = rules.validate_pledge(values["title"], values["starts_on"], values["ends_on"])
    area_id = _own_area(session, scope, values.get("area_id", ""), errors, "area_id")
    if errors:
        raise ValidationFailed(errors)
    before = audit.snapshot(found)
    found.title = {**found.title, "sv": values["title"]}
    found.intro = {**found.intro, "sv": values["intro"]}
    found.starts_on = rules.parse_date(values["starts_on"]) or found.starts_on
    found.ends_on = rules.parse_date(values["ends_on"]) or found.ends_on
    found.area_id = area_id
    _touch(found)
    session.add(found)
    _audit(session, scope, "pledge.edit", "pledge", found.id, before, audit.snapshot(found))
    _maybe_new_version(session, scope, found, note)
    session.commit()


def save_focus_area(session: Session, scope: Scope, found: Pledge, row: PledgeFocusArea | None,
                    values: dict[str, str], figures: list[Figure], *, new_version: bool, note: str) -> PledgeFocusArea:
    refuse_unversioned(found, new_version)
    problem = values["problem"]
    if figures and not problem:  # pre-filled: "62 % of 1,240 residents in Centrum say littering is a big problem"
        problem = ". ".join(forms.figure_sentence(f.share, f.n, f.area, f.label) for f in figures) + "."
    errors = rules.validate_focus_area(values["title"], problem)
    if row is None:
        count = len(session.exec(select(PledgeFocusArea.id).where(PledgeFocusArea.pledge_id == found.id)).all())
        if count >= rules.MAX_FOCUS_AREAS:
            errors["fa_title"] = _("Ett medborgarlöfte kan ha högst %(n)s fokusområden.") % {
                "n": rules.MAX_FOCUS_AREAS}
    if errors:
        raise ValidationFailed(errors)
    before = audit.snapshot(row)
    if row is None:
        row = PledgeFocusArea(pledge_id=found.id or 0, position=count + 1)
    row.title = {**row.title, "sv": values["title"]}
    row.problem = {**row.problem, "sv": problem}
    row.cause = {**row.cause, "sv": values["cause"]}
    if figures:
        row.figures = [*row.figures, *[f.as_dict() for f in figures]]
    session.add(row)
    session.flush()
    _audit(session, scope, "pledge.focus_area.save", "pledge_focus_area", row.id, before, audit.snapshot(row))
    _touch(found)
    _maybe_new_version(session, scope, found, note)
    session.commit()
    return row


def delete_focus_area(session: Session, scope: Scope, found: Pledge, row: PledgeFocusArea, *, new_version: bool,
                      note: str) -> None:
    for act in session.exec(select(PledgeActivity).where(PledgeActivity.focus_area_id == row.id)).all():
        guard_activity(session, scope, act)  # deleting a focus area deletes its activities: each party its own
    refuse_unversioned(found, new_version)
    _audit(session, scope, "pledge.focus_area.delete", "pledge_focus_area", row.id, audit.snapshot(row))
    session.delete(row)
    session.flush()
    _maybe_new_version(session, scope, found, note)
    session.commit()


def save_activity(session: Session, scope: Scope, found: Pledge, row: PledgeActivity | None,
                  values: dict[str, str], *, new_version: bool, note: str) -> PledgeActivity:
    if row is not None:
        guard_activity(session, scope, row)
    refuse_unversioned(found, new_version)
    errors = rules.validate_activity(values["title"], values["party"], values["target_number"],
                                     values["starts_on"], values["ends_on"])
    party_id: int | None = None
    if values["party"] and values["party"] != "joint":
        party = session.get(Party, row_id(values["party"])) if row_id(values["party"]) else None
        if party is None or party.municipality_id != scope.municipality_id:
            errors["act_party"] = _("Välj vem som ansvarar för aktiviteten.")
        else:
            party_id = party.id
    focus_id = row_id(values["focus_area_id"]) or 0
    focus = session.get(PledgeFocusArea, focus_id)
    if focus is None or focus.pledge_id != found.id:
        errors["act_focus_area_id"] = _("Välj fokusområde.")
    observation_id = _own_observation(session, scope, values.get("observation_id", ""), errors)
    if errors:
        raise ValidationFailed(errors)
    if not _applying(session) and not rules.may_act_on_activity(actor(session, scope), party_id,
                                                                 values["party"] == "joint"):
        raise Forbidden  # police may not hand themselves, or write into, another party's activity
    before = audit.snapshot(row)
    if row is None:
        row = PledgeActivity(pledge_id=found.id or 0, focus_area_id=focus_id,
                             position=len(session.exec(select(PledgeActivity.id).where(
                                 PledgeActivity.pledge_id == found.id)).all()) + 1)
    row.focus_area_id = focus_id
    row.title = {**row.title, "sv": values["title"]}
    row.party_id, row.joint = party_id, values["party"] == "joint"
    row.target_number = rules.parse_count(values["target_number"])[0]
    row.target_unit = {**row.target_unit, "sv": values["target_unit"]}
    row.target_text = {**row.target_text, "sv": values["target_text"]}
    row.starts_on, row.ends_on = rules.parse_date(values["starts_on"]), rules.parse_date(values["ends_on"])
    row.observation_id = observation_id
    session.add(row)
    session.flush()
    _audit(session, scope, "pledge.activity.save", "pledge_activity", row.id, before, audit.snapshot(row))
    _touch(found)
    _maybe_new_version(session, scope, found, note)
    session.commit()
    return row


def _own_observation(session: Session, scope: Scope, raw: str, errors: dict[str, str]) -> int | None:
    if not raw:
        return None
    from app.models.dialogues import WalkObservation

    row = session.get(WalkObservation, row_id(raw)) if row_id(raw) else None
    if row is None or row.municipality_id != scope.municipality_id:
        errors["act_observation_id"] = _("Välj en observation från en trygghetsvandring i kommunen.")
        return None
    return row.id


def observation_options(session: Session, municipality_id: int) -> list[tuple[str, str]]:
    from app.models.dialogues import WalkObservation

    rows = session.exec(select(WalkObservation).where(WalkObservation.municipality_id == municipality_id)
                        .order_by(col(WalkObservation.id).desc()).limit(200)).all()
    return [("", _("Ingen"))] + [(str(r.id), f"#{r.id} {r.landmark or ''} – {r.problem[:60]}") for r in rows]


def set_activity_status(session: Session, scope: Scope, found: Pledge, row: PledgeActivity, status: str,
                        reason: str) -> None:
    guard_activity(session, scope, row)
    if found.status == PledgeStatus.closed:
        raise ValidationFailed({"status": _("Löftet är avslutat och kan inte ändras längre.")})
    if status not in ActivityStatus.__members__:
        raise ValidationFailed({"status": _("Välj en status.")})
    if status == ActivityStatus.cancelled and not reason:
        raise ValidationFailed({"cancel_reason": _("Skriv varför aktiviteten ställs in.")})
    before = audit.snapshot(row)
    row.status = ActivityStatus(status)
    row.cancel_reason = reason if status == ActivityStatus.cancelled else ""
    session.add(row)
    _audit(session, scope, "pledge.activity.status", "pledge_activity", row.id, before, audit.snapshot(row))
    session.commit()


def add_signatory(session: Session, scope: Scope, found: Pledge, name: str, role: str) -> None:
    refuse_unversioned(found, False) if found.status != PledgeStatus.draft else None
    errors: dict[str, str] = {}
    if not name:
        errors["sig_name"] = _("Skriv undertecknarens namn.")
    if not role:
        errors["sig_role"] = _("Skriv undertecknarens roll, t.ex. lokalpolisområdeschef.")
    if errors:
        raise ValidationFailed(errors)
    row = PledgeSignatory(pledge_id=found.id or 0, name=name, role=role)
    session.add(row)
    session.flush()
    _audit(session, scope, "pledge.signatory.add", "pledge_signatory", row.id, after=audit.snapshot(row))
    session.commit()


def add_indicator(session: Session, scope: Scope, found: Pledge, pick: str, area_raw: str, target: str,
                  label: str) -> PledgeIndicator:
    if found.status == PledgeStatus.closed:
        raise ValidationFailed({"ind_item": _("Löftet är avslutat och kan inte ändras längre.")})
    errors: dict[str, str] = {}
    share, ok = rules.parse_share(target)
    if share is None or not ok:
        errors["ind_target"] = _("Ange målet i procent, 0–100.")
    area_id = _own_area(session, scope, area_raw, errors, "ind_area")
    if errors:
        raise ValidationFailed(errors)
    try:
        figure = figure_from_survey(session, scope.municipality_id, pick, area_id)
    except ValidationFailed as exc:
        raise ValidationFailed({"ind_item" if k == "fig_item" else "ind_area": v for k, v in exc.errors.items()}) \
            from None
    if figure.share is None or figure.n is None:
        raise ValidationFailed({"ind_item": _("Siffran bygger på för få svar och kan inte vara ett utgångsläge.")})
    sid, qcode, icode = pick.split(":")
    survey = session.get(Survey, int(sid))
    assert survey is not None
    row = PledgeIndicator(pledge_id=found.id or 0, label={"sv": label or figure.label}, series_id=survey.series_id,
                          question_code=qcode, item_code=icode, area_id=area_id, baseline_wave=survey.wave,
                          baseline_share=figure.share, baseline_n=figure.n, target_share=share or 0.0)
    session.add(row)
    session.flush()
    _audit(session, scope, "pledge.indicator.add", "pledge_indicator", row.id, after=audit.snapshot(row))
    session.commit()
    return row


def remeasure_indicators(session: Session, survey_id: int) -> int:
    """Call when a survey wave closes: every indicator of the same series with an earlier baseline gets this
    wave's figure (unless a later wave is already measured). Returns how many indicators were updated."""
    survey = session.get(Survey, survey_id)
    if survey is None:
        return 0
    rows = session.exec(select(PledgeIndicator).join(Pledge, col(Pledge.id) == PledgeIndicator.pledge_id).where(
        PledgeIndicator.series_id == survey.series_id, Pledge.municipality_id == survey.municipality_id,
        col(PledgeIndicator.baseline_wave) < survey.wave)).all()
    updated = 0
    for row in rows:
        if row.latest_wave is not None and row.latest_wave > survey.wave:
            continue
        result = measure(session, survey_id, row.question_code, row.item_code, row.area_id)
        if result is None:
            continue
        row.latest_wave, row.latest_share, row.latest_n = survey.wave, result[0], result[1]
        row.measured_on = clock.today()
        session.add(row)
        audit.record(session, None, "pledge.indicator.remeasure", "pledge_indicator", row.id,
                     municipality_id=survey.municipality_id, after=audit.snapshot(row))
        updated += 1
    session.commit()
    return updated


def save_translations(session: Session, scope: Scope, found: Pledge, lang: str, values: dict[str, str]) -> int:
    """values: "pledge-title", "fa-<id>-problem", "act-<id>-title", ... -> text in `lang`. Returns changed count."""
    if lang == "sv" or lang not in scope.municipality.languages:
        raise ValidationFailed({"lang": _("Välj ett av kommunens språk.")})
    # The texts are the pledge's: what one side signed is not changed before the other signs (four eyes).
    if found.status == PledgeStatus.closed or (found.status == PledgeStatus.in_review and _signed(session, found)):
        raise ValidationFailed({"lang": _(
            "Löftet är signerat av en part eller avslutat, så texterna kan inte ändras nu. Skicka tillbaka det till "
            "utkast för att ändra dem.")})
    focus, acts = children(session, found)
    targets: list[tuple[Any, str, str]] = [(found, "title", "pledge-title"), (found, "intro", "pledge-intro")]
    for fa in focus:
        targets += [(fa, name, f"fa-{fa.id}-{name}") for name in ("title", "problem", "cause")]
    for act in acts:
        targets += [(act, name, f"act-{act.id}-{name}") for name in ("title", "target_unit", "target_text")]
    changes: list[tuple[Any, str, dict[str, str]]] = []
    for obj, attr, key in targets:
        text = values.get(key, "")
        current: dict[str, str] = dict(getattr(obj, attr))
        if current.get(lang, "") != text:
            if text:
                current[lang] = text
            else:
                current.pop(lang, None)
            changes.append((obj, attr, current))
    for obj in {id(o): o for o, _attr, _texts in changes if isinstance(o, PledgeActivity)}.values():
        guard_activity(session, scope, obj)  # an activity's texts are its party's, in every language
    if changes and found.status == PledgeStatus.published and not _applying(session):
        raise ProposalNeeded  # a published pledge's texts change only with the other side's approval
    for obj, attr, current in changes:
        setattr(obj, attr, current)
        session.add(obj)
    changed = len(changes)
    _audit(session, scope, "pledge.translate", "pledge", found.id, after={"language": lang, "changed": changed})
    session.commit()
    return changed


def publish_facts(session: Session, found: Pledge) -> rules.PublishFacts:
    focus, acts = children(session, found)
    signatories = session.exec(select(func.count()).select_from(PledgeSignatory)
                               .where(PledgeSignatory.pledge_id == found.id)).one()
    return rules.PublishFacts(
        focus_areas=len(focus),
        activities_per_focus=[sum(1 for a in acts if a.focus_area_id == f.id) for f in focus],
        activities_without_party=[localized(a.title, "sv") for a in acts if not a.joint and a.party_id is None],
        signatories=int(signatories))


def submit_for_review(session: Session, scope: Scope, found: Pledge) -> None:
    if found.status != PledgeStatus.draft:
        raise ValidationFailed({"status": _("Bara ett utkast kan skickas på granskning.")})
    errors = rules.publish_problems(publish_facts(session, found), signing=False)
    if errors:
        raise ValidationFailed(errors)
    found.status = PledgeStatus.in_review
    found.submitted_by = scope.user.id  # four eyes: this account may not sign this round
    _touch(found)
    session.add(found)
    _audit(session, scope, "pledge.submit", "pledge", found.id, after={"status": found.status})
    session.commit()


def return_to_draft(session: Session, scope: Scope, found: Pledge) -> None:
    """Back to draft (or a reopening called off): the round's signatures are void, both sides sign anew."""
    reopening = found.status == PledgeStatus.closed and found.reopen_requested_at is not None
    if found.status != PledgeStatus.in_review and not reopening:
        raise ValidationFailed({"status": _("Bara ett löfte som granskas kan skickas tillbaka till utkast.")})
    voided = _clear_signatures(session, found)
    if reopening:
        found.reopen_requested_at = None
    else:
        found.status = PledgeStatus.draft
    found.submitted_by = None
    session.add(found)
    _audit(session, scope, "pledge.return", "pledge", found.id,
           after={"status": found.status, "signatures_voided": voided})
    session.commit()


def signatures(session: Session, found: Pledge, round_: int | None = None) -> list[PledgeSignature]:
    """The signatures of a round (default: the one under way, which publishes version + 1)."""
    wanted = found.version + 1 if round_ is None else round_
    return list(session.exec(select(PledgeSignature).where(PledgeSignature.pledge_id == found.id,
                                                           PledgeSignature.round == wanted)
                             .order_by(col(PledgeSignature.id))).all())


def _signed(session: Session, found: Pledge) -> dict[str, int | None]:
    return {row.side: row.user_id for row in signatures(session, found)}


def _clear_signatures(session: Session, found: Pledge) -> int:
    rows = signatures(session, found)
    for row in rows:
        session.delete(row)
    return len(rows)


def signing_open(found: Pledge) -> bool:
    return found.status == PledgeStatus.in_review or (
        found.status == PledgeStatus.closed and found.reopen_requested_at is not None)


def sign(session: Session, scope: Scope, found: Pledge, signed_on: str) -> bool:
    """One side's signature (four eyes). Returns whether it was the second one, which publishes (or reopens)."""
    # Serialise signatures of one pledge (PostgreSQL), so two sides signing at once cannot both miss the other.
    session.exec(select(Pledge.id).where(Pledge.id == found.id).with_for_update()).first()
    if not signing_open(found):
        raise ValidationFailed({"status": _("Löftet måste granskas innan det signeras och publiceras.")})
    reopening = found.status == PledgeStatus.closed
    errors = {} if reopening else rules.publish_problems(publish_facts(session, found), signing=True)
    day = rules.parse_date(signed_on) if signed_on else clock.today()
    if day is None:
        errors["signed_on"] = _("Ange datum som ÅÅÅÅ-MM-DD.")
    who = actor(session, scope)
    signed = _signed(session, found)
    errors.update(rules.signing_problems(who, found.submitted_by, signed))
    if errors:
        raise ValidationFailed(errors)
    assert who.side is not None
    row = PledgeSignature(pledge_id=found.id or 0, round=found.version + 1, side=who.side, party_id=who.party_id,
                          user_id=scope.user.id, signer_name=scope.user.name[:200])
    session.add(row)
    session.flush()
    _audit(session, scope, "pledge.sign", "pledge_signature", row.id, after=audit.snapshot(row))
    signed[who.side] = scope.user.id
    if not rules.fully_signed(signed):
        session.commit()
        return False
    if reopening:
        found.status = PledgeStatus.published
        found.closed_at = None
        found.reopen_requested_at = None
        note = _("Återöppnat och undertecknat på nytt av polisen och kommunen.")
    else:
        for sig in session.exec(select(PledgeSignatory).where(PledgeSignatory.pledge_id == found.id)).all():
            sig.signed_on = sig.signed_on or day
            session.add(sig)
        found.status = PledgeStatus.published
        found.published_at = clock.now()
        note = _("Undertecknat och publicerat.")
    found.submitted_by = None
    _touch(found)
    session.add(found)
    _audit(session, scope, "pledge.reopen" if reopening else "pledge.sign_publish", "pledge", found.id,
           after={"status": found.status, "signatures": signed})
    session.flush()
    _publish_version(session, scope, found, note)
    session.commit()
    return True


def close_pledge(session: Session, scope: Scope, found: Pledge, confirmed: bool) -> None:
    if found.status != PledgeStatus.published:
        raise ValidationFailed({"status": _("Bara ett publicerat löfte kan avslutas.")})
    if not confirmed:
        raise ValidationFailed({"confirm_close": _("Kryssa i att du vill avsluta löftet. Ett avslutat löfte flyttas "
                                                   "till arkivet och kan bara öppnas igen som en ny version.")})
    before = audit.snapshot(found)
    found.status = PledgeStatus.closed
    found.closed_at = clock.now()
    session.add(found)
    _audit(session, scope, "pledge.close", "pledge", found.id, before, audit.snapshot(found))
    session.commit()


def request_reopen(session: Session, scope: Scope, found: Pledge) -> None:
    """Reopening a closed pledge is a new version, published again by both sides' signatures (four eyes); the
    pledge stays in the public archive until then."""
    if found.status != PledgeStatus.closed or found.reopen_requested_at is not None:
        raise ValidationFailed({"status": _("Bara ett avslutat löfte kan öppnas igen.")})
    _clear_signatures(session, found)
    found.reopen_requested_at = clock.now()
    found.submitted_by = scope.user.id
    session.add(found)
    _audit(session, scope, "pledge.reopen_request", "pledge", found.id, after={"status": found.status})
    session.commit()


def extend_pledge(session: Session, scope: Scope, found: Pledge, ends_on: str) -> None:
    """Extended unchanged for a new period: same texts and activities, a later end date, a new version."""
    if found.status != PledgeStatus.published:
        raise ValidationFailed({"extend_to": _("Bara ett publicerat löfte kan förlängas.")})
    end = rules.parse_date(ends_on)
    if end is None or end <= found.ends_on or (end - found.ends_on).days > 4 * 366:
        raise ValidationFailed({"extend_to": _("Ange ett nytt slutdatum efter det nuvarande, högst 4 år senare.")})
    before = audit.snapshot(found)
    found.ends_on = end
    session.add(found)
    _audit(session, scope, "pledge.extend", "pledge", found.id, before, audit.snapshot(found))
    _maybe_new_version(session, scope, found, _("Förlängt oförändrat till %(date)s.") % {"date": end.isoformat()})
    session.commit()


def public_snapshot(session: Session, found: Pledge) -> dict[str, Any]:
    focus, acts = children(session, found)
    names = {p.id or 0: p.name for p in parties(session, found.municipality_id)}
    items = []
    for fa in focus:
        items.append({"key": f"fa:{fa.id}", "text": _("Fokusområde: %(title)s – %(problem)s") % {
            "title": localized(fa.title, "sv"), "problem": localized(fa.problem, "sv")}})
        for act in (a for a in acts if a.focus_area_id == fa.id):
            target = (f"{act.target_number} {localized(act.target_unit, 'sv')}".strip()
                      if act.target_number is not None else localized(act.target_text, "sv"))
            items.append({"key": f"act:{act.id}", "text": _("Aktivitet: %(title)s (%(party)s; mål: %(target)s; "
                                                            "%(start)s–%(end)s)") % {
                "title": localized(act.title, "sv"), "party": party_label(act, names), "target": target or "–",
                "start": act.starts_on or "", "end": act.ends_on or ""}})
    return {"title": localized(found.title, "sv"), "intro": localized(found.intro, "sv"),
            "period": f"{found.starts_on} – {found.ends_on}", "items": items}


def _publish_version(session: Session, scope: Scope, found: Pledge, note: str) -> PledgeVersion:
    previous = session.exec(select(PledgeVersion).where(PledgeVersion.pledge_id == found.id)
                            .order_by(col(PledgeVersion.number).desc())).first()
    snap = public_snapshot(session, found)
    changes = rules.snapshot_changes(previous.snapshot, snap) if previous else []
    found.version = (previous.number if previous else 0) + 1
    session.add(found)
    row = PledgeVersion(pledge_id=found.id or 0, number=found.version, snapshot=snap, changes=changes,
                        note=note[:2000], actor_id=scope.user.id)
    session.add(row)
    session.flush()
    _audit(session, scope, "pledge.version", "pledge_version", row.id,
           after={"number": row.number, "changes": changes, "note": row.note})
    return row


# ------------------------------------------------------------------------------------------------ proposals


def _figures_of(values: dict[str, Any]) -> list[Figure]:
    return [Figure(**f) for f in values.get("figures", [])]


# kind -> the one service function that applies it: (session, scope, pledge, target id, values, note).
CHANGES: dict[str, Callable[[Session, Scope, Pledge, int | None, dict[str, Any], str], object]] = {
    "pledge.edit": lambda s, sc, f, t, v, n: edit_pledge(s, sc, f, v, new_version=True, note=n),
    "focus_area.save": lambda s, sc, f, t, v, n: save_focus_area(
        s, sc, f, focus_area(s, f, t) if t else None, v, _figures_of(v), new_version=True, note=n),
    "focus_area.delete": lambda s, sc, f, t, v, n: delete_focus_area(
        s, sc, f, focus_area(s, f, t or 0), new_version=True, note=n),
    "activity.save": lambda s, sc, f, t, v, n: save_activity(
        s, sc, f, activity(s, f, t) if t else None, v, new_version=True, note=n),
    "pledge.extend": lambda s, sc, f, t, v, n: extend_pledge(s, sc, f, v["ends_on"]),
    "pledge.translate": lambda s, sc, f, t, v, n: save_translations(s, sc, f, str(v["lang"]), v),
}


def change(session: Session, scope: Scope, found: Pledge, kind: str, target_id: int | None,
           values: dict[str, Any], *, new_version: bool, note: str) -> PledgeProposal | None:
    """Every versioned change of a pledge. A draft is changed at once; on a published pledge the change is fully
    validated by its service function, then rolled back and stored as a proposal that the other side approves
    (four eyes). Returns the proposal, or None when the change was applied."""
    refuse_unversioned(found, new_version)
    pledge_id = found.id
    try:
        CHANGES[kind](session, scope, found, target_id, values, note)
        return None
    except ProposalNeeded:
        session.rollback()  # nothing of the change is kept; only the proposal
    row = PledgeProposal(pledge_id=pledge_id or 0, kind=kind, target_id=target_id, values=values, note=note[:2000],
                         proposed_by=scope.user.id, side=actor(session, scope).side or "")
    session.add(row)
    session.flush()
    _audit(session, scope, "pledge.proposal.create", "pledge_proposal", row.id, after=audit.snapshot(row))
    session.commit()
    return row


def proposals(session: Session, found: Pledge) -> list[PledgeProposal]:
    return list(session.exec(select(PledgeProposal).where(PledgeProposal.pledge_id == found.id,
                                                          PledgeProposal.state == "pending")
                             .order_by(col(PledgeProposal.id))).all())


def proposers(session: Session, found: Pledge) -> dict[int, str]:
    ids = {p.proposed_by for p in proposals(session, found) if p.proposed_by}
    return {u.id or 0: u.name for u in session.exec(select(StaffUser).where(col(StaffUser.id).in_(ids))).all()}


def proposal_row(session: Session, found: Pledge, proposal_id: int) -> PledgeProposal:
    row = session.get(PledgeProposal, proposal_id)
    if row is None or row.pledge_id != found.id:
        raise NotFound
    return row


def decide_proposal(session: Session, scope: Scope, found: Pledge, row: PledgeProposal, approve: bool) -> None:
    """The other side's decision on a proposal. Approving applies it through the same service function as an
    unpublished change and publishes the new version with the proposer's note; rejecting changes nothing."""
    session.exec(select(Pledge.id).where(Pledge.id == found.id).with_for_update()).first()  # one decision at a time
    errors = rules.proposal_problems(actor(session, scope), row.proposed_by, row.side, row.state)
    if approve and not errors and found.status != PledgeStatus.published:
        errors = {"proposal": _("Löftet är inte längre publicerat, så ändringen kan inte godkännas.")}
    if errors:
        raise ValidationFailed(errors)
    before = audit.snapshot(row)
    row.state, row.decided_by = ("applied" if approve else "rejected"), scope.user.id
    session.add(row)
    _audit(session, scope, "pledge.proposal.approve" if approve else "pledge.proposal.reject", "pledge_proposal",
           row.id, before, audit.snapshot(row))
    if not approve:
        session.commit()
        return
    session.info[_APPLYING] = True
    try:
        CHANGES[row.kind](session, scope, found, row.target_id, dict(row.values), row.note)  # commits with the row
    finally:
        session.info.pop(_APPLYING, None)


# ------------------------------------------------------------------------------------------------ follow-up


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
    _audit(session, scope, "pledge.update.post", "pledge_update", update.id, after=audit.snapshot(update))
    mail_ids = _go_public(session, found, row, update) if state == UpdateState.published else []
    session.commit()
    return update, mail_ids


def _go_public(session: Session, found: Pledge, row: PledgeActivity, update: PledgeUpdate) -> list[int]:
    """An update becomes public: it counts toward the activity and subscribers are told (of a published pledge)."""
    row.achieved += update.achieved or 0
    row.last_update_on = max(update.posted_on, row.last_update_on or update.posted_on)
    if row.status == ActivityStatus.planned:
        row.status = ActivityStatus.in_progress
    session.add(row)
    return notify_subscribers(session, found, row, update) if found.status == PledgeStatus.published else []


def pledge_settings(session: Session, municipality_id: int) -> PledgeSettings:
    return session.get(PledgeSettings, municipality_id) or PledgeSettings(municipality_id=municipality_id)


def _needs_approval(session: Session, scope: Scope) -> bool:
    return (scope.role is not None and scope.role.value == "partner"
            and pledge_settings(session, scope.municipality_id).partner_updates_need_approval)


def save_pledge_settings(session: Session, scope: Scope, partner_updates_need_approval: bool) -> None:
    require_editor(session, scope)
    row = pledge_settings(session, scope.municipality_id)
    before = {"partner_updates_need_approval": row.partner_updates_need_approval}
    row.partner_updates_need_approval = partner_updates_need_approval
    session.add(row)
    _audit(session, scope, "pledge.settings", "municipality", scope.municipality_id, before,
           {"partner_updates_need_approval": partner_updates_need_approval})
    session.commit()


def update_row(session: Session, found: Pledge, update_id: int) -> PledgeUpdate:
    row = session.get(PledgeUpdate, update_id)
    if row is None or row.pledge_id != found.id:
        raise NotFound
    return row


def pending_updates(session: Session, found: Pledge) -> list[PledgeUpdate]:
    return list(session.exec(select(PledgeUpdate).where(PledgeUpdate.pledge_id == found.id,
                                                        PledgeUpdate.state == UpdateState.pending)
                             .order_by(col(PledgeUpdate.id))).all())


def review_update(session: Session, scope: Scope, found: Pledge, update: PledgeUpdate,
                  approve: bool) -> list[int]:
    """A coordinator approves (public, counted, mailed) or rejects (never public) a waiting partner update."""
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
    _audit(session, scope, "pledge.update.approve" if approve else "pledge.update.reject", "pledge_update",
           update.id, before, audit.snapshot(update))
    session.commit()
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
    _audit(session, scope, "pledge.update.correct", "pledge_update", update.id, before, audit.snapshot(update))
    session.commit()


def withdraw_update(session: Session, scope: Scope, found: Pledge, update: PledgeUpdate) -> None:
    """Withdrawn: the public page keeps a short "återkallad <date>" line in its place; the number stops counting."""
    row = _guard_update(session, scope, found, update)
    before = audit.snapshot(update)
    if update.state == UpdateState.published:
        row.achieved = max(row.achieved - (update.achieved or 0), 0)
        session.add(row)
    # One never public leaves no public trace: withdrawn before approval counts as rejected.
    update.state = UpdateState.withdrawn if update.state == UpdateState.published else UpdateState.rejected
    update.withdrawn_at = clock.now()
    session.add(update)
    _audit(session, scope, "pledge.update.withdraw", "pledge_update", update.id, before, audit.snapshot(update))
    session.commit()


def attachment_path(row: PledgeAttachment) -> Path:
    return upload_dir() / Path(row.filename).name


def attachment_headers(row: PledgeAttachment) -> dict[str, str]:
    return uploads.download_headers(f"bilaga-{row.id}{Path(row.filename).suffix}")


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
    names = {p.id or 0: p.name for p in parties(session, municipality_id)}
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
        kinds = {p.id: p.kind for p in parties(session, municipality.id or 0)}
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
    base = get_settings().base_url
    since = clock.now() - REMINDER_INTERVAL
    recent = {(row.entity_id, row.municipality_id) for row in session.exec(
        select(AuditLog).where(AuditLog.action == "pledge.reminder", col(AuditLog.at) >= since)).all()}
    reminders = [r for r in pledge_reminders(session, today) if (r.user_id, r.municipality_id) not in recent]
    for reminder in reminders:
        audit.record(session, None, "pledge.reminder", "staff_user", reminder.user_id,
                     municipality_id=reminder.municipality_id,
                     after={"activities": [f.activity_id for f in reminder.activities]})
        lines = [f"- {f.title} ({f.party}): " + ", ".join(
            ([_("försenad")] if f.overdue else []) + ([_("ingen uppföljning på länge")] if f.silent else []))
                 for f in reminder.activities]
        body = _("Hej! Följande aktiviteter i medborgarlöftena för %(m)s behöver en uppföljning:") % {
            "m": reminder.municipality} + "\n\n" + "\n".join(lines) + f"\n\n{base}/staff\n"
        mail.queue(session, reminder.to, _("Påminnelse: uppföljning av medborgarlöften"), body, ref="pledge_reminder")
    session.commit()
    return len(reminders)


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
    names = {p.id or 0: p.name for p in parties(session, found.municipality_id)}
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


# ------------------------------------------------------------------------------------------------ public view


def public_pledges(session: Session, municipality_id: int, area_id: int | None = None) -> tuple[
        list[Pledge], list[Pledge]]:
    """(current published pledges, archive of closed ones), optionally for one area."""
    query = select(Pledge).where(Pledge.municipality_id == municipality_id,
                                 col(Pledge.status).in_([PledgeStatus.published, PledgeStatus.closed]))
    if area_id is not None:
        query = query.where(Pledge.area_id == area_id)
    rows = session.exec(query.order_by(col(Pledge.starts_on).desc())).all()
    return ([p for p in rows if p.status == PledgeStatus.published],
            [p for p in rows if p.status == PledgeStatus.closed])


def public_pledge(session: Session, municipality_id: int, pledge_id: int) -> Pledge:
    found = pledge(session, municipality_id, pledge_id)
    if found.status not in (PledgeStatus.published, PledgeStatus.closed):
        raise NotFound
    return found


PUBLIC_UPDATE_STATES = (UpdateState.published, UpdateState.withdrawn)  # withdrawn: a short "återkallad" line


def _shown(share: Any, n: Any) -> float | None:
    """A stored figure as published: hidden when the published set hid it or (older rows) its n is under the
    threshold, so "100 % av 2 invånare" is never printed."""
    if share is None or n is None or int(n) < get_settings().suppression_min_n:
        return None
    return float(share)


def _percent(share: float | None, n: int | None) -> int | None:
    shown = _shown(share, n)
    return None if shown is None else round(shown * 100)


def pledge_view(session: Session, found: Pledge, lang: str, *, updates_limit: int = 30,
                staff: bool = False) -> dict[str, Any]:
    """Everything a public pledge page shows, in `lang` (Swedish where a text is not translated). `staff` adds
    the updates residents never see (waiting for approval, rejected)."""
    focus, acts = children(session, found)
    names = {p.id or 0: p.name for p in parties(session, found.municipality_id)}
    alabels, slabels = forms.activity_status_labels(), forms.status_labels()
    states = list(UpdateState) if staff else list(PUBLIC_UPDATE_STATES)
    updates = session.exec(select(PledgeUpdate).where(PledgeUpdate.pledge_id == found.id,
                                                      col(PledgeUpdate.state).in_(states))
                           .order_by(col(PledgeUpdate.posted_on).desc(), col(PledgeUpdate.id).desc())
                           .limit(updates_limit)).all()
    files: dict[int, list[PledgeAttachment]] = {}
    if updates:
        for att in session.exec(select(PledgeAttachment).where(
                col(PledgeAttachment.update_id).in_([u.id for u in updates]))).all():
            files.setdefault(att.update_id, []).append(att)
    observations: dict[int, Any] = {}
    obs_ids = [a.observation_id for a in acts if a.observation_id]
    if obs_ids:
        from app.models.dialogues import WalkObservation

        observations = {o.id or 0: o for o in session.exec(select(WalkObservation).where(
            col(WalkObservation.id).in_(obs_ids))).all()}
    act_titles = {a.id: localized(a.title, lang) for a in acts}
    focus_views = []
    for fa in focus:
        mine = [a for a in acts if a.focus_area_id == fa.id]
        activity_views = []
        for act in mine:
            obs = observations.get(act.observation_id or 0)
            activity_views.append({
                "id": act.id, "title": localized(act.title, lang), "party": party_label(act, names),
                "status": act.status, "status_label": alabels[act.status], "cancel_reason": act.cancel_reason,
                "target_number": act.target_number, "unit": localized(act.target_unit, lang),
                "target_text": localized(act.target_text, lang), "achieved": act.achieved,
                "starts_on": act.starts_on, "ends_on": act.ends_on,
                "percent": progress.percent(progress.activity_progress(facts(act))),
                "observation": ({"landmark": obs.landmark, "problem": obs.problem, "measure": obs.measure,
                                 "status": obs.status} if obs else None)})
        focus_views.append({
            "id": fa.id, "title": localized(fa.title, lang), "problem": localized(fa.problem, lang),
            "cause": localized(fa.cause, lang),
            "figures": [forms.figure_sentence(_shown(f.get("share"), f.get("n")), f.get("n"), str(f["area"]),
                                              str(f["label"])) for f in fa.figures],
            "percent": progress.percent(progress.focus_progress([facts(a) for a in mine])),
            "activities": activity_views})
    indicators = session.exec(select(PledgeIndicator).where(PledgeIndicator.pledge_id == found.id)
                              .order_by(col(PledgeIndicator.id))).all()
    area_names = {a.id: a.name for a in areas(session, found.municipality_id)}
    versions = session.exec(select(PledgeVersion).where(PledgeVersion.pledge_id == found.id)
                            .order_by(col(PledgeVersion.number).desc())).all()
    signatories = session.exec(select(PledgeSignatory).where(PledgeSignatory.pledge_id == found.id)
                               .order_by(col(PledgeSignatory.id))).all()
    return {
        "id": found.id, "title": localized(found.title, lang), "intro": localized(found.intro, lang),
        "starts_on": found.starts_on, "ends_on": found.ends_on, "status": found.status,
        "status_label": slabels[found.status], "version": found.version,
        "area": area_names.get(found.area_id) if found.area_id else None,
        "percent": progress.percent(progress.pledge_progress(
            [[facts(a) for a in acts if a.focus_area_id == fa.id] for fa in focus])),
        "focus_areas": focus_views,
        "updates": [_update_view(u, act_titles, names, files) for u in updates],
        "indicators": [{"label": localized(i.label, lang), "area": area_names.get(i.area_id, ""),
                        "baseline_wave": i.baseline_wave, "target": round(i.target_share * 100),
                        "baseline": _percent(i.baseline_share, i.baseline_n),
                        "baseline_n": i.baseline_n if _percent(i.baseline_share, i.baseline_n) is not None else None,
                        "latest_wave": i.latest_wave, "latest": _percent(i.latest_share, i.latest_n),
                        "latest_n": i.latest_n if _percent(i.latest_share, i.latest_n) is not None else None}
                       for i in indicators],
        "versions": [{"number": v.number, "date": v.created_at.date(), "changes": v.changes, "note": v.note}
                     for v in versions],
        "signatories": [{"name": s.name, "role": s.role, "signed_on": s.signed_on} for s in signatories],
    }


def _update_view(u: PledgeUpdate, act_titles: dict[int | None, str], names: dict[int, str],
                 files: dict[int, list[PledgeAttachment]]) -> dict[str, Any]:
    withdrawn = u.state == UpdateState.withdrawn  # residents see that something was withdrawn, not what
    return {"id": u.id, "activity_id": u.activity_id, "posted_on": u.posted_on, "state": str(u.state),
            "text": "" if withdrawn else u.text, "achieved": None if withdrawn else u.achieved,
            "party": names.get(u.party_id or 0, ""), "corrected_on": u.corrected_at.date() if u.corrected_at else None,
            "withdrawn_on": u.withdrawn_at.date() if u.withdrawn_at else None,
            "activity": act_titles.get(u.activity_id, ""), "files": [] if withdrawn else files.get(u.id or 0, [])}


def feed_entries(session: Session, municipality_id: int, limit: int = 50) -> list[dict[str, Any]]:
    rows = session.exec(
        select(PledgeUpdate, PledgeActivity, Pledge)
        .join(PledgeActivity, col(PledgeActivity.id) == PledgeUpdate.activity_id)
        .join(Pledge, col(Pledge.id) == PledgeUpdate.pledge_id)
        .where(Pledge.municipality_id == municipality_id, PledgeUpdate.state == UpdateState.published,
               col(Pledge.status).in_([PledgeStatus.published, PledgeStatus.closed]))
        .order_by(col(PledgeUpdate.created_at).desc(), col(PledgeUpdate.id).desc()).limit(limit)).all()
    names = {p.id or 0: p.name for p in parties(session, municipality_id)}
    return [{"id": u.id, "pledge_id": p.id, "pledge": localized(p.title, "sv"), "activity": localized(a.title, "sv"),
             "text": u.text, "achieved": u.achieved, "posted_on": u.posted_on, "party": names.get(u.party_id or 0, ""),
             "updated": u.corrected_at or u.created_at} for u, a, p in rows]


def municipality_section(session: Session, municipality: Municipality) -> tuple[str, dict[str, Any]] | None:
    """This domain's block on the public municipality page: (template, context), or None for nothing."""
    current, archive = public_pledges(session, municipality.id or 0)
    if not current and not archive:
        return None
    from app.i18n import current_language

    lang = current_language()
    return "public/pledges/_section.html", {
        "pledge_rows": [{"id": p.id, "title": localized(p.title, lang), "starts_on": p.starts_on,
                         "ends_on": p.ends_on} for p in current],
        "archive_count": len(archive), "municipality": municipality}


# ------------------------------------------------------------------------------------------------ subscribers


def subscribe(session: Session, municipality: Municipality, email: str, lang: str) -> PledgeSubscriber | None:
    """Double opt-in: stores an unconfirmed address and mails a confirmation link. Repeats do not duplicate."""
    errors = forms.validate_email(email)
    if errors:
        raise ValidationFailed(errors)
    email = email.strip().lower()
    found = session.exec(select(PledgeSubscriber).where(PledgeSubscriber.municipality_id == municipality.id,
                                                        PledgeSubscriber.email == email)).first()
    if found is None:
        found = PledgeSubscriber(municipality_id=municipality.id or 0, email=email, token=secrets.token_urlsafe(32),
                                 language=lang)
        session.add(found)
        session.commit()
    if found.confirmed:
        return None
    allowed = mail.confirmation_allowed(session, found.email)  # one confirmation per address and hour
    session.commit()
    if not allowed:
        return None
    link = f"{get_settings().base_url}/m/{municipality.slug}/pledges/confirm/{found.token}"
    mail.send(found.email, _("Bekräfta prenumerationen på medborgarlöften"),
              _("Någon (förhoppningsvis du) vill få e-post när %(m)s följer upp sina medborgarlöften. "
                "Bekräfta här: %(link)s\n\nOm det inte var du kan du strunta i det här mejlet; adressen raderas "
                "då efter 30 dagar.") % {"m": municipality.name, "link": link})
    return found


def subscriber(session: Session, municipality: Municipality, token: str) -> PledgeSubscriber:
    found = session.exec(select(PledgeSubscriber).where(PledgeSubscriber.token == token,
                                                        PledgeSubscriber.municipality_id == municipality.id)).first()
    if found is None:
        raise NotFound
    return found


def confirm(session: Session, municipality: Municipality, token: str) -> None:
    found = subscriber(session, municipality, token)
    found.confirmed = True
    session.add(found)
    session.commit()


def unsubscribe(session: Session, token: str) -> bool:
    """Deletes the address for good (one-click). Returns whether there was one."""
    found = session.exec(select(PledgeSubscriber).where(PledgeSubscriber.token == token)).first()
    if found is None:
        return False
    session.delete(found)
    session.commit()
    return True


def purge_unconfirmed(session: Session, days: int = 30) -> int:
    cutoff = clock.now() - timedelta(days=days)
    rows = session.exec(select(PledgeSubscriber).where(col(PledgeSubscriber.confirmed).is_(False),
                                                       col(PledgeSubscriber.created_at) < cutoff)).all()
    for row in rows:
        session.delete(row)
    session.commit()
    return len(rows)


def notify_subscribers(session: Session, found: Pledge, act: PledgeActivity, update: PledgeUpdate) -> list[int]:
    """Queue an update notice to every confirmed subscriber (in the caller's transaction); returns outbox ids.
    Each mail carries a one-click unsubscribe (RFC 8058) and a link to a page that deletes the address."""
    municipality = session.get(Municipality, found.municipality_id)
    if municipality is None:
        return []
    base = get_settings().base_url
    subs = session.exec(select(PledgeSubscriber).where(PledgeSubscriber.municipality_id == found.municipality_id,
                                                       col(PledgeSubscriber.confirmed).is_(True))).all()
    poster = session.get(Party, update.party_id) if update.party_id else None
    heading = localized(act.title, "sv") + (f" – {poster.name}" if poster else "")  # which party posted it
    rows = []
    for sub in subs:
        leave = f"{base}/m/{municipality.slug}/pledges/unsubscribe/{sub.token}"
        body = (f"{localized(found.title, 'sv')}\n{heading}\n\n{update.text}\n\n"
                f"{base}/m/{municipality.slug}/pledges/{found.id}\n\n"
                + _("Avsluta prenumerationen: %(link)s") % {"link": leave})
        subject = _("Ny uppföljning: %(title)s") % {"title": localized(found.title, "sv")}
        one_click = f"{base}/api/v1/pledges/unsubscribe/{sub.token}"
        rows.append(mail.queue(session, sub.email, subject, body, ref=f"pledge_update:{update.id}",
                               headers={"List-Unsubscribe": f"<{one_click}>",
                                        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}))
    session.flush()
    return [row.id for row in rows if row.id is not None]


def ensure_published(found: Pledge) -> None:
    if found.status not in (PledgeStatus.published, PledgeStatus.closed):
        raise Conflict
