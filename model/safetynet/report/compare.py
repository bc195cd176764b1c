"""Differences between two runs: caseloads and money by programme, per province, prefecture and
county and year (long tables), plus period totals for printing.

Both runs are reduced to one scenario each and restricted to their common counties and months.
Values are replicate means; ``diff = b − a``; ``diff_pct`` is relative to ``a``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from safetynet.files import written_atomically
from safetynet.outputs import GROUPS, PROGRAMMES
from safetynet.report.tables import (
    FLOW_GROUPS,
    FUNDING,
    ID_COLUMNS,
    LEVELS,
    align,
    caseloads,
    money,
)

#: caseload groups whose name is also a programme's get their own measure name
GROUP_MEASURE: dict[str, str] = {g: (f"{g}_cases" if g in PROGRAMMES else g) for g in GROUPS}
#: measure -> (unit, kind): flows are summed over years, stocks taken at the last year
MEASURES: dict[str, tuple[str, str]] = {
    **{p: ("yuan", "flow") for p in (*PROGRAMMES, *FUNDING)},
    **{
        GROUP_MEASURE[g]: ("person-cases", "flow") if g in FLOW_GROUPS else ("persons", "stock")
        for g in GROUPS
    },
    "dibao_total": ("persons", "stock"),
    "tekun_total": ("persons", "stock"),
}
COMPARE_COLUMNS: tuple[str, ...] = (
    "level",
    *ID_COLUMNS,
    "measure",
    "unit",
    "a",
    "b",
    "diff",
    "diff_pct",
)


@dataclass(frozen=True)
class Comparison:
    """Long tables of a − b differences per level; names of the two runs."""

    name_a: str
    name_b: str
    by_level: dict[str, pd.DataFrame]
    aligned: bool  # True when the runs had to be cut to their common counties / months
    #: run-record fields in which the runs differ (sample, replicates, seed, start, versions)
    mismatch: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


def _long(ds1: xr.Dataset, level: str) -> pd.DataFrame:
    m = money(ds1, level)
    c = caseloads(ds1, level)
    ids = list(ID_COLUMNS)
    parts = [
        m.melt(id_vars=ids, value_vars=[*PROGRAMMES, *FUNDING], var_name="measure"),
        c.rename(columns=GROUP_MEASURE).melt(
            id_vars=ids,
            value_vars=[*GROUP_MEASURE.values(), "dibao_total", "tekun_total"],
            var_name="measure",
        ),
    ]
    return pd.concat(parts, ignore_index=True)


def _pct(diff: pd.Series, base: pd.Series) -> pd.Series:
    b = base.to_numpy(dtype=float)
    d = diff.to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(b != 0, d / b * 100.0, np.nan)
    return pd.Series(out, index=diff.index)


#: levels whose differences get P10/P90 bands over replicates
BAND_LEVELS: tuple[str, ...] = ("province", "prefecture")


def _replicate_values(ds1: xr.Dataset, level: str) -> tuple[pd.MultiIndex, np.ndarray]:
    """Every measure of :data:`MEASURES` per replicate: (index area/year/measure, array
    replicate × rows), in the row order of :func:`_long`."""
    from safetynet.report.tables import (
        DIBAO_GROUPS,
        TEKUN_GROUPS,
        _numpy,
        areas,
        county_yearly,
    )

    if "replicate" not in ds1.dims:
        ds1 = ds1.expand_dims(replicate=[0])
    parts: dict[str, xr.DataArray] = {}
    spend = county_yearly(ds1, "spending", mean=False)
    for p in PROGRAMMES:
        parts[p] = spend.sel(programme=p, drop=True)
    for name in FUNDING:
        parts[name] = county_yearly(ds1, name, mean=False)
    ends = county_yearly(ds1, "cases_persons", "end", mean=False)
    sums = county_yearly(ds1, "cases_persons", "sum", mean=False)
    for g in GROUPS:
        parts[GROUP_MEASURE[g]] = (sums if g in FLOW_GROUPS else ends).sel(group=g, drop=True)
    parts["dibao_total"] = ends.sel(group=list(DIBAO_GROUPS)).sum("group")
    parts["tekun_total"] = ends.sel(group=list(TEKUN_GROUPS)).sum("group")
    # all measures as one (measure, replicate, county, year) array, summed into the level's
    # areas at once (one xarray selection per measure, not one per measure and level)
    stack = np.stack([_numpy(da, ("replicate", "county", "year")) for da in parts.values()])
    years = np.asarray(ends["year"].values, dtype=np.int64)
    if level == "county":
        keys = np.asarray(ds1["county"].values).astype(str)
    else:
        # the areas' order of :func:`areas` (sorted codes), as :func:`by_level` sums them
        keys = np.asarray(areas(ds1, level).index).astype(str)
        if level == "prefecture":
            pref = np.asarray(ds1["prefecture"].values).astype(str)
            member = (pref[None, :] == keys[:, None]).astype(np.float64)
            stack = np.moveaxis(np.tensordot(member, np.moveaxis(stack, 2, 0), 1), 0, 2)
        else:
            stack = stack.sum(axis=2, keepdims=True)
    n_m, n_r, n_a, n_y = stack.shape
    values = np.moveaxis(stack, 1, 0).reshape(n_r, -1)
    mi = pd.MultiIndex.from_arrays(
        [
            np.tile(np.repeat(keys.astype(object), n_y), n_m),
            np.tile(years, n_m * n_a),
            np.repeat(np.asarray(list(parts), dtype=object), n_a * n_y),
        ],
        names=["area", "year", "measure"],
    )
    return mi, values


def _replicate_diffs(a1: xr.Dataset, b1: xr.Dataset, level: str) -> pd.DataFrame:
    """P10 and P90 of b − a per area, year and measure over replicates: per replicate when the
    runs share replicates and seed (common random numbers), else the spreads combined."""
    from safetynet.report.budget import HIGH, LOW, paired

    index, va = _replicate_values(a1, level)
    index_b, vb = _replicate_values(b1, level)
    vb = pd.DataFrame(vb.T, index=index_b).reindex(index).to_numpy().T
    if paired(a1, b1) and va.shape == vb.shape:
        d = vb - va
        lo, hi = np.quantile(d, LOW, axis=0), np.quantile(d, HIGH, axis=0)
    else:
        lo = np.quantile(vb, LOW, axis=0) - np.quantile(va, HIGH, axis=0)
        hi = np.quantile(vb, HIGH, axis=0) - np.quantile(va, LOW, axis=0)
    return pd.DataFrame({"diff_p10": lo, "diff_p90": hi}, index=index).reset_index()


def mismatch_warnings(fields: tuple[str, ...], lang: str = "zh") -> tuple[str, ...]:
    """The warning printed when two runs differ in how they were run."""
    from safetynet.report.i18n import t

    if not fields:
        return ()
    return (t("compare_mismatch", lang, items=", ".join(fields)),)


def compare_runs(
    a1: xr.Dataset,
    b1: xr.Dataset,
    name_a: str = "A",
    name_b: str = "B",
    lang: str = "zh",
) -> Comparison:
    """Compare two single-scenario runs at every level (see the module docstring).

    Province and prefecture rows carry ``diff_p10`` / ``diff_p90`` (bands over replicates);
    ``mismatch`` names the run-record fields in which the runs differ.
    """
    from safetynet.report.tables import run_record
    from safetynet.report.view import baseline_mismatch

    fields = tuple(baseline_mismatch(run_record(b1), run_record(a1)))
    same = (
        a1.sizes["county"] == b1.sizes["county"]
        and a1.sizes["month"] == b1.sizes["month"]
        and bool(np.array_equal(a1["county"].values, b1["county"].values))
        and bool(np.array_equal(a1["month"].values, b1["month"].values))
    )
    if not same:  # same counties and months: keep the objects (their tables are cached)
        a1, b1 = align(a1, b1)
    out: dict[str, pd.DataFrame] = {}
    for level in LEVELS:
        la, lb = _long(a1, level), _long(b1, level)
        key = ["area", "year", "measure"]
        df = la.merge(lb[[*key, "value"]], on=key, suffixes=("_a", "_b"))
        df = df.rename(columns={"value_a": "a", "value_b": "b"})
        df["diff"] = df["b"] - df["a"]
        df["diff_pct"] = _pct(df["diff"], df["a"])
        df["unit"] = df["measure"].map(lambda m: MEASURES[m][0])
        df["level"] = level
        df = df[list(COMPARE_COLUMNS)].reset_index(drop=True)
        if level in BAND_LEVELS and "replicate" in a1.dims:
            df = df.merge(_replicate_diffs(a1, b1, level), on=key, how="left")
        out[level] = df
    return Comparison(
        name_a,
        name_b,
        out,
        aligned=not same,
        mismatch=fields,
        warnings=mismatch_warnings(fields, lang),
    )


def period_totals(long: pd.DataFrame) -> pd.DataFrame:
    """Whole-period a, b, diff per area and measure: flows summed, stocks at the last year."""
    kind = long["measure"].map(lambda m: MEASURES[m][1])
    flows = long[kind == "flow"].groupby(["area", "measure"], sort=False)[["a", "b"]].sum()
    last_year = long.groupby("area")["year"].transform("max")
    stocks = long[(kind == "stock") & (long["year"] == last_year)].set_index(["area", "measure"])[
        ["a", "b"]
    ]
    tot = pd.concat([flows, stocks])
    names = long.drop_duplicates("area").set_index("area")[["name_zh", "name_en"]]
    tot = tot.reset_index().join(names, on="area")
    tot["unit"] = tot["measure"].map(lambda m: MEASURES[m][0])
    tot["diff"] = tot["b"] - tot["a"]
    tot["diff_pct"] = _pct(tot["diff"], tot["a"])
    if "diff_p10" in long:
        bands = long.assign(_k=kind)
        fl = (
            bands[bands["_k"] == "flow"]
            .groupby(["area", "measure"], sort=False)[["diff_p10", "diff_p90"]]
            .sum()
        )  # a conservative band for a sum over years (quantiles do not add)
        last = bands["year"] == bands.groupby("area")["year"].transform("max")
        st = bands[(bands["_k"] == "stock") & last].set_index(["area", "measure"])[
            ["diff_p10", "diff_p90"]
        ]
        tot = tot.join(pd.concat([fl, st]), on=["area", "measure"])
    order = {m: i for i, m in enumerate(MEASURES)}
    area_order = {a: i for i, a in enumerate(names.index)}
    tot["_a"] = tot["area"].map(area_order)
    tot["_m"] = tot["measure"].map(order)
    tot = tot.sort_values(["_a", "_m"]).drop(columns=["_a", "_m"])
    cols = ["area", "name_zh", "name_en", "measure", "unit", "a", "b", "diff", "diff_pct"]
    cols += [c for c in ("diff_p10", "diff_p90") if c in tot]
    return tot[cols].reset_index(drop=True)


def run_name(ds: xr.Dataset, fallback: str) -> str:
    """A run's scenario name from its run record (else ``fallback``)."""
    from safetynet.report.tables import run_record

    scen = run_record(ds, fallback).get("scenario")
    if isinstance(scen, dict) and scen.get("name"):
        return str(scen["name"])
    return fallback


