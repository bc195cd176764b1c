"""The report in one language: sections of sentences, formatted tables and charts.

HTML and PDF render the same :class:`Report`; tables marked ``in_pdf=False`` (every county for
every year) appear in HTML only, the PDF lists counties for the reporting year.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from safetynet.outputs import GROUPS, PROGRAMMES
from safetynet.report import charts, fonts
from safetynet.report import formatting as fm
from safetynet.report.content import (
    ESTIMATED_MARK,
    ReportData,
    estimated_areas,
    failing_counties,
    year_rows,
)
from safetynet.report.i18n import STRINGS, column, t, unit
from safetynet.report.tables import FUNDING, PROVINCE, county_by_year


@dataclass(frozen=True)
class Col:
    """A column to show: machine name, format, unit (shown in the header)."""

    key: str
    fmt: str = "text"  # text | year | int | wan | count | pct | yuan | num2 | status
    unit: str = ""
    label: str = ""
    #: carries the estimated mark (None: the numeric formats do, see _markable)
    mark: bool | None = None


@dataclass(frozen=True)
class Table:
    """A formatted table: header strings, rows of strings, which columns are numbers."""

    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...]
    note: str = ""
    in_pdf: bool = True
    #: rows shown in bold (prefecture subtotals, the province total)
    emphasis: tuple[int, ...] = ()


@dataclass(frozen=True)
class Chart:
    """A figure with its title and caption."""

    key: str
    title: str
    caption: str
    figure: Figure
    portrait: bool = False


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    paragraphs: tuple[str, ...] = ()
    blocks: tuple[Table | Chart, ...] = ()
    #: notes the reader must not miss (few replicates, runs not comparable, missing inputs)
    warnings: tuple[str, ...] = ()
    #: start the section on a new PDF page
    newpage: bool = False


@dataclass(frozen=True)
class Report:
    """The whole report in one language."""

    lang: str
    title: str
    subtitle: tuple[str, ...]
    sections: tuple[Section, ...]
    meta: dict[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------- formatting


def has_cjk(text: str) -> bool:
    """True when ``text`` holds a Chinese character."""
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def status_text(value: object, lang: str) -> str:
    """A data status ('official', 'verified (source text seen)', 'from memory, unverified')
    in ``lang``: no English in the Chinese report."""
    from safetynet.report.references import kinds

    text = "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
    if lang != "zh" or has_cjk(text) or not text:
        return text
    key = f"status_{text}"
    if key in STRINGS:
        return t(key, lang)
    if text.lower().startswith("verified"):
        return t("status_verified", lang)
    got = kinds(text)
    return "；".join(t(k, lang) for k in got) if got else t("status_other", lang)


def cell(value: object, fmt: str, lang: str) -> str:
    """One value formatted for planners (see :class:`Col`)."""
    if fmt == "text":
        return "" if value is None else str(value)
    if fmt == "status":
        return (
            t(str(value), lang)
            if str(value) in ("pass", "fail", "n/a", "within_noise")
            else str(value)
        )
    if fmt in ("year", "int"):
        return fm.MISSING if value is None or pd.isna(value) else str(int(value))  # type: ignore[call-overload]
    v = float(value) if value is not None and not pd.isna(value) else None  # type: ignore[call-overload, arg-type]
    if fmt == "wan":
        return fm.wan(v)
    if fmt == "count":
        return fm.number(v, 0)
    if fmt == "pct":
        return fm.percent(v)
    if fmt == "pctnum":
        return fm.MISSING if v is None else f"{v:.1f}%"
    if fmt == "yuan":
        return fm.number(v, 0)
    if fmt == "num2":
        return fm.number(v, 2)
    if fmt == "sig":
        return fm.significant(v)
    raise ValueError(f"unknown format {fmt!r}")


#: formats done a whole column at a time: fmt -> (divisor, decimals); same text as :func:`cell`
_FAST: dict[str, tuple[float, int]] = {"wan": (fm.WAN, 1), "count": (1.0, 0), "yuan": (1.0, 0)}
_FAST["num2"] = (1.0, 2)


def column_cells(values: np.ndarray, fmt: str, lang: str) -> list[str]:
    """:func:`cell` for every value of a column (numbers formatted in one pass)."""
    if fmt in _FAST and values.dtype.kind in "fiu":
        div, dec = _FAST[fmt]
        v = values.astype(np.float64) / div
        ok = np.isfinite(v).tolist()
        spec = f",.{dec}f"
        return [
            format(x, spec) if good else fm.MISSING for x, good in zip(v.tolist(), ok, strict=True)
        ]
    return [cell(x, fmt, lang) for x in values]


def _shown_unit(col: Col) -> str:
    return "10k yuan" if col.fmt == "wan" else col.unit


def make_table(
    df: pd.DataFrame,
    cols: Sequence[Col],
    lang: str,
    key: str,
    title: str,
    note: str = "",
    in_pdf: bool = True,
    area: str | None = None,
) -> Table:
    """Format the columns ``cols`` of ``df`` into a :class:`Table`. Rows of areas resting on
    estimated inputs (``df["area"]``, else every row is of ``area``) get the estimated mark."""
    header = tuple(
        c.label
        or column("name" if c.key.startswith("name_") else c.key, lang, _shown_unit(c), "\n")
        for c in cols
    )
    cells = [column_cells(df[c.key].to_numpy(), c.fmt, lang) for c in cols]
    rows = tuple(zip(*cells, strict=True)) if cols else tuple(() for _ in range(len(df)))
    numeric = tuple(c.fmt not in ("text", "status") for c in cols)
    marked = ESTIMATED.get()
    if marked and ("area" in df or area is not None) and len(df):
        if "area" in df:
            flags = df["area"].astype(str).isin(marked).tolist()
        else:
            flags = [area in marked] * len(df)
        rows, any_mark = mark_rows(rows, flags, [_markable(c) for c in cols])
        if any_mark:
            note = f"{note} {t('estimated_note', lang)}".strip()
    return Table(key, title, header, rows, numeric, note, in_pdf)


#: area codes whose numbers rest on estimated inputs, while :func:`build_report` runs
ESTIMATED: ContextVar[frozenset[str]] = ContextVar("estimated_areas", default=frozenset())


def _markable(col: Col) -> bool:
    """Columns whose numbers rest on the inputs (not names, years, months, statuses)."""
    if col.mark is not None:
        return col.mark
    return col.fmt not in ("text", "status", "year") and col.key not in ("months", "replicates")


def mark_rows(
    rows: Sequence[Sequence[str]], flags: Sequence[bool], columns: Sequence[bool]
) -> tuple[tuple[tuple[str, ...], ...], bool]:
    """Append :data:`ESTIMATED_MARK` to the numbers (cells of ``columns``, not empty or "—")
    of the rows flagged; also says whether any cell was marked."""
    out = []
    any_mark = False
    for row, flag in zip(rows, flags, strict=True):
        if flag:
            row = tuple(
                f"{v}{ESTIMATED_MARK}" if m and v and v != fm.MISSING else v
                for v, m in zip(row, columns, strict=True)
            )
            any_mark = any_mark or any(columns)
        out.append(tuple(row))
    return tuple(out), any_mark


# --------------------------------------------------------------------------- column sets


def _ids(lang: str, year: bool = True) -> list[Col]:
    out = [Col(f"name_{lang}")]
    if year:
        out += [Col("year", "year"), Col("months", "int")]
    return out


def money_cols(lang: str, year: bool = True) -> list[Col]:
    return [*_ids(lang, year), *(Col(k, "wan") for k in (*PROGRAMMES, *FUNDING))]


def caseload_cols(lang: str, year: bool = True, u: str = "persons") -> list[Col]:
    cols = [*_ids(lang, year)]
    flow = "person-cases" if u == "persons" else "household-cases"
    for g in GROUPS:
        cols.append(Col(g, "count", flow if g == "temporary" else u))
    cols += [Col("dibao_total", "count", u), Col("tekun_total", "count", u)]
    return cols


BAND_ROWS: tuple[tuple[str, str, str], ...] = (
    ("budget_need", "wan", "10k yuan"),
    ("funding_gap", "wan", "10k yuan"),
    ("dibao_persons", "count", "persons"),
    ("tekun_persons", "count", "persons"),
)


def bands_long(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Band table with one row per area, year and measure; P10/P50/P90 formatted."""
    parts = []
    for i, (m, fmt, u) in enumerate(BAND_ROWS):
        part = df[["area", f"name_{lang}", "year"]].copy()
        part["_order"] = i
        part["measure"] = column(m, lang, u)
        for q in ("p10", "p50", "p90"):
            part[q] = [cell(v, fmt, lang) for v in df[f"{m}_{q}"].to_numpy()]
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    order = {a: k for k, a in enumerate(dict.fromkeys(df["area"]))}
    out["_area"] = out["area"].map(order)
    return out.sort_values(["_area", "year", "_order"]).reset_index(drop=True)


