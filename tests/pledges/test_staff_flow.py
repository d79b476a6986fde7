"""Drafting -> review -> sign and publish -> versioned change -> follow-up updates, through the staff pages."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image
from sqlmodel import Session, col, select

from app.audit import Action
from app.models import AuditLog, PartyKind, Role
from app.models.pledges import (
    Pledge,
    PledgeActivity,
    PledgeAttachment,
    PledgeProposal,
    PledgeStatus,
    PledgeUpdate,
    PledgeVersion,
)
from app.pledges import followup, queries
from tests import factories
from tests.conftest import CheckedClient
from tests.pledges import factories as pf


@pytest.fixture
def town(db: Session) -> dict[str, Any]:
    municipality = factories.municipality(db)
    user = factories.staff(db, municipality, Role.coordinator)
    police = factories.party(db, municipality, PartyKind.police, name="Polisen LPO")
    kommun = factories.party(db, municipality, PartyKind.municipality, name="Kommunen")
    db.commit()
    return {"m": municipality, "user": user, "police": police, "kommun": kommun,
            "base": f"/staff/m/{municipality.slug}/pledges"}


def _activity(focus_id: int, party: str, title: str, target: str = "8") -> dict[str, str]:
    return {"act_focus_area_id": str(focus_id), "act_title": title, "act_party": party, "act_target_number": target,
            "act_target_unit": "kontroller", "act_target_text": "", "act_starts_on": "2025-02-01",
            "act_ends_on": "2026-12-31"}


def test_whole_drafting_loop(client: CheckedClient, db: Session, town: dict[str, Any]) -> None:
    base = str(town["base"])
    client.login(town["user"])
    response = client.post_form(f"{base}/new", {"title": "Tryggare Strandvik", "intro": "Vi lovar.",
                                                 "starts_on": "2025-01-01", "ends_on": "2026-12-31"})
    assert response.status_code == 303
    pledge_url = response.headers["location"]
    found = db.exec(select(Pledge).where(Pledge.municipality_id == town["m"].id)).one()

    # Submitting with no focus area is refused with a clear message.
    response = client.post_form(f"{pledge_url}/submit")
    assert response.status_code == 400 and "minst 2 fokusområden" in response.text

    for title in ("Nedskräpning", "Trafik"):
        response = client.post_form(f"{pledge_url}/focus-areas", {
            "fa_title": title, "fa_problem": f"{title} är ett problem.", "fa_cause": "Orsak."})
        assert response.status_code == 303
    focus, _acts = queries.children(db, found)
    assert len(focus) == 2

    # An activity without a party is refused, naming the field.
    response = client.post_form(f"{pledge_url}/activities", _activity(focus[0].id or 0, "", "Städdagar"))
    assert response.status_code == 400 and "Välj vem som ansvarar" in response.text
    assert 'href="#act_party"' in response.text
    # A negative target is refused.
    response = client.post_form(f"{pledge_url}/activities", _activity(focus[0].id or 0, "joint", "X", "-2"))
    assert response.status_code == 400 and "heltal" in response.text

    assert client.post_form(f"{pledge_url}/activities", _activity(
        focus[0].id or 0, str(town["kommun"].id), "Kommunen ska städa")).status_code == 303
    assert client.post_form(f"{pledge_url}/activities", _activity(
        focus[1].id or 0, str(town["police"].id), "Polisen ska göra kontroller")).status_code == 303

    assert client.post_form(f"{pledge_url}/submit").status_code == 303
    db.refresh(found)
    assert found.status == PledgeStatus.in_review
    # Signing needs a signatory.
    response = client.post_form(f"{pledge_url}/publish")
    assert response.status_code == 400 and "undertecknare" in response.text
    assert client.post_form(f"{pledge_url}/signatories", {"sig_name": "Lena Holm",
                                                          "sig_role": "Lokalpolisområdeschef"}).status_code == 303
    # Four eyes: the submitter cannot sign; the police and another coordinator sign, and that publishes.
    assert client.post_form(f"{pledge_url}/publish", {"signed_on": "2025-01-20"}).status_code == 400
    signers = {}
    for role in (Role.police, Role.coordinator):
        signer = signers[role] = factories.staff(db, town["m"], role)
        db.commit()
        client.login(signer)
        assert client.post_form(f"{pledge_url}/publish", {"signed_on": "2025-01-20"}).status_code == 303
    client.login(town["user"])
    db.refresh(found)
    assert str(found.status) == "published" and found.version == 1

    public = client.get(f"/m/{town['m'].slug}/pledges/{found.id}")
    assert public.status_code == 200 and "Polisen ska göra kontroller" in public.text

    # Editing a signed pledge without a new version is refused with an explanation.
    edit = {"title": "Tryggare Strandvik", "intro": "Vi lovar mer.", "starts_on": "2025-01-01",
            "ends_on": "2026-12-31", "area_id": ""}
    response = client.post_form(f"{pledge_url}/edit", edit)
    assert response.status_code == 400 and "Gör en ny version" in response.text
    db.refresh(found)
    assert found.intro["sv"] == "Vi lovar."
    response = client.post_form(f"{pledge_url}/edit", {**edit, "new_version": "yes", "version_note": "Tydligare."})
    assert response.status_code == 303
    # Four eyes on changes too: the coordinator's change waits for the police to approve it.
    proposal = db.exec(select(PledgeProposal).where(PledgeProposal.pledge_id == found.id)).one()
    client.login(signers[Role.police])
    assert client.post_form(f"{pledge_url}/proposals/{proposal.id}/decide", {"decision": "approve"}).status_code == 303
    client.login(town["user"])
    versions = db.exec(select(PledgeVersion).where(PledgeVersion.pledge_id == found.id)).all()
    assert [v.number for v in versions] == [1, 2]
    assert any("Vi lovar mer." in change for change in versions[1].changes)
    public = client.get(f"/m/{town['m'].slug}/pledges/{found.id}")
    assert "Ändringar i löftet" in public.text and "Vi lovar mer." in public.text

    # A follow-up update moves the progress; bad numbers are refused.
    act = db.exec(select(PledgeActivity).where(PledgeActivity.pledge_id == found.id,
                                               PledgeActivity.party_id == town["police"].id)).one()
    act_url = f"{pledge_url}/activities/{act.id}"
    for bad in ("-4", "fyra"):
        response = client.post_form(f"{act_url}/updates", {"upd_text": "Kontroller", "upd_achieved": bad})
        assert response.status_code == 400 and "heltal" in response.text
    response = client.post_form(f"{act_url}/updates", {"upd_text": "Fyra kontroller vid skolan.",
                                                       "upd_achieved": "4", "upd_date": "2025-03-01"})
    assert response.status_code == 303
    db.refresh(act)
    assert act.achieved == 4 and act.status == "in_progress"
    public = client.get(f"/m/{town['m'].slug}/pledges/{found.id}")
    assert "Fyra kontroller vid skolan." in public.text and 'value="50"' in public.text

    actions = set(db.exec(select(AuditLog.action).where(AuditLog.municipality_id == town["m"].id)).all())
    assert {Action.PLEDGE_CREATE, Action.PLEDGE_ACTIVITY_SAVE, Action.PLEDGE_SIGN_PUBLISH, Action.PLEDGE_VERSION_CREATE,
            Action.PLEDGE_UPDATE_POST} <= actions


def _jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_attachments_checked_by_content_and_size_and_images_stripped(client: CheckedClient, db: Session,
                                                                      town: dict[str, Any]) -> None:
    found, acts = pf.complete_pledge(db, town["m"], PledgeStatus.published)
    db.commit()
    client.login(town["user"])
    url = f"{town['base']}/{found.id}/activities/{acts[0].id}/updates"
    token = client.csrf()
    fields = {"csrf_token": token, "upd_text": "Bild från platsen"}
    response = client.post(url, data=fields, files={"upd_file": ("photo.jpg", b"MZ\x90not an image", "image/jpeg")})
    assert response.status_code == 400 and "JPEG, PNG, WebP" in response.text
    big = b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024 + 10)
    response = client.post(url, data=fields, files={"upd_file": ("big.pdf", big, "application/pdf")})
    assert response.status_code == 400 and "5 MB" in response.text
    photo = _jpeg_with_exif()
    assert b"SecretCam" in photo
    response = client.post(url, data=fields, files={"upd_file": ("photo.jpg", photo, "image/jpeg")},
                           follow_redirects=False)
    assert response.status_code == 303
    row = db.exec(select(PledgeAttachment).join(PledgeUpdate, col(PledgeUpdate.id) == PledgeAttachment.update_id)
                  .where(PledgeUpdate.activity_id == acts[0].id)).one()
    stored = followup.attachment_path(row).read_bytes()
    assert b"SecretCam" not in stored and stored.startswith(b"\xff\xd8")
    assert str(followup.upload_dir()).find("frontend") == -1  # outside the web root
    served = client.get(f"/m/{town['m'].slug}/pledges/files/{row.id}")
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"


def test_other_municipality_staff_get_not_found(client: CheckedClient, db: Session, town: dict[str, Any]) -> None:
    found, _acts = pf.complete_pledge(db, town["m"])
    other = factories.municipality(db)
    outsider = factories.staff(db, other, Role.admin)
    db.commit()
    client.login(outsider)
    assert client.get(f"{town['base']}/{found.id}").status_code == 404
    # Even under their own municipality's prefix, another town's pledge id is not found.
    assert client.get(f"/staff/m/{other.slug}/pledges/{found.id}").status_code == 404
    assert client.post_form(f"/staff/m/{other.slug}/pledges/{found.id}/submit").status_code == 404


def test_status_cancel_needs_reason_and_partner_may_report(client: CheckedClient, db: Session,
                                                           town: dict[str, Any]) -> None:
    found, _acts = pf.complete_pledge(db, town["m"], PledgeStatus.published)
    housing = factories.party(db, town["m"], PartyKind.partner, name="Bostadsbolaget")
    own = pf.activity(db, found, queries.children(db, found)[0][0], housing, "Städdagar")
    partner = factories.staff(db, town["m"], Role.partner, party=housing)
    db.commit()
    client.login(partner)
    url = f"{town['base']}/{found.id}/activities/{own.id}/status"
    response = client.post_form(url, {"status": "cancelled"})
    assert response.status_code == 400 and "varför" in response.text
    assert client.post_form(url, {"status": "cancelled", "cancel_reason": "Ersatt av annan insats"}).status_code == 303
    db.refresh(own)
    assert own.status == "cancelled"
    # Partners may not edit the pledge itself.
    assert client.post_form(f"{town['base']}/{found.id}/edit", {"title": "x"}).status_code == 403


def test_focus_area_from_chosen_priorities_is_prefilled_with_figures(client: CheckedClient, db: Session,
                                                                     town: dict[str, Any]) -> None:
    from app.models.concerns import ConcernPriority
    from app.models.surveys import Survey

    centrum = factories.area(db, town["m"], name="Centrum")
    survey = Survey(municipality_id=town["m"].id, series_id="s1", wave=1, slug="prio-enkat")
    db.add(survey)
    db.flush()
    db.add(ConcernPriority(municipality_id=town["m"].id, survey_id=survey.id or 0, series_id="s1", wave=1,
                           area_id=centrum.id, item_code="littering", item_label="Nedskräpning", share=0.62, n=1240))
    found = pf.pledge(db, town["m"])
    db.commit()
    client.login(town["user"])
    page = client.get(f"{town['base']}/{found.id}")
    assert "62 % av 1\u00a0240 invånare i Centrum svarar att nedskräpning är ett stort problem" in page.text
    response = client.post_form(f"{town['base']}/{found.id}/focus-areas",
                                {"priority": "0", "fa_title": "Nedskräpning", "fa_problem": "", "fa_cause": ""})
    assert response.status_code == 303
    focus, _acts = queries.children(db, found)
    assert focus[0].problem["sv"].startswith("62 % av 1\u00a0240 invånare i Centrum")
    assert focus[0].figures[0]["n"] == 1240 and focus[0].figures[0]["share"] == 0.62


def test_translations_reach_the_public_page(client: CheckedClient, db: Session, town: dict[str, Any]) -> None:
    found, acts = pf.complete_pledge(db, town["m"], PledgeStatus.published)
    db.commit()
    client.login(town["user"])
    page = client.get(f"{town['base']}/{found.id}/translate?to=ar")
    assert page.status_code == 200 and f'id="act-{acts[0].id}-title"' in page.text
    response = client.post_form(f"{town['base']}/{found.id}/translate",
                                {"to": "ar", "pledge-title": "وسط أكثر أمانًا",
                                 f"act-{acts[0].id}-title": "سلال مهملات"})
    assert response.status_code == 303
    # The pledge is published: the translation waits for the other side (four eyes), then reaches residents.
    proposal = db.exec(select(PledgeProposal).where(PledgeProposal.pledge_id == found.id)).one()
    client.login(factories.staff(db, town["m"], Role.police))
    assert client.post_form(f"{town['base']}/{found.id}/proposals/{proposal.id}/decide",
                            {"decision": "approve"}).status_code == 303
    public = client.get(f"/m/{town['m'].slug}/pledges/{found.id}?lang=ar")
    assert "وسط أكثر أمانًا" in public.text and "سلال مهملات" in public.text
    # Swedish stays the signed original.
    assert "Tryggare Centrum" in client.get(f"/m/{town['m'].slug}/pledges/{found.id}?lang=sv").text


def test_extend_unchanged_then_close_moves_to_archive(client: CheckedClient, db: Session,
                                                      town: dict[str, Any]) -> None:
    found, _acts = pf.complete_pledge(db, town["m"], PledgeStatus.published)
    db.commit()
    client.login(town["user"])
    assert client.post_form(f"{town['base']}/{found.id}/extend", {"extend_to": "2025-01-01"}).status_code == 400
    assert client.post_form(f"{town['base']}/{found.id}/extend", {"extend_to": "2027-12-31"}).status_code == 303
    db.refresh(found)
    assert str(found.ends_on) != "2027-12-31"  # extending is a change too: it waits for the police (four eyes)
    proposal = db.exec(select(PledgeProposal).where(PledgeProposal.pledge_id == found.id)).one()
    client.login(factories.staff(db, town["m"], Role.police))
    assert client.post_form(f"{town['base']}/{found.id}/proposals/{proposal.id}/decide",
                            {"decision": "approve"}).status_code == 303
    client.login(town["user"])
    db.refresh(found)
    assert str(found.ends_on) == "2027-12-31"
    version = db.exec(select(PledgeVersion).where(PledgeVersion.pledge_id == found.id)).one()
    assert "Förlängt oförändrat till 2027-12-31" in version.note
    assert client.post_form(f"{town['base']}/{found.id}/close", {"confirm_close": "yes"}).status_code == 303
    listing = client.get(f"/m/{town['m'].slug}/pledges")
    assert "Tidigare medborgarlöften" in listing.text and "Tryggare Centrum" in listing.text
    # A closed pledge cannot be changed any more, not even with a new version.
    response = client.post_form(f"{town['base']}/{found.id}/edit", {"title": "Nytt", "starts_on": "2025-01-01",
                                                                    "ends_on": "2026-12-31", "new_version": "yes"})
    assert response.status_code == 400 and "avslutat" in response.text
