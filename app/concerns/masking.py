"""Mask personal data in free text before it is shown or exported (GDPR art. 10: residents may name people).

Pure and reusable: `mask_text(text)` replaces e-mail addresses, Swedish personal identity numbers
(personnummer/samordningsnummer), phone numbers and likely personal names with placeholders.
"""

from __future__ import annotations

import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# YYMMDD-XXXX, YYYYMMDDXXXX, with -, + or a space; day may be +60 (samordningsnummer).
PERSONNUMMER = re.compile(r"\b(?:19|20)?\d{2}[01]\d[0-9]\d[-+ ]?\d{4}\b")
PHONE = re.compile(r"(?<![\w])(?:\+46|0046|0)[\s-]?\d{1,3}(?:[\s-]?\d){5,9}\b")
URL = re.compile(r"\bhttps?://\S+|\bwww\.\S+", re.IGNORECASE)
# Two or more capitalised words in a row ("Anna Svensson"), or a capitalised word after a naming cue.
FULL_NAME = re.compile(r"\b[A-ZÅÄÖÉ][a-zåäöéü]+(?:[ -][A-ZÅÄÖÉ][a-zåäöéü]+)+\b")
CUE_NAME = re.compile(
    r"\b((?i:heter|kallas|named|called|grannen|granne|neighbour|neighbor|killen|tjejen|mannen|kvinnan)\s+)"
    r"([A-ZÅÄÖÉ][a-zåäöéü]+)\b")
# Capitalised multi-word phrases that are places or institutions, not people: keep them.
KEEP_WORDS = frozenset({"Polisen", "Kommunen", "Centrum", "Torget", "Stationen", "Parken", "Skolan", "Vägen",
                        "Gatan", "Stan", "Vi", "Det", "Jag", "Han", "Hon", "De", "Den", "The", "I", "It"})

NAME_MASK = "[namn]"
PHONE_MASK = "[telefon]"
EMAIL_MASK = "[e-post]"
PNR_MASK = "[personnummer]"
URL_MASK = "[länk]"


def _mask_full_name(match: re.Match[str]) -> str:
    words = re.split(r"[ -]", match.group(0))
    if any(word in KEEP_WORDS for word in words) or any(
            word.endswith(("gatan", "vägen", "torget", "parken", "skolan", "stationen")) for word in words):
        return match.group(0)
    return NAME_MASK


def mask_text(text: str) -> str:
    """The text with e-mails, personal identity numbers, phone numbers, links and likely names masked."""
    masked = EMAIL.sub(EMAIL_MASK, text)
    masked = URL.sub(URL_MASK, masked)
    masked = PERSONNUMMER.sub(PNR_MASK, masked)
    masked = PHONE.sub(PHONE_MASK, masked)
    masked = CUE_NAME.sub(lambda m: m.group(1) + NAME_MASK, masked)
    return FULL_NAME.sub(_mask_full_name, masked)