def band_cols(lang: str, name: bool = True) -> list[Col]:
    cols = [Col(f"name_{lang}")] if name else []
    return [
        *cols,
        Col("year", "year"),
        Col("measure", label=t("metric", lang)),
        *(Col(q, label=q.upper(), mark=True) for q in ("p10", "p50", "p90")),
    ]


CHECK_STANDARD_COLS = (
    ("standard_urban", "yuan", "yuan/person/month"),
    ("floor_urban", "yuan", "yuan/person/month"),
    ("standard_rural", "yuan", "yuan/person/month"),
    ("floor_rural", "yuan", "yuan/person/month"),
    ("floor_status", "status", ""),
    ("tekun_standard", "yuan", "yuan/person/month"),
    ("tekun_floor", "yuan", "yuan/person/month"),
    ("tekun_status", "status", ""),
    ("rise_urban", "pct", ""),
    ("rise_rural", "pct", ""),
    ("rise_band", "pct", ""),
    ("band_status", "status", ""),
)
CHECK_MONEY_COLS = (
    ("services_spending", "wan", ""),
    ("assistance_spending", "wan", ""),
    ("services_share", "pct", ""),
    ("services_cap_share", "pct", ""),
    ("services_status", "status", ""),
    ("temporary_per_case", "yuan", "yuan/case"),
    ("temporary_per_case_last_year", "yuan", "yuan/case"),
    ("temporary_margin", "yuan", "yuan/case"),
    ("temporary_status", "status", ""),
)


