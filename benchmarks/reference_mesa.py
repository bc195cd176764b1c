"""Per-household Mesa reference implementation of the monthly step (oracle and speed anchor).

The vectorised engine (``safetynet.model.SafetyNetModel``) keeps households as numpy columns
and one Mesa agent per county. This module is the textbook Mesa alternative: one
``HouseholdAgent(mesa.Agent)`` per household holding its own state as Python scalars, and a
``step()`` that runs the month's phases for that one household with plain ``if``/``else`` and
scalar arithmetic. County-level parts (prices and the trigger, the services cap, recording) live
in ``ReferenceCounty`` agents that aggregate their households.

The household rules are not copied here: every household calls the same rule functions and
their one composition (:mod:`safetynet.assessment`) as the engine, in their plain-Python form
(:func:`safetynet.rules.compiled.plain`), with the county's ``RuleParams`` of the month. What this
module writes again, independently of the compiled loop, is the behaviour (life events, take-up,
reviews, crises), the county level and the bookkeeping; so the oracle checks those, and that
the engine calls the rules with the right inputs in the right order.

It is fed the same inputs and the same random draws as the engine: each county agent draws the
month's uniforms from ``safetynet.streams.stream(seed, purpose, county, replicate)`` in
``model.DRAW_PURPOSES`` order (and the shock draws from the ``shocks`` stream when a shock
starts) and hands every household its element. Where the engine computes in float32 (money
columns, hazards, draws compared with float32 thresholds) the reference rounds to float32 at
the same points (:func:`f32`), so on the same inputs the two agree household by household.
See docs/benchmarks.md for what is compared and with which tolerance.

Usage::

    inputs = prepare(spec, params)           # population + initial state + CPI path + shocks
    ref = inputs.reference()                 # ReferenceModel (copies the households)
    ref.run()
    ref.arrays                               # county × month aggregates, as Recorder.arrays
    ref.state()                              # household state in row order (numpy columns)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import struct
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import mesa
import numpy as np
from safetynet import assessment, outputs, refdata
from safetynet.behaviour import initial, support
from safetynet.behaviour.initial import initial_state
from safetynet.behaviour.shocks import ENDED, HIT, HIT_COVERED, covered
from safetynet.constants import (
    ABLE,
    AGE_MAX,
    BAND_16_17_HIGH,
    BAND_16_17_LOW,
    BAND_60_LOW,
    BAND_65_LOW,
    DIBAO,
    DIBAO_SINGLE,
    DRAW_PURPOSES,
    JOB_GAIN_WINDOW,
    MAX_JOB_GAIN_MONTHS,
    MENTAL_DISABILITY,
    MENTAL_GRADE_TOP,
    MONEY_LINES,
    NO_DISABILITY,
    NONE,
    OTHER_DISABILITY,
    SEVERE_GRADE_TOP,
    TEKUN_DISPERSED,
    TEKUN_INSTITUTIONAL,
)
from safetynet.cpi_path import CpiPath
from safetynet.household_month import MAX_BIRTH_SIZE
from safetynet.model import SafetyNetModel, ShockEvent
from safetynet.params import ParameterSet, load_parameters
from safetynet.population import generate
from safetynet.rules import dibao, price_subsidy, services, tekun, temporary
from safetynet.rules.compiled import plain
from safetynet.rules.parameters import RECORDED, MonthParameters, RuleParams, month_parameters
from safetynet.schema import COLUMN_BY_NAME, COLUMNS, PERSON_COLUMN_BY_NAME, Households
from safetynet.simulation import RunSpec, replicate_setup
from safetynet.streams import stream
from scipy import special

# the rules and their composition in plain Python (no compiled code runs in the reference)
household_tests = plain(assessment.household_tests)
per_capita_income = plain(assessment.per_capita_income)
support_at_risk = plain(support.at_risk)
eligibility = plain(assessment.eligibility)
covered_persons = plain(assessment.covered_persons)
dibao_benefit_held = plain(assessment.dibao_benefit_held)
payments = plain(assessment.payments)
care_subsidy = plain(tekun.care_subsidy)
temporary_amount = plain(assessment.temporary_amount)
case_months = plain(temporary.case_months)
whole_household_benefit = plain(dibao.whole_household_benefit)
single_person_benefit = plain(dibao.single_person_benefit)
gradual_exit_start = plain(dibao.gradual_exit_start)
gradual_exit_months_left = plain(dibao.gradual_exit_months_left)
care_mode = plain(tekun.care_mode)
dependants = plain(services.dependants)

_F32 = struct.Struct("<f")
#: ages at which a member moves to another count column
_BAND_STARTS = (BAND_16_17_LOW, BAND_16_17_HIGH + 1, BAND_60_LOW, BAND_65_LOW)
#: the member lists of a HouseholdAgent
_MEMBER_LISTS = ("age", "birth_month", "disability", "disability_grade", "ill", "member_care",
                 "works")  # fmt: skip
#: person-table column -> HouseholdAgent member list (compared by the oracle)
_MEMBER_STATE = dict(zip(("age", "birth_month", "disability", "disability_grade", "ill",
                          "care_level", "works"), _MEMBER_LISTS, strict=True))  # fmt: skip


def _severe(disability: int, grade: int) -> bool:
    """Grade 1–2 disability of any kind (n_disabled_severe)."""
    return disability != NO_DISABILITY and 1 <= grade <= SEVERE_GRADE_TOP


def f32(x: float) -> float:
    """``x`` rounded to the nearest float32 (as the engine stores it), as a Python float."""
    return float(_F32.unpack(_F32.pack(x))[0])


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def _expit(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


# ---------------------------------------------------------------------------- month rules


@dataclass(frozen=True)
class MonthRules:
    """The month's parameters as Python scalars, read once by the model from ``params.at``.

    Values the engine uses as float32 are stored rounded to float32 (names ending in ``32``).
    Per-county tables are lists indexed by county-table position.
    """

    date: dt.date
    growth32: float  # monthly wage/farm growth factor
    hazards32: tuple[float, ...]  # death 60+, death <60, birth, illness on/off, disability
    medical_cost32: float
    disability_cost32: float
    job_loss32: float
    shock_keep32: float  # share of wage/farm income kept while a shock lasts
    # household rules: the month's RuleParams of every county (by county-table position)
    rules: MonthParameters
    # take-up and assessment error (calibrated.*, behaviour.*)
    takeup: initial.TakeUp
    cut32: tuple[float, float]  # rural, urban
    noise32: tuple[float, float]
    elasticity: float
    discovery: float
    apply32: float
    delay: int
    support_loss32: float  # behaviour.support_loss_rate
    institution32: tuple[float, float, float]
    review32: float
    caught32: float
    by_work32: float
    # temporary assistance
    incidence32: float
    incidence_div32: float
    urgent32: float
    severe32: float
    std_urban: list[float]  # dibao standards (take-up responds to their change)
    std_rural: list[float]


def month_rules(params: ParameterSet, date: dt.date) -> MonthRules:
    """Read the parameters in force at ``date`` into a :class:`MonthRules`."""
    p = params.at(date)
    b, d = p.behaviour, p.dibao
    growth = float((1.0 + b.wage_growth_annual) ** (1.0 / 12.0))
    t = initial.takeup_params(p)
    shares = np.clip([t.undetected_rural, t.undetected_urban], 0.0, 1.0)
    cut = special.ndtri(shares).astype(np.float32)
    review32 = f32(1.0 / float(b.review_interval_months))
    inst = b.tekun_institution_share
    return MonthRules(
        date=date,
        growth32=f32(growth),
        hazards32=(
            f32(b.mortality_60p),
            f32(b.mortality_under60),
            f32(b.birth_rate),
            f32(b.illness_onset_rate),
            f32(b.illness_recovery_rate),
            f32(b.disability_onset_rate),
        ),
        medical_cost32=f32(b.illness_medical_cost),
        disability_cost32=f32(b.disability_cost),
        job_loss32=f32(b.job_loss_rate),
        shock_keep32=f32(1.0 - b.shock_income_loss),
        rules=month_parameters(params, date),
        takeup=t,
        cut32=(float(cut[0]), float(cut[1])),
        noise32=(f32(t.noise_rural), f32(t.noise_urban)),
        elasticity=float(b.take_up_benefit_elasticity),
        discovery=float(b.discovery_rate),
        apply32=f32(b.application_rate),
        delay=int(b.processing_delay_months),
        support_loss32=f32(b.support_loss_rate),
        institution32=(f32(inst["able"]), f32(inst["partly"]), f32(inst["unable"])),
        review32=review32,
        caught32=f32(review32 + f32(b.inclusion_detection_rate)),
        by_work32=f32(review32 * f32(b.gradual_exit_share_work)),
        incidence32=f32(b.temporary_incidence),
        incidence_div32=f32(max(float(b.temporary_incidence), 1e-9)),
        urgent32=f32(b.temporary_urgent_share),
        severe32=f32(b.temporary_severe_share),
        std_urban=d.standard.urban.tolist(),
        std_rural=d.standard.rural.tolist(),
    )


# ---------------------------------------------------------------------------- household


class Assessed:
    """What the rules say about one household this month (scalars)."""

    __slots__ = (
        "candidates",
        "category",
        "edge",
        "per_capita",
        "single_persons",
        "standard",
        "tekun",
        "whole",
    )

    def __init__(
        self,
        standard: float,
        per_capita: float,
        category: int,
        candidates: int,
        tekun: bool,
        whole: bool,
        edge: bool,
        single_persons: int,
    ) -> None:
        self.standard = standard
        self.per_capita = per_capita
        self.category = category
        self.candidates = candidates
        self.tekun = tekun
        self.whole = whole
        self.edge = edge
        self.single_persons = single_persons


class HouseholdAgent(mesa.Agent):  # type: ignore[misc]
    """One household: its columns as Python scalars and one month of every phase in ``step``."""

    def __init__(
        self,
        model: ReferenceModel,
        county: ReferenceCounty,
        values: dict[str, Any],
        people: dict[str, list[Any]],
    ) -> None:
        super().__init__(model)
        self.county_agent = county
        for name in COLUMNS:
            setattr(self, name, values[name])
        # the members, one list element per member (person-table columns)
        self.age: list[int] = people["age"]
        self.birth_month: list[int] = people["birth_month"]
        self.disability: list[int] = people["disability"]
        self.disability_grade: list[int] = people["disability_grade"]
        self.ill: list[bool] = people["ill"]
        self.member_care: list[int] = people["care_level"]
        self.works: list[bool] = people["works"]
        # engine-side state (SafetyNetModel attributes)
        self.shock_left = 0
        self.shock_new = 0  # months of a shock that hits this month (set by the county)
        self.shock_hit = False  # the shock hit this month (behaviour.shocks.HIT)
        self.shock_hit_covered = False  # ... while covered (behaviour.shocks.HIT_COVERED)
        self.shock_ended = False  # the shock ran out this month (behaviour.shocks.ENDED)
        self.revise = False  # the dibao amount is recomputed this month
        self.last_benefit = 0.0
        self.months_since_job_gain = MAX_JOB_GAIN_MONTHS
        self.temp_case = False
        self.temp_amount = 0.0
        self.standard_at_start = 0.0
        self.factor_rules: initial.TakeUp | None = None
        self.assess_factor32 = 1.0
        # this month's draws, handed out by the county agent
        self.u_work = self.u_health = self.u_apply = self.u_review = self.u_temporary = 0.0
        # this month's results, read by the county's services and record phases
        self.money: tuple[float, ...] = (0.0,) * len(MONEY_LINES)
        self.persons_now = 0
        self.edge_now = False
        self.pci_seen = 0.0
        self.truly_eligible = False
        self.groups = 0  # bit mask of outputs.GROUPS

    # ------------------------------------------------------------------ the month
    def priority_members(self) -> int:
        """Members 60+, with a grade 1-2 disability or seriously ill (categorical targeting)."""
        return sum(
            a >= BAND_60_LOW or _severe(d, g) or bool(i)
            for a, d, g, i in zip(
                self.age, self.disability, self.disability_grade, self.ill, strict=True
            )
        )

    def step(self) -> None:
        m: MonthRules = self.model.rules
        r: RuleParams = self.county_agent.rules
        size_before = self.size
        self.life_events(m)
        self.apply_shock()
        keep = m.shock_keep32 if self.shock_left > 0 else 1.0
        a = self.assess(r, f32(self.assessment_factor(m) * keep))
        truth = self.assess(r, keep)
        if self.programme == DIBAO_SINGLE and a.whole and not a.tekun:
            # categorical targeting: a split case covers its priority members
            n_prio = self.priority_members()
            a.single_persons = n_prio if n_prio > 0 else a.candidates
        # the dibao amount is revised at a decision, a shock event, a change of members or a
        # review (assessment.dibao_benefit_held)
        shock = self.shock_hit or self.shock_hit_covered or self.shock_ended
        restandard = self.county_agent.restandard[self.urban]
        self.revise = self.pending_months == 0 or shock or self.size != size_before or restandard
        self.applications(m, a)
        self.reviews(m, r, a, truth)
        self.temporary_assistance(m, r, a)
        self.benefits(r, a)
        self.truly_eligible = truth.whole or truth.single_persons > 0
        self.edge_now = a.edge
        self.pci_seen = a.per_capita  # assessed income, for the monitored population

    # ------------------------------------------------------------------ life events
    def life_events(self, m: MonthRules) -> None:
        """Income growth, ageing, one demographic/health event at most, job loss or gain."""
        self.income_wage = f32(self.income_wage * m.growth32)
        self.income_farm = f32(self.income_farm * m.growth32)
        moved = False
        for k in range(self.size):
            if self.birth_month[k] == m.date.month and self.age[k] < AGE_MAX:
                self.age[k] += 1
                moved = moved or self.age[k] in _BAND_STARTS
        if moved:
            self.recount()
        if self.size > 0:
            self.demography_and_health(m)
        self.months_since_job_gain = min(self.months_since_job_gain + 1, MAX_JOB_GAIN_MONTHS)
        if self.work(m):
            self.months_since_job_gain = 0

    def recount(self) -> None:
        """The count columns from the members (schema: derived from the person table)."""
        ages = self.age
        self.n_0_15 = sum(a < BAND_16_17_LOW for a in ages)
        self.n_16_17 = sum(BAND_16_17_LOW <= a <= BAND_16_17_HIGH for a in ages)
        self.n_18_59 = sum(BAND_16_17_HIGH < a < BAND_60_LOW for a in ages)
        self.n_60p = sum(a >= BAND_60_LOW for a in ages)
        self.n_65p = sum(a >= BAND_65_LOW for a in ages)
        self.n_workers = sum(self.works)
        pairs = list(zip(self.disability, self.disability_grade, strict=True))
        self.n_disabled_severe = sum(_severe(d, g) for d, g in pairs)
        self.n_disabled_mental = sum(
            d == MENTAL_DISABILITY and SEVERE_GRADE_TOP < g <= MENTAL_GRADE_TOP for d, g in pairs
        )
        self.n_ill = sum(self.ill)
        self.care_level = max(self.member_care, default=0)

    def demography_and_health(self, m: MonthRules) -> None:
        """Competing risks on one draw: the first interval [lo, hi) that holds ``u_health``."""
        size, n60, n18 = self.size, self.n_60p, self.n_18_59
        ill, dis = self.n_ill, self.n_disabled_severe
        mort_old, mort_young, birth, ill_on, ill_off, disabled = m.hazards32
        room = size < MAX_BIRTH_SIZE and size < self.member_slots
        hazards = (
            f32(mort_old * n60),
            f32(mort_young * (size - n60)),
            f32(birth * n18) if room else 0.0,
            f32(ill_on * (size - ill)),
            f32(ill_off * ill),
            f32(disabled * (size - dis)),
        )
        u = self.u_health
        lo = 0.0
        event = -1
        for i, h in enumerate(hazards):
            hi = f32(lo + h)
            if lo <= u < hi:
                event = i
                break
            lo = hi
        if event < 0:
            return
        if event <= 1:
            self.die(old=event == 0, m=m)
        elif event == 2:  # a baby, born this month
            for name, v in (("age", 0), ("birth_month", m.date.month),
                            ("disability", NO_DISABILITY), ("disability_grade", 0),
                            ("ill", False), ("member_care", ABLE), ("works", False)):  # fmt: skip
                getattr(self, name).append(v)
            self.size += 1
        elif event == 3:
            self.ill[self.ill.index(False)] = True
            self.exp_medical = f32(self.exp_medical + m.medical_cost32)
        elif event == 4:
            self.ill[self.ill.index(True)] = False
            self.exp_medical = max(f32(self.exp_medical - m.medical_cost32), 0.0)
        else:
            k = next(
                j
                for j in range(self.size)
                if not _severe(self.disability[j], self.disability_grade[j])
            )
            if self.disability[k] == NO_DISABILITY:
                self.disability[k] = OTHER_DISABILITY
            self.disability_grade[k] = SEVERE_GRADE_TOP
            self.exp_disability = f32(self.exp_disability + m.disability_cost32)
        self.recount()

    def die(self, old: bool, m: MonthRules) -> None:
        """One member dies (the first aged 60+, or the first of 18–59, 16–17, 0–15):
        transfers fall pro rata, their wage, medical and disability spending go; the last
        member takes their place in the member order; an empty household loses its money."""
        size = self.size
        if old:
            bands = ((BAND_60_LOW, 127),)
        else:
            bands = ((BAND_16_17_HIGH + 1, BAND_60_LOW - 1), (BAND_16_17_LOW, BAND_16_17_HIGH),
                     (0, BAND_16_17_LOW - 1))  # fmt: skip
        k = next((j for lo, hi in bands for j in range(size) if lo <= self.age[j] <= hi), 0)
        share_left = f32((size - 1) / size) if size > 1 else 0.0
        self.income_transfer = f32(self.income_transfer * share_left)
        w = self.n_workers
        if self.works[k] and w > 0:
            self.income_wage = f32(self.income_wage * f32((w - 1) / w))
        if self.ill[k]:
            self.exp_medical = max(f32(self.exp_medical - m.medical_cost32), 0.0)
        if _severe(self.disability[k], self.disability_grade[k]):
            self.exp_disability = max(f32(self.exp_disability - m.disability_cost32), 0.0)
        for name in _MEMBER_LISTS:
            values = getattr(self, name)
            values[k] = values[-1]
            values.pop()
        self.size = size = size - 1
        if size == 0:
            self.income_wage = self.income_farm = self.income_transfer = 0.0
            self.exp_medical = self.exp_schooling = self.exp_disability = self.assets = 0.0

    def work(self, m: MonthRules) -> bool:
        """Job loss (the first worker) or gain (the first idle member aged 18–59); returns True
        on a gain."""
        w = self.n_workers
        idle = [
            j
            for j in range(self.size)
            if not self.works[j] and BAND_16_17_HIGH < self.age[j] < BAND_60_LOW
        ]
        p_loss = f32(m.job_loss32 * w)
        p_gain = f32(self.county_agent.job_gain_rate[self.urban] * len(idle))
        u = self.u_work
        if u < p_loss:
            per_worker = f32(self.income_wage / w)
            self.income_wage = max(f32(self.income_wage - per_worker), 0.0)
            self.works[self.works.index(True)] = False
            self.n_workers = w - 1
            return False
        if u < f32(p_loss + p_gain):
            if w > 0:
                per_worker = f32(self.income_wage / w)
            else:
                per_worker = self.county_agent.reference_wage[self.urban]
            self.income_wage = f32(self.income_wage + per_worker)
            self.works[idle[0]] = True
            self.n_workers = w + 1
            return True
        return False

    def apply_shock(self) -> None:
        self.shock_ended = self.shock_left == 1 and not self.shock_new
        # no urgent case for a household its programme covers (behaviour.shocks.covered)
        cover = bool(covered(self.programme, self.exit_months_left))
        self.shock_hit = bool(self.shock_new) and not cover
        self.shock_hit_covered = bool(self.shock_new) and cover
        self.shock_left = max(self.shock_left - 1, 0)
        if self.shock_new:
            self.shock_left = self.shock_new
            self.shock_new = 0

    # ------------------------------------------------------------------ assessment
    def assessment_factor(self, m: MonthRules) -> float:
        """Assessed / true wage and farm income (behaviour.initial.assessment_factor), float32.

        Constant while the calibrated parameters are; recomputed when they change.
        """
        if self.factor_rules is not m.takeup:
            z = self.assess_z
            if z < m.cut32[self.urban]:
                self.assess_factor32 = 0.0
            else:
                # numpy's float32 exp, as the engine computes it
                x = np.float32(f32(m.noise32[self.urban] * z))
                self.assess_factor32 = float(np.exp(x))
            self.factor_rules = m.takeup
        return self.assess_factor32

    def assess(self, r: RuleParams, factor32: float) -> Assessed:
        """The dibao and tekun rules on this household (their composition in
        safetynet.assessment, plain Python) on wage and farm income × ``factor32``."""
        size = self.size
        std, ok, able, candidates, category = household_tests(
            r,
            self.urban,
            size,
            0,
            self.age,
            self.disability,
            self.disability_grade,
            self.ill,
            self.assets,
        )
        pci = per_capita_income(
            r,
            f32(self.income_wage * factor32),
            f32(self.income_farm * factor32),
            self.income_transfer,
            self.exp_medical,
            self.exp_schooling,
            self.exp_disability,
            size,
        )
        tk, whole, edge, n_single = eligibility(
            r, pci, std, ok, able, self.n_workers, self.has_supporter, size, candidates
        )
        return Assessed(std, pci, category, candidates, tk, whole, edge, n_single)

    # ------------------------------------------------------------------ decisions
    def take_up_probability(self, m: MonthRules, a: Assessed) -> float:
        """Probability that this eligible household takes up (behaviour.take_up)."""
        t = m.takeup
        if a.tekun:
            base = t.tekun_urban if self.urban else t.tekun_rural
        else:
            members = self.size if a.whole else 1
            b0 = t.urban if self.urban else t.rural
            slope = t.size_slope if self.urban else t.size_slope_rural
            logit = _logit(min(max(b0, 1e-12), 1 - 1e-12))
            # categorical targeting: elderly 60+, grade 1-2 disability or serious illness
            priority = self.n_60p > 0 or self.n_disabled_severe > 0 or self.n_ill > 0
            shift = t.priority_shift if priority else 0.0
            base = _expit(logit + slope * (members - 1.0) + shift)
        logit = _logit(min(max(base, 1e-9), 1 - 1e-9))
        shift = m.elasticity * math.log(max(a.standard / self.standard_at_start, 1e-9))
        p = _expit(logit + shift)
        return 1.0 - (1.0 - p) * (1.0 - m.discovery)

    def applications(self, m: MonthRules, a: Assessed) -> None:
        """A pending case is decided when due; a willing eligible non-recipient applies."""
        u = self.u_apply
        pending = self.pending_months
        if pending == 0:
            if a.tekun:
                willing = u < m.institution32[min(max(self.care_level, 0), 2)]
                self.programme = care_mode(willing, True)  # places for all (S3 二(二))
            elif a.whole:
                n_prio = self.priority_members()
                split = not self.urban and 0 < n_prio < self.size and u < m.takeup.split_rural
                self.programme = DIBAO_SINGLE if split else DIBAO
                if split:
                    a.single_persons = n_prio
            elif a.single_persons > 0:
                self.programme = DIBAO_SINGLE
            pending = -1
        elif pending > 0:
            pending -= 1
        eligible = a.whole or a.single_persons > 0 or a.tekun
        if self.programme == NONE and pending < 0 and self.size > 0 and eligible:
            if self.shock_left > 0:
                pending = 0  # urgent: decided at once (S4 四(十))
            elif u < m.apply32 and self.propensity < self.take_up_probability(m, a):
                pending = m.delay
        self.pending_months = pending

    def reviews(self, m: MonthRules, r: RuleParams, a: Assessed, truth: Assessed) -> None:
        """Review, checks on inclusion errors, gradual exit, exits on death."""
        prog = self.programme
        if prog == NONE:
            self.exit_months_left = 0
            return
        u = self.u_review
        reviewed = u < m.review32 or self.shock_ended  # a review when a shock ends
        self.revise = self.revise or reviewed
        caught = not reviewed and u < m.caught32
        if prog == DIBAO_SINGLE:
            still = a.single_persons > 0 or a.tekun
            truly = truth.single_persons > 0 or truth.tekun or truth.whole
        else:
            still = a.whole or a.tekun
            truly = truth.whole or truth.tekun
        left = self.exit_months_left
        in_exit = left > 0
        by_work = self.months_since_job_gain <= JOB_GAIN_WINDOW and u < m.by_work32
        start = reviewed and gradual_exit_start(prog == DIBAO, still, by_work, left)
        new_left = gradual_exit_months_left(r, left, start, still)
        self.exit_months_left = new_left
        dead = self.size == 0
        if prog in (DIBAO, DIBAO_SINGLE):
            ended = in_exit and new_left == 0 and not still
            exit_now = (
                not in_exit and not start and ((reviewed and not still) or (caught and not truly))
            )
            out = exit_now or ended or dead
        else:
            out = (reviewed and not a.tekun and not a.whole) or dead
        if out:
            self.programme = NONE
            self.exit_months_left = 0
            self.last_benefit = 0.0

    def temporary_assistance(self, m: MonthRules, r: RuleParams, a: Assessed) -> None:
        """A crisis among low-income households and shock victims; amount by type and grade."""
        hit = self.shock_hit  # a crisis in the month the shock hits, not every month
        u = self.u_temporary
        low = a.edge or a.whole or self.programme != NONE
        self.temp_case = crisis = low and (u < m.incidence32 or hit) and self.size > 0
        if not crisis:
            self.temp_amount = 0.0
            return
        v = f32(u / m.incidence_div32)
        if hit:
            kind, severity = temporary.URGENT, temporary.MAJOR
        else:
            kind = temporary.URGENT if v < m.urgent32 else temporary.EXPENDITURE
            severity = temporary.SEVERE if v < m.severe32 else temporary.MODERATE
        months = case_months(r, kind)
        self.temp_amount = temporary_amount(r, kind, severity, self.size, months)

    def benefits(self, r: RuleParams, a: Assessed) -> None:
        """This month's payments to the household, yuan (one value per money line)."""
        prog = self.programme
        money = dibao_benefit_held(
            r,
            prog,
            self.urban,
            self.exit_months_left,
            self.last_benefit,
            self.revise,
            a.per_capita,
            a.standard,
            self.size,
            a.category,
            a.candidates,
            a.single_persons,
        )
        persons = covered_persons(prog, self.size, a.single_persons)
        self.last_benefit = f32(money)
        members_care = care_subsidy(r, 0, self.size, self.member_care)
        basic, care, price, once = payments(
            r, prog, self.urban, a.edge, self.size, persons, members_care
        )
        self.persons_now = persons
        self.covered_persons = persons
        self.money = (money, basic, care, self.temp_amount, price, once)

    # ------------------------------------------------------------------ groups
    def group_mask(self) -> int:
        """Bit i set when the household is in ``outputs.GROUPS[i]`` (Recorder.group_masks)."""
        prog = self.programme
        regular = self.exit_months_left == 0
        bits = 0
        if prog in (DIBAO, DIBAO_SINGLE):
            if not regular:
                bits |= 1 << 4
            elif self.urban:
                bits |= 1 << (0 if prog == DIBAO else 1)
            else:
                bits |= 1 << (2 if prog == DIBAO else 3)
        elif prog == TEKUN_DISPERSED:
            bits |= 1 << 5
        elif prog == TEKUN_INSTITUTIONAL:
            bits |= 1 << 6
        if self.edge and prog == NONE:
            bits |= 1 << 7
        if self.temp_case:
            bits |= 1 << 8
        return bits


