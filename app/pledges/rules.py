"""Pure rules of the pledges domain: form validation, the publishing check, attachment sniffing, version diffs.

Each validator returns `dict[field id, message]` (empty = valid) with messages in the current language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from app.i18n import InLanguage
from app.i18n import gettext as _

MAX_FOCUS_AREAS = 4
MIN_FOCUS_AREAS = 2
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
SILENT_DAYS = 45  # an activity under way with no update for this many days is flagged on the dashboard
# Answer codes of the problem battery (as in app/surveys/bank.py): "a very or fairly big problem", "don't know".
BIG_PROBLEM_CODES = ("very_big", "fairly_big")
DONT_KNOW_CODE = "dont_know"


def parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def parse_count(value: str) -> tuple[int | None, bool]:
    """A whole number >= 0 from a form field: (number or None when empty, ok)."""
    text = value.strip().replace(" ", "").replace("\u00a0", "")
    if not text:
        return None, True
    if not text.isdecimal():
        return None, False
    number = int(text)
    return (number, True) if number <= 10_000_000 else (None, False)


def parse_share(value: str) -> tuple[float | None, bool]:
    """A percentage 0–100 (comma or point) as a share 0–1."""
    text = value.strip().replace(",", ".").rstrip("%").strip()
    if not text:
        return None, True
    try:
        number = float(text)
    except ValueError:
        return None, False
    if not 0 <= number <= 100:
        return None, False
    return number / 100, True


def validate_pledge(title: str, starts_on: str, ends_on: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = _("Skriv en rubrik för medborgarlöftet.")
    start, end = parse_date(starts_on), parse_date(ends_on)
    if start is None:
        errors["starts_on"] = _("Ange startdatum som ÅÅÅÅ-MM-DD.")
    if end is None:
        errors["ends_on"] = _("Ange slutdatum som ÅÅÅÅ-MM-DD.")
    if start and end:
        days = (end - start).days
        if days < 300 or days > 4 * 366:
            errors["ends_on"] = _("Perioden ska vara 1–4 år.")
    return errors


def validate_focus_area(title: str, problem: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not title:
        errors["fa_title"] = _("Skriv en rubrik för fokusområdet.")
    if not problem:
        errors["fa_problem"] = _("Beskriv problemet.")
    return errors


def validate_activity(title: str, party: str, target_number: str, starts_on: str,
                      ends_on: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not title:
        errors["act_title"] = _("Beskriv vad som ska göras.")
    if not party:
        errors["act_party"] = _("Välj vem som ansvarar för aktiviteten.")
    _number, ok = parse_count(target_number)
    if not ok:
        errors["act_target_number"] = _("Målet ska vara ett heltal, 0 eller större.")
    start, end = parse_date(starts_on), parse_date(ends_on)
    if starts_on and start is None:
        errors["act_starts_on"] = _("Ange datum som ÅÅÅÅ-MM-DD.")
    if ends_on and end is None:
        errors["act_ends_on"] = _("Ange datum som ÅÅÅÅ-MM-DD.")
    if start and end and end < start:
        errors["act_ends_on"] = _("Slutdatum kan inte vara före startdatum.")
    return errors


def validate_update(text: str, achieved: str, posted_on: str, today: date) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not text:
        errors["upd_text"] = _("Skriv vad som har hänt.")
    _number, ok = parse_count(achieved)
    if not ok:
        errors["upd_achieved"] = _("Uppnått antal ska vara ett heltal, 0 eller större.")
    day = parse_date(posted_on)
    if posted_on and day is None:
        errors["upd_date"] = _("Ange datum som ÅÅÅÅ-MM-DD.")
    elif day and day > today:
        errors["upd_date"] = _("Datumet kan inte vara i framtiden.")
    return errors


@dataclass(frozen=True)
class PublishFacts:
    focus_areas: int
    activities_per_focus: list[int]
    activities_without_party: list[str]
    signatories: int


def publish_problems(facts: PublishFacts, *, signing: bool) -> dict[str, str]:
    """Why a pledge cannot be submitted (or signed and published) yet."""
    errors: dict[str, str] = {}
    if facts.focus_areas < MIN_FOCUS_AREAS:
        errors["focus-areas"] = _("Ett medborgarlöfte behöver minst %(n)s fokusområden innan det kan "
                                  "publiceras.") % {"n": MIN_FOCUS_AREAS}
    elif facts.focus_areas > MAX_FOCUS_AREAS:
        errors["focus-areas"] = _("Ett medborgarlöfte kan ha högst %(n)s fokusområden.") % {"n": MAX_FOCUS_AREAS}
    if any(count == 0 for count in facts.activities_per_focus):
        errors["activities"] = _("Varje fokusområde behöver minst en aktivitet.")
    if facts.activities_without_party:
        errors["activities-party"] = _("Aktiviteten ”%(name)s” saknar ansvarig part. Välj Polisen, kommunen, "
                                       "båda eller en samverkanspart.") % {"name": facts.activities_without_party[0]}
    if signing and facts.signatories == 0:
        errors["signatories"] = _("Lägg till minst en undertecknare innan löftet signeras och publiceras.")
    return errors


def localized(texts: dict[str, str] | None, lang: str) -> str:
    """The text in `lang` or else Swedish; it knows which (`InLanguage`), so pages can mark a fallback."""
    texts = texts or {}
    if texts.get(lang):
        return InLanguage(texts[lang], lang)
    return InLanguage(texts.get("sv") or "", "sv")


def snapshot_changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What changed between two public snapshots (Swedish texts), as short readable lines."""
    changes: list[str] = []
    for key, label in (("title", _("Rubrik")), ("intro", _("Inledning")), ("period", _("Period"))):
        if before.get(key) != after.get(key):
            changes.append(_("%(what)s ändrad: ”%(old)s” → ”%(new)s”")
                           % {"what": label, "old": before.get(key, ""), "new": after.get(key, "")})
    old_items = {item["key"]: item for item in before.get("items", [])}
    new_items = {item["key"]: item for item in after.get("items", [])}
    for key, item in new_items.items():
        if key not in old_items:
            changes.append(_("Tillagt: %(text)s") % {"text": item["text"]})
        elif old_items[key]["text"] != item["text"]:
            changes.append(_("Ändrat: ”%(old)s” → ”%(new)s”") % {"old": old_items[key]["text"], "new": item["text"]})
    for key, item in old_items.items():
        if key not in new_items:
            changes.append(_("Borttaget: %(text)s") % {"text": item["text"]})
    return changes



