"""The administrator's set-up of a municipality: settings, areas and sub-areas, parties, the audit log viewer,
and (for system administrators) creating a municipality with its first administrator.

Every change is written with an audit record in the same transaction; bad input raises ValidationFailed
before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app import audit, geo
from app.admin import service as admin_service
from app.admin.rules import (
    AUDIT_PAGE_SIZE,
    FieldChange,
    changed_fields,
    local_time,
    page_count,
    parse_languages,
    parse_population,
)
from app.admin.staff_forms import AreaForm, MunicipalityForm, PartyForm, SettingsForm
from app.audit import Action
from app.auth import Scope
from app.db import writing
from app.errors import ValidationFailed
from app.i18n import gettext as _
from app.models import Area, AuditLog, Membership, Municipality, Party, PartyKind, PoliceArea, StaffUser

# --- helpers -------------------------------------------------------------------------------------

def _flush_or_fail(session: Session, errors: dict[str, str]) -> None:
    """Flush; a unique constraint lost to a concurrent request (or a row still referenced elsewhere) becomes a
    form message like the early check. The transaction is rolled back, so nothing of the request is written."""
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise ValidationFailed(errors) from None


def _area_snapshot(area: Area | None) -> dict[str, Any] | None:
    data = audit.snapshot(area)
    if data is not None:
        data["geojson"] = geo.summary(area.geojson if area else None)  # a fingerprint, not 512 kB per change
    return data


def _party_snapshot(party: Party | None) -> dict[str, Any] | None:
    if party is None:
        return None
    return {"id": party.id, "municipality_id": party.municipality_id, "kind": str(party.kind), "name": party.name}


# --- municipality settings -----------------------------------------------------------------------

def police_areas(session: Session) -> list[PoliceArea]:
    return list(session.exec(select(PoliceArea).order_by(PoliceArea.name)).all())


def save_settings(session: Session, scope: Scope, form: SettingsForm) -> Municipality:
    with writing(session):
        errors = form.problems()
        police_area: PoliceArea | None = None
        if form.new_police_area:
            police_area = session.exec(select(PoliceArea).where(
                func.lower(PoliceArea.name) == form.new_police_area.lower())).first()
        elif (number := form.police_area_number()) is not None:
            police_area = session.get(PoliceArea, number)
            if police_area is None:
                errors["police_area_id"] = _("Välj ett lokalpolisområde i listan.")
        if errors:
            raise ValidationFailed(errors)
        if form.new_police_area and police_area is None:
            police_area = PoliceArea(name=form.new_police_area, region=form.new_police_region)
            session.add(police_area)
            _flush_or_fail(session, {"new_police_area": _("Lokalpolisområdet finns redan.")})
            audit.record(session, scope.user, Action.POLICE_AREA_CREATE, "police_area", police_area.id,
                         municipality_id=scope.municipality_id, after=audit.snapshot(police_area))
        municipality = scope.municipality
        before = audit.snapshot(municipality)
        municipality.name = form.name
        municipality.contact_email = form.contact_email
        municipality.languages = form.offered()
        municipality.police_area_id = police_area.id if police_area else None
        municipality.require_two_factor = form.require_two_factor
        session.add(municipality)
        after = audit.snapshot(municipality)
        if changed_fields(before, after):
            audit.record(session, scope.user, Action.MUNICIPALITY_UPDATE, "municipality", municipality.id,
                         municipality_id=scope.municipality_id, before=before, after=after)
    return municipality


# --- areas and sub-areas -------------------------------------------------------------------------

@dataclass
class AreaNode:
    area: Area
    children: list[Area] = field(default_factory=list)


def areas(session: Session, scope: Scope) -> list[Area]:
    return list(session.exec(select(Area).where(Area.municipality_id == scope.municipality_id)
                             .order_by(Area.name, col(Area.id))).all())


def area_tree(session: Session, scope: Scope) -> list[AreaNode]:
    """Areas with their sub-areas; a sub-area whose parent is missing is shown at the top level."""
    rows = areas(session, scope)
    nodes = {a.id: AreaNode(a) for a in rows if a.parent_id is None}
    orphans = []
    for row in rows:
        if row.parent_id is not None:
            if row.parent_id in nodes:
                nodes[row.parent_id].children.append(row)
            else:
                orphans.append(AreaNode(row))
    return [*nodes.values(), *orphans]


def parent_options(session: Session, scope: Scope, editing: Area | None = None) -> list[Area]:
    """Top-level areas that may hold sub-areas (never the area itself)."""
    return [a for a in areas(session, scope) if a.parent_id is None and (editing is None or a.id != editing.id)]


def save_area(session: Session, scope: Scope, existing: Area | None, form: AreaForm) -> Area:
    taken_message = _("Kortadressen används redan av ett annat område i kommunen.")
    with writing(session):
        errors = form.problems()
        taken = set(session.exec(select(Area.slug).where(Area.municipality_id == scope.municipality_id,
                                                         Area.id != (existing.id if existing else -1))).all())
        slug = form.slug
        if slug and "slug" not in errors and slug in taken:
            errors["slug"] = taken_message
        elif not slug and "name" not in errors:
            slug = existing.slug if existing is not None else geo.unique_slug(geo.slugify(form.name), taken)
        parent: Area | None = None
        if form.parent_id:
            parent = next((a for a in parent_options(session, scope, existing) if str(a.id) == form.parent_id), None)
            if parent is None:
                errors["parent_id"] = _("Välj ett överordnat område i listan.")
            elif existing is not None and session.exec(select(Area.id).where(Area.parent_id == existing.id)).first():
                errors["parent_id"] = _("Området har egna delområden och kan därför inte bli ett delområde.")
        if errors:
            raise ValidationFailed(errors)
        target = existing or Area(municipality_id=scope.municipality_id, slug=slug, name=form.name)
        before = _area_snapshot(existing)
        target.name, target.slug = form.name, slug
        target.parent_id = parent.id if parent else None
        target.population, target.geojson = parse_population(form.population)[0], form.polygon()[0]
        session.add(target)
        _flush_or_fail(session, {"slug": taken_message})
        after = _area_snapshot(target)
        if existing is None or changed_fields(before, after):
            audit.record(session, scope.user, Action.AREA_UPDATE if existing else Action.AREA_CREATE, "area",
                         target.id, municipality_id=scope.municipality_id, before=before, after=after)
    return target


def area_delete_problem(session: Session, area: Area) -> str | None:
    if session.exec(select(Area.id).where(Area.parent_id == area.id)).first() is not None:
        return _("Området har delområden. Ta bort eller flytta delområdena först.")
    return None


def delete_area(session: Session, scope: Scope, target: Area) -> None:
    with writing(session):
        if problem := area_delete_problem(session, target):
            raise ValidationFailed({"confirm": problem})
        before, target_id = _area_snapshot(target), target.id
        session.delete(target)
        _flush_or_fail(session, {"confirm": _("Området används av enkäter, svar eller löften och kan inte tas bort.")})
        audit.record(session, scope.user, Action.AREA_DELETE, "area", target_id,
                     municipality_id=scope.municipality_id, before=before)


# --- parties -------------------------------------------------------------------------------------

def kind_labels() -> dict[str, str]:
    return {PartyKind.police.value: _("Polisen"), PartyKind.municipality.value: _("Kommunen"),
            PartyKind.partner.value: _("Samverkanspart")}


def parties(session: Session, scope: Scope) -> list[Party]:
    return list(session.exec(select(Party).where(Party.municipality_id == scope.municipality_id)
                             .order_by(Party.kind, Party.name)).all())


def save_party(session: Session, scope: Scope, existing: Party | None, form: PartyForm) -> Party:
    taken_message = _("Det finns redan en part med det namnet i kommunen.")
    with writing(session):
        errors = form.problems()
        if "name" not in errors and session.exec(select(Party.id).where(
                Party.municipality_id == scope.municipality_id, func.lower(Party.name) == form.name.lower(),
                Party.id != (existing.id if existing else -1))).first():
            errors["name"] = taken_message
        kind = form.party_kind()
        if errors or kind is None:
            raise ValidationFailed(errors)
        before = _party_snapshot(existing)
        target = existing or Party(municipality_id=scope.municipality_id, kind=kind, name=form.name)
        target.name, target.kind = form.name, kind
        session.add(target)
        _flush_or_fail(session, {"name": taken_message})
        after = _party_snapshot(target)
        if existing is None or changed_fields(before, after):
            audit.record(session, scope.user, Action.PARTY_UPDATE if existing else Action.PARTY_CREATE, "party",
                         target.id, municipality_id=scope.municipality_id, before=before, after=after)
    return target


def party_members(session: Session, scope: Scope) -> list[tuple[StaffUser, Membership]]:
    """The municipality's accounts with their memberships (each acts for at most one party)."""
    return [(user, membership) for user, membership in session.exec(
        select(StaffUser, Membership).join(Membership, col(Membership.user_id) == StaffUser.id)
        .where(Membership.municipality_id == scope.municipality_id).order_by(StaffUser.name)).all()]


