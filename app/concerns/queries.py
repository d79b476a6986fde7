"""The waves, areas and questions of a municipality that every concerns figure is read against."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlmodel import Session, col

from app.config import get_settings
from app.errors import NotFound
from app.i18n import current_language
from app.i18n import gettext as _
from app.models import Area
from app.models.surveys import (
    OptionKind,
    Question,
    QuestionOption,
    QuestionType,
    Survey,
    SurveyTranslation,
)

Q = Question.__table__  # type: ignore[attr-defined]
TIMES = ("morning", "day", "evening", "night")
UNSAFE_QUESTION = "unsafe_evening"
NOT_STATED = ""  # group key of answers whose background question was left empty



def min_n() -> int:
    return get_settings().suppression_min_n


def channel_labels() -> dict[str, str]:
    return {"web": _("Webb"), "qr": _("QR-kod"), "code": _("Kod från brev"), "assisted": _("Med personal"),
            "paper": _("Papper")}


def time_labels() -> dict[str, str]:
    return {"morning": _("Morgon"), "day": _("Dag"), "evening": _("Kväll"), "night": _("Natt"),
            "": _("Ej angivet")}


def _label(texts: Mapping[str, str], lang: str) -> str:
    return texts.get(lang) or texts.get("sv") or next(iter(texts.values()), "")


# --- waves and areas ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class WaveInfo:
    id: int
    series_id: str
    wave: int
    title: str
    status: str


def waves(session: Session, municipality_id: int) -> list[WaveInfo]:
    """Every survey wave of the municipality, newest series and wave first."""
    rows = session.execute(
        select(col(Survey.id), col(Survey.series_id), col(Survey.wave), col(Survey.status),
               col(SurveyTranslation.language), col(SurveyTranslation.title))
        .outerjoin(SurveyTranslation, col(SurveyTranslation.survey_id) == col(Survey.id))
        .where(col(Survey.municipality_id) == municipality_id)
    ).all()
    lang = current_language()
    titles: dict[int, dict[str, str]] = defaultdict(dict)
    meta: dict[int, tuple[str, int, str]] = {}
    for sid, series, wave, status, language, title in rows:
        meta[sid] = (series, wave, str(status))
        if language:
            titles[sid][language] = title
    found = [WaveInfo(id=sid, series_id=s, wave=w, status=st,
                      title=_label(titles[sid], lang) or _("Enkät %(id)s") % {"id": sid})
             for sid, (s, w, st) in meta.items()]
    return sorted(found, key=lambda w: (w.series_id, -w.wave, -w.id))


def get_wave(session: Session, municipality_id: int, survey_id: int) -> Survey:
    survey = session.get(Survey, survey_id)
    if survey is None or survey.municipality_id != municipality_id:
        raise NotFound(_("Mätomgången finns inte."))
    return survey


def series_waves(session: Session, survey: Survey) -> list[Survey]:
    return list(session.scalars(select(Survey).where(col(Survey.municipality_id) == survey.municipality_id,
                                                     col(Survey.series_id) == survey.series_id)
                                .order_by(col(Survey.wave))).all())


def areas(session: Session, municipality_id: int) -> list[Area]:
    return list(session.scalars(select(Area).where(col(Area.municipality_id) == municipality_id)
                                .order_by(col(Area.name))).all())


def get_area(session: Session, municipality_id: int, area_id: int) -> Area:
    area = session.get(Area, area_id)
    if area is None or area.municipality_id != municipality_id:
        raise NotFound(_("Området finns inte."))
    return area


def area_and_children(all_areas: Iterable[Area], area: Area) -> list[int]:
    ids = [area.id or 0]
    ids += [a.id or 0 for a in all_areas if a.parent_id == area.id]
    return ids


# --- questions ---------------------------------------------------------------------------------------------

@dataclass
class WaveQuestions:
    battery: list[int] = field(default_factory=list)
    items: dict[str, str] = field(default_factory=dict)  # item code -> label, in questionnaire order
    unsafe: int | None = None
    roles: dict[str, int] = field(default_factory=dict)  # background role -> question id
    role_options: dict[str, dict[str, str]] = field(default_factory=dict)  # role -> option code -> label
    places: list[int] = field(default_factory=list)
    place_labels: dict[str, str] = field(default_factory=dict)
    texts: list[int] = field(default_factory=list)


def wave_questions(session: Session, survey_id: int) -> WaveQuestions:
    """The questions analysis needs, found by type, role and code (never by id across waves)."""
    lang = current_language()
    found = WaveQuestions()
    questions = session.execute(select(Q.c.id, Q.c.code, Q.c.type, Q.c.role).where(Q.c.survey_id == survey_id)
                                .order_by(Q.c.page, Q.c.position)).all()
    by_id = {row.id: row for row in questions}
    for row in questions:
        if row.type == QuestionType.matrix:
            found.battery.append(row.id)
        elif row.type == QuestionType.place:
            found.places.append(row.id)
        elif row.type == QuestionType.text:
            found.texts.append(row.id)
        if row.code == UNSAFE_QUESTION:
            found.unsafe = row.id
        if row.role in ("age", "gender") and row.role not in found.roles:
            found.roles[row.role] = row.id
    if not by_id:
        return found
    options = session.execute(
        select(col(QuestionOption.question_id), col(QuestionOption.kind), col(QuestionOption.code),
               col(QuestionOption.label))
        .where(col(QuestionOption.question_id).in_(list(by_id)))
        .order_by(col(QuestionOption.question_id), col(QuestionOption.position))).all()
    for qid, kind, code, label in options:
        if qid in found.battery and kind == OptionKind.item:
            found.items.setdefault(code, _label(label, lang))
        elif qid in found.places and kind == OptionKind.option:
            found.place_labels.setdefault(code, _label(label, lang))
        for role, role_qid in found.roles.items():
            if qid == role_qid and kind == OptionKind.option:
                found.role_options.setdefault(role, {})[code] = _label(label, lang)
    return found


