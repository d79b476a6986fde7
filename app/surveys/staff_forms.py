"""The staff forms of the surveys domain: read from the posted form by `parse()`, checked by a pure `problems()`."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from starlette.datastructures import FormData

from app.i18n import gettext as _
from app.models.surveys import BackgroundRole, QuestionType, SurveyMode
from app.surveys import rules
from app.web import form_str

NEEDS_OPTIONS = (QuestionType.single, QuestionType.multiple, QuestionType.matrix, QuestionType.ranking)
# Optional whole-number settings: (name, lowest, highest).
NUMBER_SETTINGS = (("min_choices", 0, 50), ("max_choices", 1, 50), ("scale_min", 0, 10), ("scale_max", 1, 10))
Options = dict[str, dict[str, dict[str, str]]]  # "option"/"item" -> code -> language -> label


@dataclass
class QuestionForm:
    """A question as staff typed it, cut to length."""

    type: str
    code: str
    page: str
    required: bool
    role: str
    condition: str  # "question_code=option_code" or ""
    text: dict[str, str]
    help: dict[str, str]
    options: dict[str, str]  # language -> "code = label" lines
    items: dict[str, str]
    numbers: dict[str, str] = field(default_factory=dict)  # NUMBER_SETTINGS name -> what was typed

    @classmethod
    def parse(cls, form: FormData, languages: Sequence[str]) -> QuestionForm:
        return cls(
            type=form_str(form, "type", 20), code=form_str(form, "code", 60), page=form_str(form, "page", 5),
            required=form_str(form, "required", 5) == "1", role=form_str(form, "role", 20),
            condition=form_str(form, "condition", 90),
            text={lang: form_str(form, f"text-{lang}", 1000) for lang in languages},
            help={lang: form_str(form, f"help-{lang}", 1000) for lang in languages},
            options={lang: form_str(form, f"options-{lang}", 20000) for lang in languages},
            items={lang: form_str(form, f"items-{lang}", 20000) for lang in languages},
            numbers={name: form_str(form, name, 5) for name, _low, _high in NUMBER_SETTINGS})

    def problems(self, *, other_codes: Collection[str] = (),
                 questions: Mapping[str, tuple[int, Collection[str]]] | None = None) -> dict[str, str]:
        """Field -> message. `other_codes`: the codes the survey's other questions use; `questions`: every
        question's code -> (page, its option codes), for the condition."""
        if self.type not in {t.value for t in QuestionType}:
            return {"type": _("Välj en frågetyp.")}
        kind = QuestionType(self.type)
        errors: dict[str, str] = {}
        if not self.code or not rules.SLUG_RE.fullmatch(self.code.replace("_", "-")):
            errors["code"] = _("Koden får bara innehålla små bokstäver a–z, siffror, _ och - (högst 40 tecken).")
        elif self.code in other_codes:
            errors["code"] = _("Koden används redan av en annan fråga i enkäten.")
        if not self.page.isdecimal() or not 1 <= int(self.page) <= 50:
            errors["page"] = _("Ange ett sidnummer från 1 till 50.")
        if not self.text.get("sv"):
            errors["text-sv"] = _("Skriv frågan på svenska.")
        if self.role and self.role not in {r.value for r in BackgroundRole}:
            errors["role"] = _("Välj en bakgrundsroll i listan.")
        parsed = self._parsed(errors)
        if kind in NEEDS_OPTIONS and not parsed["option"] and "options-sv" not in errors:
            errors["options-sv"] = _("Frågetypen behöver svarsalternativ.")
        if kind == QuestionType.matrix and not parsed["item"] and "items-sv" not in errors:
            errors["items-sv"] = _("Ett problembatteri behöver rader (påståenden).")
        for name, low, high in NUMBER_SETTINGS:
            raw = self.numbers.get(name, "")
            if raw and (not raw.isdecimal() or not low <= int(raw) <= high):
                errors[name] = _("Ange ett heltal från %(low)s till %(high)s.") % {"low": low, "high": high}
        if self.condition:
            source_code, _sep, value = self.condition.partition("=")
            source = (questions or {}).get(source_code)
            page = int(self.page) if self.page.isdecimal() else 0
            if source is None or source[0] >= page or value not in source[1]:
                errors["condition"] = _("Villkoret måste gälla ett svarsalternativ i en fråga på en tidigare sida.")
        return errors

    def _parsed(self, errors: dict[str, str]) -> Options:
        """The option and item lines per language, by code; adds a message to `errors` for each bad list."""
        parsed: Options = {"option": {}, "item": {}}
        for kind_name, source in (("option", self.options), ("item", self.items)):
            base_codes: list[str] = []
            for lang, raw in source.items():
                lines, problem = rules.parse_option_lines(raw)
                if problem:
                    errors[f"{kind_name}s-{lang}"] = problem
                    continue
                if lang == "sv":
                    base_codes = [code for code, _label in lines]
                for code, label in lines:
                    parsed[kind_name].setdefault(code, {})[lang] = label
            unknown = [code for code in parsed[kind_name] if code not in base_codes]
            if unknown and f"{kind_name}s-sv" not in errors:
                errors[f"{kind_name}s-sv"] = _("Koden ”%(code)s” finns på ett annat språk men inte på svenska.") % {
                    "code": unknown[0]}
        return parsed

    def parsed_options(self) -> Options:
        """The options and items by code and language (for a form without problems)."""
        return self._parsed({})

    def fields(self, settings: Mapping[str, Any]) -> dict[str, Any]:
        """The question's columns (for a form without problems); `settings` are the question's current ones."""
        kind = QuestionType(self.type)
        merged = dict(settings)
        merged.update({name: int(raw) for name, raw in self.numbers.items() if raw})
        if kind == QuestionType.ranking:
            merged.setdefault("rank_count", 3)
        if kind == QuestionType.place:
            merged.setdefault("with_time", True)
        source_code, _sep, value = self.condition.partition("=")
        return {"type": kind, "code": self.code, "page": int(self.page), "required": self.required,
                "role": BackgroundRole(self.role) if self.role else None,
                "text": {k: v for k, v in self.text.items() if v}, "help": {k: v for k, v in self.help.items() if v},
                "settings": merged, "condition_question_code": source_code if self.condition else None,
                "condition_value_code": value if self.condition else None}


