"""Writing a pledge's content: the pledge, focus areas, activities, signatories and translations."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from app import audit, clock
from app.audit import Action
from app.auth import Scope
from app.db import writing
from app.errors import Forbidden, ValidationFailed
from app.i18n import gettext as _
from app.models import Party
from app.models.pledges import (
    ActivityStatus,
    Pledge,
    PledgeActivity,
    PledgeFocusArea,
    PledgeSignatory,
    PledgeStatus,
)
from app.pledges import forms, rules
from app.pledges.access import actor, applying, guard_activity, record_audit
from app.pledges.figures import Figure
from app.pledges.queries import children, own_area, own_observation, row_id, signed_sides
from app.pledges.versions import ProposalNeeded, maybe_new_version, refuse_unversioned, touch


def create_pledge(session: Session, scope: Scope, values: dict[str, str]) -> Pledge:
    with writing(session):
        errors = rules.validate_pledge(values["title"], values["starts_on"], values["ends_on"])
        area_id = own_area(session, scope, values.get("area_id", ""), errors, "area_id")
        if errors:
            raise ValidationFailed(errors)
        found = Pledge(municipality_id=scope.municipality_id, police_area_id=scope.municipality.police_area_id,
                       area_id=area_id, title={"sv": values["title"]}, intro={"sv": values["intro"]},
                       starts_on=rules.parse_date(values["starts_on"]) or clock.today(),
                       ends_on=rules.parse_date(values["ends_on"]) or clock.today())
        session.add(found)
        session.flush()
        record_audit(session, scope, Action.PLEDGE_CREATE, "pledge", found.id, after=audit.snapshot(found))
        return found


def edit_pledge(session: Session, scope: Scope, found: Pledge, values: dict[str, str], *, new_version: bool,
                note: str) -> None:
    with writing(session):
        refuse_unversioned(found, new_version)
        errors = rules.validate_pledge(values["title"], values["starts_on"], values["ends_on"])
        area_id = own_area(session, scope, values.get("area_id", ""), errors, "area_id")
        if errors:
            raise ValidationFailed(errors)
        before = audit.snapshot(found)
        found.title = {**found.title, "sv": values["title"]}
        found.intro = {**found.intro, "sv": values["intro"]}
        found.starts_on = rules.parse_date(values["starts_on"]) or found.starts_on
        found.ends_on = rules.parse_date(values["ends_on"]) or found.ends_on
        found.area_id = area_id
        touch(found)
        session.add(found)
        record_audit(session, scope, Action.PLEDGE_UPDATE, "pledge", found.id, before, audit.snapshot(found))
        maybe_new_version(session, scope, found, note)


def save_focus_area(session: Session, scope: Scope, found: Pledge, row: PledgeFocusArea | None,
                    values: dict[str, str], figures: list[Figure], *, new_version: bool, note: str) -> PledgeFocusArea:
    with writing(session):
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
        record_audit(session, scope, Action.PLEDGE_FOCUS_AREA_SAVE, "pledge_focus_area", row.id, before,
                     audit.snapshot(row))
        touch(found)
        maybe_new_version(session, scope, found, note)
        return row


def delete_focus_area(session: Session, scope: Scope, found: Pledge, row: PledgeFocusArea, *, new_version: bool,
                      note: str) -> None:
    with writing(session):
        for act in session.exec(select(PledgeActivity).where(PledgeActivity.focus_area_id == row.id)).all():
            guard_activity(session, scope, act)  # deleting a focus area deletes its activities: each party its own
        refuse_unversioned(found, new_version)
        record_audit(session, scope, Action.PLEDGE_FOCUS_AREA_DELETE, "pledge_focus_area", row.id, audit.snapshot(row))
        session.delete(row)
        session.flush()
        maybe_new_version(session, scope, found, note)


def save_activity(session: Session, scope: Scope, found: Pledge, row: PledgeActivity | None,
                  values: dict[str, str], *, new_version: bool, note: str) -> PledgeActivity:
    with writing(session):
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
        observation_id = own_observation(session, scope, values.get("observation_id", ""), errors)
        if errors:
            raise ValidationFailed(errors)
        if not applying(session) and not rules.may_act_on_activity(actor(session, scope), party_id,
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
        record_audit(session, scope, Action.PLEDGE_ACTIVITY_SAVE, "pledge_activity", row.id, before,
                     audit.snapshot(row))
        touch(found)
        maybe_new_version(session, scope, found, note)
        return row


def set_activity_status(session: Session, scope: Scope, found: Pledge, row: PledgeActivity, status: str,
                        reason: str) -> None:
    with writing(session):
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
        record_audit(session, scope, Action.PLEDGE_ACTIVITY_CHANGE_STATUS, "pledge_activity", row.id, before,
                     audit.snapshot(row))


def add_signatory(session: Session, scope: Scope, found: Pledge, signatory: forms.SignatoryForm) -> None:
    with writing(session):
        refuse_unversioned(found, False) if found.status != PledgeStatus.draft else None
        errors: dict[str, str] = {}  # staff words, kept here: forms.py holds what residents read (in Arabic too)
        if not signatory.name:
            errors["sig_name"] = _("Skriv undertecknarens namn.")
        if not signatory.role:
            errors["sig_role"] = _("Skriv undertecknarens roll, t.ex. lokalpolisområdeschef.")
        if errors:
            raise ValidationFailed(errors)
        row = PledgeSignatory(pledge_id=found.id or 0, name=signatory.name, role=signatory.role)
        session.add(row)
        session.flush()
        record_audit(session, scope, Action.PLEDGE_SIGNATORY_ADD, "pledge_signatory", row.id, after=audit.snapshot(row))


def save_translations(session: Session, scope: Scope, found: Pledge, lang: str, values: dict[str, str]) -> int:
    """values: "pledge-title", "fa-<id>-problem", "act-<id>-title", ... -> text in `lang`. Returns changed count."""
    with writing(session):
        if lang == "sv" or lang not in scope.municipality.languages:
            raise ValidationFailed({"lang": _("Välj ett av kommunens språk.")})
        # The texts are the pledge's: what one side signed is not changed before the other signs (four eyes).
        signed = found.status == PledgeStatus.in_review and signed_sides(session, found)
        if found.status == PledgeStatus.closed or signed:
            raise ValidationFailed({"lang": _(
                "Löftet är signerat av en part eller avslutat, så texterna kan inte ändras nu. Skicka tillbaka det "
                "till utkast för att ändra dem.")})
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
        if changes and found.status == PledgeStatus.published and not applying(session):
            raise ProposalNeeded  # a published pledge's texts change only with the other side's approval
        for obj, attr, current in changes:
            setattr(obj, attr, current)
            session.add(obj)
        changed = len(changes)
        record_audit(session, scope, Action.PLEDGE_TRANSLATE, "pledge", found.id,
                     after={"language": lang, "changed": changed})
        return changed


def extend_pledge(session: Session, scope: Scope, found: Pledge, ends_on: str) -> None:
    """Extended unchanged for a new period: same texts and activities, a later end date, a new version."""
    with writing(session):
        if found.status != PledgeStatus.published:
            raise ValidationFailed({"extend_to": _("Bara ett publicerat löfte kan förlängas.")})
        end = rules.parse_date(ends_on)
        if end is None or end <= found.ends_on or (end - found.ends_on).days > 4 * 366:
            raise ValidationFailed({"extend_to": _("Ange ett nytt slutdatum efter det nuvarande, högst 4 år senare.")})
        before = audit.snapshot(found)
        found.ends_on = end
        session.add(found)
        record_audit(session, scope, Action.PLEDGE_EXTEND, "pledge", found.id, before, audit.snapshot(found))
        maybe_new_version(session, scope, found, _("Förlängt oförändrat till %(date)s.") % {"date": end.isoformat()})
