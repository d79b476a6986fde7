"""Sign-up and subscription abuse: one sign-up cannot take a whole event, one address gets at most one confirmation
mail an hour (sign-ups and pledge subscriptions alike), and one client cannot send sign-ups without end."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select
from starlette.datastructures import FormData

from app.config import get_settings
from app.dialogues import rules
from app.dialogues.staff_forms import EventForm
from app.mail import outbox_files
from app.models.dialogues import DialogueSignup, EventKind
from app.models.pledges import PledgeSubscriber
from tests import factories
from tests.conftest import CheckedClient
from tests.dialogues import factories as dialogue_factories

# Attempts counted up to a limit stay in one rate window (tests/conftest.py: steady_clock).
pytestmark = pytest.mark.usefixtures("steady_clock")


def _form(**overrides: str) -> dict[str, str]:
    values = {"name": "Ada Andersson", "email": "ada@resident.example", "phone": "", "people": "1",
              "consent": "yes", "needs": "Hörslinga, tack"}
    values.update(overrides)
    return values


def _mails_to(address: str) -> int:
    return len(outbox_files("To", address, limit=1000))


def test_one_sign_up_for_eight_people_is_refused(client: CheckedClient, db: Session) -> None:
    """The attack: one anonymous sign-up with people=8 filled an 8-seat focus group."""
    municipality = factories.municipality(db)
    event = dialogue_factories.event(db, municipality, capacity=8, kind=EventKind.focus_group)
    db.commit()
    url = f"/m/{municipality.slug}/dialoger/{event.id}/anmalan"
    response = client.post_form(url, _form(people="8"))
    assert response.status_code == 400
    assert "Ange hur många ni är, från 1 till 2." in response.text and 'href="#people"' in response.text
    assert 'value="Ada Andersson"' in response.text and "Hörslinga, tack" in response.text  # nothing typed is lost
    assert db.exec(select(DialogueSignup).where(DialogueSignup.event_id == event.id)).all() == []
    assert client.post_form(url, _form(people="2")).status_code == 303  # the default: you and one more


def test_staff_set_the_limit_per_event() -> None:
    values = {"kind": "meeting", "title_sv": "Möte", "place": "Skolan", "starts_at": "2030-01-01T18:00",
              "ends_at": "2030-01-01T20:00", "capacity": "30"}
    form = EventForm.parse(FormData({**values, "max_people_per_signup": "5"}), ["sv"])
    assert form.problems(["sv"], set()) == {} and form.fields(set(), set())["max_people_per_signup"] == 5
    form = EventForm.parse(FormData(values), ["sv"])
    assert form.fields(set(), set())["max_people_per_signup"] == rules.DEFAULT_PEOPLE_PER_SIGNUP == 2
    for bad in ("0", "11", "många"):
        errors = EventForm.parse(FormData({**values, "max_people_per_signup": bad}), ["sv"]).problems(["sv"], set())
        assert set(errors) == {"max_people_per_signup"}


def test_the_second_confirmation_mail_to_one_address_within_the_hour_is_not_sent(client: CheckedClient,
                                                                                 db: Session) -> None:
    """The attack: 20 requests sent 20 confirmation mails to one victim's address."""
    victim = "offer@resident.example"
    municipality = factories.municipality(db)
    events = [dialogue_factories.event(db, municipality) for _ in range(3)]
    db.commit()
    for event in events:  # three different events, the victim's address each time
        response = client.post_form(f"/m/{municipality.slug}/dialoger/{event.id}/anmalan", _form(email=victim))
        assert response.status_code == 303
    for _ in range(3):  # and pledge subscriptions: the same rule, the same count
        response = client.post_form(f"/m/{municipality.slug}/pledges/subscribe", {"email": victim})
        assert response.status_code == 200
        assert "högst ett bekräftelsemejl i timmen" in response.text  # said every time, whatever happened
    assert _mails_to(victim) == 1
    assert len(db.exec(select(DialogueSignup).where(DialogueSignup.email == victim)).all()) == 3  # seats kept
    assert db.exec(select(PledgeSubscriber).where(PledgeSubscriber.email == victim)).one().confirmed is False


def test_many_sign_ups_from_one_client_get_a_clear_429_and_keep_what_was_typed(
        client: CheckedClient, db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "signups_per_client_hour", 3)
    municipality = factories.municipality(db)
    event = dialogue_factories.event(db, municipality, capacity=100)
    db.commit()
    url = f"/m/{municipality.slug}/dialoger/{event.id}/anmalan"
    for n in range(3):
        assert client.post_form(url, _form(email=f"person{n}@resident.example")).status_code == 303
    refused = client.post_form(url, _form(name="Fjärde Person", email="fjarde@resident.example"), headers={
        "Accept-Language": "en"}, params={"lang": "en"})
    assert refused.status_code == 429
    assert 'lang="en"' in refused.text and "Wait an hour" in refused.text  # in the resident's language
    assert 'value="Fjärde Person"' in refused.text and 'value="fjarde@resident.example"' in refused.text
    assert db.exec(select(DialogueSignup).where(DialogueSignup.email == "fjarde@resident.example")).first() is None
    subscribe = client.post_form(f"/m/{municipality.slug}/pledges/subscribe", {"email": "fjarde@resident.example"})
    assert subscribe.status_code == 200  # a separate count for subscriptions
    for _ in range(3):
        subscribe = client.post_form(f"/m/{municipality.slug}/pledges/subscribe", {"email": "fjarde@resident.example"})
    assert subscribe.status_code == 429 and 'value="fjarde@resident.example"' in subscribe.text