def check_cols(
    lang: str, parts: Sequence[tuple[str, str, str]], year: bool, units: bool = True
) -> list[Col]:
    cols = [Col(k, f, u if units else "") for k, f, u in parts]
    return [*_ids(lang, year), *cols, Col("failed", "int")]


# --------------------------------------------------------------------------- sections


def _period(data: ReportData, lang: str) -> str:
    a, b = data.first_month, data.last_month
    if lang == "zh":
        return f"{a.year}年{a.month}月—{b.year}年{b.month}月"
    return f"{a:%b %Y}–{b:%b %Y}"


def _title(record: dict[str, object], lang: str, fallback: str) -> str:
    scen = record.get("scenario")
    if isinstance(scen, dict):
        return str(scen.get(f"title_{lang}") or scen.get("name") or fallback)
    return fallback


#: changes smaller than this (yuan or persons) are "unchanged" in sentences
UNCHANGED = 0.5


def _persons(n: float, lang: str) -> str:
    return fm.count_text(n, lang, "wan_persons")


def _clause(what: str, change: float, fmt: Callable[[float, str], str], lang: str) -> str:
    """'资金需求增加 1.2 亿元' / 'the budget need rises by 0.12 bn yuan' / '… unchanged'."""
    if abs(change) < UNCHANGED:
        return t("clause_same", lang, what=t(what, lang))
    key = "clause_up" if change > 0 else "clause_down"
    return t(key, lang, what=t(what, lang), x=fmt(abs(change), lang))


#: run-record fields that must agree for a scenario-minus-baseline difference to be policy only
COMPARABLE = ("code_version", "data_version", "sample_fraction", "replicates", "start")


def baseline_mismatch(record: dict[str, Any], baseline: dict[str, Any] | None) -> list[str]:
    """Run-record fields in which the baseline run differs from this run (names)."""
    if not baseline:
        return []
    out = [k for k in COMPARABLE if k in record and k in baseline and record[k] != baseline[k]]
    seeds, base_seeds = record.get("seeds"), baseline.get("seeds")
    if (
        isinstance(seeds, dict)
        and isinstance(base_seeds, dict)
        and seeds.get("seed") != base_seeds.get("seed")
    ):
        out.append("seed")
    return out


def summary_section(data: ReportData, lang: str) -> Section:
    h = data.headline.set_index("metric")
    paras = []
    scen = data.record.get("scenario") if isinstance(data.record.get("scenario"), dict) else {}
    desc = " ".join(str(scen.get("description", "")).split()) if isinstance(scen, dict) else ""
    if isinstance(scen, dict) and isinstance(scen.get(f"description_{lang}"), str):
        desc = " ".join(str(scen[f"description_{lang}"]).split())
    elif lang == "zh" and desc and not has_cjk(desc):
        desc = t("description_en_only", lang)
    paras.append(
        t(
            "summary_scenario",
            lang,
            title=_title(data.record, lang, data.scenario),
            description=desc,
        ).strip()
    )
    params = data.parameters
    if len(params):
        labels = params[f"label_{lang}"].where(params[f"label_{lang}"] != "", params["path"])
        names = list(dict.fromkeys(labels))
        items = ("；" if lang == "zh" else "; ").join(names)
        paras.append(t("summary_changes", lang, n=len(names), rows=len(params), items=items))
    else:
        paras.append(t("summary_no_change", lang))
    v = h["value"]
    paras.append(
        t(
            "summary_need",
            lang,
            period=_period(data, lang),
            total=fm.money_text(v["budget_need_total"], lang),
            per_year=fm.money_text(v["budget_need_per_year"], lang),
            transfers=fm.money_text(v["transfers_total"], lang),
            county=fm.money_text(v["county_budget_total"], lang),
            gap=fm.money_text(v["funding_gap_total"], lang),
        )
    )
    if "change" in h:
        c, p = h["change"], h["change_pct"]
        pct = p["budget_need_total"]
        paras.append(
            t(
                "summary_need_change",
                lang,
                need=_clause("what_need", c["budget_need_total"], fm.money_text, lang),
                pct=fm.MISSING if pd.isna(pct) else f"{pct:+.1f}%",
                gap=_clause("what_gap", c["funding_gap_total"], fm.money_text, lang),
            )
        )
    paras.append(
        t(
            "summary_cases",
            lang,
            dibao=fm.count_text(v["dibao_persons_end"], lang, "wan_persons"),
            tekun=fm.count_text(v["tekun_persons_end"], lang, "wan_persons"),
            edge=fm.count_text(v["edge_households_end"], lang, "wan_households"),
            temp=fm.count_text(v["temporary_cases_total"], lang, "wan_cases"),
        )
    )
    if "change" in h:
        c = h["change"]
        paras.append(
            t(
                "summary_cases_change",
                lang,
                dibao=_clause("what_dibao", c["dibao_persons_end"], _persons, lang),
                tekun=_clause("what_tekun", c["tekun_persons_end"], _persons, lang),
            )
        )
    n_fail, n = failing_counties(data)
    paras.append(t("summary_checks", lang, year=data.reporting_year, n=n_fail, total=n))
    if data.comparison is not None and data.comparison.aligned:
        paras.append(t("baseline_aligned", lang))
    mismatch = baseline_mismatch(data.record, data.baseline_record)
    if mismatch:
        paras.append(t("baseline_mismatch", lang, items=", ".join(mismatch)))
    return Section("summary", t("sec_summary", lang), tuple(paras), (headline_table(data, lang),))


