"""Templates, render(), form reading, redirects, flash messages, the current language and CSRF tokens."""

from __future__ import annotations

import ipaddress
import re
import secrets
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from markupsafe import Markup, escape
from sqlmodel import Session
from starlette.datastructures import FormData, UploadFile

from app import clock, i18n, ratelimit
from app.config import ROOT, get_settings
from app.errors import NotFound
from app.models import Role

TEMPLATES_DIR = ROOT / "frontend" / "templates"
LANG_COOKIE = "lang"

env = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(["html", "xml"]),
    undefined=StrictUndefined,
    extensions=["jinja2.ext.i18n"],
    trim_blocks=True,
    lstrip_blocks=True,
)
env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]


def lang_attr(text: object, page_lang: str) -> Markup:
    """` lang="sv"` (and its direction) when a text is not in the page's language, else nothing.

    Texts from the translation helpers know their language (`i18n.InLanguage`); any other stored text was
    written in Swedish, the source language.
    """
    actual = str(getattr(text, "lang", "sv"))
    if not text or i18n.same_language(actual, page_lang):
        return Markup("")
    return Markup(' lang="{}" dir="{}"').format(actual, i18n.direction(actual))


def in_lang(text: object, page_lang: str) -> Markup:
    """The text, wrapped in a span marking its language when that differs from the page's (WCAG 3.1.2)."""
    marker = lang_attr(text, page_lang)
    return Markup("<span{}>{}</span>").format(marker, text) if marker else escape(str(text))


def pick_marked(texts: dict[str, str] | None, page_lang: str) -> Markup:
    """A translated text for the page, marked `lang="sv"` where it falls back to the Swedish source."""
    return in_lang(i18n.pick(texts, page_lang), page_lang)


@pass_context
def url(context: Any, name: str, /, **params: object) -> str:
    """The path of the route named `name` (`url("pledge_page", slug=m.slug, pledge_id=p.id)`): templates link by
    route name, never by a hand-written path, so a moved route cannot leave a dead link behind."""
    request: Request = context["request"]
    return str(request.app.url_path_for(name, **{key: str(value) for key, value in params.items()}))


env.globals.update(lang_attr=lang_attr, in_lang=in_lang, pick=i18n.pick, pick_marked=pick_marked, url=url)


def request_language(request: Request) -> str:
    """?lang= wins, then the cookie set by the language switcher, then the default."""
    for candidate in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if candidate in i18n.LANGUAGES:
            return str(candidate)
    return get_settings().default_language


def use_request_language(request: Request) -> str:
    code = request_language(request)
    i18n.set_language(code)
    return code


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


def add_cookie(response: Response, name: str, value: str, *, max_age: int, path: str = "/",
               secure: bool = False) -> None:
    """Sets an HttpOnly, SameSite=Lax cookie. For hot paths: Starlette's set_cookie goes through
    http.cookies.SimpleCookie, which costs more than the rest of a small response. `value` must be
    cookie-safe already (tokens, signed ids); max_age 0 deletes the cookie."""
    header = f"{name}={value}; HttpOnly; Max-Age={max_age}; Path={path}; SameSite=lax"
    response.headers.append("set-cookie", header + "; Secure" if secure else header)


def flash(request: Request, message: str, kind: str = "success") -> None:
    # Assigned, not appended in place: the session saves only what is set, so an appended second message was lost.
    request.session["flash"] = [*request.session.get("flash", []), {"kind": kind, "message": message}]


def pop_flashes(request: Request) -> list[dict[str, str]]:
    return list(request.session.pop("flash", []))


