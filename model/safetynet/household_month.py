"""The household phases of one month, compiled: one pass over a county's households.

The monthly step of :class:`safetynet.model.SafetyNetModel` is an ordered list of phases::

    prices -> life_events -> shocks -> assessment -> applications -> reviews
           -> temporary_assistance -> benefits -> services -> record

``prices`` and ``services`` are county-level and stay in numpy. The household phases in between
(and the household part of ``record``) run here as one numba-compiled loop over the households of
a county: each household goes through life events, assessment, applications, reviews, temporary
assistance and benefits in turn, and adds its weight to the county's sums. Nothing per household
is kept beyond the household columns and a few bytes of engine state, so the step needs no
temporaries the size of the population.

The arithmetic is that of the rule functions in :mod:`safetynet.rules` and the behaviour in
:mod:`safetynet.behaviour` (float32 where the columns are float32, float64 for money and
income tests), in the same order, so the compiled step gives the same results as the phases
composed from those functions (``SafetyNetModel(..., engine="numpy")``). Tests hold the two to
that (``tests/test_household_month.py``), and both to the per-household Mesa reference
(``tests/test_oracle.py``). A change to a rule must be made in both places; those tests fail
until it is.

All parameters reach the loop as data: a float64 vector of the month's scalars
(:func:`month_vector`, indices ``M_*``) and per-county values (``C_*``). No policy number is
written here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
import numpy.typing as npt

from safetynet.behaviour import initial
from safetynet.behaviour.transitions import MONTHS_IN_0_15, MONTHS_IN_16_17, MONTHS_IN_18_59
from safetynet.params import ParameterSet
from safetynet.rules import DIBAO as DIBAO_WHOLE
from safetynet.rules import DIBAO_SINGLE, NONE, TEKUN_DISPERSED, TEKUN_INSTITUTIONAL, price_subsidy
from safetynet.rules.dibao import MENTAL_BAND_TOP, SEVERE_BAND_TOP, TIERS
from safetynet.rules.tekun import minors_16_17_covered

MAX_JOB_GAIN_MONTHS = 99
#: months after a job gain in which a review may start a gradual exit (model.reviews)
JOB_GAIN_WINDOW = 12
#: per-household money lines of the benefits phase, in this order
MONEY_LINES = (
    "dibao",
    "tekun_basic",
    "tekun_care",
    "temporary",
    "price_subsidy",
    "one_time_subsidy",
)
#: caseload group codes (model.Recorder.group_codes); 8 = no group
N_GROUPS = 8
EDGE_GROUP = 7
TEMPORARY_GROUP = 8

# --- the month's scalars: indices into the vector built by month_vector ---------------------
M_GROWTH32 = 0  # monthly wage/farm growth factor (float32)
M_DEATH_OLD32 = 1
M_DEATH_YOUNG32 = 2
M_BIRTH32 = 3
M_ILL_ON32 = 4
M_ILL_OFF32 = 5
M_DISABLED32 = 6
M_MEDICAL_COST32 = 7
M_DISABILITY_COST32 = 8
M_JOB_LOSS32 = 9
M_SHOCK_KEEP32 = 10
M_EMPLOYMENT = 11  # 1 − employment-cost deduction share
M_RIGID = 12
M_ASSET_MONTHS = 13
M_EDGE_MULTIPLE = 14
M_MIN_BENEFIT = 15
M_FORMULA = 16  # 0 gap, 1 tiered by household class, 2 tiered by income band
M_SINGLE_SHARE = 17
M_SINGLE_SEVERE = 18
M_SINGLE_MENTAL = 19
M_SINGLE_ILL = 20
M_EXIT_MONTHS = 21
M_MINORS_16_17 = 22
M_CARE_ABLE = 23
M_CARE_PARTLY = 24
M_CARE_UNABLE = 25
M_TAKEUP_URBAN = 26
M_TAKEUP_RURAL = 27
M_SIZE_SLOPE = 28
M_TEKUN_TAKEUP_URBAN = 29
M_TEKUN_TAKEUP_RURAL = 30
M_ELASTICITY = 31
M_DISCOVERY = 32
M_APPLY32 = 33
M_DELAY = 34
M_INST_ABLE32 = 35
M_INST_PARTLY32 = 36
M_INST_UNABLE32 = 37
M_REVIEW32 = 38
M_CAUGHT32 = 39
M_BY_WORK32 = 40
M_INCIDENCE32 = 41
M_INCIDENCE_DIV32 = 42
M_URGENT32 = 43
M_SEVERE32 = 44
M_TEMP_BASE_URGENT = 45
M_TEMP_BASE_EXPENDITURE = 46
M_TEMP_MODERATE = 47
M_TEMP_SEVERE = 48
M_TEMP_MAJOR = 49
M_TEMP_MAX_PERSONS = 50
M_TEMP_MONTHS_URGENT = 51
M_TEMP_MONTHS_EXPENDITURE = 52
M_TEMP_CASE_MONTHS = 53
M_PRICE_DIBAO = 54
M_PRICE_TEKUN = 55
M_PRICE_EDGE = 56
M_ONE_TIME = 57
M_SIZE = 58

# --- per-county values: columns of the county table built by the model ----------------------
C_STD_URBAN = 0  # dibao standard, yuan/person/month
C_STD_RURAL = 1
C_STD_START_URBAN = 2  # standard in the first month (take-up responds to the ratio)
C_STD_START_RURAL = 3
C_TEKUN_STD = 4
C_RATE_URBAN = 5  # price subsidy per person this month
C_RATE_RURAL = 6
C_WAGE_URBAN32 = 7  # what a new job pays, per worker
C_WAGE_RURAL32 = 8
C_GAIN_URBAN32 = 9  # job-finding rate per idle adult
C_GAIN_RURAL32 = 10
# parameters declared ``varies_by: county`` (issue 15; the M_* slots keep the province value)
C_DISCOVERY = 11  # behaviour.discovery_rate
C_TAKEUP_URBAN = 12  # calibrated.takeup_urban
C_TAKEUP_RURAL = 13
C_TEKUN_TAKEUP_URBAN = 14  # calibrated.tekun_takeup_urban
C_TEKUN_TAKEUP_RURAL = 15
C_DELAY = 16  # behaviour.processing_delay_months (e.g. a township-approval pilot county)
C_SIZE = 17

# --- the county's sums (weighted), filled by step_county -------------------------------------
A_MONEY = 0  # 6 money lines (MONEY_LINES)
A_ASKED = 6  # dependants asking for services (before the demand share)
A_ON_PROGRAMME = 7  # households on any programme
A_CASES = 8  # 9 groups: 8 programme groups + temporary
A_PERSONS = 17
A_ENTRIES = 26
A_EXITS = 35
A_ELIGIBLE = 44
A_COVERED = 45
A_INELIGIBLE_COVERED = 46
A_POP_HOUSEHOLDS = 47
A_POP_PERSONS = 48
A_SIZE = 49

#: household columns the compiled step reads or writes, in argument order
COLUMNS = (
    "urban",
    "weight",
    "size",
    "n_0_15",
    "n_16_17",
    "n_18_59",
    "n_60p",
    "n_workers",
    "n_disabled_severe",
    "n_disabled_mental",
    "n_ill",
    "care_level",
    "income_wage",
    "income_farm",
    "income_transfer",
    "assets",
    "exp_medical",
    "exp_schooling",
    "exp_disability",
    "has_supporter",
    "propensity",
    "programme",
    "covered_persons",
    "exit_months_left",
    "edge",
    "pending_months",
)


def _f32(x: float) -> float:
    return float(np.float32(x))


@dataclass(frozen=True)
class MonthInputs:
    """The month's parameters as the compiled step reads them."""

    m: npt.NDArray[np.float64]  # month scalars (M_*)
    tier_bounds: npt.NDArray[np.float64]  # income bands of the tiered formula (may be empty)
    tier_paid: npt.NDArray[np.float64]  # share paid per band, one more than bounds
    tier_classes: npt.NDArray[np.float64]  # share paid per household class (3)
    takeup: initial.TakeUp


