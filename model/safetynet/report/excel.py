"""Excel workbook for finance staff: one sheet per table, raw numbers with units in the headers.

Rows are areas (and years), columns are programmes or groups; money in yuan, caseloads in
persons or households; shares as fractions with a percent format. Row 1 holds the headers and is
frozen together with the area columns. Nothing in the workbook needs the tool to be read.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from safetynet import guard
from safetynet.outputs import GROUPS, PROGRAMMES
from safetynet.report.compare import MEASURES, Comparison
from safetynet.report.content import ReportData
from safetynet.report.i18n import STRINGS, column, t, unit
from safetynet.report.tables import FUNDING, PROVINCE
from safetynet.report.view import run_items

INT = "#,##0"
DEC2 = "#,##0.00"
PCT = "0.0%"
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
FAIL_FONT = Font(color="B00020", bold=True)


@dataclass(frozen=True)
class XCol:
    """A workbook column: machine name, unit (in the header) and number format."""

    key: str
    unit: str = ""
    number_format: str = ""
    label: str = ""


@dataclass(frozen=True)
class Sheet:
    key: str
    frame: pd.DataFrame
    cols: tuple[XCol, ...]
    frozen_cols: int = 0


def id_columns(lang: str, year: bool = True) -> list[XCol]:
    out = [XCol("area"), XCol(f"name_{lang}", label=t("name", lang))]
    if year:
        out += [XCol("year"), XCol("months", "months")]
    return out


def _money(lang: str) -> tuple[XCol, ...]:
    return (*id_columns(lang), *(XCol(k, "yuan", INT) for k in (*PROGRAMMES, *FUNDING)))


def _cases(lang: str, u: str) -> tuple[XCol, ...]:
    flow = "person-cases" if u == "persons" else "household-cases"
    groups = [XCol(g, flow if g == "temporary" else u, INT) for g in GROUPS]
    totals = [XCol("dibao_total", u, INT), XCol("tekun_total", u, INT)]
    return (*id_columns(lang), *groups, *totals)


def _bands(lang: str) -> tuple[XCol, ...]:
    cols = [*id_columns(lang), XCol("replicates")]
    for m, u in (
        ("budget_need", "yuan"),
        ("funding_gap", "yuan"),
        ("dibao_persons", "persons"),
        ("tekun_persons", "persons"),
    ):
        cols += [XCol(f"{m}_{q}", u, INT) for q in ("p10", "p50", "p90")]
    return tuple(cols)


def _checks(lang: str) -> tuple[XCol, ...]:
    std = "yuan/person/month"
    return (
        *id_columns(lang),
        XCol("standard_urban", std, DEC2),
        XCol("floor_urban", std, DEC2),
        XCol("standard_rural", std, DEC2),
        XCol("floor_rural", std, DEC2),
        XCol("floor_status"),
        XCol("tekun_standard", std, DEC2),
        XCol("tekun_floor", std, DEC2),
        XCol("tekun_status"),
        XCol("services_spending", "yuan", INT),
        XCol("assistance_spending", "yuan", INT),
        XCol("services_share", "", PCT),
        XCol("services_cap_share", "", PCT),
        XCol("services_status"),
        XCol("temporary_per_case", "yuan/case", DEC2),
        XCol("temporary_per_case_last_year", "yuan/case", DEC2),
        XCol("temporary_status"),
        XCol("rise_urban", "", PCT),
        XCol("rise_rural", "", PCT),
        XCol("rise_band", "", PCT),
        XCol("band_status"),
        XCol("failed", "count"),
    )


def _compare(lang: str) -> tuple[XCol, ...]:
    return (
        *id_columns(lang),
        XCol("measure_label", label=t("measure", lang)),
        XCol("unit_label", label=t("unit", lang)),
        XCol("a", "", DEC2, t("baseline_value", lang)),
        XCol("b", "", DEC2, t("value", lang)),
        XCol("diff", "", DEC2, t("change", lang)),
        XCol("diff_pct", "percent", "0.0"),
    )


def compare_wide(long: pd.DataFrame) -> pd.DataFrame:
    """Differences (b − a) per area and year with one column per measure."""
    wide = long.pivot_table(
        index=["area", "year"], columns="measure", values="diff", aggfunc="first", sort=False
    )
    ids = long.drop_duplicates(["area", "year"]).set_index(["area", "year"])
    ids = ids[["name_zh", "name_en", "months"]]
    out = ids.join(wide).reset_index()
    return out


def compare_sheets(comparison: Comparison, lang: str) -> list[Sheet]:
    """Province: both runs and the change per measure (long); prefectures and counties: the
    change per measure (wide, one column per measure)."""
    long = comparison.by_level[PROVINCE].copy()
    long["measure_label"] = long["measure"].map(lambda m: t(m, lang))
    long["unit_label"] = long["unit"].map(lambda u: unit(u, lang))
    out = [Sheet("sheet_compare_province", long, _compare(lang), 3)]
    for lv in ("prefecture", "county"):
        wide = compare_wide(comparison.by_level[lv])
        cols = [*id_columns(lang)]
        for m, (u, _) in MEASURES.items():
            cols.append(XCol(m, u, INT, f"{t(m, lang)} {t('change', lang)}"))
        out.append(Sheet(f"sheet_compare_{lv}", wide, tuple(cols), 3))
    return out


def sheets(data: ReportData, lang: str, source: str = "") -> list[Sheet]:
    """Every sheet of the workbook, in order."""
    out: list[Sheet] = []
    h = data.headline.copy()
    h["metric_label"] = h["metric"].map(lambda m: t(m, lang))
    h["unit_label"] = h["unit"].map(lambda u: unit(u, lang))
    hcols = [
        XCol("metric_label", label=t("metric", lang)),
        XCol("unit_label", label=t("unit", lang)),
        XCol("value", "", DEC2, t("value", lang)),
    ]
    if "baseline" in h:
        hcols += [
            XCol("baseline", "", DEC2, t("baseline_value", lang)),
            XCol("change", "", DEC2, t("change", lang)),
            XCol("change_pct", "percent", "0.0"),
        ]
    out.append(Sheet("sheet_headline", h, tuple(hcols), 1))
    p = data.parameters.copy()
    p["status"] = p["status"].map(
        lambda v: t(f"status_{v}", lang) if f"status_{v}" in STRINGS else v
    )
    p["unit"] = p["unit"].map(lambda u: unit(u, lang))
    pcols = tuple(
        XCol(
            c, label=t("label", lang) if c == f"label_{lang}" else t(c.removesuffix("_value"), lang)
        )
        for c in (
            "path",
            f"label_{lang}",
            "unit",
            "start",
            "where",
            "old_value",
            "new_value",
            "status",
            "reference",
        )
    )
    out.append(Sheet("sheet_parameters", p, pcols, 1))
    py = data.province_year
    pycols = (
        XCol("year"),
        XCol("months", "months"),
        *(XCol(k, "yuan", INT) for k in FUNDING),
        XCol("dibao_total", "persons", INT),
        XCol("tekun_total", "persons", INT),
        XCol("edge", "persons", INT),
        XCol("temporary", "person-cases", INT),
    )
    out.append(Sheet("sheet_province_year", py, pycols, 1))
    for lv, key in ((PROVINCE, "province"), ("prefecture", "prefecture"), ("county", "county")):
        out.append(Sheet(f"sheet_money_{key}", data.money[lv], _money(lang), 3))
    for lv, key in ((PROVINCE, "province"), ("prefecture", "prefecture"), ("county", "county")):
        out.append(Sheet(f"sheet_cases_{key}", data.caseloads[lv], _cases(lang, "persons"), 3))
    out.append(
        Sheet("sheet_households_county", data.households_county, _cases(lang, "households"), 3)
    )
    if data.bands is not None:
        for lv in (PROVINCE, "prefecture", "county"):
            out.append(Sheet(f"sheet_bands_{lv}", data.bands[lv], _bands(lang), 3))
    out.append(Sheet("sheet_checks", data.checks, _checks(lang), 3))
    s = data.checks_summary
    out.append(Sheet("sheet_checks_summary", s, tuple(XCol(c) for c in s.columns), 1))
    if data.calibration is not None:
        cal = data.calibration
        ccols = tuple(
            XCol(
                c,
                label=t("pass_col" if c == "pass" else c, lang)
                if c in ("target", "model", "error", "tolerance", "pass")
                else c,
            )
            for c in cal.columns
        )
        out.append(Sheet("sheet_calibration", cal, ccols, 1))
    if data.comparison is not None:
        out.extend(compare_sheets(data.comparison, lang))
    items = run_items(data, source)
    run = pd.DataFrame({"key": [t(k, lang) for k, _ in items], "value": [v for _, v in items]})
    out.append(
        Sheet(
            "sheet_run",
            run,
            (XCol("key", label=t("key", lang)), XCol("value", label=t("value", lang))),
            1,
        )
    )
    return out


def header(col: XCol, lang: str) -> str:
    """Header text of a workbook column: label and unit, e.g. ``资金缺口（元）``."""
    label = col.label or column(col.key, lang)
    if not col.unit:
        return label
    u = unit(col.unit, lang)
    return f"{label}（{u}）" if lang == "zh" else f"{label} ({u})"


def _value(v: object) -> object:
    if v is None:
        return None
    if isinstance(v, (np.floating, float)):
        f = float(v)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.bool_,)):
        return bool(v)
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    return v


def write_sheet(wb: Workbook, title: str, sheet: Sheet, lang: str) -> None:
    ws = wb.create_sheet(title=title)
    heads = [header(c, lang) for c in sheet.cols]
    ws.append(heads)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    arrays = [sheet.frame[c.key].to_numpy() for c in sheet.cols]
    statuses = [c.key.endswith("_status") for c in sheet.cols]
    for i in range(len(sheet.frame)):
        row = []
        for j in range(len(sheet.cols)):
            v = _value(arrays[j][i])
            if statuses[j] and isinstance(v, str):
                v = t(v, lang) if v in ("pass", "fail", "n/a") else v
            row.append(v)
        ws.append(row)
    for j, col in enumerate(sheet.cols, start=1):
        letter = get_column_letter(j)
        if col.number_format:
            for (c,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                c.number_format = col.number_format
        if statuses[j - 1]:
            fail = t("fail", lang)
            for (c,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                if c.value == fail:
                    c.font = FAIL_FONT
        width = max(
            [_width(heads[j - 1]) / 2 + 2, 10]
            + [_width(str(arrays[j - 1][i])) + 2 for i in range(min(len(sheet.frame), 200))]
        )
        ws.column_dimensions[letter].width = min(width, 48)
    ws.row_dimensions[1].height = 45
    ws.freeze_panes = ws.cell(row=2, column=sheet.frozen_cols + 1)
    if len(sheet.frame):
        ws.auto_filter.ref = f"A1:{get_column_letter(len(sheet.cols))}{len(sheet.frame) + 1}"


def _width(s: str) -> float:
    return sum(2.0 if ord(ch) > 0x2E80 else 1.1 for ch in s)


def _readme(wb: Workbook, data: ReportData, lang: str, names: Sequence[tuple[str, str]]) -> None:
    ws = wb.active
    ws.title = t("sheet_readme", lang)
    scen = data.record.get("scenario") if isinstance(data.record.get("scenario"), dict) else {}
    title = scen.get(f"title_{lang}", data.scenario) if isinstance(scen, dict) else data.scenario
    ws.append([t("title", lang)])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([t("scenario", lang), str(title)])
    ws.append([t("period", lang), f"{data.first_month:%Y-%m} – {data.last_month:%Y-%m}"])
    ws.append([])
    ws.append([t("readme_text", lang)])
    ws.append([])
    for name, title_ in names:
        ws.append([name, title_])
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 60


SHEET_TITLES: dict[str, str] = {
    "sheet_headline": "tab_headline",
    "sheet_parameters": "tab_parameters",
    "sheet_province_year": "tab_province_year",
    "sheet_money_province": "tab_money_province",
    "sheet_money_prefecture": "tab_money_prefecture",
    "sheet_money_county": "tab_money_county",
    "sheet_cases_province": "tab_cases_province",
    "sheet_cases_prefecture": "tab_cases_prefecture",
    "sheet_cases_county": "tab_cases_county",
    "sheet_households_county": "tab_households_county",
    "sheet_bands_province": "tab_bands_province",
    "sheet_bands_prefecture": "tab_bands_prefecture",
    "sheet_bands_county": "tab_bands_county",
    "sheet_checks": "tab_checks_county",
    "sheet_checks_summary": "tab_checks_summary",
    "sheet_calibration": "tab_calibration",
    "sheet_compare_province": "tab_compare_province",
    "sheet_compare_prefecture": "tab_compare_prefecture",
    "sheet_compare_county": "tab_compare_county",
    "sheet_run": "tab_run",
}


def write_excel(data: ReportData, lang: str, path: Path, source: str = "") -> None:
    """Write the workbook to ``path``."""
    wb = Workbook()
    all_sheets = sheets(data, lang, source)
    names = [(t(s.key, lang), t(SHEET_TITLES[s.key], lang)) for s in all_sheets]
    _readme(wb, data, lang, names)
    for s, (name, _) in zip(all_sheets, names, strict=True):
        write_sheet(wb, name, s, lang)
    guard.protect_workbook(wb)  # text beginning with = + - @ stays text (issue #13)
    wb.save(path)