def headline_table(data: ReportData, lang: str) -> Table:
    h = data.headline.copy()
    money = h["unit"] == "yuan"
    h["metric_label"] = h["metric"].map(lambda m: t(m, lang))
    h["unit_label"] = np.where(
        money, unit("10k yuan", lang), h["unit"].map(lambda u: unit(u, lang))
    )
    value_cols = [c for c in ("value", "baseline", "change") if c in h]
    for c in value_cols:
        h[c] = [
            fm.wan(x) if is_money else fm.number(x, 0) if c != "change" else fm.signed(x, 0)
            for x, is_money in zip(h[c], money, strict=True)
        ]
        if c == "change":
            h[c] = [
                fm.signed(x / fm.WAN, 1) if is_money else s
                for x, is_money, s in zip(data.headline["change"], money, h[c], strict=True)
            ]
    cols = [Col("metric_label", label=t("metric", lang)), Col("unit_label", label=t("unit", lang))]
    cols += [Col("value", label=t("value", lang), mark=True)]
    if "baseline" in h:
        h["change_pct_text"] = [fm.MISSING if pd.isna(x) else f"{x:+.1f}%" for x in h["change_pct"]]
        cols += [
            Col("baseline", label=t("baseline_value", lang), mark=True),
            Col("change", label=t("change", lang), mark=True),
            Col("change_pct_text", label=t("change_pct", lang), mark=True),
        ]
    tab = make_table(h, cols, lang, "headline", t("tab_headline", lang), area=PROVINCE)
    numeric = tuple(i >= 2 for i in range(len(cols)))
    return Table(tab.key, tab.title, tab.columns, tab.rows, numeric)


def parameters_section(data: ReportData, lang: str) -> Section:
    p = data.parameters.copy()
    if not len(p):
        return Section("parameters", t("sec_parameters", lang), (t("no_parameters", lang),))
    from safetynet.report.references import basis

    p["label"] = p[f"label_{lang}"].where(p[f"label_{lang}"] != "", p["path"])
    p["unit_label"] = p["unit"].map(lambda u: unit(u, lang))
    names = dict(
        zip(
            np.asarray(data.ds1["county"].values).astype(str),
            np.asarray(data.ds1[f"county_name_{lang}"].values).astype(str),
            strict=True,
        )
    )
    p["where"] = p["where"].map(lambda w: where_text(str(w), names, lang))
    p["reference"] = [basis(r, lang, st) for r, st in zip(p["reference"], p["status"], strict=True)]
    p["status_label"] = p["status"].map(
        lambda s: t(f"status_{s}", lang) if f"status_{s}" in STRINGS else s
    )
    cols = [
        Col("label", label=t("label", lang)),
        # the machine path is English: in the Chinese report the label names the parameter
        *([Col("path", label=t("path", lang))] if lang == "en" else []),
        Col("where", label=t("where", lang)),
        Col("start", label=t("start", lang)),
        Col("old", label=t("old", lang)),
        Col("new", label=t("new", lang)),
        Col("unit_label", label=t("unit", lang)),
        Col("status_label", label=t("status", lang)),
        Col("reference", label=t("reference", lang)),
    ]
    p = collapse_parameters(p, lang)
    tab = make_table(p, cols, lang, "parameters", t("tab_parameters", lang))
    est = (p["status"].astype(str) == "estimated").tolist()
    if any(est):  # values of estimated parameters carry the mark
        rows, _ = mark_rows(tab.rows, est, [c.key in ("old", "new") for c in cols])
        note = f"{tab.note} {t('estimated_note', lang)}".strip()
        tab = Table(tab.key, tab.title, tab.columns, rows, tab.numeric, note, tab.in_pdf)
    return Section("parameters", t("sec_parameters", lang), (), (tab,))


def collapse_parameters(p: pd.DataFrame, lang: str) -> pd.DataFrame:
    """One row per change applied alike to many counties: 'where' = '129 个县 农村', old/new as
    ranges (the workbook keeps every row)."""
    if not len(p):
        return p
    p = p.copy()
    p["side_"] = p["where"].str.split(" ").str[-1].where(p["where"].str.contains(" "), "")
    keys = ["label", "path", "start", "unit_label", "status_label", "reference", "side_"]
    rows = []
    for _, g in p.groupby(keys, sort=False):
        r = g.iloc[0].copy()
        if len(g) > 1:
            r["where"] = t("n_counties", lang, n=len(g), side=r["side_"]).strip()
            for c in ("old", "new"):
                vals = pd.to_numeric(g[f"{c}_value"], errors="coerce")
                if vals.notna().all():
                    lo, hi = float(vals.min()), float(vals.max())
                    r[c] = (
                        fm.number(lo, 2) if lo == hi else f"{fm.number(lo, 2)}—{fm.number(hi, 2)}"
                    )
        rows.append(r)
    return pd.DataFrame(rows).reset_index(drop=True)


