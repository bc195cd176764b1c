"""Standard setting as a rule (标准调整): each year's provincial floors and county standards.

The parameter ``dibao.standard_rule`` (dated) chooses how the standards of a year are set on
that year's adjustment date (``dibao.standard_adjust_month``, 1 July in Yunnan 2022-2024):

``table``
    the values of the county table ``dibao.standard`` and the floors as given (history);
``consumption``
    national method (NAT 民发〔2024〕16号): provincial floor = last year's per-capita consumption
    expenditure of the area (``economy.consumption_per_capita``, projected with
    ``economy.consumption_growth`` after the last data year) × ``dibao.consumption_ratio`` / 12;
    each county keeps its premium over the floor (its standard grows like the floor);
``cpi``
    last year's standard uprated by last year's average CPI year on year (package CPI data where
    there is data, ``prices.cpi_mean_pct`` after);
``rise``
    last year's standard × (1 + ``dibao.standard_rise_rate``) (S4 二(二) 按增幅确定).

Rule-set values never fall (a standard is not cut), county values are held within
[floor, floor × (1 + ``dibao.standard_rise_band``)] (S3 三(二) floor; S4 二(二) band) and a county
row the table gives for that year is kept as given. Then, every month and after the scenario's
overrides, the linked standards follow (S3 三(二), S4 二(二)):

* tekun basic standard = max(table, ``tekun.standard_multiple`` × urban dibao standard,
  provincial tekun floor); the provincial tekun floor = max(table, multiple × urban floor);
* tekun care subsidy = ``tekun.care_wage_shares`` × last year's minimum wage
  (``economy.minimum_wage``) when ``tekun.care_rule`` = ``minimum_wage``;
* the dibao-edge line is ``dibao.edge_multiple`` × the standard in force, so it follows by
  construction (rules/dibao.py ``edge_family``).

All of this rewrites the dated parameter tables the engine reads each month; the household
kernel is untouched. :func:`rules_by_year` says which rule set each year's standards.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import cache

import numpy as np

from safetynet.params import CountyParameter, Entry, Override, Parameter, ParameterSet

RULES: tuple[str, ...] = ("table", "consumption", "cpi", "rise")
AREAS: tuple[str, ...] = ("urban", "rural")
#: parameters written by this module; scenario overrides of them apply after the rule
DERIVED: tuple[str, ...] = (
    "dibao.standard",
    "dibao.floor_urban",
    "dibao.floor_rural",
    "tekun.basic_standard",
    "tekun.floor",
    "tekun.care_subsidy",
)
#: parameters the rules read; without them (a reduced tree) the tables are used as given
REQUIRED: tuple[str, ...] = (
    *DERIVED[:5],
    "dibao.standard_rule",
    "dibao.standard_adjust_month",
    "dibao.standard_rise_band",
    "tekun.standard_multiple",
)
#: money is paid to the fen
FEN = 0.01


def scenario_parameters(
    base: ParameterSet, overrides: Sequence[Override], last_year: int
) -> ParameterSet:
    """``base`` with a scenario's overrides and the standard rules, in this order: overrides of
    rule inputs (everything not in :data:`DERIVED`), standards set by rule through
    ``last_year``, overrides of the standards themselves (so +8% means 8% over the rule's path),
    then the linked standards (tekun, care subsidy)."""
    ps = base
    if not all(p in base for p in REQUIRED):  # a reduced tree (tests, planners' subsets)
        return base.with_overrides(list(overrides)) if overrides else base
    inputs = [o for o in overrides if o.path not in DERIVED]
    derived = [o for o in overrides if o.path in DERIVED]
    for ov in inputs:
        ps = ps.with_overrides([ov])
    ps = set_standards(ps, last_year)
    for ov in derived:
        ps = ps.with_overrides([ov])
    return link_standards(ps, last_year)


def adjust_date(ps: ParameterSet, year: int) -> dt.date:
    """Day the standards of ``year`` take effect (``dibao.standard_adjust_month``)."""
    month = int(ps.value("dibao.standard_adjust_month", dt.date(year, 1, 1)))  # type: ignore[arg-type]
    return dt.date(year, month, 1)


def rule_at(ps: ParameterSet, year: int) -> str:
    """The rule in force on ``year``'s adjustment date."""
    return str(ps.value("dibao.standard_rule", adjust_date(ps, year)))


def rules_by_year(ps: ParameterSet, years: Sequence[int]) -> list[str]:
    """Which rule set each year's standards (``table`` where the table was used)."""
    if not all(p in ps for p in REQUIRED):
        return ["table" for _ in years]
    return [rule_at(ps, y) for y in years]


def _mapping(ps: ParameterSet, path: str, when: dt.date, key: str) -> float:
    value = ps.value(path, when)
    assert isinstance(value, dict), path
    return float(value[key])


def consumption(ps: ParameterSet, year: int, area: str) -> float:
    """Per-capita consumption expenditure of ``area`` in ``year``, yuan/person/year: the value
    given for that year, or the last given year grown by ``economy.consumption_growth``."""
    p = ps["economy.consumption_per_capita"]
    assert isinstance(p, Parameter)
    given = {e.start.year: e for e in p.entries}
    if year in given:
        return float(given[year].value[area])  # type: ignore[index]
    last = max(given)
    if year < min(given):
        return float(given[min(given)].value[area])  # type: ignore[index]
    value = float(given[last].value[area])  # type: ignore[index]
    for y in range(last + 1, year + 1):
        value *= 1.0 + _mapping(ps, "economy.consumption_growth", dt.date(y, 1, 1), area)
    return value


@cache
def _cpi_by_year() -> dict[int, float]:
    from safetynet import refdata

    s = refdata.cpi()["cpi_yoy_pct"]
    years = s.months.astype("datetime64[Y]").astype(int) + 1970
    out: dict[int, float] = {}
    for y in np.unique(years):
        vals = s.values[years == y]
        if np.isfinite(vals).sum() == 12:
            out[int(y)] = float(np.nanmean(vals))
    return out


def cpi_annual_pct(ps: ParameterSet, year: int) -> float:
    """Average CPI year on year of ``year``, percent: package data (12 months) or the projection
    mean ``prices.cpi_mean_pct``."""
    hit = _cpi_by_year().get(year)
    if hit is not None:
        return hit
    return float(ps.value("prices.cpi_mean_pct", dt.date(year, 1, 1)))  # type: ignore[arg-type]


def growth_factor(ps: ParameterSet, rule: str, year: int, area: str, floor_before: float) -> float:
    """Factor by which ``rule`` moves last year's standard of ``area`` in ``year`` (≥ 1: a
    standard is not cut). ``floor_before``: the provincial floor in force before the date."""
    when = adjust_date(ps, year)
    if rule == "consumption":
        ratio = _mapping(ps, "dibao.consumption_ratio", when, area)
        target = ratio * consumption(ps, year - 1, area) / 12.0
        factor = math.ceil(target) / floor_before if floor_before > 0 else 1.0
    elif rule == "cpi":
        factor = 1.0 + cpi_annual_pct(ps, year - 1) / 100.0
    elif rule == "rise":
        factor = 1.0 + _mapping(ps, "dibao.standard_rise_rate", when, area)
    else:
        raise ValueError(f"standard rule {rule!r}: expected one of {RULES}")
    return max(factor, 1.0)


def set_standards(ps: ParameterSet, last_year: int) -> ParameterSet:
    """Provincial floors and county standards for every year whose rule is not ``table``, up to
    ``last_year`` (each year from the values in force just before its adjustment date)."""
    if not all(p in ps for p in REQUIRED):
        return ps
    table = ps["dibao.standard"]
    assert isinstance(table, CountyParameter)
    first = min(e.start.year for es in table.entries.values() for e in es)
    years = [y for y in range(first, last_year + 1) if rule_at(ps, y) != "table"]
    if not years:
        return ps
    entries = {k: list(v) for k, v in table.entries.items()}
    floors: dict[str, list[Entry]] = {}
    for area in AREAS:
        fp = ps[f"dibao.floor_{area}"]
        assert isinstance(fp, Parameter)
        floors[area] = list(fp.entries)
    for year in years:
        when = adjust_date(ps, year)
        before = when - dt.timedelta(days=1)
        rule = rule_at(ps, year)
        band = float(ps.value("dibao.standard_rise_band", when))  # type: ignore[arg-type]
        ref = f"dibao.standard_rule = {rule} ({_REFERENCE[rule]}); S3 三(二) floor; S4 二(二) band"
        for area in AREAS:
            floor_before = float(_in_force(floors[area], before).value)  # type: ignore[arg-type]
            given_floor = [e for e in floors[area] if e.start.year == year]
            factor = growth_factor(ps, rule, year, area, floor_before)
            if given_floor:
                floor = float(given_floor[-1].value)  # type: ignore[arg-type]
            else:
                floor = float(math.ceil(floor_before * factor - 1e-9))
                note = f"rule {rule}: {floor_before:g} x {factor:.4f}, rounded up to whole yuan"
                floors[area].append(Entry(when, floor, "estimated", ref, note))
                floors[area].sort(key=_start)
            top = floor * (1.0 + band)
            for code in table.county_codes:
                es = entries[(code, area)]
                if any(e.start.year == year for e in es):
                    continue  # a value the table gives for the year is kept
                prev = float(_in_force(es, before).value)  # type: ignore[arg-type]
                new = min(max(round(prev * factor, 2), floor), top)
                note = (
                    f"rule {rule}: {prev:g} x {factor:.4f} within [floor {floor:g}, "
                    f"floor x {1 + band:g}]"
                )
                es.append(Entry(when, round(new, 2), "estimated", ref, note))
                es.sort(key=_start)
    out = dict(_params(ps))
    out["dibao.standard"] = replace(
        table, entries={k: tuple(sorted(v, key=_start)) for k, v in entries.items()}, _cache={}
    )
    for area in AREAS:
        fp = ps[f"dibao.floor_{area}"]
        assert isinstance(fp, Parameter)
        out[f"dibao.floor_{area}"] = replace(fp, entries=tuple(sorted(floors[area], key=_start)))
    return ParameterSet(out, ps.root, ps.county_codes)


_REFERENCE: Mapping[str, str] = {
    "table": "county table",
    "consumption": "NAT 民发〔2024〕16号 last year's consumption x ratio",
    "cpi": "uprated by last year's CPI",
    "rise": "S4 二(二) given rise",
}


def link_standards(ps: ParameterSet, last_year: int) -> ParameterSet:
    """Tekun basic standard ≥ multiple × urban dibao standard and ≥ the provincial tekun floor
    on every date either changes (S3 三(二), S4 二(二)); care subsidy from last year's minimum
    wage where ``tekun.care_rule`` says so (S4 二(二))."""
    if not all(p in ps for p in REQUIRED):
        return ps
    out = dict(_params(ps))
    multiple_p = ps["tekun.standard_multiple"]
    urban = ps["dibao.standard"]
    floor_u = ps["dibao.floor_urban"]
    tk = ps["tekun.basic_standard"]
    tk_floor = ps["tekun.floor"]
    assert isinstance(urban, CountyParameter) and isinstance(tk, CountyParameter)
    assert isinstance(multiple_p, Parameter) and isinstance(floor_u, Parameter)
    assert isinstance(tk_floor, Parameter)
    ref = "S3 三(二); S4 二(二): tekun >= multiple x urban dibao standard"
    # provincial tekun floor
    dates = sorted(
        {e.start for e in tk_floor.entries} | set(floor_u.dates()) | set(multiple_p.dates())
    )
    new_floor: list[Entry] = []
    for d in dates:
        given = _in_force(tk_floor.entries, d)
        linked = float(multiple_p.at(d)) * float(floor_u.at(d))  # type: ignore[arg-type]
        value = max(float(given.value), float(math.ceil(linked - 1e-9)))  # type: ignore[arg-type]
        if value == float(given.value) and given.start == d:  # type: ignore[arg-type]
            new_floor.append(given)
        elif not new_floor or new_floor[-1].value != value:
            new_floor.append(Entry(d, value, "estimated", ref, f"linked: {linked:.2f}"))
    out["tekun.floor"] = replace(tk_floor, entries=tuple(_dedupe(new_floor)))
    floor_entries = tuple(_dedupe(new_floor))
    mult_dates = set(multiple_p.dates())
    new_tk: dict[tuple[str, str], tuple[Entry, ...]] = {}
    for code in tk.county_codes:
        own = tk.entries[(code, "all")]
        u = urban.entries[(code, "urban")]
        ds = sorted({e.start for e in own} | {e.start for e in u} | mult_dates
                    | {e.start for e in floor_entries})  # fmt: skip
        made: list[Entry] = []
        for d in ds:
            given = _in_force(own, d)
            linked = float(multiple_p.at(d)) * float(_in_force(u, d).value)  # type: ignore[arg-type]
            prov = float(_in_force(floor_entries, d).value)  # type: ignore[arg-type]
            need = max(math.ceil(linked / FEN - 1e-6) * FEN, prov)
            value = round(max(float(given.value), need), 2)  # type: ignore[arg-type]
            if value == float(given.value) and given.start == d:  # type: ignore[arg-type]
                made.append(given)
            else:
                made.append(Entry(d, value, "estimated", ref, f"linked: {linked:.2f}"))
        new_tk[(code, "all")] = tuple(_dedupe(made))
    out["tekun.basic_standard"] = replace(tk, entries=new_tk, _cache={})
    care = ps["tekun.care_subsidy"]
    if isinstance(care, Parameter) and "tekun.care_rule" in ps:
        out["tekun.care_subsidy"] = _care_from_wage(ps, care, last_year)
    return ParameterSet(out, ps.root, ps.county_codes)


def _care_from_wage(ps: ParameterSet, care: Parameter, last_year: int) -> Parameter:
    """Care subsidy tiers = shares × last year's monthly minimum wage from each year's adjustment
    date where ``tekun.care_rule`` = ``minimum_wage`` (S4 二(二))."""
    entries = list(care.entries)
    first = min(e.start.year for e in entries)
    for year in range(first, last_year + 1):
        when = adjust_date(ps, year)
        if str(ps.value("tekun.care_rule", when)) != "minimum_wage":
            continue
        wage = float(ps.value("economy.minimum_wage", dt.date(year - 1, 12, 1)))  # type: ignore[arg-type]
        shares = ps.value("tekun.care_wage_shares", when)
        assert isinstance(shares, dict)
        value = {k: round(float(shares[k]) * wage, 2) for k in care.entries[0].value}  # type: ignore[union-attr]
        entries = [e for e in entries if e.start != when]
        entries.append(
            Entry(when, value, "estimated", "S4 二(二) care subsidy tied to last year's minimum "
                  "wage (tekun.care_rule)", f"shares {shares} x wage {wage:g}")
        )  # fmt: skip
    return replace(care, entries=tuple(sorted(entries, key=_start)))


def _params(ps: ParameterSet) -> dict[str, Parameter | CountyParameter]:
    return {p.path: p for p in ps}


def _start(e: Entry) -> dt.date:
    return e.start


def _in_force(entries: Sequence[Entry], when: dt.date) -> Entry:
    chosen = entries[0]
    for e in entries:
        if e.start <= when:
            chosen = e
    return chosen


def _dedupe(entries: Sequence[Entry]) -> list[Entry]:
    """Drop entries that repeat the value in force (keeps the tables small)."""
    out: list[Entry] = []
    for e in sorted(entries, key=_start):
        if out and out[-1].start == e.start:
            out[-1] = e
            continue
        if out and out[-1].value == e.value and e.status == out[-1].status:
            continue
        out.append(e)
    return out
