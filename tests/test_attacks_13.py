"""Attacks on the issue #13 changes that worked before they were fixed: each test is the attack as it was tried."""

from __future__ import annotations

import io
import re
from typing import Any

import pikepdf
import pytest
from sqlmodel import Session

from app.mail import outbox_files
from app.models import PartyKind, Role
from app.models.pledges import PledgeActivity, PledgeSignatory, PledgeStatus
from app.pledges import service
from tests import factories
from tests.conftest import CheckedClient
from tests.pledges import factories as pf


def test_plus_and_trailing_dot_variants_of_one_address_get_one_confirmation_mail_an_hour(
        client: CheckedClient, db: Session) -> None:
    """The attack: the limit of one confirmation mail per recipient and hour was counted per spelling, so
    offer+1@, offer+2@ and offer@domain. (all delivered to one mailbox) each got a mail."""
    municipality = factories.municipality(db)
    db.commit()
    variants = ["offer@resident.example", "offer+1@resident.example", "Offer+2@Resident.Example",
                "offer@resident.example."]
    for address in variants:
        response = client.post_form(f"/m/{municipality.slug}/pledges/subscribe", {"email": address})
        assert response.status_code == 200
    sent = sum(len(outbox_files("To", address.lower(), limit=100)) for address in variants)
    assert sent == 1
