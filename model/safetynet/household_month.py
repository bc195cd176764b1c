"""The household phases of one month, compiled: one pass over a county's households.

The monthly step of :class:`safetynet.model.SafetyNetModel` is an ordered list of phases::

    prices -> households (life events, shocks, assessment, applications, reviews,
              temporary assistance, benefits) -> services -> record

``prices`` and ``services`` are county-level and stay in numpy. The household phases run here
as one numba-compiled loop over the households of a county (:func:`step_county`): each
household goes through life events, assessment, applications, reviews, temporary assistance and
benefits in turn, and adds its weight to the county's sums. Nothing per household is kept
beyond the household columns and a few bytes of engine state; the loop allocates nothing.

The rules are not written here: the loop calls the compiled rule functions of
:mod:`safetynet.rules` through their composition in :mod:`safetynet.assessment` (the same
functions the start state, calibration, the rule cases and the per-household Mesa reference
call). What is written here is behaviour: demography, work, take-up, reviews, crises, with
float32 where the columns are float32. ``tests/test_oracle.py`` holds it to the per-household
Mesa reference.

Parameters reach the loop by name: the county's household-rule parameters
(:class:`safetynet.rules.parameters.RuleParams`, ``r.edge_multiple``) and behaviour
parameters (:class:`BehaviourParams`, ``b.job_loss32``), both built once a month. Debug the
loop in plain Python with ``NUMBA_DISABLE_JIT=1``.
"""

from __future__ import annotations

import typing
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from safetynet import assessment as asm
from safetynet import members
from safetynet.behaviour import initial, take_up
from safetynet.behaviour.shocks import ENDED as SHOCK_ENDED
from safetynet.behaviour.shocks import HIT as SHOCK_HIT
from safetynet.constants import (
    ABLE,
    AGE_MAX,
    DIBAO,
    DIBAO_SINGLE,
    EDGE_GROUP,
    GRADUAL_EXIT_GROUP,
    JOB_GAIN_WINDOW,
    MAX_JOB_GAIN_MONTHS,
    NO_DISABILITY,
    NO_GROUP,
    NONE,
    OTHER_DISABILITY,
    SEVERE_GRADE_TOP,
    TEKUN_DISPERSED,
    TEKUN_DISPERSED_GROUP,
    TEKUN_INSTITUTIONAL,
    TEKUN_INSTITUTIONAL_GROUP,
    TEMPORARY_GROUP,
)
from safetynet.prefetch import prefetch
from safetynet.rules import dibao, services, tekun, temporary
from safetynet.rules.compiled import rule, to_int
from safetynet.rules.parameters import RuleParams, record_dtype, record_values, rule_params_of

FloatArray = npt.NDArray[np.float64]
#: sums of the monitored population (safetynet.monitoring.NAMES, in that order)
N_MONITORED = 5
MONTHS_PER_YEAR = 12.0
#: no birth in a household of this size or more
MAX_BIRTH_SIZE = 10
#: every PREFETCH_MASK + 1 households the kernel prefetches the columns' lines PREFETCH_ROWS
#: households ahead, and the person table's PREFETCH_PERSONS persons ahead (a speed setting)
PREFETCH_MASK = 15
PREFETCH_ROWS = 64
PREFETCH_PERSONS = 192
#: relative margin of the life-event hazards' bound in step_county (float32 rounding)
HAZARD_BOUND_MARGIN = 1.001


def _f32(x: float) -> float:
    return float(np.float32(x))


class BehaviourParams(NamedTuple):
    """One county's behaviour parameters of the month as the loop reads them (``behaviour.*``,
    ``calibrated.*``; names ending in 32 are rounded to float32, as the columns)."""

    growth32: float  # monthly wage/farm growth factor
    death_old32: float
    death_young32: float
    birth32: float
    ill_on32: float
    ill_off32: float
    disabled32: float
    medical_cost32: float
    disability_cost32: float
    job_loss32: float
    shock_keep32: float  # share of wage and farm income kept while a shock lasts
    takeup_urban: float
    takeup_rural: float
    size_slope: float
    split_rural: float
    size_slope_rural: float
    priority_shift: float
    tekun_takeup_urban: float
    tekun_takeup_rural: float
    elasticity: float
    discovery: float
    apply32: float
    delay: int
    institution_able32: float
    institution_partly32: float
    institution_unable32: float
    review32: float
    caught32: float
    by_work32: float
    incidence32: float
    incidence_div32: float
    urgent32: float
    severe32: float
    month: int  # calendar month (1-12): members born in it are one year older
    # this county
    standard_start_urban: float  # dibao standard in the first month (take-up responds)
    standard_start_rural: float
    # the county's dibao standard changed this month and behaviour.standard_rise_reaches_
    # running_cases holds: every running case is reassessed (assessment.dibao_benefit_held)
    standard_changed_urban: bool
    standard_changed_rural: bool
    new_wage_urban32: float  # what a new job pays, per worker
    new_wage_rural32: float
    job_gain_urban32: float  # job-finding rate per idle adult
    job_gain_rural32: float
    # the monitored population (safetynet.monitoring): assessed income line per month
    tuopin_line_month: float


