"""Partners are tied to their party: the attacks of issue #13 (a housing company acting on police activities),
updates stamped with their party, corrections and withdrawals, and the optional approval of partner updates."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

import pytest
from sqlmodel import Session, col, select

from app.audit import Action
from app.mail import outbox_files
from app.models import AuditLog, PartyKind, Role
from app.models.pledges import ActivityStatus, PledgeStatus, PledgeSubscriber, PledgeUpdate, UpdateState
from tests import factories
from tests.conftest import CheckedClient
from tests.pledges import factories as pf

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def town(db: Session) -> dict[str, Any]:
    """A published pledge with a police, a municipality, a housing company and a joint activity, and an account
    for each side (the partner tied to the housing company)."""
    m = factories.municipality(db)
    police = factories.party(db, m, PartyKind.police, name="Polisen LPO Test")
    kommun = factories.party(db, m, PartyKind.municipality, name="Testkommunen")
    housing = factories.party(db, m, PartyKind.partner, name="Bostadsbolaget AB")
    found = pf.pledge(db, m, PledgeStatus.published)
    focus = pf.focus_area(db, found)
    acts = {"police": pf.activity(db, found, focus, police, "Hastighetskontroller"),
            "kommun": pf.activity(db, found, focus, kommun, "Ny belysning"),
            "housing": pf.activity(db, found, focus, housing, "Städdagar med de boende"),
            "joint": pf.activity(db, found, focus, None, "Trygghetsvandring", joint=True)}
    users = {"coordinator": factories.staff(db, m, Role.coordinator, party=kommun),
             "police": factories.staff(db, m, Role.police, party=police),
             "partner": factories.staff(db, m, Role.partner, party=housing),
             "partyless": factories.staff(db, m, Role.partner)}
    db.commit()
    base = f"/staff/m/{m.slug}/pledges/{found.id}"
    return {"m": m, "pledge": found, "acts": acts, "users": users, "housing": housing, "kommun": kommun,
            "police": police, "base": base, "public": f"/m/{m.slug}/pledges/{found.id}"}


def _update(client: CheckedClient, town: dict[str, Any], act: str, text: str, achieved: str = "") -> Any:
    return client.post_form(f"{town['base']}/activities/{town['acts'][act].id}/updates",
                            {"upd_text": text, "upd_achieved": achieved})


def _feed_texts(client: CheckedClient, town: dict[str, Any]) -> list[str]:
    root = ET.fromstring(client.get(f"/m/{town['m'].slug}/pledges/feed.atom").content)  # noqa: S314 - our own feed
    return [node.findtext(f"{ATOM}summary") or "" for node in root.iter(f"{ATOM}entry")]


def test_housing_partner_cannot_cancel_or_report_on_a_police_activity(client: CheckedClient, db: Session,
                                                                      town: dict[str, Any]) -> None:
    """The attack of issue #13: the housing company's account cancelled a police activity and published an
    update in the police's name, by direct POST. Both are a 403 page now and nothing changes."""
    client.login(town["users"]["partner"])
    police_act = town["acts"]["police"]
    url = f"{town['base']}/activities/{police_act.id}"
    response = client.post_form(f"{url}/status", {"status": "cancelled", "cancel_reason": "Polisen hinner inte"})
    assert response.status_code == 403 and "<h1" in response.text
    response = _update(client, town, "police", "Polisen har slutat med kontrollerna.", "40")
    assert response.status_code == 403
    # The joint activity is the police's and the municipality's, not the housing company's.
    assert _update(client, town, "joint", "Vandringen är inställd.").status_code == 403
    db.refresh(police_act)
    assert police_act.status == ActivityStatus.planned and police_act.achieved == 0
    assert db.exec(select(PledgeUpdate).where(PledgeUpdate.pledge_id == town["pledge"].id)).first() is None
    public = client.get(town["public"])
    assert "Polisen har slutat" not in public.text and "Polisen hinner inte" not in public.text
    assert not _feed_texts(client, town)
    # The page itself no longer offers the forms for another party's activity.
    page = client.get(url)
    assert page.status_code == 200 and f"{url}/updates" not in page.text and "tillhör en annan part" in page.text


def test_partner_update_on_its_own_activity_shows_its_party(client: CheckedClient, db: Session,
                                                            town: dict[str, Any]) -> None:
    client.login(town["users"]["partner"])
    assert _update(client, town, "housing", "Vårstädning med 60 boende.", "1").status_code == 303
    row = db.exec(select(PledgeUpdate).where(PledgeUpdate.activity_id == town["acts"]["housing"].id)).one()
    assert row.party_id == town["housing"].id and row.author_id == town["users"]["partner"].id
    public = client.get(town["public"])
    assert "Vårstädning med 60 boende." in public.text and "Från: Bostadsbolaget AB" in public.text
    feed = ET.fromstring(client.get(f"/m/{town['m'].slug}/pledges/feed.atom").content)  # noqa: S314 - our feed
    assert [n.text for n in feed.iter(f"{ATOM}name")][-1] == "Bostadsbolaget AB"
    api = client.get(f"/api/v1/pledges?municipality={town['m'].slug}").json()
    assert api[0]["updates"][0]["party"] == "Bostadsbolaget AB"


