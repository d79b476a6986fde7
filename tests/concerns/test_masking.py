"""Masking of personal data in free text."""

from __future__ import annotations

import pytest

from app.concerns.masking import mask_text


@pytest.mark.parametrize(("text", "expected"), [
    ("Ring 070-123 45 67 i kväll", "Ring [telefon] i kväll"),
    ("+46 70 123 45 67", "[telefon]"),
    ("mejla anna.s@example.se nu", "mejla [e-post] nu"),
    ("pnr 19850101-1234 och 850101-1234", "pnr [personnummer] och [personnummer]"),
    ("samordningsnummer 850161-1234", "samordningsnummer [personnummer]"),
    ("Anna Svensson säljer knark", "[namn] säljer knark"),
    ("grannen Kalle är stökig", "grannen [namn] är stökig"),
    ("han heter Olle", "han heter [namn]"),
    ("se https://example.com/x", "se [länk]"),
])
def test_personal_data_is_masked(text: str, expected: str) -> None:
    assert mask_text(text) == expected


@pytest.mark.parametrize("text", [
    "Det är mörkt vid Torget på kvällen",
    "Bilar kör fort i 30-zonen år 2025",
    "Polisen borde synas mer vid Storgatan",
])
def test_ordinary_text_is_kept(text: str) -> None:
    assert mask_text(text) == text
