"""Apply the rules to every household at a date: one ``Assessment`` per month.

Composition only: every quantity comes from a rule function in ``safetynet.rules``; this module
decides nothing itself. ``income_factor`` lets behaviour (a disaster cutting earnings) change
the circumstances the rules see, never the rules.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from safetynet.behaviour.transitions import ColumnStore
from safetynet.rules import dibao, tekun


@dataclass(frozen=True)
class Assessment:
    """What the rules say about each household this month (arrays, one per household)."""

    standard: np.ndarray  # dibao standard for the household's residence, yuan/person/month
    per_capita_income: np.ndarray  # counted income per member, yuan/person/month
    assets_ok: np.ndarray
    tekun: np.ndarray  # eligible for tekun
    dibao_whole: np.ndarray  # eligible as a whole household
    edge: np.ndarray  # dibao-edge family
    single_persons: np.ndarray  # members eligible alone (single-person inclusion)
    benefit_whole: np.ndarray  # dibao if covered as a whole household, yuan/household/month
    benefit_single: np.ndarray  # dibao for members covered alone, yuan/household/month
    tekun_basic: np.ndarray  # tekun basic living if covered, yuan/household/month
    tekun_care: np.ndarray  # tekun care subsidy if covered, yuan/household/month
    expected_benefit_pp: np.ndarray  # what an applicant expects per person, yuan/person/month


def take(a: Assessment, rows: np.ndarray) -> Assessment:
    """The assessment of a subset of households (``rows``: integer positions)."""
    return Assessment(**{f.name: getattr(a, f.name)[rows] for f in fields(Assessment)})


@dataclass(frozen=True)
class Eligibility:
    """Who qualifies for what (no amounts): the rules on one income view of the households."""

    per_capita_income: np.ndarray
    tekun: np.ndarray
    dibao_whole: np.ndarray
    edge: np.ndarray
    single_persons: np.ndarray


@dataclass(frozen=True)
class _Shared:
    """Rule results that do not depend on income (computed once per month)."""

    standard: np.ndarray
    assets_ok: np.ndarray
    able: np.ndarray
    candidates: np.ndarray
    alive: np.ndarray


def _shared(hh: ColumnStore, p: Any) -> _Shared:
    d, t = p.dibao, p.tekun
    size = hh["size"]
    std = dibao.local_standard(d, hh["county"], hh["urban"])
    return _Shared(
        standard=std,
        assets_ok=dibao.assets_ok(d, hh["assets"], size, std),
        able=tekun.able_bodied_members(
            t, hh["n_16_17"], hh["n_18_59"], hh["n_disabled_severe"], hh["n_disabled_mental"]
        ),
        candidates=dibao.single_person_candidates(
            d, size, hh["n_disabled_severe"], hh["n_disabled_mental"], hh["n_ill"]
        ),
        alive=size > 0,
    )


def _eligibility(
    hh: ColumnStore, p: Any, s: _Shared, income_factor: np.ndarray | float
) -> Eligibility:
    d = p.dibao
    f = income_factor
    counted = dibao.counted_income(
        d,
        hh["income_wage"] * f,
        hh["income_farm"] * f,
        hh["income_transfer"],
        hh["exp_medical"],
        hh["exp_schooling"],
        hh["exp_disability"],
    )
    pci = dibao.per_capita_income(counted, hh["size"])
    std, ok = s.standard, s.assets_ok
    tk = tekun.eligible(s.able, hh["n_workers"], hh["has_supporter"], pci, std, ok) & s.alive
    whole = dibao.eligible_whole(pci, std, ok) & ~tk & s.alive
    edge = dibao.edge_family(d, pci, std, ok, whole | tk) & s.alive
    n_single = dibao.single_person_count(edge, s.candidates)
    return Eligibility(pci, tk, whole, edge, n_single)


def _with_amounts(hh: ColumnStore, p: Any, s: _Shared, e: Eligibility) -> Assessment:
    d, t = p.dibao, p.tekun
    size = hh["size"]
    std, pci, n_single = s.standard, e.per_capita_income, e.single_persons
    category = dibao.benefit_category(
        s.able, hh["n_disabled_severe"], hh["n_ill"], hh["n_disabled_mental"], hh["n_60p"]
    )
    covered = np.ones(size.shape, dtype=bool)
    b_whole = dibao.whole_household_benefit(d, pci, std, size, covered, category, s.candidates)
    b_single = dibao.single_person_benefit(d, pci, std, np.maximum(n_single, 1))
    basic = tekun.basic_living(t, hh["county"], size)
    care = tekun.care_subsidy(t, hh["care_level"], size)
    per_person = np.where(
        e.tekun,
        (basic + care) / np.maximum(size, 1),
        np.where(e.dibao_whole, b_whole / np.maximum(size, 1), b_single / np.maximum(n_single, 1)),
    )
    return Assessment(
        standard=std,
        per_capita_income=pci,
        assets_ok=s.assets_ok,
        tekun=e.tekun,
        dibao_whole=e.dibao_whole,
        edge=e.edge,
        single_persons=n_single,
        benefit_whole=b_whole,
        benefit_single=np.where(n_single > 0, b_single, 0.0),
        tekun_basic=basic,
        tekun_care=care,
        expected_benefit_pp=per_person,
    )


def assess(hh: ColumnStore, p: Any, income_factor: np.ndarray | None = None) -> Assessment:
    """Run the dibao and tekun rules on the households' circumstances (p = params.at(date))."""
    s = _shared(hh, p)
    e = _eligibility(hh, p, s, 1.0 if income_factor is None else income_factor)
    return _with_amounts(hh, p, s, e)


def assess_pair(
    hh: ColumnStore, p: Any, assessed_factor: np.ndarray, true_factor: np.ndarray
) -> tuple[Assessment, Eligibility]:
    """The rules on the assessed income (with amounts) and on the true income (eligibility
    only), sharing what does not depend on income."""
    s = _shared(hh, p)
    admin = _with_amounts(hh, p, s, _eligibility(hh, p, s, assessed_factor))
    return admin, _eligibility(hh, p, s, true_factor)
