"""Minimum living guarantee (最低生活保障, dibao): POLICY.md §1.

Income test with rigid-expenditure and employment-cost deductions, asset test, whole-household
eligibility against the county's urban or rural standard, gap benefit with a minimum payment,
dibao-edge families, single-person inclusion (单人保) and the gradual exit (渐退期).

Every function is one quantity for one household (or one person), compiled with numba
(:func:`safetynet.rules.compiled.rule`); ``p`` is the county's
:class:`safetynet.rules.parameters.RuleParams` of the month, which carries the fields declared
here in :class:`DibaoParams` (with their parameter paths). The order in which the engine
composes them (tekun before whole-household dibao before edge before single-person inclusion)
is written once, in :mod:`safetynet.assessment`.

All money is yuan per month (household totals unless the name says per person).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from safetynet.constants import MENTAL_DISABILITY as _MENTAL
from safetynet.constants import NO_DISABILITY as _NONE
from safetynet.constants import OTHER_DISABILITY as _OTHER
from safetynet.rules.compiled import at_least, rule
from safetynet.rules.declare import Declared, derived, field

if TYPE_CHECKING:
    from safetynet.rules.parameters import RuleParams

#: disability kinds of a person (``persons`` table): none, physical or other, intellectual/mental
NO_DISABILITY, OTHER_DISABILITY, MENTAL_DISABILITY = _NONE, _OTHER, _MENTAL

#: ``benefit_formula`` codes: gap (补差), tiered by household class, tiered by income band
GAP, TIERED_CLASSES, TIERED_BANDS = 0, 1, 2
#: most income bands of the tiered formula (fixed, so that the parameters hold no arrays)
TIER_BANDS = 8
#: keys of ``dibao.tiered_shares`` in the class layout, by ``dibao.benefit_category`` code
TIERS = ("class_a", "class_b", "class_c")


class DibaoParams(Declared):
    """The dibao rules' parameters (``parameters/dibao/*.yaml``; units as the YAML)."""

    standard_urban: float = field("dibao.standard", "urban")  # yuan/person/month, this county
    standard_rural: float = field("dibao.standard", "rural")
    employment_cost_deduction_share: float = field("dibao.employment_cost_deduction_share")
    transfer_income_disregard_share: float = field("dibao.transfer_income_disregard_share")
    rigid_expenditure_deduction_share: float = field("dibao.rigid_expenditure_deduction_share")
    asset_limit_months: float = field("dibao.asset_limit_months")
    edge_multiple: float = field("dibao.edge_multiple")
    min_benefit: float = field("dibao.min_benefit")
    benefit_formula: int = derived("dibao.benefit_formula")  # GAP | TIERED_CLASSES | TIERED_BANDS
    tier_classes: tuple[float, float, float] = derived("dibao.tiered_shares", (len(TIERS),))
    # TIER_BANDS upper bounds of income / standard (inf: unused), share paid per band (+ 1)
    tier_bounds: tuple[float, ...] = derived("dibao.tiered_shares", (TIER_BANDS,))
    tier_paid: tuple[float, ...] = derived("dibao.tiered_shares", (TIER_BANDS + 1,))
    # rural dibao: GAP (as urban, by benefit_formula) or TIERED_CLASSES (分类施保) with the
    # class shares of the standard in force this month (:func:`rural_class_layout`)
    rural_formula: int = derived("dibao.benefit_formula_rural")
    rural_classes: tuple[float, float, float] = derived("dibao.rural_class_shares", (len(TIERS),))
    single_person_income_share: float = field("dibao.single_person_income_share")
    single_person_disability_grade_max: int = field("dibao.single_person_disability_grade_max")
    single_person_mental_grade_max: int = field("dibao.single_person_mental_grade_max")
    single_person_serious_illness: bool = field("dibao.single_person_serious_illness")
    gradual_exit_months: int = field("dibao.gradual_exit_months")

    @staticmethod
    def derive(p: Any, params: Any, date: dt.date, inputs: Mapping[str, Any]) -> Mapping[str, Any]:
        """The tiered formula's fields (:func:`tiered_layout`) and the rural class formula's
        (:func:`rural_class_layout`)."""
        code, classes, bounds, paid = tiered_layout(
            str(p.dibao.benefit_formula), p.dibao.tiered_shares
        )
        rural_code, rural_classes = rural_class_layout(params, date)
        return {
            "benefit_formula": code,
            "tier_classes": classes,
            "tier_bounds": bounds,
            "tier_paid": paid,
            "rural_formula": rural_code,
            "rural_classes": rural_classes,
        }


