"""Minimum living guarantee (最低生活保障, dibao): POLICY.md §1.

Income test with rigid-expenditure and employment-cost deductions, asset test, whole-household
eligibility against the county's urban or rural standard, gap benefit with a minimum payment,
dibao-edge families, single-person inclusion (单人保) and the gradual exit (渐退期).

How the engine calls this (every month, all households of a batch at once; ``h`` = household
columns, ``p = params.at(month).dibao``)::

    std = dibao.local_standard(p, h.county, h.urban)
    inc = dibao.counted_income(p, h.income_wage, h.income_farm, h.income_transfer,
                               h.exp_medical, h.exp_schooling, h.exp_disability)
    pci = dibao.per_capita_income(inc, h.size)
    ok = dibao.assets_ok(p, h.assets, h.size, std)
    whole = dibao.eligible_whole(pci, std, ok) & ~tekun_eligible
    cat = dibao.benefit_category(able, h.n_disabled_severe, h.n_ill,
                                 h.n_disabled_mental, h.n_60p)     # able: tekun module
    edge = dibao.edge_family(p, pci, std, ok, whole | tekun_eligible)
    cand = dibao.single_person_candidates(p, h.size, h.n_disabled_severe,
                                         h.n_disabled_mental, h.n_ill)
    n_single = dibao.single_person_count(edge, cand)
    pay = dibao.whole_household_benefit(p, pci, std, h.size, whole, cat, cand)
          + dibao.single_person_benefit(p, pci, std, n_single)
    start = dibao.gradual_exit_start(h.programme == DIBAO, whole, rise_from_work,
                                     h.exit_months_left)
    left = dibao.gradual_exit_months_left(p, h.exit_months_left, start, whole)

All money is yuan per month (household totals unless the name says per person).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from safetynet.params import Branch
from safetynet.rules import BoolArray, FloatArray, IntArray, as_bool, as_float, as_int, lookup

#: highest grade in each disability band of the household schema (docs/architecture.md):
#: ``n_disabled_severe`` = grades 1–2 of any kind, ``n_disabled_mental`` = intellectual or
#: mental grades 3–4. A band counts for single-person inclusion when the parameter's grade
#: limit reaches the band's highest grade (the schema cannot tell grades inside a band).
SEVERE_BAND_TOP = 2
MENTAL_BAND_TOP = 4

#: keys of ``dibao.tiered_shares`` by ``benefit_category`` code
TIERS = ("class_a", "class_b", "class_c")


def local_standard(p: Branch, county: npt.ArrayLike, urban: npt.ArrayLike) -> FloatArray:
    """County dibao standard for each household's residence type, yuan/person/month.

    Urban households get the county's urban standard, rural ones the rural standard
    (S3 二(一), S4 二(一); table ``dibao.standard``).
    """
    idx = as_int(county)
    return as_float(np.where(as_bool(urban), p.standard.urban[idx], p.standard.rural[idx]))


def counted_income(
    p: Branch,
    income_wage: npt.ArrayLike,
    income_farm: npt.ArrayLike,
    income_transfer: npt.ArrayLike,
    exp_medical: npt.ArrayLike,
    exp_schooling: npt.ArrayLike,
    exp_disability: npt.ArrayLike,
) -> FloatArray:
    """Household income counted for the dibao test, yuan/household/month, never below 0.

    Wage income less the employment-cost share (就业成本, S4 三(六)), plus farm and transfer
    income, less the deductible share of rigid medical, schooling and disability spending
    (刚性支出扣减, S2 二(一), S3 二(一)).
    """
    employment = 1.0 - float(p.employment_cost_deduction_share)
    rigid = float(p.rigid_expenditure_deduction_share)
    gross = as_float(income_wage) * employment + as_float(income_farm) + as_float(income_transfer)
    spending = as_float(exp_medical) + as_float(exp_schooling) + as_float(exp_disability)
    return np.maximum(gross - rigid * spending, 0.0)


def per_capita_income(counted: npt.ArrayLike, size: npt.ArrayLike) -> FloatArray:
    """Counted household income per member, yuan/person/month (S3 二(一) 家庭人均收入)."""
    return as_float(counted) / np.maximum(as_float(size), 1.0)


def asset_limit(p: Branch, size: npt.ArrayLike, standard: npt.ArrayLike) -> FloatArray:
    """Highest financial assets allowed, yuan: members × N months × standard (ASSUMED)."""
    months = float(p.asset_limit_months)
    return np.maximum(as_float(size), 1.0) * months * as_float(standard)


def assets_ok(
    p: Branch, assets: npt.ArrayLike, size: npt.ArrayLike, standard: npt.ArrayLike
) -> BoolArray:
    """True where financial assets are within the limit (财产状况符合规定, S3 二(一); ASSUMED)."""
    return as_float(assets) <= asset_limit(p, size, standard)


def eligible_whole(
    per_capita: npt.ArrayLike, standard: npt.ArrayLike, assets_pass: npt.ArrayLike
) -> BoolArray:
    """Whole-household eligibility (整户施保): per-capita income below the standard and
    assets within the limit (S3 二(一), S4 二(一)). Income equal to the standard fails."""
    return (as_float(per_capita) < as_float(standard)) & as_bool(assets_pass)


def benefit_category(
    able_bodied: npt.ArrayLike,
    n_disabled_severe: npt.ArrayLike,
    n_ill: npt.ArrayLike,
    n_disabled_mental: npt.ArrayLike,
    n_60p: npt.ArrayLike,
) -> IntArray:
    """Household class for the class layout of ``tiered_shares``: 0 class_a, 1 class_b, 2 class_c.

    class_a: nobody able to work (``able_bodied`` 0, see ``tekun.able_bodied_members``) or a
    member with grade 1–2 disability or serious illness; class_b (partly able): a member with
    grade 3–4 intellectual/mental disability or aged 60+; class_c: other low-income households
    (``dibao.tiered_shares``; classing ASSUMED after the rural A/B/C practice).
    """
    a = (as_int(able_bodied) == 0) | (as_int(n_disabled_severe) + as_int(n_ill) > 0)
    b = (as_int(n_disabled_mental) + as_int(n_60p)) > 0
    return np.where(a, 0, np.where(b, 1, 2)).astype(np.int64)


def benefit_per_person(
    p: Branch, per_capita: npt.ArrayLike, standard: npt.ArrayLike, category: npt.ArrayLike
) -> FloatArray:
    """Dibao paid per covered person, yuan/person/month; 0 where income reaches the standard.

    ``gap`` (补差): standard − per-capita income. ``tiered``: a share of the standard from
    ``tiered_shares`` (see :func:`tiered_share`). Either way at least ``min_benefit``
    (POLICY.md §1 Benefit; formula ASSUMED, national practice).
    """
    std = as_float(standard)
    pci = as_float(per_capita)
    gap = std - pci
    formula = str(p.benefit_formula)
    if formula == "tiered":
        base = tiered_share(p.tiered_shares, pci, std, category) * std
    elif formula == "gap":
        base = gap
    else:
        raise ValueError(f"dibao.benefit_formula: expected 'gap' or 'tiered', got {formula!r}")
    return np.where(gap > 0.0, np.maximum(base, float(p.min_benefit)), 0.0)


def tiered_share(
    shares: Mapping[str, float],
    per_capita: FloatArray,
    standard: FloatArray,
    category: npt.ArrayLike,
) -> FloatArray:
    """Share of the standard paid per person under the ``tiered`` formula (ASSUMED variant).

    ``dibao.tiered_shares`` has one of two layouts. Income bands: keys are upper bounds of
    per-capita income as a share of the standard, written as text (``"0.3"``), values the share
    paid in that band; income at or above the last bound gets nothing. Household classes: keys
    ``class_a``, ``class_b``, ``class_c`` picked by ``category`` (:func:`benefit_category`).

    >>> tiered_share({"0.5": 0.8, "1": 0.3}, np.array([100.0, 400.0]),
    ...              np.array([500.0, 500.0]), np.array([2, 2])).tolist()
    [0.8, 0.3]
    """
    if set(shares) <= set(TIERS):
        return lookup(shares, TIERS, category, "dibao.tiered_shares")
    try:
        bands = sorted((float(k), float(v)) for k, v in shares.items())
    except ValueError:
        raise ValueError(
            "dibao.tiered_shares: keys must be income bounds such as '0.5' or "
            f"class_a/class_b/class_c, got {sorted(shares)}"
        ) from None
    bounds = np.array([b for b, _ in bands], dtype=np.float64)
    paid = np.array([v for _, v in bands] + [0.0], dtype=np.float64)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        ratio = np.where(standard > 0.0, per_capita / standard, np.inf)
    return as_float(paid[np.searchsorted(bounds, ratio, side="right")])


def whole_household_benefit(
    p: Branch,
    per_capita: npt.ArrayLike,
    standard: npt.ArrayLike,
    size: npt.ArrayLike,
    eligible: npt.ArrayLike,
    category: npt.ArrayLike,
    candidates: npt.ArrayLike,
) -> FloatArray:
    """Dibao for an eligible whole household, yuan/household/month; 0 where not eligible.

    Per-person benefit × members (补差 × 人数, POLICY.md §1 Benefit), but never less than its
    members who qualify alone (``candidates``) would get by single-person inclusion (就高,
    ASSUMED): without this, a family whose income falls just below the standard would lose
    money by becoming eligible as a whole, and raising the standard could lower a benefit.
    """
    per_person = benefit_per_person(p, per_capita, standard, category)
    whole = per_person * as_float(size)
    alone = single_person_benefit(p, per_capita, standard, candidates)
    return np.where(as_bool(eligible), np.maximum(whole, alone), 0.0)


def edge_family(
    p: Branch,
    per_capita: npt.ArrayLike,
    standard: npt.ArrayLike,
    assets_pass: npt.ArrayLike,
    eligible: npt.ArrayLike,
) -> BoolArray:
    """Dibao-edge family (低保边缘家庭): not eligible for dibao or tekun (``eligible``), assets
    within the limit and per-capita income below ``edge_multiple`` × standard (POLICY.md §1;
    k ASSUMED)."""
    limit = float(p.edge_multiple) * as_float(standard)
    return ~as_bool(eligible) & as_bool(assets_pass) & (as_float(per_capita) < limit)


def single_person_candidates(
    p: Branch,
    size: npt.ArrayLike,
    n_disabled_severe: npt.ArrayLike,
    n_disabled_mental: npt.ArrayLike,
    n_ill: npt.ArrayLike,
) -> IntArray:
    """Members who may be covered alone (参照单人户), persons, at most the household size.

    Grade 1–2 disabled members count when ``single_person_disability_grade_max`` ≥ 2, grade
    3–4 intellectual/mental members when ``single_person_mental_grade_max`` ≥ 4, seriously ill
    members when ``single_person_serious_illness`` (S4 二(一), S3 二(一), S2 二(一)).
    A person both disabled and ill may be counted twice by the schema; the total is capped.
    """
    severe = int(p.single_person_disability_grade_max) >= SEVERE_BAND_TOP
    mental = int(p.single_person_mental_grade_max) >= MENTAL_BAND_TOP
    ill = bool(p.single_person_serious_illness)
    total = as_int(n_disabled_severe) * severe + as_int(n_disabled_mental) * mental
    total = total + as_int(n_ill) * ill
    return as_int(np.minimum(total, as_int(size)))


def member_qualifies_alone(
    p: Branch, disability_kind: npt.ArrayLike, grade: npt.ArrayLike, ill: npt.ArrayLike
) -> BoolArray:
    """Per member: may this person be covered alone? (S4 二(一)).

    ``disability_kind``: 0 none, 1 physical or other, 2 intellectual or mental; ``grade`` 1–4
    (1 = most severe). Any disability of grade ≤ ``single_person_disability_grade_max``,
    intellectual/mental of grade ≤ ``single_person_mental_grade_max``, or serious illness.
    Use it to build member-level counts; ``single_person_candidates`` works on the schema bands.
    """
    kind = as_int(disability_kind)
    g = as_int(grade)
    any_grade = (kind > 0) & (g >= 1) & (g <= int(p.single_person_disability_grade_max))
    mental = (kind == 2) & (g >= 1) & (g <= int(p.single_person_mental_grade_max))
    sick = as_bool(ill) & bool(p.single_person_serious_illness)
    return as_bool(any_grade | mental | sick)


def single_person_count(edge: npt.ArrayLike, candidates: npt.ArrayLike) -> IntArray:
    """Persons covered by single-person inclusion: candidates in edge families, else 0
    (S4 二(一): 低保边缘家庭中的重度残疾人、重病患者)."""
    return np.where(as_bool(edge), as_int(candidates), 0)


def single_person_benefit(
    p: Branch, per_capita: npt.ArrayLike, standard: npt.ArrayLike, n_single: npt.ArrayLike
) -> FloatArray:
    """Dibao for members covered alone, yuan/household/month.

    Each is treated as a one-person household whose own income is
    ``single_person_income_share`` × the household's per-capita income (ASSUMED; 0 = no own
    income): the per-person benefit on that income (class_a under ``tiered``: the person is
    severely disabled or ill), × persons covered.
    """
    own = float(p.single_person_income_share) * as_float(per_capita)
    per_person = benefit_per_person(p, own, standard, np.zeros_like(own, dtype=np.int64))
    return per_person * as_float(n_single)


def gradual_exit_start(
    was_dibao: npt.ArrayLike,
    eligible_now: npt.ArrayLike,
    rise_from_work: npt.ArrayLike,
    exit_months_left: npt.ArrayLike,
) -> BoolArray:
    """Households entering the gradual exit (渐退期) this month: on whole-household dibao,
    no longer eligible, the rise came from work or a new business, and not already in an
    exit period (S2 二(一), S3 二(一), S4 三(六))."""
    return (
        as_bool(was_dibao)
        & ~as_bool(eligible_now)
        & as_bool(rise_from_work)
        & (as_int(exit_months_left) <= 0)
    )


def gradual_exit_months_left(
    p: Branch,
    exit_months_left: npt.ArrayLike,
    start: npt.ArrayLike,
    eligible_now: npt.ArrayLike,
) -> IntArray:
    """Months of exit payment left, counting this month, months.

    A household starting its exit gets ``gradual_exit_months``; one already in exit counts
    down by one; a household eligible again leaves the exit (0). Payment continues while
    the result is ≥ 1, so the exit pays exactly ``gradual_exit_months`` months
    (S3 二(一): 半年至一年).
    """
    months = int(p.gradual_exit_months)
    left = np.maximum(as_int(exit_months_left) - 1, 0)
    left = np.where(as_bool(start), months, left)
    return np.where(as_bool(eligible_now), 0, left).astype(np.int64)


def gradual_exit_benefit(
    exit_months_left: npt.ArrayLike, benefit_last_month: npt.ArrayLike
) -> FloatArray:
    """Dibao paid during the exit, yuan/household/month: last month's benefit while months
    are left, else 0 (ASSUMED: unchanged amount; S4 三(六) gives no taper)."""
    return np.where(as_int(exit_months_left) > 0, as_float(benefit_last_month), 0.0)
