"""The e-mails residents get about a dialogue event, written in the language they signed up in."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlmodel import Session

from app import i18n, mail
from app.config import get_settings
from app.dialogues.rules import LOCAL_TZ, format_when
from app.i18n import gettext as _
from app.i18n import pick
from app.models import Municipality
from app.models.dialogues import DialogueEvent, DialogueSignup, MailOutbox

log = logging.getLogger("app.dialogues.mails")
MUNICIPALITY_HEADER = "X-Trygg-Municipality"


@contextmanager
def in_language(code: str) -> Iterator[None]:
    previous = i18n.current_language()
    i18n.set_language(code)
    try:
        yield
    finally:
        i18n.set_language(previous)


def ref(event_id: int | None) -> str:
    return f"dialogue_event:{event_id}"


def text_in(texts: dict[str, str], lang: str) -> str:
    """The text in `lang`, else Swedish, else any; it knows which (`InLanguage`), so pages can mark a fallback."""
    return pick(texts, lang)


def _facts(event: DialogueEvent, lang: str) -> str:
    return "\n".join([text_in(event.title, lang), _("När: %(when)s") % {"when": format_when(event.starts_at)},
                      _("Var: %(place)s") % {"place": event.place}])


def _event_url(event: DialogueEvent, municipality: Municipality) -> str:
    return f"{get_settings().base_url}/m/{municipality.slug}/dialoger/{event.id}"


def queue_for_signup(session: Session, kind: str, signup: DialogueSignup, event: DialogueEvent,
                     municipality: Municipality, link: str, message: str = "",
                     subject: str = "") -> MailOutbox | None:
    """Queue one of the standard messages to a resident; None when they gave no e-mail address."""
    if not signup.email:
        return None
    with in_language(signup.language):
        lang = signup.language
        greeting = _("Hej %(name)s!") % {"name": signup.name}
        facts = _facts(event, lang)
        manage = _("Se eller avboka din anmälan: %(link)s") % {"link": link}
        if kind == "confirmed":
            subject = _("Du är anmäld: %(title)s") % {"title": text_in(event.title, lang)}
            body = [greeting, _("Du är anmäld. Välkommen!"), facts,
                    _("Antal personer: %(people)s") % {"people": signup.people}, manage]
        elif kind == "waitlisted":
            subject = _("Du står på väntelistan: %(title)s") % {"title": text_in(event.title, lang)}
            body = [greeting, _("Träffen är fullbokad och du står på väntelistan. Vi skickar ett e-brev om "
                                "du får en plats."), facts, manage]
        elif kind == "promoted":
            subject = _("Du har fått en plats: %(title)s") % {"title": text_in(event.title, lang)}
            body = [greeting, _("En plats blev ledig och du har flyttats från väntelistan. Du är nu anmäld."),
                    facts, manage]
        elif kind == "reminder":
            subject = _("Påminnelse: %(title)s") % {"title": text_in(event.title, lang)}
            body = [greeting, _("Påminnelse om träffen du är anmäld till."), facts, manage]
        elif kind == "cancelled_event":
            subject = _("Inställt: %(title)s") % {"title": text_in(event.title, lang)}
            body = [greeting, _("Tyvärr är träffen inställd. Du behöver inte göra något."), facts]
        elif kind == "cancelled_signup":
            subject = _("Avbokad: %(title)s") % {"title": text_in(event.title, lang)}
            body = [greeting, _("Din anmälan är avbokad."), facts]
        else:
            body = [greeting, message, facts, manage]
        body.append(_("Mer om träffen: %(url)s") % {"url": _event_url(event, municipality)})
        body.append(_("Dina uppgifter raderas senast %(date)s.") % {"date": deletion_date(event)})
        return mail.queue(session, signup.email, subject, "\n\n".join(body), ref=ref(event.id),
                          headers={MUNICIPALITY_HEADER: municipality.slug})


def deletion_date(event: DialogueEvent) -> str:
    """The last day the sign-up is kept: the purge deletes it after the retention days (run at least daily)."""
    when = event.ends_at + timedelta(days=get_settings().signup_retention_days + 1)
    return when.astimezone(LOCAL_TZ).strftime("%Y-%m-%d")


