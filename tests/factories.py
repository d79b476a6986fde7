"""Factories for test data: small functions with sensible defaults, each adding and flushing one thing."""

from __future__ import annotations

import itertools

import pyotp
from argon2 import PasswordHasher
from sqlalchemy.orm import object_session
from sqlmodel import Session

from app.models import Area, Membership, Municipality, Party, PartyKind, Role, StaffUser

PASSWORD = "correct horse battery staple"
# Argon2 verifies with the cost stored in the hash: a cheap hash keeps the hundreds of logins in the
# authorization matrix fast. Production hashes use app.auth's default (expensive) parameters.
_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
_counter = itertools.count(1)


def municipality(session: Session, slug: str | None = None, name: str | None = None,
                 languages: list[str] | None = None) -> Municipality:
    n = next(_counter)
    found = Municipality(slug=slug or f"kommun-{n}", name=name or f"Testkommun {n}",
                         languages=languages or ["sv", "en", "ar"], contact_email="trygg@test.example")
    session.add(found)
    session.flush()
    return found


def area(session: Session, municipality: Municipality, name: str | None = None, parent: Area | None = None,
         population: int | None = 1000) -> Area:
    n = next(_counter)
    found = Area(municipality_id=municipality.id or 0, slug=f"omrade-{n}", name=name or f"Område {n}",
                 parent_id=parent.id if parent else None, population=population)
    session.add(found)
    session.flush()
    return found


def party(session: Session, municipality: Municipality, kind: PartyKind = PartyKind.police,
          name: str | None = None) -> Party:
    found = Party(municipality_id=municipality.id or 0, kind=kind, name=name or f"Part {next(_counter)}")
    session.add(found)
    session.flush()
    return found


def staff(session: Session, municipality: Municipality | None = None, role: Role = Role.coordinator,
          email: str | None = None, superadmin: bool = False, active: bool = True,
          two_factor: bool | None = None, party: Party | None = None) -> StaffUser:
    """A staff account; system administrators have two-factor sign-in set up (they must), others only if asked."""
    user = StaffUser(email=email or f"person{next(_counter)}@test.example", name=f"Person {next(_counter)}",
                     password_hash=_HASH, is_superadmin=superadmin, is_active=active,
                     totp_secret=pyotp.random_base32() if (superadmin if two_factor is None else two_factor) else None)
    session.add(user)
    session.flush()
    if municipality is not None:
        session.add(Membership(user_id=user.id or 0, municipality_id=municipality.id or 0, role=role,
                               party_id=party.id if party else None))
        session.flush()
    return user


def totp_code(user: StaffUser) -> str:
    """The app's current code for the account, usable again: forgets the last step used, as if 30 s had passed
    (tests sign the same account in many times a second; the reuse rule has its own tests)."""
    assert user.totp_secret, "the account has no two-factor sign-in"
    session = object_session(user)
    if session is not None and user.totp_last_step is not None:
        user.totp_last_step = None
        session.add(user)
        session.commit()
    return pyotp.TOTP(user.totp_secret).now()
