""""Det här sa ni": a closed wave's public results and what was done with them, as residents and attackers use it.

The page, the embeddable card and the open-data API read the concerns measuring layer only, so a small group
planted in the data is hidden in all three, and no published pair of figures gives it away by subtraction.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlmodel import Session

from app import i18n
from app.concerns import queries
from app.concerns.svg import Bar, bar_chart
from app.models.pledges import ActivityStatus, PledgeStatus
from app.models.surveys import SurveyStatus
from tests import factories
from tests.concerns import factories as cf
from tests.conftest import CheckedClient
from tests.pledges import factories as pf

PAGE_BUDGET = 60 * 1024


def _row(area_id: int, problems: dict[str, str], **extra: Any) -> dict[str, Any]:
    return {"area_id": area_id, "problems": problems, **extra}


@pytest.fixture
def world(db: Session) -> dict[str, Any]:
    """Two closed waves; in wave 2 the south has only 3 answers (a small group), and a published pledge answers
    "speeding" with an activity 22 of 40 done."""
    town = factories.municipality(db)
    north = factories.area(db, town, "Norr", population=2000)
    south = factories.area(db, town, "Söder", population=500)
    wave1 = cf.survey(db, town, [north, south], items=("speeding", "littering"), wave=1)
    wave2 = cf.survey(db, town, [north, south], items=("speeding", "littering"), wave=2)
    cf.add_responses(db, wave1, [_row(north.id or 0, {"speeding": "very_big" if i < 10 else "no_problem",
                                                      "littering": "fairly_small"}) for i in range(20)])
    rows = [_row(north.id or 0, {"speeding": "very_big" if i < 14 else "fairly_small",
                                 "littering": "fairly_big" if i < 2 else "no_problem"},
                 channel="web" if i < 12 else "paper") for i in range(18)]
    rows += [_row(south.id or 0, {"speeding": "very_big", "littering": "dont_know"}) for _ in range(3)]
    cf.add_responses(db, wave2, rows)
    for info in (wave1, wave2):
        info.survey.status = SurveyStatus.closed
        db.add(info.survey)
    pledge = pf.pledge(db, town, PledgeStatus.published, title="Lugnare trafik")
    focus = pf.focus_area(db, pledge, "Lugnare trafik i Norr",
                          figures=[{"item": "speeding", "label": "Bilar som kör för fort", "area": "Norr",
                                    "wave": 2, "share": 0.78, "n": 18}])
    act = pf.activity(db, pledge, focus, title="Hastighetskontroller vid skolan", target=40,
                      status=ActivityStatus.in_progress)
    act.achieved = 22
    db.add(act)
    db.commit()
    return {"town": town, "north": north, "south": south, "wave1": wave1, "wave2": wave2, "pledge": pledge,
            "focus": focus}


def _url(world: dict[str, Any], wave: str = "wave2", suffix: str = "") -> str:
    return f"/m/{world['town'].slug}/results/{world[wave].id}{suffix}"


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_resident_reads_what_was_said_and_follows_a_concern_to_what_is_done(client: CheckedClient,
                                                                              world: dict[str, Any]) -> None:
    page = client.get(_url(world))
    assert page.status_code == 200
    assert len(page.content) <= PAGE_BUDGET
    text = _text(page.text)
    assert "21 personer svarade." in text
    # Responses by channel: the south's 3 web answers hide the town's web and paper counts too (else 21 - paper).
    assert "Webb för få svar" in text and "Papper för få svar" in text
    # The concern, ranked first, links to its block, and the block links to the pledge's focus area.
    assert 'href="#concern-speeding"' in page.text
    block = page.text[page.text.index('id="concern-speeding"'):]
    focus_link = f"/m/{world['town'].slug}/pledges/{world['pledge'].id}#fa-h-{world['focus'].id}"
    assert focus_link in block
    assert "Gjort: 22 av 40" in _text(block)
    assert "Hastighetskontroller vid skolan" in block
    # Change since wave 1 (10 of 20 -> 17 of 21) is told, with whether it is a real change.
    assert "+31 procentenheter (säker förändring)" in text
    pledge_page = client.get(focus_link.split("#")[0])
    assert f'id="fa-h-{world["focus"].id}"' in pledge_page.text
    assert "Hastighetskontroller vid skolan" in pledge_page.text


def test_the_small_group_is_hidden_and_cannot_be_worked_out_by_subtraction(client: CheckedClient,
                                                                          world: dict[str, Any]) -> None:
    """The attacker reads the whole town's speeding share and the north's, and subtracts to get the south's 3."""
    data = client.get(f"/api/v1/results?municipality={world['town'].slug}&wave={world['wave2'].id}").json()
    by_area = {a["area"]: {c["item_code"]: c for c in a["concerns"]} for a in data["areas"]}
    south, north = by_area["Söder"]["speeding"], by_area["Norr"]["speeding"]
    whole = next(c for c in data["concerns"] if c["item_code"] == "speeding")
    assert south["suppressed"] and south["share"] is None
    assert not whole["suppressed"]  # the town's figure is published ...
    assert north["suppressed"] and north["share"] is None  # ... so the north's must not be: 21 - 18 = the south
    page = client.get(_url(world))
    areas = page.text[page.text.index('id="rs-areas-h"'):]
    row = re.search(r"<tr><th scope=\"row\">Speeding</th>(.*?)</tr>", areas)
    assert row is not None
    assert row.group(1).count("för få svar") >= 2 and "%" not in row.group(1)


