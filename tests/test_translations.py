"""Every interface text has an English translation; every text a resident can see also has an Arabic one.

Swedish is the source language (the message ids). Translations live in frontend/locales/<lang>/<domain>.po.
Resident-facing sources: base.html, components/, errors/, public/ templates, app/errors.py and every
domain's forms.py and public_routes.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from app.config import ROOT
from app.i18n import LOCALES_DIR, translations

METHOD_MAP = [("app/**.py", "python"), ("frontend/templates/**.html", "jinja2.ext:babel_extract")]
OPTIONS = {"frontend/templates/**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "True",
                                          "lstrip_blocks": "True"}}


def _resident_facing(path: str) -> bool:
    if path.startswith("frontend/templates/"):
        rest = path.removeprefix("frontend/templates/")
        return rest == "base.html" or rest.startswith(("components/", "errors/", "public/"))
    return path == "app/errors.py" or path.endswith(("/forms.py", "/public_routes.py"))


def _messages() -> Iterator[tuple[str, str, int]]:
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), METHOD_MAP, options_map=OPTIONS, keywords={"_": None, "gettext": None, "ngettext": (1, 2)}
    ):
        text = message[0] if isinstance(message, tuple) else message
        if text:
            yield filename, text, lineno


MESSAGES = list(_messages())


def _catalog(lang: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for po in sorted((LOCALES_DIR / lang).glob("*.po")):
        with po.open("rb") as handle:
            for message in read_po(handle):
                if message.id and message.string:
                    key = message.id[0] if isinstance(message.id, tuple) else message.id
                    value = message.string[0] if isinstance(message.string, tuple) else message.string
                    found[str(key)] = str(value)
    return found


def test_messages_were_found() -> None:
    assert len(MESSAGES) > 50


@pytest.mark.parametrize("lang", ["en"])
def test_every_message_is_translated(lang: str) -> None:
    catalog = _catalog(lang)
    missing = sorted({f"{file}:{line}: {text}" for file, text, line in MESSAGES if text not in catalog})
    assert not missing, f"{len(missing)} texts lack a {lang} translation:\n" + "\n".join(missing[:40])


def test_resident_facing_messages_have_arabic() -> None:
    catalog = _catalog("ar")
    missing = sorted({f"{file}:{line}: {text}" for file, text, line in MESSAGES
                      if _resident_facing(file) and text not in catalog})
    assert not missing, f"{len(missing)} resident-facing texts lack Arabic:\n" + "\n".join(missing[:40])


def test_placeholders_survive_translation() -> None:
    import re

    for lang in ("en", "ar"):
        for msgid, msgstr in _catalog(lang).items():
            wanted = sorted(re.findall(r"%\(\w+\)s", msgid))
            assert sorted(re.findall(r"%\(\w+\)s", msgstr)) == wanted, f"{lang}: {msgid!r} -> {msgstr!r}"


def test_catalog_is_loaded_at_runtime() -> None:
    assert translations("en").gettext("Logga in") == "Log in"
    assert Path(LOCALES_DIR / "en" / "core.po").exists()
