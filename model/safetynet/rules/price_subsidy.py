"""Price-linked subsidy (社会救助和保障标准与物价上涨挂钩联动机制): POLICY.md §4.

Monthly trigger on the single-month YoY CPI or food CPI (either one), per activation unit
(province or prefecture); amount per person = monthly dibao standard × the triggering rise
(the larger when both trigger), at least the minimum payment, times the multiplier; covered
groups; the one-time living subsidy (一次性生活补贴) as a dated event.

The regime in force comes from the dated parameters at the *payment* month: the 2021 national
rule (CPI ≥ 3.5% or food CPI ≥ 6%), the temporary 2022 regime for payments 2022-09..2023-03
(CPI ≥ 3.0%, dibao-edge population added), Yunnan's doubling Mar–Jun 2020 (``multiplier``).
Payments use the index of ``index_lag_months`` earlier (payments Sep 2022 ↔ index Aug 2022).

How the engine calls this (each month ``m``; ``p = params.at(m).price_subsidy``; CPI values of
month ``index_month(m, p.index_lag_months)``). County level, over arrays of counties::

    cpi = price_subsidy.unit_index(p.activation_unit, prov_cpi, pref_cpi, ct.prefecture_index)
    food = price_subsidy.unit_index(p.activation_unit, prov_food, pref_food, ct.prefecture_index)
    c = price_subsidy.cpi_trigger(p, cpi, local_cpi_threshold)
    f = price_subsidy.food_trigger(p, food, local_food_threshold)
    rise = price_subsidy.triggering_rise(cpi, food, c, f)
    rate = price_subsidy.rate_per_person(p, std, rise) * triggered(c, f)

Household level (compiled scalar rules; ``r`` = the county's ``RuleParams``, which carries
the fields of :class:`PriceSubsidyParams`: the covered groups, the month's rate and one-time
rate): :func:`rate`, :func:`covered_persons`, :func:`household_subsidy`,
:func:`one_time_subsidy`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from safetynet.params import Branch, Parameter, ParameterSet
from safetynet.rules import (
    DIBAO,
    DIBAO_SINGLE,
    NONE,
    TEKUN_DISPERSED,
    TEKUN_INSTITUTIONAL,
    BoolArray,
    FloatArray,
    as_bool,
    as_float,
    as_int,
)
from safetynet.rules.compiled import rule
from safetynet.rules.declare import Declared, derived

if TYPE_CHECKING:
    from safetynet.rules.parameters import RuleParams

ACTIVATION_UNITS = ("province", "prefecture")


class PriceSubsidyParams(Declared):
    """The household price-subsidy rules' parameters of the month
    (``parameters/price_subsidy/*.yaml``; the rates from the model's prices phase)."""

    covers_dibao: bool = derived("price_subsidy.covered_groups")
    covers_tekun: bool = derived("price_subsidy.covered_groups")
    covers_edge: bool = derived("price_subsidy.covered_groups")
    price_rate_urban: float = derived(None)  # yuan/person/month, this county, this month
    price_rate_rural: float = derived(None)
    one_time_rate: float = derived("price_subsidy.one_time_subsidy")  # yuan/person, this month

    @staticmethod
    def derive(p: Any, params: Any, date: dt.date, inputs: Mapping[str, Any]) -> Mapping[str, Any]:
        """Covered groups (:func:`group_flag`), the one-time rate (:func:`one_time_rate`) and
        the month's rate per person (``inputs`` of :func:`month_inputs`; 0 without)."""
        out: dict[str, Any] = {
            "covers_dibao": group_flag(p.price_subsidy, "dibao"),
            "covers_tekun": group_flag(p.price_subsidy, "tekun"),
            "covers_edge": group_flag(p.price_subsidy, "edge"),
            "one_time_rate": one_time_rate(params, date),
        }
        for name in ("price_rate_urban", "price_rate_rural"):
            v = np.asarray(inputs.get(name, 0.0), dtype=np.float64)
            out[name] = float(v) if v.ndim == 0 else v
        return out


def month_inputs(rate_urban: npt.ArrayLike, rate_rural: npt.ArrayLike) -> dict[str, Any]:
    """The month's price-subsidy rate per person (per county, from the prices phase) as the
    ``inputs`` of ``parameters.month_parameters``."""
    return {"price_rate_urban": rate_urban, "price_rate_rural": rate_rural}


def with_rates(r: RuleParams, rate_urban: float, rate_rural: float) -> RuleParams:
    """One county's parameters ``r`` with this month's price-subsidy rate per person."""
    return r._replace(price_rate_urban=rate_urban, price_rate_rural=rate_rural)


def index_month(payment_month: dt.date, lag_months: int) -> dt.date:
    """First day of the month whose price index a payment in ``payment_month`` uses.

    >>> index_month(dt.date(2022, 9, 1), 1)
    datetime.date(2022, 8, 1)
    """
    n = payment_month.year * 12 + payment_month.month - 1 - int(lag_months)
    return dt.date(n // 12, n % 12 + 1, 1)


def unit_index(
    activation_unit: str,
    province_value: float,
    prefecture_values: npt.ArrayLike,
    county_prefecture: npt.ArrayLike,
) -> FloatArray:
    """YoY index rise (percent) that decides the trigger for each county.

    ``province``: the province value for every county. ``prefecture``: the value of the
    county's prefecture (``prefecture_values`` indexed by ``county_prefecture``), falling back
    to the province value where the prefecture value is missing (NaN; ASSUMED fallback).
    Yunnan 2019 triggered prefecture by prefecture (NAT).
    """
    idx = as_int(county_prefecture)
    prov = np.full(idx.shape, float(province_value))
    if activation_unit == "province":
        return prov
    if activation_unit != "prefecture":
        raise ValueError(
            f"price_subsidy.activation_unit: expected one of {ACTIVATION_UNITS}, "
            f"got {activation_unit!r}"
        )
    pref = as_float(prefecture_values)[idx]
    return np.where(np.isnan(pref), prov, pref)


def effective_threshold(national: float, local: npt.ArrayLike | None = None) -> FloatArray:
    """Threshold applied, percent: a local threshold only counts where it is lower than the
    national one (NaN or None = no local threshold); localities may lower, never raise (NAT)."""
    if local is None:
        return np.asarray(float(national), dtype=np.float64)
    return np.fmin(float(national), as_float(local))


def cpi_trigger(
    p: Branch, cpi_yoy_pct: npt.ArrayLike, local_threshold_pct: npt.ArrayLike | None = None
) -> BoolArray:
    """True where the single-month CPI YoY rise reaches ``cpi_threshold_pct`` (≥; 3.5, 3.0 for
    payments 2022-09..2023-03) (NAT 发改价格〔2021〕1553号; S3 三(二))."""
    threshold = effective_threshold(float(p.cpi_threshold_pct), local_threshold_pct)
    return as_float(cpi_yoy_pct) >= threshold


def food_trigger(
    p: Branch, food_cpi_yoy_pct: npt.ArrayLike, local_threshold_pct: npt.ArrayLike | None = None
) -> BoolArray:
    """True where the single-month food CPI YoY rise reaches ``food_cpi_threshold_pct`` (≥ 6.0)
    (NAT 发改价格〔2021〕1553号)."""
    threshold = effective_threshold(float(p.food_cpi_threshold_pct), local_threshold_pct)
    return as_float(food_cpi_yoy_pct) >= threshold


def triggered(cpi_hit: npt.ArrayLike, food_hit: npt.ArrayLike) -> BoolArray:
    """True where either index triggers; the mechanism stops in a month where neither does
    (NAT: 满足任一条件即启动)."""
    return as_bool(cpi_hit) | as_bool(food_hit)


def triggering_rise(
    cpi_yoy_pct: npt.ArrayLike,
    food_cpi_yoy_pct: npt.ArrayLike,
    cpi_hit: npt.ArrayLike,
    food_hit: npt.ArrayLike,
) -> FloatArray:
    """YoY rise (percent) the subsidy is computed on: that of the index that triggered, the
    larger when both did, 0 when none did (NAT: 按什么指数启动就与什么指数相乘; 从高原则)."""
    cpi = np.where(as_bool(cpi_hit), as_float(cpi_yoy_pct), 0.0)
    food = np.where(as_bool(food_hit), as_float(food_cpi_yoy_pct), 0.0)
    return np.maximum(np.maximum(cpi, food), 0.0)


def rate_per_person(p: Branch, standard: npt.ArrayLike, rise_pct: npt.ArrayLike) -> FloatArray:
    """Subsidy per covered person, yuan/person/month: monthly dibao standard × rise / 100 ×
    ``rise_share``, at least ``min_payment``, times ``multiplier`` (Yunnan ×2 Mar–Jun 2020); 0
    without a trigger. ``rise_share`` is 1 under the 2021 rule (NAT 发改价格〔2021〕1553号:
    standard × rise) and calibrated for 2016–2021 to the amounts Yunnan reported for the 2019
    index months (history_facts.csv; order minimum-then-multiplier ASSUMED)."""
    rise = as_float(rise_pct)
    share = float(p.rise_share)
    base = np.maximum(as_float(standard) * rise / 100.0 * share, float(p.min_payment))
    return np.where(rise > 0.0, base * float(p.multiplier), 0.0)


def calendar_override(
    trigger: npt.ArrayLike,
    rise_pct: npt.ArrayLike,
    food_cpi_yoy_pct: npt.ArrayLike,
    calendar: npt.ArrayLike,
) -> tuple[BoolArray, FloatArray]:
    """Trigger and rise per county where a historical activation calendar says who paid.

    ``calendar``: 1 = the county's prefecture paid for the index month, 0 = it did not, NaN =
    no record (the CPI rule stands). Where the calendar says 1, the rise is the one the rule
    computed or, when the rule did not trigger on the province/national index, the food CPI
    rise of the unit (Yunnan 2019 triggered on prefecture food CPI, which is not public;
    history_facts.csv). Where it says 0, nothing is paid.
    """
    cal = as_float(calendar)
    trig = as_bool(trigger)
    rise = as_float(rise_pct)
    food = np.maximum(as_float(food_cpi_yoy_pct), 0.0)
    paid = cal > 0.5
    none = cal <= 0.5  # NaN compares False both ways
    new_rise = np.where(paid, np.where(rise > 0.0, rise, food), np.where(none, 0.0, rise))
    new_trig = np.where(paid, True, np.where(none, False, trig))
    return as_bool(new_trig & (new_rise > 0.0)), as_float(new_rise)


def group_flag(p: Branch, group: str) -> bool:
    """Whether ``group`` is covered in the month (``covered_groups``; missing key = not)."""
    groups = p.covered_groups
    return bool(float(groups.get(group, 0.0)) > 0.0)


@rule
def rate(p: RuleParams, urban: bool) -> float:
    """Price subsidy per covered person this month for the household's residence, yuan/person
    (the county's rate from :func:`rate_per_person`, 0 when no trigger holds)."""
    return p.price_rate_urban if urban else p.price_rate_rural


@rule
def covered_persons(
    p: RuleParams, programme: int, edge: bool, persons_covered: int, size: int
) -> float:
    """Household members who receive the subsidy, persons.

    Dibao (whole or single-person) and tekun recipients: the persons covered by that
    programme when group ``dibao`` / ``tekun`` is covered. Members of dibao-edge families not
    covered by dibao or tekun (all members, or the rest of a family with a member covered
    alone): when group ``edge`` is covered (temporary 2022 regime). Groups not in the
    household schema (unemployment, orphans, 优抚) are added by the engine from counts (NAT).
    """
    on_dibao = programme in (DIBAO, DIBAO_SINGLE)
    on_tekun = programme in (TEKUN_DISPERSED, TEKUN_INSTITUTIONAL)
    out = 0.0
    if (on_dibao and p.covers_dibao) or (on_tekun and p.covers_tekun):
        out = float(persons_covered)
    if edge and p.covers_edge:
        if programme == NONE:
            out += float(size)
        elif programme == DIBAO_SINGLE:
            out += max(float(size) - float(persons_covered), 0.0)
    return out


@rule
def household_subsidy(rate_per_person: float, persons: float) -> float:
    """Price subsidy paid to the household, yuan/household/month: rate × persons covered."""
    return rate_per_person * persons


def one_time_rate(params: ParameterSet, month: dt.date) -> float:
    """One-time living subsidy per person paid in ``month``, yuan/person.

    The value of ``price_subsidy.one_time_subsidy`` whose ``from`` date falls in ``month``;
    0 in every other month (a dated event, S3 三(二))."""
    p = params["price_subsidy.one_time_subsidy"]
    if not isinstance(p, Parameter):
        raise ValueError("price_subsidy.one_time_subsidy must be a scalar parameter")
    first = month.replace(day=1)
    last = index_month(first, -1) - dt.timedelta(days=1)
    entry = p.entry_at(last)
    if entry.start < first:
        return 0.0
    return float(entry.value)  # type: ignore[arg-type]


@rule
def one_time_subsidy(p: RuleParams, programme: int, persons_covered: int) -> float:
    """One-time living subsidy (一次性生活补贴) to dibao and tekun recipients, yuan/household:
    this month's rate (:func:`one_time_rate`) × persons covered (S3 三(二) 为低保对象、特困人员
    增发一次性生活补贴)."""
    return p.one_time_rate * float(persons_covered) if programme != NONE else 0.0
