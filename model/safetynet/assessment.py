"""The composition of the household rules, written once.

Every quantity comes from a rule function in :mod:`safetynet.rules`; this module only puts them
in order, once, for every caller: the monthly kernel (:mod:`safetynet.household_month`), the
start state and calibration (through :func:`assess`, a compiled loop over households), the YAML
rule cases (:mod:`safetynet.cases`) and the per-household Mesa reference (both through
:func:`safetynet.rules.compiled.plain`).

- :func:`household_tests`: what does not depend on income (standard, asset test, able-bodied
  members, single-person candidates, benefit class), per member where the rule book states a
  rule per person (the household's members are contiguous rows of the person table);
- :func:`per_capita_income`: one view of income (true, or as the administration assesses it);
- :func:`eligibility`: the eligibility order, tekun → whole-household dibao → edge family →
  single-person inclusion;
- :func:`dibao_benefit`, :func:`dibao_benefit_held` (the amount held between reviews),
  :func:`covered_persons`, :func:`payments`: the benefit sum;
- :func:`temporary_amount`: the temporary-assistance amount of a case.

A behaviour term that changes what the rules see (e.g. categorical targeting by the
administration) is one more function composed here, not a change to a rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import numpy.typing as npt

from safetynet import members
from safetynet.rules import (
    DIBAO,
    DIBAO_SINGLE,
    TEKUN_DISPERSED,
    dibao,
    price_subsidy,
    tekun,
    temporary,
)
from safetynet.rules.compiled import rule, to_int
from safetynet.rules.parameters import MonthParameters, RuleParams, fields_read

FloatArray = npt.NDArray[np.float64]


@rule
def standard_and_assets(p: RuleParams, urban: bool, size: int, assets: float) -> tuple[float, bool]:
    """(dibao standard for the residence, yuan/person/month; assets within the limit)."""
    std = dibao.local_standard(p, urban)
    return std, dibao.assets_ok(p, assets, size, std)


@rule
def member_tests(
    p: RuleParams, first: int, size: int, age: Any, disability: Any, grade: Any, ill: Any
) -> tuple[int, int, int]:
    """What the rules say about the members, person by person: (able-bodied members,
    members who may be covered alone, benefit class). The household's members are rows
    ``first`` .. ``first + size - 1`` of the person arrays; each per-person rule reads one
    member (``tekun.is_able_bodied``, ``dibao.qualifies_alone``, ``tekun.is_elderly``), so a
    person counts once whatever number of conditions they meet."""
    able = candidates = n_severe = n_mental = n_ill = n_elderly = 0
    for k in range(first, first + size):
        a, d, g = to_int(age[k]), to_int(disability[k]), to_int(grade[k])
        sick = bool(ill[k])
        able += tekun.is_able_bodied(p, a, d, g)
        candidates += dibao.qualifies_alone(p, d, g, sick)
        n_severe += members.is_severe(d, g)
        n_mental += members.is_mental_3_4(d, g)
        n_ill += sick
        n_elderly += tekun.is_elderly(p, a)
    category = dibao.benefit_category(able, n_severe, n_ill, n_mental, n_elderly)
    return able, candidates, category


#: the RuleParams fields :func:`member_tests` reads (found in its code): when one changes in a
#: county, its households' member tests are redone (else they are kept while the members stand)
MEMBER_TEST_FIELDS: tuple[str, ...] = fields_read(member_tests)


@rule
def household_tests(
    p: RuleParams,
    urban: bool,
    size: int,
    first: int,
    age: Any,
    disability: Any,
    grade: Any,
    ill: Any,
    assets: float,
) -> tuple[float, bool, int, int, int]:
    """The rule results that do not depend on income: (dibao standard yuan/person/month,
    assets within the limit, able-bodied members, single-person candidates, benefit class):
    :func:`standard_and_assets` and :func:`member_tests`."""
    std, ok = standard_and_assets(p, urban, size, assets)
    able, candidates, category = member_tests(p, first, size, age, disability, grade, ill)
    return std, ok, able, candidates, category


@rule
def per_capita_income(
    p: RuleParams,
    income_wage: float,
    income_farm: float,
    income_transfer: float,
    exp_medical: float,
    exp_schooling: float,
    exp_disability: float,
    size: int,
) -> float:
    """Counted income per member, yuan/person/month, on one view of the household's income."""
    counted = dibao.counted_income(
        p, income_wage, income_farm, income_transfer, exp_medical, exp_schooling, exp_disability
    )
    return dibao.per_capita_income(counted, size)


@rule
def scaled_per_capita_income(
    p: RuleParams,
    scale: float,
    income_wage: float,
    income_farm: float,
    income_transfer: float,
    exp_medical: float,
    exp_schooling: float,
    exp_disability: float,
    size: int,
) -> float:
    """:func:`per_capita_income` with wage and farm income times ``scale`` (the assessment
    factor, the share kept while a shock lasts, or both), each product rounded to float32 as
    the columns store income, yuan/person/month."""
    return per_capita_income(
        p,
        float(np.float32(income_wage * scale)),
        float(np.float32(income_farm * scale)),
        income_transfer,
        exp_medical,
        exp_schooling,
        exp_disability,
        size,
    )