def compare_files(a: Path | str, b: Path | str, lang: str = "zh") -> Comparison:
    """Load two results files (clear errors if missing or wrong) and compare them (B − A)."""
    from safetynet.report.results import load_results
    from safetynet.report.tables import select_scenario

    da, db = load_results(a), load_results(b)
    return compare_runs(
        select_scenario(da), select_scenario(db), run_name(da, str(a)), run_name(db, str(b)), lang
    )


def write_comparison(cmp: Comparison, out_dir: Path, lang: str = "zh") -> dict[str, Path]:
    """Write compare.csv (every level, long: a, b, diff by area, year and measure) and
    compare.xlsx (province and prefectures long, counties as one column of B − A per measure),
    atomically. Returns {"xlsx": path, "csv": path}."""
    import xlsxwriter

    from safetynet import guard
    from safetynet.report import excel
    from safetynet.report.i18n import check_lang, t, unit

    check_lang(lang)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    targets = {"xlsx": out_dir / "compare.xlsx", "csv": out_dir / "compare.csv"}
    long = pd.concat([cmp.by_level[lv] for lv in LEVELS], ignore_index=True)
    long.insert(0, "run_b", cmp.name_b)
    long.insert(0, "run_a", cmp.name_a)
    notes = [[t("tab_compare_province", lang)], ["A", cmp.name_a], ["B", cmp.name_b]]
    notes += [[t("diff", lang), "B − A"], *([w] for w in cmp.warnings)]
    sheets = []
    for lv in ("province", "prefecture"):
        df = cmp.by_level[lv].copy()
        df["measure_label"] = df["measure"].map(lambda m: t(m, lang))
        df["unit_label"] = df["unit"].map(lambda u: unit(u, lang))
        cols = (
            *excel.id_columns(lang),
            excel.XCol("measure_label", label=t("measure", lang)),
            excel.XCol("unit_label", label=t("unit", lang)),
            excel.XCol("a", "", excel.DEC2, f"A {cmp.name_a}"),
            excel.XCol("b", "", excel.DEC2, f"B {cmp.name_b}"),
            excel.XCol("diff", "", excel.DEC2, "B − A"),
            *(
                excel.XCol(f"diff_{q}", "", excel.DEC2, f"B − A {q.upper()}")
                for q in ("p10", "p90")
                if f"diff_{q}" in df
            ),
            excel.XCol("diff_pct", "", "0.0", t("diff_pct", lang)),
        )
        sheets.append(excel.Sheet(f"sheet_compare_{lv}", df, cols, 3))
    sheets.append(excel.compare_sheets(cmp, lang)[-1])
    with written_atomically(targets) as temps:
        wb = xlsxwriter.Workbook(str(temps["xlsx"]), excel.OPTIONS)
        readme = wb.add_worksheet(t("sheet_readme", lang))
        for i, row in enumerate(notes):
            for j, v in enumerate(row):
                readme.write_string(i, j, str(v))
        for sheet in sheets:
            excel.write_sheet(wb, t(sheet.key, lang), sheet, lang)
        wb.close()
        guard.escape_frame_text(long).to_csv(temps["csv"], index=False, encoding="utf-8-sig")
    return targets
