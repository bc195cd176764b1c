"""The report's validation section (校核 / Validation): the run against every fact found.

``validation_frame(ds1)`` is :func:`safetynet.validation.fit_rows` as a table (one row per
fact; the model is empty where the run does not cover the fact's dates);
``validation_section(data, lang)`` the section (chart of the 2019–2024 path beside the facts,
the fit table, the reason of every miss); ``validation_sheet(data, lang)`` the workbook sheet.
"""

from __future__ import annotations

import dataclasses
import math
import re

import matplotlib
import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.figure import Figure

from safetynet import constants, history, refdata, validation
from safetynet.report import fonts
from safetynet.report.content import ReportData
from safetynet.report.i18n import STRINGS, UNITS, t, unit
from safetynet.report.view import Chart, Section, Table

#: the section's strings (zh, en), registered with the report's strings
VALIDATION_STRINGS: dict[str, tuple[str, str]] = {
    "sec_validation": ("校核", "Validation"),
    "tab_validation": ("校核表：模型与已知事实", "Fit table: the model against the facts"),
    "fig_validation": (
        "2019—2024年在保人数：模型与事实",
        "Caseloads 2019–2024: model and facts",
    ),
    "cap_validation": (
        "线为本次测算（全省合计，多次模拟取中位数），"
        "点为已公布的事实（实心：校准所用；空心：未参与校准）。",
        "Lines: this run (province, median over replicates); dots: published facts (filled: used "
        "in the calibration; open: held out).",
    ),
    "validation_intro": (
        "下表将本次测算与已收集的全部云南事实逐项比较（按月的事实逐月比较）。"
        "容差：人数和户数3%，金额5%，州市个数须一致。"
        "“校准”为参数据此拟合的事实，“保留”为未参与校准、用于检验的事实。"
        "共{n}项有容差：校准{cal_in}/{cal}项达标，保留{held_in}/{held}项达标。",
        "The table holds this run against every Yunnan fact found (monthly facts month by "
        "month). Tolerances: persons and households 3%, money 5%, prefecture counts exact. "
        "'calibration': a parameter was fitted to the fact; 'held out': nothing was fitted to "
        "it. {n} rows have a tolerance: calibration {cal_in} of {cal} within, held out "
        "{held_in} of {held} within.",
    ),
    "validation_uncovered": (
        "{n}项事实的日期不在本次测算期内，表中不列模型值（注明“测算期外”）。",
        "{n} facts fall outside the run's months: no model value is shown (marked 'not covered').",
    ),
    "validation_missing": (
        "本次测算无法计算校核表：{err}",
        "The fit table cannot be computed: {err}",
    ),
    "val_item": ("事实", "Fact"),
    "val_period": ("期间", "Period"),
    "val_fact": ("事实值", "Fact"),
    "val_model": ("模型值", "Model"),
    "val_error": ("误差", "Error"),
    "val_tolerance": ("容差", "Tolerance"),
    "val_within": ("是否达标", "Within?"),
    "val_use": ("用途", "Use"),
    "val_status": ("数据性质", "Status"),
    "val_source": ("来源", "Source"),
    "val_reason": ("未达标原因", "Reason for the miss"),
    "val_unit": ("单位", "Unit"),
    "use_calibration": ("校准", "calibration"),
    "use_held out": ("保留", "held out"),
    "use_shown": ("仅供参考", "shown"),
    "use_not covered": ("测算期外", "not covered"),
    "val_official": ("官方", "official"),
    "val_estimated": ("估计", "estimated"),
    "val_yes": ("是", "yes"),
    "val_no": ("否", "no"),
    "sheet_validation": ("校核", "Validation"),
}
STRINGS.update(VALIDATION_STRINGS)

#: units of the facts that the report's unit table does not name (zh, en)
FACT_UNITS: dict[str, tuple[str, str]] = {
    "yuan/person/year": ("元/人·年", "yuan/person/year"),
    "yuan/person-time": ("元/人次", "yuan/person-time"),
    "person-times": ("人次", "person-times"),
    "persons/household": ("人/户", "persons/household"),
    "prefectures": ("个州市", "prefectures"),
    "counties": ("个县", "counties"),
}


def fact_unit(u: str, lang: str) -> str:
    """A fact's unit in ``lang``."""
    if u in FACT_UNITS:
        return FACT_UNITS[u][0 if lang == "zh" else 1]
    return unit(u, lang) if u in UNITS else u


#: columns of the table (machine names, as in :class:`safetynet.validation.FitLine`)
COLUMNS = (
    "key", "item_zh", "item_en", "period", "model", "fact", "unit", "error", "tolerance",
    "within", "use", "status", "official", "source", "covered", "reason_zh", "reason_en",
)  # fmt: skip


