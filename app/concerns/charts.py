"""Plotly figures of the dashboard, as JSON for concerns.js. Pure: published (suppressed) rows in, JSON out.

Only published figures go into a chart: hidden cells are left out, never drawn. Every chart has a table with
the same numbers on the page, so the chart is an addition, not the only way to read them.
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from app.concerns import report

LAYOUT = {"template": "none", "margin": {"l": 10, "r": 10, "t": 10, "b": 40}, "font": {"size": 13},
          "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)"}


def ranking_figure(rows: Sequence[report.ConcernRow], title: str) -> str:
    shown = [r for r in rows if not r.cell.hidden and r.cell.share is not None][::-1]
    shares = [100 * (r.cell.share or 0) for r in shown]
    fig = go.Figure(go.Bar(
        x=shares, y=[r.label for r in shown], orientation="h", marker={"color": "#1f5f99"},
        error_x={"type": "data", "symmetric": False,
                 "array": [100 * (r.cell.high or 0) - s for r, s in zip(shown, shares, strict=True)],
                 "arrayminus": [s - 100 * (r.cell.low or 0) for r, s in zip(shown, shares, strict=True)],
                 "color": "#222"},
        hovertemplate="%{y}: %{x:.0f} %<extra></extra>"))
    fig.update_layout(**LAYOUT, height=max(240, 34 * len(shown) + 60), xaxis={"range": [0, 100], "ticksuffix": " %"},
                      yaxis={"automargin": True}, title={"text": title, "font": {"size": 1}})
    return str(fig.to_json())


def trend_figure(rows: Sequence[report.TrendRow], waves: Sequence[int], top: int = 5) -> str:
    fig = go.Figure()
    latest = sorted(rows, key=lambda r: -((r.cells[-1].share or 0) if r.cells else 0))
    for row in latest[:top]:
        fig.add_trace(go.Scatter(x=[str(w) for w in waves],
                                 y=[None if c.hidden or c.share is None else round(100 * c.share, 1)
                                    for c in row.cells],
                                 mode="lines+markers", name=row.label))
    fig.update_layout(**LAYOUT, height=320, yaxis={"range": [0, 100], "ticksuffix": " %"},
                      xaxis={"type": "category"}, legend={"orientation": "h", "y": -0.25})
    return str(fig.to_json())


def responses_figure(table: report.ResponsesTable) -> str:
    shown = [(label, v) for label, v in zip(table.channel_labels, table.channel_totals, strict=True) if v is not None]
    fig = go.Figure(go.Bar(x=[label for label, _ in shown], y=[v for _, v in shown], marker={"color": "#2e7d32"}))
    fig.update_layout(**LAYOUT, height=280)
    return str(fig.to_json())