def behaviour_values(p: Any) -> dict[str, Any]:
    """The province-wide fields of :class:`BehaviourParams` from ``p = params.at(date)``."""
    b = p.behaviour
    t = initial.takeup_params(p)
    inst = b.tekun_institution_share
    review = _f32(1.0 / float(b.review_interval_months))
    return {
        "growth32": _f32(float((1.0 + b.wage_growth_annual) ** (1.0 / 12.0))),
        "death_old32": _f32(b.mortality_60p),
        "death_young32": _f32(b.mortality_under60),
        "birth32": _f32(b.birth_rate),
        "ill_on32": _f32(b.illness_onset_rate),
        "ill_off32": _f32(b.illness_recovery_rate),
        "disabled32": _f32(b.disability_onset_rate),
        "medical_cost32": _f32(b.illness_medical_cost),
        "disability_cost32": _f32(b.disability_cost),
        "job_loss32": _f32(b.job_loss_rate),
        "shock_keep32": _f32(1.0 - b.shock_income_loss),
        "takeup_urban": t.urban,
        "takeup_rural": t.rural,
        "size_slope": t.size_slope,
        "split_rural": t.split_rural,
        "size_slope_rural": t.size_slope_rural,
        "priority_shift": t.priority_shift,
        "tekun_takeup_urban": t.tekun_urban,
        "tekun_takeup_rural": t.tekun_rural,
        "elasticity": float(b.take_up_benefit_elasticity),
        "discovery": float(b.discovery_rate),
        "apply32": _f32(b.application_rate),
        "delay": int(b.processing_delay_months),
        "institution_able32": _f32(inst["able"]),
        "institution_partly32": _f32(inst["partly"]),
        "institution_unable32": _f32(inst["unable"]),
        "review32": review,
        "caught32": _f32(review + _f32(b.inclusion_detection_rate)),
        "by_work32": _f32(review * _f32(b.gradual_exit_share_work)),
        "incidence32": _f32(b.temporary_incidence),
        "incidence_div32": _f32(max(float(b.temporary_incidence), 1e-9)),
        "urgent32": _f32(b.temporary_urgent_share),
        "severe32": _f32(b.temporary_severe_share),
        "tuopin_line_month": float(p.monitoring.tuopin_risk_line) / MONTHS_PER_YEAR,
    }


#: one county's BehaviourParams as a numpy record (what the monthly kernel reads)
BEHAVIOUR_DTYPE = record_dtype(typing.get_type_hints(BehaviourParams), {})


@rule
def behaviour_params_of(b: Any) -> BehaviourParams:
    """The :class:`BehaviourParams` of one record of :data:`BEHAVIOUR_DTYPE`, inside compiled code
    (the kernel reads the county's values as values, not from the table's memory)."""
    return record_values(b, BehaviourParams)  # type: ignore[no-any-return]


class Columns(NamedTuple):
    """One county's slices of the household columns and engine state the loop reads and
    writes (schema.py; engine state: see ``SafetyNetModel``)."""

    urban: Any
    weight: Any
    size: Any
    first_member: Any
    member_slots: Any
    n_0_15: Any
    n_16_17: Any
    n_18_59: Any
    n_60p: Any
    n_65p: Any
    n_workers: Any
    n_disabled_severe: Any
    n_disabled_mental: Any
    n_ill: Any
    care_level: Any
    income_wage: Any
    income_farm: Any
    income_transfer: Any
    assets: Any
    exp_medical: Any
    exp_schooling: Any
    exp_disability: Any
    has_supporter: Any
    tuopin: Any
    propensity: Any
    programme: Any
    covered_persons: Any
    exit_months_left: Any
    edge: Any
    pending_months: Any
    # the whole person table (first_member indexes it; schema.PERSON_SCHEMA)
    age: Any
    birth_month: Any
    disability: Any
    disability_grade: Any
    ill: Any
    person_care_level: Any
    works: Any
    # engine state
    factor: Any  # assessed / true wage and farm income (float32)
    shock_left: Any  # months of a shock left (int8)
    shock_event: Any  # behaviour.shocks: hit this month / ended this month (int8)
    last_benefit: Any  # dibao paid last month (float32)
    months_since_job_gain: Any  # int8, capped at MAX_JOB_GAIN_MONTHS
    temp_case: Any  # temporary case last month (bool)
    prev_code: Any  # caseload group last month (int8; NO_GROUP = none)
    # assessment.member_tests of last month, kept while the members and their rules stand
    tests_valid: Any  # bool
    tests_able: Any  # int8
    tests_candidates: Any  # int8
    tests_category: Any  # int8
    # bit m set: a member may be born in calendar month m (members.birth_months; kept a superset
    # while members die), so a household none of whose members has a birthday skips ageing
    birthdays: Any  # uint16
    # members aged 18-59 without work, kept from the month it was counted while the members,
    # their ages' bands and their jobs stand (int8; -1: not known, counted when needed)
    idle_adults: Any


#: rule parameters that :func:`assessment.member_tests` reads: when one changes in a county,
#: its households' member tests are redone (else they are kept while the members stand)
MEMBER_RULE_FIELDS = asm.MEMBER_TEST_FIELDS