def validation_frame(ds1: xr.Dataset) -> pd.DataFrame:
    """The fit rows of :func:`safetynet.validation.fit_rows` for the run ``ds1`` (one scenario:
    a scenario dimension of length 1 is added for the computation)."""
    ds = ds1 if "scenario" in ds1.dims else ds1.expand_dims("scenario")
    if "replicate" not in ds.dims:
        ds = ds.expand_dims("replicate")
    rows = validation.fit_rows(ds)
    return pd.DataFrame([dataclasses.asdict(r) for r in rows], columns=list(COLUMNS))


def _num(x: float) -> str:
    if not math.isfinite(x):
        return "—"
    return f"{x:,.2f}" if abs(x) < 100 else f"{x:,.0f}"


def shown_rows(df: pd.DataFrame, lang: str, full_addresses: bool = False) -> list[tuple[str, ...]]:
    """The table's cells in ``lang`` (zh: Chinese labels, reasons, no English notes). Sources
    show their web addresses by site (``ynmz.yn.gov.cn``) unless ``full_addresses`` (the
    workbook, where an address is copied): a long address wraps over several lines of a
    printed table, and percent-encoded ones are unreadable there."""
    out: list[tuple[str, ...]] = []
    for rec in df.to_dict("records"):
        r = pd.Series(rec)
        within = (
            "—"
            if r.within is None or pd.isna(r.within)
            else t("val_yes" if bool(r.within) else "val_no", lang)
        )
        out.append(
            (
                str(r.item_zh) if lang == "zh" else str(r.item_en),
                str(r.period),
                _num(float(r.fact)),
                _num(float(r.model)),
                "—" if not math.isfinite(float(r.error)) else f"{float(r.error):+.1%}",
                "—" if not math.isfinite(float(r.tolerance)) else f"{float(r.tolerance):.0%}",
                within,
                t(f"use_{r.use}", lang),
                t("val_official" if bool(r.official) else "val_estimated", lang),
                _addresses(
                    source_zh(str(r.source)) if lang == "zh" else str(r.source), full_addresses
                ),
                str(r.reason_zh if lang == "zh" else r.reason_en),
            )
        )
    return out


#: web addresses in a source (with or without the scheme)
URL = re.compile(r"(?:https?://\S+|\b[\w.-]+\.(?:cn|com|org|net)(?:/[^\s;,)）]*)?)")


def _addresses(source: str, full: bool) -> str:
    """``source`` with each web address as written (``full``) or as its site.

    >>> _addresses("民政厅 https://ynmz.yn.gov.cn/cms/5520.html", False)
    '民政厅 ynmz.yn.gov.cn'
    """
    if full:
        return source
    return URL.sub(lambda m: re.sub(r"^https?://", "", m.group()).split("/", 1)[0], source)


def source_zh(source: str) -> str:
    """The source for the Chinese report: its Chinese title (文号 included) and its address;
    English notes left out."""
    urls = URL.findall(source)
    rest = URL.sub(" ", source)
    rest = re.sub(r"\([^()]*\)", lambda m: m.group() if _cjk(m.group()) else " ", rest)
    rest = re.sub(r"\(\s*\)", " ", re.sub(r"[A-Za-z][A-Za-z .,'-]*", " ", rest))
    rest = re.sub(r"\s*[;；]\s*", "；", re.sub(r"\s+", " ", rest)).strip(" ；;,")
    rest = re.sub(r"[；;,\s]+([)）])", r"\1", rest)
    rest = rest if _cjk(rest) else ""
    return " ".join([rest, *urls]).strip()


def _cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


HEADERS = ("val_item", "val_period", "val_fact", "val_model", "val_error", "val_tolerance",
           "val_within", "val_use", "val_status", "val_source", "val_reason")  # fmt: skip


def summary_counts(df: pd.DataFrame) -> dict[str, int]:
    """Rows with a tolerance, and how many are within, by use."""
    tol = df[df["within"].notna() & df["covered"].astype(bool)]
    cal = tol[tol["use"] == "calibration"]
    held = tol[tol["use"] == "held out"]
    return {
        "n": len(tol),
        "cal": len(cal),
        "cal_in": int(cal["within"].astype(bool).sum()),
        "held": len(held),
        "held_in": int(held["within"].astype(bool).sum()),
    }


