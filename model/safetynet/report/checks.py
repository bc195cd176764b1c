"""The planners' checks per county and year (POLICY.md "Checks a planner expects").

1. dibao standard ≥ provincial floor, urban and rural, every month (S3 三(二));
2. tekun basic standard ≥ multiple × urban dibao standard, every month (S3 三(二), S4 二(二));
3. purchased services ≤ cap share × the year's total assistance spending (S4 五(十四));
4. temporary assistance per case ≥ last year's (S3 二(三)), judged against noise: it fails only
   when the fall is larger than the replicate spread allows (Student t at 95% on the per-replicate
   falls) and larger than the sample supports (sampling error of a mean over the sampled cases),
   else it is "within noise" (see :func:`temporary_margin`);
5. standard within the band over the provincial guidance: standard ≤ (1 + band) × floor at year
   end, urban and rural (S4 二(二) "按照增幅在省级指导标准的10%内"; informative where a county
   uses the consumption-based route instead).

The limits (multiple, cap share, band) are parameters read from the parameter tree at each year's
last month, with the run's scenario overrides applied; a missing parameter makes its check "n/a".
Values are replicate means. Status: "pass", "fail" or "n/a".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from safetynet.errors import SafetynetError
from safetynet.report.tables import area_year_table, year_end, yearly_sum

#: check -> parameter path of its limit
LIMIT_PATHS: dict[str, str] = {
    "tekun_multiple": "tekun.standard_multiple",
    "services_cap_share": "services.cap_share",
    "standard_rise_band": "dibao.standard_rise_band",
}
CHECKS: tuple[str, ...] = ("floor", "tekun", "services", "temporary", "band")
#: numerical slack: money in yuan, ratios as fractions (not policy numbers)
TOL_YUAN = 0.005
TOL_RATIO = 1e-9
PASS, FAIL, NA, NOISE = "pass", "fail", "n/a", "within_noise"
#: two-sided confidence of the noise margin of check 4 (a statistical choice, not policy)
NOISE_CONFIDENCE = 0.95
#: coefficient of variation of the amount per case assumed for the sampling error of check 4
#: (ASSUMED: amounts are months of the standard × household size, spread about as much as their
#: mean; a statistical assumption, stated in docs/report.md)
CASE_AMOUNT_CV = 1.0


@dataclass(frozen=True)
class Limits:
    """Limit values per check and year (NaN where unknown) and notes on what was missing."""

    values: Mapping[str, Mapping[int, float]]
    notes: tuple[str, ...] = field(default_factory=tuple)

    def series(self, name: str, years: Sequence[int]) -> xr.DataArray:
        """The limit of ``name`` for ``years`` as a DataArray over ``year``."""
        got = self.values.get(name, {})
        vals = [float(got.get(int(y), np.nan)) for y in years]
        return xr.DataArray(np.asarray(vals, dtype=np.float64), dims="year", coords={"year": years})


def _overrides(record: Mapping[str, Any]) -> list[Any]:
    from safetynet.params import Override, parse_date

    out = []
    rows = record.get("parameter_diff") or []
    for row in rows if isinstance(rows, list) else []:
        if not isinstance(row, Mapping) or row.get("path") not in LIMIT_PATHS.values():
            continue
        if row.get("where"):
            continue
        try:
            value = float(row["new"])
            start = parse_date(str(row["start"]), "run_record", "parameter_diff.start")
        except (KeyError, TypeError, ValueError, SafetynetError):
            continue
        out.append(Override(path=str(row["path"]), start=start, value=value))
    return sorted(out, key=lambda o: o.start)


def limits_from_parameters(year_ends: Mapping[int, dt.date], record: Mapping[str, Any]) -> Limits:
    """Limits at each year's last month from the parameter tree plus the run's overrides."""
    from safetynet.params import load_parameters

    notes: list[str] = []
    values: dict[str, dict[int, float]] = {k: {} for k in LIMIT_PATHS}
    try:
        ps = load_parameters()
        overrides = _overrides(record)
        if overrides:
            ps = ps.with_overrides(overrides)
    except SafetynetError as exc:
        return Limits(values, (f"parameters unavailable: {exc}",))
    for name, path in LIMIT_PATHS.items():
        try:
            for year, when in year_ends.items():
                values[name][year] = float(ps.value(path, when))  # type: ignore[arg-type]
        except (SafetynetError, TypeError, ValueError) as exc:
            values[name] = {}
            notes.append(f"{path}: {exc}")
    return Limits(values, tuple(notes))


def year_end_dates(ds1: xr.Dataset) -> dict[int, dt.date]:
    """The last month of each calendar year in the run, as dates."""
    months = pd.DatetimeIndex(ds1["month"].values)
    out: dict[int, dt.date] = {}
    for m in months:
        out[int(m.year)] = m.date()
    return out


def _mean(da: xr.DataArray) -> xr.DataArray:
    return da.mean("replicate") if "replicate" in da.dims else da


def _all_months(ok: xr.DataArray) -> xr.DataArray:
    return ok.groupby(ok["month"].dt.year.rename("year")).all("month")


def _status(ok: xr.DataArray, known: xr.DataArray) -> xr.DataArray:
    out = np.where(known.values, np.where(ok.values, PASS, FAIL), NA)
    return xr.DataArray(out, dims=ok.dims, coords=ok.coords)


def _per_month(limit: xr.DataArray, months: xr.DataArray) -> xr.DataArray:
    """Broadcast a per-year limit onto months."""
    years = months.dt.year
    return limit.sel(year=years).drop_vars("year")


def check_floor(ds1: xr.Dataset) -> dict[str, xr.DataArray]:
    """Dibao standard ≥ provincial floor in every month, urban and rural (S3 三(二))."""
    out: dict[str, xr.DataArray] = {}
    oks = []
    for side in ("urban", "rural"):
        std = _mean(ds1[f"standard_{side}"])
        floor = _mean(ds1[f"floor_{side}"])
        oks.append(_all_months(std - floor >= -TOL_YUAN))
        out[f"standard_{side}"] = year_end(std)
        out[f"floor_{side}"] = year_end(floor)
    ok = oks[0] & oks[1]
    out["floor_status"] = _status(ok, xr.ones_like(ok, dtype=bool))
    return out


def check_tekun(ds1: xr.Dataset, limits: Limits) -> dict[str, xr.DataArray]:
    """Tekun basic standard ≥ multiple × urban dibao standard in every month (S3 三(二))."""
    urban = _mean(ds1["standard_urban"])
    tekun = _mean(ds1["tekun_standard"])
    years = [int(y) for y in np.unique(ds1["month"].dt.year.values)]
    multiple = limits.series("tekun_multiple", years)
    floor = urban * _per_month(multiple, ds1["month"])
    ok = _all_months(tekun - floor >= -TOL_YUAN)
    known = xr.ones_like(ok, dtype=bool) & multiple.notnull()
    return {
        "tekun_standard": year_end(tekun),
        "tekun_floor": year_end(floor),
        "tekun_status": _status(ok, known),
    }


def check_services(ds1: xr.Dataset, limits: Limits) -> dict[str, xr.DataArray]:
    """Purchased services ≤ cap share × total assistance spending of the year (S4 五(十四))."""
    services = yearly_sum(_mean(ds1["spending"]).sel(programme="services", drop=True))
    total = yearly_sum(_mean(ds1["budget_need"]))
    share = (services / total.where(total > 0)).fillna(0.0)
    cap = limits.series("services_cap_share", [int(y) for y in share["year"].values])
    ok = share <= cap + TOL_RATIO
    known = xr.ones_like(ok, dtype=bool) & cap.notnull()
    return {
        "services_spending": services,
        "assistance_spending": total,
        "services_share": share,
        "services_cap_share": cap.broadcast_like(share),
        "services_status": _status(ok, known),
    }


def temporary_margin(
    per_case_r: xr.DataArray, cases: xr.DataArray, sample_fraction: float
) -> xr.DataArray:
    """Noise margin (yuan per case) of the year-on-year change of temporary assistance per case.

    Every county is tested each year, so the confidence is shared over the counties
    (Bonferroni: per county, two-sided level (1 − NOISE_CONFIDENCE) / counties). The margin is
    the larger of (a) the replicate spread: t quantile (R − 1 degrees of freedom) × sd over
    replicates of the change / √R (needs R ≥ 2), and (b) the sampling error the sample supports:
    normal quantile × per-case amount × CASE_AMOUNT_CV × √(1/n_now + 1/n_last), n = sampled
    cases over all replicates (weighted cases × sample fraction × R), times the finite-population
    correction √(1 − sample fraction).
    """
    from scipy.special import ndtri, stdtrit

    change = per_case_r - per_case_r.shift(year=1)
    n_rep = int(per_case_r.sizes.get("replicate", 1))
    n_counties = int(per_case_r.sizes.get("county", 1))
    tail = 1.0 - (1.0 - NOISE_CONFIDENCE) / n_counties / 2.0
    z = float(ndtri(tail))
    if n_rep >= 2:
        q = float(stdtrit(n_rep - 1, tail))
        spread = q * change.std("replicate", ddof=1) / np.sqrt(n_rep)
    else:
        spread = xr.zeros_like(change)
    n = cases * max(sample_fraction, 0.0) * n_rep
    n_last = n.shift(year=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.sqrt(1.0 / n.where(n > 0) + 1.0 / n_last.where(n_last > 0))
    per_case = per_case_r.mean("replicate") if "replicate" in per_case_r.dims else per_case_r
    fpc = np.sqrt(max(1.0 - sample_fraction, 0.0))  # a full count has no sampling error
    sampling = z * per_case * CASE_AMOUNT_CV * rel * fpc
    spread_m = spread if "replicate" not in spread.dims else spread.mean("replicate")
    out: xr.DataArray = np.fmax(spread_m.fillna(0.0), sampling.fillna(0.0))
    return out


def check_temporary(ds1: xr.Dataset, sample_fraction: float = 1.0) -> dict[str, xr.DataArray]:
    """Temporary assistance per case (yuan per household-case) ≥ last year's (S3 二(三)).

    "fail" only where the fall exceeds :func:`temporary_margin`; a smaller fall is
    "within noise".
    """
    money_r = yearly_sum(ds1["spending"].sel(programme="temporary", drop=True))
    cases_r = yearly_sum(ds1["cases_households"].sel(group="temporary", drop=True))
    per_case_r = money_r / cases_r.where(cases_r > 0)
    if "replicate" not in per_case_r.dims:
        per_case_r = per_case_r.expand_dims(replicate=[0])
    money = _mean(money_r)
    cases = _mean(cases_r)
    per_case = money / cases.where(cases > 0)
    last = per_case.shift(year=1)
    margin = temporary_margin(per_case_r, cases, sample_fraction)
    ok = per_case >= last - TOL_YUAN
    noise = ~ok & (per_case >= last - margin - TOL_YUAN)
    known = per_case.notnull() & last.notnull()
    status = xr.DataArray(
        np.where(known.values, np.where(ok.values, PASS, np.where(noise.values, NOISE, FAIL)), NA),
        dims=ok.dims,
        coords=ok.coords,
    )
    return {
        "temporary_per_case": per_case,
        "temporary_per_case_last_year": last,
        "temporary_margin": margin.where(known),
        "temporary_status": status,
    }


def check_band(ds1: xr.Dataset, limits: Limits) -> dict[str, xr.DataArray]:
    """Standard ≤ (1 + band) × provincial floor at year end, urban and rural (S4 二(二))."""
    out: dict[str, xr.DataArray] = {}
    oks = []
    band: xr.DataArray | None = None
    for side in ("urban", "rural"):
        std = year_end(_mean(ds1[f"standard_{side}"]))
        floor = year_end(_mean(ds1[f"floor_{side}"]))
        rise = std / floor.where(floor > 0) - 1.0
        band = limits.series("standard_rise_band", [int(y) for y in rise["year"].values])
        oks.append(rise <= band + TOL_RATIO)
        out[f"rise_{side}"] = rise
    assert band is not None
    ok = oks[0] & oks[1]
    known = out["rise_urban"].notnull() & out["rise_rural"].notnull() & band.notnull()
    out["rise_band"] = band.broadcast_like(ok)
    out["band_status"] = _status(ok, known)
    return out


def checks(
    ds1: xr.Dataset, limits: Limits, record: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """All checks per county and year: the numbers and a status column per check.

    ``record``: the run record (its ``sample_fraction`` sets the sampling error of check 4;
    without it the run is taken as a full count).
    """
    fraction = (record or {}).get("sample_fraction")
    sample_fraction = float(fraction) if isinstance(fraction, (int, float)) else 1.0
    cols: dict[str, xr.DataArray] = {}
    for part in (
        check_floor(ds1),
        check_tekun(ds1, limits),
        check_services(ds1, limits),
        check_temporary(ds1, sample_fraction),
        check_band(ds1, limits),
    ):
        cols.update(part)
    ref = cols["floor_status"]
    cols = {k: v.broadcast_like(ref).rename(county="area") for k, v in cols.items()}
    df = area_year_table(cols, ds1, "county")
    status = [f"{c}_status" for c in CHECKS]
    df["failed"] = (df[status] == FAIL).sum(axis=1).astype(np.int64)
    return df


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per year: counties passing, failing and not checked for each check."""
    rows = []
    for year, grp in table.groupby("year", sort=True):
        row: dict[str, Any] = {"year": int(str(year)), "counties": len(grp)}
        for c in CHECKS:
            col = grp[f"{c}_status"]
            row[f"{c}_fail"] = int((col == FAIL).sum())
            row[f"{c}_na"] = int((col == NA).sum())
            row[f"{c}_noise"] = int((col == NOISE).sum())
        row["any_fail"] = int((grp["failed"] > 0).sum())
        rows.append(row)
    return pd.DataFrame(rows)
