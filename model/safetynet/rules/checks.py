"""The planners' checks per county and year (POLICY.md "Checks a planner expects"), written once.

Used by the YAML rule cases (``cases.evaluate_counties``, tests/cases/checks/) and by the report
(``safetynet.report.checks`` re-exports this module; :func:`checks` builds its table).

1. ``floor``: dibao standard ≥ provincial floor, urban and rural, every month (S3 三(二));
2. ``tekun``: tekun basic standard ≥ multiple × urban dibao standard, every month
   (S3 三(二), S4 二(二)); ``tekun_province``: tekun standard ≥ the provincial tekun floor
   (S4 二(二) 州级指导标准不低于省级);
3. ``services``: purchased services ≤ cap share × the year's total assistance spending
   (S4 五(十四));
4. ``temporary``: temporary assistance per case ≥ last year's (S3 二(三)), judged against noise
   in a simulated run: it fails only when the fall is larger than the replicate spread allows
   (Student t at 95% on the per-replicate falls) and larger than the sample supports (sampling
   error of a mean over the sampled cases), else it is "within noise" (:func:`temporary_margin`);
5. ``band``: standard within the band over the provincial guidance: standard ≤ (1 + band) ×
   floor at year end, urban and rural (S4 二(二) "按照增幅在省级指导标准的10%内"; informative
   where a county uses the consumption-based route instead);
6. ``price``: every month in which the price trigger held was paid (NAT 按月测算、按月发放);
7. ``local``: a local price-trigger threshold may be lower than the national one, never higher
   (NAT 2022 "localities may lower thresholds, never raise"): the run's CPI and food-CPI
   thresholds (scenario overrides included) ≤ the national ones (the parameter tree as shipped).

Each check is one array function (``standard_floor``, ``tekun_floor``, ... ``local_threshold``)
returning a :class:`Check` (pass/fail per element, the number checked, its limit, and whether
it could be judged); the Dataset functions (``check_floor`` ... ``check_local``) feed it a run's
numbers. The limits of a run are parameters read at each year's last month (national thresholds:
every month), with the run's scenario overrides applied; a missing parameter makes its check
"n/a". Values are replicate means. Status: "pass", "fail", "within_noise" or "n/a".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

from safetynet.errors import SafetynetError
from safetynet.rules import BoolArray, FloatArray, as_bool, as_float, tekun

if TYPE_CHECKING:
    from safetynet.params import ParameterSet

#: numerical slack: money in yuan (1.3 × 640 = 832.0000000000001 in floats), ratios and
#: percentages as fractions (not policy numbers)
TOLERANCE = TOL_YUAN = 0.005
TOL_RATIO = 1e-9
PASS, FAIL, NA, NOISE = "pass", "fail", "n/a", "within_noise"
#: two-sided confidence of the noise margin of check 4 (a statistical choice, not policy)
NOISE_CONFIDENCE = 0.95
#: coefficient of variation of the amount per case assumed for the sampling error of check 4
#: (ASSUMED: amounts are months of the standard × household size, spread about as much as their
#: mean; a statistical assumption, stated in docs/report.md)
CASE_AMOUNT_CV = 1.0

LABELS: dict[str, tuple[str, str]] = {
    "floor_urban": ("城市低保标准不低于省级指导标准", "Urban dibao standard ≥ provincial floor"),
    "floor_rural": ("农村低保标准不低于省级指导标准", "Rural dibao standard ≥ provincial floor"),
    "tekun_floor": ("特困基本生活标准不低于城市低保标准1.3倍", "Tekun standard ≥ 1.3 × urban"),
    "tekun_provincial_floor": ("特困基本生活标准不低于省级指导标准", "Tekun standard ≥ provincial"),
    "services_cap": ("购买服务不超过救助资金总支出5%", "Purchased services ≤ cap share"),
    "temporary_per_case": ("临时救助人次均水平不低于上年", "Temporary per case ≥ last year"),
    "rise_band_urban": ("城市标准在省级指导标准10%增幅内", "Urban standard within the band"),
    "rise_band_rural": ("农村标准在省级指导标准10%增幅内", "Rural standard within the band"),
    "price_paid": ("物价联动启动月份均已发放", "Price subsidy paid in trigger months"),
    "local_threshold": ("地方启动条件不高于国家标准", "Local threshold ≤ national"),
}

#: the checks of the report table, in order (``<name>_status`` columns)
CHECKS: tuple[str, ...] = (
    "floor",
    "tekun",
    "tekun_province",
    "services",
    "temporary",
    "band",
    "price",
    "local",
)
#: limit of the report table -> parameter path, read with the run's overrides at year end
LIMIT_PATHS: dict[str, str] = {
    "tekun_multiple": tekun.FLOOR_MULTIPLE,
    "tekun_provincial_floor": "tekun.floor",
    "services_cap_share": "services.cap_share",
    "standard_rise_band": "dibao.standard_rise_band",
}
#: national trigger threshold -> parameter path, read WITHOUT the run's overrides every month
NATIONAL_PATHS: dict[str, str] = {
    "cpi_threshold_pct": "price_subsidy.cpi_threshold_pct",
    "food_cpi_threshold_pct": "price_subsidy.food_cpi_threshold_pct",
}


# ----------------------------------------------------------------------- the checks (arrays)


@dataclass(frozen=True)
class Check:
    """One check for every element (county, or county × month): ``ok`` (pass, or could not be
    judged), ``value`` checked, ``limit`` it is held to, ``known`` (False: "n/a") and ``noise``
    (a fail smaller than the noise margin: "within_noise")."""

    name: str
    ok: BoolArray
    value: FloatArray
    limit: FloatArray
    known: BoolArray
    noise: BoolArray

    @property
    def label_zh(self) -> str:
        return LABELS[self.name][0]

    @property
    def label_en(self) -> str:
        return LABELS[self.name][1]

    @property
    def status(self) -> npt.NDArray[np.str_]:
        """ "pass", "fail", "within_noise" or "n/a" per element."""
        judged = np.where(self.ok, PASS, np.where(self.noise, NOISE, FAIL))
        return np.where(self.known, judged, NA)


def _check(
    name: str,
    ok: npt.ArrayLike,
    value: npt.ArrayLike,
    limit: npt.ArrayLike,
    known: npt.ArrayLike = True,
    noise: npt.ArrayLike = False,
) -> Check:
    arrays = np.broadcast_arrays(
        as_bool(ok), as_float(value), as_float(limit), as_bool(known), as_bool(noise)
    )
    ok_b, value_f, limit_f, known_b, noise_b = (a.copy() for a in arrays)
    return Check(name, ok_b | ~known_b, value_f, limit_f, known_b, noise_b & known_b & ~ok_b)


def _area(area: str, check: str) -> None:
    if area not in ("urban", "rural"):
        raise ValueError(f"{check}: area must be 'urban' or 'rural', got {area!r}")


def standard_floor(standard: npt.ArrayLike, floor: npt.ArrayLike, area: str) -> Check:
    """County dibao standard ≥ provincial guidance standard ``dibao.floor_<area>``
    (``floor_urban`` / ``floor_rural``), yuan/person/month (S3 三(二))."""
    _area(area, "standard_floor")
    std, lim = as_float(standard), as_float(floor)
    return _check(f"floor_{area}", std >= lim - TOL_YUAN, std, lim, ~np.isnan(lim))


def tekun_floor(
    tekun_standard: npt.ArrayLike, urban_standard: npt.ArrayLike, multiple: npt.ArrayLike
) -> Check:
    """Tekun basic standard ≥ ``tekun.standard_multiple`` × urban dibao standard,
    yuan/person/month (S3 三(二), S4 二(二))."""
    lim = as_float(multiple) * as_float(urban_standard)
    value = as_float(tekun_standard)
    return _check("tekun_floor", value >= lim - TOL_YUAN, value, lim, ~np.isnan(lim))


def tekun_provincial_floor(tekun_standard: npt.ArrayLike, floor: npt.ArrayLike) -> Check:
    """Tekun basic standard ≥ the provincial tekun guidance standard ``tekun.floor``,
    yuan/person/month (S4 二(二) 州级指导标准不低于省级; Yunnan 2020: 832)."""
    lim, value = as_float(floor), as_float(tekun_standard)
    return _check("tekun_provincial_floor", value >= lim - TOL_YUAN, value, lim, ~np.isnan(lim))


def services_cap(
    services_paid: npt.ArrayLike, total_spending: npt.ArrayLike, cap_share: npt.ArrayLike
) -> Check:
    """Services paid in the year ≤ ``services.cap_share`` × total assistance spending of the
    year (services included), yuan (S4 五(十四))."""
    cap = as_float(cap_share) * as_float(total_spending)
    paid = as_float(services_paid)
    return _check("services_cap", paid <= cap + TOL_YUAN, paid, cap, ~np.isnan(cap))


def temporary_per_case(
    per_case: npt.ArrayLike, per_case_last_year: npt.ArrayLike, margin: npt.ArrayLike = 0.0
) -> Check:
    """Average temporary assistance per case ≥ last year's, yuan/case (S3 二(三): 人次均救助
    水平较上年有所提高). A fall smaller than ``margin`` (the noise of a simulated run, yuan/case)
    is "within noise"; counties without cases this or last year (NaN) are not judged (pass)."""
    now, last = as_float(per_case), as_float(per_case_last_year)
    known = ~np.isnan(now) & ~np.isnan(last)
    with np.errstate(invalid="ignore"):
        ok = now >= last - TOL_YUAN
        noise = now >= last - as_float(margin) - TOL_YUAN
    return _check("temporary_per_case", ok, now, last, known, noise)


def rise_band(
    standard: npt.ArrayLike,
    floor: npt.ArrayLike,
    band: npt.ArrayLike,
    area: str,
    route_used: npt.ArrayLike = True,
) -> Check:
    """Where the county (prefecture guidance) uses the band route, its standard may exceed the
    provincial guidance by at most ``dibao.standard_rise_band`` (10%): standard ≤ floor ×
    (1 + band) (S4 二(二) 按照增幅在省级指导标准的10%内进行确定). Counties not on that route
    pass."""
    _area(area, "rise_band")
    lim = as_float(floor) * (1.0 + as_float(band))
    std = as_float(standard)
    known = ~np.isnan(lim) & (as_float(floor) > 0)
    ok = ~as_bool(route_used) | (std <= lim + TOL_YUAN)
    return _check(f"rise_band_{area}", ok, std, lim, known)


def price_paid(triggered_months: npt.ArrayLike, paid_months: npt.ArrayLike) -> Check:
    """Every month in which the price trigger held was paid, months (NAT: 按月测算、按月发放).
    Arrays are counts per county; passes when paid ≥ triggered."""
    trig, paid = as_float(triggered_months), as_float(paid_months)
    return _check("price_paid", paid >= trig - TOL_RATIO, paid, trig)


def local_threshold(local_pct: npt.ArrayLike, national_pct: npt.ArrayLike) -> Check:
    """A local price-trigger threshold may be lower than the national one, never higher,
    percent (NAT 2022). NaN (no local threshold, or national unknown) is not judged."""
    local, national = as_float(local_pct), as_float(national_pct)
    known = ~np.isnan(local) & ~np.isnan(national)
    with np.errstate(invalid="ignore"):
        ok = local <= national + TOL_RATIO
    return _check("local_threshold", ok, local, national, known)


# ----------------------------------------------------------------------- limits of a run


@dataclass(frozen=True)
class Limits:
    """Limit values per check and year (NaN where unknown), national thresholds per month
    (``national[name]["YYYY-MM"]``) and notes on what was missing."""

    values: Mapping[str, Mapping[int, float]]
    notes: tuple[str, ...] = field(default_factory=tuple)
    national: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    def series(self, name: str, years: Sequence[int]) -> xr.DataArray:
        """The limit of ``name`` for ``years`` as a DataArray over ``year``."""
        got = self.values.get(name, {})
        vals = [float(got.get(int(y), np.nan)) for y in years]
        return xr.DataArray(np.asarray(vals, dtype=np.float64), dims="year", coords={"year": years})

    def monthly(self, name: str, months: xr.DataArray) -> xr.DataArray:
        """The national value of ``name`` in each of ``months`` (NaN where unknown)."""
        got = self.national.get(name, {})
        keys = pd.DatetimeIndex(months.values).strftime("%Y-%m")
        vals = np.array([float(got.get(k, np.nan)) for k in keys], dtype=np.float64)
        return xr.DataArray(vals, dims="month", coords={"month": months.values})


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


def limits_at(ps: ParameterSet, when: dt.date) -> dict[str, float]:
    """The limits of :data:`LIMIT_PATHS` in force at ``when`` (the rule cases' limits)."""
    return {name: float(ps.value(path, when)) for name, path in LIMIT_PATHS.items()}  # type: ignore[arg-type]


def _national(ps: ParameterSet, year_ends: Mapping[int, dt.date]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for name, path in NATIONAL_PATHS.items():
        got: dict[str, float] = {}
        for year, end in year_ends.items():
            for month in range(1, end.month + 1):
                when = dt.date(year, month, 1)
                got[f"{year:04d}-{month:02d}"] = float(ps.value(path, when))  # type: ignore[arg-type]
        out[name] = got
    return out


def limits_from_parameters(year_ends: Mapping[int, dt.date], record: Mapping[str, Any]) -> Limits:
    """Limits at each year's last month from the parameter tree plus the run's overrides, and
    the national trigger thresholds of every month from the tree as shipped."""
    from safetynet.params import load_parameters

    notes: list[str] = []
    values: dict[str, dict[int, float]] = {k: {} for k in LIMIT_PATHS}
    try:
        shipped = load_parameters()
        ps = shipped
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
    try:
        national = _national(shipped, year_ends)
    except (SafetynetError, TypeError, ValueError) as exc:
        national = {}
        notes.append(f"national thresholds: {exc}")
    return Limits(values, tuple(notes), national)


def year_end_dates(ds1: xr.Dataset) -> dict[int, dt.date]:
    """The last month of each calendar year in the run, as dates."""
    months = pd.DatetimeIndex(ds1["month"].values)
    out: dict[int, dt.date] = {}
    for m in months:
        out[int(m.year)] = m.date()
    return out


# ----------------------------------------------------------------------- the checks of a run


def _mean(da: xr.DataArray) -> xr.DataArray:
    return da.mean("replicate") if "replicate" in da.dims else da


def _yearly_sum(da: xr.DataArray) -> xr.DataArray:
    from safetynet.report.tables import yearly_sum  # the report package imports this module

    return yearly_sum(da)


def _year_end(da: xr.DataArray) -> xr.DataArray:
    from safetynet.report.tables import year_end

    return year_end(da)


def _judge(c: Check, like: xr.DataArray) -> tuple[xr.DataArray, xr.DataArray, xr.DataArray]:
    """``c``'s ok, known and status as DataArrays shaped like ``like``."""

    def wrap(a: npt.NDArray[Any]) -> xr.DataArray:
        return xr.DataArray(a.reshape(like.shape), dims=like.dims, coords=like.coords)

    return wrap(c.ok), wrap(c.known), wrap(c.status)


def _all_months(ok: xr.DataArray) -> xr.DataArray:
    return ok.groupby(ok["month"].dt.year.rename("year")).all("month")


def _status(ok: xr.DataArray, known: xr.DataArray) -> xr.DataArray:
    out = np.where(known.values, np.where(ok.values, PASS, FAIL), NA)
    return xr.DataArray(out, dims=ok.dims, coords=ok.coords)


def _per_month(limit: xr.DataArray, months: xr.DataArray) -> xr.DataArray:
    """Broadcast a per-year limit onto months."""
    years = months.dt.year
    return limit.sel(year=years).drop_vars("year")


def _years(ds1: xr.Dataset) -> list[int]:
    return [int(y) for y in np.unique(ds1["month"].dt.year.values)]


def check_floor(ds1: xr.Dataset) -> dict[str, xr.DataArray]:
    """Check 1 (:func:`standard_floor`) in every month, urban and rural."""
    out: dict[str, xr.DataArray] = {}
    oks = []
    for side in ("urban", "rural"):
        std = _mean(ds1[f"standard_{side}"])
        floor = _mean(ds1[f"floor_{side}"]).broadcast_like(std)
        ok, _, _ = _judge(standard_floor(std.values, floor.values, side), std)
        oks.append(_all_months(ok))
        out[f"standard_{side}"] = _year_end(std)
        out[f"floor_{side}"] = _year_end(floor)
    ok = oks[0] & oks[1]
    out["floor_status"] = _status(ok, xr.ones_like(ok, dtype=bool))
    return out


def check_tekun(ds1: xr.Dataset, limits: Limits) -> dict[str, xr.DataArray]:
    """Check 2 (:func:`tekun_floor`) in every month."""
    urban = _mean(ds1["standard_urban"])
    tekun = _mean(ds1["tekun_standard"])
    multiple = limits.series("tekun_multiple", _years(ds1))
    per_month = _per_month(multiple, ds1["month"]).broadcast_like(urban)
    c = tekun_floor(tekun.values, urban.values, per_month.values)
    ok, _, _ = _judge(c, urban)
    floor = xr.DataArray(c.limit.reshape(urban.shape), dims=urban.dims, coords=urban.coords)
    ok = _all_months(ok)
    known = xr.ones_like(ok, dtype=bool) & multiple.notnull()
    return {
        "tekun_standard": _year_end(tekun),
        "tekun_floor": _year_end(floor),
        "tekun_status": _status(ok, known),
    }


def check_tekun_province(ds1: xr.Dataset, limits: Limits) -> dict[str, xr.DataArray]:
    """Check 2b (:func:`tekun_provincial_floor`) at year end."""
    tekun = _year_end(_mean(ds1["tekun_standard"]))
    floor = limits.series("tekun_provincial_floor", [int(y) for y in tekun["year"].values])
    floor = floor.broadcast_like(tekun)
    _, _, status = _judge(tekun_provincial_floor(tekun.values, floor.values), tekun)
    return {"tekun_provincial_floor": floor, "tekun_province_status": status}


def check_services(ds1: xr.Dataset, limits: Limits) -> dict[str, xr.DataArray]:
    """Check 3 (:func:`services_cap`) over each year."""
    services = _yearly_sum(_mean(ds1["spending"]).sel(programme="services", drop=True))
    total = _yearly_sum(_mean(ds1["budget_need"]))
    share = (services / total.where(total > 0)).fillna(0.0)
    cap = limits.series("services_cap_share", [int(y) for y in share["year"].values])
    cap_b = cap.broadcast_like(share)
    _, _, status = _judge(services_cap(services.values, total.values, cap_b.values), share)
    return {
        "services_spending": services,
        "assistance_spending": total,
        "services_share": share,
        "services_cap_share": cap_b,
        "services_status": status,
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
    """Check 4 (:func:`temporary_per_case`, yuan per household-case): "fail" only where the
    fall exceeds :func:`temporary_margin`; a smaller fall is "within noise"."""
    money_r = _yearly_sum(ds1["spending"].sel(programme="temporary", drop=True))
    cases_r = _yearly_sum(ds1["cases_households"].sel(group="temporary", drop=True))
    per_case_r = money_r / cases_r.where(cases_r > 0)
    if "replicate" not in per_case_r.dims:
        per_case_r = per_case_r.expand_dims(replicate=[0])
    money = _mean(money_r)
    cases = _mean(cases_r)
    per_case = money / cases.where(cases > 0)
    last = per_case.shift(year=1)
    margin = temporary_margin(per_case_r, cases, sample_fraction).broadcast_like(per_case)
    c = temporary_per_case(per_case.values, last.values, margin.values)
    _, known, status = _judge(c, per_case)
    return {
        "temporary_per_case": per_case,
        "temporary_per_case_last_year": last,
        "temporary_margin": margin.where(known),
        "temporary_status": status,
    }


def check_band(ds1: xr.Dataset, limits: Limits) -> dict[str, xr.DataArray]:
    """Check 5 (:func:`rise_band`) at year end, urban and rural (every county on the route)."""
    out: dict[str, xr.DataArray] = {}
    oks, knowns = [], []
    band: xr.DataArray | None = None
    for side in ("urban", "rural"):
        std = _year_end(_mean(ds1[f"standard_{side}"]))
        floor = _year_end(_mean(ds1[f"floor_{side}"])).broadcast_like(std)
        band = limits.series("standard_rise_band", [int(y) for y in std["year"].values])
        ok, known, _ = _judge(
            rise_band(std.values, floor.values, band.broadcast_like(std).values, side), std
        )
        oks.append(ok)
        knowns.append(known)
        out[f"rise_{side}"] = std / floor.where(floor > 0) - 1.0
    assert band is not None
    ok = oks[0] & oks[1]
    out["rise_band"] = band.broadcast_like(ok)
    out["band_status"] = _status(ok, knowns[0] & knowns[1])
    return out


def check_price(ds1: xr.Dataset) -> dict[str, xr.DataArray]:
    """Check 6 (:func:`price_paid`): months of the year in which the county's trigger held and
    months in which the price subsidy was paid while it held (replicate means)."""
    trig = ds1["price_trigger"] > 0
    paid = trig & (ds1["spending"].sel(programme="price_subsidy", drop=True) > 0)
    trig_n = _mean(_yearly_sum(trig.astype(np.float64)))
    paid_n = _mean(_yearly_sum(paid.astype(np.float64)))
    _, _, status = _judge(price_paid(trig_n.values, paid_n.values), trig_n)
    return {
        "price_trigger_months": trig_n,
        "price_paid_months": paid_n,
        "price_status": status,
    }


def check_local(ds1: xr.Dataset, limits: Limits) -> dict[str, xr.DataArray]:
    """Check 7 (:func:`local_threshold`) in every month, CPI and food CPI: the run's thresholds
    (``cpi_threshold_pct``, ``food_cpi_threshold_pct``) ≤ the national ones. Province-wide
    values, the same for every county; "n/a" where the run or the limits lack them."""
    like = _mean(ds1["standard_urban"])
    out: dict[str, xr.DataArray] = {}
    oks, knowns = [], []
    for name in NATIONAL_PATHS:
        have = name in ds1
        local = _mean(ds1[name]).broadcast_like(like) if have else xr.full_like(like, np.nan)
        national = limits.monthly(name, ds1["month"]).broadcast_like(like)
        ok, known, _ = _judge(local_threshold(local.values, national.values), like)
        oks.append(_all_months(ok))
        knowns.append(_all_months(known))
        out[name.removesuffix("_pct")] = _year_end(local)
        out[f"{name.removesuffix('_pct')}_national"] = _year_end(national)
    out["local_status"] = _status(oks[0] & oks[1], knowns[0] & knowns[1])
    return out


def checks(
    ds1: xr.Dataset, limits: Limits, record: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """All checks per county and year: the numbers and a status column per check (CHECKS).

    ``record``: the run record (its ``sample_fraction`` sets the sampling error of check 4;
    without it the run is taken as a full count).
    """
    from safetynet.report.tables import area_year_table

    fraction = (record or {}).get("sample_fraction")
    sample_fraction = float(fraction) if isinstance(fraction, (int, float)) else 1.0
    cols: dict[str, xr.DataArray] = {}
    for part in (
        check_floor(ds1),
        check_tekun(ds1, limits),
        check_tekun_province(ds1, limits),
        check_services(ds1, limits),
        check_temporary(ds1, sample_fraction),
        check_band(ds1, limits),
        check_price(ds1),
        check_local(ds1, limits),
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