def set_party_members(session: Session, scope: Scope, found: Party, chosen: set[int]) -> int:
    """Ties the chosen accounts to this party (moving them from any other) and unties the rest of its accounts.
    A partner account acts only for its party in the pledges; each change is audit-logged. Returns the count."""
    changed = 0
    with writing(session):
        for user, membership in party_members(session, scope):
            wanted = found.id if user.id in chosen else (
                None if membership.party_id == found.id else membership.party_id)
            if wanted == membership.party_id:
                continue
            before = {"user_id": user.id, "party_id": membership.party_id}
            membership.party_id = wanted
            session.add(membership)
            audit.record(session, scope.user, Action.MEMBERSHIP_CHANGE_PARTY, "membership", membership.id,
                         municipality_id=scope.municipality_id, before=before,
                         after={"user_id": user.id, "party_id": wanted})
            changed += 1
    return changed


def delete_party(session: Session, scope: Scope, target: Party) -> None:
    with writing(session):
        before, target_id = _party_snapshot(target), target.id
        session.delete(target)
        _flush_or_fail(session, {"confirm": _("Parten används i löften eller aktiviteter och kan inte tas bort.")})
        audit.record(session, scope.user, Action.PARTY_DELETE, "party", target_id,
                     municipality_id=scope.municipality_id, before=before)


