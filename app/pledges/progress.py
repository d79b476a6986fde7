"""Progress roll-up, activity -> focus area -> pledge, as pure functions (the rule is shown in the UI).

The rule:
- an activity that is done counts 100 %; a cancelled activity is left out of the roll-up;
- an activity with a number target counts achieved / target (at most 100 %);
- an activity without a number counts 0 % while planned and 50 % while in progress;
- a focus area is the mean of its activities, and the pledge is the mean of its focus areas (each focus area
  weighs the same, however many activities it has).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

CANCELLED = "cancelled"
DONE = "done"
IN_PROGRESS = "in_progress"


@dataclass(frozen=True)
class ActivityFacts:
    status: str
    target_number: int | None
    achieved: int
    ends_on: date | None = None
    last_update_on: date | None = None
    starts_on: date | None = None


def activity_progress(facts: ActivityFacts) -> float | None:
    """0.0–1.0, or None for a cancelled activity (left out of the roll-up)."""
    if facts.status == CANCELLED:
        return None
    if facts.status == DONE:
        return 1.0
    if facts.target_number:
        return max(0.0, min(1.0, facts.achieved / facts.target_number))
    return 0.5 if facts.status == IN_PROGRESS else 0.0


def mean(values: list[float | None]) -> float | None:
    counted = [v for v in values if v is not None]
    return sum(counted) / len(counted) if counted else None


def focus_progress(activities: list[ActivityFacts]) -> float | None:
    return mean([activity_progress(a) for a in activities])


def pledge_progress(focus_areas: list[list[ActivityFacts]]) -> float | None:
    return mean([focus_progress(activities) for activities in focus_areas])


def percent(value: float | None) -> int | None:
    return None if value is None else round(value * 100)


def is_overdue(facts: ActivityFacts, today: date) -> bool:
    """Past its end date and neither done nor cancelled."""
    return facts.ends_on is not None and facts.ends_on < today and facts.status not in (DONE, CANCELLED)


def is_silent(facts: ActivityFacts, today: date, days: int) -> bool:
    """Started (or in progress), not finished, and no update for `days` days (or never since it started)."""
    if facts.status in (DONE, CANCELLED):
        return False
    started = facts.status == IN_PROGRESS or (facts.starts_on is not None and facts.starts_on <= today)
    if not started:
        return False
    since = facts.last_update_on or facts.starts_on
    return since is None or (today - since).days > days
