"""Every figure computed from answers leaves through the measuring layer in app/concerns/: no other module may
read the answer table. A new output path that counts answers itself makes this test fail."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"
# Modules that may name the answer table, and why.
ALLOWED = {
    "models/surveys.py": "defines it",
    "models/concerns.py": "declares the covering index the measuring layer reads",
    "concerns/published.py": "the measuring layer: builds each wave's published set",
    "concerns/tagging.py": "the measuring layer: free-text themes (own threshold), re-tagging",
    "concerns/hotspot_counts.py": "the measuring layer: places residents named (own threshold)",
    "surveys/answering.py": "the write path: storing a submission",
    "surveys/paper_service.py": "the write path: importing paper answers",
    "surveys/exports.py": "respondent-level exports, behind their own permission",
    "transfer.py": "moving a whole municipality between databases",
    "cache/versions.py": "names the table among those that never invalidate the public page cache",
    "audit.py": "names the audit action on a re-tagged answer (survey_answer.retag); reads nothing",
}


def _names(path: Path) -> set[str]:
    """Uses of the answer table in code (names, attributes, imports, SQL strings), not in docstrings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    found = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.Name) and node.id == "Answer") or (
                isinstance(node, ast.Attribute) and node.attr == "Answer"):
            found.add("Answer")
        elif isinstance(node, ast.alias) and node.name == "Answer":
            found.add("import Answer")
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str) and "survey_answer" in node.value
              and id(node) not in docstrings):
            found.add("survey_answer")
    return found


def test_only_the_measuring_layer_reads_answers() -> None:
    offenders = {}
    for path in sorted(APP.rglob("*.py")):
        relative = path.relative_to(APP).as_posix()
        if relative in ALLOWED:
            continue
        names = _names(path)
        if names:
            offenders[relative] = sorted(names)
    assert offenders == {}, ("these modules read the answer table themselves; ask app/concerns/published.py for "
                             f"a published figure instead: {offenders}")


def test_the_scan_finds_a_planted_bypass(tmp_path: Path) -> None:
    planted = tmp_path / "bypass.py"
    planted.write_text('"""Counts survey_answer rows (a docstring may say so)."""\n'
                       'from app.models.surveys import Answer\n'
                       'SQL = "SELECT count(*) FROM survey_answer"\n', encoding="utf-8")
    assert _names(planted) == {"import Answer", "survey_answer"}
    harmless = tmp_path / "harmless.py"
    harmless.write_text('"""Reads the published set, never survey_answer."""\n', encoding="utf-8")
    assert _names(harmless) == set()
