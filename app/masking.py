"""Mask personal data in free text before it is shown or exported (GDPR art. 10: residents may name people).

Pure and reusable: `mask_text(text)` applies the table PATTERNS, in order, and then masks full names. Each row says
what it finds and what it puts instead; add a row (and corpus cases in tests/concerns/test_masking.py) rather than
a special case. Ordinary safety text ("mörkt vid Björkvägen", "bussen kl 22", "30-zonen") must come through whole:
a street without a house number is a place, not a person; a name is masked only with a cue (a role, "heter", an
address, a second capitalised name).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

NAME_MASK = "[namn]"
PHONE_MASK = "[telefon]"
EMAIL_MASK = "[e-post]"
PNR_MASK = "[personnummer]"
URL_MASK = "[länk]"
ADDRESS_MASK = "[adress]"

_UPPER = "A-ZÅÄÖÉÜ"
_LOWER = "a-zåäöéü"
NAME = rf"[{_UPPER}][{_LOWER}]+(?:-[{_UPPER}][{_LOWER}]+)?"  # Eva, Johansson, Anna-Lena
# Street names end in one of these words or suffixes; a house number after one makes it an address.
STREET = (rf"[{_UPPER}][{_LOWER}]*(?:gatan|vägen|gränd|gränden|stigen|torget|backen|allén|plan|leden|stråket"
          rf"|gata|väg|platsen|slingan|ringen|kroken|höjden|liden|parken)")
HOUSE = r"\d{1,4}(?:\s?[A-Ha-h])?\b(?!\s*(?:km|m\b|meter|%|år|kr|:-))"
# Roles and titles that are followed by a person's name ("läraren Eva", "rektorn Johansson", "grannen Kalle").
ROLES = ("heter|kallas|named|called|grannen|granne|grannarna|neighbour|neighbor|killen|tjejen|mannen|kvinnan"
         "|pojken|flickan|kompisen|läraren|lärarinnan|fröken|rektorn|rektor|kuratorn|vaktmästaren|tränaren"
         "|chefen|ägaren|butiksägaren|föreståndaren|väktaren|vakten|polisen|konstapel|sjuksköterskan|doktor|dr"
         "|herr|fru|pastorn|prästen|imamen|busschauffören|chauffören|hyresvärden|förvaltaren|fastighetsskötaren")
# "at" and "dot" written out: (at) [at] {at}, " at ", "snabel-a"; a plain dot only without spaces around it, so that
# "I was at school. Then" stays text (with a real @ spaced dots are fine: "anna @ gmail . com").
WORD_AT = r"(?:\s*[\(\[\{]\s*(?i:at|snabel-?a)\s*[\)\]\}]\s*|\s+(?i:at|snabel-?a)\s+)"
WORD_DOT = r"(?:\.|\s*[\(\[\{]\s*(?i:dot|punkt)\s*[\)\]\}]\s*|\s+(?i:dot|punkt)\s+)"


@dataclass(frozen=True)
class Pattern:
    what: str
    regex: re.Pattern[str]
    replacement: str | Callable[[re.Match[str]], str]


def _keep_role(mask: str) -> Callable[[re.Match[str]], str]:
    return lambda match: match.group("lead") + mask


PATTERNS: tuple[Pattern, ...] = (
    Pattern("link", re.compile(r"\bhttps?://\S+|\bwww\.\S+", re.IGNORECASE), URL_MASK),
    Pattern("e-mail: anna.s@example.se, anna @ gmail . com",
            re.compile(r"[\w.+-]+\s*@\s*[\w-]+(?:\s*\.\s*[\w-]+)*\s*\.\s*[A-Za-z]{2,6}\b"), EMAIL_MASK),
    Pattern("e-mail with the @ written out: anna at gmail dot com, anna(at)gmail.com, anna [at] hotmail [punkt] se",
            re.compile(rf"[\w.+-]+{WORD_AT}[\w-]+(?:{WORD_DOT}[\w-]+)*{WORD_DOT}[A-Za-z]{{2,6}}\b"), EMAIL_MASK),
    Pattern("personnummer/samordningsnummer: 850709-1234, 19850709-1234, 198507091234, 850769 1234",
            re.compile(r"\b(?!0\d{9}\b)(?:19|20)?\d{2}[01]\d[0-9]\d[-+ ]?\d{4}\b"), PNR_MASK),  # 07xxxxxxxx: a phone
    Pattern("phone: 070-123 45 67, +46 70 123 45 67, 08-123 456 78, (08) 123 45, 0 7 0 1 2 3 4 5 6 7",
            re.compile(r"(?<![\w+])(?:\+46|0046|\(?0)\)?[\s/-]?\(?\d{1,3}\)?(?:[\s/-]?\d){5,9}\b"), PHONE_MASK),
    Pattern("a name with an address: Ali på Björkvägen 3, Eva i Storgatan 12B",
            re.compile(rf"\b(?P<name>{NAME})\s+(?P<prep>på|i|vid|från|bor på|bor i|bor vid)\s+{STREET}\s+{HOUSE}"),
            lambda m: m.group(0) if _place_like(m.group("name"))
            else f"{NAME_MASK} {m.group('prep')} {ADDRESS_MASK}"),
    Pattern("someone living at an address: bor på Björkvägen 3, adressen Storgatan 12",
            re.compile(rf"(?P<lead>\b(?i:bor|bodde|boende|adress|adressen|hemma)\s+(?:(?i:på|i|vid)\s+)?){STREET}"
                       rf"\s+{HOUSE}"),
            _keep_role(ADDRESS_MASK)),
    Pattern("a name after a role, title or naming cue: läraren Eva, rektorn Johansson, han heter Olle",
            re.compile(rf"(?P<lead>\b(?i:{ROLES})\s+)(?P<name>{NAME}(?:\s+{NAME})?)\b"),
            lambda m: m.group(0) if _place_like(m.group("name")) else m.group("lead") + NAME_MASK),
)

# Capitalised words that are places, institutions or sentence starts, not people: never masked as names.
KEEP_WORDS = frozenset({"Polisen", "Kommunen", "Centrum", "Torget", "Stationen", "Parken", "Skolan", "Vägen",
                        "Gatan", "Stan", "Vi", "Det", "Jag", "Han", "Hon", "De", "Den", "The", "I", "It", "Här",
                        "Där", "Men", "Och", "På", "Vid", "Alla", "Många", "Någon", "Ingen", "Bussen", "Tunneln",
                        "Lilla", "Stora", "Gamla", "Norra", "Södra", "Östra", "Västra", "Nya", "Ica", "Coop"})
PLACE_ENDINGS = ("gatan", "vägen", "torget", "parken", "skolan", "stationen", "centrum", "gränd", "stigen", "backen",
                 "allén", "plan", "leden", "hallen", "badet", "huset", "kyrkan", "området")
# Two or more capitalised words in a row ("Anna Svensson"): a full name unless a word is a place or a keep word.
FULL_NAME = re.compile(rf"\b{NAME}(?:[ ]{NAME})+\b")


def _place_like(name: str) -> bool:
    """Whether capitalised words are a place or an institution ("Lilla Torget", "Polisen") rather than a person."""
    words = re.split(r"[ -]", name)
    return any(word in KEEP_WORDS for word in words) or any(word.lower().endswith(PLACE_ENDINGS) for word in words)


def _mask_full_name(match: re.Match[str]) -> str:
    return match.group(0) if _place_like(match.group(0)) else NAME_MASK


def mask_text(text: str) -> str:
    """The text with links, e-mails, phone numbers, personal identity numbers, addresses and likely names
    masked."""
    masked = text
    for pattern in PATTERNS:
        masked = pattern.regex.sub(pattern.replacement, masked)
    return FULL_NAME.sub(_mask_full_name, masked)
