"""The lägesbild and åtgärdsplan as PDF: A4, the product's font (DejaVu Sans, as the letters), right-to-left text
shaped, from the document's content (the frozen snapshot once adopted): content in, bytes out."""

from __future__ import annotations

from typing import Any

from fpdf import FPDF

from app.cycles.documents import section_titles
from app.i18n import gettext as _
from app.surveys.letters import FONT_DIR, can_shape

FONT = "DejaVu"


def _has_rtl(text: str) -> bool:
    return any("\u0590" <= c <= "\u08ff" for c in text)


class _Doc(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_text = footer_text

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.font_family, "", 8)
        self.cell(0, 5, f"{self.footer_text} · {self.page_no()}", align="C")


def _new(footer: str) -> _Doc:
    pdf = _Doc(footer)
    pdf.set_creator("Trygghetsdialog")
    pdf.set_auto_page_break(True, margin=18)
    regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
    if regular.is_file() and bold.is_file():
        pdf.add_font(FONT, "", str(regular))
        pdf.add_font(FONT, "B", str(bold))
        pdf.set_font(FONT, "", 10)
    else:  # a minimal image without the font: Latin-1 only
        pdf.set_font("helvetica", "", 10)
    pdf.add_page()
    return pdf


def _text(pdf: _Doc, text: str, size: float = 10, bold: bool = False, gap: float = 1.5) -> None:
    pdf.set_font(pdf.font_family, "B" if bold else "", size)
    shaping = _has_rtl(text) and can_shape()
    if bool(pdf.text_shaping) != shaping:
        pdf.set_text_shaping(shaping)
    pdf.multi_cell(0, size * 0.5, text, align="R" if shaping else "L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(gap)


def _table(pdf: _Doc, header: list[str], rows: list[list[str]], widths: list[float]) -> None:
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=5, first_row_as_headings=True) as table:
        for cells in [header, *rows]:
            row = table.row()
            for cell in cells:
                row.cell(cell)
    pdf.ln(3)


def render(doc: dict[str, Any], adopted: str) -> bytes:
    """`adopted` is the line under the title (adopted when and by whom, or that it is a draft)."""
    pdf = _new(f"{doc['municipality']} · {doc['title']}")
    _text(pdf, doc["title"], 16, bold=True)
    _text(pdf, f"{doc['municipality']} · {adopted}", 9, gap=4)
    titles = section_titles()
    sections = doc.get("sections", {})
    if sections.get("summary"):
        _text(pdf, titles["summary"], 12, bold=True)
        _text(pdf, sections["summary"], gap=3)
    if doc["kind"] == "lagesbild":
        survey = doc.get("survey")
        _text(pdf, _("Trygghetsundersökning"), 12, bold=True)
        if survey is None:
            _text(pdf, _("Ingen enkätomgång vald."))
        else:
            responses = _("färre än %(n)s") % {"n": survey["min_n"]} if survey["responses"] is None \
                else str(survey["responses"])
            _text(pdf, f"{survey['title']} · {_('Svarande')}: {responses}")
            _table(pdf, [_("Problem"), _("Andel stort problem"), _("Osäkerhet (95 %)"), _("Antal svar")],
                   [[c["label"], _("för få svar") if c["hidden"] or c["share"] is None else f"{c['share']} %",
                     "" if c["low"] is None else f"{c['low']}–{c['high']} %", "" if c["hidden"] else str(c["n"])]
                    for c in survey["concerns"]], [70, 40, 40, 30])
            for line in survey["method"]:
                _text(pdf, f"• {line}", 8, gap=0.5)
            pdf.ln(2)
        _text(pdf, _("Anmälda brott"), 12, bold=True)
        if doc["crime"]:
            _table(pdf, [_("Område"), _("Brottstyp"), _("Period"), _("Antal")],
                   [[r["area"], r["category"], r["period"], str(r["count"])] for r in doc["crime"]], [50, 60, 40, 30])
        else:
            _text(pdf, _("Ingen brottsstatistik inläst."))
        _text(pdf, _("Medborgardialoger och trygghetsvandringar"), 12, bold=True)
        for event in doc["dialogues"] or [{"date": "", "title": _("Inga hölls under perioden."), "kind": ""}]:
            _text(pdf, f"{event['date']} {event['title']}".strip(), gap=0.5)
        if doc["walks"]:
            _text(pdf, _("Iakttagelser från trygghetsvandringar: %(list)s") % {"list": ", ".join(
                f"{w['category']} {w['count']}" for w in doc["walks"])})
        _text(pdf, _("Rapporter från samverkansparter"), 12, bold=True)
        _text(pdf, _("Incidentrapporter från parterna finns inte i systemet än."))
        for key in ("analysis", "conclusions"):
            if sections.get(key):
                _text(pdf, titles[key], 12, bold=True)
                _text(pdf, sections[key], gap=3)
    else:
        _text(pdf, _("Åtgärder"), 12, bold=True)
        _table(pdf, [_("Åtgärd"), _("Ansvarig"), _("Tid"), _("Uppföljning")],
               [[m.get("measure", ""), m.get("party", ""), m.get("when", ""), m.get("indicator", "")]
                for m in doc["measures"]], [75, 35, 35, 35])
        if sections.get("follow_up"):
            _text(pdf, titles["follow_up"], 12, bold=True)
            _text(pdf, sections["follow_up"])
    return bytes(pdf.output())