# --- the audit log -------------------------------------------------------------------------------

@dataclass(frozen=True)
class AuditRow:
    entry: AuditLog
    actor: str | None
    changes: list[FieldChange]
    when: str


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    total: int
    page: int
    pages: int
    actions: list[str]
    entities: list[str]


def audit_page(session: Session, scope: Scope, page: int, action: str = "", entity: str = "") -> AuditPage:
    """One page of the municipality's audit log, newest first; counting and filtering happen in SQL."""
    conditions = [AuditLog.municipality_id == scope.municipality_id]
    if action:
        conditions.append(AuditLog.action == action)
    if entity:
        conditions.append(AuditLog.entity == entity)
    total = session.exec(select(func.count()).select_from(AuditLog).where(*conditions)).one()
    pages = page_count(total)
    page = min(page, pages)
    rows = session.exec(
        select(AuditLog, StaffUser.name, StaffUser.email)
        .outerjoin(StaffUser, col(StaffUser.id) == AuditLog.actor_id)
        .where(*conditions).order_by(col(AuditLog.at).desc(), col(AuditLog.id).desc())
        .offset((page - 1) * AUDIT_PAGE_SIZE).limit(AUDIT_PAGE_SIZE)
    ).all()
    mine = AuditLog.municipality_id == scope.municipality_id
    actions = list(session.exec(select(AuditLog.action).where(mine).distinct().order_by(AuditLog.action)).all())
    entities = list(session.exec(select(AuditLog.entity).where(mine).distinct().order_by(AuditLog.entity)).all())
    return AuditPage(
        rows=[AuditRow(entry, f"{name} ({email})" if name else None, changed_fields(entry.before, entry.after),
                       local_time(entry.at)) for entry, name, email in rows],
        total=total, page=page, pages=pages, actions=actions, entities=entities)


def action_labels() -> dict[str, str]:
    return {action.value: audit.label(action) for action in Action}


def entity_labels() -> dict[str, str]:
    return {"municipality": _("Kommun"), "area": _("Område"), "party": _("Part"),
            "police_area": _("Lokalpolisområde"), "staff_user": _("Användare"), "membership": _("Roll i kommun"),
            "invitation": _("Inbjudan")}


# --- municipalities (system administrators) ------------------------------------------------------

def municipalities(session: Session) -> list[Municipality]:
    return list(session.exec(select(Municipality).order_by(Municipality.name)).all())


def create_municipality(session: Session, actor: StaffUser, form: MunicipalityForm) -> Municipality:
    """A new municipality and an invitation for its first administrator (sent by mail), in one transaction."""
    with writing(session):
        errors = form.problems()
        slug = form.chosen_slug()
        if "slug" not in errors and session.exec(select(Municipality.id).where(Municipality.slug == slug)).first():
            errors["slug"] = _("Det finns redan en kommun med den kortadressen.")
        if errors:
            raise ValidationFailed(errors)
        municipality = Municipality(slug=slug, name=form.name, languages=parse_languages(form.languages)[0],
                                    contact_email="")
        session.add(municipality)
        _flush_or_fail(session, {"slug": _("Det finns redan en kommun med den kortadressen.")})
        audit.record(session, actor, Action.MUNICIPALITY_CREATE, "municipality", municipality.id,
                     municipality_id=municipality.id, after=audit.snapshot(municipality))
        try:
            invitation = admin_service.add_invitation(session, Scope(actor, municipality, None), form.admin_email,
                                                      form.admin_name, "admin")
        except ValidationFailed as exc:
            raise ValidationFailed({f"admin_{key}": message for key, message in exc.errors.items()}) from None
    admin_service.mail_invitation(invitation, municipality)
    return municipality
