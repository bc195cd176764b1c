"""The 2019–2024 replay held against the facts (issue 16).

- ``fit_table(ds)``: every dated fact of ``refdata.history_facts()`` and the 2019-05 start
  facts of ``refdata.targets()`` that the model can be held against, with the model's value,
  the relative error, the tolerance (persons and households 3%, money 5%, prefecture counts
  exact), whether it is within, and its use: ``calibration`` (a parameter was fitted to it),
  ``held out`` (nothing was fitted to it) or ``shown`` (context: different definition or a
  value from memory).
- ``fit_rise_share(ds)``: the price-subsidy amount share of 2016–2021 fitted to Yunnan's
  reported 2019 amounts per recipient (scipy.optimize, on the run's standards, food CPI and
  caseloads: no re-run needed).
- ``other_groups_subsidy(ds)``: the price subsidy of the covered groups that are not households
  of the model (orphans and de facto unsupported children: counted 2020-01; unemployment-
  insurance recipients and entitled veterans' dependants: estimated from Yunnan's 2019-2020
  person-times; HIV-infected children and unemployment-subsidy recipients, covered from 2021
  and 2022: no count found, priced at 0 and said so in ``other_groups()``).
- ``path_chart(ds, png)``: the baseline's 2019–2024 path beside the facts.

Usage: ``python -m safetynet.history RESULTS.nc [--png FILE] [--csv FILE]`` prints the fit
table as Markdown.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from safetynet import constants, refdata
from safetynet.params import ParameterSet, load_parameters
from safetynet.rules import dibao as dibao_rules
from safetynet.rules import price_subsidy

__all__ = [
    "GROUP_COUNT_KEYS",
    "HOUSEHOLD_GROUPS",
    "TOLERANCE",
    "FitRow",
    "OtherGroup",
    "fit_rise_share",
    "fit_table",
    "orphans_subsidy",
    "other_groups",
    "other_groups_covered",
    "other_groups_subsidy",
    "path_chart",
    "path_table",
    "to_markdown",
]

URBAN = list(constants.DIBAO_URBAN_GROUPS)
RURAL = list(constants.DIBAO_RURAL_GROUPS)
DIBAO = list(constants.DIBAO_GROUPS)
TEKUN = list(constants.TEKUN_GROUPS)

#: stated tolerances of the fit table (relative error), by kind of quantity (issue 16)
TOLERANCE: dict[str, float] = {"count": 0.03, "money": 0.05, "prefectures": 0.0}

#: facts a parameter was fitted to (the rest are held out): key -> what was fitted
CALIBRATION_USE: dict[str, str] = {
    "province_price_subsidy_per_recipient_2019_06": "price_subsidy.rise_share",
    "province_price_subsidy_per_recipient_2019_07": "price_subsidy.rise_share",
    "province_temporary_assistance_spending_2020_01_2020_03": "behaviour.history_shock_share",
    "province_temporary_assistance_spending_2019_01_2019_05": "behaviour.temporary_incidence 2019",
    "province_urban_dibao_persons_2019_05": "calibrated.* (start month)",
    "province_rural_dibao_persons_2019_05": "calibrated.* (start month)",
    "province_urban_dibao_households_2019_05": "calibrated.* (start month)",
    # the path fit (safetynet.path_fit: entry, exit, take-up response, the 2020 epidemic)
    "province_urban_dibao_persons_2023_09": "behaviour.* path fit (safetynet.path_fit)",
    "province_rural_dibao_persons_2023_09": "behaviour.* path fit (safetynet.path_fit)",
    "province_urban_dibao_persons_2020_01": "behaviour.* path fit (safetynet.path_fit)",
    "province_rural_dibao_persons_2020_01": "behaviour.* path fit (safetynet.path_fit)",
    "province_tekun_persons_2023_09": "behaviour.support_loss_rate (safetynet.path_fit)",
    # more, smaller urgent cases after the township approval of S4 四(九) (from 2021-10)
    "province_temporary_assistance_cases_2023_01_2023_09": "behaviour.temporary_incidence 2021-10",
    "province_temporary_assistance_avg_2023_01_2023_09": "behaviour.temporary_urgent_share 2021-10",
    "province_temporary_assistance_spending_2023_01_2023_09": "their product (cases × average)",
    "province_dibao_spending_2019_01_2019_05": "calibrated.* (start month)",
    "province_tekun_spending_2019_01_2019_05": "calibrated.* (start month)",
    # rural dibao by class (分类施保): the class B and C amounts' rise with the standard
    "province_dibao_benefit_per_person_2023_09": "dibao.rural_class_rise_share (its rural part)",
    "province_rural_dibao_avg_benefit_2023_09": "dibao.rural_class_rise_share",
}


@dataclass(frozen=True)
class FitRow:
    """One fact against the model."""

    key: str
    item: str
    period: str
    model: float
    fact: float
    unit: str
    kind: str  # count / money / prefectures / shown
    use: str  # calibration / held out / shown
    status: str
    source: str
    note: str = ""

    @property
    def item_zh(self) -> str:
        """Chinese label of the fact (``LABELS_ZH``; the English label when none)."""
        return LABELS_ZH.get(self.item, self.item)

    @property
    def error(self) -> float:
        """Relative error (model - fact) / fact."""
        return (self.model - self.fact) / self.fact if self.fact else math.nan

    @property
    def tolerance(self) -> float:
        return TOLERANCE.get(self.kind, math.nan)

    @property
    def within(self) -> bool | None:
        """Within the stated tolerance (None for rows shown without a tolerance)."""
        if self.kind not in TOLERANCE or math.isnan(self.error):
            return None
        return abs(self.error) <= self.tolerance + 1e-12


# ------------------------------------------------------------------------------ helpers


def _prov(da: xr.DataArray) -> xr.DataArray:
    """Province total of the first scenario: sum over counties in each replicate, then the median
    over replicates (a sum of per-county medians falls short wherever counties' values are
    skewed, e.g. rare temporary-assistance cases: −21% on 5 replicates of a 2% sample)."""
    out = da.isel(scenario=0)
    out = out.sum("county") if "county" in out.dims else out
    return out.median("replicate")


def _month(ds: xr.Dataset, period: str) -> np.datetime64 | None:
    m = np.datetime64(period[:7], "M")
    months = ds.month.values.astype("datetime64[M]")
    return ds.month.values[int(np.flatnonzero(months == m)[0])] if (months == m).any() else None


def _window(ds: xr.Dataset, period: str) -> xr.Dataset | None:
    """Months of a period '2020-01..2020-03' (or one month) if all are in the run."""
    first, _, last = period.partition("..")
    last = last or first
    a, b = np.datetime64(first[:7], "M"), np.datetime64(last[:7], "M")
    months = ds.month.values.astype("datetime64[M]")
    keep = (months >= a) & (months <= b)
    n = int((b - a).astype(int)) + 1
    return ds.isel(month=np.flatnonzero(keep)) if int(keep.sum()) == n else None


def _persons(ds: xr.Dataset, month: np.datetime64, groups: Sequence[str]) -> float:
    return float(_prov(ds["cases_persons"].sel(month=month, group=list(groups))).sum())


def _households(ds: xr.Dataset, month: np.datetime64, groups: Sequence[str]) -> float:
    return float(_prov(ds["cases_households"].sel(month=month, group=list(groups))).sum())


def _spending(ds: xr.Dataset, period: str, programmes: Sequence[str]) -> float | None:
    w = _window(ds, period)
    if w is None:
        return None
    return float(_prov(w["spending"].sel(programme=list(programmes))).sum())


def _mon(x: object) -> np.datetime64:
    """Any month-like value (datetime64 of any unit, '2019-07...') as datetime64[M]."""
    return np.datetime64(str(x)[:7], "M")


def _date(x: object) -> dt.date:
    text = str(x)[:7]
    return dt.date(int(text[:4]), int(text[5:7]), 1)


def _ns(m: np.datetime64) -> np.datetime64:
    return np.datetime64(str(m)[:7] + "-01T00:00:00", "ns")


def _lag(ps: ParameterSet, payment: object) -> int:
    v = ps.value("price_subsidy.index_lag_months", _date(payment))
    return int(v) if isinstance(v, int | float) else 0


def _payment_month(ds: xr.Dataset, index_period: str, ps: ParameterSet) -> np.datetime64 | None:
    """The run month whose payment used the index of ``index_period``."""
    idx = np.datetime64(index_period[:7], "M")
    for m in ds.month.values:
        mm = _mon(m)
        if mm - np.timedelta64(_lag(ps, m), "M") == idx:
            return m  # type: ignore[no-any-return]
    return None


def _triggered_prefectures(ds: xr.Dataset, month: np.datetime64) -> list[str]:
    trig = ds["price_trigger"].sel(month=month).isel(scenario=0).max("replicate")
    pref = ds["prefecture"].values
    return sorted({str(p) for p, t in zip(pref, trig.values, strict=True) if t > 0})


def _recipients(ds: xr.Dataset, month: np.datetime64) -> float:
    trig = ds["price_trigger"].sel(month=month).isel(scenario=0).median("replicate")
    per = ds["cases_persons"].sel(month=month, group=[*DIBAO, *TEKUN]).sum("group")
    per = per.isel(scenario=0).median("replicate")
    return float((per * trig).sum())


# ------------------------------------------------------------------------------ fit table


def _measure(
    ds: xr.Dataset, f: refdata.HistoryFact, ps: ParameterSet
) -> tuple[float, str, str] | None:
    """(model value, kind, note) for one history fact, None when the run does not cover it."""
    item, period = f.item, f.period
    month = _month(ds, period) if ".." not in period else None
    simple_persons: dict[str, list[str]] = {
        "urban_dibao_persons": URBAN,
        "rural_dibao_persons": RURAL,
    }
    if item in simple_persons and month is not None:
        return _persons(ds, month, simple_persons[item]), "count", "whole + single-person"
    if item in ("urban_dibao_households", "rural_dibao_households") and month is not None:
        groups = URBAN if item.startswith("urban") else RURAL
        return _households(ds, month, groups), "count", ""
    if item.endswith("_dibao_persons_per_household") and month is not None:
        groups = URBAN if item.startswith("urban") else RURAL
        return _persons(ds, month, groups) / _households(ds, month, groups), "count", ""
    if item in ("tekun_persons", "dibao_persons") and month is not None:
        groups = TEKUN if item == "tekun_persons" else [*URBAN, *RURAL]
        return _persons(ds, month, groups), "count", "urban + rural"
    if item in ("urban_dibao_avg_standard", "rural_dibao_avg_standard") and month is not None:
        area = item.split("_")[0]
        per_year = f.unit.endswith("/year")
        std = ds[f"standard_{area}"].sel(month=month).isel(scenario=0).median("replicate")
        cp = ds["cases_persons"].sel(month=month, group=URBAN if area == "urban" else RURAL)
        wt = cp.sum("group").isel(scenario=0).median("replicate")
        value = float((std * wt).sum() / max(float(wt.sum()), 1.0)) * (12.0 if per_year else 1.0)
        return value, "money", "county standards weighted by the model's dibao persons"
    if item in ("temporary_assistance_cases", "temporary_assistance_avg"):
        win = _window(ds, period)
        if win is None:
            return None
        cases = float(_prov(win["cases_persons"].sel(group="temporary")).sum())
        if item == "temporary_assistance_cases":
            return cases, "count", "persons in households assisted, summed over months"
        paid = float(_prov(win["spending"].sel(programme="temporary")).sum())
        return paid / max(cases, 1.0), "money", "spending / persons assisted"
    if item == "assistance_spending":
        total = _spending(ds, period, list(constants.MONEY_LINES))
        return None if total is None else (total, "money", "all money paid to households")
    if item in (
        "price_linked_total",
        "price_linked_person_times_assistance",
        "price_linked_per_person_time",
    ):
        return _price_window(ds, period, ps, item)
    if item.startswith("price_linked_person_times"):
        return None  # the other groups: inputs of other_groups()
    if item.startswith("price_subsidy_"):
        pay = _payment_month(ds, period, ps)
        if pay is None:
            return None
        note = f"paid in {str(pay)[:7]}"
        if item == "price_subsidy_prefectures":
            return float(len(_triggered_prefectures(ds, pay))), "prefectures", note
        if item == "price_subsidy_recipients":
            return _recipients(ds, pay), "count", note + "; dibao + tekun persons paid"
        if item == "price_subsidy_amount":
            amount = _spending(ds, str(pay)[:7], ["price_subsidy"]) or 0.0
            return amount, "money", note + "; dibao and tekun recipients"
        if item == "price_subsidy_per_recipient":
            paid = _spending(ds, str(pay)[:7], ["price_subsidy"]) or 0.0
            return paid / max(_recipients(ds, pay), 1.0), "money", note
        area = "urban" if "_urban_" in item else "rural"
        rate = ds[f"price_subsidy_rate_{area}"].sel(month=pay).isel(scenario=0)
        trig = ds["price_trigger"].sel(month=pay).isel(scenario=0)
        vals = rate.where(trig > 0).values
        vals = vals[~np.isnan(vals)]
        if vals.size == 0:
            return 0.0, "shown", note
        v = float(vals.min() if item.endswith("_min") else vals.max())
        return v, "shown", note + "; range over counties (no prefecture food CPI in our data)"
    lines: dict[str, tuple[list[str], str]] = {
        "temporary_assistance_spending": (["temporary"], ""),
        "dibao_spending": (["dibao", "price_subsidy"], "dibao + price subsidy (the 低保 line)"),
        "tekun_spending": (list(constants.TEKUN_LINES), "basic living + care"),
    }
    if item in lines:
        spent = _spending(ds, period, lines[item][0])
        return None if spent is None else (spent, "money", lines[item][1])
    return None


def _price_window(
    ds: xr.Dataset, period: str, ps: ParameterSet, item: str
) -> tuple[float, str, str] | None:
    """The price subsidy over the payment months of the index months ``period``: total paid
    (dibao + tekun + the other covered groups), person-times of dibao and tekun, per
    person-time (all groups)."""
    first, _, last = period.partition("..")
    a, b = _payment_month(ds, first, ps), _payment_month(ds, last or first, ps)
    if a is None or b is None:
        return None
    w = ds.sel(month=slice(a, b))
    times = sum(_recipients(w, m) for m in w.month.values)
    paid = float(_prov(w["spending"].sel(programme="price_subsidy")).sum())
    other = (
        float(_prov(w["price_subsidy_other_groups"]).sum())
        if "price_subsidy_other_groups" in w
        else 0.0
    )
    note = f"payment months {str(a)[:7]}..{str(b)[:7]}"
    if item == "price_linked_total":
        return paid + other, "money", note + "; with the other covered groups"
    if item == "price_linked_person_times_assistance":
        return times, "count", note + "; dibao + tekun persons paid, summed"
    # the other groups' person-times: covered and in a county that paid (median replicate)
    paid_to = other_groups_covered(w, ps) * (w["price_trigger"] > 0)
    others = float(_prov(paid_to).sum())
    return (paid + other) / max(times + others, 1.0), "shown", note


def _combined_rows(ds: xr.Dataset, facts: dict[str, refdata.HistoryFact]) -> list[FitRow]:
    """Facts the model can only meet summed over areas (tekun, benefit per person)."""
    rows: list[FitRow] = []
    jan = "2020-01"
    m = _month(ds, jan)
    need = [
        "province_urban_tekun_persons_2020_01",
        "province_rural_tekun_persons_2020_01",
        "province_urban_dibao_spending_2020_01",
        "province_rural_dibao_spending_2020_01",
        "province_urban_tekun_spending_2020_01",
        "province_rural_tekun_spending_2020_01",
    ]
    if m is None or any(k not in facts for k in need):
        return rows
    f = facts
    src = f["province_urban_tekun_persons_2020_01"]
    tekun = f[need[0]].value + f[need[1]].value
    rows.append(
        FitRow("province_tekun_persons_2020_01", "Tekun persons (urban + rural)", jan,
               _persons(ds, m, TEKUN), tekun, "persons", "count", "held out", src.status,
               src.url, "the model does not split tekun by area")
    )  # fmt: skip
    dib_spend = f[need[2]].value + f[need[3]].value
    dib_persons = (
        f["province_urban_dibao_persons_2020_01"].value
        + f["province_rural_dibao_persons_2020_01"].value
    )
    model_spend = _spending(ds, jan, ["dibao", "price_subsidy"]) or 0.0
    rows.append(
        FitRow("province_dibao_spending_per_person_2020_01", "Dibao spending per person", jan,
               model_spend / max(_persons(ds, m, [*URBAN, *RURAL]), 1.0),
               dib_spend / dib_persons, "yuan/person/month", "money", "held out",
               refdata.DERIVED, src.url,
               "January; may hold price subsidy and Spring Festival top-ups")
    )  # fmt: skip
    tk_spend = f[need[4]].value + f[need[5]].value
    rows.append(
        FitRow("province_tekun_spending_2020_01", "Tekun spending", jan,
               _spending(ds, jan, list(constants.TEKUN_LINES)) or 0.0, tk_spend, "yuan",
               "money", "held out", src.status, src.url, "basic living + care")
    )  # fmt: skip
    rows.extend(_benefit_rows(ds, facts))
    return rows


def _fitted(key: str, note: str) -> tuple[str, str]:
    """(use, note) of a fact row: calibration, with what was fitted to it, if it is in
    :data:`CALIBRATION_USE`; else held out."""
    if key not in CALIBRATION_USE:
        return "held out", note
    return "calibration", f"{note}; fitted: {CALIBRATION_USE[key]}".lstrip("; ")


def _benefit_rows(ds: xr.Dataset, facts: dict[str, refdata.HistoryFact]) -> list[FitRow]:
    """Dibao benefit per person per month: urban and rural together (the persons-weighted mean
    of the reported average benefits) and, where the results split dibao money by area
    (``dibao_spending_urban``), urban and rural apart against the reported averages."""
    rows: list[FitRow] = []
    for key, f in facts.items():
        if f.item != "urban_dibao_avg_benefit":
            continue
        tail = key.removeprefix("province_urban_dibao_avg_benefit_")
        need = [f"province_rural_dibao_avg_benefit_{tail}", f"province_urban_dibao_persons_{tail}",
                f"province_rural_dibao_persons_{tail}"]  # fmt: skip
        m = _month(ds, f.period)
        if m is None or any(k not in facts for k in need):
            continue
        rural_fact = facts[need[0]]
        rural, up, rp = (facts[k].value for k in need)
        rural_month = rural / 12.0 if rural_fact.unit.endswith("/year") else rural
        paid = _spending(ds, f.period[:7], ["dibao"]) or 0.0
        # (key, label, fact, model, status, address, note)
        found = [
            (f"province_dibao_benefit_per_person_{tail}", "Dibao benefit per person",
             (f.value * up + rural_month * rp) / (up + rp),
             paid / max(_persons(ds, m, [*URBAN, *RURAL]), 1.0), refdata.DERIVED, f.url,
             "urban and rural average benefits weighted by persons"),
        ]  # fmt: skip
        if "dibao_spending_urban" in ds:  # results written since dibao is split by area
            urban_paid = float(_prov(ds["dibao_spending_urban"].sel(month=m)).sum())
            area = "dibao paid ÷ dibao persons of the area"
            found += [
                (key, "Urban dibao benefit per person", f.value,
                 urban_paid / max(_persons(ds, m, URBAN), 1.0), f.status, f.url, area),
                (need[0], "Rural dibao benefit per person", rural_month,
                 (paid - urban_paid) / max(_persons(ds, m, RURAL), 1.0), rural_fact.status,
                 rural_fact.url, area),
            ]  # fmt: skip
        for k, label, fact, model, status, url, note in found:
            use, note = _fitted(k, note)
            rows.append(FitRow(k, label, f.period, model, fact, "yuan/person/month", "money",
                               use, status, url, note))  # fmt: skip
    return rows


LABELS: dict[str, str] = {
    "urban_dibao_persons": "Urban dibao persons",
    "urban_dibao_households": "Urban dibao households",
    "rural_dibao_persons": "Rural dibao persons",
    "rural_dibao_households": "Rural dibao households",
    "urban_dibao_persons_per_household": "Urban dibao persons per household",
    "rural_dibao_persons_per_household": "Rural dibao persons per household",
    "dibao_spending": "Dibao spending",
    "tekun_spending": "Tekun spending",
    "temporary_assistance_spending": "Temporary assistance spending",
    "price_subsidy_prefectures": "Price subsidy: prefectures paid",
    "price_subsidy_recipients": "Price subsidy: recipients",
    "price_subsidy_amount": "Price subsidy: amount",
    "price_subsidy_per_recipient": "Price subsidy per recipient",
    "price_subsidy_urban_min": "Price subsidy urban, lowest",
    "price_subsidy_urban_max": "Price subsidy urban, highest",
    "price_subsidy_rural_min": "Price subsidy rural, lowest",
    "price_subsidy_rural_max": "Price subsidy rural, highest",
    "tekun_persons": "Tekun persons",
    "dibao_persons": "Dibao persons",
    "urban_dibao_avg_standard": "Urban dibao standard, average",
    "rural_dibao_avg_standard": "Rural dibao standard, average",
    "temporary_assistance_cases": "Temporary assistance: persons assisted",
    "temporary_assistance_avg": "Temporary assistance per person assisted",
    "assistance_spending": "Assistance paid to households",
    "price_linked_total": "Price subsidy: total",
    "price_linked_person_times_assistance": "Price subsidy: dibao and tekun person-times",
    "price_linked_per_person_time": "Price subsidy per person-time",
    # facts shown beside the model or outside the run's months (the validation table)
    "registered_poor_in_dibao_tekun": "Registered poor covered by dibao or tekun",
    "rural_dibao_floor": "Rural dibao provincial floor",
    "urban_dibao_floor": "Urban dibao provincial floor",
    "tekun_floor": "Tekun basic living provincial floor",
    "tekun_care_partly_floor": "Tekun care floor (partly unable)",
    "tekun_care_unable_floor": "Tekun care floor (unable)",
    "temporary_assistance_cases_press": "Temporary assistance person-times (press)",
    "assistance_recipients": "Persons under dibao or tekun protection",
    "entitled_veterans": "Entitled veterans' dependants covered by the price subsidy",
    "epidemic_newly_included_persons": "Newly included during the epidemic",
    "epidemic_reviewed_persons": "Reviewed during the epidemic",
    "low_income_monitored_persons": "Low-income population monitored",
    "monitored_edge_persons": "Edge persons (prefecture)",
    "monitored_households": "Monitored households (preventing a return to poverty)",
    "monitored_persons": "Monitored persons (preventing a return to poverty)",
    "monitored_risk_unresolved_persons": "Monitored persons, risk not yet removed",
    "monitored_unstable_tuopin_persons": "Monitored persons lifted out of poverty, unstable",
    "orphan_dispersed_standard": "Orphans' basic living standard, dispersed",
    "orphan_institution_standard": "Orphans' basic living standard, in institutions",
    "orphans": "Orphans",
    "price_linkage_cpi_threshold": "Price linkage: CPI trigger",
    "price_linkage_food_threshold": "Price linkage: food CPI trigger",
    "price_linked_person_times": "Price subsidy: person-times, all groups",
    "price_linked_person_times_unemployed": "Price subsidy: unemployment-insurance person-times",
    "price_linked_person_times_veterans": "Price subsidy: veterans' dependants person-times",
    "price_subsidy_implied_rise_pct": "Price subsidy: implied price rise",
    "price_subsidy_rural_rate": "Price subsidy rate, rural",
    "price_subsidy_urban_rate": "Price subsidy rate, urban",
    "rural_dibao_avg_benefit": "Rural dibao benefit per person",
    "rural_dibao_class_a_benefit": "Rural dibao benefit per person, class A (county)",
    "rural_dibao_class_b_benefit": "Rural dibao benefit per person, class B (county)",
    "rural_dibao_class_c_benefit": "Rural dibao benefit per person, class C (county)",
    "rural_dibao_registered_poor": "Registered poor in rural dibao",
    "rural_dibao_spending": "Rural dibao spending",
    "rural_dibao_spending_per_person": "Rural dibao spending per person",
    "rural_dibao_standard": "Rural dibao standard (county)",
    "rural_dibao_unified_counties": "Counties with one urban-rural dibao standard",
    "rural_tekun_avg_standard_home": "Rural tekun standard, at home, average",
    "rural_tekun_avg_standard_institution": "Rural tekun standard, in institutions, average",
    "rural_tekun_persons": "Rural tekun persons",
    "rural_tekun_spending": "Rural tekun spending",
    "tekun_avg_standard_home": "Tekun standard, at home, average",
    "tekun_avg_standard_institution": "Tekun standard, in institutions, average",
    "tekun_care_home_able_floor": "Tekun care floor, at home, able",
    "tekun_care_home_partly_floor": "Tekun care floor, at home, partly unable",
    "tekun_care_home_unable": "Tekun care, at home, unable (county)",
    "tekun_care_home_unable_floor": "Tekun care floor, at home, unable",
    "tekun_care_institution_able": "Tekun care, in institutions, able (county)",
    "tekun_care_institution_able_floor": "Tekun care floor, in institutions, able",
    "tekun_care_institution_partly": "Tekun care, institutions, partly unable (county)",
    "tekun_care_institution_partly_floor": "Tekun care floor, in institutions, partly unable",
    "tekun_care_institution_unable": "Tekun care, in institutions, unable (county)",
    "tekun_care_institution_unable_floor": "Tekun care floor, in institutions, unable",
    "tekun_registered_poor": "Registered poor in tekun",
    "tekun_standard": "Tekun basic living standard (county)",
    "tekun_standard_home": "Tekun standard, at home (county)",
    "tekun_standard_institution": "Tekun standard, in institutions (county)",
    "temporary_assistance_persons": "Temporary assistance persons",
    "temporary_assistance_spending_per_month": "Temporary assistance per month",
    "unemployment_insurance_recipients": "Price subsidy: unemployment-insurance recipients",
    "unsupported_children": "De facto unsupported children",
    "unsupported_children_newly_covered": "De facto unsupported children newly covered",
    "urban_dibao_avg_benefit": "Urban dibao benefit per person",
    "urban_dibao_spending": "Urban dibao spending",
    "urban_dibao_spending_per_person": "Urban dibao spending per person",
    "urban_dibao_standard": "Urban dibao standard (county)",
    "urban_tekun_avg_standard_home": "Urban tekun standard, at home, average",
    "urban_tekun_avg_standard_institution": "Urban tekun standard, in institutions, average",
    "urban_tekun_persons": "Urban tekun persons",
    "urban_tekun_spending": "Urban tekun spending",
}

LABELS_ZH: dict[str, str] = {
    "Urban dibao persons": "城市低保人数",
    "Urban dibao households": "城市低保户数",
    "Rural dibao persons": "农村低保人数",
    "Rural dibao households": "农村低保户数",
    "Urban dibao persons per household": "城市低保户均人数",
    "Rural dibao persons per household": "农村低保户均人数",
    "Dibao spending": "低保支出",
    "Tekun spending": "特困供养支出",
    "Temporary assistance spending": "临时救助支出",
    "Price subsidy: prefectures paid": "价格临时补贴：发放州市数",
    "Price subsidy: recipients": "价格临时补贴：受益人数",
    "Price subsidy: amount": "价格临时补贴：金额",
    "Price subsidy per recipient": "价格临时补贴：人均",
    "Price subsidy urban, lowest": "城市价格补贴最低额",
    "Price subsidy urban, highest": "城市价格补贴最高额",
    "Price subsidy rural, lowest": "农村价格补贴最低额",
    "Price subsidy rural, highest": "农村价格补贴最高额",
    "Tekun persons (urban + rural)": "特困人员（城乡合计）",
    "Dibao spending per person": "低保人均支出",
    "Urban dibao persons 2024-12 / 2019-12": "城市低保人数 2024年末/2019年末",
    "Rural dibao persons 2024-12 / 2019-12": "农村低保人数 2024年末/2019年末",
    "Edge persons (prefecture)": "低保边缘人数（州市）",
    "Dibao spending per month": "低保月支出",
    "Tekun spending per month": "特困供养月支出",
    "Temporary assistance per month": "临时救助月支出",
    "Tekun persons": "特困人员",
    "Dibao persons": "低保人数",
    "Urban dibao standard, average": "城市低保平均标准",
    "Rural dibao standard, average": "农村低保平均标准",
    "Temporary assistance: persons assisted": "临时救助人次",
    "Temporary assistance per person assisted": "临时救助人次均水平",
    "Assistance paid to households": "困难群众救助资金支出",
    "Price subsidy: total": "价格临时补贴：合计",
    "Price subsidy: dibao and tekun person-times": "价格临时补贴：低保特困人次",
    "Price subsidy per person-time": "价格临时补贴：人次均",
    "Dibao benefit per person": "低保人均补助水平",
    "Registered poor covered by dibao or tekun": "建档立卡贫困人口纳入低保特困人数",
    "Rural dibao provincial floor": "农村低保省级指导标准",
    "Urban dibao provincial floor": "城市低保省级指导标准",
    "Tekun basic living provincial floor": "特困人员基本生活省级指导标准",
    "Tekun care floor (partly unable)": "特困人员照料护理标准（部分失能）",
    "Tekun care floor (unable)": "特困人员照料护理标准（完全失能）",
    "Temporary assistance person-times (press)": "临时救助人次（新闻发布）",
    "Persons under dibao or tekun protection": "兜底保障人数",
    "Entitled veterans' dependants covered by the price subsidy": "纳入价格临时补贴的优抚对象",
    "Newly included during the epidemic": "疫情期间新纳入救助人数",
    "Reviewed during the epidemic": "疫情期间复核人数",
    "Low-income population monitored": "纳入低收入人口动态监测人数",
    "Monitored households (preventing a return to poverty)": "防返贫监测户数",
    "Monitored persons (preventing a return to poverty)": "防返贫监测人数",
    "Monitored persons, risk not yet removed": "风险未消除监测人数",
    "Monitored persons lifted out of poverty, unstable": "脱贫不稳定人数",
    "Orphans' basic living standard, dispersed": "社会散居孤儿基本生活保障标准",
    "Orphans' basic living standard, in institutions": "集中养育孤儿基本生活保障标准",
    "Orphans": "孤儿人数",
    "Price linkage: CPI trigger": "价格联动：居民消费价格指数启动条件",
    "Price linkage: food CPI trigger": "价格联动：食品价格指数启动条件",
    "Price subsidy: person-times, all groups": "价格临时补贴：各类对象合计人次",
    "Price subsidy: unemployment-insurance person-times": "价格临时补贴：失业保险金领取人员人次",
    "Price subsidy: veterans' dependants person-times": "价格临时补贴：优抚对象人次",
    "Price subsidy: implied price rise": "价格临时补贴：对应的价格涨幅",
    "Price subsidy rate, rural": "农村价格临时补贴标准",
    "Price subsidy rate, urban": "城市价格临时补贴标准",
    "Rural dibao benefit per person": "农村低保人均补助水平",
    "Rural dibao benefit per person, class A (county)": "农村低保重点保障类每人每月补助（县）",
    "Rural dibao benefit per person, class B (county)": "农村低保基本保障类每人每月补助（县）",
    "Rural dibao benefit per person, class C (county)": "农村低保一般保障类每人每月补助（县）",
    "Registered poor in rural dibao": "纳入农村低保的建档立卡贫困人口",
    "Rural dibao spending": "农村低保支出",
    "Rural dibao spending per person": "农村低保人均支出",
    "Rural dibao standard (county)": "农村低保标准（县）",
    "Counties with one urban-rural dibao standard": "城乡低保标准统一的县数",
    "Rural tekun standard, at home, average": "农村分散供养特困人员平均标准",
    "Rural tekun standard, in institutions, average": "农村集中供养特困人员平均标准",
    "Rural tekun persons": "农村特困人员",
    "Rural tekun spending": "农村特困供养支出",
    "Tekun standard, at home, average": "分散供养特困人员平均标准",
    "Tekun standard, in institutions, average": "集中供养特困人员平均标准",
    "Tekun care floor, at home, able": "分散供养特困人员照料护理标准（生活自理）",
    "Tekun care floor, at home, partly unable": "分散供养特困人员照料护理标准（部分失能）",
    "Tekun care, at home, unable (county)": "分散供养特困人员照料护理标准（完全失能，县）",
    "Tekun care floor, at home, unable": "分散供养特困人员照料护理标准（完全失能）",
    "Tekun care, in institutions, able (county)": "集中供养特困人员照料护理标准（生活自理，县）",
    "Tekun care floor, in institutions, able": "集中供养特困人员照料护理标准（生活自理）",
    "Tekun care, institutions, partly unable (county)": "集中供养特困人员照料护理标准（部分失能，县）",  # noqa: E501
    "Tekun care floor, in institutions, partly unable": "集中供养特困人员照料护理标准（部分失能）",
    "Tekun care, in institutions, unable (county)": "集中供养特困人员照料护理标准（完全失能，县）",
    "Tekun care floor, in institutions, unable": "集中供养特困人员照料护理标准（完全失能）",
    "Registered poor in tekun": "纳入特困供养的建档立卡贫困人口",
    "Tekun basic living standard (county)": "特困人员基本生活标准（县）",
    "Tekun standard, at home (county)": "分散供养特困人员标准（县）",
    "Tekun standard, in institutions (county)": "集中供养特困人员标准（县）",
    "Temporary assistance persons": "临时救助人数",
    "Price subsidy: unemployment-insurance recipients": "纳入价格临时补贴的失业保险金领取人员",
    "De facto unsupported children": "事实无人抚养儿童",
    "De facto unsupported children newly covered": "新纳入保障的事实无人抚养儿童",
    "Urban dibao benefit per person": "城市低保人均补助水平",
    "Urban dibao spending": "城市低保支出",
    "Urban dibao spending per person": "城市低保人均支出",
    "Urban dibao standard (county)": "城市低保标准（县）",
    "Urban tekun standard, at home, average": "城市分散供养特困人员平均标准",
    "Urban tekun standard, in institutions, average": "城市集中供养特困人员平均标准",
    "Urban tekun persons": "城市特困人员",
    "Urban tekun spending": "城市特困供养支出",
}
USE_ZH: dict[str, str] = {"calibration": "校准", "held out": "留出检验", "shown": "仅展示"}

#: start-month facts of targets.csv: key -> (label, measure, kind)
START_FACTS: dict[str, tuple[str, Callable[[xr.Dataset], float | None], str]] = {
    "province_urban_dibao_persons_2019_05": (
        "Urban dibao persons",
        lambda ds: _persons(ds, ds.month.values[0], URBAN),
        "count",
    ),
    "province_rural_dibao_persons_2019_05": (
        "Rural dibao persons",
        lambda ds: _persons(ds, ds.month.values[0], RURAL),
        "count",
    ),
    "province_urban_dibao_households_2019_05": (
        "Urban dibao households",
        lambda ds: _households(ds, ds.month.values[0], URBAN),
        "count",
    ),
}


def _monthly(ds: xr.Dataset, programmes: Sequence[str]) -> float | None:
    """Average spending per month over 2019-05..2019-12 (beside the Jan–May 2019 rates)."""
    w = _window(ds, "2019-05..2019-12")
    if w is None:
        return None
    return float(_prov(w["spending"].sel(programme=list(programmes))).sum()) / w.sizes["month"]


#: Jan–May 2019 spending facts of targets.csv: key -> (label, programmes)
SPENDING_2019: dict[str, tuple[str, list[str]]] = {
    "province_dibao_spending_2019_01_2019_05": ("Dibao spending per month", ["dibao"]),
    "province_tekun_spending_2019_01_2019_05": (
        "Tekun spending per month",
        list(constants.TEKUN_LINES),
    ),
    "province_temporary_assistance_spending_2019_01_2019_05": (
        "Temporary assistance per month",
        ["temporary"],
    ),
}


def fit_table(ds: xr.Dataset, params: ParameterSet | None = None) -> list[FitRow]:
    """Every fact the run covers, against the model (see module docstring)."""
    ps = params if params is not None else load_parameters()
    rows: list[FitRow] = []
    targets = refdata.targets()
    for key, (label, fn, kind) in START_FACTS.items():
        t = targets[key]
        v = fn(ds)
        if v is not None:
            rows.append(FitRow(key, label, t.period, v, t.value, t.unit, kind, "calibration",
                               t.status, t.source, "start month"))  # fmt: skip
    for key, (label, programmes) in SPENDING_2019.items():
        t = targets[key]
        v = _monthly(ds, programmes)
        if v is not None:
            use, note = _fitted(key, "model 2019-05..12 average against Jan–May 2019 ÷ 5")
            rows.append(FitRow(key, label, "2019-01..2019-05", v, t.value / 5, "yuan/month",
                               "money", use, t.status, t.source, note))  # fmt: skip
    facts = refdata.history_facts()
    for key, f in sorted(facts.items(), key=lambda kv: (kv[1].period, kv[0])):
        if f.item == "monitored_edge_persons":
            rows.extend(_edge_row(ds, f))
            continue
        if f.item in ("orphans", "unsupported_children") or f.geo != "yunnan":
            continue  # inputs of other_groups(), not model outputs
        if f.item.startswith(("urban_tekun", "rural_tekun")) or f.item.endswith("_per_person"):
            continue  # by area: only the sums are comparable (_combined_rows)
        if f.item in ("urban_dibao_spending", "rural_dibao_spending"):
            continue
        got = _measure(ds, f, ps)
        if got is None:
            continue
        value, kind, note = got
        use, note = _fitted(key, note)
        if kind == "shown":
            use = "shown"
        rows.append(FitRow(key, LABELS.get(f.item, f.item), f.period, value, f.value, f.unit,
                           kind, use, f.status, f.url, note))  # fmt: skip
    rows.extend(_combined_rows(ds, facts))
    rows.extend(_trend_rows(ds, targets))
    return rows


def _edge_row(ds: xr.Dataset, f: refdata.HistoryFact) -> list[FitRow]:
    """The model's dibao-edge persons in a prefecture beside a monitored-population count."""
    m = _month(ds, f.period)
    if m is None:
        return []
    sel = ds["cases_persons"].sel(month=m, group="edge").isel(scenario=0).median("replicate")
    inside = np.asarray(ds["prefecture"].values == f.geo)
    model = float(sel.values[inside].sum())
    return [
        FitRow(f.key, "Edge persons (prefecture)", f.period, model, f.value, f.unit, "shown",
               "shown", f.status, f.url,
               f"prefecture {f.geo}: 边缘易致贫户 of the 防返贫监测 (a rural-revitalisation "
               "category) beside the model's dibao-edge families: related, not the same")
    ]  # fmt: skip