def test_a_wave_with_too_few_answers_shows_no_figure_anywhere(client: CheckedClient, db: Session) -> None:
    town = factories.municipality(db)
    area = factories.area(db, town, "Byn")
    wave = cf.survey(db, town, [area], items=("speeding",))
    cf.add_responses(db, wave, [_row(area.id or 0, {"speeding": "very_big"}) for _ in range(3)])
    wave.survey.status = SurveyStatus.closed
    db.add(wave.survey)
    pledge = pf.pledge(db, town, PledgeStatus.published)
    pf.focus_area(db, pledge, "Trafik", figures=[{"item": "speeding", "label": "Fart", "area": "Byn", "wave": 1}])
    db.commit()
    page = client.get(f"/m/{town.slug}/results/{wave.id}")
    assert "Färre än 5 svarade" in page.text and "100 %" not in page.text and "3 personer" not in page.text
    card = client.get(f"/m/{town.slug}/results/{wave.id}/card")
    assert card.status_code == 200 and "%" not in _text(card.text).replace("100%", "") and "svarade" not in card.text
    data = client.get(f"/api/v1/results?municipality={town.slug}&wave={wave.id}").json()
    assert data["responses"] is None
    assert all(c["suppressed"] and c["share"] is None for c in data["concerns"])
    assert all(ch["responses"] is None for ch in data["channels"])


def test_no_results_before_a_wave_closes_nor_for_another_municipality(client: CheckedClient, db: Session,
                                                                      world: dict[str, Any]) -> None:
    wave = world["wave2"].survey
    wave.status = SurveyStatus.open
    db.add(wave)
    db.commit()
    slug = world["town"].slug
    for url in (_url(world), _url(world, suffix="/card"), f"/api/v1/results?municipality={slug}&wave={wave.id}"):
        assert client.get(url).status_code == 404, url
    other = factories.municipality(db)
    assert client.get(f"/m/{other.slug}/results/{world['wave1'].id}").status_code == 404
    assert client.get(f"/m/{slug}/results/{world['wave1'].id}").status_code == 200


def test_residents_find_the_results_from_the_town_page_the_thank_you_page_and_the_pledge(
        client: CheckedClient, db: Session, world: dict[str, Any]) -> None:
    slug = world["town"].slug
    town_page = client.get(f"/m/{slug}")
    assert _url(world) in town_page.text and "Det här sa ni" in town_page.text
    assert _url(world) in client.get(f"/m/{slug}/pledges/{world['pledge'].id}").text  # the wave its figures quote
    wave3 = cf.survey(db, world["town"], [world["north"]], items=("speeding",), wave=3)
    db.commit()
    thanks = client.get(f"/s/{wave3.survey.slug}/tack")
    assert thanks.status_code == 200 and _url(world) in thanks.text  # the series' latest closed wave
    assert _url(world) in client.get(f"/m/{slug}/results").text


def test_the_arabic_page_is_right_to_left_with_no_swedish_interface_text(client: CheckedClient,
                                                                         world: dict[str, Any]) -> None:
    client.cookies.set("lang", "ar")
    page = client.get(_url(world))
    assert page.status_code == 200 and 'dir="rtl"' in page.text
    i18n.set_language("sv")
    swedish = [*queries.channel_labels().values(), "Ni sa:", "Vi lovade:", "Gjort:", "för få svar", "Så många svarade",
               "Det här sa ni", "Så räknade vi", "procentenheter", "Per område"]
    left = [word for word in swedish if word in _text(page.text)]
    assert not left, f"Swedish left on the Arabic page: {left}"
    assert 'text-anchor="end"' in page.text  # the chart's labels sit on the right


def test_the_chart_draws_published_bars_only_and_escapes_labels() -> None:
    svg = bar_chart([Bar("<script>x</script>", 0.5, 0.4, 0.6, "50 %"), Bar("Dold", None, None, None, "för få svar")],
                    label="Diagram")
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert svg.count("<rect") == 1 and "för få svar" in svg
    rtl = bar_chart([Bar("A", 0.5, None, None, "50 %")], label="Diagram", rtl=True)
    bar = re.search(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', rtl)
    assert bar is not None and float(bar.group(1)) + float(bar.group(2)) == pytest.approx(360)  # grows from the right
