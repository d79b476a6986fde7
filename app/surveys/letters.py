"""Letter codes on paper: the address each code's QR code opens, and a batch as a printable PDF (A4, one letter per
page or eight cut-out slips per page) or CSV. No database; reads only the font files.

Fonts: DejaVu Sans (Debian's fonts-dejavu-core) covers Swedish, Arabic and Persian; right-to-left titles are shaped
with HarfBuzz (uharfbuzz). A text the font cannot show (Tigrinya, say), or a right-to-left text without HarfBuzz,
is left out rather than printed as empty boxes; without the font at all only Latin-1 texts are printed.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode

import segno
from fpdf import FPDF

from app import i18n, spreadsheets
from app.surveys.codes import format_code

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT = "DejaVu"
SLIP_COLUMNS, SLIP_ROWS = 2, 4  # eight slips of 105 x 74 mm on A4


@dataclass(frozen=True)
class LetterText:
    """What every letter of a batch says, apart from its code."""

    municipality: str
    titles: Sequence[tuple[str, str]]  # (language, survey title), Swedish first
    public_url: str  # the short public address, /s/<slug>
    instructions: Sequence[tuple[str, str]]  # (language, how to answer), in the survey's languages that have them


def code_url(public_url: str, code: str) -> str:
    """The address a letter's QR code opens: the survey's start page with the code filled in (never submitted)."""
    return f"{public_url}?{urlencode({'code': code})}"


def instructions(languages: Sequence[str], public_url: str) -> list[tuple[str, str]]:
    """The how-to-answer line in each language that has a translation of it (Swedish always)."""
    lines: list[tuple[str, str]] = []
    for lang in dict.fromkeys(["sv", *languages]):
        if lang != "sv" and lang not in i18n.INTERFACE_LANGUAGES:
            continue
        text = i18n.translations(lang).gettext(
            "Skanna QR-koden eller gå till %(url)s och skriv in koden. Koden fungerar en gång. "
            "Dina svar är anonyma: koden sparas aldrig med svaren.")
        lines.append((lang, text % {"url": public_url}))
    return lines


def codes_csv(codes: Sequence[str], public_url: str) -> bytes:
    """One code per row, as printed, with the address to type it at and the address its QR code opens."""
    return spreadsheets.csv_bytes(["code", "url", "qr_url"],
                                  ([format_code(code), public_url, code_url(public_url, code)] for code in codes),
                                  bom=False)


# --- PDF -------------------------------------------------------------------------------------------------------


def _font_files() -> tuple[Path, Path] | None:
    regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
    return (regular, bold) if regular.is_file() and bold.is_file() else None


@lru_cache(maxsize=1)
def _font_chars() -> frozenset[int]:
    files = _font_files()
    if files is None:
        return frozenset(range(256))  # the PDF core fonts: Latin-1
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    with TTFont(str(files[0]), lazy=True) as font:
        return frozenset(font.getBestCmap())


def can_shape() -> bool:
    return _font_files() is not None and importlib.util.find_spec("uharfbuzz") is not None


def printable(text: str, lang: str) -> bool:
    """Whether the PDF can show this text properly (every character in the font; right-to-left needs shaping)."""
    if i18n.direction(lang) == "rtl" and not can_shape():
        return False
    chars = _font_chars()
    return all(ord(c) in chars for c in text if not c.isspace())


def _new_pdf() -> tuple[_Pdf, str]:
    pdf = _Pdf()
    pdf.set_auto_page_break(False)
    pdf.set_creator("Trygghetsdialog")
    files = _font_files()
    if files is None:
        return pdf, "helvetica"
    pdf.add_font(FONT, "", str(files[0]))
    pdf.add_font(FONT, "B", str(files[1]))
    return pdf, FONT


class _Pdf(FPDF):
    """FPDF with the wrapped lines of the batch's repeated texts remembered (per document: thread-safe)."""

    def __init__(self) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.wrapped: dict[tuple[object, ...], list[str]] = {}


def _line(pdf: _Pdf, text: str, lang: str, *, x: float, width: float, height: float, align: str = "") -> None:
    """A wrapped paragraph. Wrapping is worked out once per text and size (it dominates the time of a large
    batch otherwise); shaping is on only for right-to-left text, which needs it."""
    rtl = i18n.direction(lang) == "rtl"
    shaping = rtl and can_shape()
    if bool(pdf.text_shaping) != shaping:
        pdf.set_text_shaping(shaping)
    key = (text, pdf.font_family, pdf.font_style, pdf.font_size_pt, width)
    lines = pdf.wrapped.get(key)
    if lines is None:
        wrapped = pdf.multi_cell(width, height, text, dry_run=True, output="LINES")
        lines = pdf.wrapped[key] = wrapped if isinstance(wrapped, list) else [text]
    for line in lines:
        pdf.set_xy(x, pdf.get_y())
        pdf.cell(width, height, line, align=align or ("R" if rtl else "L"), new_x="LMARGIN", new_y="NEXT")


def qr_matrix(url: str) -> tuple[tuple[int, ...], ...]:
    """The QR code's modules (1 = dark). A fixed mask: segno's search for the best of eight costs 15 ms a code
    (a minute for a batch of 5,000), and every mask is valid for scanners."""
    return tuple(tuple(row) for row in segno.make(url, error="m", mask=0).matrix)