def _trend_rows(ds: xr.Dataset, targets: dict[str, refdata.Target]) -> list[FitRow]:
    """Caseload change 2019-12 -> 2024-12 beside the national change (Yunnan's not found)."""
    a, b = _month(ds, "2019-12"), _month(ds, "2024-12")
    rows: list[FitRow] = []
    if a is None or b is None:
        return rows
    for area, groups in (("urban", URBAN), ("rural", RURAL)):
        k0, k1 = f"national_{area}_dibao_persons_2019_12", f"national_{area}_dibao_persons_2024_12"
        if k0 not in targets or k1 not in targets:
            continue
        fact = targets[k1].value / targets[k0].value
        model = _persons(ds, b, groups) / _persons(ds, a, groups)
        status = targets[k0].status if not targets[k0].is_official else targets[k1].status
        rows.append(
            FitRow(f"{area}_dibao_change_2019_12_2024_12",
                   f"{area.capitalize()} dibao persons 2024-12 / 2019-12", "2019-12..2024-12",
                   model, fact, "ratio", "shown", "shown", status,
                   f"{targets[k0].source}; {targets[k1].source}",
                   "national path (Yunnan year-end caseloads 2019-2024 not found)")
        )  # fmt: skip
    return rows


def to_markdown(rows: Sequence[FitRow], lang: str = "en") -> str:
    """The fit table as Markdown (``lang`` "en", or "zh": Chinese labels, no English notes)."""
    if lang == "zh":
        out = [
            "| 事实 | 期间 | 模型值 | 事实值 | 误差 | 容差 | 是否达标 | 用途 | 官方 |",
            "|---|---|---:|---:|---:|---:|---|---|---|",
        ]
        for r in rows:
            fmt = "{:,.2f}" if abs(r.fact) < 100 else "{:,.0f}"
            tol = f"{r.tolerance:.0%}" if not math.isnan(r.tolerance) else "–"
            within = {True: "是", False: "**否**", None: "–"}[r.within]
            official = "是" if refdata.is_official_status(r.status) else "否（估计）"
            out.append(
                f"| {r.item_zh} | {r.period} | {fmt.format(r.model)} | {fmt.format(r.fact)} | "
                f"{r.error:+.1%} | {tol} | {within} | {USE_ZH[r.use]} | {official} |"
            )
        return "\n".join(out)
    out = [
        "| fact | period | model | fact | error | tolerance | within | use | status | note |",
        "|---|---|---:|---:|---:|---:|---|---|---|---|",
    ]
    for r in rows:
        fmt = "{:,.2f}" if abs(r.fact) < 100 else "{:,.0f}"
        tol = f"{r.tolerance:.0%}" if not math.isnan(r.tolerance) else "–"
        within = {True: "yes", False: "**no**", None: "–"}[r.within]
        out.append(
            f"| {r.item} | {r.period} | {fmt.format(r.model)} | {fmt.format(r.fact)} | "
            f"{r.error:+.1%} | {tol} | {within} | {r.use} | {r.status} | {r.note} |"
        )
    return "\n".join(out)


