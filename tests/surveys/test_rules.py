"""Pure survey rules, tested with literals: reading a page, every bad input, conditions, rows, places, codes."""

from __future__ import annotations

from typing import Any

import pytest

from app.surveys import bank, rules
from app.surveys.codes import code_hash, format_code, new_code, normalise_code
from app.surveys.rules import Bounds, FormValues, OptionDef, QuestionDef

YES_NO = (OptionDef("yes", {"sv": "Ja"}), OptionDef("no", {"sv": "Nej"}))
SINGLE = QuestionDef(1, "safe", "single", required=True, options=YES_NO)
MULTI = QuestionDef(2, "why", "multiple", options=(OptionDef("a", {}), OptionDef("b", {}), OptionDef("c", {})),
                    settings={"min_choices": 1, "max_choices": 2})
LABELLED = QuestionDef(3, "trust", "scale", options=tuple(OptionDef(str(n), {}) for n in range(1, 5)))
NUMERIC = QuestionDef(4, "score", "scale", settings={"scale_min": 0, "scale_max": 10})
MATRIX = QuestionDef(5, "problems", "matrix", required=True, options=(OptionDef("big", {}), OptionDef("none", {})),
                     items=(OptionDef("litter", {}), OptionDef("dark", {})))
RANK = QuestionDef(6, "top", "ranking", options=tuple(OptionDef(c, {}) for c in "abcde"), settings={"rank_count": 3})
TEXT = QuestionDef(7, "idea", "text")
PLACE = QuestionDef(8, "where", "place", options=(OptionDef("station", {}),))
SUBAREA = QuestionDef(9, "home", "subarea", role="subarea")
LATER = QuestionDef(10, "detail", "text", page=2, condition=("safe", "no"))
SQUARE = Bounds((((16.0, 59.0), (16.1, 59.0), (16.1, 59.1), (16.0, 59.1), (16.0, 59.0)),))
AREAS = {"area:norr", "area:soder"}


