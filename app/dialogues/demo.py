"""Demo data of the dialogues domain (idempotent): an upcoming dialogue meeting and focus group, a safety walk
with observations, and a past meeting whose sign-ups are already deleted (counts only)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, select

from app import clock
from app.models import Area, Municipality, Party
from app.models.dialogues import DialogueEvent, EventKind, ObservationCategory, ObservationStatus, WalkObservation

FOCUS_GROUP_TITLE = "Fokusgrupp: unga om kvällarna i Centrum"


def _at(days: int, hour: int) -> datetime:
    """A time `days` from today at `hour` o'clock Swedish time (UTC+1 in winter is close enough for demo data)."""
    base = clock.now().replace(hour=0, minute=0, second=0) + timedelta(days=days)
    return base.replace(hour=hour - 1)


def load(session: Session, municipality: Municipality) -> None:
    """Adds this domain's demo rows for the demo municipality; does nothing when they exist."""
    exists = session.exec(select(DialogueEvent.id).where(DialogueEvent.municipality_id == municipality.id)).first()
    if exists is not None:
        return
    areas = {a.slug: a for a in session.exec(select(Area).where(Area.municipality_id == municipality.id)).all()}
    parties = {p.name: p for p in session.exec(select(Party).where(Party.municipality_id == municipality.id)).all()}
    mid = municipality.id or 0

    def area_id(slug: str) -> int | None:
        return areas[slug].id if slug in areas else None

    def party_id(name: str) -> int | None:
        return parties[name].id if name in parties else None

    session.add(DialogueEvent(
        municipality_id=mid, area_id=area_id("norra-hamnen"), kind=EventKind.meeting,
        title={"sv": "Dialogmöte om tryggheten i Norra hamnen", "en": "Dialogue meeting on safety in Norra hamnen"},
        description={"sv": "Polisen och kommunen berättar vad som har hänt sedan förra året och vill höra vad du "
                           "tycker. Fika finns.",
                     "en": "The police and the municipality tell what has happened since last year and want to "
                           "hear what you think. Coffee is served."},
        place="Hamnskolans matsal, Kajgatan 4", latitude=59.3852, longitude=16.5561,
        starts_at=_at(10, 18), ends_at=_at(10, 20), capacity=40, signup_deadline=_at(9, 12),
        interpretation_languages=["ar", "so"], accessibility="Entré utan trappsteg, hörslinga i matsalen."))
    session.add(DialogueEvent(
        municipality_id=mid, area_id=area_id("centrum"), kind=EventKind.focus_group,
        title={"sv": FOCUS_GROUP_TITLE, "en": "Focus group: young people in the evenings in Centrum"},
        description={"sv": "Ett samtal i liten grupp för dig mellan 16 och 24 år om hur det känns att vara i "
                           "centrum på kvällen."},
        place="Biblioteket, Torget 1", starts_at=_at(14, 17), ends_at=_at(14, 19), capacity=8,
        accessibility="Hiss finns."))
    walk = DialogueEvent(
        municipality_id=mid, area_id=area_id("ekbacken"), kind=EventKind.safety_walk,
        title={"sv": "Trygghetsvandring i Ekbacken", "en": "Safety walk in Ekbacken"},
        description={"sv": "Vi gick genom Ekbacken tillsammans med boende, Strandviksbostäder och polisen."},
        place="Samling vid Ekbackens centrum", latitude=59.3651, longitude=16.5553,
        starts_at=_at(-14, 18), ends_at=_at(-14, 20), capacity=20,
        final_counts={"confirmed": 14, "confirmed_people": 17, "waitlisted": 0, "cancelled": 2, "attended": 15,
                      "no_show": 2})
    session.add(walk)
    session.add(DialogueEvent(
        municipality_id=mid, kind=EventKind.meeting,
        title={"sv": "Dialogmöte om medborgarlöftet 2026", "en": "Dialogue meeting on the 2026 citizen pledge"},
        description={"sv": "Uppföljning av förra årets medborgarlöfte."}, place="Stadshuset, Storgatan 1",
        starts_at=_at(-60, 18), ends_at=_at(-60, 20), capacity=60, purged_at=_at(-29, 3),
        final_counts={"confirmed": 31, "confirmed_people": 38, "waitlisted": 0, "cancelled": 4, "attended": 33,
                      "no_show": 5}))
    session.flush()
    observations = [
        ("Gångtunneln under Ekvägen", "ekbacken", "tunnel", "Två av fyra lampor i tunneln är trasiga; mörkt och "
         "ödsligt på kvällen.", "Byt armaturer och måla om väggarna i ljus färg.", "Strandviks kommun",
         clock.today() + timedelta(days=30), "planned", ""),
        ("Stigen bakom skolan", "ekbacken", "vegetation", "Höga buskar skymmer sikten längs stigen.",
         "Gallra buskarna ned till en meters höjd.", "Strandviksbostäder AB", clock.today() + timedelta(days=60),
         "open", ""),
        ("Parkeringen vid Ekbackens centrum", "ekbacken", "lighting", "Belysningen släcks redan klockan 22.",
         "Tänd belysningen hela natten.", "Strandviks kommun", None, "rejected",
         "Belysningen styrs av ett avtal som gäller till 2027; frågan tas upp då."),
        ("Lekplatsen", None, "litter", "Mycket skräp och krossat glas i sandlådan.", "Tätare städning.",
         "Strandviksbostäder AB", clock.today() - timedelta(days=3), "done", ""),
    ]
    for landmark, area_slug, category, problem, measure, party, deadline, status, reason in observations:
        session.add(WalkObservation(event_id=walk.id or 0, municipality_id=mid,
                                    area_id=area_id(area_slug) if area_slug else None, landmark=landmark,
                                    category=ObservationCategory(category), problem=problem, measure=measure,
                                    party_id=party_id(party),
                                    deadline=deadline, status=ObservationStatus(status), rejection_reason=reason))
    session.flush()
