"""Demo data of the pledges domain (idempotent): Strandvik's signed and published pledge for 2025–2026 with three
focus areas, activities for the police, the municipality and the housing company, updates and progress, built on
the follow-up patterns of real pledges (Strängnäs 2019, Göteborg Centrum 2018, Vingåker 2022)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session, col, select

from app.models import Area, Membership, Municipality, Party, PartyKind, Role, StaffUser
from app.models.pledges import (
    ActivityStatus,
    Pledge,
    PledgeActivity,
    PledgeFocusArea,
    PledgeIndicator,
    PledgeSignatory,
    PledgeSignature,
    PledgeStatus,
    PledgeUpdate,
    PledgeVersion,
)
from app.models.surveys import Survey, SurveyStatus
from app.pledges import forms, versions
from app.pledges.figures import measure

TITLE = "Medborgarlöfte för Strandvik 2025–2026"

FOCUS: list[dict[str, Any]] = [
    {"title": {"sv": "Renare och ljusare Centrum", "en": "A cleaner and brighter town centre",
               "ar": "وسط مدينة أنظف وأكثر إضاءة"},
     "problem": "62 % av 1 240 invånare i Centrum svarar att nedskräpning är ett stort problem, och 48 % att det "
                "finns mörka platser där de känner sig otrygga.",
     "cause": "Få papperskorgar vid torget och stationen, trasig belysning i gångtunnlarna och buskar som skymmer.",
     "figures": [{"item": "littering", "label": "Nedskräpning", "area": "Centrum", "wave": 1, "share": 0.62,
                  "n": 1240},
                 {"item": "dark_places", "label": "Mörka platser", "area": "Centrum", "wave": 1, "share": 0.48,
                  "n": 1240}],
     "activities": [
         ("Kommunen ska byta till LED-belysning i gångtunnlar och parker.", PartyKind.municipality, 12,
          "belysningspunkter", "", ActivityStatus.done, [("2025-04-10", "Fem tunnlar har fått ny belysning.", 5),
                                                         ("2025-09-02", "Nio punkter till i Stadsparken.", 9)]),
         ("Strandviksbostäder ska ordna städdagar med de boende.", PartyKind.partner, 4, "städdagar", "",
          ActivityStatus.done, [("2025-05-17", "Vårstädning med 60 boende.", 2), ("2025-10-04", "Höststädning.", 2)]),
         ("Polisen och kommunen ska gå en trygghetsvandring varje år.", None, 2, "trygghetsvandringar", "",
          ActivityStatus.in_progress, [("2025-10-15", "Vandring med 18 deltagare; 11 observationer.", 1)]),
     ]},
    {"title": {"sv": "Lugnare trafik i Norra hamnen", "en": "Calmer traffic in Norra hamnen",
               "ar": "حركة مرور أهدأ في نورا هامنن"},
     "problem": "55 % av 640 invånare i Norra hamnen svarar att bilar som kör för fort är ett stort problem.",
     "cause": "Raka gator utan farthinder nära skolan och lite trafikövervakning på kvällar.",
     "figures": [{"item": "speeding", "label": "Bilar som kör för fort", "area": "Norra hamnen", "wave": 1,
                  "share": 0.55, "n": 640}],
     "activities": [
         ("Polisen ska göra hastighetskontroller vid skolor och i bostadsområden.", PartyKind.police, 40,
          "kontroller", "", ActivityStatus.in_progress, [("2025-06-30", "22 kontroller under våren.", 22),
                                                         ("2025-12-15", "31 kontroller under hösten.", 31)]),
         ("Kommunen ska sätta upp hastighetsskyltar och dela mätdata med polisen.", PartyKind.municipality, 6,
          "skyltar", "", ActivityStatus.in_progress, [("2025-08-20", "Tre skyltar uppsatta på Hamngatan.", 3)]),
     ]},
    {"title": {"sv": "Tryggt för unga i Västra Strand", "en": "Safe for young people in Västra Strand",
               "ar": "الأمان للشباب في فاسترا ستراند"},
     "problem": "44 % av 910 invånare i Västra Strand svarar att öppen narkotikahandel är ett stort problem.",
     "cause": "Ungdomar saknar mötesplatser på kvällar; försäljning sker vid centrumparkeringen.",
     "figures": [{"item": "drug_dealing", "label": "Öppen narkotikahandel", "area": "Västra Strand", "wave": 1,
                  "share": 0.44, "n": 910}],
     "activities": [
         ("Polisen ska genomföra riktade narkotikainsatser.", PartyKind.police, 6, "insatser", "",
          ActivityStatus.done, [("2025-06-01", "Fem insatser under våren.", 5), ("2025-11-20", "Sex till.", 6)]),
         ("Kommunen ska ha trygghetsvärdar ute fredagar och lördagar på sommaren.", PartyKind.municipality, None,
          "", "Trygghetsvärdar varje fredag och lördag juni–augusti", ActivityStatus.in_progress,
          [("2025-08-31", "Sommaren 2025: 26 kvällar med trygghetsvärdar.", None)]),
         ("Strandviksbostäder ska starta grannsamverkan i sina områden.", PartyKind.partner, 8, "områden", "",
          ActivityStatus.done, [("2025-11-01", "20 områden har startat grannsamverkan.", 20)]),
     ]},
]


def load(session: Session, municipality: Municipality) -> None:
    if session.exec(select(Pledge.id).where(Pledge.municipality_id == municipality.id)).first() is not None:
        return
    parties = {p.kind: p for p in session.exec(select(Party).where(Party.municipality_id == municipality.id)
                                                .order_by(col(Party.id))).all()}
    centrum = session.exec(select(Area).where(Area.municipality_id == municipality.id,
                                              Area.slug == "centrum")).first()
    found = Pledge(municipality_id=municipality.id or 0, police_area_id=municipality.police_area_id,
                   title={"sv": TITLE, "en": "Citizen pledge for Strandvik 2025–2026",
                          "ar": "وعد المواطنين لستراندفيك 2025–2026"},
                   intro={"sv": "Polisen, Strandviks kommun och Strandviksbostäder lovar att under 2025–2026 "
                                "arbeta med de tre problem som invånarna pekade ut i trygghetsenkäten.",
                          "en": "The police, Strandvik municipality and Strandviksbostäder promise to work on the "
                                "three problems residents pointed out in the safety survey in 2025–2026.",
                          "ar": "تعد الشرطة وبلدية ستراندفيك وشركة ستراندفيك للإسكان بالعمل خلال 2025–2026 على "
                                "المشاكل الثلاث التي أشار إليها السكان في استبيان الأمان."},
                   starts_on=date(2025, 1, 1), ends_on=date(2026, 12, 31), status=PledgeStatus.published,
                   published_at=datetime(2025, 1, 20, 9, 0, tzinfo=UTC))
    session.add(found)
    session.flush()
    for name, role in (("Lena Holm", "Lokalpolisområdeschef, LPO Strandvik"),
                       ("Johan Berg", "Kommunstyrelsens ordförande, Strandviks kommun"),
                       ("Maria Lind", "VD, Strandviksbostäder AB")):
        session.add(PledgeSignatory(pledge_id=found.id or 0, name=name, role=role, signed_on=date(2025, 1, 20)))
    baseline = session.exec(select(Survey).where(Survey.municipality_id == municipality.id, Survey.wave == 1,
                                                 Survey.status == SurveyStatus.closed)
                            .order_by(col(Survey.id))).first()
    for position, spec in enumerate(FOCUS, start=1):
        figures, problem = _live_figures(session, municipality, baseline, spec)
        focus = PledgeFocusArea(pledge_id=found.id or 0, position=position, title=spec["title"],
                                problem={"sv": problem}, cause={"sv": spec["cause"]}, figures=figures)
        session.add(focus)
        session.flush()
        for index, (title, kind, target, unit, text, status, updates) in enumerate(spec["activities"], start=1):
            party = parties.get(kind) if kind else None
            act = PledgeActivity(pledge_id=found.id or 0, focus_area_id=focus.id or 0, position=index,
                                 title={"sv": title}, party_id=party.id if party else None, joint=kind is None,
                                 target_number=target, target_unit={"sv": unit} if unit else {},
                                 target_text={"sv": text} if text else {}, starts_on=date(2025, 2, 1),
                                 ends_on=date(2026, 6, 30) if "skyltar" in unit else date(2026, 12, 31),
                                 status=status)
            session.add(act)
            session.flush()
            poster = party or parties.get(PartyKind.municipality)  # joint activities: the municipality reports
            for day, note, achieved in updates:
                posted = date.fromisoformat(day)
                session.add(PledgeUpdate(pledge_id=found.id or 0, activity_id=act.id or 0, posted_on=posted,
                                         text=note, achieved=achieved, party_id=poster.id if poster else None,
                                         created_at=datetime(posted.year, posted.month, posted.day, 12, tzinfo=UTC)))
                act.achieved += achieved or 0
                act.last_update_on = posted
            session.add(act)
    measured = (measure(session, baseline.id or 0, "problems", "littering", centrum.id)
                if baseline is not None and centrum is not None else None)
    if baseline is not None and measured is not None and measured[0] is not None and measured[1] is not None:
        # The demo survey's first wave (a published cell): re-measured when wave 2 closes.
        session.add(PledgeIndicator(pledge_id=found.id or 0, label={"sv": "Nedskräpning är ett stort problem",
                                                                     "en": "Littering is a big problem",
                                                                     "ar": "رمي النفايات مشكلة كبيرة"},
                                    series_id=baseline.series_id, question_code="problems", item_code="littering",
                                    area_id=centrum.id if centrum else None, baseline_wave=baseline.wave,
                                    baseline_share=measured[0], baseline_n=measured[1],
                                    target_share=max(0.0, round(measured[0] - 0.15, 2))))
    else:
        _synthetic_indicator(session, found, centrum)
    session.flush()
    _sign(session, municipality, found, parties)
    found.version = 1
    session.add(PledgeVersion(pledge_id=found.id or 0, number=1, snapshot=versions.public_snapshot(session, found),
                              changes=[], note="Undertecknat och publicerat.",
                              created_at=datetime(2025, 1, 20, 9, 0, tzinfo=UTC)))
    session.add(found)
    session.flush()


def _sign(session: Session, municipality: Municipality, found: Pledge, parties: dict[PartyKind, Party]) -> None:
    """Signed the four-eyes way: submitted by the admin, signed by the police and by the coordinator."""
    def member(role: Role) -> StaffUser | None:
        return session.exec(select(StaffUser).join(Membership, col(Membership.user_id) == StaffUser.id)
                            .where(Membership.municipality_id == municipality.id, Membership.role == role)
                            .order_by(col(StaffUser.id))).first()

    submitter = member(Role.admin)
    signed = datetime(2025, 1, 20, 9, 0, tzinfo=UTC)
    for side, role in (("police", Role.police), ("municipality", Role.coordinator)):
        signer = member(role)
        if signer is None or (submitter is not None and signer.id == submitter.id):
            continue
        party = parties.get(PartyKind(side))
        session.add(PledgeSignature(pledge_id=found.id or 0, round=1, side=side, party_id=party.id if party else None,
                                    user_id=signer.id, signer_name=signer.name, signed_at=signed))


def _live_figures(session: Session, municipality: Municipality, baseline: Survey | None,
                  spec: dict[str, Any]) -> tuple[list[dict[str, Any]], str]:
    """The focus area's figures from the demo survey's first wave when it exists, else the written snapshot."""
    if baseline is None:
        return spec["figures"], spec["problem"]
    measured = []
    for figure in spec["figures"]:
        area = session.exec(select(Area).where(Area.municipality_id == municipality.id,
                                               Area.name == figure["area"])).first()
        result = measure(session, baseline.id or 0, "problems", figure["item"], area.id if area else None)
        if result is None:
            return spec["figures"], spec["problem"]
        share = None if result[0] is None else round(result[0], 4)  # None: the published set hides this cell
        measured.append({**figure, "wave": baseline.wave, "share": share, "n": result[1]})
    problem = " ".join(forms.figure_sentence(f["share"], f["n"], f["area"], f["label"]) + "." for f in measured)
    return measured, problem


def _synthetic_indicator(session: Session, found: Pledge, centrum: Area | None) -> None:
    session.add(PledgeIndicator(pledge_id=found.id or 0, label={"sv": "Nedskräpning är ett stort problem",
                                                                 "en": "Littering is a big problem",
                                                                 "ar": "رمي النفايات مشكلة كبيرة"},
                                series_id="demo-trygghet", question_code="problems", item_code="littering",
                                area_id=centrum.id if centrum else None, baseline_wave=1, baseline_share=0.62,
                                baseline_n=1240, target_share=0.45, latest_wave=2, latest_share=0.51, latest_n=1105,
                                measured_on=date(2026, 4, 30)))