# ---------------------------------------------------------------------------- county


class ReferenceCounty(mesa.Agent):  # type: ignore[misc]
    """One county: its random streams, prices, services cap and the recorded aggregates."""

    def __init__(self, model: ReferenceModel, index: int, position: int, prefecture: str) -> None:
        super().__init__(model)
        self.index = index  # position in refdata.counties()
        self.position = position  # position among the simulated counties
        self.prefecture = prefecture
        self.streams = {
            p: stream(model.seed, p, index, model.replicate)
            for p in (*DRAW_PURPOSES, "shocks", "support")
        }
        self.households: list[HouseholdAgent] = []
        self.assistance_ytd = 0.0
        self.services_ytd = 0.0
        self.reference_wage = [0.0, 0.0]  # rural, urban; yuan/month per new job
        self.job_gain_rate = [0.0, 0.0]  # rural, urban; float32 probability/month per idle adult
        self.rate_urban = self.rate_rural = 0.0
        self.rules: RuleParams | None = None
        self.restandard = [False, False]  # rural, urban: every running case reassessed
        self.trigger = False
        self.month_lines = [0.0] * len(MONEY_LINES)
        self.urban_dibao = 0.0
        self.bought = 0.0

    def new_year(self) -> None:
        self.assistance_ytd = 0.0
        self.services_ytd = 0.0

    def draw(self, shocks: Sequence[ShockEvent], date: dt.date, m: MonthRules) -> None:
        """Hand each household its uniforms for the month (and the shock hits, if any); the
        households that lose their supporter apply (behaviour.support)."""
        n = len(self.households)
        lose = self.streams["support"].random(n, dtype=np.float32).tolist()
        for hh, u in zip(self.households, lose, strict=True):
            at_risk = support_at_risk(
                hh.has_supporter, hh.n_workers, hh.n_60p, hh.n_disabled_severe, hh.size
            )
            if at_risk and m.support_loss32 > 0.0 and u < m.support_loss32:
                hh.has_supporter = False
                if hh.programme == NONE and hh.pending_months < 0:
                    hh.pending_months = m.delay
        for purpose in DRAW_PURPOSES:
            draws = self.streams[purpose].random(n, dtype=np.float32).tolist()
            attr = "u_" + purpose
            for hh, u in zip(self.households, draws, strict=True):
                setattr(hh, attr, u)
        for s in shocks:
            if s.start == date and self.index in s.county_indices:
                hits = self.streams["shocks"].random(n).tolist()
                for hh, u in zip(self.households, hits, strict=True):
                    if u < s.severity:
                        hh.shock_new = s.months

    def prices(self, m: MonthRules, params: Any, cpi: CpiPath, k: int) -> None:
        """Trigger and subsidy per person for this county (rules.price_subsidy, per county)."""
        p = params.price_subsidy
        prov_cpi = float(cpi.cpi_yoy_pct[k])
        prov_food = float(cpi.food_cpi_yoy_pct[k])
        food_by_pref = cpi.food_cpi_by_prefecture
        pref_food = (
            float(food_by_pref[self.prefecture][k])
            if self.prefecture in food_by_pref
            else prov_food
        )
        unit = str(p.activation_unit)
        if unit == "province":
            food = prov_food
        elif unit == "prefecture":
            food = prov_food if math.isnan(pref_food) else pref_food
        else:
            raise ValueError(f"price_subsidy.activation_unit: unknown {unit!r}")
        cpi_v = prov_cpi
        c_hit = cpi_v >= float(p.cpi_threshold_pct)
        f_hit = food >= float(p.food_cpi_threshold_pct)
        self.trigger = c_hit or f_hit
        rise = max(cpi_v if c_hit else 0.0, food if f_hit else 0.0, 0.0)
        # issue 16: a recorded historical activation (1 paid / 0 not) decides over the rule;
        # paid without a rule trigger -> the food CPI rise of the unit
        cal = cpi.activation_by_prefecture.get(self.prefecture)
        if cal is not None and not math.isnan(float(cal[k])):
            paid = float(cal[k]) > 0.5
            rise = (rise if rise > 0.0 else max(food, 0.0)) if paid else 0.0
            self.trigger = rise > 0.0

        def rate(std: float) -> float:
            if rise <= 0.0 or not self.trigger:
                return 0.0
            base = std * rise / 100.0 * float(p.rise_share)  # issue 16: amount share
            return max(base, float(p.min_payment)) * float(p.multiplier)

        self.rate_urban = rate(m.std_urban[self.index])
        self.rate_rural = rate(m.std_rural[self.index])
        # the household rules of the month for this county, with its price-subsidy rates
        before = self.rules
        self.rules = price_subsidy.with_rates(
            m.rules.county(self.index), self.rate_urban, self.rate_rural
        )
        # behaviour.standard_rise_reaches_running_cases: a changed standard reassesses every
        # running case of the area (none in the first month)
        reach = before is not None and bool(params.behaviour.standard_rise_reaches_running_cases)
        self.restandard = [
            reach and before is not None and before.standard_rural != self.rules.standard_rural,
            reach and before is not None and before.standard_urban != self.rules.standard_urban,
        ]
        growth = m.growth32
        self.reference_wage = [f32(w * growth) for w in self.reference_wage]

    def services(self, params: Any) -> tuple[float, float, float]:
        """Services bought under the year-to-date cap; returns (demand, cap, unmet), yuan."""
        s = params.services
        asked = 0.0
        on_programme = 0.0
        lines = [0.0] * len(MONEY_LINES)
        urban_dibao = 0.0
        for hh in self.households:
            w = hh.weight
            if hh.urban:
                urban_dibao += w * hh.money[0]
            if hh.programme != NONE:
                on_programme += w
                asked += w * dependants(hh.programme, 0, hh.size, hh.member_care)
            for i, v in enumerate(hh.money):
                lines[i] += w * v
        self.month_lines = lines
        self.urban_dibao = urban_dibao
        care = asked * float(params.behaviour.services_demand_share) * float(s.cost_per_dependant)
        demand = care + on_programme * float(s.casework_cost_per_household)
        month_other: float = 0
        for x in lines:
            month_other += x
        other_ytd = self.assistance_ytd + month_other
        c = float(s.cap_share)
        room = math.inf if c >= 1.0 else max(c / (1.0 - c) * other_ytd - self.services_ytd, 0.0)
        bought = min(max(demand, 0.0), room)
        self.assistance_ytd = other_ytd
        self.services_ytd += bought
        self.bought = bought
        return demand, room, max(demand - bought, 0.0)

    def record(self, arrays: dict[str, np.ndarray], t: int) -> None:
        """Weighted county aggregates of the month, summed household by household."""
        i = self.position
        n_groups = len(outputs.GROUPS)
        cases = [0.0] * n_groups
        persons = [0.0] * n_groups
        entries = [0.0] * n_groups
        exits = [0.0] * n_groups
        eligible = covered = inel = pop_h = pop_p = 0.0
        # the monitored population (safetynet.monitoring, written again household by household)
        line = float(self.model.params.at(self.model.date).monitoring.tuopin_risk_line) / 12.0
        tuopin_h = risk_h = risk_p = mon_h = mon_p = 0.0
        for hh in self.households:
            w = hh.weight
            hh.edge = hh.edge_now and hh.programme == NONE
            free = hh.size > 0 and hh.programme == NONE
            at_risk = free and bool(hh.tuopin) and hh.pci_seen < line
            if hh.size > 0 and hh.tuopin:
                tuopin_h += w
            if at_risk:
                risk_h += w
                risk_p += w * hh.size
            if at_risk or (hh.edge and free):
                mon_h += w
                mon_p += w * hh.size
            now = hh.group_mask()
            prev = hh.groups
            hh.groups = now
            on_dibao = hh.programme in (DIBAO, DIBAO_SINGLE)
            if now | prev:
                pp_prog = w * hh.persons_now
                pp_size = w * hh.size
                for g in range(n_groups):
                    bit = 1 << g
                    if now & bit:
                        cases[g] += w
                        persons[g] += pp_size if g >= 7 else pp_prog
                        if not prev & bit:
                            entries[g] += w
                    elif prev & bit:
                        exits[g] += w
            if hh.truly_eligible:
                eligible += w
                if on_dibao:
                    covered += w
            elif on_dibao and hh.exit_months_left == 0:
                inel += w
            if hh.size > 0:
                pop_h += w
            pop_p += w * hh.size
        arrays["cases_households"][i, t, :] = cases
        arrays["cases_persons"][i, t, :] = persons
        arrays["entries_households"][i, t, :] = entries
        arrays["exits_households"][i, t, :] = exits
        arrays["spending"][i, t, :] = [*self.month_lines, self.bought]
        arrays["eligible_households"][i, t] = eligible
        arrays["eligible_covered_households"][i, t] = covered
        arrays["ineligible_covered_households"][i, t] = inel
        arrays["population_households"][i, t] = pop_h
        arrays["population_persons"][i, t] = pop_p
        arrays["dibao_spending_urban"][i, t] = self.urban_dibao
        arrays["tuopin_households"][i, t] = tuopin_h
        arrays["tuopin_at_risk_households"][i, t] = risk_h
        arrays["tuopin_at_risk_persons"][i, t] = risk_p
        arrays["monitored_households"][i, t] = mon_h
        arrays["monitored_persons"][i, t] = mon_p


