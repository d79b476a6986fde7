"""The five-step cycle and the collaboration agreement, as a coordinator uses them and as an attacker tries them."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from typing import Any

import pikepdf
import pytest
from sqlmodel import Session, col, select

from app.cycles import service
from app.models import PartyKind, Role
from app.models.cycles import Agreement, Cycle, CycleCheck, CycleStep
from app.models.dialogues import DialogueEvent, EventKind, MailOutbox
from app.models.pledges import PledgeStatus
from app.models.surveys import SurveyStatus
from tests import factories
from tests.concerns import factories as cf
from tests.conftest import CheckedClient
from tests.pledges import factories as pf


@pytest.fixture
def town(db: Session) -> dict[str, Any]:
    found = factories.municipality(db)
    user = factories.staff(db, found, Role.coordinator)
    db.commit()
    return {"town": found, "user": user, "base": f"/staff/m/{found.slug}/cycles"}


def _create(client: CheckedClient, town: dict[str, Any], db: Session) -> Cycle:
    response = client.post_form(town["base"], {"name": "2026–2027", "starts_on": "2026-01-01",
                                               "ends_on": "2027-12-31", "public": "1"})
    assert response.status_code == 303, response.text
    return db.exec(select(Cycle).where(Cycle.municipality_id == town["town"].id)).one()


def _ticked(page: str, text: str) -> bool:
    """Whether the checklist item with this text reads as done."""
    items = re.findall(r"<li id=\"check-\d+\" class=\"(done)?\">(.*?)</li>", page, re.S)
    found = [done for done, body in items if text in body]
    assert len(found) == 1, f"no single item {text!r}"
    return bool(found[0] == "done")


def test_a_coordinator_starts_a_cycle_with_brås_five_steps(client: CheckedClient, db: Session,
                                                          town: dict[str, Any]) -> None:
    client.login(town["user"])
    bad = client.post_form(town["base"], {"name": "", "starts_on": "2027-01-01", "ends_on": "2026-01-01"})
    assert bad.status_code == 400 and "Ange ett namn" in bad.text
    assert db.exec(select(Cycle)).first() is None  # nothing half-written
    cycle = _create(client, town, db)
    steps = db.exec(select(CycleStep).where(CycleStep.cycle_id == cycle.id).order_by(col(CycleStep.number))).all()
    assert [s.number for s in steps] == [1, 2, 3, 4, 5]
    page = client.get(f"{town['base']}/{cycle.id}").text
    assert "Steg 1, Initiera samverkan." in page and "Uppföljning och återkoppling" in page
    assert page.count('<li id="check-') == 15


def test_checklist_items_tick_themselves_from_what_the_product_holds(client: CheckedClient, db: Session,
                                                                   town: dict[str, Any]) -> None:
    client.login(town["user"])
    cycle = _create(client, town, db)
    url = f"{town['base']}/{cycle.id}"
    before = client.get(url).text
    assert not _ticked(before, "Trygghetsenkät genomförd")
    area = factories.area(db, town["town"], "Centrum")
    wave = cf.survey(db, town["town"], [area], items=("speeding",))
    wave.survey.status, wave.survey.closes_on = SurveyStatus.closed, date(2026, 4, 30)
    db.add(wave.survey)
    db.add(DialogueEvent(municipality_id=town["town"].id or 0, kind=EventKind.safety_walk, title={"sv": "Vandring"},
                         place="Torget", starts_at=datetime(2026, 5, 10, 18, tzinfo=UTC),
                         ends_at=datetime(2026, 5, 10, 20, tzinfo=UTC), capacity=20))
    pledge = pf.pledge(db, town["town"], PledgeStatus.published)
    pledge.published_at = datetime(2026, 9, 1, tzinfo=UTC)
    db.add(pledge)
    db.commit()
    after = client.get(url).text
    assert _ticked(after, "Trygghetsenkät genomförd") and "Enkätomgång 1 stängde 2026-04-30" in after
    assert _ticked(after, "Trygghetsvandring genomförd") and _ticked(after, "Medborgarlöfte undertecknat")
    assert not _ticked(after, "Medborgardialog genomförd")  # a walk is not a meeting
    # A wave that closed before the cycle began is no evidence for it.
    wave.survey.closes_on = date(2025, 4, 30)
    db.add(wave.survey)
    db.commit()
    assert not _ticked(client.get(url).text, "Trygghetsenkät genomförd")


def test_a_hand_tick_and_a_late_step_reminded_once_a_week(client: CheckedClient, db: Session,
                                                         town: dict[str, Any]) -> None:
    client.login(town["user"])
    cycle = _create(client, town, db)
    check = db.exec(select(CycleCheck).where(CycleCheck.text == "Beslut om samverkan mellan polis och kommun")).one()
    assert client.post_form(f"{town['base']}/{cycle.id}/checks/{check.id}", {"done": "1"}).status_code == 303
    db.refresh(check)
    assert check.done_on is not None
    saved = client.post_form(f"{town['base']}/{cycle.id}/steps/1", {"status": "in_progress", "due_on": "2026-02-01"})
    assert saved.status_code == 303
    page = client.get(f"{town['base']}/{cycle.id}").text
    assert "Försenat" in page
    assert service.remind_late_steps(db, date(2026, 2, 10)) == 1
    assert service.remind_late_steps(db, date(2026, 2, 12)) == 0  # reminded this week already
    assert service.remind_late_steps(db, date(2026, 2, 17)) == 1
    sent = db.exec(select(MailOutbox).where(MailOutbox.recipient == town["user"].email)).all()
    assert len(sent) == 2 and "Initiera samverkan" in sent[0].body


def test_another_municipality_s_cycle_check_and_party_are_out_of_reach(client: CheckedClient, db: Session,
                                                                      town: dict[str, Any]) -> None:
    other = factories.municipality(db)
    foreign_party = factories.party(db, other, PartyKind.police)
    foreign = Cycle(municipality_id=other.id or 0, name="Deras", starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))
    db.add(foreign)
    db.flush()
    foreign_step = CycleStep(cycle_id=foreign.id or 0, number=1)
    db.add(foreign_step)
    db.flush()
    foreign_check = CycleCheck(step_id=foreign_step.id or 0, text="Deras punkt")
    db.add(foreign_check)
    db.commit()
    client.login(town["user"])
    mine = _create(client, town, db)
    assert client.get(f"{town['base']}/{foreign.id}").status_code == 404
    # Their check through my cycle's address: not found, and not ticked.
    assert client.post_form(f"{town['base']}/{mine.id}/checks/{foreign_check.id}", {"done": "1"}).status_code == 404
    db.refresh(foreign_check)
    assert foreign_check.done_on is None
    # Their party as my step's owner: refused with a message, nothing written.
    refused = client.post_form(f"{town['base']}/{mine.id}/steps/2",
                               {"status": "in_progress", "owner_party_id": str(foreign_party.id)})
    assert refused.status_code == 400 and "Välj en part i listan" in refused.text
    step = db.exec(select(CycleStep).where(CycleStep.cycle_id == mine.id, CycleStep.number == 2)).one()
    assert step.owner_party_id is None and step.status == "not_started"


def _signed_pdf() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.docinfo["/Author"] = "Kommunchefen"
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_the_signed_agreement_is_kept_cleaned_and_shown_on_the_pledge(client: CheckedClient, db: Session,
                                                                     town: dict[str, Any]) -> None:
    client.login(town["user"])
    pledge = pf.pledge(db, town["town"], PledgeStatus.published)
    db.commit()
    fields = {"title": "Samverkansöverenskommelse 2026–2027", "starts_on": "2026-01-01", "ends_on": "2027-12-31",
              "focus": "Trafik och belysning", "pledge_ids": str(pledge.id), "sig_name_0": "Anna Berg",
              "sig_role_0": "Lokalpolisområdeschef", "sig_party_0": "Polisen", "sig_signed_on_0": "2026-03-01",
              "sig_name_1": "Omar Ali", "sig_role_1": "Kommundirektör", "sig_party_1": "Kommunen",
              "sig_signed_on_1": "2026-03-02"}
    not_pdf = client.post_form(f"{town['base']}/agreements", fields,
                               files={"document": ("avtal.pdf", b"<html>nej</html>", "application/pdf")})
    assert not_pdf.status_code == 400 and "som PDF" in not_pdf.text
    assert db.exec(select(Agreement)).first() is None
    saved = client.post_form(f"{town['base']}/agreements", fields,
                             files={"document": ("avtal.pdf", _signed_pdf(), "application/pdf")})
    assert saved.status_code == 303, saved.text
    agreement = db.exec(select(Agreement)).one()
    stored = service.document_path(agreement)
    assert stored is not None
    with pikepdf.open(stored) as pdf:
        assert "/Author" not in pdf.docinfo  # metadata gone
    public = client.get(f"/m/{town['town'].slug}/pledges/{pledge.id}").text
    assert "Samverkansöverenskommelse 2026–2027" in public and "Anna Berg" in public
    document = f"/m/{town['town'].slug}/agreements/{agreement.id}/document"
    assert document in public and client.get(document).status_code == 200
    # Once no published pledge links to it (and no public cycle shows it), the document is not public.
    pledge.status = PledgeStatus.draft
    db.add(pledge)
    db.commit()
    assert client.get(document).status_code == 404


def test_residents_see_how_we_work_only_for_a_cycle_the_municipality_shows(client: CheckedClient, db: Session,
                                                                          town: dict[str, Any]) -> None:
    client.login(town["user"])
    cycle = _create(client, town, db)
    client.post_form(f"{town['base']}/{cycle.id}/steps/1", {"status": "done"})
    client.post("/staff/logout", data={"csrf_token": client.csrf()})
    slug = town["town"].slug
    assert "Så arbetar vi" in client.get(f"/m/{slug}").text
    public = client.get(f"/m/{slug}/sa-arbetar-vi").text
    assert "Initiera samverkan</strong> – klart" in public and "Genomförande</strong> – inte påbörjat" in public
    client.cookies.set("lang", "ar")
    assert "بدء التعاون" in client.get(f"/m/{slug}/sa-arbetar-vi").text
    cycle.public = False
    db.add(cycle)
    db.commit()
    client.cookies.set("lang", "sv")
    hidden = client.get(f"/m/{slug}/sa-arbetar-vi").text
    assert "Initiera samverkan" not in hidden and "Så arbetar vi" not in client.get(f"/m/{slug}").text
