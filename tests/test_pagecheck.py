"""The page check must catch what it promises to catch, or every page test built on it is hollow."""

from __future__ import annotations

import pytest

from tests.pagecheck import page_problems

GOOD = """<!doctype html><html lang="sv" dir="ltr"><head><title>Logga in – Trygghetsdialog</title></head>
<body><a href="#main">Hoppa</a><main id="main"><h1>Logga in</h1>
<form action="/x" method="post"><label for="a">A</label><input id="a" name="a">
<label>B <input name="b"></label><input type="hidden" name="csrf_token"><button>OK</button></form>
</main></body></html>"""


def test_a_good_page_passes() -> None:
    assert page_problems(GOOD) == []


@pytest.mark.parametrize(("change", "problem"), [
    (('lang="sv" ', ""), "no lang"),
    (('dir="ltr"', 'dir="rtl"'), "does not fit"),
    (("<h1>Logga in</h1>", "<h1>Logga in</h1><h1>Igen</h1>"), "one <h1>"),
    (("<h1>Logga in</h1>", ""), "one <h1>"),
    (("<title>Logga in – Trygghetsdialog</title>", "<title>Trygghetsdialog</title>"), "does not name"),
    (('<label for="a">A</label>', ""), "has no label"),
    (('name="a">', 'name="a"><span id="a"></span>'), "duplicate ids"),
    (('<a href="#main">Hoppa</a>', ""), "skip link"),
    (('action="/x" ', ""), "without an action"),
    (('<main id="main">', '<main id="main"><div class="error-summary"></div>'), "title starting 'Fel:'"),
])
def test_each_broken_rule_is_reported(change: tuple[str, str], problem: str) -> None:
    old, new = change
    assert old in GOOD
    problems = page_problems(GOOD.replace(old, new, 1))
    assert any(problem in p for p in problems), problems
