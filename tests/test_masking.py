"""Masking of personal data in free text: a Swedish corpus of what must be masked and what must come through.

The attack it answers: "Ali på Björkvägen 3", "läraren Eva" and "anna at gmail dot com" reached every role and every
export unmasked. Ordinary safety text (places, times, speeds, bus lines) must survive whole.
"""

from __future__ import annotations

import pytest

from app.masking import PATTERNS, mask_text

MASKED = [
    # phone numbers, in the ways Swedes write them
    ("Ring 070-123 45 67 i kväll", "Ring [telefon] i kväll"),
    ("+46 70 123 45 67", "[telefon]"),
    ("ring 08-123 456 78 efter fem", "ring [telefon] efter fem"),
    ("numret är 0701234567", "numret är [telefon]"),
    ("sms:a +46701234567", "sms:a [telefon]"),
    ("0046 70 123 45 67 är hans", "[telefon] är hans"),
    ("ring 0 7 0 1 2 3 4 5 6 7", "ring [telefon]"),
    ("hemnummer (08) 123 45 67", "hemnummer [telefon]"),
    ("tel 031-12 34 56", "tel [telefon]"),
    ("070 123 45 67 svarar aldrig", "[telefon] svarar aldrig"),
    ("nr 073/123 45 67", "nr [telefon]"),
    # e-mail, plain and obfuscated
    ("mejla anna.s@example.se nu", "mejla [e-post] nu"),
    ("anna at gmail dot com", "[e-post]"),
    ("skriv till anna(at)gmail.com", "skriv till [e-post]"),
    ("anna @ gmail . com vet mer", "[e-post] vet mer"),
    ("kalle [at] hotmail [punkt] se", "[e-post]"),
    ("pelle snabel-a telia punkt se", "[e-post]"),
    ("lisa{at}outlook{dot}com", "[e-post]"),
    ("ANNA AT GMAIL DOT COM", "[e-post]"),
    # personal identity numbers
    ("pnr 19850101-1234 och 850101-1234", "pnr [personnummer] och [personnummer]"),
    ("samordningsnummer 850161-1234", "samordningsnummer [personnummer]"),
    ("han har nummer 198507091234", "han har nummer [personnummer]"),
    ("8507091234 heter han", "[personnummer] heter han"),
    # names with addresses
    ("Ali på Björkvägen 3 säljer", "[namn] på [adress] säljer"),
    ("Eva i Storgatan 12B är hotfull", "[namn] i [adress] är hotfull"),
    ("det är Kalle vid Ekbacksgränd 4", "det är [namn] vid [adress]"),
    ("hon bor på Björkvägen 3", "hon bor på [adress]"),
    ("killen som bor i Lindstigen 14 stör", "killen som bor i [adress] stör"),
    ("adressen Kungsgatan 22 har fester", "adressen [adress] har fester"),
    # names with titles, roles and naming cues
    ("läraren Eva skäller", "läraren [namn] skäller"),
    ("rektorn Johansson gör inget", "rektorn [namn] gör inget"),
    ("grannen Kalle är stökig", "grannen [namn] är stökig"),
    ("han heter Olle", "han heter [namn]"),
    ("vaktmästaren Sven Berg låser inte", "vaktmästaren [namn] låser inte"),
    ("Fröken Anna-Lena på fritids", "Fröken [namn] på fritids"),
    ("tränaren Ahmed är schysst", "tränaren [namn] är schysst"),
    ("hyresvärden Lundqvist lagar inget", "hyresvärden [namn] lagar inget"),
    ("kuratorn Maria vet", "kuratorn [namn] vet"),
    # full names and links
    ("Anna Svensson säljer knark", "[namn] säljer knark"),
    ("se https://example.com/x", "se [länk]"),
    ("www.example.se/sida", "[länk]"),
]

KEPT = [
    "mörkt vid Björkvägen",
    "bussen kl 22",
    "Det är mörkt vid Torget på kvällen",
    "Bilar kör fort i 30-zonen år 2025",
    "Polisen borde synas mer vid Storgatan",
    "Gatlyktorna på Kungsgatan är trasiga sedan i våras",
    "Många mopeder vid Centrum efter 22.00",
    "Buss 4 går för sällan efter kl 19",
    "Tunneln vid Stationen är otäck",
    "Ring 112 vid fara",
    "Fritidsgården har öppet 10-18",
    "Hastigheten på Storgatan är 50 km/h men alla kör 70",
    "Skolan på Björkvägen 3 behöver bättre belysning",
    "Lilla Torget är fint på dagen",
    "Fler vuxna ute på kvällarna, tack",
    "Nedskräpning vid återvinningsstationen varje helg",
    "Det tar 15 minuter att gå till Centrum",
    "Jag har bott här i 12 år",
    "Mellan 22 och 02 är det stökigt",
    "I was at school. Then the bus came",
    "Björkvägen 3 km bort är det lugnt",
    "Vi behöver fler trygghetsvärdar i Norr och Söder",
    "Ungdomar samlas vid Ica på fredagar",
    "Mörka områden: parken, tunneln och gångvägen",
    "Polisen Centrum borde patrullera mer",
    "Pris 100 kr för busskortet är för dyrt",
    "Den 2026-11-20 var det bråk",
]


@pytest.mark.parametrize(("text", "expected"), MASKED)
def test_personal_data_is_masked(text: str, expected: str) -> None:
    assert mask_text(text) == expected


@pytest.mark.parametrize("text", KEPT)
def test_ordinary_safety_text_is_kept(text: str) -> None:
    assert mask_text(text) == text


def test_the_corpus_is_large_and_every_pattern_is_used() -> None:
    assert len(MASKED) + len(KEPT) >= 50
    used = {p.what for p in PATTERNS for text, _expected in MASKED if p.regex.search(text)}
    assert used == {p.what for p in PATTERNS}