def month_vector(params: ParameterSet, p: Any, date: Any) -> MonthInputs:
    """Read the parameters in force (``p = params.at(date)``) into :class:`MonthInputs`.

    Values the numpy phases use as float32 are rounded to float32 here (names ending in 32).
    """
    b, d, tk, tmp, ps = p.behaviour, p.dibao, p.tekun, p.temporary, p.price_subsidy
    m = np.zeros(M_SIZE, dtype=np.float64)
    m[M_GROWTH32] = _f32(float((1.0 + b.wage_growth_annual) ** (1.0 / 12.0)))
    m[M_DEATH_OLD32] = _f32(b.mortality_60p)
    m[M_DEATH_YOUNG32] = _f32(b.mortality_under60)
    m[M_BIRTH32] = _f32(b.birth_rate)
    m[M_ILL_ON32] = _f32(b.illness_onset_rate)
    m[M_ILL_OFF32] = _f32(b.illness_recovery_rate)
    m[M_DISABLED32] = _f32(b.disability_onset_rate)
    m[M_MEDICAL_COST32] = _f32(b.illness_medical_cost)
    m[M_DISABILITY_COST32] = _f32(b.disability_cost)
    m[M_JOB_LOSS32] = _f32(b.job_loss_rate)
    m[M_SHOCK_KEEP32] = _f32(1.0 - b.shock_income_loss)
    m[M_EMPLOYMENT] = 1.0 - float(d.employment_cost_deduction_share)
    m[M_RIGID] = float(d.rigid_expenditure_deduction_share)
    m[M_ASSET_MONTHS] = float(d.asset_limit_months)
    m[M_EDGE_MULTIPLE] = float(d.edge_multiple)
    m[M_MIN_BENEFIT] = float(d.min_benefit)
    formula = str(d.benefit_formula)
    shares = d.tiered_shares
    classes = np.zeros(len(TIERS), dtype=np.float64)
    bounds = np.zeros(0, dtype=np.float64)
    paid = np.zeros(1, dtype=np.float64)
    if formula == "gap":
        m[M_FORMULA] = 0
    elif formula == "tiered":
        if set(shares) <= set(TIERS):
            m[M_FORMULA] = 1
            classes = np.array([float(shares[k]) for k in TIERS], dtype=np.float64)
        else:
            m[M_FORMULA] = 2
            bands = sorted((float(k), float(v)) for k, v in shares.items())
            bounds = np.array([x for x, _ in bands], dtype=np.float64)
            paid = np.array([v for _, v in bands] + [0.0], dtype=np.float64)
    else:
        raise ValueError(f"dibao.benefit_formula: expected 'gap' or 'tiered', got {formula!r}")
    m[M_SINGLE_SHARE] = float(d.single_person_income_share)
    m[M_SINGLE_SEVERE] = int(d.single_person_disability_grade_max) >= SEVERE_BAND_TOP
    m[M_SINGLE_MENTAL] = int(d.single_person_mental_grade_max) >= MENTAL_BAND_TOP
    m[M_SINGLE_ILL] = bool(d.single_person_serious_illness)
    m[M_EXIT_MONTHS] = int(d.gradual_exit_months)
    m[M_MINORS_16_17] = minors_16_17_covered(tk)
    m[M_CARE_ABLE] = float(tk.care_subsidy["able"])
    m[M_CARE_PARTLY] = float(tk.care_subsidy["partly"])
    m[M_CARE_UNABLE] = float(tk.care_subsidy["unable"])
    t = initial.takeup_params(p)
    m[M_TAKEUP_URBAN] = t.urban
    m[M_TAKEUP_RURAL] = t.rural
    m[M_SIZE_SLOPE] = t.size_slope
    m[M_TEKUN_TAKEUP_URBAN] = t.tekun_urban
    m[M_TEKUN_TAKEUP_RURAL] = t.tekun_rural
    m[M_ELASTICITY] = float(b.take_up_benefit_elasticity)
    m[M_DISCOVERY] = float(b.discovery_rate)
    m[M_APPLY32] = _f32(b.application_rate)
    m[M_DELAY] = int(b.processing_delay_months)
    inst = b.tekun_institution_share
    m[M_INST_ABLE32] = _f32(inst["able"])
    m[M_INST_PARTLY32] = _f32(inst["partly"])
    m[M_INST_UNABLE32] = _f32(inst["unable"])
    review = _f32(1.0 / float(b.review_interval_months))
    m[M_REVIEW32] = review
    m[M_CAUGHT32] = _f32(review + _f32(b.inclusion_detection_rate))
    m[M_BY_WORK32] = _f32(review * _f32(b.gradual_exit_share_work))
    m[M_INCIDENCE32] = _f32(b.temporary_incidence)
    m[M_INCIDENCE_DIV32] = _f32(max(float(b.temporary_incidence), 1e-9))
    m[M_URGENT32] = _f32(b.temporary_urgent_share)
    m[M_SEVERE32] = _f32(b.temporary_severe_share)
    m[M_TEMP_BASE_URGENT] = float(tmp.base_months["urgent"])
    m[M_TEMP_BASE_EXPENDITURE] = float(tmp.base_months["expenditure"])
    m[M_TEMP_MODERATE] = float(tmp.severity_factor["moderate"])
    m[M_TEMP_SEVERE] = float(tmp.severity_factor["severe"])
    m[M_TEMP_MAJOR] = float(tmp.severity_factor["major"])
    m[M_TEMP_MAX_PERSONS] = int(tmp.max_persons_counted)
    longest = float(tmp.duration_months_max)
    # urgent cases: one month; expenditure cases: the longest duration counted (both clipped
    # as rules.temporary.duration_counted)
    m[M_TEMP_MONTHS_URGENT] = min(max(1.0, 1.0), longest)
    m[M_TEMP_MONTHS_EXPENDITURE] = min(max(longest, 1.0), longest)
    m[M_TEMP_CASE_MONTHS] = float(tmp.case_by_case_threshold_months)
    m[M_PRICE_DIBAO] = price_subsidy.group_flag(ps, "dibao")
    m[M_PRICE_TEKUN] = price_subsidy.group_flag(ps, "tekun")
    m[M_PRICE_EDGE] = price_subsidy.group_flag(ps, "edge")
    m[M_ONE_TIME] = price_subsidy.one_time_rate(params, date)
    return MonthInputs(m, bounds, paid, classes, t)