def path_figure(ds1: xr.Dataset, df: pd.DataFrame, lang: str) -> Figure:
    """Urban and rural dibao and tekun persons 2019–2024: the run's lines, the facts' dots."""
    fig = Figure(figsize=(9.5, 4.2), constrained_layout=True)
    ax = fig.subplots()
    cp = ds1["cases_persons"]
    other = [d for d in cp.dims if d not in ("month", "group", "county")]
    for d in other:
        cp = cp.median(d) if d == "replicate" else cp.isel({d: 0})
    cp = cp.sum("county") if "county" in cp.dims else cp
    cp = cp.sel(month=slice(np.datetime64("2019-01"), np.datetime64("2024-12")))
    months = pd.DatetimeIndex(cp["month"].values)
    series = (
        ("urban", list(constants.DIBAO_URBAN_GROUPS), ("城市低保", "Urban dibao"), "C0"),
        ("rural", list(constants.DIBAO_RURAL_GROUPS), ("农村低保", "Rural dibao"), "C1"),
        ("tekun", list(constants.TEKUN_GROUPS), ("特困人员", "Tekun"), "C2"),
    )
    i = 0 if lang == "zh" else 1
    facts = refdata.history_facts()
    wan = 1e4 if lang == "zh" else 1e3
    for name, groups, labels, colour in series:
        v = cp.sel(group=[g for g in groups if g in cp["group"].values]).sum("group").values
        ax.plot(months, v / wan, color=colour, label=labels[i])
        items = {f"{name}_dibao_persons", f"{name}_persons"} | (
            {"tekun_persons"} if name == "tekun" else set()
        )
        for f in facts.values():
            if f.geo != "yunnan" or f.item not in items or len(f.period) != 7:
                continue
            used = f.key in history.CALIBRATION_USE
            ax.plot([np.datetime64(f.period, "D")], f.value / wan, "o", color=colour,
                    mfc=colour if used else "white", ms=6)  # fmt: skip
        for k in (f"province_{name}_dibao_persons_2019_05",):
            tg = refdata.targets().get(k)
            if tg is not None:
                ax.plot([np.datetime64("2019-05-01")], tg.value / wan, "o", color=colour, ms=6)
    ax.set_ylabel("万人" if lang == "zh" else "thousand persons")
    ax.legend(loc="center right")
    ax.grid(alpha=0.3)
    return fig


def validation_section(data: ReportData, lang: str) -> Section:
    """The 校核 / Validation section of the report."""
    df = data.validation
    err = data.validation_error
    title = t("sec_validation", lang)
    if df is None:
        return Section("validation", title, (t("validation_missing", lang, err=err),),
                       newpage=True)  # fmt: skip
    paras = [t("validation_intro", lang, **summary_counts(df))]
    uncovered = int((~df["covered"].astype(bool)).sum())
    if uncovered:
        paras.append(t("validation_uncovered", lang, n=uncovered))
    with matplotlib.rc_context(fonts.rc_params(fonts.font_family())):
        fig = path_figure(data.ds1, df, lang)
    chart = Chart("validation_path", t("fig_validation", lang), t("cap_validation", lang), fig)
    numeric = (False, False, True, True, True, True, False, False, False, False, False)
    table = Table(
        "validation",
        t("tab_validation", lang),
        tuple(t(h, lang) for h in HEADERS),
        tuple(shown_rows(df, lang)),
        numeric,
    )
    return Section("validation", title, tuple(paras), (chart, table), newpage=True)


#: workbook columns of the validation sheet: (column, header string key)
SHEET_COLUMNS: tuple[tuple[str, str], ...] = (
    ("item", "val_item"),
    ("period", "val_period"),
    ("unit", "val_unit"),
    ("fact", "val_fact"),
    ("model", "val_model"),
    ("error", "val_error"),
    ("tolerance", "val_tolerance"),
    ("within", "val_within"),
    ("use", "val_use"),
    ("status", "val_status"),
    ("source", "val_source"),
    ("reason", "val_reason"),
)


def sheet_frame(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The validation sheet in ``lang``: numbers as numbers, texts in that language."""
    shown = shown_rows(df, lang, full_addresses=True)
    units = [str(u) for u in df["unit"]]

    return pd.DataFrame(
        {
            "item": [r[0] for r in shown],
            "period": df["period"].astype(str).to_numpy(),
            "unit": [fact_unit(u, lang) for u in units],
            "fact": df["fact"].to_numpy(dtype=float),
            "model": df["model"].to_numpy(dtype=float),
            "error": df["error"].to_numpy(dtype=float),
            "tolerance": df["tolerance"].to_numpy(dtype=float),
            "within": [r[6] for r in shown],
            "use": [r[7] for r in shown],
            "status": [r[8] for r in shown],
            "source": [r[9] for r in shown],
            "reason": [r[10] for r in shown],
        }
    )
