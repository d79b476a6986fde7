"""The lägesbild and the åtgärdsplan: generated from the data, completed by staff, adopted with the figures frozen;
the PDF is read back (pages, text, figures) and does not change when more answers arrive."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from pypdf import PdfReader
from sqlmodel import Session, select

from app import clock
from app.models import Role
from app.models.cycles import DocumentStatus, SituationDocument
from app.models.pledges import ActivityStatus, PledgeStatus
from app.models.surveys import SurveyStatus
from tests import factories
from tests.concerns import factories as cf
from tests.conftest import CheckedClient
from tests.pledges import factories as pf


@pytest.fixture
def town(db: Session) -> dict[str, Any]:
    found = factories.municipality(db)
    area = factories.area(db, found, "Centrum")
    wave = cf.survey(db, found, [area], items=("speeding", "littering"))
    # Speeding a big problem for 17 of 20; littering for 2 of 20.
    cf.add_responses(db, wave, [{"area_id": area.id, "problems": {
        "speeding": "very_big" if i < 17 else "no_problem", "littering": "fairly_big" if i < 2 else "no_problem"}}
        for i in range(20)])
    wave.survey.status = SurveyStatus.closed
    db.add(wave.survey)
    user = factories.staff(db, found, Role.coordinator)
    db.commit()
    return {"town": found, "area": area, "wave": wave, "user": user, "base": f"/staff/m/{found.slug}/cycles/documents"}


def _text(data: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def _create(client: CheckedClient, town: dict[str, Any], db: Session, kind: str = "lagesbild") -> SituationDocument:
    response = client.post_form(town["base"], {"kind": kind, "title": "Lägesbild Strandvik 2026",
                                               "survey_id": str(town["wave"].id)})
    assert response.status_code == 303, response.text
    return db.exec(select(SituationDocument).where(SituationDocument.kind == kind)).one()


def test_an_adopted_lägesbild_keeps_its_figures_when_more_answers_arrive(client: CheckedClient, db: Session,
                                                                        town: dict[str, Any]) -> None:
    client.login(town["user"])
    doc = _create(client, town, db)
    url = f"{town['base']}/{doc.id}"
    assert client.post_form(f"{url}/sections", {"summary": "Trafiken oroar mest.", "analysis": "Farten i Centrum.",
                                                "conclusions": ""}).status_code == 303
    future = client.post_form(f"{url}/adopt", {"adopted_on": "2999-01-01", "decision_body": "Kommunstyrelsen"})
    assert future.status_code == 400 and "framtiden" in future.text
    db.refresh(doc)
    assert doc.status == DocumentStatus.draft and doc.snapshot is None  # not half-adopted
    today = clock.today().isoformat()
    adopted = client.post_form(f"{url}/adopt", {"adopted_on": today, "decision_body": "Kommunstyrelsen"})
    assert adopted.status_code == 303
    pages, text = _text(client.get(f"{url}/pdf").content)
    assert pages >= 1
    assert "Lägesbild Strandvik 2026" in text and f"antagen {today} av Kommunstyrelsen" in text
    assert "Speeding 85 %" in text and "Farten i Centrum." in text  # 17 of 20, and staff's analysis
    # Thirty more residents answer after the decision: live figures move, the adopted document does not.
    cf.add_responses(db, town["wave"], [{"area_id": town["area"].id, "problems": {"speeding": "no_problem"}}
                                        for _ in range(30)])
    db.commit()
    assert "Speeding 85 %" in _text(client.get(f"{url}/pdf").content)[1]
    assert "85 %" in client.get(url).text
    new = client.post_form(f"{url}/version")
    assert new.status_code == 303
    draft = db.exec(select(SituationDocument).where(SituationDocument.version == 2)).one()
    assert draft.sections["analysis"] == "Farten i Centrum."  # a new version starts as a copy
    assert "Speeding 34 %" in _text(client.get(f"{town['base']}/{draft.id}/pdf").content)[1]  # 17 of 50, live


def test_a_small_group_stays_hidden_in_the_document_and_its_pdf(client: CheckedClient, db: Session) -> None:
    town = factories.municipality(db)
    area = factories.area(db, town, "Byn")
    wave = cf.survey(db, town, [area], items=("speeding",))
    cf.add_responses(db, wave, [{"area_id": area.id, "problems": {"speeding": "very_big"}} for _ in range(3)])
    wave.survey.status = SurveyStatus.closed
    db.add(wave.survey)
    user = factories.staff(db, town, Role.coordinator)
    db.commit()
    client.login(user)
    base = f"/staff/m/{town.slug}/cycles/documents"
    client.post_form(base, {"kind": "lagesbild", "title": "Lägesbild Byn", "survey_id": str(wave.id)})
    doc = db.exec(select(SituationDocument)).one()
    page = client.get(f"{base}/{doc.id}").text
    assert "för få svar" in page and "100 %" not in page
    text = _text(client.get(f"{base}/{doc.id}/pdf").content)[1]
    assert "Speeding för få svar" in text and "Speeding 100 %" not in text and "färre än 5" in text


def test_the_action_plan_lists_pledge_activities_and_is_public_only_once_adopted_and_shown(
        client: CheckedClient, db: Session, town: dict[str, Any]) -> None:
    pledge = pf.pledge(db, town["town"], PledgeStatus.published)
    focus = pf.focus_area(db, pledge)
    pf.activity(db, pledge, focus, title="Hastighetskontroller vid skolan", target=40,
                status=ActivityStatus.in_progress)
    db.commit()
    client.login(town["user"])
    doc = _create(client, town, db, "atgardsplan")
    url = f"{town['base']}/{doc.id}"
    client.post_form(f"{url}/sections", {"summary": "", "follow_up": "Varje kvartal.", "m_measure_0": "Ny belysning",
                                         "m_party_0": "Kommunen", "m_when_0": "2026", "m_indicator_0": "20 lampor"})
    text = _text(client.get(f"{url}/pdf").content)[1]
    assert "Hastighetskontroller vid skolan" in text and "40 st" in text and "Ny belysning" in text
    public = f"/m/{town['town'].slug}/documents/{doc.id}/pdf"
    assert client.get(public).status_code == 404  # a draft is never public
    refused = client.post_form(f"{url}/public", {"public": "1"})
    assert refused.status_code == 400
    client.post_form(f"{url}/adopt", {"adopted_on": clock.today().isoformat(), "decision_body": "Kommunfullmäktige"})
    assert client.get(public).status_code == 404  # adopted, but not shown yet
    assert client.post_form(f"{url}/public", {"public": "1"}).status_code == 303
    assert client.get(public).status_code == 200
    assert str(doc.title) in client.get(f"/m/{town['town'].slug}/documents").text