# ---------------------------------------------------------------------------- compiled parts

_jit = numba.njit(cache=True, nogil=True, fastmath=False, boundscheck=False, error_model="numpy")


@_jit
def _r32(x: float) -> float:
    """``x`` rounded to float32 (as the numpy phases store it), kept as float64."""
    return float(np.float32(x))


@_jit
def _benefit_per_person(
    m: Any, bounds: Any, paid: Any, classes: Any, pci: float, std: float, category: int
) -> float:
    """rules.dibao.benefit_per_person for one household, yuan/person/month."""
    gap = std - pci
    if not gap > 0.0:
        return 0.0
    formula = int(m[M_FORMULA])
    if formula == 0:
        base = gap
    elif formula == 1:
        base = classes[category] * std
    else:
        ratio = pci / std if std > 0.0 else np.inf
        k = np.searchsorted(bounds, ratio, side="right")
        base = paid[k] * std
    return float(max(base, m[M_MIN_BENEFIT]))


@_jit
def _logit(p: float) -> float:
    return float(np.log(p / (1.0 - p)))


@_jit
def _expit(x: float) -> float:
    return float(1.0 / (1.0 + np.exp(-x)))


@_jit
def step_county(
    urban: Any,
    weight: Any,
    size: Any,
    n_0_15: Any,
    n_16_17: Any,
    n_18_59: Any,
    n_60p: Any,
    n_workers: Any,
    n_dis: Any,
    n_mental: Any,
    n_ill: Any,
    care_level: Any,
    income_wage: Any,
    income_farm: Any,
    income_transfer: Any,
    assets: Any,
    exp_medical: Any,
    exp_schooling: Any,
    exp_disability: Any,
    has_supporter: Any,
    propensity: Any,
    programme: Any,
    covered_persons: Any,
    exit_months_left: Any,
    edge_col: Any,
    pending_months: Any,
    factor: Any,
    shock_left: Any,
    last_benefit: Any,
    months_since_job_gain: Any,
    temp_case: Any,
    prev_code: Any,
    u: Any,
    m: Any,
    bounds: Any,
    paid: Any,
    classes: Any,
    c: Any,
    acc: Any,
    money: Any,
) -> None:
    """One month of the household phases for the households of one county (arrays are that
    county's slices); adds the county's weighted sums to ``acc`` (``A_*``) and, when ``money``
    has a row per household, writes each household's money lines (``MONEY_LINES``) there."""
    n = size.shape[0]
    keep_money = money.shape[0] == n
    growth = m[M_GROWTH32]
    for i in range(n):
        is_urban = urban[i]
        # ------------------------------------------------------------- life_events
        income_wage[i] = _r32(income_wage[i] * growth)
        income_farm[i] = _r32(income_farm[i] * growth)
        sz = int(size[i])
        if sz > 0:
            # demography and health: competing risks on one draw (behaviour.transitions)
            n60, n18, n16, n0 = int(n_60p[i]), int(n_18_59[i]), int(n_16_17[i]), int(n_0_15[i])
            ill, dis = int(n_ill[i]), int(n_dis[i])
            uh = float(u[1, i])
            # the first interval [lo, hi) of the cumulated float32 hazards that holds the draw
            hi = _r32(m[M_DEATH_OLD32] * n60)
            event = 0
            if not uh < hi:
                hi = _r32(hi + _r32(m[M_DEATH_YOUNG32] * (sz - n60)))
                event = 1
            if event == 1 and not uh < hi:
                hi = _r32(hi + (_r32(m[M_BIRTH32] * n18) if sz < 10 else 0.0))
                event = 2
            if event == 2 and not uh < hi:
                hi = _r32(hi + _r32(n0 / MONTHS_IN_0_15))
                event = 3
            if event == 3 and not uh < hi:
                hi = _r32(hi + _r32(n16 / MONTHS_IN_16_17))
                event = 4
            if event == 4 and not uh < hi:
                hi = _r32(hi + _r32(n18 / MONTHS_IN_18_59))
                event = 5
            if event == 5 and not uh < hi:
                hi = _r32(hi + _r32(m[M_ILL_ON32] * (sz - ill)))
                event = 6
            if event == 6 and not uh < hi:
                hi = _r32(hi + _r32(m[M_ILL_OFF32] * ill))
                event = 7
            if event == 7 and not uh < hi:
                hi = _r32(hi + _r32(m[M_DISABLED32] * (sz - dis)))
                event = 8
            if event == 8 and not uh < hi:
                event = -1
            if event == 0 or event == 1:
                # one member dies: transfers fall pro rata; an empty household loses its money
                share_left = _r32((sz - 1) / sz) if sz > 1 else 0.0
                income_transfer[i] = _r32(income_transfer[i] * share_left)
                if event == 0:
                    n_60p[i] -= 1
                elif n_18_59[i] > 0:
                    n_18_59[i] -= 1
                elif n_16_17[i] > 0:
                    n_16_17[i] -= 1
                elif n_0_15[i] > 0:
                    n_0_15[i] -= 1
                elif n_60p[i] > 0:
                    n_60p[i] -= 1
                sz -= 1
                size[i] = sz
                n_ill[i] = min(int(n_ill[i]), sz)
                n_dis[i] = min(int(n_dis[i]), sz)
                n_mental[i] = min(int(n_mental[i]), sz)
                if sz == 0:
                    income_wage[i] = 0.0
                    income_farm[i] = 0.0
                    income_transfer[i] = 0.0
                    exp_medical[i] = 0.0
                    exp_schooling[i] = 0.0
                    exp_disability[i] = 0.0
                    assets[i] = 0.0
            elif event == 2:
                n_0_15[i] += 1
                sz += 1
                size[i] = sz
            elif event == 3:
                n_0_15[i] -= 1
                n_16_17[i] += 1
            elif event == 4:
                n_16_17[i] -= 1
                n_18_59[i] += 1
            elif event == 5:
                n_18_59[i] -= 1
                n_60p[i] += 1
            elif event == 6:
                n_ill[i] += 1
                exp_medical[i] = _r32(exp_medical[i] + m[M_MEDICAL_COST32])
            elif event == 7:
                n_ill[i] -= 1
                exp_medical[i] = max(_r32(exp_medical[i] - m[M_MEDICAL_COST32]), 0.0)
            elif event == 8:
                n_dis[i] += 1
                exp_disability[i] = _r32(exp_disability[i] + m[M_DISABILITY_COST32])
        # a worker who died or turned 60 stops working: wages fall pro rata
        if n_workers[i] > n_18_59[i]:
            income_wage[i] = _r32(income_wage[i] * _r32(n_18_59[i] / n_workers[i]))
            n_workers[i] = n_18_59[i]
        msjg = min(int(months_since_job_gain[i]) + 1, MAX_JOB_GAIN_MONTHS)
        # work: job loss (one worker) or gain (one idle adult), competing on one draw
        w = int(n_workers[i])
        p_loss = _r32(m[M_JOB_LOSS32] * w)
        gain = c[C_GAIN_URBAN32] if is_urban else c[C_GAIN_RURAL32]
        p_gain = _r32(gain * max(int(n_18_59[i]) - w, 0))
        uw = float(u[0, i])
        if uw < p_loss:
            per_worker = _r32(income_wage[i] / w)
            income_wage[i] = max(_r32(income_wage[i] - per_worker), 0.0)
            n_workers[i] = w - 1
        elif uw < _r32(p_loss + p_gain):
            if w > 0:
                per_worker = _r32(income_wage[i] / w)
            else:
                per_worker = c[C_WAGE_URBAN32] if is_urban else c[C_WAGE_RURAL32]
            income_wage[i] = _r32(income_wage[i] + per_worker)
            n_workers[i] = w + 1
            msjg = 0
        months_since_job_gain[i] = msjg
        # ------------------------------------------------------------- assessment
        # rules.dibao / rules.tekun on assessed income (decisions) and true income (checks)
        shocked = shock_left[i] > 0
        keep = m[M_SHOCK_KEEP32] if shocked else 1.0
        admin_factor = _r32(factor[i] * keep)
        sz = int(size[i])
        alive = sz > 0
        size_f = float(sz)
        std = c[C_STD_URBAN] if is_urban else c[C_STD_RURAL]
        transfer = float(income_transfer[i])
        spending = float(exp_medical[i]) + float(exp_schooling[i]) + float(exp_disability[i])
        deductions = m[M_RIGID] * spending
        wage_true = float(income_wage[i])
        farm_true = float(income_farm[i])
        gross_admin = (
            _r32(wage_true * admin_factor) * m[M_EMPLOYMENT]
            + _r32(farm_true * admin_factor)
            + transfer
        )
        gross_true = _r32(wage_true * keep) * m[M_EMPLOYMENT] + _r32(farm_true * keep) + transfer
        pci = max(gross_admin - deductions, 0.0) / max(size_f, 1.0)
        pci_true = max(gross_true - deductions, 0.0) / max(size_f, 1.0)
        assets_ok = float(assets[i]) <= max(size_f, 1.0) * m[M_ASSET_MONTHS] * std
        dis, mental, ill = int(n_dis[i]), int(n_mental[i]), int(n_ill[i])
        working = int(n_18_59[i]) + (0 if m[M_MINORS_16_17] != 0 else int(n_16_17[i]))
        able = max(working - (dis + mental), 0)
        no_work = able == 0 and n_workers[i] == 0 and not has_supporter[i]
        candidates = min(
            dis * int(m[M_SINGLE_SEVERE])
            + mental * int(m[M_SINGLE_MENTAL])
            + ill * int(m[M_SINGLE_ILL]),
            sz,
        )
        edge_limit = m[M_EDGE_MULTIPLE] * std
        below = pci < std and assets_ok
        tekun = alive and below and no_work
        whole = alive and below and not tekun
        edge = alive and not (whole or tekun) and assets_ok and pci < edge_limit
        n_single = candidates if edge else 0
        below_t = pci_true < std and assets_ok
        tekun_t = alive and below_t and no_work
        whole_t = alive and below_t and not tekun_t
        edge_t = alive and not (whole_t or tekun_t) and assets_ok and pci_true < edge_limit
        n_single_t = candidates if edge_t else 0
        # ------------------------------------------------------------- applications
        ua = float(u[2, i])
        prog = int(programme[i])
        pending = int(pending_months[i])
        if pending == 0:
            if tekun:
                lvl = min(max(int(care_level[i]), 0), 2)
                share = (
                    m[M_INST_ABLE32]
                    if lvl == 0
                    else (m[M_INST_PARTLY32] if lvl == 1 else m[M_INST_UNABLE32])
                )
                prog = TEKUN_INSTITUTIONAL if ua < share else TEKUN_DISPERSED
            elif whole:
                prog = DIBAO_WHOLE
            elif n_single > 0:
                prog = DIBAO_SINGLE
            pending = -1
        elif pending > 0:
            pending -= 1
        if prog == NONE and pending < 0 and alive and (whole or n_single > 0 or tekun):
            if shocked:
                pending = 0  # urgent: decided at once (S4 四(十))
            elif ua < m[M_APPLY32]:
                # take-up probability (behaviour.take_up, behaviour.initial.base_take_up)
                if tekun:
                    base = c[C_TEKUN_TAKEUP_URBAN] if is_urban else c[C_TEKUN_TAKEUP_RURAL]
                else:
                    members = size_f if whole else 1.0
                    b0 = c[C_TAKEUP_URBAN] if is_urban else c[C_TAKEUP_RURAL]
                    slope = m[M_SIZE_SLOPE] if is_urban else 0.0
                    b0 = min(max(b0, 1e-12), 1.0 - 1e-12)
                    base = _expit(_logit(b0) + slope * (members - 1.0))
                start_std = c[C_STD_START_URBAN] if is_urban else c[C_STD_START_RURAL]
                shift = m[M_ELASTICITY] * np.log(max(std / start_std, 1e-9))
                p_take = _expit(_logit(min(max(base, 1e-9), 1.0 - 1e-9)) + shift)
                p_take = 1.0 - (1.0 - p_take) * (1.0 - c[C_DISCOVERY])
                if float(propensity[i]) < p_take:
                    pending = int(c[C_DELAY])
        pending_months[i] = pending
        # ------------------------------------------------------------- reviews
        left = int(exit_months_left[i])
        if prog == NONE:
            left = 0
        else:
            ur = float(u[3, i])
            reviewed = ur < m[M_REVIEW32]
            caught = (not reviewed) and ur < m[M_CAUGHT32]
            if prog == DIBAO_SINGLE:
                still = n_single > 0 or tekun
                truly = n_single_t > 0 or tekun_t
            else:
                still = whole or tekun
                truly = whole_t or tekun_t
            in_exit = left > 0
            by_work = msjg <= JOB_GAIN_WINDOW and ur < m[M_BY_WORK32]
            start = prog == DIBAO_WHOLE and not still and by_work and left <= 0 and reviewed
            if still:
                new_left = 0
            elif start:
                new_left = int(m[M_EXIT_MONTHS])
            else:
                new_left = max(left - 1, 0)
            left = new_left
            if prog in (DIBAO_WHOLE, DIBAO_SINGLE):
                ended = in_exit and new_left == 0 and not still
                exit_now = (
                    (not in_exit)
                    and (not start)
                    and ((reviewed and not still) or (caught and not truly))
                )
                out = exit_now or ended or not alive
            else:
                out = (reviewed and not tekun and not whole) or not alive
            if out:
                prog = NONE
                left = 0
                last_benefit[i] = 0.0
        programme[i] = prog
        exit_months_left[i] = left
        # ------------------------------------------------------------- temporary_assistance
        ut = float(u[4, i])
        low = edge or whole or prog != NONE
        crisis = low and (ut < m[M_INCIDENCE32] or shocked) and alive
        temp_amount = 0.0
        if crisis:
            v = _r32(ut / m[M_INCIDENCE_DIV32])
            if shocked:
                kind, severity = 0, 2
            else:
                kind = 0 if v < m[M_URGENT32] else 1
                severity = 1 if v < m[M_SEVERE32] else 0
            t_std = c[C_STD_URBAN]  # unified urban-rural standard (S4 四(九))
            persons_t = min(max(sz, 1), int(m[M_TEMP_MAX_PERSONS]))
            base_m = m[M_TEMP_BASE_URGENT] if kind == 0 else m[M_TEMP_BASE_EXPENDITURE]
            months_t = m[M_TEMP_MONTHS_URGENT] if kind == 0 else m[M_TEMP_MONTHS_EXPENDITURE]
            if severity == 0:
                sev = m[M_TEMP_MODERATE]
            elif severity == 1:
                sev = m[M_TEMP_SEVERE]
            else:
                sev = m[M_TEMP_MAJOR]
            need = t_std * base_m * sev * persons_t * months_t
            temp_amount = need if severity == 2 else min(need, m[M_TEMP_CASE_MONTHS] * t_std)
        # ------------------------------------------------------------- benefits
        on_dibao = prog in (DIBAO_WHOLE, DIBAO_SINGLE)
        tekun_now = prog >= TEKUN_DISPERSED
        dibao_paid = 0.0
        persons = 0
        if on_dibao:
            if left > 0:
                dibao_paid = float(last_benefit[i])
            elif prog == DIBAO_WHOLE:
                # rules.dibao.whole_household_benefit: computed whether or not the household
                # is still eligible (a recipient keeps being paid until a review)
                if able == 0 or dis + ill > 0:
                    category = 0
                elif mental + int(n_60p[i]) > 0:
                    category = 1
                else:
                    category = 2
                alone = _benefit_per_person(
                    m, bounds, paid, classes, m[M_SINGLE_SHARE] * pci, std, 0
                )
                per_person = _benefit_per_person(m, bounds, paid, classes, pci, std, category)
                dibao_paid = max(per_person * size_f, alone * candidates)
            elif n_single > 0:
                alone = _benefit_per_person(
                    m, bounds, paid, classes, m[M_SINGLE_SHARE] * pci, std, 0
                )
                dibao_paid = alone * max(n_single, 1)
            persons = sz if prog == DIBAO_WHOLE else max(n_single, 1)
        elif tekun_now:
            persons = sz
        last_benefit[i] = _r32(dibao_paid)
        covered_persons[i] = persons
        tekun_basic = 0.0
        tekun_care = 0.0
        if tekun_now:
            tekun_basic = c[C_TEKUN_STD] * size_f
            if sz > 0:
                lvl = int(care_level[i])
                first = (
                    m[M_CARE_ABLE]
                    if lvl == 0
                    else (m[M_CARE_PARTLY] if lvl == 1 else m[M_CARE_UNABLE])
                )
                tekun_care = first + max(size_f - 1.0, 0.0) * m[M_CARE_ABLE]
        price_persons = 0.0
        if (on_dibao and m[M_PRICE_DIBAO] != 0) or (tekun_now and m[M_PRICE_TEKUN] != 0):
            price_persons = float(persons)
        if edge and m[M_PRICE_EDGE] != 0:
            if prog == NONE:
                price_persons += size_f
            elif prog == DIBAO_SINGLE:
                price_persons += max(size_f - persons, 0.0)
        rate = c[C_RATE_URBAN] if is_urban else c[C_RATE_RURAL]
        price = rate * price_persons
        one_time = m[M_ONE_TIME] * persons if prog != NONE else 0.0
        # ------------------------------------------------------------- county sums
        wt = float(weight[i])
        acc[A_MONEY + 0] += wt * dibao_paid
        acc[A_MONEY + 1] += wt * tekun_basic
        acc[A_MONEY + 2] += wt * tekun_care
        acc[A_MONEY + 3] += wt * temp_amount
        acc[A_MONEY + 4] += wt * price
        acc[A_MONEY + 5] += wt * one_time
        if keep_money:
            money[i, 0] = dibao_paid
            money[i, 1] = tekun_basic
            money[i, 2] = tekun_care
            money[i, 3] = temp_amount
            money[i, 4] = price
            money[i, 5] = one_time
        if prog != NONE:
            acc[A_ON_PROGRAMME] += wt
            if care_level[i] >= 1 and prog != TEKUN_INSTITUTIONAL:
                acc[A_ASKED] += wt
        # record: caseload groups (model.Recorder.group_codes), flows, targeting, population
        edge_now = edge and prog == NONE
        edge_col[i] = edge_now
        if on_dibao:
            if left != 0:
                code = 4
            elif is_urban:
                code = 0 if prog == DIBAO_WHOLE else 1
            else:
                code = 2 if prog == DIBAO_WHOLE else 3
        elif prog == TEKUN_DISPERSED:
            code = 5
        elif prog == TEKUN_INSTITUTIONAL:
            code = 6
        elif edge_now:
            code = EDGE_GROUP
        else:
            code = N_GROUPS
        prev = int(prev_code[i])
        if code < N_GROUPS:
            acc[A_CASES + code] += wt
            acc[A_PERSONS + code] += wt * (size_f if code == EDGE_GROUP else float(persons))
        if code != prev:
            if code < N_GROUPS:
                acc[A_ENTRIES + code] += wt
            if prev < N_GROUPS:
                acc[A_EXITS + prev] += wt
        prev_code[i] = code
        was_temp = temp_case[i]
        if crisis:
            acc[A_CASES + TEMPORARY_GROUP] += wt
            acc[A_PERSONS + TEMPORARY_GROUP] += wt * size_f
            if not was_temp:
                acc[A_ENTRIES + TEMPORARY_GROUP] += wt
        elif was_temp:
            acc[A_EXITS + TEMPORARY_GROUP] += wt
        temp_case[i] = crisis
        eligible_t = whole_t or n_single_t > 0
        if eligible_t:
            acc[A_ELIGIBLE] += wt
            if on_dibao:
                acc[A_COVERED] += wt
        elif on_dibao and left == 0:
            acc[A_INELIGIBLE_COVERED] += wt
        if alive:
            acc[A_POP_HOUSEHOLDS] += wt
        acc[A_POP_PERSONS] += wt * size_f