def to_csv(rows: Sequence[FitRow], path: Path) -> None:
    """The fit table as CSV (one row per fact, with its source)."""
    cols = ["key", "item", "period", "model", "fact", "unit", "error", "tolerance", "within",
            "use", "status", "note", "source"]  # fmt: skip
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(cols)
        for r in rows:
            w.writerow([r.key, r.item, r.period, f"{r.model:.6g}", f"{r.fact:.6g}", r.unit,
                        f"{r.error:.6g}", "" if math.isnan(r.tolerance) else r.tolerance,
                        "" if r.within is None else r.within, r.use, r.status, r.note,
                        r.source])  # fmt: skip


# ------------------------------------------------------------------------------ rise share


def _subsidy_per_recipient(ds: xr.Dataset, pay: np.datetime64, share: float,
                           ps: ParameterSet) -> float:  # fmt: skip
    """Average subsidy per dibao/tekun recipient in payment month ``pay`` for a given share:
    max(standard x food CPI rise of the index month x share, minimum) x multiplier; tekun at
    the rural rate (the output does not split tekun by area; about 92% are rural)."""
    d = _date(pay)
    idx = _mon(pay) - np.timedelta64(_lag(ps, pay), "M")
    food = float(ds["food_cpi_yoy_pct"].isel(scenario=0).median("replicate").sel(month=_ns(idx)))
    minimum = float(ps.value("price_subsidy.min_payment", d))  # type: ignore[arg-type]
    mult = float(ps.value("price_subsidy.multiplier", d))  # type: ignore[arg-type]
    sl = {"month": pay}
    trig = ds["price_trigger"].sel(sl).isel(scenario=0).median("replicate")
    std_u = ds["standard_urban"].sel(sl).isel(scenario=0).median("replicate")
    std_r = ds["standard_rural"].sel(sl).isel(scenario=0).median("replicate")
    rate_u = np.maximum(std_u * food / 100.0 * share, minimum) * mult
    rate_r = np.maximum(std_r * food / 100.0 * share, minimum) * mult
    cp = ds["cases_persons"].sel(sl).isel(scenario=0).median("replicate")
    urban = cp.sel(group=URBAN).sum("group")
    rural = cp.sel(group=[*RURAL, "dibao_gradual_exit", *TEKUN]).sum("group")
    paid = float(((urban * rate_u + rural * rate_r) * trig).sum())
    n = float(((urban + rural) * trig).sum())
    return paid / max(n, 1.0)


