"""Themes of free-text answers: the lexicon, staff re-tagging, and the counted theme table."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import delete, insert, select
from sqlmodel import Session, col

from app import audit, clock
from app.audit import Action
from app.auth import Scope
from app.concerns import themes
from app.concerns.published import A, R
from app.concerns.queries import (
    WaveQuestions,
    get_wave,
    wave_questions,
)
from app.db import writing
from app.errors import NotFound
from app.i18n import gettext as _
from app.masking import mask_text
from app.models.concerns import AnswerTheme, ThemeTerm
from app.models.surveys import (
    Survey,
)


@dataclass
class ThemeRow:
    theme: str
    label: str
    count: int | None  # None = too few answers
    quotes: list[str]



def lexicon(session: Session, municipality_id: int) -> dict[str, str]:
    terms = session.execute(select(col(ThemeTerm.stem), col(ThemeTerm.theme))
                            .where(col(ThemeTerm.municipality_id) == municipality_id)).all()
    return themes.merged_lexicon((str(s), str(t)) for s, t in terms)


def theme_labels(questions: WaveQuestions) -> dict[str, str]:
    labels = {f"item:{code}": label for code, label in questions.items.items()}
    labels.update({f"place:{code}": _("Plats: %(name)s") % {"name": label}
                   for code, label in questions.place_labels.items()})
    for code in ("station", "centre", "park", "underpass", "school"):
        labels.setdefault(f"place:{code}", _("Plats: %(name)s") % {"name": code})
    return labels


def text_answers(session: Session, survey_id: int, question_ids: list[int],
                 area_ids: list[int] | None, up_to: int | None = None) -> list[tuple[int, str]]:
    stmt = select(A.c.id, A.c.value_text).select_from(A.join(R, R.c.id == A.c.response_id)) \
        .where(A.c.survey_id == survey_id, A.c.question_id.in_(question_ids or [-1]), A.c.value_text.is_not(None))
    if up_to is not None:
        stmt = stmt.where(R.c.id <= up_to)
    if area_ids is not None:
        stmt = stmt.where(R.c.area_id.in_(area_ids or [-1]))
    return [(int(i), str(t)) for i, t in session.execute(stmt.order_by(A.c.id)).all() if t and t.strip()]


def answer_themes(session: Session, municipality_id: int, survey_id: int,
                  answers: list[tuple[int, str]]) -> dict[int, set[str]]:
    """Themes of each answer: the lexicon's, unless staff re-tagged it (then exactly the staff's)."""
    words = lexicon(session, municipality_id)
    retagged: dict[int, set[str]] = defaultdict(set)
    for answer_id, theme in session.execute(select(col(AnswerTheme.answer_id), col(AnswerTheme.theme))
                                            .where(col(AnswerTheme.survey_id) == survey_id)).all():
        retagged[int(answer_id)].add(str(theme))
    out = {}
    for answer_id, text in answers:
        out[answer_id] = {t for t in retagged[answer_id] if t} if answer_id in retagged else \
            themes.classify(text, words)
    return out


def theme_rows(session: Session, municipality_id: int, survey_id: int, questions: WaveQuestions,
               area_ids: list[int] | None, limit: int, quotes_per_theme: int = 3,
               up_to: int | None = None) -> list[ThemeRow]:
    """Themes of the answers of responses up to `up_to` (the published set's), counted per theme."""
    answers = text_answers(session, survey_id, questions.texts, area_ids, up_to)
    if not answers:
        return []
    tagged = answer_themes(session, municipality_id, survey_id, answers)
    texts = dict(answers)
    members: dict[str, list[int]] = defaultdict(list)
    for answer_id, found in tagged.items():
        for theme in found:
            members[theme].append(answer_id)
    labels = theme_labels(questions)
    rows = []
    for theme, ids in sorted(members.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        shown = len(ids) >= limit
        # Quotes only from themes with enough answers, and always masked.
        quotes = [mask_text(texts[i])[:300] for i in ids[:quotes_per_theme]] if shown else []
        rows.append(ThemeRow(theme=theme, label=labels.get(theme, theme), count=len(ids) if shown else None,
                             quotes=quotes))
    untagged = sum(1 for found in tagged.values() if not found)
    if untagged:
        rows.append(ThemeRow(theme="", label=_("Utan tema"), count=untagged if untagged >= limit else None,
                             quotes=[]))
    return rows


def answer_survey(session: Session, municipality_id: int, answer_id: int) -> Survey:
    """The wave of a free-text answer, if the answer belongs to this municipality."""
    row = session.execute(select(A.c.survey_id).where(A.c.id == answer_id)).first()
    if row is None:
        raise NotFound(_("Svaret finns inte."))
    return get_wave(session, municipality_id, int(row[0]))


def retag(session: Session, scope: Scope, survey: Survey, answer_id: int, themes_chosen: list[str]) -> None:
    """Replace an answer's themes with the staff's choice (an empty choice means "no theme")."""
    sid = survey.id or 0
    questions = wave_questions(session, sid)
    row = session.execute(select(A.c.id).where(A.c.id == answer_id, A.c.survey_id == sid,
                                               A.c.question_id.in_(questions.texts or [-1]))).first()
    if row is None:
        raise NotFound(_("Svaret finns inte."))
    allowed = set(theme_labels(questions))
    chosen = sorted({t for t in themes_chosen if t in allowed})
    with writing(session):
        before = [str(t) for t in session.scalars(select(col(AnswerTheme.theme))
                                                  .where(col(AnswerTheme.answer_id) == answer_id))]
        session.execute(delete(AnswerTheme).where(col(AnswerTheme.answer_id) == answer_id))
        session.execute(insert(AnswerTheme), [{"answer_id": answer_id, "survey_id": sid, "theme": t,
                                               "tagged_by": scope.user.id, "tagged_at": clock.now()}
                                              for t in (chosen or [""])])
        audit.record(session, scope.user, Action.SURVEY_ANSWER_RETAG, "survey_answer", answer_id,
                     municipality_id=scope.municipality_id, before={"themes": before}, after={"themes": chosen})


def add_term(session: Session, scope: Scope, stem: str, theme: str) -> ThemeTerm:
    """Point the lexicon word `stem` (already normalised; see forms.TermForm) of the municipality at `theme`."""
    with writing(session):
        existing = session.scalars(select(ThemeTerm).where(col(ThemeTerm.municipality_id) == scope.municipality_id,
                                                           col(ThemeTerm.stem) == stem)).first()
        found = existing or ThemeTerm(municipality_id=scope.municipality_id, stem=stem, theme=theme)
        found.theme = theme
        session.add(found)
        session.flush()
        audit.record(session, scope.user, Action.CONCERN_THEME_TERM_CREATE, "concern_theme_term", found.id,
                     municipality_id=scope.municipality_id, after={"stem": stem, "theme": theme})
    return found


def delete_term(session: Session, scope: Scope, term: ThemeTerm) -> None:
    with writing(session):
        audit.record(session, scope.user, Action.CONCERN_THEME_TERM_DELETE, "concern_theme_term", term.id,
                     municipality_id=scope.municipality_id, before={"stem": term.stem, "theme": term.theme})
        session.delete(term)


def staff_terms(session: Session, municipality_id: int) -> list[ThemeTerm]:
    return list(session.scalars(select(ThemeTerm).where(col(ThemeTerm.municipality_id) == municipality_id)
                                .order_by(col(ThemeTerm.stem))).all())