def test_partner_without_a_party_can_do_nothing_party_bound(client: CheckedClient, db: Session,
                                                            town: dict[str, Any]) -> None:
    client.login(town["users"]["partyless"])
    for act in ("housing", "police", "kommun", "joint"):
        assert _update(client, town, act, "Något").status_code == 403
        response = client.post_form(f"{town['base']}/activities/{town['acts'][act].id}/status", {"status": "done"})
        assert response.status_code == 403
    assert db.exec(select(PledgeUpdate)).first() is None


def test_police_act_for_the_police_and_coordinators_for_the_municipality(client: CheckedClient, db: Session,
                                                                         town: dict[str, Any]) -> None:
    client.login(town["users"]["police"])
    assert _update(client, town, "police", "22 kontroller.", "22").status_code == 303
    assert _update(client, town, "joint", "Vandring med 18 deltagare.").status_code == 303
    assert _update(client, town, "kommun", "Belysningen klar.").status_code == 403
    edit = {"act_focus_area_id": str(town["acts"]["kommun"].focus_area_id), "act_title": "Polisen tar över",
            "act_party": str(town["police"].id), "act_target_number": "", "act_target_unit": "",
            "act_target_text": "", "act_starts_on": "", "act_ends_on": "", "new_version": "yes",
            "version_note": "x"}
    assert client.post_form(f"{town['base']}/activities/{town['acts']['kommun'].id}/edit", edit).status_code == 403
    client.login(town["users"]["coordinator"])  # the pledge's editor: may report on any activity ...
    assert _update(client, town, "police", "Kommunen noterar fler kontroller.").status_code == 303
    parties = {u.text: u.party_id for u in db.exec(select(PledgeUpdate)).all()}
    assert parties == {"22 kontroller.": town["police"].id, "Vandring med 18 deltagare.": town["police"].id,
                       "Kommunen noterar fler kontroller.": town["kommun"].id}  # ... recorded for its own party


def test_correcting_and_withdrawing_show_publicly_and_in_the_audit_log(client: CheckedClient, db: Session,
                                                                       town: dict[str, Any]) -> None:
    client.login(town["users"]["partner"])
    assert _update(client, town, "housing", "Tre städdagar.", "3").status_code == 303
    assert _update(client, town, "housing", "Grillkväll på gården.", "1").status_code == 303
    first, second = db.exec(select(PledgeUpdate).order_by(col(PledgeUpdate.id))).all()
    act = town["acts"]["housing"]
    db.refresh(act)
    assert act.achieved == 4
    # Another party's account cannot correct or withdraw it.
    client.login(town["users"]["police"])
    assert client.post_form(f"{town['base']}/updates/{first.id}/withdraw").status_code == 403
    client.login(town["users"]["partner"])
    page = client.get(f"{town['base']}/updates/{first.id}")
    assert page.status_code == 200 and "Rätta uppföljningen" in page.text
    response = client.post_form(f"{town['base']}/updates/{first.id}/correct",
                                {"upd_text": "Två städdagar.", "upd_achieved": "2"})
    assert response.status_code == 303
    assert client.post_form(f"{town['base']}/updates/{second.id}/withdraw").status_code == 303
    db.refresh(act)
    assert act.achieved == 2
    public = client.get(town["public"])
    assert "Två städdagar." in public.text and "Tre städdagar." not in public.text and "rättad" in public.text
    assert "Grillkväll" not in public.text and "Uppföljningen återkallades" in public.text
    assert _feed_texts(client, town) == [f"{town['pledge'].title['sv']}: Två städdagar. (2)"]
    logged = {row.action: row for row in db.exec(select(AuditLog).where(AuditLog.entity == "pledge_update")).all()}
    correction = logged[Action.PLEDGE_UPDATE_CORRECT]
    assert correction.before and correction.after
    assert (correction.before["text"], correction.after["text"]) == ("Tre städdagar.", "Två städdagar.")
    assert logged[Action.PLEDGE_UPDATE_WITHDRAW].after["state"] == "withdrawn"  # type: ignore[index]


