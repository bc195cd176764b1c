"""Excel workbook for finance staff: one sheet per table, each a real Excel table (filter,
sort, pivot by 州市), numbers with units in the headers.

Rows are areas (and years), columns are programmes or groups. Money is in 万元 (10k yuan, one
decimal) as in the PDF, persons and households in whole numbers, shares as fractions with a
percent format; county sheets carry the prefecture. Row 1 holds the headers and is frozen
together with the area columns. Written with XlsxWriter, with every text cell stored as text
(never as a formula). Nothing in the workbook needs the tool to be read.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.utility import xl_col_to_name, xl_range
from xlsxwriter.worksheet import Worksheet

from safetynet import guard
from safetynet.outputs import GROUPS, PROGRAMMES
from safetynet.report.compare import MEASURES, Comparison
from safetynet.report.content import ESTIMATED_MARK, ReportData, estimated_areas
from safetynet.report.i18n import STRINGS, column, t, unit
from safetynet.report.tables import FUNDING, PROVINCE
from safetynet.report.view import run_items

INT = "#,##0"
DEC1 = "#,##0.0"
DEC2 = "#,##0.00"
PCT = "0.0%"
HEADER_COLOUR = "#DDE6F0"
FAIL_COLOUR = "#B00020"
#: units converted for the workbook, as in the PDF: unit -> (shown unit, divisor, format)
SHOWN: dict[str, tuple[str, float, str]] = {
    "yuan": ("10k yuan", 1e4, DEC1),
    "persons": ("persons", 1.0, INT),
    "households": ("households", 1.0, INT),
    "person-cases": ("person-cases", 1.0, INT),
    "household-cases": ("household-cases", 1.0, INT),
}
#: workbook options: text stays text (no formulas, numbers or links made from strings)
FORMULA = guard.FORMULA_PREFIXES
OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
    "nan_inf_to_errors": False,
    # parts assembled in memory, not in ~70 temporary files created and removed per workbook
    "in_memory": True,
}


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
    out = [
        XCol("area"),
        XCol(f"name_{lang}", label=t("name", lang)),
        XCol(f"prefecture_{lang}", label=t("prefecture", lang)),
    ]
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
        other = "label_en" if lang == "zh" else "label_zh"
        ccols = tuple(
            XCol(c, label=t(CALIBRATION_HEADERS.get(c, c), lang) if c in CALIBRATION_HEADERS else c)
            for c in cal.columns
            if c != other  # each language its own labels
        )
        out.append(Sheet("sheet_calibration", cal, ccols, 1))
    if data.comparison is not None:
        out.extend(compare_sheets(data.comparison, lang))
    if data.validation is not None:
        from safetynet.report import validation as vl

        frame = vl.sheet_frame(data.validation, lang)
        pct = {"error", "tolerance"}
        vcols = tuple(
            XCol(c, number_format=PCT if c in pct else (DEC2 if c in ("fact", "model") else ""),
                 label=t(h, lang))
            for c, h in vl.SHEET_COLUMNS
        )  # fmt: skip
        out.append(Sheet("sheet_validation", frame, vcols, 1))
    items = run_items(data, source, lang)
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
    """Header text of a workbook column: label and unit, e.g. ``资金缺口（万元）`` (the unit is
    not repeated when the label already ends with it)."""
    label = col.label or column(col.key, lang)
    if not col.unit:
        return label
    u = unit(SHOWN.get(col.unit, (col.unit,))[0], lang)
    suffix = f"（{u}）" if lang == "zh" else f" ({u})"
    if label.endswith(suffix.strip()) or label.endswith(f"({u})"):
        return label
    return f"{label}{suffix}"


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


def _width(s: str) -> float:
    return sum(2.0 if ord(ch) > 0x2E80 else 1.1 for ch in s)


def _unique(heads: Sequence[str]) -> list[str]:
    out: list[str] = []
    for h in heads:
        name, k = h, 2
        while name in out:
            name, k = f"{h} {k}", k + 1
        out.append(name)
    return out


def _with_prefecture(frame: pd.DataFrame, prefectures: dict[str, tuple[str, str]]) -> pd.DataFrame:
    if "area" not in frame or not prefectures or "prefecture_zh" in frame:
        return frame
    codes = frame["area"].astype(str)
    if not codes.isin(list(prefectures)).any():
        return frame
    out = frame.copy()
    out["prefecture_zh"] = [prefectures.get(c, ("", ""))[0] for c in codes]
    out["prefecture_en"] = [prefectures.get(c, ("", ""))[1] for c in codes]
    return out


class _Formats:
    """The workbook's formats, each created once (not once per sheet and column)."""

    def __init__(self, wb: Any) -> None:
        self.wb = wb
        self.head = wb.add_format(
            {"bold": True, "bg_color": HEADER_COLOUR, "text_wrap": True, "valign": "vcenter"}
        )
        self.fail = wb.add_format({"font_color": FAIL_COLOUR, "bold": True})
        self.quote = wb.add_format({"quote_prefix": True})
        self._num: dict[str, Any] = {}

    def number(self, fmt: str) -> Any:
        if fmt not in self._num:
            self._num[fmt] = self.wb.add_format({"num_format": fmt})
        return self._num[fmt]