def where_text(where: str, names: dict[str, str], lang: str) -> str:
    """'530102/rural' -> '五华区 农村' (county name and side; other keys unchanged)."""
    if not where:
        return ""
    code, _, rest = where.partition("/")
    side = t(f"side_{rest}", lang) if rest in ("urban", "rural") else rest
    return f"{names.get(code, code)} {side}".strip()


def _matrix(table: pd.DataFrame, col: str, lang: str, key: str, title: str) -> Table:
    wide = county_by_year(table, col)
    years = [c for c in wide.columns if c not in ("area", "name_zh", "name_en")]
    cols = [Col(f"name_{lang}"), *(Col(y, "wan", label=y) for y in years)]
    tab = make_table(
        wide,
        cols,
        lang,
        key,
        f"{title}（{unit('10k yuan', lang)}）"
        if lang == "zh"
        else f"{title} ({unit('10k yuan', lang)})",
    )
    return tab


COMPARE_YEAR: tuple[tuple[str, str], ...] = (
    ("budget_need", "10k yuan"),
    ("funding_gap", "10k yuan"),
    ("dibao_total", "persons"),
    ("tekun_total", "persons"),
)


def _compare_year_table(data: ReportData, lang: str) -> Table | None:
    """Province by year: baseline, this run and the change for the main measures."""
    if data.comparison is None:
        return None
    long = data.comparison.by_level[PROVINCE]
    years = sorted(long["year"].unique())
    rows = []
    columns = [t("year", lang)]
    for m, u in COMPARE_YEAR:
        label = column(m, lang, u)
        columns += [
            f"{label}\n{t('baseline_value', lang)}",
            f"{label}\n{t('value', lang)}",
            f"{label}\n{t('change', lang)}",
        ]
    by = long.set_index(["year", "measure"])
    for y in years:
        row = [str(y)]
        for m, u in COMPARE_YEAR:
            a, b, d = (float(by.loc[(y, m), c]) for c in ("a", "b", "diff"))
            if u == "10k yuan":
                row += [fm.wan(a), fm.wan(b), fm.signed(d / fm.WAN, 1)]
            else:
                row += [fm.number(a), fm.number(b), fm.signed(d)]
        rows.append(tuple(row))
    numeric = tuple(True for _ in columns)
    body: tuple[tuple[str, ...], ...] = tuple(rows)
    note = ""
    if PROVINCE in ESTIMATED.get():
        body, _ = mark_rows(body, [True] * len(body), [False] + [True] * (len(columns) - 1))
        note = t("estimated_note", lang)
    return Table("compare_year", t("tab_compare_year", lang), tuple(columns), body, numeric, note)


def detail_years(data: ReportData) -> list[int]:
    """Years of the detail tables by county and prefecture in HTML and PDF: the budget year and
    the last data year (the workbook has every year)."""
    from safetynet.report.budget import last_data_year

    years = {data.reporting_year}
    last = last_data_year()
    if last is not None and last in set(data.money[PROVINCE]["year"].astype(int)):
        years.add(last)
    return sorted(years)


def _detail(table: pd.DataFrame, data: ReportData) -> pd.DataFrame:
    return table[table["year"].isin(detail_years(data))].reset_index(drop=True)


def _detail_title(title: str, data: ReportData, lang: str) -> str:
    sep = "、" if lang == "zh" else ", "
    return f"{title} · {sep.join(str(y) for y in detail_years(data))}"


def _detail_note(data: ReportData, lang: str) -> str:
    sep = "、" if lang == "zh" else ", "
    return t("detail_years_note", lang, years=sep.join(str(y) for y in detail_years(data)))


def money_section(data: ReportData, lang: str) -> Section:
    year = data.reporting_year
    py = data.province_year
    blocks: list[Table | Chart] = []
    cols = [
        Col("year", "year"),
        Col("months", "int"),
        *(Col(k, "wan") for k in FUNDING),
        Col("dibao_total", "count", "persons"),
        Col("tekun_total", "count", "persons"),
        Col("edge", "count", "persons"),
        Col("temporary", "count", "person-cases"),
    ]
    blocks.append(make_table(py, cols, lang, "province_year", t("tab_province_year", lang)))
    cmp = _compare_year_table(data, lang)
    if cmp is not None:
        blocks.append(cmp)
    m = data.money
    blocks.append(
        make_table(
            m[PROVINCE], money_cols(lang)[1:], lang, "money_province", t("tab_money_province", lang)
        )
    )
    blocks.append(
        make_table(
            _detail(m["prefecture"], data),
            money_cols(lang),
            lang,
            "money_prefecture",
            _detail_title(t("tab_money_prefecture", lang), data, lang),
            note=_detail_note(data, lang),
        )
    )
    blocks.append(
        make_table(
            year_rows(m["county"], year),
            money_cols(lang, year=False),
            lang,
            "money_county_year",
            f"{t('tab_money_county', lang)} · {year}",
            note=t("reporting_year_note", lang, year=year),
        )
    )
    blocks.append(
        _matrix(
            m["county"], "budget_need", lang, "need_county_year", t("tab_need_county_year", lang)
        )
    )
    blocks.append(
        _matrix(m["county"], "funding_gap", lang, "gap_county_year", t("tab_gap_county_year", lang))
    )
    blocks.append(
        make_table(
            _detail(m["county"], data),
            money_cols(lang),
            lang,
            "money_county",
            _detail_title(t("tab_money_county", lang), data, lang),
            note=_detail_note(data, lang),
            in_pdf=False,
        )
    )
    return Section("money", t("sec_money", lang), (t("units_note", lang),), tuple(blocks))


