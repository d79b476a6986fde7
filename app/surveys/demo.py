"""Demo data of the surveys domain (idempotent, deterministic): the standard safety survey for Strandvik in two
waves (2025 closed, 2026 open) with a few hundred generated responses across the sub-areas, every channel,
background answers, places and free text, shaped so the concerns dashboard has differences to show."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, col, select

from app.models import Area, Municipality
from app.models.surveys import Channel, Survey, SurveyMode, SurveyStatus, SurveyTranslation
from app.surveys import answering, authoring, bank, questionnaires, rules

SERIES = "strandvik-trygghet"
WAVES = (  # slug, wave, status, opens, closes, responses
    ("trygghet-2025", 1, SurveyStatus.closed, date(2025, 3, 1), date(2025, 4, 30), 260),
    ("trygghet-2026", 2, SurveyStatus.open, date(2026, 10, 1), date(2026, 12, 31), 190),
)
# Per sub-area: how likely each battery item is a "very/fairly big problem" (wave 1); others use 0.2.
PROFILES: dict[str, dict[str, float]] = {
    "centrum": {"littering": 0.55, "drunk_people": 0.5, "youth_disorder": 0.45, "drug_dealing": 0.35,
                "dark_places": 0.3},
    "norra-hamnen": {"dark_places": 0.6, "drug_use": 0.45, "drug_dealing": 0.4, "vandalism": 0.4,
                     "harassment": 0.3},
    "vastra-strand": {"speeding": 0.6, "mopeds": 0.5, "littering": 0.3},
    "ekbacken": {"vandalism": 0.5, "graffiti": 0.5, "youth_disorder": 0.45, "fighting": 0.3, "dark_places": 0.4},
    "solhojden": {"speeding": 0.4, "neighbours": 0.3},
}
# Wave 2 after the pledge: lighting in Norra hamnen and littering in Centrum improved.
WAVE2_CHANGE = {("norra-hamnen", "dark_places"): -0.3, ("centrum", "littering"): -0.2,
                ("ekbacken", "graffiti"): 0.1}
CHANNELS = ((Channel.web, 50), (Channel.qr, 20), (Channel.code, 12), (Channel.assisted, 12), (Channel.paper, 6))
LANGUAGES = (("sv", 80), ("ar", 12), ("en", 8))
SUGGESTIONS = (
    "Bättre belysning på gångvägen till stationen.",
    "Fler vuxna ute på kvällarna, till exempel nattvandrare.",
    "Städa oftare runt torget.",
    "Farthinder på Strandvägen, bilarna kör alldeles för fort.",
    "Klipp buskarna vid gångtunneln så att man ser vem som står där.",
    "Mer polis synlig i centrum på helgerna.",
    "Fritidsgården borde vara öppen längre.",
    "Better lighting in the park please.",
    "إضاءة أفضل قرب محطة الحافلات.",
    "Ring mig på 070-123 45 67 om ni vill veta mer.",
)


def _weighted(rng: random.Random, pairs: tuple[tuple[Any, int], ...]) -> Any:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def load(session: Session, municipality: Municipality) -> None:
    """Adds this domain's demo rows for the demo municipality; does nothing when they exist."""
    if session.exec(select(Survey.id).where(Survey.slug == WAVES[0][0])).first() is not None:
        return
    areas = list(session.exec(select(Area).where(Area.municipality_id == municipality.id,
                                                 col(Area.parent_id).is_not(None))
                              .order_by(Area.name)).all())
    rng = random.Random(2025)  # noqa: S311 - demo data, deterministic on purpose
    for slug, wave, status, opens, closes, count in WAVES:
        survey = Survey(municipality_id=municipality.id or 0, series_id=SERIES, wave=wave, slug=slug, status=status,
                        opens_on=opens, closes_on=closes, languages=list(municipality.languages),
                        modes=[SurveyMode.open_link.value, SurveyMode.letter_codes.value, SurveyMode.assisted.value])
        if "sv" not in survey.languages:
            survey.languages = ["sv", *survey.languages]
        session.add(survey)
        session.flush()
        authoring.add_bank_questions(session, survey)
        for lang in survey.languages:
            if lang in bank.TITLE:
                session.add(SurveyTranslation(survey_id=survey.id or 0, language=lang,
                                              title=f"{bank.TITLE[lang]} {opens.year}", intro=bank.INTRO[lang]))
        session.flush()
        questionnaire = questionnaires.load_questionnaire(session, survey)
        for _ in range(count):
            area = rng.choices(areas, weights=[a.population or 1 for a in areas])[0] if areas else None
            answers = _answers(rng, area, wave)
            day = opens + timedelta(days=rng.randrange(max(1, min((closes - opens).days, 58))))
            answering.store_response(session, questionnaire, answers, channel=_weighted(rng, CHANNELS),
                                   language=_weighted(rng, LANGUAGES), submitted_on=day)
    session.commit()


