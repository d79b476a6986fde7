"""The pledge forms (read from the posted form, checked where the check is pure) and the pages' labels."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from starlette.datastructures import FormData, UploadFile

from app.i18n import gettext as _
from app.mail import valid_email
from app.pledges.rules import MAX_ATTACHMENT_BYTES
from app.web import form_str


def status_labels() -> dict[str, str]:
    return {"draft": _("Utkast"), "in_review": _("Granskas"), "published": _("Undertecknat och publicerat"),
            "closed": _("Avslutat")}


def activity_status_labels() -> dict[str, str]:
    return {"planned": _("Planerad"), "in_progress": _("Pågår"), "done": _("Klar"), "cancelled": _("Inställd")}


def update_state_labels() -> dict[str, str]:
    return {"published": _("Publicerad"), "pending": _("Väntar på godkännande"), "rejected": _("Avvisad"),
            "withdrawn": _("Återkallad")}


def proposal_labels() -> dict[str, str]:
    return {"pledge.edit": _("Löftets texter och period"), "focus_area.save": _("Fokusområde"),
            "focus_area.delete": _("Ta bort fokusområde"), "activity.save": _("Aktivitet"),
            "pledge.extend": _("Förlängning"), "pledge.translate": _("Översättning")}


def side_labels() -> dict[str, str]:
    return {"police": _("Polisen"), "municipality": _("Kommunen")}


def party_kind_labels() -> dict[str, str]:
    return {"police": _("Polisen"), "municipality": _("Kommunen"), "partner": _("Samverkanspart"),
            "joint": _("Polisen och kommunen tillsammans")}


def progress_rule() -> str:
    return _("Så räknar vi: en klar aktivitet räknas som 100 %, en inställd räknas inte. En aktivitet med ett "
             "mål i antal räknas som uppnått delat med målet. Annars räknas planerad som 0 % och pågående som "
             "50 %. Ett fokusområde är medelvärdet av sina aktiviteter och löftet är medelvärdet av "
             "fokusområdena.")


def figure_sentence(share: float | None, n: int | None, area: str, label: str) -> str:
    """'62 % of 1,240 residents in Centrum say littering is a big problem' in the current language; a figure the
    published set hides (share None) says only that there are too few answers, never how few."""
    if share is None or n is None:
        return _("%(item)s i %(area)s: för få svar för att visa en siffra") % {"item": label, "area": area}
    return _("%(share)s %% av %(n)s invånare i %(area)s svarar att %(item)s är ett stort problem") % {
        "share": round(share * 100), "n": f"{n:,}".replace(",", "\u00a0"), "area": area, "item": label.lower()}


def validate_email(email: str) -> dict[str, str]:
    if not valid_email(email):
        return {"email": _("Skriv en e-postadress i formatet namn@exempel.se.")}
    return {}


# ------------------------------------------------------------------------------------------------ staff forms
# The content forms hand the service a dict (`values()`): a change of a published pledge is stored as a proposal
# with those values as JSON and applied later by the same service function, so the service checks the dict.


@dataclass(frozen=True)
class Versioning:
    """The "make a new version" box and its note, on every form that changes a signed pledge's content."""

    new_version: bool
    note: str

    @classmethod
    def parse(cls, form: FormData) -> Versioning:
        return cls(form_str(form, "new_version", 10) == "yes", form_str(form, "version_note", 2000))


def remap(errors: dict[str, str], prefix: str) -> dict[str, str]:
    """The version box's error under the name of the form it belongs to (`pl_new_version`, `fa_new_version`)."""
    return {(f"{prefix}_new_version" if key == "new_version" else key): value for key, value in errors.items()}


