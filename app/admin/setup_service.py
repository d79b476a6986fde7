"""The administrator's set-up of a municipality: settings, areas and sub-areas, parties, the audit log viewer,
and (for system administrators) creating a municipality with its first administrator.

Every change is written with an audit record in the same transaction; bad input raises ValidationFailed
before anything is written.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app import audit, geo
from app.admin import rules
from app.admin import service as admin_service
from app.audit import Action
from app.auth import Scope
from app.errors import NotFound, ValidationFailed
from app.i18n import LANGUAGES
from app.i18n import gettext as _
from app.models import Area, AuditLog, Membership, Municipality, Party, PartyKind, PoliceArea, StaffUser

AUDIT_PAGE_SIZE = 50
MAX_POPULATION = 10_000_000
NAME_MAX = 200


# --- pure form rules -----------------------------------------------------------------------------

def name_problem(name: str, missing: str) -> str | None:
    if not name:
        return missing
    if len(name) > NAME_MAX:
        return _("Namnet får vara högst 200 tecken.")
    return None


def parse_population(text: str) -> tuple[int | None, str | None]:
    """'6 200' -> 6200; empty -> None (unknown). Returns (value, problem)."""
    cleaned = text.replace(" ", "").replace("\u00a0", "")
    if not cleaned:
        return None, None
    if not cleaned.isdigit() or not cleaned.isascii():
        return None, _("Ange antalet invånare som ett heltal, till exempel 4100.")
    value = int(cleaned)
    if value > MAX_POPULATION:
        return None, _("Antalet invånare kan inte vara större än 10 000 000.")
    return value, None


def parse_languages(codes: list[str]) -> tuple[list[str], str | None]:
    """The languages offered to residents, in the interface's order; Swedish is always included."""
    unknown = [code for code in codes if code not in LANGUAGES]
    if unknown:
        return [], _("Välj språk i listan.")
    wanted = set(codes) | {"sv"}
    return [code for code in LANGUAGES if code in wanted], None


def parse_kind(value: str) -> PartyKind | None:
    try:
        return PartyKind(value)
    except ValueError:
        return None


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any


