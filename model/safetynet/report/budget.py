"""The budget year: the figures of page 1 (need by programme and by funding source, the change
against the baseline with its band, what rests on estimates).

The budget year is, by default, the first calendar year after the last year of observed data
(the package's CPI series; a run may state it in ``ds.attrs["budget_year"]``), kept within the
run; ``safetynet report --year`` chooses another.

Funding by source reads the budget-year variables when the run has them (``fund_allocation``
over ``source`` = central, provincial, prefecture, county, ``fund_gap``, ``fund_surplus``,
``fund_reserve_released``, ``standard_rule``); a run without them falls back to the monthly
``transfers`` / ``county_budget`` / ``funding_gap`` summed over the year and says that the split
by source is not available. Which inputs are estimated reads ``input_estimated_share``
(county, fraction of the budget need resting on estimated or planner-supplied inputs) and
``ds.attrs["estimated_inputs"]`` (JSON list) when present.

Values are replicate means; bands are P10/P90 over replicates. With the baseline run on the same
replicates and seed, the change is taken replicate by replicate (common random numbers).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from safetynet.errors import InputError
from safetynet.outputs import PROGRAMMES
from safetynet.report.tables import align, run_record, years_of

SOURCES: tuple[str, ...] = ("central", "provincial", "prefecture", "county")
#: replicates below which P10/P90 bands are flagged as unreliable (stated in the report)
MIN_BAND_REPLICATES = 5
LOW, HIGH = 0.1, 0.9


def last_data_year() -> int | None:
    """The last calendar year with an observed CPI value in the package data (None if none)."""
    from safetynet import refdata

    try:
        series = refdata.cpi()["cpi_yoy_pct"]
    except (KeyError, OSError, ValueError):
        return None
    have = series.months[~np.isnan(series.values)]
    if not len(have):
        return None
    return int(str(have[-1])[:4])


def run_years(ds1: xr.Dataset) -> list[int]:
    return [int(y) for y in np.unique(years_of(ds1))]


def default_year(ds1: xr.Dataset) -> int:
    """The budget year of a run (see the module docstring)."""
    years = run_years(ds1)
    stated = ds1.attrs.get("budget_year")
    if stated is not None and int(stated) in years:
        return int(stated)
    last = last_data_year()
    if last is not None and last + 1 in years:
        return last + 1
    full = [y for y in years if np.count_nonzero(years_of(ds1) == y) == 12]
    return (full or years)[-1]


def check_year(ds1: xr.Dataset, year: int | None, source: str = "--year") -> int:
    """``year`` if the run covers it (default: :func:`default_year`); else an InputError."""
    if year is None:
        return default_year(ds1)
    years = run_years(ds1)
    if int(year) not in years:
        raise InputError(source, "year", f"a year of the run ({years[0]}–{years[-1]})", str(year))
    return int(year)


def _in_year(da: xr.DataArray, year: int) -> xr.DataArray:
    mask = np.asarray(da["month"].dt.year.values) == year
    return da.isel(month=np.flatnonzero(mask)).sum("month")


def _per_replicate(da: xr.DataArray) -> np.ndarray:
    """Province totals per replicate (1-D over replicates)."""
    rest = [d for d in da.dims if d != "replicate"]
    out = da.sum(rest) if rest else da
    return np.atleast_1d(np.asarray(out.values, dtype=np.float64))


def need_by_programme(ds1: xr.Dataset, year: int) -> dict[str, np.ndarray]:
    """Budget-year spending per programme and the total, per replicate (province, yuan)."""
    spend = _in_year(ds1["spending"], year)
    out = {p: _per_replicate(spend.sel(programme=p, drop=True)) for p in PROGRAMMES}
    out["budget_need"] = _per_replicate(_in_year(ds1["budget_need"], year))
    return out


def has_sources(ds1: xr.Dataset) -> bool:
    """True when the run carries the budget-year allocation by funding source."""
    return "fund_allocation" in ds1.data_vars and "source" in ds1["fund_allocation"].dims


def funding_by_source(ds1: xr.Dataset, year: int) -> dict[str, np.ndarray]:
    """Budget-year funding per source (and gap, reserve), per replicate (province, yuan).

    Without the budget-year variables: ``transfers`` (central + provincial, not split) and the
    county budget, with the signed gap.
    """
    if has_sources(ds1):
        alloc = ds1["fund_allocation"].sel(year=year, drop=True)
        out = {s: _per_replicate(alloc.sel(source=s, drop=True)) for s in SOURCES}
        for name in ("fund_reserve_released", "fund_gap", "fund_surplus"):
            if name in ds1.data_vars:
                out[name] = _per_replicate(ds1[name].sel(year=year, drop=True))
        return out
    return {
        "transfers": _per_replicate(_in_year(ds1["transfers"], year)),
        "county_budget": _per_replicate(_in_year(ds1["county_budget"], year)),
        "funding_gap": _per_replicate(_in_year(ds1["funding_gap"], year)),
    }


def paired(a1: xr.Dataset, b1: xr.Dataset) -> bool:
    """True when two runs share replicates and seed, so differences can be taken per replicate."""
    ra, rb = run_record(a1), run_record(b1)
    seeds = (ra.get("seeds") or {}, rb.get("seeds") or {})
    same_seed = all(isinstance(s, dict) for s in seeds) and seeds[0].get("seed") == seeds[1].get(
        "seed"
    )
    return bool(
        same_seed
        and a1.sizes.get("replicate") == b1.sizes.get("replicate")
        and np.array_equal(a1["replicate"].values, b1["replicate"].values)
    )


def band(values: np.ndarray) -> tuple[float, float, float]:
    """(mean, P10, P90) over replicates."""
    v = np.asarray(values, dtype=np.float64)
    return float(v.mean()), float(np.quantile(v, LOW)), float(np.quantile(v, HIGH))


def change_band(b: np.ndarray, a: np.ndarray, pair: bool) -> tuple[float, float, float]:
    """(mean change, P10, P90) of b − a: per replicate when paired, else the two spreads
    combined (P10 of b − P90 of a … P90 of b − P10 of a, a conservative band)."""
    if pair and b.shape == a.shape:
        return band(b - a)
    mb, lb, hb = band(b)
    ma, la, ha = band(a)
    return mb - ma, lb - ha, hb - la


@dataclass(frozen=True)
class BudgetYear:
    """Page 1's numbers (yuan, persons): rows of measure, value, P10, P90 and the change."""

    year: int
    need: pd.DataFrame
    funding: pd.DataFrame
    sources_available: bool
    replicates: int
    paired: bool
    rule: str
    estimated_share: float | None
    estimated_inputs: tuple[str, ...]