def fit_rise_share(ds: xr.Dataset, params: ParameterSet | None = None) -> tuple[float, float]:
    """Share of the food CPI rise that reproduces Yunnan's reported 2019 amounts per recipient
    (index months 2019-06 and 2019-07), least squares on the relative errors; returns
    (share, root-mean-square relative error)."""
    ps = params if params is not None else load_parameters()
    facts = refdata.history_facts()
    pairs = []
    for key in ("province_price_subsidy_per_recipient_2019_06",
                "province_price_subsidy_per_recipient_2019_07"):  # fmt: skip
        f = facts[key]
        pay = _payment_month(ds, f.period, ps)
        if pay is None:
            raise ValueError(f"the run does not cover the payment for index month {f.period}")
        pairs.append((pay, f.value))

    def loss(share: float) -> float:
        return sum((_subsidy_per_recipient(ds, p, share, ps) / v - 1.0) ** 2 for p, v in pairs)

    from scipy.optimize import minimize_scalar  # here: a report need not import scipy.optimize

    res = minimize_scalar(loss, bounds=(0.05, 1.0), method="bounded", options={"xatol": 1e-4})
    share = float(res.x)
    return share, math.sqrt(float(res.fun) / len(pairs))


# ------------------------------------------------------------------------------ other groups


@dataclass(frozen=True)
class OtherGroup:
    """A group covered by the price subsidy that is not a household of the model."""

    name: str  # key of price_subsidy.covered_groups
    persons: float  # province count
    period: str
    status: str
    source: str
    note: str