#: household columns of :class:`Columns`, then the person columns, then engine state
COLUMNS = Columns._fields[: Columns._fields.index("age")]
PERSON_FIELDS = Columns._fields[len(COLUMNS) : Columns._fields.index("factor")]
#: person-table column of each person field of :class:`Columns`
PERSON_COLUMNS = {f: ("care_level" if f == "person_care_level" else f) for f in PERSON_FIELDS}
ENGINE_STATE = Columns._fields[Columns._fields.index("factor") :]


class Sums(NamedTuple):
    """The weighted sums of the month per county (first axis: county position in the run)."""

    money: FloatArray  # county × money line (constants.MONEY_LINES), yuan
    asked: FloatArray  # dependants asking for services (before the demand share), persons
    on_programme: FloatArray  # households on any programme
    cases: FloatArray  # county × group (constants.GROUPS): households
    persons: FloatArray  # county × group: persons
    entries: FloatArray  # county × group: households entering
    exits: FloatArray  # county × group: households leaving
    eligible: FloatArray  # truly eligible for dibao (whole or single-person)
    covered: FloatArray  # truly eligible and on dibao
    ineligible_covered: FloatArray  # on dibao (not in exit), not truly eligible
    population_households: FloatArray
    population_persons: FloatArray
    monitored: FloatArray  # county × monitoring.NAMES (the monitored population)
    dibao_urban: FloatArray  # dibao paid to urban households, yuan (the rest is rural)


def new_sums(n_counties: int, n_lines: int, n_groups: int) -> Sums:
    """Zeroed :class:`Sums` for ``n_counties`` counties."""
    fields = [
        np.zeros((n_counties, n_lines)),
        *(np.zeros(n_counties) for _ in range(2)),
        *(np.zeros((n_counties, n_groups)) for _ in range(4)),
        *(np.zeros(n_counties) for _ in range(5)),
        np.zeros((n_counties, N_MONITORED)),
        np.zeros(n_counties),
    ]
    return Sums(*fields)


def clear(sums: Sums) -> None:
    for a in sums:
        a[...] = 0.0


# ---------------------------------------------------------------------------- compiled parts


@rule
def _r32(x: float) -> float:
    """``x`` rounded to float32 (as the columns store it), kept as float64."""
    return float(np.float32(x))


@rule
def _logit(p: float) -> float:
    return float(np.log(p / (1.0 - p)))


@rule
def _expit(x: float) -> float:
    return float(1.0 / (1.0 + np.exp(-x)))


@rule
def _take_up_probability(
    b: BehaviourParams,
    is_urban: bool,
    tekun_now: bool,
    whole: bool,
    size: int,
    std: float,
    priority: bool,
) -> float:
    """Probability that an eligible household applies when it learns it may (behaviour.take_up,
    behaviour.initial.base_take_up), with active discovery; ``priority``: the household has a
    priority member (behaviour.take_up.priority_member)."""
    if tekun_now:
        base = b.tekun_takeup_urban if is_urban else b.tekun_takeup_rural
    else:
        members = float(size) if whole else 1.0
        b0 = b.takeup_urban if is_urban else b.takeup_rural
        slope = b.size_slope if is_urban else b.size_slope_rural
        b0 = min(max(b0, 1e-12), 1.0 - 1e-12)
        shift = b.priority_shift if priority else 0.0
        base = _expit(_logit(b0) + slope * (members - 1.0) + shift)
    start_std = b.standard_start_urban if is_urban else b.standard_start_rural
    shift = b.elasticity * np.log(max(std / start_std, 1e-9))
    p_take = _expit(_logit(min(max(base, 1e-9), 1.0 - 1e-9)) + shift)
    return float(1.0 - (1.0 - p_take) * (1.0 - b.discovery))


@rule
def step_counties(
    h: Columns,
    u: Any,
    rules: Any,
    behaviour: Any,
    sums: Sums,
    positions: Any,
    lo: Any,
    hi: Any,
    u0: Any,
    money: Any,
    fresh: Any,
) -> None:
    """One month of the household phases for a group of counties, one compiled call: county
    ``k`` of the group is position ``positions[k]`` of the run, households ``lo[k]`` ..
    ``hi[k] - 1`` of ``h`` (the whole columns and person table), draws from column ``u0[k]`` of
    ``u``; ``rules`` / ``behaviour``: the month's parameter records of every county of the run
    (``RULE_DTYPE`` / ``BEHAVIOUR_DTYPE``, read by name like the NamedTuples); ``fresh[c]``:
    the rules on members changed since last month in county ``c`` (their results are redone)."""
    for k in range(positions.shape[0]):
        c = positions[k]
        r = rule_params_of(rules[c])
        b = behaviour_params_of(behaviour[c])
        step_county(h, u, r, b, sums, c, money, lo[k], hi[k], u0[k], bool(fresh[c]))


