"""The import rules are enforced: an import that breaks a contract makes `lint-imports` fail and names the import.

A copy of app/ and pyproject.toml gets one planted import (a shared module importing a domain); lint-imports runs
on the copy, so the check proves the contract catches it without touching the real tree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.config import ROOT

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
SHARED_BELOW = "Shared modules know no domain"


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--config", str(tree / "pyproject.toml")], cwd=tree,
                          env=env, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "app", tmp_path / "app", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


@pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is not installed (make install)")
def test_a_planted_forbidden_import_fails_the_check(tree: Path) -> None:
    before = _lint(tree)
    assert f"{SHARED_BELOW} KEPT" in before.stdout, before.stdout + before.stderr

    db = tree / "app" / "db.py"
    db.write_text(db.read_text(encoding="utf-8") + "\nfrom app.surveys import service as _planted  # noqa\n",
                  encoding="utf-8")
    after = _lint(tree)

    assert after.returncode != 0
    assert f"{SHARED_BELOW} BROKEN" in after.stdout, after.stdout + after.stderr
    assert "app.db -> app.surveys" in after.stdout  # the report names the planted import
