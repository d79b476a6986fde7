"""Factories for pledge test data: a pledge with focus areas and activities in any status."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from app.models import Municipality, Party, PartyKind
from app.models.pledges import (
    ActivityStatus,
    Pledge,
    PledgeActivity,
    PledgeFocusArea,
    PledgeSignatory,
    PledgeStatus,
)
from tests import factories


def pledge(session: Session, municipality: Municipality, status: PledgeStatus = PledgeStatus.draft,
           title: str = "Tryggare Centrum") -> Pledge:
    found = Pledge(municipality_id=municipality.id or 0, title={"sv": title}, intro={"sv": "Vi lovar."},
                   starts_on=date(2025, 1, 1), ends_on=date(2026, 12, 31), status=status,
                   version=1 if status == PledgeStatus.published else 0)
    session.add(found)
    session.flush()
    return found


def focus_area(session: Session, found: Pledge, title: str = "Nedskräpning", figures: list[dict[str, object]]
               | None = None) -> PledgeFocusArea:
    row = PledgeFocusArea(pledge_id=found.id or 0, title={"sv": title}, problem={"sv": "Mycket skräp."},
                          cause={"sv": "För få papperskorgar."}, figures=figures or [])
    session.add(row)
    session.flush()
    return row


def activity(session: Session, found: Pledge, focus: PledgeFocusArea, party: Party | None = None,
             title: str = "Fler papperskorgar", target: int | None = 10,
             status: ActivityStatus = ActivityStatus.planned, ends_on: date | None = None,
             starts_on: date | None = None, joint: bool = False) -> PledgeActivity:
    row = PledgeActivity(pledge_id=found.id or 0, focus_area_id=focus.id or 0, title={"sv": title},
                         party_id=party.id if party else None, joint=joint, target_number=target,
                         target_unit={"sv": "st"}, status=status, ends_on=ends_on, starts_on=starts_on)
    session.add(row)
    session.flush()
    return row


def complete_pledge(session: Session, municipality: Municipality,
                    status: PledgeStatus = PledgeStatus.in_review) -> tuple[Pledge, list[PledgeActivity]]:
    """Two focus areas, an activity for the police and one for the municipality, and a signatory."""
    police = factories.party(session, municipality, PartyKind.police)
    town = factories.party(session, municipality, PartyKind.municipality)
    found = pledge(session, municipality, status)
    first = focus_area(session, found, "Nedskräpning")
    second = focus_area(session, found, "Trafik")
    acts = [activity(session, found, first, town, "Fler papperskorgar", 10),
            activity(session, found, second, police, "Hastighetskontroller", 20)]
    session.add(PledgeSignatory(pledge_id=found.id or 0, name="Lena Chef", role="Lokalpolisområdeschef"))
    session.flush()
    return found, acts