@dataclass
class SettingsForm:
    """A survey's address, ways to answer, languages, dates and areas, cut to length."""

    slug: str
    modes: list[str]
    languages: list[str]
    opens_on: str
    closes_on: str
    area_ids: list[str]

    @classmethod
    def parse(cls, form: FormData) -> SettingsForm:
        def strings(name: str, most: int) -> list[str]:
            return [v for v in form.getlist(name) if isinstance(v, str)][:most]
        return cls(slug=form_str(form, "slug", 60).lower(), modes=strings("modes", 5),
                   languages=strings("languages", 10), opens_on=form_str(form, "opens_on", 20),
                   closes_on=form_str(form, "closes_on", 20), area_ids=strings("areas", 500))

    def problems(self, *, slug_taken: bool, offered_languages: Collection[str],
                 own_area_ids: Collection[int]) -> dict[str, str]:
        """Field -> message. `slug_taken`: another survey has this address; `offered_languages`: the
        municipality's; `own_area_ids`: the municipality's areas."""
        errors: dict[str, str] = {}
        problem = rules.slug_problem(self.slug)
        if problem:
            errors["slug"] = problem
        elif slug_taken:
            errors["slug"] = _("Adressen används redan av en annan enkät.")
        if not self.valid_modes() or len(self.valid_modes()) != len(self.modes):
            errors["mode-open_link"] = _("Välj minst ett sätt att svara.")
        if any(lang not in offered_languages for lang in self.languages):
            errors["lang-sv"] = _("Välj bland kommunens språk.")
        for name, raw in (("opens_on", self.opens_on), ("closes_on", self.closes_on)):
            if not _read_date(raw)[1]:
                errors[name] = _("Ange datumet som ÅÅÅÅ-MM-DD.")
        opens_on, closes_on = self.dates()
        if opens_on and closes_on and opens_on > closes_on:
            errors["closes_on"] = _("Slutdatumet kan inte vara före startdatumet.")
        if any(not raw.isdecimal() or int(raw) not in own_area_ids for raw in self.area_ids):
            errors["areas"] = _("Välj bland kommunens områden.")
        return errors

    def valid_modes(self) -> list[str]:
        return [m for m in self.modes if m in {mode.value for mode in SurveyMode}]

    def dates(self) -> tuple[date | None, date | None]:
        """(opens on, closes on); None for a date left empty or not readable."""
        return _read_date(self.opens_on)[0], _read_date(self.closes_on)[0]

    def chosen_areas(self) -> list[int]:
        return sorted({int(raw) for raw in self.area_ids if raw.isdecimal()})


def _read_date(raw: str) -> tuple[date | None, bool]:
    """(the date, None when empty or unreadable; whether it was readable)."""
    try:
        return (date.fromisoformat(raw) if raw else None), True
    except ValueError:
        return None, False


@dataclass
class TextsForm:
    """A survey's title and intro per language, cut to length (one past the limit, so too long is seen)."""

    texts: dict[str, tuple[str, str]]  # language -> (title, intro)

    @classmethod
    def parse(cls, form: FormData, languages: Sequence[str]) -> TextsForm:
        return cls({lang: (form_str(form, f"title-{lang}", 300), form_str(form, f"intro-{lang}", 6000))
                    for lang in languages})

    def problems(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        if not self.texts.get("sv", ("", ""))[0]:
            errors["title-sv"] = _("Ange en rubrik på svenska.")
        for lang, (title, intro) in self.texts.items():
            if len(title) > 200:
                errors[f"title-{lang}"] = _("Rubriken får vara högst 200 tecken.")
            if len(intro) > 5000:
                errors[f"intro-{lang}"] = _("Inledningen får vara högst 5000 tecken.")
        return errors

    def values(self) -> dict[str, str]:
        """The fields as the form names them, to show the form again."""
        return {f"{kind}-{lang}": value for lang, pair in self.texts.items()
                for kind, value in zip(("title", "intro"), pair, strict=True)}