def rural_class_layout(params: Any, date: dt.date) -> tuple[int, tuple[float, float, float]]:
    """``dibao.benefit_formula_rural`` as a formula code (GAP: as urban; TIERED_CLASSES) and the
    rural class shares of the standard on ``date``: class A as entered; classes B and C are yuan
    amounts that rise by ``dibao.rural_class_rise_share`` (r) of the provincial rural floor's
    rise since the entry's date, so their share is r + (share then − r) × floor then / floor
    now (at most class A's share).

    >>> from safetynet.params import load_parameters
    >>> ps = load_parameters()
    >>> code, (a, b, c) = rural_class_layout(ps, dt.date(2019, 5, 1))
    >>> code == TIERED_CLASSES, a >= b >= c
    (True, True)
    >>> later = rural_class_layout(ps, dt.date(2023, 9, 1))[1]
    >>> later[0] == a and later[1] < b and later[2] < c
    True
    """
    formula = str(params.value("dibao.benefit_formula_rural", date))
    if formula not in ("as_urban", "classes"):
        raise ValueError(
            f"dibao.benefit_formula_rural: expected 'as_urban' or 'classes', got {formula!r}"
        )
    entry = params["dibao.rural_class_shares"].entry_at(date)
    shares = entry.value
    missing = [k for k in TIERS if k not in shares]
    if missing:
        raise KeyError(f"parameter dibao.rural_class_shares has no key {missing[0]!r}")
    rise = float(params.value("dibao.rural_class_rise_share", date))
    then = float(params.value("dibao.floor_rural", entry.start))
    now = float(params.value("dibao.floor_rural", date))
    lag = then / now if now > 0.0 else 1.0
    a = float(shares["class_a"])
    b = min(rise + (float(shares["class_b"]) - rise) * lag, a)
    c = min(rise + (float(shares["class_c"]) - rise) * lag, a)
    return (GAP if formula == "as_urban" else TIERED_CLASSES), (a, b, c)


def tiered_layout(
    formula: str, shares: Mapping[str, Any]
) -> tuple[int, tuple[float, float, float], tuple[float, ...], tuple[float, ...]]:
    """``dibao.benefit_formula`` and ``dibao.tiered_shares`` as the rules read them: formula
    code, class shares, band bounds (padded with inf to TIER_BANDS) and band shares (padded
    with 0 to TIER_BANDS + 1); see :func:`tiered_share`."""
    classes = (0.0, 0.0, 0.0)
    bounds: list[float] = []
    paid: list[float] = []
    if formula not in ("gap", "tiered"):
        raise ValueError(f"dibao.benefit_formula: expected 'gap' or 'tiered', got {formula!r}")
    code = GAP
    if formula == "tiered" and set(shares) <= set(TIERS):
        missing = [k for k in TIERS if k not in shares]
        if missing:
            raise KeyError(f"parameter dibao.tiered_shares has no key {missing[0]!r}")
        code = TIERED_CLASSES
        classes = (float(shares["class_a"]), float(shares["class_b"]), float(shares["class_c"]))
    elif formula == "tiered":
        try:
            bands = sorted((float(k), float(v)) for k, v in shares.items())
        except ValueError:
            raise ValueError(
                "dibao.tiered_shares: keys must be income bounds such as '0.5' or "
                f"class_a/class_b/class_c, got {sorted(shares)}"
            ) from None
        if len(bands) > TIER_BANDS:
            raise ValueError(f"dibao.tiered_shares: at most {TIER_BANDS} bands, got {len(bands)}")
        code = TIERED_BANDS
        bounds = [b for b, _ in bands]
        paid = [v for _, v in bands]
    pad = TIER_BANDS - len(bounds)
    return code, classes, (*bounds, *([np.inf] * pad)), (*paid, *([0.0] * (pad + 1)))


@rule
def local_standard(p: RuleParams, urban: bool) -> float:
    """County dibao standard for the household's residence type, yuan/person/month.

    Urban households get the county's urban standard, rural ones the rural standard
    (S3 二(一), S4 二(一); table ``dibao.standard``).
    """
    return p.standard_urban if urban else p.standard_rural