def _qr(pdf: _Pdf, url: str, x: float, y: float, size: float) -> None:
    """The QR code as filled rectangles, one per run of dark modules in a row: sharp at any print size, and no
    image per letter. Written as raw path operators (fpdf2's rect() per run costs more than the whole page)."""
    matrix = qr_matrix(url)
    border = 2
    module = size / (len(matrix) + 2 * border)
    k, page_h = pdf.k, pdf.h
    ops = ["q 0 g"]
    for row, line in enumerate(matrix):
        column = 0
        while column < len(line):
            if not line[column]:
                column += 1
                continue
            start = column
            while column < len(line) and line[column]:
                column += 1
            left, top = x + (start + border) * module, y + (row + border) * module
            ops.append(f"{left * k:.2f} {(page_h - top) * k:.2f} {(column - start) * module * k:.2f} "
                       f"{-module * k:.2f} re")
    ops.append("f Q")
    pdf._out("\n".join(ops))


def _letter(pdf: _Pdf, font: str, text: LetterText, code: str) -> None:
    pdf.add_page()
    left, width = 20.0, 170.0
    pdf.set_y(20)
    pdf.set_font(font, "B", 13)
    _line(pdf, text.municipality, "sv", x=left, width=width, height=6)
    pdf.set_y(pdf.get_y() + 6)
    for index, (lang, title) in enumerate(text.titles):
        pdf.set_font(font, "B", 18 if index == 0 else 14)
        _line(pdf, title, lang, x=left, width=width, height=8 if index == 0 else 7)
        pdf.set_y(pdf.get_y() + 1)
    pdf.set_y(pdf.get_y() + 6)
    pdf.set_font(font, "", 11)
    for lang, line in text.instructions:
        _line(pdf, line, lang, x=left, width=width, height=5.5)
        pdf.set_y(pdf.get_y() + 3)
    top = max(pdf.get_y() + 8, 130.0)
    _qr(pdf, code_url(text.public_url, code), 105 - 30, top, 60)
    pdf.set_y(top + 64)
    pdf.set_font(font, "B", 34)
    _line(pdf, format_code(code), "sv", x=left, width=width, height=14, align="C")
    pdf.set_font(font, "", 13)
    _line(pdf, text.public_url, "sv", x=left, width=width, height=7, align="C")


def _slip(pdf: _Pdf, font: str, text: LetterText, code: str, slot: int) -> None:
    slip_w, slip_h = 210 / SLIP_COLUMNS, 297 / SLIP_ROWS
    x0, y0 = (slot % SLIP_COLUMNS) * slip_w, (slot // SLIP_COLUMNS) * slip_h
    pad, qr_size = 6.0, 34.0
    text_w = slip_w - 2 * pad - qr_size - 3
    pdf.set_y(y0 + pad)
    pdf.set_font(font, "", 8)
    _line(pdf, text.municipality, "sv", x=x0 + pad, width=text_w, height=4)
    pdf.set_y(pdf.get_y() + 1)
    pdf.set_font(font, "B", 9)
    for lang, title in text.titles[:4]:
        _line(pdf, title, lang, x=x0 + pad, width=text_w, height=4.2)
    _qr(pdf, code_url(text.public_url, code), x0 + slip_w - pad - qr_size, y0 + pad, qr_size)
    pdf.set_y(y0 + slip_h - pad - 16)
    pdf.set_font(font, "", 9)
    _line(pdf, text.public_url, "sv", x=x0 + pad, width=slip_w - 2 * pad, height=5)
    pdf.set_font(font, "B", 22)
    _line(pdf, format_code(code), "sv", x=x0 + pad, width=slip_w - 2 * pad, height=10)


def _cut_lines(pdf: FPDF) -> None:
    pdf.set_draw_color(150, 150, 150)
    pdf.set_line_width(0.2)
    pdf.set_dash_pattern(dash=2, gap=2)
    for column in range(1, SLIP_COLUMNS):
        pdf.line(column * 210 / SLIP_COLUMNS, 0, column * 210 / SLIP_COLUMNS, 297)
    for row in range(1, SLIP_ROWS):
        pdf.line(0, row * 297 / SLIP_ROWS, 210, row * 297 / SLIP_ROWS)
    pdf.set_dash_pattern()


def codes_pdf(text: LetterText, codes: Sequence[str], layout: str = "letter") -> bytes:
    """The batch as an A4 PDF: `letter` = one letter per page, `slips` = eight cut-out slips per page."""
    pdf, font = _new_pdf()
    keep = LetterText(
        municipality=text.municipality if printable(text.municipality, "sv") else "",
        titles=[(lang, title) for lang, title in text.titles if title and printable(title, lang)],
        public_url=text.public_url,
        instructions=[(lang, line) for lang, line in text.instructions if printable(line, lang)])
    per_page = SLIP_COLUMNS * SLIP_ROWS
    for index, code in enumerate(codes):
        if layout == "slips":
            if index % per_page == 0:
                pdf.add_page()
                _cut_lines(pdf)
            _slip(pdf, font, keep, code, index % per_page)
        else:
            _letter(pdf, font, keep, code)
    return bytes(pdf.output())
