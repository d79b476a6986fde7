"""Server-drawn SVG charts for public pages: no script, a few kilobytes, and each one sits beside a table with the
same figures (the table is what screen readers and printouts read). Pure: published rows in, markup out.

Only published figures are drawn: a hidden cell gets the caller's "too few answers" text, never a bar.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 360
ROW = 46  # height of one labelled bar
BAR = 14
BAR_COLOUR = "#1d5fa7"  # 6.6:1 on white: the bar stands out as a graphic object (WCAG 1.4.11)
INTERVAL_COLOUR = "#1a1a1a"
TEXT_COLOUR = "#1a1a1a"


@dataclass(frozen=True)
class Bar:
    """One row: a share 0–1 with its interval, or None when the figure is not published."""

    label: str
    share: float | None
    low: float | None
    high: float | None
    value_text: str  # the share as the page writes it ("62 %"), or the "too few answers" text


def _x(fraction: float, rtl: bool, plot: float) -> float:
    """x of a fraction of the plot width; right to left, bars grow from the right edge."""
    x = max(0.0, min(1.0, fraction)) * plot
    return round(WIDTH - x if rtl else x, 1)


def bar_chart(bars: Sequence[Bar], *, label: str, rtl: bool = False) -> Markup:
    """Horizontal bars with their 95 % intervals, one labelled row each, scaled 0–100 %. `label` names the chart
    for assistive technology (the table beside it carries the figures)."""
    plot = WIDTH - 56  # room for the value after the longest bar
    height = ROW * len(bars) + 8
    anchor, start = ("end", WIDTH) if rtl else ("start", 0)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {height}" '
             f'width="100%" role="img" aria-label="{escape(label)}" focusable="false">']
    for i, bar in enumerate(bars):
        top = i * ROW
        parts.append(f'<text x="{start}" y="{top + 14}" text-anchor="{anchor}" font-size="13" '
                     f'fill="{TEXT_COLOUR}">{escape(bar.label)}</text>')
        y = top + 20
        if bar.share is None:
            parts.append(f'<text x="{start}" y="{y + 12}" text-anchor="{anchor}" font-size="12" '
                         f'fill="{TEXT_COLOUR}" font-style="italic">{escape(bar.value_text)}</text>')
            continue
        x0, x1 = _x(0, rtl, plot), _x(bar.share, rtl, plot)
        parts.append(f'<rect x="{min(x0, x1)}" y="{y}" width="{abs(x1 - x0)}" height="{BAR}" '
                     f'fill="{BAR_COLOUR}"/>')
        if bar.low is not None and bar.high is not None:
            lo, hi, mid = _x(bar.low, rtl, plot), _x(bar.high, rtl, plot), y + BAR / 2
            parts.append(f'<path d="M{lo} {mid}H{hi}M{lo} {mid - 5}V{mid + 5}M{hi} {mid - 5}V{mid + 5}" '
                         f'stroke="{INTERVAL_COLOUR}" stroke-width="1.5" fill="none"/>')
        edge = _x(max(bar.share, bar.high or 0.0), rtl, plot)  # the value goes past the interval's end
        text_x = edge - 6 if rtl else edge + 6
        parts.append(f'<text x="{round(text_x, 1)}" y="{y + 12}" text-anchor="{anchor}" font-size="12" '
                     f'fill="{TEXT_COLOUR}">{escape(bar.value_text)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text and attribute above is escaped)