@rule
def step_county(
    h: Columns,
    u: Any,
    r: RuleParams,
    b: BehaviourParams,
    sums: Sums,
    pos: int,
    money: Any,
    row_start: int,
    row_stop: int,
    u0: int,
    fresh: bool,
) -> None:
    """One month of the household phases for households ``row_start`` .. ``row_stop - 1``
    of ``h`` (one county; its draws are columns ``u0`` .. of ``u``); adds the county's
    weighted sums to row ``pos`` of ``sums`` and, when ``money`` has rows (one per household
    of ``h``), writes each household's money lines there. ``r`` / ``b``: the county's
    parameters. ``fresh``: a rule parameter of the member tests changed since last month
    (``MEMBER_RULE_FIELDS``), so no household keeps last month's results."""
    # the arrays once per call (read inside the loop as plain local arrays)
    c_urban = h.urban
    c_weight = h.weight
    c_size = h.size
    c_first = h.first_member
    c_slots = h.member_slots
    c_n_18_59 = h.n_18_59
    c_n_60p = h.n_60p
    c_n_workers = h.n_workers
    c_n_disabled_severe = h.n_disabled_severe
    c_n_ill = h.n_ill
    c_care_level = h.care_level
    c_income_wage = h.income_wage
    c_income_farm = h.income_farm
    c_income_transfer = h.income_transfer
    c_assets = h.assets
    c_exp_medical = h.exp_medical
    c_exp_schooling = h.exp_schooling
    c_exp_disability = h.exp_disability
    c_has_supporter = h.has_supporter
    c_tuopin = h.tuopin
    c_propensity = h.propensity
    c_programme = h.programme
    c_covered_persons = h.covered_persons
    c_exit_months_left = h.exit_months_left
    c_edge = h.edge
    c_pending_months = h.pending_months
    c_factor = h.factor
    c_shock_left = h.shock_left
    c_shock_event = h.shock_event
    c_last_benefit = h.last_benefit
    c_months_since_job_gain = h.months_since_job_gain
    c_temp_case = h.temp_case
    c_prev_code = h.prev_code
    c_tests_valid = h.tests_valid
    c_tests_able = h.tests_able
    c_tests_candidates = h.tests_candidates
    c_tests_category = h.tests_category
    c_birthdays = h.birthdays
    c_idle_adults = h.idle_adults
    p_age = h.age
    p_birth = h.birth_month
    p_dis = h.disability
    p_grade = h.disability_grade
    p_ill = h.ill
    p_care = h.person_care_level
    p_works = h.works
    # the county's sums are added up in this call's own memory (row copies and scalars) and
    # written back at the end: threads stepping neighbouring counties would otherwise write to
    # the same cache lines of ``sums`` for every household. Starting from the row keeps the
    # order of the additions, so a county cut into pieces sums as when stepped whole.
    s_money = sums.money[pos].copy()
    s_cases = sums.cases[pos].copy()
    s_persons = sums.persons[pos].copy()
    s_entries = sums.entries[pos].copy()
    s_exits = sums.exits[pos].copy()
    s_monitored = sums.monitored[pos].copy()
    s_asked = sums.asked[pos]
    s_on_programme = sums.on_programme[pos]
    s_eligible = sums.eligible[pos]
    s_covered = sums.covered[pos]
    s_ineligible_covered = sums.ineligible_covered[pos]
    s_population_households = sums.population_households[pos]
    s_population_persons = sums.population_persons[pos]
    s_dibao_urban = sums.dibao_urban[pos]
    keep_money = money.shape[0] > 0
    last_row = row_stop - 1
    # per member, at least the sum of the life-event hazards below (the float32 cumulation
    # rounds each sum by at most 2**-24 of it; the margin is far above that)
    hazard_bound = (
        max(abs(b.death_old32), abs(b.death_young32))
        + abs(b.birth32)
        + max(abs(b.ill_on32), abs(b.ill_off32))
        + abs(b.disabled32)
    ) * HAZARD_BOUND_MARGIN
    last_person = p_age.shape[0] - 1
    for row in range(row_start, row_stop):
        # the row and its column of the draws, unsigned: numba then indexes the columns
        # without the negative-index wraparound (a load and two instructions per access)
        i = np.uint64(row)
        j = np.uint64(u0 + row - row_start)
        if (row & PREFETCH_MASK) == 0:
            # the lines PREFETCH_ROWS rows ahead in every column (see safetynet.prefetch)
            ahead = np.uint64(min(row + PREFETCH_ROWS, last_row))
            prefetch(c_urban, ahead)
            prefetch(c_weight, ahead)
            prefetch(c_size, ahead)
            prefetch(c_first, ahead)
            prefetch(c_slots, ahead)
            prefetch(c_n_18_59, ahead)
            prefetch(c_n_60p, ahead)
            prefetch(c_n_workers, ahead)
            prefetch(c_n_disabled_severe, ahead)
            prefetch(c_n_ill, ahead)
            prefetch(c_care_level, ahead)
            prefetch(c_income_wage, ahead)
            prefetch(c_income_farm, ahead)
            prefetch(c_income_transfer, ahead)
            prefetch(c_assets, ahead)
            prefetch(c_exp_medical, ahead)
            prefetch(c_exp_schooling, ahead)
            prefetch(c_exp_disability, ahead)
            prefetch(c_has_supporter, ahead)
            prefetch(c_tuopin, ahead)
            prefetch(c_propensity, ahead)
            prefetch(c_programme, ahead)
            prefetch(c_covered_persons, ahead)
            prefetch(c_exit_months_left, ahead)
            prefetch(c_edge, ahead)
            prefetch(c_pending_months, ahead)
            prefetch(c_factor, ahead)
            prefetch(c_shock_left, ahead)
            prefetch(c_shock_event, ahead)
            prefetch(c_last_benefit, ahead)
            prefetch(c_months_since_job_gain, ahead)
            prefetch(c_temp_case, ahead)
            prefetch(c_prev_code, ahead)
            prefetch(c_tests_valid, ahead)
            prefetch(c_tests_able, ahead)
            prefetch(c_tests_candidates, ahead)
            prefetch(c_tests_category, ahead)
            prefetch(c_birthdays, ahead)
            prefetch(c_idle_adults, ahead)
            if last_person >= 0:
                pa = np.uint64(min(to_int(c_first[i]) + PREFETCH_PERSONS, last_person))
                prefetch(p_age, pa)
                prefetch(p_birth, pa)
                prefetch(p_dis, pa)
                prefetch(p_grade, pa)
                prefetch(p_ill, pa)
                prefetch(p_care, pa)
                prefetch(p_works, pa)
        is_urban = c_urban[i]
        # ------------------------------------------------------------- life events
        # income growth, one demographic or health event at most (competing risks on one
        # draw), job loss or gain
        c_income_wage[i] = _r32(c_income_wage[i] * b.growth32)
        c_income_farm[i] = _r32(c_income_farm[i] * b.growth32)
        sz = to_int(c_size[i])
        size_before = sz  # a birth or a death revises the dibao amount (benefits below)
        f0 = to_int(c_first[i])
        # ageing: members born in this calendar month are one year older
        changed = False
        # the members' rule results of last month stand unless a member or a rule changes:
        # a birthday at the tekun minor limit or the elderly age, any life event below
        valid = c_tests_valid[i] and not fresh
        if (to_int(c_birthdays[i]) >> b.month) & 1:
            for k in range(f0, f0 + sz):
                if p_birth[k] == b.month and p_age[k] < AGE_MAX:
                    a = to_int(p_age[k]) + 1
                    p_age[k] = a
                    changed = changed or members.starts_band(a)
                    if a == r.minor_age_limit or a == r.elderly_age:
                        valid = False
        idle = -1 if changed else to_int(c_idle_adults[i])
        if changed:
            _recount(h, i, f0, sz)
        if sz > 0:
            uh = float(u[1, j])
            # a draw at or above the bound of the household's summed hazards falls in none of
            # their intervals (most households): no event, without the cumulation
            event = -1
            if uh < hazard_bound * sz:
                n60, n18 = to_int(c_n_60p[i]), to_int(c_n_18_59[i])
                ill, dis = to_int(c_n_ill[i]), to_int(c_n_disabled_severe[i])
                room = sz < MAX_BIRTH_SIZE and sz < to_int(c_slots[i])
                # the first interval [lo, hi) of the cumulated float32 hazards that holds the draw
                hi = _r32(b.death_old32 * n60)
                event = 0
                if not uh < hi:
                    hi = _r32(hi + _r32(b.death_young32 * (sz - n60)))
                    event = 1
                if event == 1 and not uh < hi:
                    hi = _r32(hi + (_r32(b.birth32 * n18) if room else 0.0))
                    event = 2
                if event == 2 and not uh < hi:
                    hi = _r32(hi + _r32(b.ill_on32 * (sz - ill)))
                    event = 3
                if event == 3 and not uh < hi:
                    hi = _r32(hi + _r32(b.ill_off32 * ill))
                    event = 4
                if event == 4 and not uh < hi:
                    hi = _r32(hi + _r32(b.disabled32 * (sz - dis)))
                    event = 5
                if event == 5 and not uh < hi:
                    event = -1
            if event == 0 or event == 1:
                # one member dies: transfers fall pro rata, their wage, medical and disability
                # spending go; an empty household loses its money
                k = members.dying_member(f0, sz, p_age, event == 0)
                share_left = _r32((sz - 1) / sz) if sz > 1 else 0.0
                c_income_transfer[i] = _r32(c_income_transfer[i] * share_left)
                w = to_int(c_n_workers[i])
                if p_works[k] and w > 0:
                    c_income_wage[i] = _r32(c_income_wage[i] * _r32((w - 1) / w))
                if p_ill[k]:
                    c_exp_medical[i] = max(_r32(c_exp_medical[i] - b.medical_cost32), 0.0)
                if members.is_severe(to_int(p_dis[k]), to_int(p_grade[k])):
                    c_exp_disability[i] = max(_r32(c_exp_disability[i] - b.disability_cost32), 0.0)
                last = f0 + sz - 1
                p_age[k] = p_age[last]
                p_birth[k] = p_birth[last]
                p_dis[k] = p_dis[last]
                p_grade[k] = p_grade[last]
                p_ill[k] = p_ill[last]
                p_care[k] = p_care[last]
                p_works[k] = p_works[last]
                sz -= 1
                c_size[i] = sz
                if sz == 0:
                    c_income_wage[i] = 0.0
                    c_income_farm[i] = 0.0
                    c_income_transfer[i] = 0.0
                    c_exp_medical[i] = 0.0
                    c_exp_schooling[i] = 0.0
                    c_exp_disability[i] = 0.0
                    c_assets[i] = 0.0
            elif event == 2:
                k = f0 + sz  # a free slot of the household
                p_age[k] = 0
                p_birth[k] = b.month
                c_birthdays[i] = to_int(c_birthdays[i]) | (1 << b.month)
                p_dis[k] = NO_DISABILITY
                p_grade[k] = 0
                p_ill[k] = False
                p_care[k] = ABLE
                p_works[k] = False
                sz += 1
                c_size[i] = sz
            elif event == 3:
                p_ill[members.first_ill(f0, sz, p_ill, False)] = True
                c_exp_medical[i] = _r32(c_exp_medical[i] + b.medical_cost32)
            elif event == 4:
                p_ill[members.first_ill(f0, sz, p_ill, True)] = False
                c_exp_medical[i] = max(_r32(c_exp_medical[i] - b.medical_cost32), 0.0)
            elif event == 5:
                k = members.first_not_severe(f0, sz, p_dis, p_grade)
                if p_dis[k] == NO_DISABILITY:
                    p_dis[k] = OTHER_DISABILITY
                p_grade[k] = SEVERE_GRADE_TOP
                c_exp_disability[i] = _r32(c_exp_disability[i] + b.disability_cost32)
            if event >= 0:
                _recount(h, i, f0, sz)
                valid = False
                idle = -1
        msjg = to_int(c_months_since_job_gain[i]) + 1
        if msjg > MAX_JOB_GAIN_MONTHS:
            msjg = MAX_JOB_GAIN_MONTHS
        # work: job loss (one worker) or gain (one idle adult aged 18-59), competing on one draw
        w = to_int(c_n_workers[i])
        p_loss = _r32(b.job_loss32 * w)
        gain = b.job_gain_urban32 if is_urban else b.job_gain_rural32
        uw = float(u[0, j])
        # idle adults are at most n_18_59: count them only when the draw may be a gain
        p_gain = 0.0
        if uw >= p_loss and uw < _r32(p_loss + _r32(gain * to_int(c_n_18_59[i]))):
            if idle < 0:
                idle = members.idle_adults(f0, sz, p_age, p_works)
            p_gain = _r32(gain * idle)
        if uw < p_loss:
            per_worker = _r32(c_income_wage[i] / w)
            c_income_wage[i] = max(_r32(c_income_wage[i] - per_worker), 0.0)
            p_works[members.first_worker(f0, sz, p_works)] = False
            c_n_workers[i] = w - 1
            idle = -1
        elif uw < _r32(p_loss + p_gain):
            if w > 0:
                per_worker = _r32(c_income_wage[i] / w)
            else:
                per_worker = b.new_wage_urban32 if is_urban else b.new_wage_rural32
            c_income_wage[i] = _r32(c_income_wage[i] + per_worker)
            p_works[members.first_idle_adult(f0, sz, p_age, p_works)] = True
            c_n_workers[i] = w + 1
            idle = -1
            msjg = 0
        c_months_since_job_gain[i] = msjg
        c_idle_adults[i] = idle
        # ------------------------------------------------------------- assessment
        # the rules on assessed income (decisions) and on true income (checks)
        shocked = c_shock_left[i] > 0
        shock_event = to_int(c_shock_event[i])
        keep = b.shock_keep32 if shocked else 1.0
        admin_factor = _r32(c_factor[i] * keep)
        sz = to_int(c_size[i])
        alive = sz > 0
        size_f = float(sz)
        std, assets_ok = asm.standard_and_assets(r, is_urban, sz, float(c_assets[i]))
        if valid:
            able = to_int(c_tests_able[i])
            candidates = to_int(c_tests_candidates[i])
            category = to_int(c_tests_category[i])
        else:
            able, candidates, category = asm.member_tests(r, f0, sz, p_age, p_dis, p_grade, p_ill)
            c_tests_able[i] = able
            c_tests_candidates[i] = candidates
            c_tests_category[i] = category
            c_tests_valid[i] = True
        wage, farm = float(c_income_wage[i]), float(c_income_farm[i])
        transfer = float(c_income_transfer[i])
        medical, schooling = float(c_exp_medical[i]), float(c_exp_schooling[i])
        disability = float(c_exp_disability[i])
        pci = asm.scaled_per_capita_income(
            r, admin_factor, wage, farm, transfer, medical, schooling, disability, sz
        )
        pci_true = asm.scaled_per_capita_income(
            r, keep, wage, farm, transfer, medical, schooling, disability, sz
        )
        workers, supporter = to_int(c_n_workers[i]), bool(c_has_supporter[i])
        tk, whole, edge, n_single = asm.eligibility(
            r, pci, std, assets_ok, able, workers, supporter, sz, candidates
        )
        tk_t, whole_t, _edge_t, n_single_t = asm.eligibility(
            r, pci_true, std, assets_ok, able, workers, supporter, sz, candidates
        )
        # ------------------------------------------------------------- applications
        ua = float(u[2, j])
        prog = to_int(c_programme[i])
        pending = to_int(c_pending_months[i])
        # categorical targeting (behaviour.take_up.split_persons): a whole-eligible household
        # may have only its priority members covered (单人保 / 分户, programme DIBAO_SINGLE)
        n_prio = 0
        if whole and not tk and (pending == 0 or prog == DIBAO_SINGLE):
            n_prio = take_up.priority_count(f0, sz, p_age, p_dis, p_grade, p_ill)
        if prog == DIBAO_SINGLE and whole and not tk:
            n_single = n_prio if n_prio > 0 else candidates
        restandard = b.standard_changed_urban if is_urban else b.standard_changed_rural
        revise = pending == 0 or shock_event != 0 or sz != size_before or restandard
        if pending == 0:
            if tk:
                lvl = to_int(c_care_level[i])
                if lvl <= tekun.ABLE:
                    share = b.institution_able32
                elif lvl == tekun.PARTLY:
                    share = b.institution_partly32
                else:
                    share = b.institution_unable32
                # places for all who are willing (S3 二(二))
                prog = tekun.care_mode(ua < share, True)
            elif whole:
                split = take_up.split_persons(is_urban, whole, tk, n_prio, sz, ua, b.split_rural)
                prog = DIBAO_SINGLE if split > 0 else DIBAO
                n_single = split if split > 0 else n_single
            elif n_single > 0:
                prog = DIBAO_SINGLE
            pending = -1
        elif pending > 0:
            pending -= 1
        if prog == NONE and pending < 0 and alive and (whole or n_single > 0 or tk):
            if shocked:
                pending = 0  # urgent: decided at once (S4 四(十))
            elif ua < b.apply32:
                prio = take_up.priority_member(
                    to_int(c_n_60p[i]), to_int(c_n_disabled_severe[i]), to_int(c_n_ill[i])
                )
                p_take = _take_up_probability(b, is_urban, tk, whole, sz, std, prio)
                if float(c_propensity[i]) < p_take:
                    pending = b.delay
        c_pending_months[i] = pending
        # ------------------------------------------------------------- reviews
        left = to_int(c_exit_months_left[i])
        if prog == NONE:
            left = 0
        else:
            ur = float(u[3, j])
            # a review is due when a shock ends (behaviour.shocks)
            reviewed = ur < b.review32 or shock_event == SHOCK_ENDED
            revise = revise or reviewed
            caught = (not reviewed) and ur < b.caught32
            if prog == DIBAO_SINGLE:
                still = n_single > 0 or tk
                truly = n_single_t > 0 or tk_t or whole_t
            else:
                still = whole or tk
                truly = whole_t or tk_t
            in_exit = left > 0
            by_work = msjg <= JOB_GAIN_WINDOW and ur < b.by_work32
            start = reviewed and dibao.gradual_exit_start(prog == DIBAO, still, by_work, left)
            new_left = dibao.gradual_exit_months_left(r, left, start, still)
            left = new_left
            if prog in (DIBAO, DIBAO_SINGLE):
                ended = in_exit and new_left == 0 and not still
                exit_now = (
                    (not in_exit)
                    and (not start)
                    and ((reviewed and not still) or (caught and not truly))
                )
                out = exit_now or ended or not alive
            else:
                out = (reviewed and not tk and not whole) or not alive
            if out:
                prog = NONE
                left = 0
                c_last_benefit[i] = 0.0
        c_programme[i] = prog
        c_exit_months_left[i] = left
        # ------------------------------------------------------------- temporary_assistance
        ut = float(u[4, j])
        low = edge or whole or prog != NONE
        # a shock is a crisis in the month it hits the household (behaviour.shocks)
        crisis = low and (ut < b.incidence32 or shock_event == SHOCK_HIT) and alive
        temp_amount = 0.0
        if crisis:
            v = _r32(ut / b.incidence_div32)
            if shock_event == SHOCK_HIT:
                kind, severity = temporary.URGENT, temporary.MAJOR
            else:
                kind = temporary.URGENT if v < b.urgent32 else temporary.EXPENDITURE
                severity = temporary.SEVERE if v < b.severe32 else temporary.MODERATE
            # urgent cases cover one month of difficulty; expenditure cases (illness,
            # schooling) the longest duration counted (ASSUMED)
            months = temporary.case_months(r, kind)
            temp_amount = asm.temporary_amount(r, kind, severity, sz, months)
        # ------------------------------------------------------------- benefits
        # the amount is set at a decision and revised at a review, a shock or a change of
        # members; between them last month's amount is paid (assessment.dibao_benefit_held)
        dibao_paid = asm.dibao_benefit_held(
            r, prog, is_urban, left, float(c_last_benefit[i]), revise, pci, std, sz, category,
            candidates, n_single,
        )  # fmt: skip
        persons = asm.covered_persons(prog, sz, n_single)
        c_last_benefit[i] = _r32(dibao_paid)
        c_covered_persons[i] = persons
        # the members' care subsidy only where it is paid (an inlined call with an array
        # argument costs a reference count, so it is made for tekun households only)
        members_care = tekun.care_subsidy(r, f0, sz, p_care) if prog >= TEKUN_DISPERSED else 0.0
        tekun_basic, tekun_care, price, one_time = asm.payments(
            r, prog, is_urban, edge, sz, persons, members_care
        )
        # ------------------------------------------------------------- county sums
        wt = float(c_weight[i])
        s_money[0] += wt * dibao_paid
        if is_urban:
            s_dibao_urban += wt * dibao_paid
        s_money[1] += wt * tekun_basic
        s_money[2] += wt * tekun_care
        s_money[3] += wt * temp_amount
        s_money[4] += wt * price
        s_money[5] += wt * one_time
        if keep_money:
            money[i, 0] = dibao_paid
            money[i, 1] = tekun_basic
            money[i, 2] = tekun_care
            money[i, 3] = temp_amount
            money[i, 4] = price
            money[i, 5] = one_time
        if prog != NONE:
            s_on_programme += wt
            s_asked += wt * services.dependants(prog, f0, sz, p_care)
        # record: caseload groups, flows, targeting, population
        edge_now = edge and prog == NONE
        c_edge[i] = edge_now
        code = group_code(prog, left, is_urban, edge_now)
        prev = to_int(c_prev_code[i])
        if code != NO_GROUP:
            s_cases[code] += wt
            s_persons[code] += wt * (size_f if code == EDGE_GROUP else float(persons))
        if code != prev:
            if code != NO_GROUP:
                s_entries[code] += wt
            if prev != NO_GROUP:
                s_exits[prev] += wt
        c_prev_code[i] = code
        was_temp = c_temp_case[i]
        if crisis:
            s_cases[TEMPORARY_GROUP] += wt
            s_persons[TEMPORARY_GROUP] += wt * size_f
            if not was_temp:
                s_entries[TEMPORARY_GROUP] += wt
        elif was_temp:
            s_exits[TEMPORARY_GROUP] += wt
        c_temp_case[i] = crisis
        if whole_t or n_single_t > 0:
            s_eligible += wt
            if prog in (DIBAO, DIBAO_SINGLE):
                s_covered += wt
        elif (prog in (DIBAO, DIBAO_SINGLE)) and left == 0:
            s_ineligible_covered += wt
        if alive:
            s_population_households += wt
        s_population_persons += wt * size_f
        # the monitored population (safetynet.monitoring) on the state the month leaves
        if alive:
            if c_tuopin[i]:
                s_monitored[0] += wt
            if prog == NONE:
                at_risk = bool(c_tuopin[i]) and pci < b.tuopin_line_month
                if at_risk:
                    s_monitored[1] += wt
                    s_monitored[2] += wt * sz
                if at_risk or edge_now:
                    s_monitored[3] += wt
                    s_monitored[4] += wt * sz
    sums.money[pos] = s_money
    sums.cases[pos] = s_cases
    sums.persons[pos] = s_persons
    sums.entries[pos] = s_entries
    sums.exits[pos] = s_exits
    sums.monitored[pos] = s_monitored
    sums.asked[pos] = s_asked
    sums.on_programme[pos] = s_on_programme
    sums.eligible[pos] = s_eligible
    sums.covered[pos] = s_covered
    sums.ineligible_covered[pos] = s_ineligible_covered
    sums.population_households[pos] = s_population_households
    sums.population_persons[pos] = s_population_persons
    sums.dibao_urban[pos] = s_dibao_urban


