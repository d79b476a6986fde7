"""Staff forms of the set-up pages (settings, area, party, new municipality): parse, pure problems, the values
the page shows again. What needs the database (a name already taken, a parent in the list) the service checks."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from starlette.datastructures import FormData, UploadFile

from app import geo
from app.admin.rules import (
    NAME_MAX,
    email_problem,
    name_problem,
    normalise_email,
    parse_kind,
    parse_languages,
    parse_population,
)
from app.i18n import gettext as _
from app.models import PartyKind
from app.web import form_str


def _form_list(form: FormData, name: str) -> list[str]:
    return [value.strip()[:20] for value in form.getlist(name) if isinstance(value, str)][:20]


def _put(errors: dict[str, str], name: str, problem: str | None) -> None:
    if problem:
        errors[name] = problem


@dataclass(frozen=True)
class SettingsForm:
    """The municipality's own settings."""

    name: str
    contact_email: str
    languages: list[str]
    police_area_id: str
    new_police_area: str = ""
    new_police_region: str = ""
    require_two_factor: bool = False

    @classmethod
    def parse(cls, form: FormData) -> SettingsForm:
        return cls(name=form_str(form, "name", 300),
                   contact_email=normalise_email(form_str(form, "contact_email", 300)),
                   languages=_form_list(form, "languages"), police_area_id=form_str(form, "police_area_id", 20),
                   new_police_area=form_str(form, "new_police_area", 300),
                   new_police_region=form_str(form, "new_police_region", 300),
                   require_two_factor=form_str(form, "require_two_factor", 10) == "1")

    def values(self) -> dict[str, Any]:
        return asdict(self)

    def offered(self) -> list[str]:
        return parse_languages(self.languages)[0]

    def police_area_number(self) -> int | None:
        """The chosen police area's id, if it looks like one (ASCII and short: "²" or 10**20 is no id)."""
        digits = self.police_area_id
        return int(digits) if digits.isascii() and digits.isdigit() and len(digits) <= 9 else None

    def problems(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        _put(errors, "name", name_problem(self.name, _("Ange kommunens namn.")))
        _put(errors, "contact_email", email_problem(self.contact_email))
        _put(errors, "languages", parse_languages(self.languages)[1])
        if self.new_police_area and (len(self.new_police_area) > NAME_MAX or len(self.new_police_region) > NAME_MAX):
            errors["new_police_area"] = _("Namnet får vara högst 200 tecken.")
        elif not self.new_police_area and self.police_area_id and self.police_area_number() is None:
            errors["police_area_id"] = _("Välj ett lokalpolisområde i listan.")
        return errors


@dataclass(frozen=True)
class AreaForm:
    """An area or sub-area; an uploaded .geojson file wins over the text field."""

    name: str
    slug: str
    parent_id: str
    population: str
    geojson: str
    upload: bytes | None = None

    @classmethod
    def parse(cls, form: FormData) -> AreaForm:
        upload = form.get("geojson_file")
        raw: bytes | None = None
        if isinstance(upload, UploadFile) and upload.filename:
            raw = upload.file.read(geo.MAX_GEOJSON_BYTES + 1)
        return cls(name=form_str(form, "name", 300), slug=form_str(form, "slug", 100).lower(),
                   parent_id=form_str(form, "parent_id", 20), population=form_str(form, "population", 40),
                   geojson=form_str(form, "geojson", geo.MAX_GEOJSON_BYTES + 1), upload=raw or None)

    def values(self) -> dict[str, str]:
        return {"name": self.name, "slug": self.slug, "parent_id": self.parent_id, "population": self.population,
                "geojson": self.geojson[:geo.MAX_GEOJSON_BYTES]}

    def polygon(self) -> tuple[str | None, dict[str, str]]:
        """The boundary as stored GeoJSON (None when none was given), or the field's problem."""
        try:
            if self.upload:
                return geo.normalise_geojson(geo.decode_upload(self.upload)), {}
            return (geo.normalise_geojson(self.geojson) if self.geojson else None), {}
        except geo.GeoJSONError as exc:
            return None, {"geojson_file" if self.upload else "geojson": exc.message}

    def problems(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        _put(errors, "name", name_problem(self.name, _("Ange områdets namn.")))
        if self.slug:
            _put(errors, "slug", geo.slug_problem(self.slug))
        _put(errors, "population", parse_population(self.population)[1])
        return errors | self.polygon()[1]


@dataclass(frozen=True)
class PartyForm:
    """A party of the pledge work: the police, the municipality or a partner."""

    name: str
    kind: str

    @classmethod
    def parse(cls, form: FormData) -> PartyForm:
        return cls(name=form_str(form, "name", 300), kind=form_str(form, "kind", 40))

    def values(self) -> dict[str, str]:
        return asdict(self)

    def party_kind(self) -> PartyKind | None:
        return parse_kind(self.kind)

    def problems(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        _put(errors, "name", name_problem(self.name, _("Ange partens namn.")))
        if self.party_kind() is None:
            errors["kind"] = _("Välj vilken sorts part det är.")
        return errors


@dataclass(frozen=True)
class MunicipalityForm:
    """A new municipality and its first administrator (system administrators only)."""

    slug: str
    name: str
    languages: list[str]
    admin_name: str
    admin_email: str

    @classmethod
    def parse(cls, form: FormData) -> MunicipalityForm:
        return cls(slug=form_str(form, "slug", 100).lower(), name=form_str(form, "name", 300),
                   languages=_form_list(form, "languages"), admin_name=form_str(form, "admin_name", 300),
                   admin_email=normalise_email(form_str(form, "admin_email", 300)))

    def values(self) -> dict[str, Any]:
        return asdict(self)

    def chosen_slug(self) -> str:
        return self.slug or geo.slugify(self.name)

    def problems(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        _put(errors, "name", name_problem(self.name, _("Ange kommunens namn.")))
        _put(errors, "slug", geo.slug_problem(self.chosen_slug()))
        _put(errors, "languages", parse_languages(self.languages)[1])
        _put(errors, "admin_name", name_problem(self.admin_name, _("Ange administratörens namn.")))
        _put(errors, "admin_email", email_problem(self.admin_email))
        return errors


@dataclass(frozen=True)
class InviteForm:
    """An invitation into the municipality; the service checks the address, the name and the role."""

    email: str
    name: str
    role: str

    @classmethod
    def parse(cls, form: FormData) -> InviteForm:
        return cls(email=normalise_email(form_str(form, "email", 300)), name=form_str(form, "name", 300),
                   role=form_str(form, "role", 40))

    def values(self) -> dict[str, str]:
        return asdict(self)