#: covered groups the household step prices itself (``rules.price_subsidy.covered_persons``)
HOUSEHOLD_GROUPS = ("dibao", "tekun", "edge")

#: every other key of ``price_subsidy.covered_groups`` -> the history_facts key of its province
#: count (None: no count found)
GROUP_COUNT_KEYS: dict[str, str | None] = {
    "orphans": "province_orphans_2020_01",
    "unsupported_children": "province_unsupported_children_2020_01",
    # 2019-05..2020-07 person-times / the paying population share summed over the 15 index
    # months (estimated, the method in the fact's note)
    "unemployment_insurance": "province_unemployment_insurance_recipients_2019_2020",
    "entitled_veterans": "province_entitled_veterans_2019_2020",
    "hiv_children": None,  # 艾滋病病毒感染儿童, covered from the 2021 rule
    "unemployment_subsidy": None,  # 领取失业补助金人员, covered 2022-09..2023-03
}


def other_groups() -> list[OtherGroup]:
    """Province counts of the covered groups outside the household schema (history_facts),
    one per key of :data:`GROUP_COUNT_KEYS`; a group without a count is priced at 0, with
    status ``from memory, unverified`` and a note saying so."""
    facts = refdata.history_facts()
    out = []
    for name, key in GROUP_COUNT_KEYS.items():
        if key is not None and key in facts:
            f = facts[key]
            out.append(OtherGroup(name, f.value, f.period, f.status, f.url, f.status_note))
        else:
            out.append(
                OtherGroup(name, 0.0, "", refdata.MEMORY, "",
                           "no Yunnan count found in our sources: priced at 0 (unknown, not zero)")
            )  # fmt: skip
    return out