def read(question: QuestionDef, data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    form = FormValues({k: v if isinstance(v, list) else [v] for k, v in data.items()})
    return rules.read_page([question], form, area_codes=AREAS, bounds=SQUARE)


def test_single_choice_reads_the_code() -> None:
    assert read(SINGLE, {"q-safe": "yes"}) == ({"safe": "yes"}, {})


@pytest.mark.parametrize(("question", "data", "field"), [
    (SINGLE, {"q-safe": "maybe"}, "q-safe"),  # an option that is not in the list
    (SINGLE, {}, "q-safe"),  # a missing required answer
    (LABELLED, {"q-trust": "5"}, "q-trust"),  # scale out of range (labelled)
    (NUMERIC, {"q-score": "11"}, "q-score"),  # scale out of range (numeric)
    (NUMERIC, {"q-score": "-1"}, "q-score"),
    (NUMERIC, {"q-score": "5.5"}, "q-score"),
    (NUMERIC, {"q-score": "1e3"}, "q-score"),
    (MULTI, {"q-why": ["a", "b", "c"]}, "q-why"),  # too many choices
    (MULTI, {"q-why": ["a", "x"]}, "q-why"),
    (MULTI, {"q-why": ["a", "a"]}, "q-why"),
    (MATRIX, {"q-problems-litter": "big"}, "q-problems"),  # required battery with a row missing
    (MATRIX, {"q-problems-litter": "huge", "q-problems-dark": "big"}, "q-problems"),
    (RANK, {"q-top-1": "a", "q-top-2": "a"}, "q-top"),  # the same option twice
    (RANK, {"q-top-1": "a", "q-top-2": "b", "q-top-3": "c", "q-top-4": "d"}, "q-top"),  # more than the top 3
    (RANK, {"q-top-1": "", "q-top-2": "b"}, "q-top"),  # a gap
    (RANK, {"q-top-1": "zzz"}, "q-top"),
    (TEXT, {"q-idea": "x" * 2001}, "q-idea"),  # free text over 2,000 characters
    (PLACE, {"q-where-lat": "60.5", "q-where-lon": "16.05"}, "q-where"),  # outside the municipality
    (PLACE, {"q-where-lat": "nan", "q-where-lon": "16.05"}, "q-where"),  # a tampered hidden field
    (PLACE, {"q-where-lat": "59.05"}, "q-where"),
    (PLACE, {"q-where-spot": "moon"}, "q-where"),
    (PLACE, {"q-where-spot": "station", "q-where-time": "noon"}, "q-where-time"),
    (PLACE, {"q-where-time": "night"}, "q-where"),
    (SUBAREA, {"q-home": "area:elsewhere"}, "q-home"),
])
def test_bad_input_gives_a_message_on_the_field_and_no_answer(question: QuestionDef, data: dict[str, Any],
                                                              field: str) -> None:
    answers, errors = read(question, data)
    assert answers == {}
    assert errors.get(field)


def test_good_values_of_every_type() -> None:
    assert read(MULTI, {"q-why": ["a", "c"]})[0] == {"why": ["a", "c"]}
    assert read(LABELLED, {"q-trust": "4"})[0] == {"trust": "4"}
    assert read(NUMERIC, {"q-score": "0"})[0] == {"score": 0}
    assert read(MATRIX, {"q-problems-litter": "big", "q-problems-dark": "none"})[0] == {
        "problems": {"litter": "big", "dark": "none"}}
    assert read(RANK, {"q-top-1": "c", "q-top-2": "a"})[0] == {"top": ["c", "a"]}
    assert read(TEXT, {"q-idea": "  x" * 1 + "y" * 1998})[0] == {"idea": "x" + "y" * 1998}
    assert read(PLACE, {"q-where-lat": "59.05", "q-where-lon": "16.05", "q-where-time": "night"})[0] == {
        "where": {"lat": 59.05, "lon": 16.05, "time": "night"}}
    assert read(PLACE, {"q-where-spot": "area:norr"})[0] == {"where": {"code": "area:norr"}}
    assert read(SUBAREA, {"q-home": "area:soder"})[0] == {"home": "area:soder"}
    assert read(TEXT, {"q-idea": "   "}) == ({}, {})


def test_conditions_hide_questions_and_their_answers() -> None:
    questions = [SINGLE, LATER]
    assert rules.visible_pages(questions, {"safe": "yes"}) == [1]
    assert rules.visible_pages(questions, {"safe": "no"}) == [1, 2]
    assert rules.prune_hidden(questions, {"safe": "yes", "detail": "x", "unknown": 1}) == {"safe": "yes"}
    assert rules.missing_required(questions, {}) == [SINGLE]


def test_answer_rows_are_shaped_for_grouping() -> None:
    rows = rules.answer_rows([SINGLE, MATRIX, RANK, NUMERIC, PLACE], {
        "safe": "no", "problems": {"dark": "big", "litter": "none"}, "top": ["b", "a"], "score": 7,
        "where": {"lat": 59.05, "lon": 16.05, "time": "evening", "code": "station"}})
    compact = [(r["question_id"], r["item_code"], r["value_code"], r["value_number"]) for r in rows]
    assert compact == [(1, "", "no", None), (5, "litter", "none", None), (5, "dark", "big", None),
                       (6, "", "b", 1), (6, "", "a", 2), (4, "", "7", 7), (8, "", "station", None)]
    assert rows[-1]["lat"] == 59.05 and rows[-1]["time_of_day"] == "evening"


def test_stored_drafts_are_rechecked() -> None:
    assert rules.answers_valid([SINGLE, NUMERIC], {"safe": "yes", "score": 3}, area_codes=AREAS, bounds=SQUARE)
    assert not rules.answers_valid([SINGLE], {"safe": "perhaps"}, area_codes=AREAS, bounds=SQUARE)
    assert not rules.answers_valid([SINGLE], {"gone": "yes"}, area_codes=AREAS, bounds=SQUARE)


def test_point_in_polygon_and_bounds() -> None:
    triangle = ((0.0, 0.0), (4.0, 0.0), (0.0, 4.0), (0.0, 0.0))
    assert rules.point_in_polygon(1, 1, triangle)
    assert not rules.point_in_polygon(3, 3, triangle)
    assert rules.point_in_polygon(2, 0, triangle)  # on an edge
    assert Bounds().contains(0, 0)  # no polygons: any valid coordinate
    bounds = rules.bounds_from_geojson(['{"type": "Polygon", "coordinates": [[[16,59],[17,59],[17,60],[16,59]]]}',
                                        "not json", None, '{"type": "Point", "coordinates": [1, 2]}'])
    assert bounds.box == (16.0, 59.0, 17.0, 60.0)
    assert bounds.contains(16.9, 59.1) and not bounds.contains(16.1, 59.9)


def test_codes_are_normalised_and_hashed() -> None:
    code = new_code()
    assert normalise_code(format_code(code).lower()) == code
    assert normalise_code("ABCDE-2345") is None
    assert normalise_code("ABCDE-23456'; DROP") is None
    assert normalise_code("ABCDE 23456") == "ABCDE23456"
    assert len(code_hash(code)) == 64 and code not in code_hash(code)


def test_option_lines_and_slugs() -> None:
    assert rules.parse_option_lines("a = Ett\nTvå saker\n\n") == ([("a", "Ett"), ("tv_saker", "Två saker")], None)
    assert rules.parse_option_lines("a = x\na = y")[1]
    assert rules.parse_option_lines("bad code! = x")[1]
    assert rules.slug_problem("trygghet-2026") is None
    assert rules.slug_problem("Trygghet 2026")


def test_the_bank_has_full_texts_in_three_languages_and_stable_codes() -> None:
    codes = [q.code for q in bank.QUESTIONS]
    assert len(codes) == len(set(codes))
    for question in bank.QUESTIONS:
        assert set(question.text) == {"sv", "en", "ar"} and all(question.text.values())
        for option in (*question.options, *question.items):
            assert set(option.label) == {"sv", "en", "ar"} and all(option.label.values())
    problems = next(q for q in bank.QUESTIONS if q.code == "problems")
    assert len(problems.items) == 13 and [o.code for o in problems.options][-1] == "dont_know"
    assert {q.role for q in bank.QUESTIONS if q.role} == {"age", "gender", "subarea", "years", "relation"}


def test_control_characters_are_removed_from_free_text() -> None:
    assert read(TEXT, {"q-idea": "a\x00b\x07c\nd"})[0] == {"idea": "abc\nd"}