@rule
def counted_income(
    p: RuleParams,
    income_wage: float,
    income_farm: float,
    income_transfer: float,
    exp_medical: float,
    exp_schooling: float,
    exp_disability: float,
) -> float:
    """Household income counted for the dibao test, yuan/household/month, never below 0.

    Wage income less the employment-cost share (就业成本, S4 三(六)), plus farm income, plus
    transfer income less its disregarded share (``transfer_income_disregard_share``, ASSUMED
    0), less the deductible share of rigid medical, schooling and disability spending
    (刚性支出扣减, S2 二(一), S3 二(一)).
    """
    employment = 1.0 - p.employment_cost_deduction_share
    transfer = income_transfer * (1.0 - p.transfer_income_disregard_share)
    gross = income_wage * employment + income_farm + transfer
    spending = exp_medical + exp_schooling + exp_disability
    return at_least(gross - p.rigid_expenditure_deduction_share * spending, 0.0)


@rule
def per_capita_income(counted: float, size: int) -> float:
    """Counted household income per member, yuan/person/month (S3 二(一) 家庭人均收入)."""
    return counted / at_least(float(size), 1.0)


@rule
def asset_limit(p: RuleParams, size: int, standard: float) -> float:
    """Highest financial assets allowed, yuan: members × N months × standard (ASSUMED)."""
    return at_least(float(size), 1.0) * p.asset_limit_months * standard


@rule
def assets_ok(p: RuleParams, assets: float, size: int, standard: float) -> bool:
    """Financial assets within the limit (财产状况符合规定, S3 二(一); ASSUMED)."""
    return assets <= asset_limit(p, size, standard)


@rule
def eligible_whole(per_capita: float, standard: float, assets_pass: bool) -> bool:
    """Whole-household eligibility (整户施保): per-capita income below the standard and
    assets within the limit (S3 二(一), S4 二(一)). Income equal to the standard fails."""
    return per_capita < standard and assets_pass


@rule
def benefit_category(
    able_bodied: int, n_disabled_severe: int, n_ill: int, n_disabled_mental: int, n_60p: int
) -> int:
    """Household class for the class layout of ``tiered_shares``: 0 class_a, 1 class_b, 2 class_c.

    class_a: nobody able to work (``able_bodied`` 0: no member ``tekun.is_able_bodied``) or a
    member with grade 1–2 disability or serious illness; class_b (partly able): a member with
    grade 3–4 intellectual/mental disability or elderly (``n_60p``: members aged
    ``tekun.elderly_age`` or older); class_c: other low-income households
    (``dibao.tiered_shares``; classing ASSUMED after the rural A/B/C practice).
    """
    if able_bodied == 0 or n_disabled_severe + n_ill > 0:
        return 0
    if n_disabled_mental + n_60p > 0:
        return 1
    return 2


@rule
def tiered_share(p: RuleParams, per_capita: float, standard: float, category: int) -> float:
    """Share of the standard paid per person under the ``tiered`` formula (ASSUMED variant).

    ``dibao.tiered_shares`` has one of two layouts. Income bands: keys are upper bounds of
    per-capita income as a share of the standard, written as text (``"0.3"``), values the share
    paid in that band; income at or above the last bound gets nothing. Household classes: keys
    ``class_a``, ``class_b``, ``class_c`` picked by ``category`` (:func:`benefit_category`).
    """
    if p.benefit_formula == TIERED_CLASSES:
        return float(p.tier_classes[category])
    ratio = per_capita / standard if standard > 0.0 else np.inf
    k = 0
    while k < len(p.tier_bounds) and p.tier_bounds[k] <= ratio:
        k += 1
    return float(p.tier_paid[k])


@rule
def benefit_per_person(
    p: RuleParams, per_capita: float, standard: float, category: int, urban: bool
) -> float:
    """Dibao paid per covered person, yuan/person/month; 0 where income reaches the standard.

    ``gap`` (补差): standard − per-capita income. ``tiered``: a share of the standard from
    ``tiered_shares`` (see :func:`tiered_share`). Either way at least ``min_benefit``
    (POLICY.md §1 Benefit; formula ASSUMED, national practice). Rural dibao under
    ``benefit_formula_rural`` = classes (分类施保, 民发〔2021〕57号 art. 23; 腾冲, 武定): the
    class's share of the standard (``rural_classes``, :func:`rural_class_layout`).
    """
    gap = standard - per_capita
    if not gap > 0.0:
        return 0.0
    if not urban and p.rural_formula == TIERED_CLASSES:
        base = float(p.rural_classes[category]) * standard
    elif p.benefit_formula == GAP:
        base = gap
    else:
        base = tiered_share(p, per_capita, standard, category) * standard
    return max(base, p.min_benefit)