def _formats(wb: Any) -> _Formats:
    got = getattr(wb, "_safetynet_formats", None)
    if got is None:
        got = _Formats(wb)
        wb._safetynet_formats = got
    return got


class ColumnSheet(Worksheet):  # type: ignore[misc]  # untyped upstream
    """An XlsxWriter worksheet whose data rows (below the header row) are given a whole column
    at a time (:meth:`put_column`) and written to the sheet's XML in one pass.

    XlsxWriter stores and writes each cell through several calls (about 17 µs a cell, 3.5 s
    for the report's 200 000 cells). Here a column of numbers and texts is kept as it is and
    turned into the same ``<c>`` elements XlsxWriter writes (shared strings, the cell's format
    index, numbers as ``%.16G``) when the workbook is saved. Everything else (header row, Excel
    table, formats, column widths, frozen panes, conditional formats, shared-string table) is
    XlsxWriter's own. Only floats, ints and strings are put this way (others: :meth:`write`).
    """

    def __init__(self) -> None:
        super().__init__()
        self._columns: dict[int, tuple[list[object], Any]] = {}
        self._n_rows = 0

    def put_column(
        self, col: int, values: list[object], fmt: Any, text_fmt: Any, numbers: bool = False
    ) -> None:
        """Rows 1..len(values) of column ``col``: floats/ints (format ``fmt``), strings (their
        shared-string index now, format ``text_fmt`` or ``fmt``) or None (empty).
        ``numbers``: the caller knows the column holds no string (kept as it is)."""
        out: list[object]
        if numbers:
            out = values
        else:
            index = self.str_table._get_shared_string_index
            out = [(index(str(x)), text_fmt(x)) if isinstance(x, str) else x for x in values]
        self._columns[col] = (out, fmt)
        self._n_rows = max(self._n_rows, len(values))
        if values:
            self._check_dimensions(len(values), col)
            self._check_dimensions(1, col)

    def _write_sheet_data(self) -> None:
        if not self._columns:
            super()._write_sheet_data()
            return
        self._xml_start_tag("sheetData")
        self._write_rows()  # the header row (and any cell written the usual way)
        cells: list[list[str]] = []
        for col, (values, fmt) in sorted(self._columns.items()):
            name = xl_col_to_name(col)
            s = f' s="{fmt._get_xf_index()}"' if fmt is not None else ""
            if not any(type(x) is tuple for x in values):  # numbers only: one comprehension
                column = [
                    "" if x is None else f'<c r="{name}{i}"{s}><v>{x:.16G}</v></c>'
                    for i, x in enumerate(values, start=2)
                ]
            else:
                column = []
                for i, x in enumerate(values, start=2):
                    if x is None:
                        column.append("")
                    elif type(x) is tuple:
                        idx, tf = x
                        ts = f' s="{tf._get_xf_index()}"' if tf is not None else s
                        column.append(f'<c r="{name}{i}"{ts} t="s"><v>{idx}</v></c>')
                    else:
                        column.append(f'<c r="{name}{i}"{s}><v>{x:.16G}</v></c>')
            column += [""] * (self._n_rows - len(column))
            cells.append(column)
        write = self.fh.write
        for i, row in enumerate(zip(*cells, strict=True), start=2):
            write(f'<row r="{i}">{"".join(row)}</row>')
        self._xml_end_tag("sheetData")

    def add_table(
        self, first_row: int, first_col: int, last_row: int, last_col: int, options: Any = None
    ) -> int:
        """XlsxWriter's table, without its cell-by-cell overlap bookkeeping (a dict entry per
        cell, about 0.3 s for the report's tables) for a sheet's one table: it is laid over the
        header and first data row, then given its full range. Tables with data, formulas or a
        total row, and a second table or merged cells, go through XlsxWriter as they are."""
        opts = dict(options or {})
        plain = (
            not self.tables
            and not self.merged_cells
            and last_row > first_row + 1
            and not opts.get("data")
            and not opts.get("total_row")
            and not any(c.get("formula") for c in opts.get("columns", []))
        )
        if not plain:
            return int(super().add_table(first_row, first_col, last_row, last_col, options))
        if self._check_dimensions(last_row, last_col, True, True):
            return -1
        rc = int(super().add_table(first_row, first_col, first_row + 1, last_col, options))
        if rc != 0:
            return rc
        short = xl_range(first_row, first_col, first_row + 1, last_col)
        full = xl_range(first_row, first_col, last_row, last_col)
        table = self.tables[-1]
        for key in ("range", "a_range", "autofilter"):
            if table.get(key) == short:
                table[key] = full
        for cell, (kind, rng) in list(self.filter_cells.items()):
            if kind == "table" and rng == short:
                self.filter_cells[cell] = (kind, full)
        return 0


