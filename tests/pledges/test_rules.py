"""Pure rules: progress roll-up, overdue/silent flags, validation, attachment sniffing, version diffs."""

from __future__ import annotations

from datetime import date

from app import uploads
from app.pledges import progress, rules
from app.pledges.progress import ActivityFacts


def test_progress_rolls_up_activity_focus_pledge() -> None:
    done = ActivityFacts("done", None, 0)
    half_number = ActivityFacts("in_progress", 10, 5)
    over = ActivityFacts("in_progress", 8, 20)
    cancelled = ActivityFacts("cancelled", 10, 0)
    planned_text = ActivityFacts("planned", None, 0)
    running_text = ActivityFacts("in_progress", None, 0)
    assert progress.activity_progress(done) == 1.0
    assert progress.activity_progress(half_number) == 0.5
    assert progress.activity_progress(over) == 1.0  # "≥ 8 promised, 20 started" counts as fully delivered
    assert progress.activity_progress(cancelled) is None
    assert progress.activity_progress(planned_text) == 0.0
    assert progress.activity_progress(running_text) == 0.5
    assert progress.focus_progress([done, half_number, cancelled]) == 0.75
    # Each focus area weighs the same however many activities it has.
    assert progress.pledge_progress([[done], [planned_text, planned_text, planned_text]]) == 0.5
    assert progress.pledge_progress([[cancelled]]) is None
    assert progress.percent(2 / 3) == 67


def test_overdue_and_silent() -> None:
    today = date(2026, 6, 1)
    late = ActivityFacts("in_progress", 5, 1, ends_on=date(2026, 5, 31), last_update_on=date(2026, 5, 30))
    assert progress.is_overdue(late, today) and not progress.is_silent(late, today, 45)
    quiet = ActivityFacts("in_progress", 5, 1, last_update_on=date(2026, 3, 1))
    assert progress.is_silent(quiet, today, 45) and not progress.is_overdue(quiet, today)
    not_started = ActivityFacts("planned", 5, 0, starts_on=date(2026, 9, 1))
    assert not progress.is_silent(not_started, today, 45)
    finished = ActivityFacts("done", 5, 5, ends_on=date(2026, 1, 1))
    assert not progress.is_overdue(finished, today) and not progress.is_silent(finished, today, 45)


def test_counts_reject_negative_and_non_numbers() -> None:
    assert rules.parse_count("12") == (12, True)
    assert rules.parse_count("") == (None, True)
    assert rules.parse_count("-3") == (None, False)
    assert rules.parse_count("tre") == (None, False)
    assert rules.parse_count("1.5") == (None, False)
    errors = rules.validate_update("Gjort", "-1", "", date(2026, 1, 1))
    assert "upd_achieved" in errors
    assert "upd_date" in rules.validate_update("Gjort", "1", "2027-01-01", date(2026, 1, 1))


def test_activity_needs_a_party_and_pledge_period_is_one_to_four_years() -> None:
    errors = rules.validate_activity("Kontroller", "", "abc", "", "")
    assert set(errors) == {"act_party", "act_target_number"}
    assert "ends_on" in rules.validate_pledge("Löfte", "2025-01-01", "2025-03-01")
    assert "ends_on" in rules.validate_pledge("Löfte", "2025-01-01", "2030-01-01")
    assert rules.validate_pledge("Löfte", "2025-01-01", "2026-12-31") == {}


def test_publish_problems_name_what_is_missing() -> None:
    facts = rules.PublishFacts(focus_areas=0, activities_per_focus=[], activities_without_party=[], signatories=0)
    errors = rules.publish_problems(facts, signing=True)
    assert "focus-areas" in errors and "signatories" in errors
    facts = rules.PublishFacts(focus_areas=2, activities_per_focus=[1, 1], activities_without_party=["Kontroller"],
                               signatories=1)
    errors = rules.publish_problems(facts, signing=True)
    assert list(errors) == ["activities-party"] and "Kontroller" in errors["activities-party"]


def test_attachments_are_recognised_by_content() -> None:
    assert uploads.sniff(b"\x89PNG\r\n\x1a\n....") == "image/png"
    assert uploads.sniff(b"%PDF-1.7") == "application/pdf"
    assert uploads.sniff(b"MZ\x90\x00 an exe named photo.jpg") is None


def test_snapshot_changes_lists_what_changed() -> None:
    before = {"title": "A", "intro": "x", "period": "p", "items": [{"key": "act:1", "text": "Mål 8"},
                                                                    {"key": "act:2", "text": "Bort"}]}
    after = {"title": "A", "intro": "x", "period": "p", "items": [{"key": "act:1", "text": "Mål 10"},
                                                                   {"key": "act:3", "text": "Ny"}]}
    changes = rules.snapshot_changes(before, after)
    assert any("Mål 8" in c and "Mål 10" in c for c in changes)
    assert any("Ny" in c for c in changes) and any("Bort" in c for c in changes)