def _rows(
    this: dict[str, np.ndarray], base: dict[str, np.ndarray] | None, pair: bool
) -> pd.DataFrame:
    rows = []
    for name, v in this.items():
        mean, lo, hi = band(v)
        row: dict[str, object] = {"measure": name, "value": mean, "p10": lo, "p90": hi}
        if base is not None and name in base:
            a = base[name]
            d, dlo, dhi = change_band(v, a, pair)
            row.update(
                baseline=float(a.mean()),
                change=d,
                change_p10=dlo,
                change_p90=dhi,
                change_pct=d / float(a.mean()) * 100.0 if float(a.mean()) else np.nan,
            )
        rows.append(row)
    return pd.DataFrame(rows)


def _estimates(ds1: xr.Dataset, year: int) -> tuple[float | None, tuple[str, ...]]:
    share: float | None = None
    if "input_estimated_share" in ds1.data_vars:
        w = _in_year(ds1["budget_need"], year)
        s = ds1["input_estimated_share"]
        if "year" in s.dims:
            s = s.sel(year=year, drop=True)
        if "replicate" in s.dims:
            s = s.mean("replicate")
        wt = w.mean("replicate") if "replicate" in w.dims else w
        total = float(wt.sum())
        share = float((s * wt).sum()) / total if total else None
    names: tuple[str, ...] = ()
    raw = ds1.attrs.get("estimated_inputs")
    if isinstance(raw, str) and raw:
        try:
            got = json.loads(raw)
        except json.JSONDecodeError:
            got = []
        if isinstance(got, list):
            names = tuple(str(x) for x in got)
    return share, names


def standard_rule(ds1: xr.Dataset, year: int) -> str:
    """The rule set that set the budget year's standards ('' when the run does not say)."""
    if "standard_rule" in ds1.data_vars and "year" in ds1["standard_rule"].dims:
        try:
            return str(ds1["standard_rule"].sel(year=year).values)
        except KeyError:
            return ""
    return ""


def budget_year(ds1: xr.Dataset, base1: xr.Dataset | None, year: int) -> BudgetYear:
    """Everything page 1 states for ``year`` (with the change against ``base1`` if given)."""
    pair = False
    b1 = None
    if base1 is not None:
        pair = paired(ds1, base1)
        ds1, b1 = align(ds1, base1)
    need = _rows(
        need_by_programme(ds1, year), need_by_programme(b1, year) if b1 is not None else None, pair
    )
    fund = _rows(
        funding_by_source(ds1, year), funding_by_source(b1, year) if b1 is not None else None, pair
    )
    share, names = _estimates(ds1, year)
    return BudgetYear(
        year=year,
        need=need,
        funding=fund,
        sources_available=has_sources(ds1),
        replicates=int(ds1.sizes.get("replicate", 1)),
        paired=pair,
        rule=standard_rule(ds1, year),
        estimated_share=share,
        estimated_inputs=names,
    )