def safe_next(target: str | None, default: str = "/") -> str:
    """Only local paths: an open redirect would let anyone borrow our domain for phishing."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def here(request: Request) -> str:
    """Where the language switcher leads back to: this page with its query (a letter code, a filter) less ?lang=.

    After a form post, the page the form was on (the Referer, when it is this site), as the post's own URL may
    answer no GET; without one, the start page."""
    if request.method in ("GET", "HEAD"):
        path, query = request.scope["path"], request.scope.get("query_string", b"").decode("latin-1")
    else:
        referer = urlsplit(request.headers.get("referer", ""))
        if referer.netloc != request.headers.get("host"):
            return "/"
        path, query = referer.path, referer.query
    kept = urlencode([(key, value) for key, value in parse_qsl(query, keep_blank_values=True) if key != "lang"])
    return safe_next(f"{path}?{kept}" if kept else path)


def redirect(url: str) -> RedirectResponse:
    """Post/Redirect/Get: always 303 so a refresh never posts again."""
    return RedirectResponse(url, status_code=303)


def redirect_to(request: Request, name: str, /, **params: object) -> RedirectResponse:
    """`redirect` to the route named `name`, as templates link with `url()`."""
    return redirect(str(request.app.url_path_for(name, **{key: str(value) for key, value in params.items()})))


# C0 controls but tab and newline, DEL, C1 controls, bidi embeddings/overrides/isolates (they reorder what staff read:
# "Trojan source") and the two noncharacters XML refuses. Zero-width joiners and LRM/RLM marks stay: scripts need them.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff]")


def clean_text(value: str) -> str:
    """Text as typed, without control characters; line breaks become one newline (a textarea's lines stay)."""
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", value)


def single_line(value: str) -> str:
    """Text for a one-line field (a name, an address, a mail subject): tabs and line breaks become spaces."""
    return " ".join(clean_text(value).replace("\t", " ").split("\n")).strip()


async def read_form(request: Request) -> FormData:
    """Dependency: the submitted form, parsed once and cached on the request (CSRF reads it too), every text value
    cleaned once, here (`clean_text`): no control characters reach the database, a feed, a spreadsheet or a mail.
    (NUL, for one, PostgreSQL refuses to store: a 500 otherwise.)"""
    form = await request.form(max_files=10, max_fields=2000)
    items = form.multi_items()
    for _key, value in items:  # a file's name is text the client typed too (shown to staff, stored)
        if isinstance(value, UploadFile) and value.filename:
            value.filename = single_line(value.filename)
    if not any(_CONTROL.search(key) or (isinstance(value, str) and (_CONTROL.search(value) or "\r" in value))
               for key, value in items):
        return form
    return FormData([(clean_text(key), clean_text(value) if isinstance(value, str) else value)
                     for key, value in items])


# Ids the database can hold (BIGINT): 18 digits at most; 2**63 or 10**20 made SQLite and PostgreSQL raise (a 500).
_PATH_ID = re.compile(r"[0-9]{1,18}")
_QUERY_INT = re.compile(r"\s*[+-]?0*([0-9]+)\s*")  # as an int query parameter is parsed; group 1: its digits
_INT_PARAMS_ATTR = "_trygg_int_params"  # kept on the route object itself: ids of dead routes get reused
_INT_TYPES = (int, int | None)


def _int_params(route: Any) -> tuple[frozenset[str], frozenset[str]]:
    """The path and the query parameters a route (or any of its dependencies) reads as int, found once per route."""
    names: tuple[frozenset[str], frozenset[str]] | None = getattr(route, _INT_PARAMS_ATTR, None)
    if names is None:
        path: set[str] = set()
        query: set[str] = set()
        pending = [getattr(route, "dependant", None)]
        while pending:
            dependant = pending.pop()
            if dependant is None:
                continue
            path.update(p.name for p in dependant.path_params if p.field_info.annotation is int)
            query.update(p.alias for p in dependant.query_params if p.field_info.annotation in _INT_TYPES)
            pending.extend(dependant.dependencies)
        names = frozenset(path), frozenset(query)
        if route is not None:
            setattr(route, _INT_PARAMS_ATTR, names)
    return names


async def path_ids_in_range(request: Request) -> None:
    """App-wide dependency: an int path parameter (every id, a page number) that is not 0..10**18, or an int query
    parameter (an id in the API's query string) with more than 18 digits, is a page that does not exist (404), for
    every route, before any route or query runs."""
    path, query = _int_params(request.scope.get("route"))
    for name in path:
        value = request.path_params.get(name)
        if isinstance(value, str) and not _PATH_ID.fullmatch(value):
            raise NotFound
    for name in query:
        for value in request.query_params.getlist(name):
            digits = _QUERY_INT.fullmatch(value)
            if digits and len(digits.group(1)) > 18:
                raise NotFound


def form_str(form: FormData, name: str, max_length: int = 10_000) -> str:
    value = form.get(name)
    return value.strip()[:max_length] if isinstance(value, str) else ""


def form_line(form: FormData, name: str, max_length: int = 300) -> str:
    """A one-line field: as form_str, with tabs and line breaks turned into spaces."""
    return single_line(form_str(form, name, max_length))


def client_address(request: Request) -> str:
    """The client as every rate limit counts it: its IPv4 address, or its IPv6 address's /64 network (one subscriber
    holds a whole /64: counted per address, one client could take a fresh address for every request)."""
    host = request.client.host if request.client else "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return host


def client_over_limit(request: Request, session: Session, purpose: str, limit: int) -> bool:
    """Counts one request of `purpose` from this client address (hashed, app/ratelimit.py) and says whether it is
    over `limit` per hour (0 = no limit). Committed at once: a refused request still counts."""
    if not limit:
        return False
    now = clock.now()
    client = client_address(request)
    over = ratelimit.hit(session.connection(), ratelimit.client_key(purpose, client, now), now=now) > limit
    session.commit()
    return over


def too_many_requests_text() -> str:
    return i18n.gettext("Du har skickat många förfrågningar på kort tid. Vänta en timme och försök igen. Det du "
                        "skrev finns kvar i formuläret, men det är inte sparat.")


def mail_limit_text() -> str:
    return i18n.gettext("Vi skickar högst ett bekräftelsemejl i timmen till samma adress. Har du inte fått "
                        "något mejl, försök igen om en timme.")


def role_labels() -> dict[str, str]:
    _ = i18n.gettext
    return {Role.admin.value: _("Administratör"), Role.coordinator.value: _("Samordnare"),
            Role.police.value: _("Polis"), Role.partner.value: _("Samverkanspart"), Role.viewer.value: _("Läsare")}


def render(request: Request, template: str, context: dict[str, Any] | None = None, *,
           status_code: int = 200, language: str | None = None,
           languages: list[str] | None = None) -> HTMLResponse:
    code = language or use_request_language(request)
    offered = languages or list(i18n.INTERFACE_LANGUAGES)
    if template.startswith("staff/"):  # no staff catalog in this language: Swedish, and say so (WCAG 3.1.1)
        offered = [c for c in offered if c in i18n.STAFF_LANGUAGES]
        code = code if code in i18n.STAFF_LANGUAGES else "sv"
    i18n.set_language(code)
    current_user = getattr(request.state, "user", None)
    base: dict[str, Any] = {
        "request": request,
        "lang": code,
        "dir": i18n.direction(code),
        "languages": [i18n.LANGUAGES[c] for c in offered if c in i18n.LANGUAGES],
        "current_path": here(request),
        "csrf_token": csrf_token(request) if "session" in request.scope else "",
        "current_user": current_user,
        "flashes": pop_flashes(request) if "session" in request.scope else [],
        "settings": get_settings(),
        "errors": {},
        "role_names": role_labels(),
        "role_options": list(role_labels().items()),
    }
    base.update(context or {})
    html = env.get_template(template).render(base)
    return HTMLResponse(html, status_code=status_code)
