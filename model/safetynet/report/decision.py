"""Page 1 (the budget-year decision), the standard proposal, counties grouped by prefecture, the
county maps and the list of legal sources: sections of the :class:`~safetynet.report.view.Report`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
import xarray as xr

from safetynet.report import budget as bd
from safetynet.report import fonts, maps
from safetynet.report import formatting as fm
from safetynet.report import references as rf
from safetynet.report.content import ReportData, year_rows
from safetynet.report.i18n import STRINGS, t, unit
from safetynet.report.tables import PROVINCE
from safetynet.report.view import ESTIMATED, Chart, Section, Table, mark_rows


class _Row:
    """A table row with attribute access (values typed as Any for the formatters)."""

    def __init__(self, rec: dict[Any, Any]) -> None:
        self._rec = rec

    def __getattr__(self, name: str) -> Any:
        return self._rec[name]


STANDARD_PATHS = ("dibao.standard", "tekun.standard", "tekun.basic_standard")
SEP = {"zh": "；", "en": "; "}


def _money(x: float, lang: str) -> str:
    return fm.money_text(x, lang)


def _range(lo: float, hi: float, lang: str) -> tuple[str, str]:
    return fm.money_text(lo, lang, sign=False), fm.money_text(hi, lang, sign=False)


def _signed_money(x: float, lang: str) -> str:
    s = fm.money_text(abs(x), lang)
    return ("+" if x >= 0 else "−") + s


def _within(lo: float, hi: float) -> bool:
    return lo <= 0.0 <= hi


def _table(
    key: str,
    title: str,
    columns: Sequence[str],
    rows: list[list[str]],
    numeric: Sequence[bool],
    note: str = "",
    emphasis: Sequence[int] = (),
    in_pdf: bool = True,
    areas: Sequence[str] | None = None,
    markable: Sequence[bool] | None = None,
    lang: str = "zh",
) -> Table:
    """``areas``: the area code of each row (province, prefecture or county): the numbers
    (``markable`` columns, default the numeric ones) of rows resting on estimated inputs get
    the estimated mark and the table its footnote."""
    body = tuple(tuple(r) for r in rows)
    marked = ESTIMATED.get()
    if areas is not None and marked and body:
        flags = [a in marked for a in areas]
        body, any_mark = mark_rows(body, flags, list(markable or numeric))
        if any_mark:
            note = f"{note} {t('estimated_note', lang)}".strip()
    return Table(key, title, tuple(columns), body, tuple(numeric), note, in_pdf, tuple(emphasis))


def _band_rows(
    df: pd.DataFrame, labels: dict[str, str], lang: str, single: bool = False
) -> tuple[list[str], list[list[str]]]:
    """Rows of a page-1 table; ``single`` (one replicate): the band cells show "—"."""
    has_base = "baseline" in df
    cols = [
        t("item", lang),
        f"{t('value', lang)}（{unit('10k yuan', lang)}）"
        if lang == "zh"
        else f"{t('value', lang)} ({unit('10k yuan', lang)})",
        t("band_p10_p90", lang),
    ]
    if has_base:
        cols += [
            t("baseline_value", lang),
            t("change", lang),
            t("change_pct", lang),
            t("change_band", lang),
        ]
    rows = []
    for rec in df.to_dict("records"):
        r = _Row(rec)
        m = str(r.measure)
        band = fm.MISSING if single else f"{fm.wan(r.p10)}—{fm.wan(r.p90)}"
        row = [labels.get(m, m), fm.wan(r.value), band]
        if has_base:
            pct = r.change_pct
            row += [
                fm.wan(r.baseline),
                fm.signed(r.change / fm.WAN, 1),
                fm.MISSING if pd.isna(pct) else f"{pct:+.1f}%",
                fm.MISSING
                if single
                else f"{fm.signed(r.change_p10 / fm.WAN, 1)}—{fm.signed(r.change_p90 / fm.WAN, 1)}",
            ]
        rows.append(row)
    return cols, rows


# --------------------------------------------------------------------------- proposal


def _where(where: str, names: dict[str, str], lang: str) -> tuple[str, str]:
    """'530102/rural' -> (county code, side label)."""
    code, _, side = where.partition("/")
    label = t(f"side_{side}", lang) if side in ("urban", "rural") else side
    return code, label


def proposal(data: ReportData, lang: str) -> pd.DataFrame:
    """County standard changes of the scenario: code, names, prefecture, side, current,
    proposed, rise, basis (from the run record's parameter differences)."""
    p = data.parameters
    ds = data.ds1
    codes = np.asarray(ds["county"].values).astype(str)
    name = dict(zip(codes, np.asarray(ds[f"county_name_{lang}"].values).astype(str), strict=True))
    pref = dict(zip(codes, np.asarray(ds["prefecture"].values).astype(str), strict=True))
    pname = dict(
        zip(codes, np.asarray(ds[f"prefecture_name_{lang}"].values).astype(str), strict=True)
    )
    rows = []
    for rec in p.to_dict("records"):
        r = _Row(rec)
        if r.path not in STANDARD_PATHS or not r.where:
            continue
        code, side = _where(str(r.where), name, lang)
        if code not in name:
            continue
        try:
            old, new = float(r.old_value), float(r.new_value)
        except (TypeError, ValueError):
            continue
        rows.append(
            {
                "area": code,
                "name": name[code],
                "prefecture": pref[code],
                "prefecture_name": pname[code],
                "programme": r.path,
                "side": side,
                "start": r.start,
                "current": old,
                "proposed": new,
                "rise": new / old - 1.0 if old else np.nan,
                "basis": rf.basis(str(r.reference), lang, str(r.status)),
            }
        )
    df = pd.DataFrame(rows)
    if not len(df):
        return df
    # one row per county, side and programme: the change in force in the budget year (a
    # scenario may change a standard at several dates)
    year = data.reporting_year
    df["_y"] = pd.to_numeric(df["start"].astype(str).str[:4], errors="coerce")
    df = df.sort_values("start")
    inside = df[df["_y"] <= year]
    pick = inside if len(inside) else df
    out = pick.groupby(["area", "side", "programme"], sort=False).tail(1)
    order = {a: i for i, a in enumerate(codes)}
    out = out.assign(_o=out["area"].map(order)).sort_values(["_o", "side"])
    return out.drop(columns=["_y", "_o"]).reset_index(drop=True)


def proposal_tables(data: ReportData, lang: str) -> tuple[Table | None, Table | None]:
    """(by prefecture for page 1, by county for the detail)."""
    df = proposal(data, lang)
    if not len(df):
        return None, None
    yuan = unit("yuan/person/month", lang)
    head = [
        t("prefecture", lang),
        t("side", lang),
        t("counties_changed", lang),
        f"{t('current', lang)}（{yuan}）" if lang == "zh" else f"{t('current', lang)} ({yuan})",
        f"{t('proposed', lang)}（{yuan}）" if lang == "zh" else f"{t('proposed', lang)} ({yuan})",
        t("rise", lang),
        t("basis", lang),
    ]
    rows = []
    row_areas: list[str] = []
    for (pcode, side), g in df.groupby(["prefecture", "side"], sort=True):
        row_areas.append(str(pcode))
        lo_c, hi_c = g["current"].min(), g["current"].max()
        lo_p, hi_p = g["proposed"].min(), g["proposed"].max()
        lo_r, hi_r = g["rise"].min(), g["rise"].max()
        rise = (
            fm.percent(lo_r)
            if abs(hi_r - lo_r) < 1e-9
            else f"{fm.percent(lo_r)}—{fm.percent(hi_r)}"
        )
        rows.append(
            [
                str(g["prefecture_name"].iloc[0]),
                str(side),
                str(g["area"].nunique()),
                f"{fm.number(lo_c, 0)}—{fm.number(hi_c, 0)}",
                f"{fm.number(lo_p, 0)}—{fm.number(hi_p, 0)}",
                rise,
                SEP[lang].join(dict.fromkeys(g["basis"])),
            ]
        )
    bases = list(dict.fromkeys(df["basis"]))
    one = len(bases) == 1
    note = f"{t('basis', lang)}：{bases[0]}" if lang == "zh" else f"{t('basis', lang)}: {bases[0]}"
    if one:
        head, rows = head[:-1], [r[:-1] for r in rows]
    summary = _table(
        "proposal_prefecture",
        t("tab_proposal_prefecture", lang),
        head,
        rows,
        (False, False, True, True, True, True, False)[: len(head)],
        note=note if one else "",
        areas=row_areas,
        markable=(False, False, False, True, True, False, False)[: len(head)],
        lang=lang,
    )
    chead = [
        t("prefecture", lang),
        t("county", lang),
        t("side", lang),
        t("start", lang),
        head[3],
        head[4],
        t("rise", lang),
        t("basis", lang),
    ]
    crow: list[list[str]] = []
    emph: list[int] = []
    careas: list[str] = []
    for pcode, g in df.groupby("prefecture", sort=True):
        emph.append(len(crow))
        careas.append(str(pcode))
        crow.append(
            [
                str(g["prefecture_name"].iloc[0]),
                f"{t('subtotal', lang)} {len(g)}",
                "",
                "",
                "",
                "",
                f"{fm.percent(g['rise'].mean())}",
                "",
            ]
        )
        for rec in g.to_dict("records"):
            r = _Row(rec)
            careas.append(str(r.area))
            crow.append(
                [
                    str(r.prefecture_name),
                    str(r.name),
                    str(r.side),
                    str(r.start),
                    fm.number(r.current, 2),
                    fm.number(r.proposed, 2),
                    fm.percent(r.rise),
                    str(r.basis),
                ]
            )
    if one:
        chead, crow = chead[:-1], [r[:-1] for r in crow]
    detail = _table(
        "proposal_county",
        t("tab_proposal_county", lang),
        chead,
        crow,
        (False, False, False, False, True, True, True, False)[: len(chead)],
        emphasis=emph,
        note=note if one else "",
        areas=careas,
        markable=(False, False, False, False, True, True, False, False)[: len(chead)],
        lang=lang,
    )
    return summary, detail


# --------------------------------------------------------------------------- page 1


def _cpi_status(data: ReportData, year: int, lang: str) -> str:
    if "cpi_status" not in data.ds1:
        return fm.MISSING
    st = data.ds1["cpi_status"]
    if "replicate" in st.dims:
        st = st.isel(replicate=0)
    mask = np.asarray(st["month"].dt.year.values) == year
    vals = set(np.asarray(st.values)[mask].astype(str))
    if vals == {"projected"}:
        return t("cpi_projected", lang)
    if "projected" in vals:
        return t("cpi_mixed", lang)
    return t("cpi_observed", lang)


def decision_section(data: ReportData, lang: str) -> tuple[Section, Section | None]:
    """Page 1 and (for a reform) the county proposal section."""
    b = data.budget
    assert b is not None
    year = b.year
    need = b.need.set_index("measure")
    tot: dict[str, Any] = {str(k): v for k, v in need.loc["budget_need"].to_dict().items()}
    lo, hi = _range(float(tot["p10"]), float(tot["p90"]), lang)
    single = b.replicates < 2  # one replicate: no band to print
    need_key = "decision_need_single" if single else "decision_need"
    paras = [t(need_key, lang, year=year, need=_money(float(tot["value"]), lang), lo=lo, hi=hi)]
    warnings = []
    if b.replicates < bd.MIN_BAND_REPLICATES:
        warnings.append(t("few_replicates", lang, n=b.replicates, min=bd.MIN_BAND_REPLICATES))
    if "change" in tot:
        c = float(tot["change"])
        clo, chi = float(tot["change_p10"]), float(tot["change_p90"])
        what = t(
            "clause_up" if c > 0 else "clause_down",
            lang,
            what=t("what_need", lang),
            x=fm.money_text(abs(c), lang),
        )
        pct = tot["change_pct"]
        paras.append(
            t(
                "decision_change_single" if single else "decision_change",
                lang,
                what=what,
                pct=fm.MISSING if pd.isna(pct) else f"{pct:+.1f}%",
                lo=_signed_money(clo, lang),
                hi=_signed_money(chi, lang),
            )
        )
        if _within(clo, chi) and not single:
            paras.append(t("decision_change_noise", lang))
        if not b.paired:
            warnings.append(t("not_paired", lang))
    from safetynet.report.view import baseline_mismatch

    mismatch = baseline_mismatch(data.record, data.baseline_record)
    if mismatch:
        warnings.append(t("baseline_mismatch", lang, items=", ".join(mismatch)))
    if b.rule:
        key = f"rule_{b.rule}"
        rule = t(key, lang) if key in STRINGS else b.rule
        paras.append(t("decision_rule", lang, rule=rule))
    last = bd.last_data_year()
    if last is not None:
        paras.append(t("decision_year_note", lang, last=last))
    labels = {p: t(p, lang) for p in need.index}
    labels["budget_need"] = t("budget_need", lang)
    cols, rows = _band_rows(b.need, labels, lang, single)
    blocks: list[Table | Chart] = [
        _table(
            "need_programme",
            f"{t('tab_need_programme', lang)} · {year}",
            cols,
            rows,
            [False] + [True] * (len(cols) - 1),
            emphasis=[len(rows) - 1],
            areas=[PROVINCE] * len(rows),
            lang=lang,
        )
    ]
    flabels = {m: t(f"source_{m}", lang) for m in b.funding["measure"]}
    cols, rows = _band_rows(b.funding, flabels, lang, single)
    note = "" if b.sources_available else t("no_sources", lang)
    blocks.append(
        _table(
            "funding_source",
            f"{t('tab_funding_source', lang)} · {year}",
            cols,
            rows,
            [False] + [True] * (len(cols) - 1),
            note=note,
            areas=[PROVINCE] * len(rows),
            lang=lang,
        )
    )
    summary, detail = proposal_tables(data, lang)
    if summary is not None:
        blocks.append(summary)
    else:
        paras.append(t("no_proposal", lang))
    est = []
    if b.estimated_share is not None:
        est.append(t("estimates_share", lang, pct=fm.percent(b.estimated_share)))
    else:
        est.append(t("estimates_missing", lang))
    if b.estimated_inputs:
        est.append(t("estimates_list", lang, items=SEP[lang].join(b.estimated_inputs)))
    est.append(t("estimates_cpi", lang, status=_cpi_status(data, year, lang)))
    n_est = (
        int(data.parameters["status"].isin(["estimated", "ASSUMED", "assumed"]).sum())
        if len(data.parameters)
        else 0
    )
    est.append(t("estimates_params", lang, n=n_est))
    rows = data.record.get("parameter_diff") or []
    planner = [r for r in rows if isinstance(r, dict) and r.get("planner")]
    if planner:
        names = dict.fromkeys(str(r.get(f"label_{lang}") or r.get("path")) for r in planner)
        est.append(t("estimates_planner", lang, n=len(planner), items=SEP[lang].join(names)))
    est.append(t("estimates_calibration", lang))
    blocks.append(
        _table(
            "estimates", t("tab_estimates", lang), [t("item", lang)], [[e] for e in est], [False]
        )
    )
    first = Section(
        "decision", t("sec_decision", lang), tuple(paras), tuple(blocks), tuple(warnings)
    )
    second = None
    if detail is not None:
        second = Section("proposal", t("sec_proposal", lang), (), (detail,), newpage=True)
    return first, second


# --------------------------------------------------------------------------- counties


def _persons(df: pd.DataFrame) -> np.ndarray:
    return (df["dibao_total"] + df["tekun_total"]).to_numpy(dtype=float)


def county_section(data: ReportData, lang: str) -> Section:
    """Budget-year county table grouped by prefecture, with subtotals (levels and changes)."""
    year = data.reporting_year
    mc = year_rows(data.money["county"], year)
    cc = year_rows(data.caseloads["county"], year)
    mp = year_rows(data.money["prefecture"], year).set_index("area")
    cp = year_rows(data.caseloads["prefecture"], year).set_index("area")
    pref = dict(
        zip(
            np.asarray(data.ds1["county"].values).astype(str),
            np.asarray(data.ds1["prefecture"].values).astype(str),
            strict=True,
        )
    )
    base = data.base_money_county is not None and data.base_caseloads_county is not None
    w = unit("10k yuan", lang)
    p_ = unit("persons", lang)

    def hd(key: str, u: str) -> str:
        return f"{t(key, lang)}（{u}）" if lang == "zh" else f"{t(key, lang)} ({u})"

    cols = [
        t("prefecture", lang),
        t("county", lang),
        hd("budget_need", w),
        hd("funding_gap", w),
        hd("map_cases", p_),
    ]
    if base:
        cols += [
            f"{hd('budget_need', w)} {t('change', lang)}",
            f"{t('budget_need', lang)} %",
            f"{hd('map_cases', p_)} {t('change', lang)}",
        ]
        bm = year_rows(data.base_money_county, year).set_index("area")  # type: ignore[arg-type]
        bc = year_rows(data.base_caseloads_county, year).set_index("area")  # type: ignore[arg-type]
        bmp = year_rows(data.base_money_prefecture, year).set_index("area")  # type: ignore[arg-type]
        bcp = year_rows(data.base_caseloads_prefecture, year).set_index("area")  # type: ignore[arg-type]
    mci = mc.set_index("area")
    cci = cc.set_index("area")
    rows: list[list[str]] = []
    emph: list[int] = []
    row_areas: list[str] = []

    def line(
        label0: str,
        label1: str,
        m: pd.Series,
        c: pd.Series,
        bm_: pd.Series | None,
        bc_: pd.Series | None,
    ) -> list[str]:
        persons = float(c["dibao_total"] + c["tekun_total"])
        row = [
            label0,
            label1,
            fm.wan(m["budget_need"]),
            fm.wan(m["funding_gap"]),
            fm.number(persons, 0),
        ]
        if bm_ is not None and bc_ is not None:
            d = float(m["budget_need"] - bm_["budget_need"])
            pct = d / float(bm_["budget_need"]) * 100 if float(bm_["budget_need"]) else np.nan
            dp = persons - float(bc_["dibao_total"] + bc_["tekun_total"])
            row += [
                fm.signed(d / fm.WAN, 1),
                fm.MISSING if np.isnan(pct) else f"{pct:+.1f}%",
                fm.signed(dp, 0),
            ]
        return row

    for pcode in mp.index:
        name = str(mp.loc[pcode, f"name_{lang}"])
        emph.append(len(rows))
        row_areas.append(str(pcode))
        rows.append(
            line(
                name,
                t("subtotal", lang),
                mp.loc[pcode],
                cp.loc[pcode],
                bmp.loc[pcode] if base else None,
                bcp.loc[pcode] if base else None,
            )
        )
        for code in mc["area"]:
            if pref.get(code) != pcode:
                continue
            row_areas.append(str(code))
            rows.append(
                line(
                    name,
                    str(mci.loc[code, f"name_{lang}"]),
                    mci.loc[code],
                    cci.loc[code],
                    bm.loc[code] if base else None,
                    bc.loc[code] if base else None,
                )
            )
    tab = _table(
        "counties_grouped",
        t("tab_counties_levels", lang, year=year),
        cols,
        rows,
        [False, False] + [True] * (len(cols) - 2),
        note=t("units_note", lang),
        emphasis=emph,
        areas=row_areas,
        lang=lang,
    )
    return Section("counties", t("sec_counties", lang), (), (tab,), newpage=True)


def map_chart(data: ReportData, lang: str) -> Chart:
    """Three county maps for the budget year: need (change), gap per person, caseload (change)."""
    year = data.reporting_year
    codes = [str(c) for c in np.asarray(data.ds1["county"].values)]
    mc = year_rows(data.money["county"], year).set_index("area").reindex(codes)
    cc = year_rows(data.caseloads["county"], year).set_index("area").reindex(codes)
    persons = (cc["dibao_total"] + cc["tekun_total"]).to_numpy(dtype=float)
    need = mc["budget_need"].to_numpy(dtype=float) / fm.WAN
    change = data.base_money_county is not None and data.base_caseloads_county is not None
    if change:
        bm = year_rows(data.base_money_county, year).set_index("area").reindex(codes)  # type: ignore[arg-type]
        bc = year_rows(data.base_caseloads_county, year).set_index("area").reindex(codes)  # type: ignore[arg-type]
        need = need - bm["budget_need"].to_numpy(dtype=float) / fm.WAN
        persons = persons - (bc["dibao_total"] + bc["tekun_total"]).to_numpy(dtype=float)
    pop = data.ds1.get("population_persons")
    if pop is not None:
        months = np.asarray(pop["month"].dt.year.values) == year
        p = pop.isel(month=np.flatnonzero(months)[-1])
        if "replicate" in p.dims:
            p = p.mean("replicate")
        popv = p.sel(county=codes).to_numpy().astype(float)
        gap = mc["funding_gap"].to_numpy(dtype=float) / np.where(popv > 0, popv, np.nan)
    else:
        gap = np.full(len(codes), np.nan)
    suffix = t("map_change_suffix", lang) if change else ""
    panels = [
        (t("map_need", lang) + suffix, need, unit("10k yuan", lang), change),
        (t("map_gap", lang), gap, f"{unit('yuan', lang)}/{unit('persons', lang)}", True),
        (t("map_cases", lang) + suffix, persons, unit("persons", lang), change),
    ]
    prefs = sorted({str(x)[:4] + "00" for x in np.asarray(data.ds1["prefecture"].values)})
    family = fonts.font_family()
    with matplotlib.rc_context(fonts.rc_params(family)):
        fig = maps.choropleth(codes, panels, prefs)
    return Chart(
        "map_counties", t("fig_map", lang, year=year), t("cap_map", lang, change=suffix), fig
    )


# --------------------------------------------------------------------------- references


def references_section(texts: Sequence[str], lang: str) -> Section:
    """Every document cited anywhere in ``texts`` with issuer, title, 文号 and date."""
    seen: dict[str, rf.Reference] = {}
    for s in texts:
        for c in rf.citations(s):
            seen.setdefault(c.ref.code, c.ref)
    rows = []
    for r in seen.values():
        title = r.title_zh if lang == "zh" else f"{r.title_en} ({r.title_zh})"
        issuer = r.issuer_zh if lang == "zh" else r.issuer_en
        rows.append([issuer, title, r.doc_no or t("no_doc_no", lang), r.date])
    tab = _table(
        "references",
        t("tab_references", lang),
        [t("ref_issuer", lang), t("ref_title", lang), t("ref_no", lang), t("ref_date", lang)],
        rows,
        [False, False, False, False],
    )
    return Section("references", t("sec_references", lang), (), (tab,))


# --------------------------------------------------------------------------- other outputs

#: county outputs of other modules shown when a run has them: name -> "flow" (summed over the
#: year) or "stock" (the year's last month). #12r: institution places, township-approved and
#: case-by-case temporary cases, advance payments (S3 二(二), S4 四(九), S3 二(三)); #16c:
#: tuopin and monitored population (S2 二(二), S3 一(二)).
OTHER_OUTPUTS: dict[str, str] = {
    "tekun_institution_places": "stock",
    "temporary_township_cases": "flow",
    "temporary_case_by_case_cases": "flow",
    "temporary_advance": "flow",
    "tuopin_households": "stock",
    "tuopin_at_risk_households": "stock",
    "tuopin_at_risk_persons": "stock",
    "monitored_households": "stock",
    "monitored_persons": "stock",
}


def _province_year(da: xr.DataArray, kind: str, year: int) -> float:
    """Province value of one output in ``year`` (replicate mean)."""
    months = np.flatnonzero(np.asarray(da["month"].dt.year.values) == year)
    if not months.size:
        return float("nan")
    sel = da.isel(month=months) if kind == "flow" else da.isel(month=months[-1:])
    rest = [d for d in sel.dims if d != "replicate"]
    total = sel.sum(rest)
    return float(total.mean()) if "replicate" in total.dims else float(total)


def other_outputs_section(data: ReportData, lang: str) -> Section | None:
    """A short table of the other modules' county outputs in the budget year (None when the
    run has none of them)."""
    names = [n for n in OTHER_OUTPUTS if n in data.ds1.data_vars]
    if not names:
        return None
    year = data.reporting_year
    base = data.base1
    has_base = base is not None and all(n in base.data_vars for n in names)
    cols = [t("item", lang), t("unit", lang), f"{t('value', lang)} · {year}"]
    if has_base:
        cols += [t("baseline_value", lang), t("change", lang)]
    rows = []
    for n in names:
        da = data.ds1[n]
        u = str(da.attrs.get("units", ""))
        label = str(da.attrs.get("long_name_zh" if lang == "zh" else "long_name", n))
        money = u == "yuan"
        shown_u = "10k yuan" if money else u
        if n.endswith("_cases") and u == "households":
            shown_u = "household-cases"
        v = _province_year(da, OTHER_OUTPUTS[n], year)

        def f(x: float, money: bool = money) -> str:
            return fm.wan(x) if money else fm.number(x, 0)

        row = [label, unit(shown_u, lang), f(v)]
        if has_base:
            assert base is not None
            b = _province_year(base[n], OTHER_OUTPUTS[n], year)
            d = v - b
            row += [f(b), fm.signed(d / fm.WAN, 1) if money else fm.signed(d, 0)]
        rows.append(row)
    tab = _table(
        "other_outputs",
        t("tab_other_outputs", lang),
        cols,
        rows,
        [False, False] + [True] * (len(cols) - 2),
        note=t("other_outputs_note", lang),
        areas=[PROVINCE] * len(rows),
        lang=lang,
    )
    return Section("other_outputs", t("sec_other_outputs", lang), (), (tab,))
