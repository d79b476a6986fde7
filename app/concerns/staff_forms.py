"""Staff forms of the concerns pages: `parse` reads the submitted form, a pure `problems` says what is wrong."""
# Not forms.py: every forms.py is resident-facing (English and Arabic, tests/test_translations.py); these are staff's.

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import FormData, UploadFile

from app.concerns.themes import normalise_term
from app.i18n import gettext as _
from app.web import form_str

MAX_CRIME_BYTES = 2 * 1024 * 1024
MAX_CHOICES = 20  # more boxes than any wave has items or themes: the rest is not read


def _id(text: str) -> int | None:
    return int(text) if text.isdecimal() else None


def _texts(form: FormData, name: str) -> list[str]:
    return [v for v in form.getlist(name) if isinstance(v, str)][:MAX_CHOICES]


@dataclass(frozen=True)
class PriorityForm:
    """The 2-4 problems staff choose for a wave (and the area the figures were read for)."""

    wave: str
    area: str
    items: list[str]

    @classmethod
    def parse(cls, form: FormData) -> PriorityForm:
        return cls(wave=form_str(form, "wave", 12), area=form_str(form, "area", 12), items=_texts(form, "items"))

    @property
    def names_a_wave(self) -> bool:
        """A wave id, and an area id or none: anything else is a form the page never sends."""
        return self.wave.isdecimal() and (not self.area or self.area.isdecimal())

    @property
    def survey_id(self) -> int | None:
        return _id(self.wave)

    @property
    def area_id(self) -> int | None:
        return _id(self.area)


@dataclass(frozen=True)
class TermForm:
    """A word of the municipality's own lexicon and the theme it points to."""

    term: str
    theme: str
    wave: str

    @classmethod
    def parse(cls, form: FormData) -> TermForm:
        return cls(term=form_str(form, "term", 60), theme=form_str(form, "theme", 60), wave=form_str(form, "wave", 12))

    @property
    def stem(self) -> str:
        return normalise_term(self.term)

    @property
    def survey_id(self) -> int | None:
        return _id(self.wave)

    def values(self) -> dict[str, str]:
        return {"term": self.term, "theme": self.theme}

    def problems(self, allowed_themes: set[str]) -> dict[str, str]:
        errors: dict[str, str] = {}
        if len(self.stem) < 2:
            errors["term"] = _("Skriv ett ord med minst två bokstäver.")
        if self.theme not in allowed_themes:
            errors["theme"] = _("Välj ett tema.")
        return errors


@dataclass(frozen=True)
class RetagForm:
    """The themes staff give one free-text answer (none: the answer has no theme)."""

    themes: list[str]

    @classmethod
    def parse(cls, form: FormData) -> RetagForm:
        return cls(themes=_texts(form, "themes"))


@dataclass(frozen=True)
class CrimeFileForm:
    """An uploaded CSV of reported crimes, read up to one byte past the limit."""

    data: bytes

    @classmethod
    def parse(cls, form: FormData) -> CrimeFileForm:
        upload = form.get("file")
        if isinstance(upload, UploadFile) and upload.filename:
            return cls(data=upload.file.read(MAX_CRIME_BYTES + 1))
        return cls(data=b"")

    def problems(self) -> dict[str, str]:
        if not self.data:
            return {"file": _("Välj en CSV-fil.")}
        if len(self.data) > MAX_CRIME_BYTES:
            return {"file": _("Filen är större än 2 MB.")}
        return {}
