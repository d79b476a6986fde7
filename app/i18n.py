"""Languages and gettext catalogs.

Swedish is the source language: message ids are the Swedish texts, so a missing translation shows Swedish.
Every `frontend/locales/<lang>/*.po` file is merged into that language's catalog (one file per domain, so
domains never edit the same file).
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from gettext import NullTranslations
from io import BytesIO

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from app.config import ROOT, SUPPORTED_LANGUAGES

LOCALES_DIR = ROOT / "frontend" / "locales"
RTL_LANGUAGES = frozenset({"ar", "fa"})


@dataclass(frozen=True)
class Language:
    code: str
    native_name: str

    @property
    def direction(self) -> str:
        return "rtl" if self.code in RTL_LANGUAGES else "ltr"


LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("sv", "Svenska"),
        Language("sv-x-easy", "Lätt svenska"),
        Language("en", "English"),
        Language("ar", "العربية"),
        Language("fa", "فارسی"),
        Language("so", "Soomaali"),
        Language("ti", "ትግርኛ"),
        Language("fi", "Suomi"),
    )
}
assert set(LANGUAGES) == set(SUPPORTED_LANGUAGES)

# Languages whose interface (not only survey content) has a catalog; the switcher offers these everywhere.
INTERFACE_LANGUAGES = ("sv", "en", "ar")
# Staff pages are translated to these only: in another language they show in Swedish, marked as Swedish.
STAFF_LANGUAGES = ("sv", "en")

_current: ContextVar[str] = ContextVar("language", default="sv")


@lru_cache(maxsize=16)
def translations(code: str) -> NullTranslations:
    folder = LOCALES_DIR / code
    merged: NullTranslations = NullTranslations()
    if not folder.is_dir():
        return merged
    combined: Translations | None = None
    for po_path in sorted(folder.glob("*.po")):
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=code.split("-")[0])
        buffer = BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        part = Translations(buffer)
        if combined is None:
            combined = part
        else:
            combined.merge(part)
    return combined or merged


def set_language(code: str) -> None:
    _current.set(code if code in LANGUAGES else "sv")


def current_language() -> str:
    return _current.get()


def gettext(message: str) -> str:
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ngettext(singular, plural, n)


def direction(code: str) -> str:
    return "rtl" if code in RTL_LANGUAGES else "ltr"


class InLanguage(str):
    """A text that knows which language it is in, so a Swedish fallback inside an Arabic page can be marked
    `lang="sv"` (WCAG 3.1.2): screen readers then read it with a Swedish voice."""

    lang: str

    def __new__(cls, text: str = "", lang: str = "sv") -> InLanguage:
        made = super().__new__(cls, text)
        made.lang = lang
        return made


def pick(texts: Mapping[str, str] | None, lang: str) -> InLanguage:
    """The text in `lang`, else the Swedish source, else any text there is; each knowing its language."""
    texts = texts or {}
    if texts.get(lang):
        return InLanguage(texts[lang], lang)
    if texts.get("sv"):
        return InLanguage(texts["sv"], "sv")
    code, text = next(((c, t) for c, t in texts.items() if t), ("sv", ""))
    return InLanguage(text, code)


def same_language(a: str, b: str) -> bool:
    """sv and sv-x-easy are both Swedish to a screen reader."""
    return a.split("-")[0] == b.split("-")[0]


_ = gettext