# ---------------------------------------------------------------------------- model


class ReferenceModel(mesa.Model):  # type: ignore[misc]
    """The province as one Mesa agent per household (same arguments as ``SafetyNetModel``)."""

    def __init__(
        self,
        households: Households,
        params: ParameterSet,
        months: Sequence[dt.date],
        cpi: CpiPath,
        county_index: np.ndarray,
        prefecture_of_county: np.ndarray,
        seed: int,
        replicate: int,
        shocks: Sequence[ShockEvent] = (),
    ) -> None:
        super().__init__(rng=np.random.default_rng([seed, replicate]))
        self.seed = seed
        self.replicate = replicate
        self.params = params
        self.months = list(months)
        self.cpi = cpi
        self.cpi_offset = int(
            (np.datetime64(self.months[0], "M") - cpi.months[0].astype("datetime64[M]")).astype(int)
        )
        self.shocks = list(shocks)
        self.t = 0
        self.n = households.n
        idx = [int(c) for c in county_index]
        self.counties = [
            ReferenceCounty(self, c, i, str(prefecture_of_county[i])) for i, c in enumerate(idx)
        ]
        by_index = {c.index: c for c in self.counties}
        columns = {name: households[name].tolist() for name in COLUMNS}
        people = {name: households.persons[name].tolist() for name in PERSON_COLUMN_BY_NAME}
        self.households: list[HouseholdAgent] = []
        rules0 = month_rules(params, self.months[0])
        self.rules = rules0
        for row in range(households.n):
            county = by_index[columns["county"][row]]
            f, size = columns["first_member"][row], columns["size"][row]
            own = {k: v[f : f + size] for k, v in people.items()}
            hh = HouseholdAgent(self, county, {k: v[row] for k, v in columns.items()}, own)
            std = rules0.std_urban if hh.urban else rules0.std_rural
            hh.standard_at_start = std[county.index]
            hh.groups = hh.group_mask()
            county.households.append(hh)
            self.households.append(hh)
        self._employment()
        shape = (len(idx), len(self.months))
        extra = {"group": (len(outputs.GROUPS),), "programme": (len(outputs.PROGRAMMES),)}
        self.arrays: dict[str, np.ndarray] = {
            v.name: np.zeros((*shape, *(x for d in v.extra_dims for x in extra[d])))
            for v in outputs.VARIABLES
        }

    def _employment(self) -> None:
        """Per county and residence at the start: the wage a new job pays (mean wage per
        worker, take_up.reference_wage_table) and the job-finding rate that keeps employment at
        its starting level (transitions.stationary_gain_table)."""
        n = len(self.counties)
        wage, workers, adults = [0.0] * (2 * n), [0.0] * (2 * n), [0.0] * (2 * n)
        for county in self.counties:
            for hh in county.households:
                key = 2 * county.position + hh.urban
                wage[key] += hh.weight * hh.income_wage
                workers[key] += hh.weight * hh.n_workers
                adults[key] += hh.weight * hh.n_18_59
        overall = float(np.sum(wage)) / max(float(np.sum(workers)), 1.0)
        loss = float(self.params.at(self.months[0]).behaviour.job_loss_rate)
        for county in self.counties:
            keys = (2 * county.position, 2 * county.position + 1)
            county.reference_wage = [
                f32(wage[k] / workers[k] if workers[k] > 0 else overall) for k in keys
            ]
            e0 = [min(max(workers[k] / max(adults[k], 1e-9), 0.0), 0.99) for k in keys]
            county.job_gain_rate = [f32(min(loss * e / (1.0 - e), 1.0)) for e in e0]

    @property
    def date(self) -> dt.date:
        return self.months[self.t]

    def step(self) -> None:
        """One month: counties draw and price, households step (any order), counties close."""
        date = self.date
        m = month_rules(self.params, date)
        if m.takeup == self.rules.takeup:  # keep the object: households cache their factor
            m = dataclasses.replace(m, takeup=self.rules.takeup)
        self.rules = m
        p = self.params.at(date)
        k = self.cpi_offset + self.t - int(p.price_subsidy.index_lag_months)
        for county in self.counties:
            if date.month == 1:
                county.new_year()
            county.draw(self.shocks, date, m)
            county.prices(m, p, self.cpi, k)
        self.agents_by_type[HouseholdAgent].shuffle_do("step")
        a = self.arrays
        t = self.t
        for county in self.counties:
            i = county.position
            demand, room, unmet = county.services(p)
            a["services_demand"][i, t] = demand
            a["services_cap"][i, t] = room
            a["services_unmet"][i, t] = unmet
            a["price_trigger"][i, t] = county.trigger
            a["price_subsidy_rate_urban"][i, t] = county.rate_urban
            a["price_subsidy_rate_rural"][i, t] = county.rate_rural
            a["floor_urban"][i, t] = p.dibao.floor_urban
            a["floor_rural"][i, t] = p.dibao.floor_rural
            for name in RECORDED:  # the standards: rule parameters recorded by field name
                a[name][i, t] = getattr(county.rules, name)
            county.record(a, t)
        a["budget_need"][:, t] = a["spending"][:, t, :].sum(axis=1)
        self.t += 1

    def run(self, progress: Callable[[int], None] | None = None) -> None:
        for _ in self.months:
            self.step()
            if progress is not None:
                progress(1)

    def state(self) -> dict[str, np.ndarray]:
        """Household state in row order: the schema columns and the engine's extra state."""
        hhs = self.households
        out = {
            name: np.array([getattr(h, name) for h in hhs], dtype=COLUMN_BY_NAME[name].np_dtype)
            for name in COLUMNS
        }
        out["shock_left"] = np.array([h.shock_left for h in hhs], dtype=np.int8)
        out["shock_event"] = np.array([_shock_code(h) for h in hhs], dtype=np.int8)
        out["last_benefit"] = np.array([h.last_benefit for h in hhs], dtype=np.float32)
        out["months_since_job_gain"] = np.array(
            [h.months_since_job_gain for h in hhs], dtype=np.int8
        )
        out["temp_case"] = np.array([h.temp_case for h in hhs], dtype=bool)
        for name, attr in _MEMBER_STATE.items():
            values = [v for h in hhs for v in getattr(h, attr)]
            out["member_" + name] = np.array(values, dtype=PERSON_COLUMN_BY_NAME[name].np_dtype)
        money = np.array([h.money for h in hhs], dtype=np.float64).reshape(len(hhs), -1)
        for i, name in enumerate(MONEY_LINES):
            out["money_" + name] = money[:, i]
        return out


