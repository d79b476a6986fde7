"""The administrator's set-up pages: settings, areas, parties, the audit log, and creating municipalities."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlmodel import Session, col, func, select

from app.audit import Action
from app.mail import outbox_files
from app.models import (
    Area,
    AuditLog,
    Invitation,
    Municipality,
    Party,
    PartyKind,
    PoliceArea,
    Role,
    StaffUser,
)
from tests import factories
from tests.conftest import CheckedClient

SQUARE = [[16.54, 59.37], [16.55, 59.37], [16.55, 59.38], [16.54, 59.38], [16.54, 59.37]]
POLYGON = json.dumps({"type": "Polygon", "coordinates": [SQUARE]})


@pytest.fixture
def town(db: Session) -> Municipality:
    return factories.municipality(db, slug="stad", name="Stads kommun", languages=["sv", "en"])


@pytest.fixture
def admin(db: Session, client: CheckedClient, town: Municipality) -> StaffUser:
    user = factories.staff(db, town, Role.admin)
    db.commit()
    client.login(user)
    return user


def audit_rows(db: Session, entity: str, municipality: Municipality) -> list[AuditLog]:
    return list(db.exec(select(AuditLog).where(AuditLog.entity == entity, AuditLog.municipality_id == municipality.id)
                        .order_by(col(AuditLog.id))).all())


def count(db: Session, model: Any, municipality: Municipality) -> int:
    return db.exec(select(func.count()).select_from(model).where(model.municipality_id == municipality.id)).one()


def assert_form_error(response: Any, field: str) -> None:
    assert response.status_code == 400, response.text[:500]
    assert 'class="error-summary"' in response.text
    assert f'href="#{field}"' in response.text
    assert f'id="{field}-error"' in response.text or field in ("confirm", "languages")


# --- settings ------------------------------------------------------------------------------------

SETTINGS_URL = "/staff/m/stad/settings"


def test_settings_page_shows_current_values(client: CheckedClient, admin: StaffUser) -> None:
    response = client.get(SETTINGS_URL)
    assert response.status_code == 200
    assert 'value="Stads kommun"' in response.text
    assert 'id="languages-en" name="languages" type="checkbox" value="en" checked' in response.text
    assert 'id="languages-ar" name="languages" type="checkbox" value="ar">' in response.text


def test_settings_are_saved_with_swedish_always_included_and_audited(
        client: CheckedClient, db: Session, admin: StaffUser, town: Municipality) -> None:
    lpo = PoliceArea(name="LPO Stad", region="Region Syd")
    db.add(lpo)
    db.commit()
    response = client.post_form(SETTINGS_URL, {"name": "Stads kommun (ny)", "contact_email": "Trygg@Stad.SE",
                                               "languages": ["ar", "en"], "police_area_id": str(lpo.id)})
    assert response.status_code == 303
    db.refresh(town)
    assert (town.name, town.contact_email, town.languages, town.police_area_id) == (
        "Stads kommun (ny)", "trygg@stad.se", ["sv", "en", "ar"], lpo.id)
    [entry] = audit_rows(db, "municipality", town)
    assert entry.actor_id == admin.id and entry.action == Action.MUNICIPALITY_UPDATE
    assert entry.before is not None and entry.after is not None
    assert (entry.before["name"], entry.after["name"]) == ("Stads kommun", "Stads kommun (ny)")
    assert client.get(SETTINGS_URL).text.count("Inställningarna är sparade.") == 1


def test_a_new_police_area_is_created_and_chosen(client: CheckedClient, db: Session, admin: StaffUser,
                                                 town: Municipality) -> None:
    response = client.post_form(SETTINGS_URL, {"name": "Stads kommun", "contact_email": "a@stad.se",
                                               "languages": ["sv"], "police_area_id": "",
                                               "new_police_area": "LPO Nystad", "new_police_region": "Region Väst"})
    assert response.status_code == 303
    created = db.exec(select(PoliceArea).where(PoliceArea.name == "LPO Nystad")).one()
    db.refresh(town)
    assert town.police_area_id == created.id and created.region == "Region Väst"
    assert [e.entity for e in audit_rows(db, "police_area", town)] == ["police_area"]


@pytest.mark.parametrize(("data", "field"), [
    ({"name": "", "contact_email": "a@stad.se"}, "name"),
    ({"name": "X" * 201, "contact_email": "a@stad.se"}, "name"),
    ({"name": "Ny", "contact_email": "inte-en-adress"}, "contact_email"),
    ({"name": "Ny", "contact_email": "a@stad.se", "languages": ["xx"]}, "languages"),
    ({"name": "Ny", "contact_email": "a@stad.se", "police_area_id": "999999"}, "police_area_id"),
    ({"name": "Ny", "contact_email": "a@stad.se", "police_area_id": "abc"}, "police_area_id"),
])
def test_bad_settings_are_refused_and_nothing_is_written(client: CheckedClient, db: Session, admin: StaffUser,
                                                         town: Municipality, data: dict[str, Any],
                                                         field: str) -> None:
    response = client.post_form(SETTINGS_URL, data)
    assert_form_error(response, field)
    assert response.text.count("<title>Fel:") == 1
    db.refresh(town)
    assert town.name == "Stads kommun"
    assert audit_rows(db, "municipality", town) == []


def test_settings_are_for_administrators_only(client: CheckedClient, db: Session, town: Municipality) -> None:
    client.login(factories.staff(db, town, Role.coordinator))
    assert client.get(SETTINGS_URL).status_code == 403
    assert client.post_form(SETTINGS_URL, {"name": "Kapad", "contact_email": "a@b.se"}).status_code == 403
    db.refresh(town)
    assert town.name == "Stads kommun"


# --- areas ---------------------------------------------------------------------------------------

AREAS_URL = "/staff/m/stad/areas"


def area_data(**changes: Any) -> dict[str, Any]:
    data = {"name": "Västra Strand", "slug": "", "parent_id": "", "population": "", "geojson": ""}
    data.update(changes)
    return data


def test_areas_are_listed_as_a_tree(client: CheckedClient, db: Session, admin: StaffUser,
                                    town: Municipality) -> None:
    parent = factories.area(db, town, name="Tätorten")
    factories.area(db, town, name="Hamnen", parent=parent)
    other = factories.municipality(db)
    factories.area(db, other, name="Annans område")
    db.commit()
    text = client.get(AREAS_URL).text
    assert text.index("Tätorten") < text.index('aria-label="Delområden i Tätorten"') < text.index("Hamnen")
    assert "Annans område" not in text
    assert client.get(f"{AREAS_URL}/new?parent={parent.id}").status_code == 200


def test_creating_an_area_generates_a_unique_slug_and_audits(client: CheckedClient, db: Session,
                                                             admin: StaffUser, town: Municipality) -> None:
    assert client.post_form(AREAS_URL, area_data()).status_code == 303
    assert client.post_form(AREAS_URL, area_data(name="Västra strand!")).status_code == 303
    slugs = sorted(db.exec(select(Area.slug).where(Area.municipality_id == town.id)).all())
    assert slugs == ["vastra-strand", "vastra-strand-2"]
    entries = audit_rows(db, "area", town)
    assert [e.action for e in entries] == [Action.AREA_CREATE, Action.AREA_CREATE]
    assert entries[0].before is None and entries[0].after is not None and entries[0].after["slug"] == "vastra-strand"


def test_sub_area_with_population_and_pasted_polygon(client: CheckedClient, db: Session, admin: StaffUser,
                                                     town: Municipality) -> None:
    parent = factories.area(db, town, name="Tätorten")
    db.commit()
    pasted = json.dumps({"type": "Feature", "properties": {}, "geometry": json.loads(POLYGON)}, indent=2)
    response = client.post_form(AREAS_URL, area_data(name="Ängsö", parent_id=str(parent.id),
                                                     population="6 200", geojson=pasted))
    assert response.status_code == 303
    area = db.exec(select(Area).where(Area.municipality_id == town.id, Area.slug == "angso")).one()
    assert (area.parent_id, area.population) == (parent.id, 6200)
    assert area.geojson == json.dumps(json.loads(POLYGON), separators=(",", ":"))
    [entry] = audit_rows(db, "area", town)
    assert entry.after is not None and str(entry.after["geojson"]).startswith("Polygon, 5 p, sha256:")


def test_polygon_from_an_uploaded_file_wins_over_the_text(client: CheckedClient, db: Session, admin: StaffUser,
                                                          town: Municipality) -> None:
    collection = json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "MultiPolygon", "coordinates": [[SQUARE]]}}]})
    response = client.post_form(AREAS_URL, area_data(name="Fil", geojson="skräp"),
                                files={"geojson_file": ("omrade.geojson", collection.encode(), "application/geo+json")})
    assert response.status_code == 303, response.text[:400]
    area = db.exec(select(Area).where(Area.municipality_id == town.id, Area.slug == "fil")).one()
    assert json.loads(area.geojson or "")["type"] == "MultiPolygon"


@pytest.mark.parametrize(("data", "field"), [
    (area_data(name=""), "name"),
    (area_data(population="-5"), "population"),
    (area_data(population="många"), "population"),
    (area_data(slug="Ogiltig slug"), "slug"),
    (area_data(parent_id="999999"), "parent_id"),
    (area_data(geojson='{"type": "Point", "coordinates": [16.5, 59.3]}'), "geojson"),
    (area_data(geojson=json.dumps({"type": "Polygon", "coordinates": [SQUARE[:4]]})), "geojson"),
    (area_data(geojson=json.dumps({"type": "Polygon", "coordinates": [[[y, x] for x, y in SQUARE]]})), "geojson"),
    (area_data(geojson="{inte json"), "geojson"),
])
def test_bad_area_input_is_refused_and_nothing_is_written(client: CheckedClient, db: Session, admin: StaffUser,
                                                          town: Municipality, data: dict[str, Any],
                                                          field: str) -> None:
    response = client.post_form(AREAS_URL, data)
    assert_form_error(response, field)
    assert count(db, Area, town) == 0
    assert audit_rows(db, "area", town) == []


def test_a_bad_uploaded_file_is_reported_on_the_file_field(client: CheckedClient, db: Session, admin: StaffUser,
                                                           town: Municipality) -> None:
    response = client.post_form(AREAS_URL, area_data(),
                                files={"geojson_file": ("karta.geojson", b"\xff\xfe\x00\x01", "application/json")})
    assert_form_error(response, "geojson_file")
    assert "UTF-8" in response.text
    too_big = b" " * (512 * 1024 + 10)
    response = client.post_form(AREAS_URL, area_data(), files={"geojson_file": ("stor.geojson", too_big, "text/plain")})
    assert_form_error(response, "geojson_file")
    assert count(db, Area, town) == 0


def test_a_taken_slug_and_another_municipalitys_parent_are_refused(
        client: CheckedClient, db: Session, admin: StaffUser, town: Municipality) -> None:
    existing = factories.area(db, town, name="Centrum")
    foreign_parent = factories.area(db, factories.municipality(db), name="Främmande")
    db.commit()
    assert_form_error(client.post_form(AREAS_URL, area_data(name="Nytt", slug=existing.slug)), "slug")
    assert_form_error(client.post_form(AREAS_URL, area_data(name="Nytt", parent_id=str(foreign_parent.id))),
                      "parent_id")
    assert count(db, Area, town) == 1


def test_editing_an_area_keeps_its_slug_and_audits_the_change(client: CheckedClient, db: Session,
                                                              admin: StaffUser, town: Municipality) -> None:
    area = factories.area(db, town, name="Centrum", population=100)
    area.geojson = POLYGON
    db.add(area)
    db.commit()
    page = client.get(f"{AREAS_URL}/{area.id}")
    assert page.status_code == 200 and 'value="Centrum"' in page.text
    response = client.post_form(f"{AREAS_URL}/{area.id}", area_data(name="Centrum Öst", population="120"))
    assert response.status_code == 303
    db.refresh(area)
    assert (area.name, area.population) == ("Centrum Öst", 120)
    assert db.exec(select(Area.geojson).where(Area.id == area.id)).one() is None
    assert area.slug.startswith("omrade-")
    [entry] = audit_rows(db, "area", town)
    assert entry.action == Action.AREA_UPDATE and entry.before is not None and entry.after is not None
    assert entry.before["name"] == "Centrum" and entry.after["name"] == "Centrum Öst"
    assert entry.before["geojson"] is not None and entry.after["geojson"] is None


def test_bad_edit_shows_the_form_again_and_changes_nothing(client: CheckedClient, db: Session, admin: StaffUser,
                                                           town: Municipality) -> None:
    area = factories.area(db, town, name="Centrum", population=100)
    db.commit()
    response = client.post_form(f"{AREAS_URL}/{area.id}", area_data(name="Nytt namn", population="-1"))
    assert_form_error(response, "population")
    assert 'value="Nytt namn"' in response.text
    db.refresh(area)
    assert (area.name, area.population) == ("Centrum", 100)


def test_an_area_with_sub_areas_cannot_become_a_sub_area(client: CheckedClient, db: Session, admin: StaffUser,
                                                         town: Municipality) -> None:
    first = factories.area(db, town, name="Första")
    factories.area(db, town, name="Barn", parent=first)
    second = factories.area(db, town, name="Andra")
    db.commit()
    response = client.post_form(f"{AREAS_URL}/{first.id}", area_data(name="Första", parent_id=str(second.id)))
    assert_form_error(response, "parent_id")
    db.refresh(first)
    assert first.parent_id is None


def test_deleting_an_area_asks_first_then_deletes_and_audits(client: CheckedClient, db: Session,
                                                             admin: StaffUser, town: Municipality) -> None:
    area = factories.area(db, town, name="Bort")
    db.commit()
    confirm = client.get(f"{AREAS_URL}/{area.id}/delete")
    assert confirm.status_code == 200 and "Ja, ta bort området" in confirm.text
    assert client.post_form(f"{AREAS_URL}/{area.id}/delete").status_code == 303
    assert count(db, Area, town) == 0
    [entry] = audit_rows(db, "area", town)
    assert entry.action == Action.AREA_DELETE and entry.before is not None and entry.before["name"] == "Bort"


def test_an_area_with_sub_areas_is_not_deleted(client: CheckedClient, db: Session, admin: StaffUser,
                                               town: Municipality) -> None:
    parent = factories.area(db, town, name="Förälder")
    factories.area(db, town, name="Barn", parent=parent)
    db.commit()
    page = client.get(f"{AREAS_URL}/{parent.id}/delete")
    assert "Ta bort eller flytta delområdena först" in page.text and "Ja, ta bort" not in page.text
    response = client.post_form(f"{AREAS_URL}/{parent.id}/delete")
    assert_form_error(response, "confirm")
    assert 'id="confirm"' in response.text  # the error summary's link has a target
    assert count(db, Area, town) == 2


def test_another_municipalitys_area_is_not_found(client: CheckedClient, db: Session, admin: StaffUser) -> None:
    foreign = factories.area(db, factories.municipality(db), name="Främmande")
    db.commit()
    assert client.get(f"{AREAS_URL}/{foreign.id}").status_code == 404
    assert client.post_form(f"{AREAS_URL}/{foreign.id}", area_data()).status_code == 404
    assert client.post_form(f"{AREAS_URL}/{foreign.id}/delete").status_code == 404
    assert db.get(Area, foreign.id) is not None
    assert client.get(f"{AREAS_URL}/inte-ett-id").status_code == 404


# --- parties -------------------------------------------------------------------------------------

PARTIES_URL = "/staff/m/stad/parties"


def test_parties_are_created_listed_edited_and_deleted_with_audit(client: CheckedClient, db: Session,
                                                                  admin: StaffUser, town: Municipality) -> None:
    assert client.get(f"{PARTIES_URL}/new").status_code == 200
    assert client.post_form(PARTIES_URL, {"name": "Stadsbostäder AB", "kind": "partner"}).status_code == 303
    party = db.exec(select(Party).where(Party.municipality_id == town.id)).one()
    assert party.kind == PartyKind.partner
    assert "Stadsbostäder AB" in client.get(PARTIES_URL).text
    assert client.post_form(f"{PARTIES_URL}/{party.id}", {"name": "Polisen Stad", "kind": "police"}).status_code == 303
    db.refresh(party)
    assert (party.name, party.kind) == ("Polisen Stad", "police")
    assert client.get(f"{PARTIES_URL}/{party.id}/delete").status_code == 200
    assert client.post_form(f"{PARTIES_URL}/{party.id}/delete").status_code == 303
    assert count(db, Party, town) == 0
    entries = audit_rows(db, "party", town)
    assert [e.action for e in entries] == [Action.PARTY_CREATE, Action.PARTY_UPDATE, Action.PARTY_DELETE]
    assert entries[1].before == {"id": party.id, "municipality_id": town.id, "kind": "partner",
                                 "name": "Stadsbostäder AB"}
    assert entries[1].after is not None and entries[1].after["kind"] == "police"


@pytest.mark.parametrize(("data", "field"), [
    ({"name": "", "kind": "police"}, "name"),
    ({"name": "Ny", "kind": "okänd"}, "kind"),
    ({"name": "polisen i stad", "kind": "police"}, "name"),  # the same name, in other letter case
    ({"name": "X" * 201, "kind": "police"}, "name"),
])
def test_bad_party_input_is_refused(client: CheckedClient, db: Session, admin: StaffUser, town: Municipality,
                                    data: dict[str, str], field: str) -> None:
    factories.party(db, town, PartyKind.police, name="Polisen i Stad")
    db.commit()
    response = client.post_form(PARTIES_URL, data)
    assert_form_error(response, field)
    assert count(db, Party, town) == 1
    assert audit_rows(db, "party", town) == []


def test_the_same_party_name_is_fine_in_another_municipality(client: CheckedClient, db: Session,
                                                             admin: StaffUser, town: Municipality) -> None:
    factories.party(db, factories.municipality(db), PartyKind.police, name="Polisen")
    db.commit()
    assert client.post_form(PARTIES_URL, {"name": "Polisen", "kind": "police"}).status_code == 303


def test_renaming_a_party_to_a_taken_name_is_refused(client: CheckedClient, db: Session, admin: StaffUser,
                                                     town: Municipality) -> None:
    factories.party(db, town, PartyKind.police, name="Polisen")
    other = factories.party(db, town, PartyKind.partner, name="Bolaget")
    db.commit()
    response = client.post_form(f"{PARTIES_URL}/{other.id}", {"name": "POLISEN", "kind": "partner"})
    assert_form_error(response, "name")
    db.refresh(other)
    assert other.name == "Bolaget"


def test_another_municipalitys_party_is_not_found(client: CheckedClient, db: Session, admin: StaffUser) -> None:
    foreign = factories.party(db, factories.municipality(db), name="Främmande part")
    db.commit()
    assert client.get(f"{PARTIES_URL}/{foreign.id}").status_code == 404
    assert client.post_form(f"{PARTIES_URL}/{foreign.id}/delete").status_code == 404
    assert db.get(Party, foreign.id) is not None


# --- audit log -----------------------------------------------------------------------------------

AUDIT_URL = "/staff/m/stad/audit"


def test_audit_log_is_newest_first_paginated_and_filtered(client: CheckedClient, db: Session, admin: StaffUser,
                                                          town: Municipality) -> None:
    for n in range(55):
        db.add(AuditLog(actor_id=admin.id, municipality_id=town.id, action=Action.AREA_UPDATE, entity="area",
                        entity_id=n, before={"name": f"Före {n}"}, after={"name": f"Efter {n}"}))
    db.add(AuditLog(actor_id=admin.id, municipality_id=town.id, action=Action.PARTY_DELETE, entity="party",
                    entity_id=999, before={"name": "Borttagen part"}))
    db.add(AuditLog(actor_id=None, municipality_id=factories.municipality(db).id, action=Action.AREA_UPDATE,
                    entity="area", entity_id=7777, after={"name": "Annan kommun"}))
    db.commit()
    first = client.get(AUDIT_URL)
    assert first.status_code == 200
    assert first.text.count('<li class="card">') == 50
    assert "Antal händelser: 56" in first.text and "Annan kommun" not in first.text
    assert first.text.index("#999") < first.text.index("#54") < first.text.index("#53")  # newest first
    assert "Före 54" in first.text and "Efter 54" in first.text
    assert "page=2" in first.text
    second = client.get(f"{AUDIT_URL}?page=2")
    assert second.text.count('<li class="card">') == 6
    assert "Före 0<" in second.text and "Före 54<" not in second.text
    filtered = client.get(f"{AUDIT_URL}?action=party.delete&entity=party")
    assert filtered.text.count('<li class="card">') == 1 and "Borttagen part" in filtered.text
    assert client.get(f"{AUDIT_URL}?entity=area&page=abc").text.count('<li class="card">') == 50
    assert client.get(f"{AUDIT_URL}?page=999").text.count('<li class="card">') == 6  # the last page


def test_audit_log_shows_real_changes_from_the_set_up_pages(client: CheckedClient, db: Session,
                                                            admin: StaffUser, town: Municipality) -> None:
    client.post_form(PARTIES_URL, {"name": "Gamla namnet", "kind": "partner"})
    party = db.exec(select(Party).where(Party.municipality_id == town.id)).one()
    client.post_form(f"{PARTIES_URL}/{party.id}", {"name": "Nya namnet", "kind": "partner"})
    text = client.get(f"{AUDIT_URL}?action=party.update").text
    assert "Gamla namnet" in text and "Nya namnet" in text and admin.name in text


# --- municipalities (system administrators) ------------------------------------------------------

MUNICIPALITIES_URL = "/staff/admin/municipalities"


def municipality_data(**changes: Any) -> dict[str, Any]:
    data = {"name": "Älvby kommun", "slug": "", "languages": ["en", "fi"], "admin_name": "Åsa Admin",
            "admin_email": "asa@alvby.se"}
    data.update(changes)
    return data


@pytest.fixture
def superadmin(db: Session, client: CheckedClient) -> StaffUser:
    user = factories.staff(db, superadmin=True)
    db.commit()
    client.login(user)
    return user


def test_superadmin_creates_a_municipality_and_invites_its_first_admin(
        client: CheckedClient, db: Session, superadmin: StaffUser) -> None:
    assert client.get("/staff").text.count('href="/staff/admin/municipalities"') == 1
    assert client.get(MUNICIPALITIES_URL).status_code == 200
    response = client.post_form(MUNICIPALITIES_URL, municipality_data())
    assert response.status_code == 303
    created = db.exec(select(Municipality).where(Municipality.slug == "alvby-kommun")).one()
    assert created.languages == ["sv", "en", "fi"]
    invited = db.exec(select(StaffUser).where(StaffUser.email == "asa@alvby.se")).one()
    invitation = db.exec(select(Invitation).where(Invitation.user_id == invited.id)).one()
    assert (invitation.municipality_id, invitation.role) == (created.id, "admin")  # a member once accepted
    assert invited.password_hash is None  # chooses a password from the invitation link
    assert {e.action for e in db.exec(select(AuditLog).where(AuditLog.municipality_id == created.id))} == {
        Action.MUNICIPALITY_CREATE, Action.INVITATION_INVITE}
    assert response.headers["location"] == "/staff/m/alvby-kommun/settings"
    assert "/staff/password/" not in str(client.session_data())  # the link is in the invitee's mail only
    body = outbox_files("To", "asa@alvby.se", limit=1)[0]["body"]
    link = re.search(r"http://testserver(/staff/password/[\w\-]+)", body)
    assert link, body
    assert "asa@alvby.se" in client.get(link.group(1)).text  # the invitation works
    assert client.get(response.headers["location"]).status_code == 200


@pytest.mark.parametrize(("changes", "field"), [
    ({"name": ""}, "name"),
    ({"slug": "Fel Slug"}, "slug"),
    ({"slug": "befintlig"}, "slug"),
    ({"languages": ["zz"]}, "languages"),
    ({"admin_name": ""}, "admin_name"),
    ({"admin_email": "ingen-adress"}, "admin_email"),
])
def test_bad_municipality_input_is_refused_and_nothing_is_written(
        client: CheckedClient, db: Session, superadmin: StaffUser, changes: dict[str, Any], field: str) -> None:
    factories.municipality(db, slug="befintlig")
    db.commit()
    before = db.exec(select(func.count()).select_from(Municipality)).one()
    response = client.post_form(MUNICIPALITIES_URL, municipality_data(**changes))
    assert_form_error(response, field)
    assert db.exec(select(func.count()).select_from(Municipality)).one() == before
    assert db.exec(select(StaffUser).where(StaffUser.email == "asa@alvby.se")).first() is None


def test_municipality_admin_cannot_create_municipalities(client: CheckedClient, db: Session,
                                                         admin: StaffUser) -> None:
    assert client.get(MUNICIPALITIES_URL).status_code == 403
    assert client.post_form(MUNICIPALITIES_URL, municipality_data()).status_code == 403
    assert 'href="/staff/admin/municipalities"' not in client.get("/staff").text


def test_set_up_links_are_shown_only_to_administrators(client: CheckedClient, db: Session,
                                                       town: Municipality) -> None:
    viewer = factories.staff(db, town, Role.viewer)
    admin = factories.staff(db, town, Role.admin)
    db.commit()
    client.login(viewer)
    assert "/staff/m/stad/areas" not in client.get("/staff/m/stad").text
    client.post_form("/staff/logout")
    client.login(admin)
    text = client.get("/staff/m/stad").text
    for page in ("settings", "areas", "parties", "audit"):
        assert f'href="/staff/m/stad/{page}"' in text


def test_a_unique_name_lost_to_a_concurrent_request_becomes_a_form_error(db: Session, town: Municipality) -> None:
    """The early check can race; the database constraint then answers with the same message, not a 500."""
    from app.admin.setup_service import _flush_or_fail
    from app.errors import ValidationFailed

    factories.party(db, town, PartyKind.police, name="Polisen")
    db.commit()
    db.add(Party(municipality_id=town.id or 0, kind=PartyKind.partner, name="Polisen"))
    with pytest.raises(ValidationFailed) as caught:
        _flush_or_fail(db, {"name": "upptaget"})
    assert caught.value.errors == {"name": "upptaget"}
    assert count(db, Party, town) == 1  # rolled back: the session is usable and nothing was written
