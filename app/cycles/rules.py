"""Pure rules of the cycle: Brå's five steps with their default "done when" items, which items tick themselves
from evidence, when a step is late, and how a document's sections are named."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.i18n import gettext as _

STEPS = (1, 2, 3, 4, 5)
DONE = "done"

# Evidence keys (app/cycles/evidence.py finds each in what the product already holds, within the cycle's period)
PARTIES_NAMED = "parties_named"
WAVE_CLOSED = "wave_closed"
SITUATION_DRAFTED = "situation_drafted"
DIALOGUE_HELD = "dialogue_held"
WALK_HELD = "walk_held"
PRIORITIES_CHOSEN = "priorities_chosen"
AGREEMENT_SIGNED = "agreement_signed"
ACTION_PLAN_ADOPTED = "action_plan_adopted"
PLEDGE_PUBLISHED = "pledge_published"
FOLLOWUP_POSTED = "followup_posted"
SECOND_WAVE_CLOSED = "second_wave_closed"
EVIDENCE = (PARTIES_NAMED, WAVE_CLOSED, SITUATION_DRAFTED, DIALOGUE_HELD, WALK_HELD, PRIORITIES_CHOSEN,
            AGREEMENT_SIGNED, ACTION_PLAN_ADOPTED, PLEDGE_PUBLISHED, FOLLOWUP_POSTED, SECOND_WAVE_CLOSED)


def step_titles() -> dict[int, str]:
    return {1: _("Initiera samverkan"), 2: _("Egna förberedelser"), 3: _("Gemensamma förberedelser"),
            4: _("Genomförande"), 5: _("Uppföljning och återkoppling")}


def step_purposes() -> dict[int, str]:
    return {1: _("Polis och kommun beslutar att samverka och utser ansvariga."),
            2: _("Varje part tar fram sin egen lägesbild."),
            3: _("Lägesbilderna läggs ihop, problem prioriteras, medborgardialoger fördjupar kunskapen, orsaker "
                 "analyseras och en samverkansöverenskommelse skrivs under."),
            4: _("Mål och åtgärder mot orsakerna, en åtgärdsplan och medborgarlöften som skrivs under och "
                 "berättas om."),
            5: _("Effekter och varje parts insatser följs upp, och invånarna får veta resultatet.")}


@dataclass(frozen=True)
class DefaultCheck:
    step: int
    text: str
    evidence: str = ""


def default_checks() -> list[DefaultCheck]:
    """Each step's "done when" list as a new cycle starts with it (staff add their own items)."""
    return [
        DefaultCheck(1, _("Beslut om samverkan mellan polis och kommun")),
        DefaultCheck(1, _("Ansvariga utsedda hos polisen och kommunen"), PARTIES_NAMED),
        DefaultCheck(2, _("Polisens lägesbild är klar")),
        DefaultCheck(2, _("Kommunens lägesbild är påbörjad"), SITUATION_DRAFTED),
        DefaultCheck(2, _("Trygghetsenkät genomförd"), WAVE_CLOSED),
        DefaultCheck(3, _("Medborgardialog genomförd"), DIALOGUE_HELD),
        DefaultCheck(3, _("Trygghetsvandring genomförd"), WALK_HELD),
        DefaultCheck(3, _("Problem prioriterade"), PRIORITIES_CHOSEN),
        DefaultCheck(3, _("Orsaksanalys gjord")),
        DefaultCheck(3, _("Samverkansöverenskommelse undertecknad"), AGREEMENT_SIGNED),
        DefaultCheck(4, _("Åtgärdsplan antagen"), ACTION_PLAN_ADOPTED),
        DefaultCheck(4, _("Medborgarlöfte undertecknat och publicerat"), PLEDGE_PUBLISHED),
        DefaultCheck(5, _("Uppföljning publicerad för invånarna"), FOLLOWUP_POSTED),
        DefaultCheck(5, _("Ny mätning visar effekten"), SECOND_WAVE_CLOSED),
        DefaultCheck(5, _("Slutrapport skriven")),
    ]


def is_late(status: str, due_on: date | None, today: date) -> bool:
    return status != DONE and due_on is not None and due_on < today


def should_remind(status: str, due_on: date | None, reminded_on: date | None, today: date, every_days: int = 7) -> bool:
    """A late step is reminded about once, then again each week while it stays late."""
    return is_late(status, due_on, today) and (reminded_on is None or (today - reminded_on).days >= every_days)


def period_problem(starts_on: date | None, ends_on: date | None) -> str | None:
    if starts_on is None or ends_on is None:
        return _("Ange första och sista dag.")
    if ends_on < starts_on:
        return _("Sista dagen kan inte vara före första dagen.")
    if (ends_on - starts_on).days > 6 * 366:
        return _("En period kan vara högst sex år.")
    return None
