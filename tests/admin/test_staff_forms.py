"""The set-up forms' pure problems: what a form as typed says before the database is asked."""

from __future__ import annotations

import pytest
from starlette.datastructures import FormData

from app.admin.staff_forms import AreaForm, InviteForm, MunicipalityForm, PartyForm, SettingsForm


def test_settings_form_names_each_bad_field_and_normalises_the_address() -> None:
    form = SettingsForm.parse(FormData([("name", ""), ("contact_email", " Trygg@Kommun.SE "),
                                        ("languages", "en"), ("languages", "xx"), ("police_area_id", "²")]))
    assert form.contact_email == "trygg@kommun.se"
    assert set(form.problems()) == {"name", "languages", "police_area_id"}
    good = SettingsForm.parse(FormData([("name", "Strandvik"), ("contact_email", "a@b.se"), ("languages", "ar"),
                                        ("police_area_id", "12"), ("require_two_factor", "1")]))
    assert good.problems() == {}
    assert good.offered() == ["sv", "ar"] and good.police_area_number() == 12 and good.require_two_factor


def test_settings_form_a_new_police_area_wins_over_the_list_and_has_a_length_limit() -> None:
    form = SettingsForm.parse(FormData({"name": "S", "contact_email": "a@b.se", "police_area_id": "x",
                                        "new_police_area": "P" * 201}))
    assert set(form.problems()) == {"new_police_area"}


@pytest.mark.parametrize(("population", "bad"), [("6 200", False), ("", False), ("6,2", True), ("٣", True),
                                                   ("10000001", True)])
def test_area_form_population(population: str, bad: bool) -> None:
    form = AreaForm.parse(FormData({"name": "Centrum", "population": population}))
    assert ("population" in form.problems()) is bad


def test_area_form_rejects_a_bad_slug_and_bad_geojson_and_keeps_what_was_typed() -> None:
    form = AreaForm.parse(FormData({"name": "Centrum", "slug": "Inte OK!", "geojson": "{nej"}))
    assert set(form.problems()) == {"slug", "geojson"}
    assert form.values()["geojson"] == "{nej" and form.values()["slug"] == "inte ok!"
    assert AreaForm.parse(FormData({"name": "Centrum"})).polygon() == (None, {})


def test_party_form_needs_a_known_kind() -> None:
    assert set(PartyForm.parse(FormData({"name": "", "kind": "gang"})).problems()) == {"name", "kind"}
    assert PartyForm.parse(FormData({"name": "Bostadsbolaget", "kind": "partner"})).problems() == {}


def test_municipality_form_derives_the_slug_from_the_name() -> None:
    form = MunicipalityForm.parse(FormData({"name": "Östra Ed", "admin_name": "Ada", "admin_email": "ADA@x.se"}))
    assert form.chosen_slug() == "ostra-ed" and form.admin_email == "ada@x.se" and form.problems() == {}
    bad = MunicipalityForm.parse(FormData({"name": "", "admin_name": "", "admin_email": "nej"}))
    assert {"name", "slug", "admin_name", "admin_email"} <= set(bad.problems())


def test_invite_form_keeps_what_was_typed() -> None:
    form = InviteForm.parse(FormData({"email": " Ny@Kommun.se", "name": "Ny Person", "role": "viewer"}))
    assert form.values() == {"email": "ny@kommun.se", "name": "Ny Person", "role": "viewer"}