@rule
def eligibility(
    p: RuleParams,
    per_capita: float,
    standard: float,
    assets_pass: bool,
    able: int,
    n_workers: int,
    has_supporter: bool,
    size: int,
    candidates: int,
) -> tuple[bool, bool, bool, int]:
    """The eligibility order: (tekun, whole-household dibao, edge family, persons covered
    alone). A tekun household is not also on dibao (S4 二(一)); an edge family is eligible for
    neither; single-person inclusion applies to members of edge families. A household with no
    members is eligible for nothing."""
    alive = size > 0
    tk = alive and tekun.eligible(able, n_workers, has_supporter, per_capita, standard, assets_pass)
    whole = alive and not tk and dibao.eligible_whole(per_capita, standard, assets_pass)
    edge = alive and dibao.edge_family(p, per_capita, standard, assets_pass, whole or tk)
    return tk, whole, edge, dibao.single_person_count(edge, candidates)


@rule
def covered_persons(programme: int, size: int, n_single: int) -> int:
    """Persons covered by the household's programme: all members (whole-household dibao,
    tekun), the members covered alone (single-person dibao, at least 1), else 0."""
    if programme == DIBAO or programme >= TEKUN_DISPERSED:
        return size
    if programme == DIBAO_SINGLE:
        return max(n_single, 1)
    return 0


@rule
def dibao_benefit(
    p: RuleParams,
    programme: int,
    urban: bool,
    exit_months_left: int,
    benefit_last_month: float,
    per_capita: float,
    standard: float,
    size: int,
    category: int,
    candidates: int,
    n_single: int,
) -> float:
    """Dibao paid this month, yuan/household/month: last month's amount during a gradual exit;
    the whole-household benefit on whole-household dibao (paid until a review ends it); the
    single-person benefit for members covered alone; 0 off dibao."""
    if programme != DIBAO and programme != DIBAO_SINGLE:
        return 0.0
    if exit_months_left > 0:
        return dibao.gradual_exit_benefit(exit_months_left, benefit_last_month)
    if programme == DIBAO:
        return dibao.whole_household_benefit(
            p, per_capita, standard, size, category, candidates, urban
        )
    if n_single > 0:
        return dibao.single_person_benefit(p, per_capita, standard, max(n_single, 1), urban)
    return 0.0


@rule
def dibao_benefit_held(
    p: RuleParams,
    programme: int,
    urban: bool,
    exit_months_left: int,
    benefit_last_month: float,
    revised: bool,
    per_capita: float,
    standard: float,
    size: int,
    category: int,
    candidates: int,
    n_single: int,
) -> float:
    """Dibao paid this month when the amount is set at a decision and revised only at a review
    (动态管理: the amount is fixed when the case is approved and recomputed when the household
    is reviewed, S3 一(二), S4 三(六)), yuan/household/month: last month's amount on a running
    case that is not ``revised`` this month; otherwise :func:`dibao_benefit` on this month's
    assessed income and standard. A raised standard reaches a running case at its next review
    (``behaviour.review_interval_months``), as Yunnan's monthly figures show: in July 2019 the
    standards rose by 8% (urban) and 15% (rural) and the average benefit by 0% and 1%
    (``history_facts.csv``, 云南省民政厅 2019年6月/7月社会救助工作情况)."""
    running = programme in (DIBAO, DIBAO_SINGLE)
    if running and not revised and exit_months_left <= 0 and benefit_last_month > 0.0:
        return benefit_last_month
    return dibao_benefit(
        p,
        programme,
        urban,
        exit_months_left,
        benefit_last_month,
        per_capita,
        standard,
        size,
        category,
        candidates,
        n_single,
    )


@rule
def payments(
    p: RuleParams,
    programme: int,
    urban: bool,
    edge: bool,
    size: int,
    persons: int,
    members_care: float,
) -> tuple[float, float, float, float]:
    """The money lines other than dibao and temporary assistance, yuan/household/month:
    (tekun basic living, tekun care subsidy, price subsidy, one-time subsidy).
    ``members_care``: the care subsidy of the household's members by their own self-care
    levels (``tekun.care_subsidy``), paid on tekun. The caller computes it from the person
    table (the monthly kernel only for tekun households: an array passed into this inlined
    function would cost every household a reference count)."""
    basic = 0.0
    care = 0.0
    if programme >= TEKUN_DISPERSED:
        basic = tekun.basic_living(p, persons)
        care = members_care
    price_persons = price_subsidy.covered_persons(p, programme, edge, persons, size)
    price = price_subsidy.household_subsidy(price_subsidy.rate(p, urban), price_persons)
    once = price_subsidy.one_time_subsidy(p, programme, persons)
    return basic, care, price, once


@rule
def temporary_amount(
    p: RuleParams, kind: int, severity: int, size: int, duration_months: float
) -> float:
    """Temporary assistance granted for one case, yuan/case: the need, capped at the ordinary
    limit except for major hardship (S3 二(三))."""
    need = temporary.need(p, kind, severity, size, duration_months)
    return temporary.amount(need, temporary.case_by_case_limit(p), severity)


