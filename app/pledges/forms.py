"""Texts residents see on pledge pages (labels, sentences) and the subscription form's validation."""

from __future__ import annotations

from app.i18n import gettext as _
from app.mail import valid_email


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
