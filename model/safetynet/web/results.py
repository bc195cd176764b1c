"""What the web page shows for the budget year, as plain tables (raw units: yuan, persons).

``budget_year(ds, base, year)`` -> :class:`YearResults`: need by programme, funding by source
and the gap (scenario, baseline, difference, P10/P90 over replicates), caseloads, a county
table, the planners' checks (safetynet.report.checks) and the CPI trigger months. Money is summed
over the 12 months of the year; caseloads are taken in December; replicates are averaged.
Funding sources: the Dataset's ``transfers`` / ``county_budget`` lines, plus the budget-year
allocation by source (``fund_allocation`` over ``year`` × ``source``) and the yearly
``fund_reserve_released`` / ``fund_gap`` / ``fund_surplus`` of issue #14 when the run has them
(absent: those rows are simply not shown).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import xarray as xr

from safetynet.outputs import PROGRAMMES
from safetynet.report import checks as ck
from safetynet.report import tables as tb

FUNDING_LINES: tuple[str, ...] = ("budget_need", "transfers", "county_budget", "funding_gap")
#: yearly funding lines of the budget-year allocation (issue #14), shown when present
YEAR_FUNDING: tuple[str, ...] = ("fund_reserve_released", "fund_gap", "fund_surplus")
CASELOAD_LINES: tuple[str, ...] = (
    "dibao_persons",
    "tekun_persons",
    "edge_households",
    "temporary_cases",
)


@dataclass(frozen=True)
class YearResults:
    """Tables of the budget year. Columns of the line tables: line, scenario, baseline, diff,
    p10, p90 (scenario's band over replicates; NaN with one replicate)."""

    year: int
    replicates: int
    programmes: pd.DataFrame
    funding: pd.DataFrame
    caseloads: pd.DataFrame
    counties: pd.DataFrame
    checks: pd.DataFrame | None  # None until add_checks
    cpi_months: pd.DataFrame


def _year(ds: xr.Dataset, year: int) -> xr.Dataset:
    ds1 = tb.select_scenario(ds)
    months = pd.DatetimeIndex(ds1["month"].values)
    return ds1.isel(month=np.flatnonzero(months.year == year))


def _lines(ds1: xr.Dataset, year: int) -> dict[str, xr.DataArray]:
    """Per replicate and county: every line of the year (yuan; persons/households)."""
    spend = ds1["spending"].sum("month")
    out = {f"prog_{p}": spend.sel(programme=p, drop=True) for p in PROGRAMMES}
    for name in FUNDING_LINES:
        out[name] = ds1[name].sum("month")
    # budget-year funding by source (issue #14: dims county, year[, source]) when the run has it
    alloc = ds1.get("fund_allocation")
    sourced = alloc is not None and {"year", "source", "county"} <= set(alloc.dims)
    if alloc is not None and sourced and year in alloc["year"].values:
        for s in alloc["source"].values:
            out[f"source_{s}"] = alloc.sel(year=year, source=s, drop=True)
    for name in YEAR_FUNDING:
        da = ds1.get(name)
        if da is not None and {"year", "county"} <= set(da.dims) and year in da["year"].values:
            out[name] = da.sel(year=year, drop=True)
    dec = ds1["cases_persons"].isel(month=-1)
    out["dibao_persons"] = dec.sel(group=list(tb.DIBAO_GROUPS)).sum("group")
    out["tekun_persons"] = dec.sel(group=list(tb.TEKUN_GROUPS)).sum("group")
    out["edge_households"] = ds1["cases_households"].isel(month=-1).sel(group="edge", drop=True)
    out["temporary_cases"] = ds1["cases_households"].sel(group="temporary", drop=True).sum("month")
    return {k: v.drop_vars([c for c in v.coords if c not in v.dims]) for k, v in out.items()}


def _line_table(
    names: tuple[str, ...], now: dict[str, xr.DataArray], base: dict[str, xr.DataArray] | None
) -> pd.DataFrame:
    rows = []
    for name in names:
        total = now[name].sum("county")
        mean = float(total.mean("replicate"))
        many = total.sizes.get("replicate", 1) > 1
        p10 = float(total.quantile(0.1, "replicate")) if many else np.nan
        p90 = float(total.quantile(0.9, "replicate")) if many else np.nan
        b = float(base[name].sum("county").mean("replicate")) if base and name in base else np.nan
        rows.append(
            {
                "line": name,
                "scenario": mean,
                "baseline": b,
                "diff": mean - b,
                "p10": p10,
                "p90": p90,
            }
        )
    return pd.DataFrame(rows)


_BASE_LINES: OrderedDict[tuple[int, int], tuple[xr.Dataset, dict[str, xr.DataArray]]] = (
    OrderedDict()
)
_BASE_LOCK = threading.Lock()


def _base_lines(base: xr.Dataset, year: int) -> dict[str, xr.DataArray]:
    """The baseline's lines of the year, computed once per baseline run (it is shared by every
    lever setting; the cache holds the Dataset, so its id is not reused)."""
    key = (id(base), year)
    with _BASE_LOCK:
        hit = _BASE_LINES.get(key)
    if hit is not None and hit[0] is base:
        return hit[1]
    lines = _lines(_year(base, year), year)
    with _BASE_LOCK:
        _BASE_LINES[key] = (base, lines)
        while len(_BASE_LINES) > 8:
            _BASE_LINES.popitem(last=False)
    return lines


def budget_year(
    ds: xr.Dataset, base: xr.Dataset | None, year: int, with_checks: bool = True
) -> YearResults:
    """The budget year's results of run ``ds`` against ``base`` (same counties and months).

    ``with_checks=False`` leaves the planners' checks out (``checks`` is None, every county's
    ``checks_failed`` -1): the page shows the rest at once and adds them with
    :func:`add_checks`, as they take as long as everything else together."""
    ds1 = _year(ds, year)
    if ds1.sizes["month"] == 0:
        raise ValueError(f"the run does not cover {year}")
    now = _lines(ds1, year)
    then = _base_lines(base, year) if base is not None else None
    sources = tuple(k for k in now if k.startswith("source_") or k in YEAR_FUNDING)
    programmes = _line_table(tuple(f"prog_{p}" for p in PROGRAMMES), now, then)
    programmes["line"] = programmes["line"].str.removeprefix("prog_")
    funding = _line_table((*FUNDING_LINES, *sources), now, then)
    caseloads = _line_table(CASELOAD_LINES, now, then)

    counties = pd.DataFrame(
        {
            "code": np.asarray(ds1["county"].values).astype(str),
            "name_zh": np.asarray(ds1["county_name_zh"].values).astype(str),
            "name_en": np.asarray(ds1["county_name_en"].values).astype(str),
            "prefecture": np.asarray(ds1["prefecture"].values).astype(str),
            "prefecture_zh": np.asarray(ds1["prefecture_name_zh"].values).astype(str),
            "prefecture_en": np.asarray(ds1["prefecture_name_en"].values).astype(str),
        }
    )
    for name in ("budget_need", "funding_gap", "dibao_persons", "tekun_persons"):
        counties[name] = now[name].mean("replicate").values
        counties[f"{name}_base"] = (
            then[name].mean("replicate").values if then is not None else np.nan
        )
    counties["need_diff"] = counties["budget_need"] - counties["budget_need_base"]
    with np.errstate(divide="ignore", invalid="ignore"):
        counties["need_diff_pct"] = 100.0 * counties["need_diff"] / counties["budget_need_base"]
    counties["checks_failed"] = -1
    out = YearResults(
        year=year,
        replicates=int(ds1.sizes.get("replicate", 1)),
        programmes=programmes,
        funding=funding,
        caseloads=caseloads,
        counties=counties,
        checks=None,
        cpi_months=cpi_months(ds1),
    )
    return add_checks(out, ds) if with_checks else out


def add_checks(res: YearResults, ds: xr.Dataset) -> YearResults:
    """``res`` with the planners' checks of the budget year (safetynet.report.checks on the
    year and the one before it, which check 4 compares with): failures per check and county."""
    year = res.year
    full = tb.select_scenario(ds)
    months = pd.DatetimeIndex(full["month"].values)
    two = full.isel(month=np.flatnonzero((months.year >= year - 1) & (months.year <= year)))
    record = tb.run_record(ds)
    limits = ck.limits_from_parameters(ck.year_end_dates(two), record)
    check_table = ck.checks(two, limits, record)
    check_year = check_table[check_table["year"] == year].reset_index(drop=True)
    counties = res.counties.copy()
    failed = check_year.set_index("area")["failed"]
    counties["checks_failed"] = failed.reindex(counties["code"]).fillna(0).astype(int).values
    summary = ck.summary(check_table)
    summary = summary[summary["year"] == year].reset_index(drop=True)
    rows = []
    for c in ck.CHECKS:
        rows.append(
            {
                "check": c,
                "fail": int(summary[f"{c}_fail"].iloc[0]) if len(summary) else 0,
                "na": int(summary[f"{c}_na"].iloc[0]) if len(summary) else 0,
                "counties": int(summary["counties"].iloc[0]) if len(summary) else 0,
            }
        )
    return replace(res, counties=counties, checks=pd.DataFrame(rows))


def cpi_months(ds1: xr.Dataset) -> pd.DataFrame:
    """Per month of the year: CPI and food CPI (yoy %, replicate mean), their thresholds, the
    share of replicates in which the price subsidy triggered somewhere, and counties triggered."""
    trig = ds1["price_trigger"]  # replicate, county, month
    anywhere = (trig.max("county") > 0).mean("replicate")
    counties = (trig > 0).sum("county").mean("replicate")

    def series(name: str) -> np.ndarray:
        da = ds1[name]
        return np.asarray(da.mean("replicate").values if "replicate" in da.dims else da.values)

    return pd.DataFrame(
        {
            "month": pd.DatetimeIndex(ds1["month"].values).strftime("%Y-%m"),
            "cpi": series("cpi_yoy_pct"),
            "cpi_threshold": series("cpi_threshold_pct"),
            "food_cpi": series("food_cpi_yoy_pct"),
            "food_threshold": series("food_cpi_threshold_pct"),
            "triggered_share": anywhere.values,
            "counties": counties.values,
        }
    )
