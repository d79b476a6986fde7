"""Idempotent demo data: the fictional municipality of Strandvik with sub-areas, parties and staff users.

Each domain adds its own demo data in `app/<domain>/demo.py`; `load()` calls them in order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlmodel import Session, select

from app.auth import hash_password
from app.concerns import demo as concerns_demo
from app.cycles import demo as cycles_demo
from app.dialogues import demo as dialogues_demo
from app.models import Area, Membership, Municipality, Party, PartyKind, PoliceArea, Role, StaffUser
from app.pledges import demo as pledges_demo
from app.surveys import demo as surveys_demo

DEMO_PASSWORD = "demo-losenord-2026"  # noqa: S105 - printed for the demo, never used in production
DEMO_SLUG = "strandvik"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str
    password: str


def _square(x: float, y: float, size: float = 0.01) -> str:
    """A small polygon near the fictional town, so maps have shapes to draw without a tile server."""
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


SUB_AREAS = [  # slug, name, population, polygon origin
    ("centrum", "Centrum", 6200, (16.540, 59.370)),
    ("norra-hamnen", "Norra hamnen", 4100, (16.550, 59.380)),
    ("vastra-strand", "Västra Strand", 5300, (16.530, 59.370)),
    ("ekbacken", "Ekbacken", 3900, (16.550, 59.360)),
    ("solhojden", "Solhöjden", 2800, (16.540, 59.360)),
]

STAFF = [  # email, name, role, party name or None
    ("admin@strandvik.example", "Alva Admin", Role.admin, None),
    ("samordnare@strandvik.example", "Sara Samordnare", Role.coordinator, "Strandviks kommun"),
    ("kommunpolis@strandvik.example", "Kim Kommunpolis", Role.police, "Polisen, LPO Strandvik"),
    ("bostader@strandvik.example", "Pia Partner", Role.partner, "Strandviksbostäder AB"),
    ("lasare@strandvik.example", "Vera Visare", Role.viewer, None),
]


def load(session: Session) -> list[DemoLogin]:
    municipality = _municipality(session)
    _areas(session, municipality)
    parties = _parties(session, municipality)
    logins = _staff(session, municipality, parties)
    logins.append(_system_admin(session))
    session.commit()
    surveys_demo.load(session, municipality)
    dialogues_demo.load(session, municipality)
    pledges_demo.load(session, municipality)
    concerns_demo.load(session, municipality)
    cycles_demo.load(session, municipality)
    session.commit()
    return logins


def _municipality(session: Session) -> Municipality:
    found = session.exec(select(Municipality).where(Municipality.slug == DEMO_SLUG)).first()
    if found:
        return found
    lpo = session.exec(select(PoliceArea).where(PoliceArea.name == "LPO Strandvik")).first()
    if lpo is None:
        lpo = PoliceArea(name="LPO Strandvik", region="Region Öst")
        session.add(lpo)
        session.flush()
    municipality = Municipality(slug=DEMO_SLUG, name="Strandviks kommun", police_area_id=lpo.id,
                                languages=["sv", "en", "ar", "so", "fa"],
                                contact_email="trygghet@strandvik.example")
    session.add(municipality)
    session.flush()
    return municipality


def _areas(session: Session, municipality: Municipality) -> None:
    existing = {a.slug for a in session.exec(select(Area).where(Area.municipality_id == municipality.id)).all()}
    if "strandvik" not in existing:
        session.add(Area(municipality_id=municipality.id or 0, slug="strandvik", name="Strandvik tätort",
                         population=sum(p for _, _, p, _ in SUB_AREAS)))
        session.flush()
    parent = session.exec(select(Area).where(Area.municipality_id == municipality.id,
                                             Area.slug == "strandvik")).one()
    for slug, name, population, (x, y) in SUB_AREAS:
        if slug not in existing:
            session.add(Area(municipality_id=municipality.id or 0, parent_id=parent.id, slug=slug, name=name,
                             population=population, geojson=_square(x, y)))
    session.flush()


def _parties(session: Session, municipality: Municipality) -> dict[str, Party]:
    wanted = [(PartyKind.police, "Polisen, LPO Strandvik"), (PartyKind.municipality, "Strandviks kommun"),
              (PartyKind.partner, "Strandviksbostäder AB")]
    existing = {p.name: p for p in session.exec(select(Party).where(Party.municipality_id == municipality.id))}
    for kind, name in wanted:
        if name not in existing:
            party = Party(municipality_id=municipality.id or 0, kind=kind, name=name)
            session.add(party)
            existing[name] = party
    session.flush()
    return existing


SYSTEM_ADMIN_EMAIL = "system@trygghetsdialog.example"


def _system_admin(session: Session) -> DemoLogin:
    """A system administrator, so the demo shows creating municipalities too."""
    if session.exec(select(StaffUser).where(StaffUser.email == SYSTEM_ADMIN_EMAIL)).first() is None:
        session.add(StaffUser(email=SYSTEM_ADMIN_EMAIL, name="Sam System", is_superadmin=True,
                              password_hash=hash_password(DEMO_PASSWORD)))
    return DemoLogin(SYSTEM_ADMIN_EMAIL, "system admin", DEMO_PASSWORD)


def _staff(session: Session, municipality: Municipality, parties: dict[str, Party]) -> list[DemoLogin]:
    logins = []
    for email, name, role, party_name in STAFF:
        user = session.exec(select(StaffUser).where(StaffUser.email == email)).first()
        if user is None:
            user = StaffUser(email=email, name=name, password_hash=hash_password(DEMO_PASSWORD))
            session.add(user)
            session.flush()
            party_id = parties[party_name].id if party_name else None
            session.add(Membership(user_id=user.id or 0, municipality_id=municipality.id or 0, role=role,
                                   party_id=party_id))
        logins.append(DemoLogin(email, role.value, DEMO_PASSWORD))
    return logins