def _answers(rng: random.Random, area: Area | None, wave: int) -> dict[str, Any]:
    slug = area.slug if area else ""
    profile = PROFILES.get(slug, {})
    answers: dict[str, Any] = {}
    risk = sum(profile.values()) / 3
    unsafe = rng.random() < min(0.7, 0.15 + risk * 0.4 - (0.05 if wave == 2 else 0))
    answers["unsafe_evening"] = (rng.choice(["fairly_unsafe", "very_unsafe", "not_out_fear"]) if unsafe
                                 else rng.choice(["very_safe", "fairly_safe", "fairly_safe", "not_out_other"]))
    answers["worry_assault"] = rng.choice(["often", "sometimes"] if unsafe else ["sometimes", "seldom", "never"])
    answers["worry_burglary"] = rng.choice(["often", "sometimes", "seldom", "never"])
    consequences = [c for c in ("other_route", "avoided_activity", "quality_of_life") if unsafe and rng.random() < 0.5]
    answers["consequences"] = consequences or ["none"]
    answers["trust_police"] = rng.choice(["1", "2", "3", "3", "4"] if wave == 2 else ["1", "2", "2", "3", "4"])
    battery: dict[str, str] = {}
    for item in bank.PROBLEMS:
        if rng.random() < 0.06:
            continue  # some rows are left unanswered
        chance = max(0.02, profile.get(item.code, 0.2) + (WAVE2_CHANGE.get((slug, item.code), 0) if wave == 2 else 0))
        if rng.random() < 0.08:
            battery[item.code] = bank.DONT_KNOW_CODE
        elif rng.random() < chance:
            battery[item.code] = rng.choice(bank.BIG_PROBLEM_CODES)
        else:
            battery[item.code] = rng.choice(["fairly_small", "no_problem"])
    answers["problems"] = battery
    big = [code for code, value in battery.items() if value in bank.BIG_PROBLEM_CODES]
    rng.shuffle(big)
    if big:
        answers["priorities"] = big[:3]
    answers["safety_score"] = max(0, min(10, int(rng.gauss(7 - risk * 3 + (0.4 if wave == 2 else 0), 1.8))))
    answers["unsafe_place_exists"] = "yes" if unsafe or rng.random() < 0.2 else "no"
    if answers["unsafe_place_exists"] == "yes":
        place: dict[str, Any] = {"time": rng.choice((*rules.TIMES_OF_DAY[1:], "evening", "night"))}
        ring = _ring(area)
        if ring and rng.random() < 0.7:
            xs, ys = [p[0] for p in ring], [p[1] for p in ring]
            place["lon"] = round(rng.uniform(min(xs), max(xs)), 6)
            place["lat"] = round(rng.uniform(min(ys), max(ys)), 6)
        else:
            place["code"] = rng.choice([o.code for o in next(q for q in bank.QUESTIONS if q.code == "unsafe_place")
                                        .options])
        answers["unsafe_place"] = place
        if rng.random() < 0.35:
            answers["suggestion"] = rng.choice(SUGGESTIONS)
    if rng.random() < 0.9:
        answers["age"] = rng.choice(["16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+"])
    if rng.random() < 0.92:
        answers["gender"] = _weighted(rng, (("woman", 48), ("man", 45), ("other", 2), ("no_answer", 5)))
    if area is not None and rng.random() < 0.97:
        answers["subarea"] = rules.AREA_PREFIX + area.slug
    answers["years"] = rng.choice(["lt1", "1-5", "6-10", "gt10", "gt10"])
    answers["relation"] = ["lives"] + (["works"] if rng.random() < 0.3 else [])
    return answers


def _ring(area: Area | None) -> list[tuple[float, float]]:
    if area is None or not area.geojson:
        return []
    try:
        return [(float(p[0]), float(p[1])) for p in json.loads(area.geojson)["coordinates"][0]]
    except (ValueError, KeyError, IndexError, TypeError):
        return []