# ------------------------------------------------------------------------------------------------ who may act

# The two sides that sign a pledge. Staff roles map to a side: police accounts sign and report for the police;
# coordinators and admins for the municipality. Partners and viewers have no side and never sign.
SIDES = ("police", "municipality")
ROLE_SIDES = {"police": "police", "coordinator": "municipality", "admin": "municipality"}
# Coordinators and admins are the pledge's editors: they may act on every activity (still recorded for their party).
EDITOR_ROLES = frozenset({"coordinator", "admin"})


@dataclass(frozen=True)
class Actor:
    """A staff account as the pledge rules see it: its role, the party it acts for, and its signing side."""

    user_id: int
    role: str | None  # None: a system administrator without a membership here
    superadmin: bool
    party_id: int | None

    @property
    def editor(self) -> bool:
        return self.superadmin or self.role in EDITOR_ROLES

    @property
    def side(self) -> str | None:
        return ROLE_SIDES.get(self.role or "")


def may_act_on_activity(actor: Actor, activity_party_id: int | None, joint: bool) -> bool:
    """Editors act on every activity; police and partners only on their own party's (police also on joint ones,
    which are the police's and the municipality's together). An account without a party acts on none."""
    if actor.editor:
        return True
    if actor.party_id is None:
        return False
    if joint:
        return actor.side == "police"
    return activity_party_id == actor.party_id


def may_change_update(actor: Actor, update_party_id: int | None) -> bool:
    """Correcting or withdrawing an update: only what the account's own party posted (the public page keeps
    showing that party as its author, so no one else may put words there); editors also updates with no party."""
    if update_party_id is None:
        return actor.editor
    return actor.party_id is not None and update_party_id == actor.party_id


def signing_problems(actor: Actor, submitted_by: int | None, signed: dict[str, int | None]) -> dict[str, str]:
    """Why this account may not sign now. `signed`: side -> user id of the signatures already given this round."""
    side = actor.side
    if side is None:
        return {"sign": _("Bara polisen och kommunens samordnare eller administratörer kan signera ett "
                          "medborgarlöfte.")}
    if submitted_by is not None and actor.user_id == submitted_by:
        return {"sign": _("Du skickade löftet på granskning och kan därför inte signera det själv. En annan person "
                          "ska granska och signera.")}
    if actor.user_id in signed.values():
        return {"sign": _("Du har redan signerat den här versionen. Den andra parten ska signera med ett eget "
                          "konto.")}
    if side in signed:
        return {"sign": _("Din part har redan signerat den här versionen. Nu ska den andra parten signera.")}
    return {}


def proposal_problems(actor: Actor, proposed_by: int | None, proposer_side: str, state: str) -> dict[str, str]:
    """Why this account may not decide a proposed change of a published pledge: only an account of the other side
    (police for a municipality proposal and vice versa), never the proposer, and only while it is pending."""
    if state != "pending":
        return {"proposal": _("Ändringsförslaget är redan behandlat.")}
    if actor.user_id == proposed_by:
        return {"proposal": _("Du föreslog ändringen och kan inte godkänna den själv. Den andra parten ska granska "
                              "den.")}
    if actor.side is None or actor.side == proposer_side:
        return {"proposal": _("Ändringen ska godkännas av den andra parten: polisen om kommunen föreslog den, "
                              "kommunen om polisen föreslog den.")}
    return {}


def fully_signed(signed: dict[str, int | None]) -> bool:
    return all(side in signed for side in SIDES)