#: groups of :func:`other_groups` shared among counties by children aged 0-14 (the rest by
#: population): an estimated allocation, no county counts being published
CHILD_GROUPS = ("orphans", "unsupported_children")


def other_groups_covered(ds: xr.Dataset, params: ParameterSet | None = None) -> xr.DataArray:
    """Persons of the covered groups outside the household schema per county and month
    (county, month): each group's province count (:func:`other_groups`) in the months the group
    is covered (``price_subsidy.group_flag``), shared among counties by children aged 0-14
    (orphans, unsupported children) or by population (census 2020; an estimated allocation)."""
    ps = params if params is not None else load_parameters()
    ct = refdata.counties()
    every = np.arange(len(ct))
    pos = ct.index_of([str(c) for c in ds.county.values])
    # shares of the province total (a run of some counties gets those counties' part)
    kids = (ct.pop_total * ct.share_age_0_14).astype(np.float64)
    people = ct.pop_total.astype(np.float64)
    child_share = kids[pos] / kids[every].sum()
    people_share = people[pos] / people[every].sum()
    groups = other_groups()
    counts_cm = np.zeros((len(pos), ds.sizes["month"]))
    for i, m in enumerate(ds.month.values):
        d = dt.date.fromisoformat(str(np.datetime64(m, "D")))
        prices = ps.at(d).price_subsidy  # covered groups: the rule price_subsidy.group_flag
        for g in groups:
            if price_subsidy.group_flag(prices, g.name):
                share = child_share if g.name in CHILD_GROUPS else people_share
                counts_cm[:, i] += g.persons * share
    return xr.DataArray(
        counts_cm, dims=("county", "month"), coords={"county": ds.county, "month": ds.month}
    )


