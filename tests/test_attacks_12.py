"""Attacks on the #12 disclosure work that worked once, kept as tests (SQLite and PostgreSQL): respondent-level
free text reached by roles without "respondent_data", and figures outside the published set that difference."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, select

from app import clock
from app.concerns import published, queries
from app.models import Role
from app.models.concerns import AnswerTheme
from app.models.surveys import Answer, Channel, SurveyStatus
from app.surveys import anonymity
from app.surveys.answering import store_response
from app.surveys.questionnaires import load_questionnaire
from tests import factories
from tests.concerns import factories as cf
from tests.conftest import CheckedClient
from tests.surveys.factories import standard_survey

SECRET = "Min granne Kalle på Björkvägen 3 langar hasch varje kväll"


@pytest.fixture
def town_world(db: Session) -> dict[str, Any]:
    """A closed wave: 12 residents in Norr (6 of them write about the dark station), one resident without an area
    who writes the only free text about drug dealing."""
    town = factories.municipality(db, slug="attackby")
    north = factories.area(db, town, "Norr", population=2000)
    info = cf.survey(db, town, [north], items=("speeding", "littering"))
    rows: list[dict[str, Any]] = [{"area_id": None, "problems": {"speeding": "no_problem"},
                                   "place": ("station", None, None, "night"), "text": "Det är mörkt, " + SECRET}]
    rows += [{"area_id": north.id, "problems": {"speeding": "very_big", "littering": "no_problem"},
              "text": "Det är mörkt vid stationen" if i < 6 else None,
              "place": ("station", None, None, "evening") if i < 6 else None} for i in range(12)]
    cf.add_responses(db, info, rows)
    info.survey.status = SurveyStatus.closed
    users = {role: factories.staff(db, town, role,
                                   party=factories.party(db, town) if role is Role.partner else None)
             for role in Role}
    db.commit()
    return {"town": town, "north": north, "info": info, "users": users,
            "base": f"/staff/m/{town.slug}/concerns"}


@pytest.mark.parametrize("role", [Role.police, Role.partner, Role.viewer])
def test_themes_page_shows_no_single_free_text_answer_without_respondent_data(
        client: CheckedClient, town_world: dict[str, Any], role: Role) -> None:
    """Attack: a police officer, partner or viewer opens the themes page and reads the free-text answers one by
    one (the resident without an area is the only one who wrote about dealing: a named neighbour)."""
    client.login(town_world["users"][role])
    response = client.get(f"{town_world['base']}/themes?wave={town_world['info'].id}")
    assert response.status_code == 200
    assert "langar hasch" not in response.text
    assert 'id="answer-' not in response.text


def test_themes_page_still_lists_answers_for_a_coordinator(client: CheckedClient,
                                                          town_world: dict[str, Any]) -> None:
    client.login(town_world["users"][Role.coordinator])
    response = client.get(f"{town_world['base']}/themes?wave={town_world['info'].id}")
    assert response.status_code == 200
    assert "langar hasch" in response.text and 'id="answer-' in response.text


def test_police_cannot_pull_an_answer_into_the_quoted_examples_by_retagging(
        client: CheckedClient, town_world: dict[str, Any], db: Session) -> None:
    """Attack: a police officer (may "edit", not "respondent_data") retags the wanted answer and four others
    into one theme by id, so the dashboard quotes the wanted answer as an example of a theme "with enough answers"."""
    client.login(town_world["users"][Role.police])
    ids = [int(i or 0) for i in db.exec(select(Answer.id).where(col(Answer.value_text).is_not(None))
                                  .order_by(col(Answer.id))).all()][:5]
    statuses = {client.post_form(f"{town_world['base']}/answers/{answer_id}/themes",
                                 {"themes": ["item:littering"]}).status_code for answer_id in ids}
    assert statuses == {403}
    assert db.exec(select(AnswerTheme)).first() is None
    page = client.get(f"{town_world['base']}?wave={town_world['info'].id}").text
    assert "Littering" not in _table_counts(page, "themes-caption")  # no theme made of hand-picked answers


def _table_counts(html: str, caption_id: str) -> dict[str, int]:
    """The first two columns (label, count) of the table with this caption id, as shown on the page."""
    if f'id="{caption_id}"' not in html:
        return {}
    table = html.split(f'id="{caption_id}"', 1)[1].split("</table>", 1)[0]
    out = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        if len(cells) >= 2 and cells[1].isdigit():
            out[cells[0]] = int(cells[1])
    return out


def test_theme_counts_do_not_difference_to_the_residents_without_an_area(
        client: CheckedClient, town_world: dict[str, Any]) -> None:
    """Attack: the themes table for the whole municipality minus the same table for the only area gives the
    themes of the one resident who gave no area (counts live from the answers, outside the published set)."""
    client.login(town_world["users"][Role.viewer])
    wave = town_world["info"].id
    whole = _table_counts(client.get(f"{town_world['base']}?wave={wave}").text, "themes-caption")
    north = _table_counts(client.get(f"{town_world['base']}?wave={wave}&area={town_world['north'].id}").text,
                          "themes-caption")
    assert whole  # the municipality's themes are still shown
    residues = {t: whole[t] - north.get(t, 0) for t in whole if t in north}
    assert not any(0 < r < queries.min_n() for r in residues.values()), residues


def test_place_counts_do_not_difference_to_the_residents_without_an_area(
        client: CheckedClient, town_world: dict[str, Any]) -> None:
    """Attack: the unsafe places for the whole municipality minus the same table for the only area gives the
    place (and time of day) named by the one resident who gave no area."""
    client.login(town_world["users"][Role.viewer])
    wave = town_world["info"].id
    whole = _table_counts(client.get(f"{town_world['base']}?wave={wave}").text, "hotspots-caption")
    north = _table_counts(client.get(f"{town_world['base']}?wave={wave}&area={town_world['north'].id}").text,
                          "hotspots-caption")
    assert whole
    residues = {p: whole[p] - north.get(p, 0) for p in whole if p in north}
    assert not any(0 < r < queries.min_n() for r in residues.values()), residues


@pytest.fixture
def closed_wave(db: Session) -> dict[str, Any]:
    town = factories.municipality(db, slug="stangd")
    north, south = factories.area(db, town, "Norr"), factories.area(db, town, "Söder")
    info = cf.survey(db, town, [north, south], items=("speeding", "littering"))
    cf.add_responses(db, info, cf.uniform_rows([north.id or 0, south.id or 0], 15, items=("speeding", "littering")))
    info.survey.status = SurveyStatus.closed
    db.commit()
    return {"town": town, "info": info, "north": north}


def _figures(p: published.Published | None) -> dict[str, Any]:
    assert p is not None
    return {"tables": p.payload["tables"], "responses": p.payload["responses"]}


def test_one_paper_response_into_a_closed_wave_is_not_its_own_difference(db: Session,
                                                                          closed_wave: dict[str, Any]) -> None:
    """Attack: read the closed wave's figures, import ONE paper response, read again: the difference of the two
    published sets is that person's answers (n and k of every item for the municipality and their area)."""
    info = closed_wave["info"]
    before = _figures(published.for_public(db, info.survey))
    cf.add_responses(db, info, [{"area_id": closed_wave["north"].id, "channel": "paper", "gender": "other",
                                 "problems": {"speeding": "very_big", "littering": "no_problem"}}])
    db.commit()
    assert _figures(published.for_public(db, info.survey)) == before
    cf.add_responses(db, info, cf.uniform_rows([closed_wave["north"].id or 0], queries.min_n() - 1, seed=4,
                                               items=("speeding",)))
    db.commit()
    after = published.for_public(db, info.survey)  # a group of min_n new responses: published again
    assert after is not None and after.responses == 30 + queries.min_n()


