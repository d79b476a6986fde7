"""The question form's checks, with literals (no database)."""

from __future__ import annotations

from datetime import date

from app.surveys.staff_forms import QuestionForm, SettingsForm, TextsForm


def _form(**changes: object) -> QuestionForm:
    values: dict[str, object] = {
        "type": "single", "code": "safe", "page": "2", "required": True, "role": "", "condition": "",
        "text": {"sv": "Känner du dig trygg?"}, "help": {"sv": ""}, "options": {"sv": "yes = Ja\nno = Nej"},
        "items": {"sv": ""}}
    values.update(changes)
    return QuestionForm(**values)  # type: ignore[arg-type]


def test_a_good_question_has_no_problems_and_gives_its_columns() -> None:
    form = _form(condition="out=yes", numbers={"min_choices": "1", "max_choices": ""})
    assert form.problems(questions={"out": (1, {"yes", "no"})}) == {}
    fields = form.fields({"keep": 1})
    assert fields["settings"] == {"keep": 1, "min_choices": 1}
    assert (fields["condition_question_code"], fields["condition_value_code"]) == ("out", "yes")
    assert form.parsed_options() == {"option": {"yes": {"sv": "Ja"}, "no": {"sv": "Nej"}}, "item": {}}


def test_an_unknown_type_is_the_only_problem_named() -> None:
    assert list(_form(type="essay", code="").problems()) == ["type"]


def test_each_bad_field_is_named_in_form_order() -> None:
    problems = _form(code="safe", page="0", text={"sv": ""}, role="star", options={"sv": "", "en": "x = X"},
                     numbers={"scale_max": "11"}, condition="later=yes").problems(
        other_codes={"safe"}, questions={"later": (3, {"yes"})})
    assert list(problems) == ["code", "page", "text-sv", "role", "options-sv", "scale_max", "condition"]


def test_a_matrix_needs_rows() -> None:
    assert "items-sv" in _form(type="matrix").problems()


def _settings(**changes: object) -> SettingsForm:
    values: dict[str, object] = {"slug": "trygg-2026", "modes": ["open_link"], "languages": ["sv", "en"],
                                 "opens_on": "2026-03-01", "closes_on": "2026-03-31", "area_ids": ["4", "2", "4"]}
    values.update(changes)
    return SettingsForm(**values)  # type: ignore[arg-type]


def test_good_settings_have_no_problems() -> None:
    form = _settings()
    assert form.problems(slug_taken=False, offered_languages={"sv", "en"}, own_area_ids={2, 4}) == {}
    assert form.dates() == (date(2026, 3, 1), date(2026, 3, 31)) and form.chosen_areas() == [2, 4]


def test_bad_settings_are_named_in_form_order() -> None:
    form = _settings(modes=["open_link", "carrier_pigeon"], languages=["fi"], opens_on="2026-04-01",
                     closes_on="2026-03-01", area_ids=["9"])
    assert list(form.problems(slug_taken=True, offered_languages={"sv"}, own_area_ids={2})) == [
        "slug", "mode-open_link", "lang-sv", "closes_on", "areas"]
    assert list(_settings(opens_on="1 mars").problems(slug_taken=False, offered_languages={"sv", "en"},
                                                      own_area_ids={2, 4})) == ["opens_on"]


def test_texts_need_a_swedish_title_and_a_length_limit() -> None:
    assert TextsForm({"sv": ("Trygghet", ""), "en": ("", "")}).problems() == {}
    assert list(TextsForm({"sv": ("", "x" * 5001), "en": ("y" * 201, "")}).problems()) == [
        "title-sv", "intro-sv", "title-en"]