def other_groups_subsidy(ds: xr.Dataset, params: ParameterSet | None = None) -> xr.DataArray:
    """Price subsidy to the covered groups outside the household schema, yuan per county and
    month (scenario, replicate, county, month): :func:`other_groups_covered` x the county's
    urban rate where the county paid. The urban rate is the base for these groups (NAT local
    implementations, e.g. Guilin)."""
    rate = ds["price_subsidy_rate_urban"] * (ds["price_trigger"] > 0)
    out = (rate * other_groups_covered(ds, params)).rename("price_subsidy_other_groups")
    out.attrs = {
        "units": "yuan",
        "long_name": "Price subsidy to covered groups outside the household schema",
        "long_name_zh": "其他保障对象价格临时补贴",
        "description": "orphans and de facto unsupported children (province counts 2020-01, "
        "shared by children aged 0-14), unemployment-insurance recipients and entitled "
        "veterans' dependants (2019-05..2020-07 person-times / 14.5 paying months, estimated, "
        "shared by population) x the county's urban rate in the months the group is covered; "
        "HIV-infected children and unemployment-subsidy recipients: no count, 0",
    }
    return out


def orphans_subsidy(ds: xr.Dataset, params: ParameterSet | None = None) -> xr.DataArray:
    """Basic living allowance of orphans and de facto unsupported children, yuan per county
    and month (scenario, replicate, county, month): the province counts of January 2020
    (history_facts) shared by the county's children aged 0-14 (estimated allocation) x
    ``children.orphan_standard`` of the month (S0 二(四), S4 三(八))."""
    ps = params if params is not None else load_parameters()
    ct = refdata.counties()
    pos = ct.index_of([str(c) for c in ds.county.values])
    kids = (ct.pop_total * ct.share_age_0_14).astype(np.float64)
    share = kids[pos] / kids.sum()
    persons = sum(g.persons for g in other_groups() if g.name in CHILD_GROUPS)
    std = np.array(
        [float(ps.value("children.orphan_standard", _date(m))) for m in ds.month.values]  # type: ignore[arg-type]
    )
    values = np.broadcast_to(
        np.outer(share * persons, std),
        (ds.sizes["scenario"], ds.sizes["replicate"], len(pos), len(std)),
    ).copy()
    out = xr.DataArray(
        values,
        dims=("scenario", "replicate", "county", "month"),
        coords={"scenario": ds.scenario, "replicate": ds.replicate, "county": ds.county,
                "month": ds.month},
        name="orphans_subsidy",
    )  # fmt: skip
    out.attrs = {
        "units": "yuan",
        "long_name": "Allowance of orphans and de facto unsupported children",
        "long_name_zh": "孤儿及事实无人抚养儿童基本生活费",
        "description": "province counts 2020-01 shared by children aged 0-14 (estimated) x "
        "children.orphan_standard; not in spending",
    }
    return out


# ------------------------------------------------------------------------------ chart


def _number(ps: ParameterSet, path: str, day: dt.date) -> float:
    """A scalar parameter's number on ``day`` (NaN if it is not a number)."""
    v = ps.value(path, day)
    return float(v) if isinstance(v, int | float) else math.nan


