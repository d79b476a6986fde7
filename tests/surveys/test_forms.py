"""The question form's checks, with literals (no database)."""

from __future__ import annotations

from app.surveys.forms import QuestionForm


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