def _column_width(head: str, col: Sequence[object]) -> float:
    sample = [str(x) for x in col[:60] if x is not None]
    return min(max([_width(head) / 2 + 2, 8] + [_width(x) + 2 for x in sample]), 48)


def write_sheet(
    wb: Any,
    title: str,
    sheet: Sheet,
    lang: str,
    prefectures: dict[str, tuple[str, str]] | None = None,
) -> None:
    """One sheet as an Excel table named after the sheet (units converted as in the PDF).

    Cells are given a column at a time (:class:`ColumnSheet`; a sheet holding other values
    than numbers and texts is written cell by cell), empty values are left empty, then the
    table is laid over them; formats are shared by the whole workbook.
    """
    ws = wb.add_worksheet(title, worksheet_class=ColumnSheet)
    fmts = _formats(wb)
    frame = _with_prefecture(sheet.frame, prefectures or {})
    cols = [c for c in sheet.cols if c.key in frame or not c.key.startswith("prefecture_")]
    heads = _unique([header(c, lang) for c in cols])
    fail = t("fail", lang)
    columns = []
    statuses = {k: t(k, lang) for k in ("pass", "fail", "n/a", "within_noise")}
    n = len(frame)
    data_cols: list[tuple[list[object], Any]] = []
    numeric: list[bool] = []  # columns made of floats/ints/None only (from numpy numbers)
    for j, c in enumerate(cols):
        _shown, div, fmt = SHOWN.get(c.unit, (c.unit, 1.0, c.number_format))
        if c.number_format == PCT or c.unit == "percent":
            fmt = c.number_format
        cell_fmt = fmts.number(fmt) if fmt else None
        values = frame[c.key].to_numpy() if c.key in frame else np.full(n, None)
        col: list[object]
        if values.dtype.kind in "fiu" and not (values.dtype.kind in "iu" and div == 1.0):
            v = values.astype(np.float64) / div
            if fmt == INT:
                v = np.round(v)
            ok = np.isfinite(v)
            col = [float(x) if good else None for x, good in zip(v.tolist(), ok, strict=True)]
            numeric.append(True)
        elif values.dtype.kind in "iu":
            col = [int(x) for x in values.tolist()]
            numeric.append(True)
        else:
            numeric.append(False)
            col = [_value(x) for x in values]
            if c.key.endswith("_status"):
                col = [statuses.get(x, x) if isinstance(x, str) else x for x in col]
        data_cols.append((col, cell_fmt))
        spec: dict[str, object] = {"header": heads[j], "header_format": fmts.head}
        if cell_fmt is not None:
            spec["format"] = cell_fmt
        columns.append(spec)
        ws.set_column(j, j, _column_width(heads[j], col))
    quote = fmts.quote
    bulk = all(
        known
        or all(x is None or type(x) is float or type(x) is int or isinstance(x, str) for x in col)
        for (col, _), known in zip(data_cols, numeric, strict=True)
    )
    for j, (col, cell_fmt) in enumerate(data_cols):
        if bulk:  # text like "=…" is text, shown as typed (issue #13)
            ws.put_column(
                j,
                col,
                cell_fmt,
                lambda x: quote if x.startswith(FORMULA) else None,
                numbers=numeric[j],
            )
        else:
            for i, x in enumerate(col, start=1):
                if x is None:
                    continue
                if isinstance(x, str) and x.startswith(FORMULA):
                    ws.write_string(i, j, x, quote)
                else:
                    ws.write(i, j, x, cell_fmt)
    name = "T_" + "".join(ch if ch.isalnum() else "_" for ch in sheet.key)
    options: dict[str, object] = {"name": name, "columns": columns, "style": "Table Style Light 9"}
    ws.add_table(0, 0, max(n, 1), len(cols) - 1, options)
    fail_fmt = fmts.fail
    for j, c in enumerate(cols):
        if c.key.endswith("_status") and len(frame):
            ws.conditional_format(
                1,
                j,
                len(frame),
                j,
                {"type": "cell", "criteria": "==", "value": f'"{fail}"', "format": fail_fmt},
            )
    ws.set_row(0, 45)
    ws.freeze_panes(1, sheet.frozen_cols + (1 if sheet.frozen_cols >= 2 else 0))