@rule
def single_person_benefit(
    p: RuleParams, per_capita: float, standard: float, n_single: int, urban: bool
) -> float:
    """Dibao for members covered alone, yuan/household/month.

    Each is treated as a one-person household whose own income is
    ``single_person_income_share`` × the household's per-capita income (ASSUMED; 0 = no own
    income): the per-person benefit on that income (class_a under ``tiered``: the person is
    severely disabled or ill), × persons covered.
    """
    own = p.single_person_income_share * per_capita
    return benefit_per_person(p, own, standard, 0, urban) * float(n_single)


@rule
def whole_household_benefit(
    p: RuleParams,
    per_capita: float,
    standard: float,
    size: int,
    category: int,
    candidates: int,
    urban: bool,
) -> float:
    """Dibao for a whole household on dibao, yuan/household/month.

    Per-person benefit × members (补差 × 人数, POLICY.md §1 Benefit), but never less than its
    members who qualify alone (``candidates``) would get by single-person inclusion (就高,
    ASSUMED): without this, a family whose income falls just below the standard would lose
    money by becoming eligible as a whole, and raising the standard could lower a benefit.
    """
    whole = benefit_per_person(p, per_capita, standard, category, urban) * float(size)
    return max(whole, single_person_benefit(p, per_capita, standard, candidates, urban))


@rule
def edge_family(
    p: RuleParams, per_capita: float, standard: float, assets_pass: bool, eligible: bool
) -> bool:
    """Dibao-edge family (低保边缘家庭): not eligible for dibao or tekun (``eligible``), assets
    within the limit and per-capita income below ``edge_multiple`` × standard (POLICY.md §1;
    k ASSUMED)."""
    return (not eligible) and assets_pass and per_capita < p.edge_multiple * standard


@rule
def qualifies_alone(
    p: RuleParams, disability_kind: int, disability_grade: int, serious_illness: bool
) -> bool:
    """Per person: may this person be covered alone? (S4 二(一): 重度残疾人、重病患者).

    ``disability_kind``: 0 none, 1 physical or other, 2 intellectual or mental;
    ``disability_grade`` 1–4 (1 = most severe). Any disability of grade ≤
    ``single_person_disability_grade_max``, intellectual/mental of grade ≤
    ``single_person_mental_grade_max``, or serious illness when
    ``single_person_serious_illness``. A person qualifies once, whatever number of conditions.
    """
    graded = disability_kind != NO_DISABILITY and disability_grade >= 1
    if graded and disability_grade <= p.single_person_disability_grade_max:
        return True
    if (
        graded
        and disability_kind == MENTAL_DISABILITY
        and disability_grade <= p.single_person_mental_grade_max
    ):
        return True
    return serious_illness and p.single_person_serious_illness


@rule
def single_person_count(edge: bool, candidates: int) -> int:
    """Persons covered by single-person inclusion: candidates in edge families, else 0
    (S4 二(一): 低保边缘家庭中的重度残疾人、重病患者)."""
    return candidates if edge else 0


@rule
def gradual_exit_start(
    was_dibao: bool, eligible_now: bool, rise_from_work: bool, exit_months_left: int
) -> bool:
    """Entering the gradual exit (渐退期) this month: on whole-household dibao, no longer
    eligible, the rise came from work or a new business, and not already in an exit period
    (S2 二(一), S3 二(一), S4 三(六))."""
    return was_dibao and not eligible_now and rise_from_work and exit_months_left <= 0


@rule
def gradual_exit_months_left(
    p: RuleParams, exit_months_left: int, start: bool, eligible_now: bool
) -> int:
    """Months of exit payment left, counting this month, months.

    A household starting its exit gets ``gradual_exit_months``; one already in exit counts
    down by one; a household eligible again leaves the exit (0). Payment continues while
    the result is ≥ 1, so the exit pays exactly ``gradual_exit_months`` months
    (S3 二(一): 半年至一年).
    """
    if eligible_now:
        return 0
    if start:
        return p.gradual_exit_months
    return max(exit_months_left - 1, 0)


@rule
def gradual_exit_benefit(exit_months_left: int, benefit_last_month: float) -> float:
    """Dibao paid during the exit, yuan/household/month: last month's benefit while months
    are left, else 0 (ASSUMED: unchanged amount; S4 三(六) gives no taper)."""
    return benefit_last_month if exit_months_left > 0 else 0.0