def _shock_code(h: Any) -> int:
    """The engine's ``shock_event`` code of a reference household (behaviour.shocks)."""
    if h.shock_hit:
        return HIT
    if h.shock_hit_covered:
        return HIT_COVERED
    return ENDED if h.shock_ended else 0


def engine_state(model: SafetyNetModel) -> dict[str, np.ndarray]:
    """The engine's household state in the layout of :meth:`ReferenceModel.state`."""
    out = {name: model.hh[name].copy() for name in COLUMNS}
    out["shock_left"] = model.shock_left.copy()
    out["shock_event"] = model.shock_event.copy()
    out["last_benefit"] = model.last_benefit.copy()
    out["months_since_job_gain"] = model.months_since_job_gain.copy()
    out["temp_case"] = model.temp_case.copy()
    hh = model.hh
    rows = np.concatenate(
        [
            np.arange(f, f + k)
            for f, k in zip(hh["first_member"].tolist(), hh["size"].tolist(), strict=True)
        ]
        or [np.zeros(0, np.int64)]
    )
    for name in _MEMBER_STATE:
        out["member_" + name] = hh.persons[name][rows.astype(np.int64)].copy()
    money = model.household_money
    for name in MONEY_LINES:
        out["money_" + name] = np.asarray(money[name], dtype=np.float64).copy()
    return out