def caseload_section(data: ReportData, lang: str) -> Section:
    year = data.reporting_year
    c = data.caseloads
    blocks: list[Table | Chart] = [
        make_table(
            c[PROVINCE],
            caseload_cols(lang)[1:],
            lang,
            "cases_province",
            t("tab_cases_province", lang),
        ),
        make_table(
            _detail(c["prefecture"], data),
            caseload_cols(lang),
            lang,
            "cases_prefecture",
            _detail_title(t("tab_cases_prefecture", lang), data, lang),
            note=_detail_note(data, lang),
        ),
        make_table(
            year_rows(c["county"], year),
            caseload_cols(lang, year=False),
            lang,
            "cases_county_year",
            f"{t('tab_cases_county', lang)} · {year}",
            note=t("reporting_year_note", lang, year=year),
        ),
        make_table(
            _detail(c["county"], data),
            caseload_cols(lang),
            lang,
            "cases_county",
            _detail_title(t("tab_cases_county", lang), data, lang),
            note=_detail_note(data, lang),
            in_pdf=False,
        ),
        make_table(
            _detail(data.households_county, data),
            caseload_cols(lang, u="households"),
            lang,
            "households_county",
            _detail_title(t("tab_households_county", lang), data, lang),
            note=_detail_note(data, lang),
            in_pdf=False,
        ),
    ]
    return Section("caseloads", t("sec_caseloads", lang), (t("units_note", lang),), tuple(blocks))


def bands_section(data: ReportData, lang: str) -> Section:
    if data.bands is None:
        return Section("bands", t("sec_bands", lang), (t("no_bands", lang),))
    b = data.bands
    year = data.reporting_year
    n_rep = int(b[PROVINCE]["replicates"].iloc[0])
    note = t("bands_note", lang, n=n_rep)
    from safetynet.report.budget import MIN_BAND_REPLICATES

    warns = (
        (t("few_replicates", lang, n=n_rep, min=MIN_BAND_REPLICATES),)
        if n_rep < MIN_BAND_REPLICATES
        else ()
    )
    numeric = (False, True, False, True, True, True)

    def table(df: pd.DataFrame, key: str, title: str, name: bool, in_pdf: bool = True) -> Table:
        tab = make_table(
            bands_long(df, lang), band_cols(lang, name), lang, key, title, note, in_pdf
        )
        return Table(tab.key, tab.title, tab.columns, tab.rows, numeric[1 - name :], note, in_pdf)

    blocks = (
        table(b[PROVINCE], "bands_province", t("tab_bands_province", lang), False),
        table(
            year_rows(b["prefecture"], year),
            "bands_prefecture",
            f"{t('tab_bands_prefecture', lang)} · {year}",
            True,
        ),
        table(
            year_rows(b["county"], year),
            "bands_county",
            f"{t('tab_bands_county', lang)} · {year}",
            True,
            in_pdf=False,
        ),
    )
    return Section("bands", t("sec_bands", lang), (), blocks, warns)


def figures(data: ReportData, lang: str, family: str) -> list[Chart]:
    """Every chart of the report (built with the CJK font ``family``)."""
    year = data.reporting_year
    with matplotlib.rc_context(fonts.rc_params(family)):
        return [
            Chart(
                "caseloads",
                t("fig_caseloads", lang),
                t("cap_caseloads", lang),
                charts.caseload_trajectories(data.ds1, data.base1, lang),
            ),
            Chart(
                "budget",
                t("fig_budget", lang),
                t("cap_budget", lang),
                charts.budget_by_programme(data.money[PROVINCE], data.base_money_province, lang),
            ),
            Chart(
                "cpi", t("fig_cpi", lang), t("cap_cpi", lang), charts.cpi_triggers(data.ds1, lang)
            ),
            Chart(
                "services",
                t("fig_services", lang),
                t("cap_services", lang, year=year),
                charts.services_vs_cap(year_rows(data.checks, year), lang),
                portrait=True,
            ),
            Chart(
                "targeting",
                t("fig_targeting", lang),
                t("cap_targeting", lang),
                charts.targeting(data.ds1, lang),
            ),
        ]