def changed_fields(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[FieldChange]:
    """The fields whose value differs between two audit snapshots, in a stable order."""
    old, new = before or {}, after or {}
    keys = list(dict.fromkeys([*old.keys(), *new.keys()]))
    return [FieldChange(key, old.get(key), new.get(key)) for key in keys if old.get(key) != new.get(key)]


def page_count(total: int, size: int = AUDIT_PAGE_SIZE) -> int:
    return max(1, math.ceil(total / size))


def local_time(at: datetime) -> str:
    """Swedish local time for people reading the log; stored times are UTC."""
    aware = at if at.tzinfo else at.replace(tzinfo=UTC)
    try:
        return aware.astimezone(ZoneInfo("Europe/Stockholm")).strftime("%Y-%m-%d %H:%M")
    except ZoneInfoNotFoundError:  # a minimal image without time zone data
        return aware.strftime("%Y-%m-%d %H:%M UTC")


def parse_page(value: str | None) -> int:
    """?page= from the address bar: anything odd means the first page, never an error."""
    try:
        page = int(value or "1")
    except ValueError:
        return 1
    return min(max(page, 1), 1_000_000)


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


@dataclass
class SettingsInput:
    name: str
    contact_email: str
    languages: list[str]
    police_area_id: str
    new_police_area: str = ""
    new_police_region: str = ""
    require_two_factor: bool = False


def save_settings(session: Session, scope: Scope, values: SettingsInput) -> Municipality:
    errors: dict[str, str] = {}
    if problem := name_problem(values.name, _("Ange kommunens namn.")):
        errors["name"] = problem
    email = rules.normalise_email(values.contact_email)
    if problem := rules.email_problem(email):
        errors["contact_email"] = problem
    languages, problem = parse_languages(values.languages)
    if problem:
        errors["languages"] = problem
    police_area: PoliceArea | None = None
    new_name = values.new_police_area.strip()
    if new_name:
        if len(new_name) > NAME_MAX or len(values.new_police_region) > NAME_MAX:
            errors["new_police_area"] = _("Namnet får vara högst 200 tecken.")
        else:
            police_area = session.exec(select(PoliceArea).where(
                func.lower(PoliceArea.name) == new_name.lower())).first()
    elif values.police_area_id:
        digits = values.police_area_id
        police_area = (session.get(PoliceArea, int(digits))  # ASCII and short: "²" or 10**20 is no id
                       if digits.isascii() and digits.isdigit() and len(digits) <= 9 else None)
        if police_area is None:
            errors["police_area_id"] = _("Välj ett lokalpolisområde i listan.")
    if errors:
        raise ValidationFailed(errors)
    if new_name and police_area is None:
        police_area = PoliceArea(name=new_name, region=values.new_police_region.strip())
        session.add(police_area)
        _flush_or_fail(session, {"new_police_area": _("Lokalpolisområdet finns redan.")})
        audit.record(session, scope.user, Action.POLICE_AREA_CREATE, "police_area", police_area.id,
                     municipality_id=scope.municipality_id, after=audit.snapshot(police_area))
    municipality = scope.municipality
    before = audit.snapshot(municipality)
    municipality.name = values.name
    municipality.contact_email = email
    municipality.languages = languages
    municipality.police_area_id = police_area.id if police_area else None
    municipality.require_two_factor = values.require_two_factor
    session.add(municipality)
    after = audit.snapshot(municipality)
    if changed_fields(before, after):
        audit.record(session, scope.user, Action.MUNICIPALITY_UPDATE, "municipality", municipality.id,
                     municipality_id=scope.municipality_id, before=before, after=after)
    session.commit()
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


def area(session: Session, scope: Scope, area_id: int) -> Area:
    found = session.exec(select(Area).where(Area.id == area_id,
                                            Area.municipality_id == scope.municipality_id)).first()
    if found is None:
        raise NotFound
    return found


def parent_options(session: Session, scope: Scope, editing: Area | None = None) -> list[Area]:
    """Top-level areas that may hold sub-areas (never the area itself)."""
    return [a for a in areas(session, scope) if a.parent_id is None and (editing is None or a.id != editing.id)]


@dataclass
class AreaInput:
    name: str
    slug: str
    parent_id: str
    population: str
    geojson: str
    upload: bytes | None = None  # an uploaded .geojson file wins over the text field


def save_area(session: Session, scope: Scope, existing: Area | None, values: AreaInput) -> Area:
    errors: dict[str, str] = {}
    if problem := name_problem(values.name, _("Ange områdets namn.")):
        errors["name"] = problem
    taken = set(session.exec(select(Area.slug).where(Area.municipality_id == scope.municipality_id,
                                                     Area.id != (existing.id if existing else -1))).all())
    slug = values.slug.lower()
    if slug:
        if problem := geo.slug_problem(slug):
            errors["slug"] = problem
        elif slug in taken:
            errors["slug"] = _("Kortadressen används redan av ett annat område i kommunen.")
    elif existing is not None and "name" not in errors:
        slug = existing.slug
    elif "name" not in errors:
        slug = geo.unique_slug(geo.slugify(values.name), taken)
    parent: Area | None = None
    if values.parent_id:
        parent = next((a for a in parent_options(session, scope, existing)
                       if str(a.id) == values.parent_id), None)
        if parent is None:
            errors["parent_id"] = _("Välj ett överordnat område i listan.")
        elif existing is not None and session.exec(select(Area.id).where(Area.parent_id == existing.id)).first():
            errors["parent_id"] = _("Området har egna delområden och kan därför inte bli ett delområde.")
    population, problem = parse_population(values.population)
    if problem:
        errors["population"] = problem
    polygon: str | None = None
    try:
        if values.upload:
            polygon = geo.normalise_geojson(geo.decode_upload(values.upload))
        elif values.geojson:
            polygon = geo.normalise_geojson(values.geojson)
    except geo.GeoJSONError as exc:
        errors["geojson_file" if values.upload else "geojson"] = exc.message
    if errors:
        raise ValidationFailed(errors)
    target = existing or Area(municipality_id=scope.municipality_id, slug=slug, name=values.name)
    before = _area_snapshot(existing)
    target.name, target.slug = values.name, slug
    target.parent_id = parent.id if parent else None
    target.population, target.geojson = population, polygon
    session.add(target)
    _flush_or_fail(session, {"slug": _("Kortadressen används redan av ett annat område i kommunen.")})
    after = _area_snapshot(target)
    if existing is None or changed_fields(before, after):
        audit.record(session, scope.user, Action.AREA_UPDATE if existing else Action.AREA_CREATE, "area", target.id,
                     municipality_id=scope.municipality_id, before=before, after=after)
    session.commit()
    return target


def area_delete_problem(session: Session, area: Area) -> str | None:
    if session.exec(select(Area.id).where(Area.parent_id == area.id)).first() is not None:
        return _("Området har delområden. Ta bort eller flytta delområdena först.")
    return None


def delete_area(session: Session, scope: Scope, area_id: int) -> Area:
    target = area(session, scope, area_id)
    if problem := area_delete_problem(session, target):
        raise ValidationFailed({"confirm": problem})
    before = _area_snapshot(target)
    session.delete(target)
    _flush_or_fail(session, {"confirm": _("Området används av enkäter, svar eller löften och kan inte tas bort.")})
    audit.record(session, scope.user, Action.AREA_DELETE, "area", area_id, municipality_id=scope.municipality_id,
                 before=before)
    session.commit()
    return target


# --- parties -------------------------------------------------------------------------------------

def kind_labels() -> dict[str, str]:
    return {PartyKind.police.value: _("Polisen"), PartyKind.municipality.value: _("Kommunen"),
            PartyKind.partner.value: _("Samverkanspart")}


def parties(session: Session, scope: Scope) -> list[Party]:
    return list(session.exec(select(Party).where(Party.municipality_id == scope.municipality_id)
                             .order_by(Party.kind, Party.name)).all())


def party(session: Session, scope: Scope, party_id: int) -> Party:
    found = session.exec(select(Party).where(Party.id == party_id,
                                             Party.municipality_id == scope.municipality_id)).first()
    if found is None:
        raise NotFound
    return found


def save_party(session: Session, scope: Scope, existing: Party | None, name: str, kind_value: str) -> Party:
    errors: dict[str, str] = {}
    if problem := name_problem(name, _("Ange partens namn.")):
        errors["name"] = problem
    elif session.exec(select(Party.id).where(Party.municipality_id == scope.municipality_id,
                                             func.lower(Party.name) == name.lower(),
                                             Party.id != (existing.id if existing else -1))).first():
        errors["name"] = _("Det finns redan en part med det namnet i kommunen.")
    kind = parse_kind(kind_value)
    if kind is None:
        errors["kind"] = _("Välj vilken sorts part det är.")
    if errors or kind is None:
        raise ValidationFailed(errors)
    before = _party_snapshot(existing)
    target = existing or Party(municipality_id=scope.municipality_id, kind=kind, name=name)
    target.name, target.kind = name, kind
    session.add(target)
    _flush_or_fail(session, {"name": _("Det finns redan en part med det namnet i kommunen.")})
    after = _party_snapshot(target)
    if existing is None or changed_fields(before, after):
        audit.record(session, scope.user, Action.PARTY_UPDATE if existing else Action.PARTY_CREATE, "party", target.id,
                     municipality_id=scope.municipality_id, before=before, after=after)
    session.commit()
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
    for user, membership in party_members(session, scope):
        wanted = found.id if user.id in chosen else (None if membership.party_id == found.id else membership.party_id)
        if wanted == membership.party_id:
            continue
        before = {"user_id": user.id, "party_id": membership.party_id}
        membership.party_id = wanted
        session.add(membership)
        audit.record(session, scope.user, Action.MEMBERSHIP_CHANGE_PARTY, "membership", membership.id,
                     municipality_id=scope.municipality_id, before=before, after={"user_id": user.id,
                                                                                  "party_id": wanted})
        changed += 1
    session.commit()
    return changed


def delete_party(session: Session, scope: Scope, party_id: int) -> Party:
    target = party(session, scope, party_id)
    before = _party_snapshot(target)
    session.delete(target)
    _flush_or_fail(session, {"confirm": _("Parten används i löften eller aktiviteter och kan inte tas bort.")})
    audit.record(session, scope.user, Action.PARTY_DELETE, "party", party_id, municipality_id=scope.municipality_id,
                 before=before)
    session.commit()
    return target


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


@dataclass
class MunicipalityInput:
    slug: str
    name: str
    languages: list[str]
    admin_name: str
    admin_email: str


def create_municipality(session: Session, actor: StaffUser, values: MunicipalityInput) -> Municipality:
    """A new municipality and an invitation for its first administrator (sent by mail), in one transaction."""
    errors: dict[str, str] = {}
    if problem := name_problem(values.name, _("Ange kommunens namn.")):
        errors["name"] = problem
    slug = values.slug.lower() or geo.slugify(values.name)
    if problem := geo.slug_problem(slug):
        errors["slug"] = problem
    elif session.exec(select(Municipality.id).where(Municipality.slug == slug)).first() is not None:
        errors["slug"] = _("Det finns redan en kommun med den kortadressen.")
    languages, problem = parse_languages(values.languages)
    if problem:
        errors["languages"] = problem
    if problem := name_problem(values.admin_name, _("Ange administratörens namn.")):
        errors["admin_name"] = problem
    admin_email = rules.normalise_email(values.admin_email)
    if problem := rules.email_problem(admin_email):
        errors["admin_email"] = problem
    if errors:
        raise ValidationFailed(errors)
    municipality = Municipality(slug=slug, name=values.name, languages=languages, contact_email="")
    session.add(municipality)
    _flush_or_fail(session, {"slug": _("Det finns redan en kommun med den kortadressen.")})
    audit.record(session, actor, Action.MUNICIPALITY_CREATE, "municipality", municipality.id,
                 municipality_id=municipality.id,
                 after=audit.snapshot(municipality))
    try:
        admin_service.invite(session, Scope(actor, municipality, None), admin_email, values.admin_name, "admin")
    except ValidationFailed as exc:
        session.rollback()
        raise ValidationFailed({f"admin_{key}": message for key, message in exc.errors.items()}) from None
    return municipality