def compare(
    engine: dict[str, np.ndarray], reference: dict[str, np.ndarray], rtol: float, atol: float
) -> list[str]:
    """Differences between two dicts of arrays: integers and flags must be equal, floats
    within ``|a − b| ≤ atol + rtol·|b|``. Returns one line per differing array (empty: agree)."""
    problems = []
    for name, ref in reference.items():
        eng = np.asarray(engine[name])
        if eng.shape != ref.shape:
            problems.append(f"{name}: shape {eng.shape} vs {ref.shape}")
            continue
        if ref.dtype.kind == "f" or eng.dtype.kind == "f":
            e, r = eng.astype(np.float64), ref.astype(np.float64)
            bad = ~(np.abs(e - r) <= atol + rtol * np.abs(r))
        else:
            bad = eng != ref
        if bad.any():
            where = np.argwhere(bad)[0]
            pos = tuple(int(x) for x in where)
            problems.append(
                f"{name}: {int(bad.sum())} differ, first at {pos}: "
                f"engine {eng[pos]!r} vs reference {ref[pos]!r}"
            )
    return problems


# ---------------------------------------------------------------------------- inputs


@dataclass
class ModelInputs:
    """What both implementations start from: population, parameters, months, CPI, shocks."""

    households: Households
    params: ParameterSet
    months: list[dt.date]
    cpi: CpiPath
    county_index: np.ndarray
    prefecture_of_county: np.ndarray
    seed: int
    replicate: int
    shocks: list[ShockEvent]

    def _args(self, copy: bool) -> tuple[Any, ...]:
        return (
            self.households.copy() if copy else self.households,
            self.params,
            self.months,
            self.cpi,
            self.county_index,
            self.prefecture_of_county,
            self.seed,
            self.replicate,
            self.shocks,
        )

    def engine(self, copy: bool = True, **options: Any) -> SafetyNetModel:
        """The vectorised engine on a copy of the households (``copy=False``: on them; the
        engine then changes them in place). ``options``: ``threads``; the money paid to each
        household is kept (``keep_money``) unless ``keep_money=False``."""
        options.setdefault("keep_money", True)
        return SafetyNetModel(*self._args(copy), **options)

    def reference(self, copy: bool = True) -> ReferenceModel:
        """The per-household Mesa model (it copies the values into its agents either way)."""
        return ReferenceModel(*self._args(copy))