def checks_section(data: ReportData, lang: str) -> Section:
    year = data.reporting_year
    from safetynet.report.references import expand_codes

    paras = [expand_codes(t("checks_legend", lang), lang), t("noise_note", lang)]
    if data.limit_notes:
        paras.append(t("limits_note", lang, notes="; ".join(data.limit_notes)))
    s = data.checks_summary
    scols = [Col("year", "year"), Col("counties", "int")]
    for c in ("floor", "tekun", "services", "temporary", "band"):
        scols += [Col(f"{c}_fail", "int")]
    scols += [Col("any_fail", "int")]
    rows = year_rows(data.checks, year)
    failing = rows[rows["failed"] > 0]
    fcols = [Col(f"name_{lang}")] + [
        Col(f"{c}_status", "status") for c in ("floor", "tekun", "services", "temporary", "band")
    ]
    blocks = (
        make_table(s, scols, lang, "checks_summary", t("tab_checks_summary", lang)),
        make_table(
            failing,
            fcols,
            lang,
            "checks_failing",
            f"{t('tab_checks_failing', lang)} · {year}",
            note="" if len(failing) else t("no_failing", lang),
        ),
        make_table(
            rows,
            check_cols(lang, CHECK_STANDARD_COLS, False, units=False),
            lang,
            "checks_standards",
            f"{t('tab_checks_county', lang)} · {year} · ①②⑤（{unit('yuan/person/month', lang)}）"
            if lang == "zh"
            else f"{t('tab_checks_county', lang)} · {year} · ①②⑤ "
            f"({unit('yuan/person/month', lang)})",
        ),
        make_table(
            rows,
            check_cols(lang, CHECK_MONEY_COLS, False),
            lang,
            "checks_money",
            f"{t('tab_checks_county', lang)} · {year} · ③④",
        ),
        make_table(
            _detail(data.checks, data),
            check_cols(lang, CHECK_STANDARD_COLS + CHECK_MONEY_COLS, True),
            lang,
            "checks_county",
            _detail_title(t("tab_checks_county", lang), data, lang),
            note=_detail_note(data, lang),
            in_pdf=False,
        ),
    )
    return Section("checks", t("sec_checks", lang), tuple(paras), blocks)


def calibration_section(data: ReportData, lang: str) -> Section:
    title = t("sec_calibration", lang)
    if data.calibration is None:
        msg = (
            t("bad_calibration", lang, err=data.calibration_error)
            if data.calibration_error
            else t("no_calibration", lang)
        )
        return Section("calibration", title, (msg,))
    df = data.calibration.copy()
    label = f"label_{lang}"
    if label in df:
        df["shown_label"] = df[label].where(df[label].notna(), df.get("key", ""))
    else:
        df["shown_label"] = df["key"] if "key" in df else df.index.astype(str)
    df["shown_pass"] = [
        t("pass" if str(v).lower() in ("true", "1") else "fail", lang) for v in df["pass"]
    ]
    cols = [Col("shown_label", label=t("target_name", lang))]
    if "unit" in df:
        df["unit"] = df["unit"].map(lambda u: unit(str(u), lang))
        cols.append(Col("unit", label=t("unit", lang)))
    cols += [Col(c, "sig", label=t(c, lang)) for c in ("target", "model", "error", "tolerance")]
    if "error_kind" in df:
        df["error_kind"] = df["error_kind"].map(
            lambda v: t(f"error_{v}", lang) if f"error_{v}" in STRINGS else str(v)
        )
        cols.append(Col("error_kind", label=t("error_kind", lang)))
    cols.append(Col("shown_pass", "status", label=t("pass_col", lang)))
    if "target_status" in df:
        df["target_status"] = df["target_status"].map(lambda v: status_text(v, lang))
        cols.append(Col("target_status", label=t("status", lang)))
    tab = make_table(
        df, cols, lang, "calibration", t("tab_calibration", lang), note=t("calibration_note", lang)
    )
    return Section("calibration", title, (), (tab,))


def seeds_text(seeds: object, lang: str) -> str:
    """The run's seeds in words: '种子 20190501；模拟 0、1' / 'seed 20190501; replicates 0, 1'."""
    if not isinstance(seeds, dict) or "seed" not in seeds:
        return fm.MISSING if seeds is None else json.dumps(seeds, ensure_ascii=False)
    reps = seeds.get("replicates")
    sep = "、" if lang == "zh" else ", "
    out = t("seed_text", lang, seed=seeds["seed"])
    if isinstance(reps, list):
        out += t("seed_replicates", lang, reps=sep.join(str(r) for r in reps))
    return out


def created_text(created: object) -> str:
    """'2026-12-01T23:27:42+00:00' -> '2026-12-01 23:27:42 +00:00'."""
    if not isinstance(created, str) or not created:
        return fm.MISSING
    try:
        stamp = pd.Timestamp(created)
    except ValueError:
        return created
    return stamp.strftime("%Y-%m-%d %H:%M:%S %z").strip().replace("+0000", "+00:00")


def version_text(version: object, lang: str) -> str:
    """The recorded code version as printed: git's ``-dirty`` (run from a checkout with
    uncommitted changes) said in words.

    >>> version_text("0.1.0+4cf3318-dirty", "en")
    '0.1.0+4cf3318 (uncommitted changes)'
    """
    if not isinstance(version, str) or not version:
        return fm.MISSING
    if version.endswith("-dirty"):
        return f"{version.removesuffix('-dirty')} {t('version_dirty', lang)}"
    return version


