"""`safetynet report` (HTML, PDF and Excel report of a run) and `safetynet compare` (two runs).

``safetynet report RESULTS [--baseline RESULTS] [--lang zh|en] [--out DIR]`` writes
report.html, report.pdf and report.xlsx (default: next to RESULTS).
``safetynet compare A B [--out DIR] [--lang zh|en]`` prints the differences B − A for the
province and each prefecture (whole period) and writes compare.xlsx and compare.csv with every
level (province, prefecture, county) by year.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from safetynet import guard
from safetynet.report import formatting as fm
from safetynet.report.i18n import check_lang, t, unit

#: prefecture measures printed by `compare` (the files hold every measure)
PRINTED_PREFECTURE_MEASURES = ("budget_need", "funding_gap", "dibao_total", "tekun_total")


def register(app: typer.Typer) -> None:
    """Add ``report`` and ``compare`` to the main app."""
    app.command("report")(report)
    app.command("compare")(compare)


def _default_out(results: Path) -> Path:
    return results if results.is_dir() else results.parent


def report(
    results: Annotated[Path, typer.Argument(help="results.nc of a run, or its run folder.")],
    baseline: Annotated[
        Path | None, typer.Option(help="results.nc of the baseline run to compare with.")
    ] = None,
    lang: Annotated[str, typer.Option(help="Language: zh (中文) or en.")] = "zh",
    out: Annotated[
        Path | None, typer.Option(help="Folder for the report (default: next to RESULTS).")
    ] = None,
    year: Annotated[
        int | None,
        typer.Option(help="Budget year of page 1 (default: the year after the last data year)."),
    ] = None,
) -> None:
    """Write report.html, report.pdf and report.xlsx for a run (写出测算报告)."""
    from safetynet.report import load_results, write_report
    from safetynet.report.results import results_file

    check_lang(lang)
    from safetynet.report.budget import check_year
    from safetynet.report.tables import select_scenario

    path = results_file(results)
    target = guard.writable_dir("--out", out or _default_out(results))
    ds = load_results(path)
    if year is not None:
        check_year(select_scenario(ds), year)
    base = load_results(baseline) if baseline is not None else None
    files = write_report(ds, target, lang=lang, baseline=base, source=str(path), year=year)
    for kind, f in files.items():
        typer.echo(f"{kind}: {f}")


def print_totals(console: Console, title: str, totals: pd.DataFrame, lang: str) -> None:
    """Print whole-period totals of A, B and B − A (money in 万元 / 10k yuan)."""
    table = Table(title=title, title_justify="left")
    for name in (t("name", lang), t("metric", lang), t("unit", lang)):
        table.add_column(name)
    bands = "diff_p10" in totals
    for name in ("A", "B", "B−A", "%", *(("B−A P10–P90",) if bands else ())):
        table.add_column(name, justify="right")
    names = totals[f"name_{lang}"].astype(str).to_numpy()
    measures = totals["measure"].astype(str).to_numpy()
    units = totals["unit"].astype(str).to_numpy()
    values = totals[["a", "b", "diff", "diff_pct"]].to_numpy(dtype=float)
    lows = totals["diff_p10"].to_numpy(dtype=float) if bands else np.full(len(totals), np.nan)
    highs = totals["diff_p90"].to_numpy(dtype=float) if bands else np.full(len(totals), np.nan)
    for name, measure, u, (a, b, d, p), lo, hi in zip(
        names, measures, units, values, lows, highs, strict=True
    ):
        money = u == "yuan"
        pct = fm.MISSING if np.isnan(p) else f"{p:+.1f}%"

        def sg(x: float, money: bool = money) -> str:
            return fm.signed(x / fm.WAN, 1) if money else fm.signed(x)

        extra = (f"{sg(lo)} … {sg(hi)}",) if bands else ()
        table.add_row(
            name,
            t(measure, lang),
            unit("10k yuan" if money else u, lang),
            fm.wan(a) if money else fm.number(a),
            fm.wan(b) if money else fm.number(b),
            sg(d),
            pct,
            *extra,
        )
    console.print(table)


def compare(
    a: Annotated[Path, typer.Argument(help="results.nc of run A (e.g. the baseline).")],
    b: Annotated[Path, typer.Argument(help="results.nc of run B (e.g. a reform).")],
    out: Annotated[
        Path | None, typer.Option(help="Folder for compare.xlsx and compare.csv (default: B's).")
    ] = None,
    lang: Annotated[str, typer.Option(help="Language: zh (中文) or en.")] = "zh",
) -> None:
    """Print and write the differences B − A between two runs (两次运行结果比较)."""
    from safetynet.report.compare import compare_files, period_totals, write_comparison

    check_lang(lang)
    target = guard.writable_dir("--out", out or _default_out(b))
    cmp = compare_files(a, b, lang)
    console = Console(width=170)
    console.print(f"A: {cmp.name_a}    B: {cmp.name_b}")
    for w in cmp.warnings:
        typer.echo(w, err=True)
    if cmp.aligned:
        console.print(t("baseline_aligned", lang))
    console.print(t("compare_note", lang))
    province = period_totals(cmp.by_level["province"])
    print_totals(console, t("tab_compare_province", lang), province, lang)
    pref = period_totals(cmp.by_level["prefecture"])
    keep = pref[pref["measure"].isin(PRINTED_PREFECTURE_MEASURES)]
    print_totals(console, t("tab_compare_prefecture", lang), keep, lang)
    files = write_comparison(cmp, target, lang)
    for kind, f in files.items():
        typer.echo(f"{kind}: {f}")