@rule
def _recount(h: Columns, i: Any, first: int, size: int) -> None:
    """Household ``i``'s count columns again from its members (after they changed)."""
    c = members.member_counts(
        first, size, h.age, h.disability, h.disability_grade, h.ill, h.person_care_level, h.works
    )
    h.n_0_15[i] = c[0]
    h.n_16_17[i] = c[1]
    h.n_18_59[i] = c[2]
    h.n_60p[i] = c[3]
    h.n_65p[i] = c[4]
    h.n_workers[i] = c[5]
    h.n_disabled_severe[i] = c[6]
    h.n_disabled_mental[i] = c[7]
    h.n_ill[i] = c[8]
    h.care_level[i] = c[9]


@rule
def group_code(programme: int, exit_months_left: int, urban: bool, edge: bool) -> int:
    """Caseload group of a household (index into constants.GROUPS; NO_GROUP for none)."""
    if programme in (DIBAO, DIBAO_SINGLE):
        if exit_months_left != 0:
            return GRADUAL_EXIT_GROUP
        if urban:
            return 0 if programme == DIBAO else 1
        return 2 if programme == DIBAO else 3
    if programme == TEKUN_DISPERSED:
        return TEKUN_DISPERSED_GROUP
    if programme == TEKUN_INSTITUTIONAL:
        return TEKUN_INSTITUTIONAL_GROUP
    if edge:
        return EDGE_GROUP
    return NO_GROUP


@rule
def group_codes(programme: Any, exit_months_left: Any, urban: Any, edge: Any, out: Any) -> None:
    """:func:`group_code` of every household, into ``out``."""
    for i in range(programme.shape[0]):
        out[i] = group_code(
            to_int(programme[i]), to_int(exit_months_left[i]), bool(urban[i]), bool(edge[i])
        )
