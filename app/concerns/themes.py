"""Free-text themes: a Swedish/English lexicon of word stems that map answers to problem items and places.

Pure. `stem()` is a deliberately simple suffix stripper (Swedish and English endings); a term matches a word
when the word's stem starts with it, or, for terms of 5 letters or more, contains it
(Swedish compounds: "busshållplatsen" contains "hållplats"); a term ending in "$" matches the whole word only.
Staff add their own terms per municipality; those win over defaults.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

WORD = re.compile(r"[a-zåäöéü]+", re.IGNORECASE)
_SUFFIXES = ("arnas", "ernas", "ornas", "arna", "erna", "orna", "ande", "ende", "heten", "ingen", "ings", "ing",
             "het", "ens", "ets", "en", "et", "na", "ar", "er", "or", "ed", "es", "s", "a", "e")

DEFAULT_LEXICON: dict[str, str] = {
    # problem items
    "skräp": "item:littering", "nedskräp": "item:littering", "soptunn": "item:littering",
    "litter": "item:littering",
    "rubbish": "item:littering", "trash": "item:littering",
    "mörk": "item:dark_places", "belysning": "item:dark_places", "lamp": "item:dark_places",
    "gatljus": "item:dark_places", "dark": "item:dark_places", "light": "item:dark_places",
    "skadegör": "item:vandalism", "vandal": "item:vandalism", "sönder": "item:vandalism",
    "klotter": "item:graffiti", "graffiti": "item:graffiti", "tagg$": "item:graffiti",
    "ungdom": "item:youth_disorder", "gäng": "item:youth_disorder", "youth": "item:youth_disorder",
    "gang": "item:youth_disorder", "teenager": "item:youth_disorder",
    "berus": "item:drunk_people", "full$": "item:drunk_people", "fyll": "item:drunk_people",
    "drunk": "item:drunk_people",
    "alkohol": "item:drunk_people",
    "knark": "item:drug_use", "narkotika": "item:drug_use", "drog": "item:drug_use", "drug": "item:drug_use",
    "sprut": "item:drug_use",
    "lang$": "item:drug_dealing", "langning": "item:drug_dealing", "dealer": "item:drug_dealing",
    "dealing": "item:drug_dealing",
    "grann": "item:neighbours", "neighbour": "item:neighbours", "neighbor": "item:neighbours",
    "slagsmål": "item:fighting", "bråk": "item:fighting", "misshandel": "item:fighting", "fight": "item:fighting",
    "antast": "item:harassment", "trakasser": "item:harassment", "tafs": "item:harassment", "harass": "item:harassment",
    "fort$": "item:speeding", "hastighet": "item:speeding", "fartkamera": "item:speeding",
    "farthinder": "item:speeding",
    "speed": "item:speeding", "bilist": "item:speeding",
    "moped": "item:mopeds", "elspark": "item:mopeds", "scooter": "item:mopeds", "mc$": "item:mopeds",
    # places
    "station": "place:station", "buss": "place:station", "hållplats": "place:station", "pendel": "place:station",
    "torg": "place:centre", "centrum": "place:centre", "centre": "place:centre", "square": "place:centre",
    "park": "place:park", "skog": "place:park", "lekplats": "place:park", "grönområd": "place:park",
    "tunnel": "place:underpass", "gångtunnel": "place:underpass", "underpass": "place:underpass",
    "skol": "place:school", "school": "place:school",
}


def stem(word: str) -> str:
    """Lower-case and strip one common Swedish or English ending, keeping at least three letters."""
    lowered = word.lower()
    for suffix in _SUFFIXES:
        if lowered.endswith(suffix) and len(lowered) - len(suffix) >= 3:
            return lowered[: -len(suffix)]
    return lowered


def normalise_term(term: str) -> str:
    """A staff-entered term as stored: lower case, letters only, stemmed."""
    words = WORD.findall(term.lower())
    return stem(words[0]) if words else ""


def classify(text: str, lexicon: Mapping[str, str]) -> set[str]:
    """The themes whose terms occur in the text."""
    found: set[str] = set()
    stems = [stem(w) for w in WORD.findall(text)]
    words = [w.lower() for w in WORD.findall(text)]
    for term, theme in lexicon.items():
        if not term:
            continue
        if term.endswith("$"):  # whole word only ("fort$" must not match "fortfarande")
            if term[:-1] in stems or term[:-1] in words:
                found.add(theme)
            continue
        for s, w in zip(stems, words, strict=True):
            if s.startswith(term) or w.startswith(term) or (len(term) >= 5 and term in w):
                found.add(theme)
                break
    return found


def merged_lexicon(staff_terms: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Defaults, then the municipality's own terms (which override a default with the same stem)."""
    lexicon = dict(DEFAULT_LEXICON)
    lexicon.update(dict(staff_terms))
    return lexicon
