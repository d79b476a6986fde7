"""Indicator re-measurement when a later wave closes, figures from survey data, reminders, the closing report."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from app.models import Membership, PartyKind, Role
from app.models.dialogues import MailOutbox
from app.models.pledges import ActivityStatus, PledgeIndicator, PledgeStatus
from app.models.surveys import Answer, Question, QuestionOption, Response, Survey
from app.pledges import figures, followup, public_view, reminders
from tests import factories
from tests.pledges import factories as pf


def _wave(db: Session, municipality_id: int, wave: int, area_id: int, answers: dict[str, int]) -> Survey:
    # Closed: a pledge quotes a wave's published figures, and a wave publishes them when it closes.
    survey = Survey(municipality_id=municipality_id, series_id="serie-1", wave=wave, slug=f"enkat-{wave}-{area_id}",
                    status="closed")  # type: ignore[arg-type]
    db.add(survey)
    db.flush()
    question = Question(survey_id=survey.id or 0, code="problems", type="matrix")  # type: ignore[arg-type]
    db.add(question)
    db.flush()
    db.add(QuestionOption(question_id=question.id or 0, kind="item", code="littering",  # type: ignore[arg-type]
                          label={"sv": "Nedskräpning"}))
    db.flush()
    for value, count in answers.items():
        for _ in range(count):
            response = Response(survey_id=survey.id or 0, series_id="serie-1", wave=wave, channel="web",  # type: ignore[arg-type]
                                area_id=area_id, submitted_on=date(2025, 1, 1))
            db.add(response)
            db.flush()
            db.execute(insert(Answer).values(response_id=response.id, survey_id=survey.id, question_id=question.id,
                                             item_code="littering", value_code=value))
    db.flush()
    return survey


def test_figure_from_survey_excludes_dont_know(db: Session) -> None:
    m = factories.municipality(db)
    area = factories.area(db, m, name="Centrum")
    survey = _wave(db, m.id or 0, 1, area.id or 0, {"very_big": 3, "fairly_big": 3, "fairly_small": 4,
                                                     "dont_know": 5})
    figure = figures.figure_from_survey(db, m.id or 0, f"{survey.id}:problems:littering", area.id)
    assert (figure.share, figure.n, figure.area, figure.label) == (0.6, 10, "Centrum", "Nedskräpning")
    items = figures.survey_items(db, m.id or 0)
    assert items[0][0] == f"{survey.id}:problems:littering"


def test_indicator_is_remeasured_when_a_later_wave_closes(db: Session) -> None:
    m = factories.municipality(db)
    area = factories.area(db, m, name="Centrum")
    user = factories.staff(db, m, Role.coordinator)
    first = _wave(db, m.id or 0, 1, area.id or 0, {"very_big": 6, "no_problem": 4})
    found, _acts = pf.complete_pledge(db, m, PledgeStatus.published)
    from app.auth import Scope

    scope = Scope(user=user, municipality=m, role=Role.coordinator)
    indicator = figures.add_indicator(db, scope, found, f"{first.id}:problems:littering", str(area.id), "40", "")
    assert (indicator.baseline_share, indicator.baseline_n, indicator.latest_share) == (0.6, 10, None)
    second = _wave(db, m.id or 0, 2, area.id or 0, {"fairly_big": 2, "no_problem": 6, "dont_know": 3})
    # An unrelated series does not touch it.
    assert figures.remeasure_indicators(db, first.id or 0) == 0
    assert figures.remeasure_indicators(db, second.id or 0) == 1
    db.refresh(indicator)
    assert (indicator.latest_wave, indicator.latest_share, indicator.latest_n) == (2, 0.25, 8)
    row = db.exec(select(PledgeIndicator).where(PledgeIndicator.pledge_id == found.id)).one()
    view = public_view.pledge_view(db, found, "sv")
    assert view["indicators"][0]["baseline"] == 60 and view["indicators"][0]["latest"] == 25
    assert row.measured_on is not None


def test_reminders_go_to_the_responsible_party_staff(db: Session) -> None:
    m = factories.municipality(db)
    _found, acts = pf.complete_pledge(db, m, PledgeStatus.published)
    police_user = factories.staff(db, m, Role.police)
    membership = db.exec(select(Membership).where(Membership.user_id == police_user.id)).one()
    membership.party_id = acts[1].party_id
    db.add(membership)
    acts[1].status = ActivityStatus.in_progress
    acts[1].ends_on = date(2025, 6, 30)
    acts[1].last_update_on = date(2025, 3, 1)
    acts[0].starts_on = date(2030, 1, 1)  # not started: neither silent nor overdue
    db.add_all(acts)
    db.flush()
    flags = reminders.flags(db, m.id or 0, today=date(2025, 9, 1))
    assert [(f.activity_id, f.overdue, f.silent) for f in flags] == [(acts[1].id, True, True)]
    due = reminders.pledge_reminders(db, today=date(2025, 9, 1))
    mine = [r for r in due if r.to == police_user.email]
    assert len(mine) == 1 and mine[0].activities[0].activity_id == acts[1].id
    assert reminders.queue_pledge_reminders(db, today=date(2025, 9, 1)) == len(due)
    queued = db.exec(select(MailOutbox).where(MailOutbox.recipient == police_user.email)).one()
    assert "Hastighetskontroller" in queued.body and queued.ref == "pledge_reminder"


def test_closing_report_promised_vs_delivered(db: Session) -> None:
    m = factories.municipality(db)
    found, acts = pf.complete_pledge(db, m, PledgeStatus.published)
    acts[0].target_number, acts[0].achieved = 8, 20
    db.add(acts[0])
    db.flush()
    rows = followup.closing_report(db, found)
    assert rows[0].promised == "≥ 8 st" and rows[0].delivered == "20 st" and rows[0].percent == 100


def test_demo_pledge_is_published_and_idempotent(db: Session) -> None:
    from app.pledges import demo

    m = factories.municipality(db)
    for kind in PartyKind:
        factories.party(db, m, kind)
    demo.load(db, m)
    demo.load(db, m)
    current, _archive = public_view.public_pledges(db, m.id or 0)
    assert len(current) == 1
    view: dict[str, Any] = public_view.pledge_view(db, current[0], "sv")
    assert len(view["focus_areas"]) == 3 and view["updates"] and view["percent"] is not None
    parties = {a["party"] for fa in view["focus_areas"] for a in fa["activities"]}
    assert len(parties) >= 3


def test_demo_indicator_is_remeasured_when_the_demo_survey_wave_2_closes(db: Session) -> None:
    from app import demo
    from app.models import Municipality
    from app.models.surveys import SurveyStatus

    demo.load(db)
    municipality = db.exec(select(Municipality).where(Municipality.slug == demo.DEMO_SLUG)).one()
    indicator = db.exec(select(PledgeIndicator).join(Survey, col(Survey.series_id) == PledgeIndicator.series_id)
                        .where(Survey.municipality_id == municipality.id)).first()
    assert indicator is not None and indicator.latest_share is None
    wave2 = db.exec(select(Survey).where(Survey.series_id == indicator.series_id, Survey.wave == 2)).one()
    wave2.status = SurveyStatus.closed
    db.add(wave2)
    db.commit()
    assert figures.remeasure_indicators(db, wave2.id or 0) == 1
    db.refresh(indicator)
    assert indicator.latest_wave == 2 and indicator.latest_n and indicator.latest_share is not None


def test_closing_a_wave_through_the_staff_page_remeasures_indicators(client: Any, db: Session) -> None:
    m = factories.municipality(db)
    area = factories.area(db, m, name="Centrum")
    user = factories.staff(db, m, Role.coordinator)
    first = _wave(db, m.id or 0, 1, area.id or 0, {"very_big": 6, "no_problem": 4})
    found, _acts = pf.complete_pledge(db, m, PledgeStatus.published)
    from app.auth import Scope

    indicator = figures.add_indicator(db, Scope(user=user, municipality=m, role=Role.coordinator), found,
                                      f"{first.id}:problems:littering", str(area.id), "40", "")
    second = _wave(db, m.id or 0, 2, area.id or 0, {"fairly_big": 2, "no_problem": 6})
    second.status = "open"  # type: ignore[assignment]
    db.add(second)
    db.commit()
    client.login(user)
    response = client.post_form(f"/staff/m/{m.slug}/surveys/{second.id}/status", {"status": "closed"})
    assert response.status_code == 303
    db.refresh(indicator)
    assert (indicator.latest_wave, indicator.latest_share, indicator.latest_n) == (2, 0.25, 8)


def test_reminders_are_sent_at_most_once_a_week(db: Session) -> None:
    m = factories.municipality(db)
    _found, acts = pf.complete_pledge(db, m, PledgeStatus.published)
    factories.staff(db, m, Role.coordinator)
    acts[1].status = ActivityStatus.in_progress
    acts[1].ends_on = date(2025, 6, 30)
    db.add(acts[1])
    db.flush()
    first = reminders.queue_pledge_reminders(db, today=date(2025, 9, 1))
    assert first >= 1
    assert reminders.queue_pledge_reminders(db, today=date(2025, 9, 1)) == 0
    assert len(db.exec(select(MailOutbox).where(MailOutbox.ref == "pledge_reminder")).all()) == first


def test_pledge_figure_on_two_answers_is_too_few_everywhere(client: Any, db: Session) -> None:
    """The issue's '100 % av 2 invånare i Ekbacken': a pledge figure is a cell of the wave's published set."""
    from app.auth import Scope
    from app.errors import ValidationFailed

    m = factories.municipality(db)
    centrum, ekbacken = factories.area(db, m, name="Centrum"), factories.area(db, m, name="Ekbacken")
    survey = _wave(db, m.id or 0, 1, centrum.id or 0, {"very_big": 8, "no_problem": 12})
    question = db.exec(select(Question).where(Question.survey_id == survey.id)).one()
    for _ in range(2):
        response = Response(survey_id=survey.id or 0, series_id="serie-1", wave=1, channel="web",  # type: ignore[arg-type]
                            area_id=ekbacken.id, submitted_on=date(2025, 1, 1))
        db.add(response)
        db.flush()
        db.execute(insert(Answer).values(response_id=response.id, survey_id=survey.id, question_id=question.id,
                                         item_code="littering", value_code="very_big"))
    pick = f"{survey.id}:problems:littering"
    figure = figures.figure_from_survey(db, m.id or 0, pick, ekbacken.id)
    assert (figure.share, figure.n) == (None, None)
    found, _acts = pf.complete_pledge(db, m, PledgeStatus.published)
    user = factories.staff(db, m, Role.coordinator)
    scope = Scope(user=user, municipality=m, role=Role.coordinator)
    try:
        figures.add_indicator(db, scope, found, pick, str(ekbacken.id), "40", "")
        raise AssertionError("a hidden figure became an indicator's baseline")
    except ValidationFailed as exc:
        assert "för få svar" in exc.message
    # A focus area quoting the figure, and an indicator stored before this rule (baseline n = 2).
    focus = pf.focus_area(db, found, "Ekbacken", figures=[figure.as_dict(),
                                                          {**figure.as_dict(), "share": 1.0, "n": 2}])
    db.add(PledgeIndicator(pledge_id=found.id or 0, label={"sv": "Nedskräpning"}, series_id="serie-1",
                           question_code="problems", item_code="littering", area_id=ekbacken.id, baseline_wave=1,
                           baseline_share=1.0, baseline_n=2, target_share=0.5))
    db.commit()
    page = client.get(f"/m/{m.slug}/pledges/{found.id}").text
    assert "av 2 invånare" not in page and "100 % av" not in page and "<td>100 %</td>" not in page
    assert page.count("för få svar") >= 3 and focus.id
    data = client.get(f"/api/v1/pledges?municipality={m.slug}").json()
    indicator = data[0]["indicators"][0]
    assert (indicator["baseline_percent"], indicator["baseline_n"]) == (None, None)
    assert all("av 2 invånare" not in s for fa in data[0]["focus_areas"] for s in fa["resident_figures"])
    csv_text = client.get(f"/api/v1/pledges.csv?municipality={m.slug}&table=indicators").text
    assert ",100," not in csv_text and ",2," not in csv_text.splitlines()[1]