def test_the_next_days_snapshot_is_not_one_residents_answers(db: Session, closed_wave: dict[str, Any],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Attack: staff read an open wave's snapshot, one resident answers, staff read the next day's snapshot."""
    info = closed_wave["info"]
    info.survey.status = SurveyStatus.open
    db.commit()
    before = _figures(published.for_staff(db, info.survey))
    cf.add_responses(db, info, [{"area_id": closed_wave["north"].id, "channel": "web",
                                 "problems": {"speeding": "very_big", "littering": "no_problem"}}])
    db.commit()
    tomorrow = clock.today() + timedelta(days=1)
    monkeypatch.setattr(clock, "today", lambda: tomorrow)
    monkeypatch.setattr(clock, "now", lambda: datetime.combine(tomorrow, time(8), tzinfo=UTC))
    assert _figures(published.for_staff(db, info.survey)) == before


def test_the_export_date_channel_and_language_do_not_single_out_a_respondent(client: CheckedClient,
                                                                              db: Session) -> None:
    """Attack: "my Arabic-speaking neighbour sent in a paper form on the 21st": the only row with language ar,
    channel paper and date 2026-11-21 in the raw export is that neighbour's answers, free text included (the
    background columns were k-anonymised, the date, channel and language were not; and the rows came in
    submission order, so a blanked date could be read off its neighbours)."""
    municipality = factories.municipality(db)
    survey = standard_survey(db, municipality)
    questionnaire = load_questionnaire(db, survey)
    common = {"unsafe_evening": "fairly_safe", "age": "35-44", "gender": "woman",
              "subarea": f"area:norr-{municipality.id}", "years": "gt10", "relation": ["lives"]}
    for day in (20, 20, 20, 22, 22, 22):
        store_response(db, questionnaire, common, channel=Channel.web, language="sv",
                                       submitted_on=date(2026, 11, day))
    store_response(db, questionnaire, {**common, "suggestion": "Mörkt vid Björkvägen"},
                                   channel=Channel.paper, language="ar", submitted_on=date(2026, 11, 21))
    db.commit()
    client.login(factories.staff(db, municipality, Role.coordinator))
    url = f"/staff/m/{municipality.slug}/surveys/{survey.id}/responses.csv"
    table = list(csv.DictReader(io.StringIO(client.get(url).content.decode("utf-8-sig"))))
    assert len(table) == 7 and "Mörkt vid Björkvägen" in [r["suggestion"] for r in table]
    shown = [(r["date"], r["channel"], r["language"], r["area"], r["age"], r["gender"], r["subarea"], r["years"],
              r["relation"]) for r in table]
    assert anonymity.is_k_anonymous(shown, 5), shown
    secret = next(i for i, r in enumerate(table) if r["suggestion"] == "Mörkt vid Björkvägen")
    between = 0 < secret < 6 and table[secret - 1]["date"] != table[secret + 1]["date"]
    assert not between  # not placed between two days' rows, which would date it


def test_one_paper_response_does_not_change_the_themes_or_places(client: CheckedClient, db: Session,
                                                                 town_world: dict[str, Any]) -> None:
    """Attack: read the closed wave's themes and places, import ONE paper response, read again: the themes and
    the place (and time of day) that went up by one are that person's (these tables are counted from answers)."""
    client.login(town_world["users"][Role.viewer])
    page = f"{town_world['base']}?wave={town_world['info'].id}"
    before = client.get(page).text
    cf.add_responses(db, town_world["info"], [{"area_id": town_world["north"].id, "channel": "paper",
                                               "problems": {"speeding": "very_big"},
                                               "place": ("station", None, None, "evening"),
                                               "text": "Mörkt och bråk vid stationen"}])
    db.commit()
    after = client.get(page).text
    assert _table_counts(after, "themes-caption") == _table_counts(before, "themes-caption")
    assert _table_counts(after, "hotspots-caption") == _table_counts(before, "hotspots-caption")


def test_the_final_set_is_not_the_last_snapshot_plus_one_resident(db: Session, closed_wave: dict[str, Any]) -> None:
    """Attack: staff read the open wave's snapshot on its last day, one more resident answers, the wave closes:
    the final set minus the last snapshot is that resident's answers."""
    info = closed_wave["info"]
    info.survey.status = SurveyStatus.open
    db.commit()
    snapshot = _figures(published.for_staff(db, info.survey))
    cf.add_responses(db, info, [{"area_id": closed_wave["north"].id, "channel": "web",
                                 "problems": {"speeding": "very_big", "littering": "no_problem"}}])
    info.survey.status = SurveyStatus.closed
    db.commit()
    assert _figures(published.for_public(db, info.survey)) == snapshot