def path_chart(ds: xr.Dataset, png: Path, params: ParameterSet | None = None) -> Path:
    """The baseline's 2019-2024 path beside the facts (8 panels), written to ``png``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ps = params if params is not None else load_parameters()
    d = ds.sel(month=slice(np.datetime64("2019-01"), np.datetime64("2024-12")))
    months = d.month.values
    facts = refdata.history_facts()
    targets = refdata.targets()
    fig, axes = plt.subplots(4, 2, figsize=(12, 15), constrained_layout=True)
    fitted = set(CALIBRATION_USE)
    labelled: set[tuple[int, bool]] = set()

    def dot(ax: Any, period: str, value: float, label: str, held: bool) -> None:
        x = np.datetime64(period[:7], "M").astype("datetime64[ns]")
        ax.plot([x], [value], marker="o" if held else "s", color="black" if held else "tab:red",
                linestyle="none", label=label)  # fmt: skip

    def fact_dots(ax: Any, items: Sequence[str], scale: float) -> None:
        """Every Yunnan fact of ``items``: red squares calibration, black circles held out."""
        for key, f in sorted(facts.items()):
            if f.geo == "yunnan" and f.item in items and ".." not in f.period:
                held = key not in fitted
                tag = (id(ax), held)
                label = (
                    "_" if tag in labelled else ("fact, held out" if held else "fact, calibration")
                )
                labelled.add(tag)
                dot(ax, f.period, f.value / scale, label, held)

    for ax, groups, area, color in ((axes[0, 0], URBAN, "urban", "tab:blue"),
                                    (axes[0, 1], RURAL, "rural", "tab:green")):  # fmt: skip
        y = _prov(d["cases_persons"].sel(group=groups)).sum("group") / 1e6
        ax.plot(months, y, color=color, label=f"model {area} dibao persons")
        fact_dots(ax, [f"{area}_dibao_persons"], 1e6)
        key = f"province_{area}_dibao_persons_2019_05"
        dot(ax, targets[key].period, targets[key].value / 1e6, "fact 2019-05 (start month)", False)
        ax.set_title(f"{area.capitalize()} dibao persons, Yunnan (million)")
        ax.legend(fontsize=8, loc="lower left")

    ax = axes[2, 1]
    y = _prov(d["cases_persons"].sel(group=TEKUN)).sum("group") / 1e3
    ax.plot(months, y, color="tab:brown", label="model tekun persons")
    fact_dots(ax, ["tekun_persons"], 1e3)
    tk = [facts[k] for k in ("province_urban_tekun_persons_2020_01",
                             "province_rural_tekun_persons_2020_01") if k in facts]  # fmt: skip
    if len(tk) == 2:
        dot(ax, tk[0].period, (tk[0].value + tk[1].value) / 1e3, "_", True)
    ax.set_title("Tekun persons, Yunnan (thousand)")
    top = max(
        [
            float(y.max()),
            *(
                f.value / 1e3
                for f in facts.values()
                if f.item == "tekun_persons" and f.geo == "yunnan"
            ),
        ]
    )
    ax.set_ylim(0, top * 1.15)
    ax.legend(fontsize=8, loc="lower right")

    ax = axes[1, 0]
    for groups, label, color in ((URBAN, "urban", "tab:blue"), (RURAL, "rural", "tab:green")):
        p = _prov(d["cases_persons"].sel(group=groups)).sum("group")
        h = _prov(d["cases_households"].sel(group=groups)).sum("group")
        ax.plot(months, p / h, color=color, label=f"model {label}")
    for area, lab in (("urban", "fact 2020-01 (held out)"), ("rural", "_")):
        f = facts[f"province_{area}_dibao_persons_per_household_2020_01"]
        dot(ax, f.period, f.value, lab, True)
    ax.set_title("Dibao persons per household")
    ax.set_ylim(0, 4)
    ax.legend(fontsize=8)

    ax = axes[1, 1]
    temp = _prov(d["spending"].sel(programme="temporary")) / 1e6
    ax.plot(months, temp, color="tab:orange", label="model temporary assistance")
    f = facts["province_temporary_assistance_spending_2020_01_2020_03"]
    ax.hlines(f.value / 3 / 1e6, np.datetime64("2020-01-01"), np.datetime64("2020-03-28"),
              color="tab:red", linewidth=3,
              label="fact Jan-Mar 2020 / 3 (calibration)")  # fmt: skip
    t19 = targets["province_temporary_assistance_spending_2019_01_2019_05"]
    ax.hlines(t19.value / 5 / 1e6, np.datetime64("2019-01-01"), np.datetime64("2019-05-28"),
              color="black", linewidth=3, label="fact Jan-May 2019 / 5")  # fmt: skip
    key = "province_temporary_assistance_spending_2023_01_2023_09"
    if key in facts:
        ax.hlines(facts[key].value / 9 / 1e6, np.datetime64("2023-01-01"),
                  np.datetime64("2023-09-28"), color="black", linewidth=3, linestyle=":",
                  label="fact Jan-Sep 2023 / 9 (held out)")  # fmt: skip
    ax.set_title("Temporary assistance (million yuan / month)")
    ax.legend(fontsize=8)

    ax = axes[2, 0]
    n_pref = [len(_triggered_prefectures(d, m)) for m in months]
    index_months = [_mon(m) - np.timedelta64(_lag(ps, m), "M") for m in months]
    ax.step([_ns(x) for x in index_months], n_pref, where="mid",
            color="tab:purple", label="model, by index month")  # fmt: skip
    for per in ("2019_05", "2019_06", "2019_07"):
        f = facts[f"province_price_subsidy_prefectures_{per}"]
        dot(ax, f.period, f.value, "Yunnan reports (held out)" if per == "2019_05" else "_", True)
    ax.set_title("Price subsidy: prefectures paid (of 16)")
    ax.set_ylim(-0.5, 16.5)
    ax.legend(fontsize=8)
    ax = axes[3, 0]
    persons = _prov(d["cases_persons"].sel(group=[*URBAN, *RURAL])).sum("group")
    paid = _prov(d["spending"].sel(programme="dibao")) / persons.where(persons > 0)
    ax.plot(months, paid, color="tab:olive", label="model, urban and rural")
    for r in _benefit_rows(d, facts):
        dot(ax, r.period, r.fact, "_", r.use != "calibration")
    start = [targets[f"province_{a}_dibao_benefit_per_person_month_2019_01_2019_05"]
             for a in ("urban", "rural")]  # fmt: skip
    weights = [targets[f"province_{a}_dibao_persons_2019_05"].value for a in ("urban", "rural")]
    jan_may = sum(t.value * w for t, w in zip(start, weights, strict=True)) / sum(weights)
    ax.hlines(jan_may, np.datetime64("2019-01-01"), np.datetime64("2019-05-28"), color="tab:red",
              linewidth=3, label="fact Jan-May 2019 (calibration)")  # fmt: skip
    ax.plot([], [], marker="o", color="black", linestyle="none", label="fact, held out")
    ax.plot([], [], marker="s", color="tab:red", linestyle="none", label="fact, calibration")
    ax.set_title("Dibao paid per person (yuan / month)")
    ax.legend(fontsize=8, loc="upper left")

    ax = axes[3, 1]
    days = [dt.date(int(str(m)[:4]), int(str(m)[5:7]), 1) for m in months]
    floor = np.array([_number(ps, "dibao.floor_rural", day) for day in days])
    shares = np.array([dibao_rules.rural_class_layout(ps, day)[1] for day in days])
    classes = (("A", "tab:red"), ("B", "tab:blue"), ("C", "tab:green"))
    for k, (name, color) in enumerate(classes):
        ax.plot(months, shares[:, k] * floor, color=color, label=f"model class {name} on the floor")
        for f in facts.values():
            if f.item == f"rural_dibao_class_{name.lower()}_benefit":
                dot(ax, f.period, f.value, "_", True)
                at = np.datetime64(f.period[:7], "M").astype("datetime64[ns]")
                ax.annotate(f.geo, (at, f.value), fontsize=6, xytext=(3, 3),
                            textcoords="offset points")  # fmt: skip
    ax.plot([], [], marker="o", color="black", linestyle="none",
            label="county facts (Tengchong 530581, Wuding 532329)")  # fmt: skip
    ax.set_title("Rural dibao by class: yuan per person per month")
    ax.legend(fontsize=8, loc="upper left")
    for a in axes.ravel():
        a.grid(alpha=0.3)
    fig.suptitle("Baseline 2019-2024 beside the facts (safetynet, issue 16)")
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=110)
    plt.close(fig)
    return png


#: monthly province series of :func:`path_table`: column -> (variable, selection, scale)
PATH_COLUMNS: dict[str, tuple[str, dict[str, Any]]] = {
    "urban_dibao_persons": ("cases_persons", {"group": URBAN}),
    "rural_dibao_persons": ("cases_persons", {"group": RURAL}),
    "urban_dibao_households": ("cases_households", {"group": URBAN}),
    "rural_dibao_households": ("cases_households", {"group": RURAL}),
    "tekun_persons": ("cases_persons", {"group": TEKUN}),
    "edge_households": ("cases_households", {"group": ["edge"]}),
    "tuopin_at_risk_households": ("tuopin_at_risk_households", {}),
    "monitored_households": ("monitored_households", {}),
    "dibao_yuan": ("spending", {"programme": ["dibao"]}),
    "tekun_yuan": ("spending", {"programme": list(constants.TEKUN_LINES)}),
    "temporary_yuan": ("spending", {"programme": ["temporary"]}),
    "price_subsidy_yuan": ("spending", {"programme": ["price_subsidy"]}),
    "price_subsidy_other_groups_yuan": ("price_subsidy_other_groups", {}),
}


def path_table(ds: xr.Dataset) -> list[dict[str, Any]]:
    """The baseline's path month by month (province sums, median replicate): one dict per
    month with :data:`PATH_COLUMNS` (persons, households, yuan), for the validation page and
    the report (the facts beside it are :func:`fit_table`)."""
    series: dict[str, np.ndarray] = {}
    for col, (var, sel) in PATH_COLUMNS.items():
        if var not in ds:
            continue
        da = _prov(ds[var].sel(**sel)) if sel else _prov(ds[var])
        extra = [d for d in da.dims if d != "month"]
        series[col] = (da.sum(extra) if extra else da).values
    return [
        {"month": str(m)[:7], **{c: float(v[i]) for c, v in series.items()}}
        for i, m in enumerate(ds.month.values)
    ]


def main(argv: Sequence[str] | None = None) -> None:
    """Print the fit table for a results file; optionally write the chart and the CSV."""
    ap = argparse.ArgumentParser(prog="python -m safetynet.history")
    ap.add_argument("results", type=Path)
    ap.add_argument("--png", type=Path, default=None)
    ap.add_argument("--csv", type=Path, default=None)
    ap.add_argument("--path-csv", type=Path, default=None, help="monthly path (path_table)")
    args = ap.parse_args(argv)
    with xr.open_dataset(args.results) as ds:
        ds = ds.load()
    rows = fit_table(ds)
    print(to_markdown(rows))
    share, rms = fit_rise_share(ds)
    print(f"\nfitted price_subsidy.rise_share (2016-2021): {share:.4f} (rms error {rms:.1%})")
    if args.csv:
        to_csv(rows, args.csv)
    if args.png:
        path_chart(ds, args.png)
    if args.path_csv:
        table = path_table(ds)
        with args.path_csv.open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(table[0]), lineterminator="\n")
            w.writeheader()
            for row in table:
                w.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in row.items()})


if __name__ == "__main__":
    main()
