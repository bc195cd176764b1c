"""Checks a planner expects per county and year (POLICY.md "Checks").

1. dibao standard ≥ provincial floor (S3 三(二)); 2. tekun standard ≥ 1.3 × urban dibao
standard (S3 三(二), S4 二(二)); 3. purchased services ≤ 5% of assistance spending
(S4 五(十四)); 4. temporary assistance per case ≥ last year (S3 二(三)); 5. standard within
the 10% band over the provincial guidance where that route is used (S4 二(二)); 6. every
CPI trigger month paid (NAT); plus: tekun standard ≥ the provincial tekun floor, and local
price thresholds never above the national ones.

Each check returns a :class:`Check`: per-county arrays of pass/fail, the number checked and
its limit. ``tidy(checks, county_codes, year)`` stacks them into one long table.

How the engine calls this (once per county-year, one element per county; ``p =
params.at(date)``)::

    rows = checks.tidy([
        checks.standard_floor(p.dibao, std_urban, "urban"),
        checks.standard_floor(p.dibao, std_rural, "rural"),
        checks.tekun_floor(p.tekun, tekun_std, std_urban),
        checks.tekun_provincial_floor(p.tekun, tekun_std),
        checks.services_cap(p.services, services_paid, total_spending),
        checks.temporary_per_case(per_case, per_case_last_year),
        checks.rise_band(p.dibao, std_urban, "urban", band_route),
    ], county_codes, year)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from safetynet.params import Branch
from safetynet.rules import BoolArray, FloatArray, as_bool, as_float

#: rounding tolerance of money comparisons, yuan (1.3 × 640 = 832.0000000000001 in floats)
TOLERANCE = 0.005

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


@dataclass(frozen=True)
class Check:
    """One check for every county: ``ok`` (pass), ``value`` checked, ``limit`` it is held to."""

    name: str
    ok: BoolArray
    value: FloatArray
    limit: FloatArray

    @property
    def label_zh(self) -> str:
        return LABELS[self.name][0]

    @property
    def label_en(self) -> str:
        return LABELS[self.name][1]


def _check(name: str, ok: npt.ArrayLike, value: npt.ArrayLike, limit: npt.ArrayLike) -> Check:
    ok_b, value_f, limit_f = np.broadcast_arrays(as_bool(ok), as_float(value), as_float(limit))
    return Check(name, ok_b.copy(), value_f.copy(), limit_f.copy())


def standard_floor(p: Branch, standard: npt.ArrayLike, area: str) -> Check:
    """County dibao standard ≥ provincial guidance standard (``floor_urban`` / ``floor_rural``),
    yuan/person/month (S3 三(二))."""
    if area not in ("urban", "rural"):
        raise ValueError(f"standard_floor: area must be 'urban' or 'rural', got {area!r}")
    floor = float(getattr(p, f"floor_{area}"))
    std = as_float(standard)
    return _check(f"floor_{area}", std >= floor, std, floor)


def tekun_floor(p: Branch, tekun_standard: npt.ArrayLike, urban_standard: npt.ArrayLike) -> Check:
    """Tekun basic standard ≥ ``standard_multiple`` × urban dibao standard, yuan/person/month
    (S3 三(二), S4 二(二))."""
    floor = float(p.standard_multiple) * as_float(urban_standard)
    value = as_float(tekun_standard)
    return _check("tekun_floor", value >= floor - TOLERANCE, value, floor)


def tekun_provincial_floor(p: Branch, tekun_standard: npt.ArrayLike) -> Check:
    """Tekun basic standard ≥ the provincial tekun guidance standard ``tekun.floor``,
    yuan/person/month (S4 二(二) 州级指导标准不低于省级; Yunnan 2020: 832)."""
    floor = float(p.floor)
    value = as_float(tekun_standard)
    return _check("tekun_provincial_floor", value >= floor - TOLERANCE, value, floor)


def services_cap(p: Branch, services_paid: npt.ArrayLike, total_spending: npt.ArrayLike) -> Check:
    """Services paid in the year ≤ ``cap_share`` × total assistance spending of the year
    (services included), yuan (S4 五(十四))."""
    cap = float(p.cap_share) * as_float(total_spending)
    paid = as_float(services_paid)
    return _check("services_cap", paid <= cap + TOLERANCE, paid, cap)


def temporary_per_case(per_case: npt.ArrayLike, per_case_last_year: npt.ArrayLike) -> Check:
    """Average temporary assistance per case ≥ last year's, yuan/case (S3 二(三): 人次均救助
    水平较上年有所提高). Counties without cases last year (NaN) pass."""
    now = as_float(per_case)
    last = as_float(per_case_last_year)
    ok = np.isnan(last) | (now >= last)
    return _check("temporary_per_case", ok, now, last)


def rise_band(p: Branch, standard: npt.ArrayLike, area: str, route_used: npt.ArrayLike) -> Check:
    """Where the county (prefecture guidance) uses the band route, its standard may exceed the
    provincial guidance by at most ``standard_rise_band`` (10%): standard ≤ floor × (1 + band)
    (S4 二(二) 按照增幅在省级指导标准的10%内进行确定). Counties not on that route pass."""
    if area not in ("urban", "rural"):
        raise ValueError(f"rise_band: area must be 'urban' or 'rural', got {area!r}")
    limit = float(getattr(p, f"floor_{area}")) * (1.0 + float(p.standard_rise_band))
    std = as_float(standard)
    ok = ~as_bool(route_used) | (std <= limit + TOLERANCE)
    return _check(f"rise_band_{area}", ok, std, limit)


def price_paid(triggered_months: npt.ArrayLike, paid_months: npt.ArrayLike) -> Check:
    """Every month in which the price trigger held was paid, months (NAT: 按月测算、按月发放).
    Arrays are counts per county; passes when paid ≥ triggered."""
    trig = as_float(triggered_months)
    paid = as_float(paid_months)
    return _check("price_paid", paid >= trig, paid, trig)


def local_threshold(local_pct: npt.ArrayLike, national_pct: float) -> Check:
    """A local price-trigger threshold may be lower than the national one, never higher,
    percent (NAT 2022). NaN (no local threshold) passes."""
    local = as_float(local_pct)
    ok = np.isnan(local) | (local <= float(national_pct))
    return _check("local_threshold", ok, local, float(national_pct))


def tidy(checks: Sequence[Check], county_codes: Sequence[str], year: int) -> pd.DataFrame:
    """Long table of checks: county, year, check, label_zh, label_en, value, limit, ok."""
    frames = []
    codes = np.asarray(county_codes, dtype=str)
    for c in checks:
        if c.ok.shape != codes.shape:
            raise ValueError(f"check {c.name}: {c.ok.size} values for {codes.size} counties")
        frames.append(
            pd.DataFrame(
                {
                    "county": codes,
                    "year": year,
                    "check": c.name,
                    "label_zh": c.label_zh,
                    "label_en": c.label_en,
                    "value": c.value,
                    "limit": c.limit,
                    "ok": c.ok,
                }
            )
        )
    columns = ["county", "year", "check", "label_zh", "label_en", "value", "limit", "ok"]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]