def run_items(data: ReportData, source: str, lang: str = "en") -> list[tuple[str, str]]:
    """(key, value) pairs of the run record for the run-record table (names, hashes, paths and
    versions as recorded; the scenario by its title in ``lang``, seeds and time in words)."""
    r = data.record
    scen = r.get("scenario") if isinstance(r.get("scenario"), dict) else {}
    assert isinstance(scen, dict)

    def s(x: object) -> str:
        if x is None:
            return fm.MISSING
        return x if isinstance(x, str) else json.dumps(x, ensure_ascii=False)

    name = scen.get("name", data.scenario)
    items = [
        ("scenario_name", s(_title(r, lang, str(name)) if lang == "zh" else name)),
        ("scenario_file", s(scen.get("file"))),
        ("scenario_sha256", s(scen.get("sha256"))),
        ("code_version", version_text(r.get("code_version"), lang)),
        ("data_version", s(r.get("data_version"))),
        ("seeds", seeds_text(r.get("seeds"), lang)),
        ("replicates_rec", s(r.get("replicates", data.ds1.sizes.get("replicate")))),
        ("sample_fraction", s(r.get("sample_fraction"))),
        ("wall_time_s", s(r.get("wall_time_s"))),
        ("created", created_text(r.get("created"))),
    ]
    if source:
        items.append(("source_file", source))
    return items


def run_section(data: ReportData, lang: str, source: str) -> Section:
    items = run_items(data, source, lang)
    df = pd.DataFrame({"k": [t(k, lang) for k, _ in items], "v": [v for _, v in items]})
    cols = [Col("k", label=t("key", lang)), Col("v", label=t("value", lang))]
    tab = make_table(df, cols, lang, "run", t("tab_run", lang))
    return Section(
        "run",
        t("sec_run", lang),
        (),
        (Table(tab.key, tab.title, tab.columns, tab.rows, (False, False)),),
    )


def numbered(k: int, title: str, lang: str) -> str:
    """Section title with its number in the report's order: 一、… in Chinese (up to 99),
    1. … in English.

    >>> numbered(3, "资金需求与来源", "zh"), numbered(12, "校核", "zh"), numbered(2, "Charts", "en")
    ('三、资金需求与来源', '十二、校核', '2. Charts')
    """
    if lang != "zh":
        return f"{k}. {title}"
    digits = t("section_numerals", "zh")  # 一 … 十
    tens, ones = divmod(k, 10)
    word = (digits[tens - 1] if tens > 1 else "") + (digits[9] if tens else "")
    word += digits[ones - 1] if ones else ""
    return f"{word}、{title}"


def build_report(data: ReportData, lang: str, source: str = "") -> Report:
    """The report in ``lang`` (zh or en). Numbers resting on estimated inputs carry
    :data:`ESTIMATED_MARK` and their table a footnote (:func:`estimated_areas`)."""
    token = ESTIMATED.set(estimated_areas(data.ds1))
    try:
        return _build_report(data, lang, source)
    finally:
        ESTIMATED.reset(token)


def _build_report(data: ReportData, lang: str, source: str) -> Report:
    title = t("title", lang)
    scen_title = _title(data.record, lang, data.scenario)
    subtitle = [
        f"{t('scenario', lang)}: {scen_title}",
        f"{t('period', lang)}: {_period(data, lang)}",
    ]
    if data.base1 is not None:
        base_title = _title(data.baseline_record or {}, lang, t("baseline", lang))
        subtitle.append(f"{t('baseline', lang)}: {base_title}")
    from safetynet.report import decision as dc
    from safetynet.report.validation import validation_section

    family = fonts.font_family()
    charts_section = Section(
        "charts",
        t("sec_charts", lang),
        (),
        (dc.map_chart(data, lang), *figures(data, lang, family)),
    )
    first, proposal = dc.decision_section(data, lang)
    body = [
        first,
        *((proposal,) if proposal is not None else ()),
        Section(**{**summary_section(data, lang).__dict__, "newpage": True}),
        parameters_section(data, lang),
        dc.county_section(data, lang),
        money_section(data, lang),
        caseload_section(data, lang),
        bands_section(data, lang),
        charts_section,
        checks_section(data, lang),
        *((other,) if (other := dc.other_outputs_section(data, lang)) is not None else ()),
        calibration_section(data, lang),
        validation_section(data, lang),
        run_section(data, lang, source),
    ]
    texts = [str(r) for r in data.parameters["reference"]] if len(data.parameters) else []
    texts.append(CHECK_BASIS)
    body.append(dc.references_section(texts, lang))
    sections = tuple(
        dataclasses.replace(sec, title=numbered(k, sec.title, lang))
        for k, sec in enumerate(body, 1)
    )
    created = str(data.record.get("created", ""))
    meta = {
        "created": created,
        "scenario": data.scenario,
        "scenario_title": scen_title,
        "font_family": family,
    }
    return Report(lang, title, tuple(subtitle), sections, meta)


#: the legal basis of the five checks (module docstring of safetynet.report.checks)
CHECK_BASIS = "S3 三(二); S4 二(二); S4 五(十四); S3 二(三)"


#: the map charts of every report (written as PNG files beside it)
MAP_KEYS: tuple[str, ...] = ("map_counties",)


def map_keys(report: Report) -> list[str]:
    """Keys of the map charts (written as PNG files beside the report)."""
    return [
        b.key
        for sec in report.sections
        for b in sec.blocks
        if isinstance(b, Chart) and b.key.startswith("map_")
    ]
