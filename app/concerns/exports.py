"""The dashboard's tables as CSV and XLSX downloads, with the method notes that go with them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app import spreadsheets
from app.concerns import report
from app.concerns.dashboard import Dashboard
from app.concerns.queries import (
    time_labels,
)
from app.i18n import gettext as _


def export_tables(board: Dashboard) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """Every dashboard table as (header, rows), with suppressed cells as the text "too few answers"."""
    few = _("för få svar")

    def show(cell: report.Cell, attr: str) -> Any:
        if cell.hidden:
            return few
        value = getattr(cell, attr)
        return "" if value is None else (round(100 * value, 1) if attr in ("share", "low", "high") else value)

    tables: dict[str, tuple[list[str], list[list[Any]]]] = {}
    tables["concerns"] = ([_("Rang"), _("Problem"), _("Andel stort problem (%)"), _("Lägre gräns (%)"),
                           _("Övre gräns (%)"), _("Antal svar"), _("Medelvärde 0–3"), _("Förändring (procentenheter)"),
                           _("Signifikant")],
                          [[r.rank or "", r.label, show(r.cell, "share"), show(r.cell, "low"), show(r.cell, "high"),
                            show(r.cell, "n"), "" if r.mean is None else round(r.mean, 2),
                            "" if r.change is None else round(100 * r.change.difference, 1),
                            "" if r.change is None else (_("ja") if r.change.significant else _("nej"))]
                           for r in board.concerns])
    if board.unsafe is not None:
        tables["unsafe"] = ([_("Område"), _("Andel otrygga (%)"), _("Lägre gräns (%)"), _("Övre gräns (%)"),
                             _("Antal svar")],
                            [[_("Alla"), show(board.unsafe, "share"), show(board.unsafe, "low"),
                              show(board.unsafe, "high"), show(board.unsafe, "n")]] +
                            [[r.label, show(r.cell, "share"), show(r.cell, "low"), show(r.cell, "high"),
                              show(r.cell, "n")] for r in board.unsafe_rows])
    for b in board.breakdowns:
        header = [_("Problem")] + [f"{g} (%)" for g in b.group_labels] + [f"{g} (n)" for g in b.group_labels]
        tables[f"breakdown_{b.kind}"] = (header, [[row.label] + [show(c, "share") for c in row.cells] +
                                                  [show(c, "n") for c in row.cells] for row in b.rows])
    tables["trend"] = ([_("Problem")] + [_("Omgång %(wave)s (%%)") % {"wave": w} for w in board.trend_waves],
                       [[row.label] + [show(c, "share") for c in row.cells] for row in board.trend])
    rt = board.responses
    tables["responses"] = ([_("Område"), *rt.channel_labels, _("Totalt"), _("Invånare"), _("Svar per 1 000 invånare")],
                           [[rt.area_labels[i], *[few if v is None else v for v in rt.cells[i]],
                             few if rt.area_totals[i] is None else rt.area_totals[i],
                             "" if rt.populations[i] is None else rt.populations[i],
                             "" if rt.rates[i] is None else rt.rates[i]] for i in range(len(rt.areas))])
    tables["themes"] = ([_("Tema"), _("Antal svar"), _("Exempel (maskerade)")],
                        [[t.label, few if t.count is None else t.count, " | ".join(t.quotes)] for t in board.themes])
    tl = time_labels()
    tables["hotspots"] = ([_("Plats"), _("Antal svar"), *[tl[t] for t in (*board.hotspots.times, "")],
                           _("Observationer från trygghetsvandringar")],
                          [[p.label, p.count, *[few if v is None else v for v in p.by_time], p.observations]
                           for p in board.hotspots.rows])
    tables["crime"] = ([_("Område"), _("Brottskategori"), _("Period"), _("Anmälda brott")],
                       [[c.area, c.category, c.period, c.count] for c in board.crime])
    return tables


def csv_bytes(header: list[str], rows: list[list[Any]]) -> bytes:
    return spreadsheets.csv_bytes(header, rows, delimiter=";")



def xlsx_bytes(tables: Mapping[str, tuple[list[str], list[list[Any]]]], method: list[str]) -> bytes:
    sheets: dict[str, tuple[list[str] | None, list[list[Any]]]] = {_("Metod"): (None, [[line] for line in method])}
    sheets.update(tables)
    return spreadsheets.xlsx_bytes(sheets)


def method_lines(limit: int) -> list[str]:
    return [
        _("Andel stort problem: andelen som svarat mycket eller ganska stort problem, bland dem som tagit "
          "ställning (vet ej räknas inte)."),
        _("Osäkerhet: 95 % konfidensintervall enligt Wilson."),
        _("Medelvärde: mycket stort problem = 3, ganska stort = 2, ganska litet = 1, inget problem = 0."),
        _("Rangordning: problemen ordnas efter andel stort problem för alla valda områden sammanslaget (varje svar "
          "väger lika); lika andel avgörs av medelvärdet. Problem med för få svar rangordnas inte."),
        _("Förändring: skillnad mot förra mätomgången i samma serie; signifikant betyder att ett tvåsidigt "
          "z-test för två andelar ger p < 0,05."),
        _("Otrygghet: andelen som känner sig mycket eller ganska otrygg ute ensam sent en kväll, eller inte går ut "
          "av otrygghet; de som inte går ut av andra skäl räknas inte."),
        _("Små grupper: en siffra som bygger på färre än %(n)s svar visas inte (för få svar). Detsamma gäller en "
          "grupp med färre än 10 svar där alla svarat likadant (0 %% eller 100 %% stort problem). En grupp utan "
          "svar visas som 0, eftersom den inte säger något om någon person.") % {"n": limit},
        _("Dolda siffror i alla nivåer: ytterligare siffror döljs, samma i alla tabeller, exporter och i API:t, "
          "för hela kommunen, varje område, delområde, svar utan område och uppdelningen på kön och ålder, så att "
          "en dold siffra inte kan räknas fram genom att lägga ihop eller dra ifrån publicerade siffror."),
        _("Kontroll: innan en mätomgångs siffror publiceras räknas för varje dold siffra det minsta och största "
          "värde ut som stämmer med allt som publiceras (linjärprogrammering). Skillnaden måste vara minst "
          "%(n)s, annars publiceras ingenting.") % {"n": limit},
        _("Öppna mätomgångar: inga resultat publiceras medan en mätomgång pågår. Personalen ser antalet svar och "
          "en ögonblicksbild som uppdateras högst en gång per dygn. Resultaten blir offentliga när mätomgången "
          "stängs."),
        _("Teman och platser: citat visas bara för teman med minst %(n)s svar och är maskerade (namn, "
          "telefonnummer, e-post, personnummer); platser med färre än %(n)s svar räknas bara samman.")
        % {"n": limit},
        _("Enskilda svar (svarslistan och råexporter) kan bara administratörer och samordnare se."),
    ]