def prepare(
    spec: RunSpec, params: ParameterSet | None = None, timings: dict[str, float] | None = None
) -> ModelInputs:
    """Generate the population and its starting state as ``simulation.run_replicate`` does.

    ``timings`` (optional) receives the seconds of ``generate`` and ``initial_state``.
    """
    sc = spec.scenario
    ps = params if params is not None else sc.parameters(load_parameters())
    table = refdata.counties()
    months, cpi, shocks = replicate_setup(spec, ps)
    idx = np.array(sorted(spec.county_indices), dtype=np.int64)
    started = time.perf_counter()
    hh = generate(
        table,
        sample_fraction=spec.sample_fraction,
        seed=sc.seed,
        replicate=spec.replicate,
        county_indices=list(idx),
        params=ps,
        date=months[0],
    )
    generated = time.perf_counter()
    initial_state(hh, ps, months[0], sc.seed, spec.replicate)
    if timings is not None:
        timings["generate"] = generated - started
        timings["initial_state"] = time.perf_counter() - generated
    return ModelInputs(
        hh, ps, months, cpi, idx, table.prefecture_code[idx], sc.seed, spec.replicate, shocks
    )


def run_reference(spec: RunSpec, params: ParameterSet | None = None) -> dict[str, np.ndarray]:
    """Simulate one replicate with the per-household model; county × month arrays."""
    model = prepare(spec, params).reference()
    model.run()
    return model.arrays


__all__ = [
    "MONEY_LINES",
    "Assessed",
    "HouseholdAgent",
    "ModelInputs",
    "MonthRules",
    "ReferenceCounty",
    "ReferenceModel",
    "compare",
    "engine_state",
    "f32",
    "month_rules",
    "prepare",
    "run_reference",
]