# ------------------------------------------------------------------ arrays of households


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
    benefit_alone_pp: np.ndarray  # single-person benefit of one member, yuan/person/month


def take(a: Assessment, rows: np.ndarray) -> Assessment:
    """The assessment of a subset of households (``rows``: integer positions)."""
    return Assessment(**{f.name: getattr(a, f.name)[rows] for f in fields(Assessment)})


#: household columns :func:`assess` reads, in the order of :func:`_assess_rows`
ASSESS_COLUMNS = (
    "urban",
    "size",
    "first_member",
    "n_workers",
    "income_wage",
    "income_farm",
    "income_transfer",
    "assets",
    "exp_medical",
    "exp_schooling",
    "exp_disability",
    "has_supporter",
)
#: person columns :func:`assess` reads, after the household columns
ASSESS_PERSON_COLUMNS = ("age", "disability", "disability_grade", "ill", "care_level")


@rule
def _assess_rows(
    p: RuleParams,
    rows: Any,
    factor: Any,
    urban: Any,
    size: Any,
    first: Any,
    n_workers: Any,
    wage: Any,
    farm: Any,
    transfer: Any,
    assets: Any,
    medical: Any,
    schooling: Any,
    disability: Any,
    supporter: Any,
    age: Any,
    kind: Any,
    grade: Any,
    ill: Any,
    care_level: Any,
    out_f: Any,
    out_b: Any,
    out_i: Any,
) -> None:
    for j in range(rows.shape[0]):
        i = rows[j]
        sz = to_int(size[i])
        f0 = to_int(first[i])
        std, ok, able, cand, category = household_tests(
            p, urban[i], sz, f0, age, kind, grade, ill, float(assets[i])
        )
        pci = scaled_per_capita_income(
            p,
            float(factor[i]),
            float(wage[i]),
            float(farm[i]),
            float(transfer[i]),
            float(medical[i]),
            float(schooling[i]),
            float(disability[i]),
            sz,
        )
        tk, whole, edge, n_single = eligibility(
            p, pci, std, ok, able, to_int(n_workers[i]), supporter[i], sz, cand
        )
        b_whole = dibao.whole_household_benefit(p, pci, std, sz, category, cand, urban[i])
        b_one = dibao.single_person_benefit(p, pci, std, max(n_single, 1), urban[i])
        b_single = b_one if n_single > 0 else 0.0
        basic = tekun.basic_living(p, sz)
        care = tekun.care_subsidy(p, f0, sz, care_level)
        if tk:
            expected = (basic + care) / max(sz, 1)
        elif whole:
            expected = b_whole / max(sz, 1)
        else:
            expected = b_one / max(n_single, 1)
        out_f[0, i] = std
        out_f[1, i] = pci
        out_f[2, i] = b_whole
        out_f[3, i] = b_single
        out_f[4, i] = basic
        out_f[5, i] = care
        out_f[6, i] = expected
        out_f[7, i] = b_one / max(n_single, 1)
        out_b[0, i] = ok
        out_b[1, i] = tk
        out_b[2, i] = whole
        out_b[3, i] = edge
        out_i[i] = n_single


def assess(
    hh: Any, month: MonthParameters, income_factor: npt.ArrayLike | None = None
) -> Assessment:
    """The rules on every household of ``hh`` (``schema.Households``, members included) with
    the month's parameters; ``income_factor`` (float32, per household or one value) scales
    wage and farm income as the administration sees it (None: true income)."""
    n = int(hh["size"].shape[0])
    factor = np.broadcast_to(
        np.asarray(1.0 if income_factor is None else income_factor, dtype=np.float32), (n,)
    )
    out_f = np.zeros((8, n))
    out_b = np.zeros((4, n), dtype=np.bool_)
    out_i = np.zeros(n, dtype=np.int64)
    county = np.asarray(hh["county"])
    columns = [np.asarray(hh[c]) for c in ASSESS_COLUMNS]
    columns += [np.asarray(hh.persons[c]) for c in ASSESS_PERSON_COLUMNS]
    order = np.argsort(county, kind="stable")
    values, starts = np.unique(county[order], return_index=True)
    ends = [*starts[1:].tolist(), n]
    rows: Callable[..., None] = _assess_rows  # columns in ASSESS_COLUMNS order
    for c, s, e in zip(values.tolist(), starts.tolist(), ends, strict=True):
        rows(month.county(int(c)), order[s:e], factor, *columns, out_f, out_b, out_i)
    return Assessment(
        standard=out_f[0],
        per_capita_income=out_f[1],
        assets_ok=out_b[0],
        tekun=out_b[1],
        dibao_whole=out_b[2],
        edge=out_b[3],
        single_persons=out_i,
        benefit_whole=out_f[2],
        benefit_single=out_f[3],
        tekun_basic=out_f[4],
        tekun_care=out_f[5],
        expected_benefit_pp=out_f[6],
        benefit_alone_pp=out_f[7],
    )