@dataclass(frozen=True)
class PledgeForm:
    title: str
    intro: str
    starts_on: str
    ends_on: str
    area_id: str

    @classmethod
    def parse(cls, form: FormData) -> PledgeForm:
        return cls(form_str(form, "title", 200), form_str(form, "intro", 5000), form_str(form, "starts_on", 20),
                   form_str(form, "ends_on", 20), form_str(form, "area_id", 20))

    def values(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class FocusAreaForm:
    title: str
    problem: str
    cause: str

    @classmethod
    def parse(cls, form: FormData) -> FocusAreaForm:
        return cls(form_str(form, "fa_title", 200), form_str(form, "fa_problem", 5000),
                   form_str(form, "fa_cause", 5000))

    def values(self) -> dict[str, str]:
        return asdict(self)

    def echo(self) -> dict[str, str]:
        """The fields as the page names them, to show what was typed again."""
        return {f"fa_{key}": value for key, value in asdict(self).items()}


ACTIVITY_FIELDS = ("title", "party", "target_number", "target_unit", "target_text", "starts_on", "ends_on",
                   "focus_area_id", "observation_id")


@dataclass(frozen=True)
class ActivityForm:
    fields: dict[str, str]

    @classmethod
    def parse(cls, form: FormData) -> ActivityForm:
        return cls({name: form_str(form, f"act_{name}", 2000) for name in ACTIVITY_FIELDS})

    def values(self) -> dict[str, str]:
        return dict(self.fields)

    def echo(self) -> dict[str, str]:
        return {f"act_{key}": value for key, value in self.fields.items()}


@dataclass(frozen=True)
class StatusForm:
    status: str
    cancel_reason: str

    @classmethod
    def parse(cls, form: FormData) -> StatusForm:
        return cls(form_str(form, "status", 20), form_str(form, "cancel_reason", 1000))


@dataclass(frozen=True)
class UpdateForm:
    """A follow-up update (a correction has no date: `posted_on` is then "")."""

    text: str
    achieved: str
    posted_on: str = ""

    @classmethod
    def parse(cls, form: FormData) -> UpdateForm:
        return cls(form_str(form, "upd_text", 5000), form_str(form, "upd_achieved", 20), form_str(form, "upd_date", 20))

    @classmethod
    def parse_correction(cls, form: FormData) -> UpdateForm:
        return cls(form_str(form, "upd_text", 5000), form_str(form, "upd_achieved", 20))

    def values(self) -> dict[str, str]:
        return asdict(self)

    def echo(self) -> dict[str, str]:
        return {"upd_text": self.text, "upd_achieved": self.achieved, "upd_posted_on": self.posted_on,
                "upd_date": self.posted_on}


@dataclass(frozen=True)
class SignatoryForm:
    name: str
    role: str

    @classmethod
    def parse(cls, form: FormData) -> SignatoryForm:
        return cls(form_str(form, "sig_name", 200), form_str(form, "sig_role", 200))

    def echo(self) -> dict[str, str]:
        return {"sig_name": self.name, "sig_role": self.role}


@dataclass(frozen=True)
class IndicatorForm:
    item: str
    area: str
    target: str
    label: str

    @classmethod
    def parse(cls, form: FormData) -> IndicatorForm:
        return cls(form_str(form, "ind_item", 200), form_str(form, "ind_area", 20), form_str(form, "ind_target", 20),
                   form_str(form, "ind_label", 200))

    def echo(self) -> dict[str, str]:
        return {f"ind_{key}": value for key, value in asdict(self).items()}


def uploaded_file(form: FormData, name: str = "upd_file") -> tuple[str, bytes] | None:
    """(file name, bytes) of a chosen file, read to one byte past the limit so the service can refuse it."""
    upload = form.get(name)
    if isinstance(upload, UploadFile) and upload.filename:
        data = upload.file.read(MAX_ATTACHMENT_BYTES + 1)
        if data:
            return upload.filename, data
    return None


def translation_values(form: FormData) -> dict[str, str]:
    """The translate form's texts: "pledge-title", "fa-<id>-problem", "act-<id>-title", ... -> text."""
    return {str(key): form_str(form, str(key), 5000) for key in form
            if str(key).startswith(("pledge-", "fa-", "act-"))}