def test_with_approval_on_a_partner_update_waits_for_a_coordinator(client: CheckedClient, db: Session,
                                                                   town: dict[str, Any]) -> None:
    db.add(PledgeSubscriber(municipality_id=town["m"].id, email="granne@example.se", token="t-approval",
                            confirmed=True))
    db.commit()
    settings_url = f"/staff/m/{town['m'].slug}/pledges/settings"
    client.login(town["users"]["police"])  # a municipality setting: not the police's to change
    assert client.post_form(settings_url, {"partner_updates_need_approval": "yes"}).status_code == 403
    client.login(town["users"]["coordinator"])
    assert client.post_form(settings_url, {"partner_updates_need_approval": "yes"}).status_code == 303

    client.login(town["users"]["partner"])
    assert _update(client, town, "housing", "Hemlig förhandsinfo om städdagen.", "2").status_code == 303
    row = db.exec(select(PledgeUpdate)).one()
    assert row.state == UpdateState.pending
    assert "Hemlig förhandsinfo" not in client.get(town["public"]).text
    assert not _feed_texts(client, town)
    assert not [m for m in outbox_files("To", "granne@example.se") if "Hemlig förhandsinfo" in m["body"]]
    api = client.get(f"/api/v1/pledges?municipality={town['m'].slug}").json()
    assert api[0]["updates"] == []
    db.refresh(town["acts"]["housing"])
    assert town["acts"]["housing"].achieved == 0
    # The partner cannot approve its own update.
    assert client.post_form(f"{town['base']}/updates/{row.id}/review", {"decision": "approve"}).status_code == 403

    client.login(town["users"]["coordinator"])
    page = client.get(town["base"])
    assert "väntar på godkännande" in page.text and "Hemlig förhandsinfo" in page.text
    assert client.post_form(f"{town['base']}/updates/{row.id}/review", {"decision": "approve"}).status_code == 303
    assert "Hemlig förhandsinfo" in client.get(town["public"]).text
    assert any("Hemlig förhandsinfo" in text for text in _feed_texts(client, town))
    mailed = [m for m in outbox_files("To", "granne@example.se") if "Hemlig förhandsinfo" in m["body"]]
    assert mailed and "Städdagar med de boende – Bostadsbolaget AB" in mailed[0]["body"]
    db.refresh(town["acts"]["housing"])
    assert town["acts"]["housing"].achieved == 2
    actions = set(db.exec(select(AuditLog.action).where(AuditLog.municipality_id == town["m"].id)).all())
    assert {Action.MUNICIPALITY_PLEDGE_SETTINGS, Action.PLEDGE_UPDATE_APPROVE} <= actions

    # A correction by the partner goes back to the queue; a rejected update never shows.
    client.login(town["users"]["partner"])
    assert client.post_form(f"{town['base']}/updates/{row.id}/correct",
                            {"upd_text": "Ändrad text efter godkännandet.", "upd_achieved": "2"}).status_code == 303
    assert "Ändrad text efter" not in client.get(town["public"]).text
    client.login(town["users"]["coordinator"])
    assert client.post_form(f"{town['base']}/updates/{row.id}/review", {"decision": "reject"}).status_code == 303
    db.refresh(row)
    assert str(row.state) == "rejected" and "Ändrad text efter" not in client.get(town["public"]).text
    db.refresh(town["acts"]["housing"])
    assert town["acts"]["housing"].achieved == 0


def test_an_admin_ties_a_partner_account_to_its_party(client: CheckedClient, db: Session,
                                                      town: dict[str, Any]) -> None:
    """Partner accounts without a party (as all were before) are tied to one on the party's page, audit-logged."""
    admin = factories.staff(db, town["m"], Role.admin)
    db.commit()
    partyless = town["users"]["partyless"]
    client.login(partyless)
    assert _update(client, town, "housing", "Före").status_code == 403
    client.login(admin)
    page = client.get(f"/staff/m/{town['m'].slug}/parties/{town['housing'].id}")
    assert page.status_code == 200 and f'id="member-{partyless.id}"' in page.text
    chosen = [str(partyless.id), str(town["users"]["partner"].id)]
    assert client.post_form(f"/staff/m/{town['m'].slug}/parties/{town['housing'].id}/members",
                            {"member": chosen}).status_code == 303
    client.login(partyless)
    assert _update(client, town, "housing", "Efter").status_code == 303
    assert _update(client, town, "police", "Efter").status_code == 403
    logged = db.exec(select(AuditLog).where(AuditLog.action == Action.MEMBERSHIP_CHANGE_PARTY)).all()
    assert [(row.before, row.after) for row in logged] == [
        ({"user_id": partyless.id, "party_id": None}, {"user_id": partyless.id, "party_id": town["housing"].id})]


def test_an_update_withdrawn_before_approval_leaves_no_public_trace(client: CheckedClient, db: Session,
                                                                   town: dict[str, Any]) -> None:
    client.login(town["users"]["coordinator"])
    client.post_form(f"/staff/m/{town['m'].slug}/pledges/settings", {"partner_updates_need_approval": "yes"})
    client.login(town["users"]["partner"])
    assert _update(client, town, "housing", "Fel aktivitet, förlåt.").status_code == 303
    row = db.exec(select(PledgeUpdate)).one()
    assert client.post_form(f"{town['base']}/updates/{row.id}/withdraw").status_code == 303
    public = client.get(town["public"])
    assert "återkallades" not in public.text and "Fel aktivitet" not in public.text