def _readme(wb: Any, data: ReportData, lang: str, names: Sequence[tuple[str, str]]) -> None:
    ws = wb.add_worksheet(t("sheet_readme", lang))
    scen = data.record.get("scenario") if isinstance(data.record.get("scenario"), dict) else {}
    title = scen.get(f"title_{lang}", data.scenario) if isinstance(scen, dict) else data.scenario
    bold = wb.add_format({"bold": True, "font_size": 14})
    ws.write_string(0, 0, t("title", lang), bold)
    rows: list[list[str]] = [
        [t("scenario", lang), str(title)],
        [t("period", lang), f"{data.first_month:%Y-%m} – {data.last_month:%Y-%m}"],
        [],
        [t("readme_text", lang)],
        [t("estimated_note", lang)],
        [],
        *[[n, tt] for n, tt in names],
    ]
    for i, row in enumerate(rows, start=1):
        for j, v in enumerate(row):
            ws.write_string(i, j, v)
    ws.set_column(0, 0, 28)
    ws.set_column(1, 1, 60)


def prefecture_names(data: ReportData) -> dict[str, tuple[str, str]]:
    """County code -> (prefecture name zh, en)."""
    ds = data.ds1
    codes = np.asarray(ds["county"].values).astype(str)
    zh = np.asarray(ds["prefecture_name_zh"].values).astype(str)
    en = np.asarray(ds["prefecture_name_en"].values).astype(str)
    return {c: (z, e) for c, z, e in zip(codes, zh, en, strict=True)}


#: calibration-sheet columns -> header string key (i18n)
CALIBRATION_HEADERS: dict[str, str] = {
    "key": "cal_key",
    "group": "cal_group",
    "label_zh": "target_name",
    "label_en": "target_name",
    "unit": "unit",
    "target": "target",
    "model": "model",
    "error": "error",
    "tolerance": "tolerance",
    "pass": "pass_col",
    "error_kind": "error_kind",
    "target_status": "status",
    "source": "cal_source",
}

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
    "sheet_validation": "tab_validation",
    "sheet_run": "tab_run",
}


def write_excel(data: ReportData, lang: str, path: Path, source: str = "") -> None:
    """Write the workbook to ``path``."""
    wb = xlsxwriter.Workbook(str(path), OPTIONS)
    all_sheets = sheets(data, lang, source)
    names = [(t(s.key, lang), t(SHEET_TITLES[s.key], lang)) for s in all_sheets]
    _readme(wb, data, lang, names)
    prefs = prefecture_names(data)
    estimated = estimated_areas(data.ds1)
    for s, (name, _) in zip(all_sheets, names, strict=True):
        write_sheet(wb, name, with_estimated_mark(s, estimated, lang), lang, prefs)
    wb.close()


def with_estimated_mark(sheet: Sheet, estimated: frozenset[str], lang: str) -> Sheet:
    """The sheet with a last column "依据估计值" holding ※ on the rows of areas whose numbers
    rest on estimated inputs (sheets by area only; unchanged when nothing is estimated)."""
    if not estimated or "area" not in sheet.frame:
        return sheet
    frame = sheet.frame.copy()
    hit = frame["area"].astype(str).isin(estimated).to_numpy()
    frame["estimated_mark"] = np.where(hit, ESTIMATED_MARK, "")
    col = XCol("estimated_mark", label=t("estimated_col", lang))
    return Sheet(sheet.key, frame, (*sheet.cols, col), sheet.frozen_cols)
