"""The page check applied to every HTML response in tests: the structure every page must have."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

from app import i18n

CONTROLS = {"input", "select", "textarea"}
UNLABELLED_INPUT_TYPES = {"hidden", "submit", "button", "reset", "image"}


@dataclass
class _Control:
    tag: str
    id: str | None
    named_by_aria: bool
    inside_label: bool


@dataclass
class _Page:
    html_attrs: dict[str, str | None] = field(default_factory=dict)
    title: str = ""
    h1_texts: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    label_fors: set[str] = field(default_factory=set)
    controls: list[_Control] = field(default_factory=list)
    forms_without_action: int = 0
    hrefs: list[str] = field(default_factory=list)
    has_error_summary: bool = False


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = _Page()
        self._in_title = False
        self._h1_depth = 0
        self._label_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.page.ids.append(str(a["id"]))
        if tag == "html":
            self.page.html_attrs = a
        elif tag == "title":
            self._in_title = True
        elif tag == "h1":
            self._h1_depth += 1
            self.page.h1_texts.append("")
        elif tag == "label":
            self._label_depth += 1
            if a.get("for"):
                self.page.label_fors.add(str(a["for"]))
        elif tag == "form" and not a.get("action"):
            self.page.forms_without_action += 1
        elif tag == "a" and a.get("href"):
            self.page.hrefs.append(str(a["href"]))
        if "error-summary" in (a.get("class") or "").split():
            self.page.has_error_summary = True
        if tag in CONTROLS and not (tag == "input" and a.get("type") in UNLABELLED_INPUT_TYPES):
            self.page.controls.append(_Control(tag, a.get("id"), bool(a.get("aria-label") or a.get("aria-labelledby")),
                                               self._label_depth > 0))

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag == "h1":
            self._h1_depth = max(0, self._h1_depth - 1)
        elif tag == "label":
            self._label_depth = max(0, self._label_depth - 1)

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.page.title += data
        if self._h1_depth:
            self.page.h1_texts[-1] += data


def _squash(text: str) -> str:
    return " ".join(text.split())


def page_problems(html: str, *, fragment_ok: bool = False) -> list[str]:
    """Every way the page breaks the house rules; an empty list means it passes."""
    parser = _Parser()
    parser.feed(html)
    page = parser.page
    problems: list[str] = []
    lang = page.html_attrs.get("lang")
    if not lang:
        problems.append("<html> has no lang")
    if page.html_attrs.get("dir") not in {"ltr", "rtl"}:
        problems.append("<html> has no dir")
    elif lang and page.html_attrs.get("dir") != i18n.direction(lang):
        problems.append(f"dir={page.html_attrs.get('dir')} does not fit lang={lang}")
    if len(page.h1_texts) != 1:
        problems.append(f"expected one <h1>, found {len(page.h1_texts)}")
    title = _squash(page.title)
    if not title:
        problems.append("<title> is empty")
    elif page.h1_texts and _squash(page.h1_texts[0]) not in title:
        problems.append(f"<title> {title!r} does not name the page's <h1> {_squash(page.h1_texts[0])!r}")
    if page.has_error_summary and lang:
        prefix = i18n.translations(lang).gettext("Fel") + ":"
        if not title.startswith(prefix):
            problems.append(f"a page with errors must have a title starting {prefix!r}: {title!r}")
    duplicates = sorted({i for i in page.ids if page.ids.count(i) > 1})
    if duplicates:
        problems.append(f"duplicate ids: {duplicates}")
    if "#main" not in page.hrefs or "main" not in page.ids:
        problems.append("no skip link to #main")
    for control in page.controls:
        labelled = control.named_by_aria or control.inside_label or (control.id and control.id in page.label_fors)
        if not labelled:
            problems.append(f"<{control.tag} id={control.id!r}> has no label")
    if page.forms_without_action:
        problems.append(f"{page.forms_without_action} form(s) without an action")
    return problems
