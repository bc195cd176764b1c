"""The monthly model: a thin ``mesa.Model`` over vectorised household columns.

One step is one month, a short ordered list of named phases::

    prices -> life_events -> shocks -> assessment -> applications -> reviews
           -> temporary_assistance -> benefits -> services -> record

Households are the struct-of-arrays population (``safetynet.schema.Households``), sorted by
county. The Mesa model owns time, the seeded generator and one ``CountyAgent`` per county; each
county agent owns its random streams (keyed by purpose, county and replicate) and its
year-to-date money for the services cap. Funding (transfers, county share, gap) is province-wide
and is computed after the run from the recorded needs (``simulate.add_funding``).
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import mesa
import numpy as np

from safetynet import assessment, outputs
from safetynet import household_month as hm
from safetynet.behaviour import initial, take_up, transitions
from safetynet.cpi_path import CpiPath
from safetynet.params import ParameterSet
from safetynet.rules import dibao, price_subsidy, services, tekun, temporary
from safetynet.schema import Households
from safetynet.streams import stream

#: ``engine="compiled"``: the household phases as one compiled pass per county
#: (:mod:`safetynet.household_month`), counties on ``threads`` threads; ``engine="numpy"``: the
#: same phases composed from the rule functions over whole columns (slower; the readable form)
ENGINES = ("compiled", "numpy")
#: fewest households per thread of the compiled step (smaller runs use fewer threads)
HOUSEHOLDS_PER_THREAD = 50_000


def default_threads() -> int:
    """Threads for the compiled household step: ``SAFETYNET_THREADS`` if set, else the CPUs
    this process may use."""
    env = os.environ.get("SAFETYNET_THREADS", "").strip()
    if env:
        try:
            return max(1, int(env))
        except ValueError:
            raise ValueError(
                f"SAFETYNET_THREADS: expected a whole number of threads, got {env!r}"
            ) from None
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


def balanced_groups(agents: Sequence[CountyAgent], k: int) -> list[list[CountyAgent]]:
    """Split county agents into at most ``k`` groups of about equal households: largest county
    first, each to the group with the fewest households so far (ties: the first group).

    >>> class A:
    ...     def __init__(self, n): self.n = n
    >>> [[a.n for a in g] for g in balanced_groups([A(5), A(1), A(4), A(3)], 2)]
    [[5, 1], [4, 3]]
    """
    groups: list[list[CountyAgent]] = [[] for _ in range(max(1, min(k, len(agents))))]
    load = [0] * len(groups)
    for agent in sorted(agents, key=lambda a: -a.n):
        i = load.index(min(load))
        groups[i].append(agent)
        load[i] += agent.n
    return [g for g in groups if g]


def _step_group(agents: Sequence[CountyAgent]) -> None:
    for agent in agents:
        agent.step_households()


# Programme codes of the ``programme`` column (see schema.py).
NONE, DIBAO_WHOLE, DIBAO_SINGLE, TEKUN_DISPERSED, TEKUN_INSTITUTIONAL = 0, 1, 2, 3, 4
DRAW_PURPOSES = ("work", "health", "apply", "review", "temporary")
# Caseload groups held by programme state (mutually exclusive); "temporary" is a monthly flow.
PROGRAMME_GROUPS = outputs.GROUPS[: outputs.GROUPS.index("temporary")]
NO_GROUP = len(PROGRAMME_GROUPS)


@dataclass(frozen=True)
class ShockEvent:
    """A disaster or epidemic hitting ``severity`` of the households of some counties."""

    county_indices: tuple[int, ...]
    start: dt.date
    months: int
    severity: float


class CountyAgent(mesa.Agent):  # type: ignore[misc]
    """One county: its slice of the household arrays, its random streams and its money YTD."""

    def __init__(
        self, model: SafetyNetModel, index: int, position: int, start: int, stop: int
    ) -> None:
        super().__init__(model)
        self.index = index
        self.position = position
        self.slice = slice(start, stop)
        self.n = stop - start
        self.streams = {
            p: stream(model.seed, p, index, model.replicate) for p in (*DRAW_PURPOSES, "shocks")
        }
        self.assistance_ytd = 0.0
        self.services_ytd = 0.0
        self._views: tuple[np.ndarray, ...] = ()
        self._views_key: tuple[int, int] | None = None

    def draw(self, purpose: str, out: np.ndarray) -> None:
        """Fill this county's part of ``out`` with uniforms from its ``purpose`` stream."""
        self.streams[purpose].random(self.n, dtype=np.float32, out=out[self.slice])

    def new_year(self) -> None:
        self.assistance_ytd = 0.0
        self.services_ytd = 0.0

    def step_households(self) -> None:
        """This county's households through the month's household phases (compiled):
        shocks count down and hit, the month's uniforms are drawn, then
        :func:`safetynet.household_month.step_county` runs life events to benefits and adds the
        county's sums to its row of ``model.acc``."""
        model: SafetyNetModel = self.model
        views = self._household_views()
        left = model.shock_left[self.slice]
        np.subtract(left, 1, out=left, where=left > 0)
        for s in model.shocks:
            if s.start == model.date and self.index in s.county_indices:
                hit = self.streams["shocks"].random(self.n) < s.severity
                left[hit] = s.months
        u = model.draw_buffer(self.n)
        for k, purpose in enumerate(DRAW_PURPOSES):
            self.streams[purpose].random(self.n, dtype=np.float32, out=u[k])
        month = model.month_inputs
        step: Any = hm.step_county  # numba dispatcher: arguments are checked when it compiles
        step(
            *views,
            u,
            month.m,
            month.tier_bounds,
            month.tier_paid,
            month.tier_classes,
            model.county_values[self.position],
            model.acc[self.position],
            model.money_lines[self.slice] if model.keep_money else model.no_money,
        )

    def _household_views(self) -> tuple[np.ndarray, ...]:
        """This county's slices of the columns and engine state the compiled step works on,
        taken again only when a column or the assessment factors have been replaced."""
        model: SafetyNetModel = self.model
        key = (model.hh.version, id(model.factor))
        if self._views_key != key:
            sl = self.slice
            self._views = (
                *(model.hh[name][sl] for name in hm.COLUMNS),
                model.factor[sl],
                model.shock_left[sl],
                model.last_benefit[sl],
                model.months_since_job_gain[sl],
                model.temp_case[sl],
                model.prev_codes[sl],
            )
            self._views_key = key
        return self._views


class SafetyNetModel(mesa.Model):  # type: ignore[misc]
    """Province model for one scenario and replicate."""

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
        engine: str = "compiled",
        threads: int | None = None,
        keep_money: bool = False,
    ) -> None:
        super().__init__(rng=np.random.default_rng([seed, replicate]))
        if engine not in ENGINES:
            raise ValueError(f"engine: expected one of {ENGINES}, got {engine!r}")
        self.engine = engine
        self.seed = seed
        self.replicate = replicate
        self.hh = households
        self.params = params
        self.months = list(months)
        self.cpi = cpi
        # the CPI path starts before the first month so that lagged indices exist
        self.cpi_offset = int(
            (np.datetime64(self.months[0], "M") - cpi.months[0].astype("datetime64[M]")).astype(int)
        )
        self.shocks = list(shocks)
        self.t = 0
        self._p_month = -1
        self._p: Any = None
        # counties simulated here (indices into the county table), households sorted by county
        self.county_index = np.asarray(county_index, dtype=np.int64)
        self.prefectures, self.county_prefecture = np.unique(
            np.asarray(prefecture_of_county), return_inverse=True
        )
        county = households["county"]
        if np.any(county[1:] < county[:-1]):
            raise ValueError("households must be sorted by county")
        bounds = np.searchsorted(county, self.county_index, side="left")
        ends = np.searchsorted(county, self.county_index, side="right")
        self.county_agents = [
            CountyAgent(self, int(c), i, int(s), int(e))
            for i, (c, s, e) in enumerate(zip(self.county_index, bounds, ends, strict=True))
        ]
        self.starts = bounds
        n = households.n
        n_c = len(self.county_index)
        self.shock_left = np.zeros(n, dtype=np.int8)
        self.last_benefit = np.zeros(n, dtype=np.float32)
        self.months_since_job_gain = np.full(n, hm.MAX_JOB_GAIN_MONTHS, dtype=np.int8)
        self.temp_case = np.zeros(n, dtype=bool)
        # county position of each household: needed once here, and every month by the numpy
        # phases only (8 bytes per household)
        local = np.repeat(np.arange(n_c, dtype=np.int64), ends - bounds)
        loss = float(self.p.behaviour.job_loss_rate)
        self.reference_wage_table = take_up.reference_wage_table(households, local, n_c)
        self.job_gain_table = transitions.stationary_gain_table(households, local, n_c, loss)
        self.recorder = Recorder(n_c, len(self.months))
        p0 = params.at(self.months[0]).dibao
        self.a: assessment.Assessment | None = None
        self.money: dict[str, np.ndarray] = {}
        if engine == "numpy":
            self.local = local
            key = local * 2 + households["urban"].astype(np.int64)
            self.u = {p: np.empty(n, dtype=np.float32) for p in DRAW_PURPOSES}
            self.reference_wage = self.reference_wage_table[key]
            self.job_gain_rate = self.job_gain_table[key]
            self.standard_at_start = dibao.local_standard(
                p0, households["county"], households["urban"]
            )
            self.prev_codes = self.recorder.group_codes(self)
            self.prev_temp = self.temp_case.copy()
            self.phases: tuple[tuple[str, Callable[[], None]], ...] = (
                ("prices", self.prices),
                ("life_events", self.life_events),
                ("shocks", self.apply_shocks),
                ("assessment", self.assess),
                ("applications", self.applications),
                ("reviews", self.reviews),
                ("temporary_assistance", self.temporary_assistance),
                ("benefits", self.benefits),
                ("services", self.services),
                ("record", self.record),
            )
        else:
            del local
            wanted = threads if threads is not None else default_threads()
            # a thread pays only with enough households to share (handing work over costs)
            self.threads = max(1, min(wanted, n // HOUSEHOLDS_PER_THREAD))
            self.keep_money = keep_money
            self.money_lines = np.zeros((n if keep_money else 0, len(hm.MONEY_LINES)))
            self.no_money = np.zeros((0, len(hm.MONEY_LINES)))
            self.prev_codes = self.recorder.group_codes(self).astype(np.int8)
            self.standard_at_start_urban = np.asarray(p0.standard.urban, dtype=np.float64)
            self.standard_at_start_rural = np.asarray(p0.standard.rural, dtype=np.float64)
            self.acc = np.zeros((n_c, hm.A_SIZE))
            self.county_values = np.zeros((n_c, hm.C_SIZE))
            self._factor_takeup: initial.TakeUp | None = None
            self.factor = np.empty(0, dtype=np.float32)
            self._tls = threading.local()
            self._pool: ThreadPoolExecutor | None = None
            # one group of counties per thread, balanced by households (largest first, each
            # to the least loaded thread): one task per thread and month
            self._groups = balanced_groups(self.county_agents, self.threads)
            self._load_compiled()
            self.phases = (
                ("prices", self.prices),
                ("households", self.households_step),
                ("services", self.services),
                ("record", self.record),
            )

    # ------------------------------------------------------------------ time
    @property
    def date(self) -> dt.date:
        return self.months[self.t]

    @property
    def p(self) -> Any:
        """The parameters in force this month (``params.at(date)``, read once a month)."""
        if self._p_month != self.t:
            self._p = self.params.at(self.date)
            self._p_month = self.t
        return self._p

    def step(self) -> None:
        """Advance one month through the ordered phases."""
        if self.date.month == 1:
            for agent in self.county_agents:
                agent.new_year()
        if self.engine == "numpy":
            for agent in self.county_agents:
                for purpose in DRAW_PURPOSES:
                    agent.draw(purpose, self.u[purpose])
        for _name, phase in self.phases:
            phase()
        self.t += 1

    def run(self, progress: Callable[[float], None] | None = None) -> None:
        try:
            for _ in self.months:
                self.step()
                if progress is not None:
                    progress(1)
        finally:
            self.close()

    def close(self) -> None:
        """Stop the threads of the compiled step (a later step starts them again)."""
        pool = getattr(self, "_pool", None)
        if pool is not None:
            pool.shutdown()
            self._pool = None

    def _load_compiled(self) -> None:
        """Load (or compile, the first time on a machine) the compiled household step now, so
        that it counts as model setup: a call on no households with arguments of the types
        the run will use."""
        none = slice(0, 0)
        month = hm.month_vector(self.params, self.p, self.date)
        step: Any = hm.step_county
        step(
            *(self.hh[name][none] for name in hm.COLUMNS),
            self.factor[none],
            self.shock_left[none],
            self.last_benefit[none],
            self.months_since_job_gain[none],
            self.temp_case[none],
            self.prev_codes[none],
            np.empty((len(DRAW_PURPOSES), 0), dtype=np.float32),
            month.m,
            month.tier_bounds,
            month.tier_paid,
            month.tier_classes,
            np.zeros(hm.C_SIZE),
            np.zeros(hm.A_SIZE),
            self.no_money,
        )

    def draw_buffer(self, n: int) -> np.ndarray:
        """This thread's buffer for ``n`` households' uniforms (one row per draw purpose),
        reused month after month so that no fresh memory is touched."""
        size = len(DRAW_PURPOSES) * n
        buf: np.ndarray | None = getattr(self._tls, "u", None)
        if buf is None or buf.size < size:
            buf = np.empty(len(DRAW_PURPOSES) * max(a.n for a in self.county_agents), np.float32)
            self._tls.u = buf
        return buf[:size].reshape(len(DRAW_PURPOSES), n)

    def households_step(self) -> None:
        """Life events, shocks, assessment, applications, reviews, temporary assistance and
        benefits of every household, compiled, county by county on ``threads`` threads (each
        county on its own random streams: the split changes nothing)."""
        b = self.p.behaviour
        t = initial.takeup_params(self.p)
        if t != self._factor_takeup:  # assessment error is fixed while calibration is
            self.factor = initial.assessment_factor(self.hh, t)
            self._factor_takeup = t
        growth = np.float32((1.0 + b.wage_growth_annual) ** (1.0 / 12.0))
        self.reference_wage_table *= growth
        self.month_inputs = hm.month_vector(self.params, self.p, self.date)
        d = self.p.dibao
        c = self.county_values
        ci = self.county_index
        c[:, hm.C_STD_URBAN] = d.standard.urban[ci]
        c[:, hm.C_STD_RURAL] = d.standard.rural[ci]
        c[:, hm.C_STD_START_URBAN] = self.standard_at_start_urban[ci]
        c[:, hm.C_STD_START_RURAL] = self.standard_at_start_rural[ci]
        c[:, hm.C_TEKUN_STD] = self.p.tekun.basic_standard["all"][ci]
        c[:, hm.C_RATE_URBAN] = self.price_rate_urban
        c[:, hm.C_RATE_RURAL] = self.price_rate_rural
        c[:, hm.C_WAGE_URBAN32] = self.reference_wage_table[1::2]
        c[:, hm.C_WAGE_RURAL32] = self.reference_wage_table[0::2]
        c[:, hm.C_GAIN_URBAN32] = self.job_gain_table[1::2]
        c[:, hm.C_GAIN_RURAL32] = self.job_gain_table[0::2]
        # parameters that vary by county (issue 15): discovery and calibrated take-up
        c[:, hm.C_DISCOVERY] = b.per_county("discovery_rate")[ci]
        cal = self.p.calibrated
        c[:, hm.C_TAKEUP_URBAN] = cal.per_county("takeup_urban")[ci]
        c[:, hm.C_TAKEUP_RURAL] = cal.per_county("takeup_rural")[ci]
        c[:, hm.C_TEKUN_TAKEUP_URBAN] = cal.per_county("tekun_takeup_urban")[ci]
        c[:, hm.C_TEKUN_TAKEUP_RURAL] = cal.per_county("tekun_takeup_rural")[ci]
        c[:, hm.C_DELAY] = b.per_county("processing_delay_months")[ci]
        self.acc[:] = 0.0
        if len(self._groups) == 1:
            _step_group(self._groups[0])
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(len(self._groups), thread_name_prefix="safetynet")
        for _ in self._pool.map(_step_group, self._groups):
            pass

    # ------------------------------------------------------------------ phases
    def prices(self) -> None:
        """CPI of the index month -> trigger per activation unit -> subsidy per person by county."""
        p = self.p.price_subsidy
        k = self.cpi_offset + self.t - int(p.index_lag_months)
        prov_cpi = float(self.cpi.cpi_yoy_pct[k])
        prov_food = float(self.cpi.food_cpi_yoy_pct[k])
        pref_food = np.array(
            [
                float(self.cpi.food_cpi_by_prefecture[c][k])
                if c in self.cpi.food_cpi_by_prefecture
                else prov_food
                for c in self.prefectures
            ]
        )
        pref_cpi = np.full(len(self.prefectures), prov_cpi)
        unit = str(p.activation_unit)
        cpi = price_subsidy.unit_index(unit, prov_cpi, pref_cpi, self.county_prefecture)
        food = price_subsidy.unit_index(unit, prov_food, pref_food, self.county_prefecture)
        c_hit = price_subsidy.cpi_trigger(p, cpi)
        f_hit = price_subsidy.food_trigger(p, food)
        trig = price_subsidy.triggered(c_hit, f_hit)
        rise = price_subsidy.triggering_rise(cpi, food, c_hit, f_hit)
        cal = self.cpi.activation_by_prefecture  # issue 16: historical activation calendar
        if cal:
            pref_cal = np.array(
                [float(cal[c][k]) if c in cal else np.nan for c in self.prefectures]
            )
            trig, rise = price_subsidy.calendar_override(
                trig, rise, food, pref_cal[self.county_prefecture]
            )
        d = self.p.dibao
        std_u = d.standard.urban[self.county_index]
        std_r = d.standard.rural[self.county_index]
        self.price_trigger = trig
        self.price_rate_urban = price_subsidy.rate_per_person(p, std_u, rise) * trig
        self.price_rate_rural = price_subsidy.rate_per_person(p, std_r, rise) * trig

    def life_events(self) -> None:
        """Demography, health and work; wages grow; counters age."""
        b = self.p.behaviour
        transitions.income_growth(self.hh, b)
        self.reference_wage *= np.float32((1.0 + b.wage_growth_annual) ** (1.0 / 12.0))
        transitions.demography_and_health(self.hh, self.u["health"], b)
        _lost, gained = transitions.work(
            self.hh, self.u["work"], b, self.reference_wage, self.job_gain_rate
        )
        np.minimum(
            self.months_since_job_gain + 1, hm.MAX_JOB_GAIN_MONTHS, out=self.months_since_job_gain
        )
        self.months_since_job_gain[gained] = 0

    def apply_shocks(self) -> None:
        """Scenario shocks: hit households lose income for the shock's duration."""
        np.maximum(self.shock_left - 1, 0, out=self.shock_left)
        for s in self.shocks:
            if s.start != self.date:
                continue
            for agent in self.county_agents:
                if agent.index in s.county_indices:
                    hit = agent.streams["shocks"].random(agent.n) < s.severity
                    self.shock_left[agent.slice][hit] = s.months

    def assess(self) -> None:
        """Apply the rules: to income as the administration assesses it, and to true income.

        Decisions (applications, reviews) use the assessed income (persistent assessment
        error and undetected income, ``calibrated.*``); checks that find inclusion errors and the
        targeting measures use the true income.
        """
        p = self.p
        loss = np.where(
            self.shock_left > 0, np.float32(1.0 - p.behaviour.shock_income_loss), np.float32(1)
        ).astype(np.float32)
        noise = initial.assessment_factor(self.hh, initial.takeup_params(p))
        self.a, self.truth = assessment.assess_pair(self.hh, p, noise * loss, loss)

    def applications(self) -> None:
        """Pending cases are decided; willing eligible non-recipients apply (take-up)."""
        a = self._a()
        p = self.p
        hh = self.hh
        prog = hh["programme"]
        pending = hh["pending_months"]
        u = self.u["apply"]
        # decide pending applications whose processing time is over (on assessed income)
        due = pending == 0
        admit_tekun = due & a.tekun
        admit_whole = due & a.dibao_whole & ~admit_tekun
        admit_single = due & ~a.dibao_whole & (a.single_persons > 0) & ~admit_tekun
        rows = np.flatnonzero(admit_tekun)
        willing = u[rows] < take_up.institution_share(hh["care_level"][rows], p.behaviour)
        prog[rows] = tekun.care_mode(willing, np.ones_like(willing))  # places for all: S3 二(二)
        prog[admit_whole] = DIBAO_WHOLE
        prog[admit_single] = DIBAO_SINGLE
        pending[due] = -1
        np.subtract(pending, 1, out=pending, where=pending > 0)
        # new applications: only eligible, idle households can apply (evaluated on that subset)
        size = hh["size"]
        eligible = a.dibao_whole | (a.single_persons > 0) | a.tekun
        rows = np.flatnonzero((prog == NONE) & (pending < 0) & (size > 0) & eligible)
        sub = assessment.take(a, rows)
        county = hh["county"][rows]
        base = initial.base_take_up(
            sub, size[rows], hh["urban"][rows], initial.local_takeup(p, county)
        )
        ratio = sub.standard / self.standard_at_start[rows]
        discovery = p.behaviour.per_county("discovery_rate")[county]
        prob = take_up.take_up_probability(base, ratio, p.behaviour, discovery)
        shocked = self.shock_left[rows] > 0
        new = take_up.applies(hh["propensity"][rows], prob, u[rows], shocked, p.behaviour)
        delay = p.behaviour.per_county("processing_delay_months").astype(np.int8)[county]
        pending[rows[new & ~shocked]] = delay[new & ~shocked]
        pending[rows[new & shocked]] = 0  # urgent: decided at once (S4 四(十))

    def reviews(self) -> None:
        """Periodic review, checks on inclusion errors, gradual exit, exits on death."""
        a = self._a()
        b = self.p.behaviour
        prog = self.hh["programme"]
        left = self.hh["exit_months_left"]
        u = self.u["review"]
        on_dibao = (prog == DIBAO_WHOLE) | (prog == DIBAO_SINGLE)
        on_tekun = (prog == TEKUN_DISPERSED) | (prog == TEKUN_INSTITUTIONAL)
        review_p = np.float32(1.0 / float(b.review_interval_months))
        reviewed = u < review_p
        caught = (u >= review_p) & (u < review_p + np.float32(b.inclusion_detection_rate))
        still = np.where(prog == DIBAO_SINGLE, a.single_persons > 0, a.dibao_whole) | a.tekun
        true = self.truth
        truly = (
            np.where(prog == DIBAO_SINGLE, true.single_persons > 0, true.dibao_whole) | true.tekun
        )
        in_exit = left > 0
        # gradual exit (渐退期) starts at a review, when work lifted income above the standard
        by_work = (self.months_since_job_gain <= hm.JOB_GAIN_WINDOW) & (
            u < review_p * np.float32(b.gradual_exit_share_work)
        )
        start = dibao.gradual_exit_start(prog == DIBAO_WHOLE, still, by_work, left) & reviewed
        new_left = dibao.gradual_exit_months_left(self.p.dibao, left, start, still)
        ended = in_exit & (new_left == 0) & ~still
        left[:] = new_left
        # a review exits those the assessment finds ineligible; checks (data matching) find
        # inclusion errors on true income (S3 三(三))
        exit_now = on_dibao & ~in_exit & ~start & ((reviewed & ~still) | (caught & ~truly))
        dead = self.hh["size"] == 0
        tekun_exit = on_tekun & ((reviewed & ~a.tekun & ~a.dibao_whole) | dead)
        out = exit_now | ended | (on_dibao & dead) | tekun_exit
        prog[out] = NONE
        left[out] = 0
        self.last_benefit[out] = 0

    def temporary_assistance(self) -> None:
        """Crises among low-income households and shock victims -> temporary assistance."""
        a = self._a()
        b = self.p.behaviour
        t = self.p.temporary
        u = self.u["temporary"]
        low = a.edge | a.dibao_whole | (self.hh["programme"] != NONE)
        hit = self.shock_left > 0
        crisis = low & ((u < b.temporary_incidence) | hit) & (self.hh["size"] > 0)
        # the same uniform, rescaled, types and grades the case; amounts only for the cases
        rows = np.flatnonzero(crisis)
        shocked = hit[rows]
        v = u[rows] / np.float32(max(float(b.temporary_incidence), 1e-9))
        urgent = shocked | (v < b.temporary_urgent_share)
        severity = np.where(shocked, 2, np.where(v < b.temporary_severe_share, 1, 0))
        kind = np.where(urgent, 0, 1)
        std = self.p.dibao.standard.urban[self.hh["county"][rows]]
        # urgent cases cover one month of difficulty; expenditure cases (illness, schooling)
        # the longest duration counted (ASSUMED)
        months = np.where(urgent, 1.0, float(t.duration_months_max))
        need = temporary.need(t, std, kind, severity, self.hh["size"][rows], months)
        limit = temporary.case_by_case_limit(t, std)
        self.temp_case = crisis
        self.temp_amount = np.zeros(crisis.shape)
        self.temp_amount[rows] = temporary.amount(need, limit, severity)

    def benefits(self) -> None:
        """Dibao, tekun, price-linked and one-time subsidies paid this month (per household)."""
        a = self._a()
        p = self.p
        prog = self.hh["programme"]
        left = self.hh["exit_months_left"]
        dibao_now = (prog == DIBAO_WHOLE) | (prog == DIBAO_SINGLE)
        regular = np.where(prog == DIBAO_WHOLE, a.benefit_whole, a.benefit_single)
        benefit = np.where(left > 0, dibao.gradual_exit_benefit(left, self.last_benefit), regular)
        benefit = np.where(dibao_now, benefit, 0.0)
        self.last_benefit = benefit.astype(np.float32)
        tekun_now = (prog == TEKUN_DISPERSED) | (prog == TEKUN_INSTITUTIONAL)
        persons = self.covered_persons(a)
        self.hh["covered_persons"] = persons
        rate = np.where(
            self.hh["urban"], self.price_rate_urban[self.local], self.price_rate_rural[self.local]
        )
        price_persons = price_subsidy.covered_persons(
            p.price_subsidy, prog, a.edge, persons, self.hh["size"]
        )
        once = price_subsidy.one_time_rate(self.params, self.date)
        self.money = {
            "dibao": benefit,
            "tekun_basic": np.where(tekun_now, a.tekun_basic, 0.0),
            "tekun_care": np.where(tekun_now, a.tekun_care, 0.0),
            "temporary": self.temp_amount,
            "price_subsidy": price_subsidy.household_subsidy(rate, price_persons),
            "one_time_subsidy": price_subsidy.one_time_subsidy(once, prog, persons),
        }

    def covered_persons(self, a: assessment.Assessment) -> np.ndarray:
        """Persons covered per household by its programme (whole, single-person, tekun)."""
        prog = self.hh["programme"]
        persons: np.ndarray = np.select(
            [prog == DIBAO_WHOLE, prog == DIBAO_SINGLE, prog >= TEKUN_DISPERSED],
            [self.hh["size"], np.maximum(a.single_persons, 1), self.hh["size"]],
            0,
        ).astype(np.int16)
        return persons

    def services(self) -> None:
        """Purchased services demand per county, capped at the share of YTD spending."""
        n = len(self.county_agents)
        asked: np.ndarray
        on_programme: np.ndarray
        spending: dict[str, np.ndarray]
        if self.engine == "numpy":
            w = self.hh["weight"]
            deps = services.dependants(self.hh["programme"], self.hh["care_level"]) * w
            asked = np.bincount(self.local, weights=deps, minlength=n)
            on_programme = np.bincount(
                self.local, weights=w * (self.hh["programme"] != NONE), minlength=n
            )
            spending = {
                name: np.bincount(self.local, weights=w * v, minlength=n)
                for name, v in self.money.items()
            }
        else:
            asked = self.acc[:, hm.A_ASKED].copy()
            on_programme = self.acc[:, hm.A_ON_PROGRAMME].copy()
            spending = {
                name: self.acc[:, hm.A_MONEY + k].copy() for k, name in enumerate(hm.MONEY_LINES)
            }
        self.county_services(asked, on_programme, spending)

    def county_services(
        self, asked: np.ndarray, on_programme: np.ndarray, spending: dict[str, np.ndarray]
    ) -> None:
        """The services rules per county: ``asked`` dependants, ``on_programme`` households and
        this month's ``spending`` per money line (yuan) of each county."""
        p = self.p
        ci = self.county_index  # unit costs and the demand share vary by county
        share = p.behaviour.per_county("services_demand_share")[ci]
        demand = services.demand(
            p.services, asked * share, p.services.per_county("cost_per_dependant")[ci]
        ) + services.casework_demand(
            p.services, on_programme, p.services.per_county("casework_cost_per_household")[ci]
        )
        self.county_spending: dict[str, np.ndarray] = dict(spending)
        month_other = sum(self.county_spending.values())
        other_ytd = np.array([c.assistance_ytd for c in self.county_agents]) + month_other
        paid_ytd = np.array([c.services_ytd for c in self.county_agents])
        cap = p.services.per_county("cap_share")[self.county_index]  # varies by county
        room = services.headroom(p.services, paid_ytd, other_ytd, cap)
        bought = services.allowed(demand, room)
        for i, agent in enumerate(self.county_agents):
            agent.assistance_ytd = float(other_ytd[i])
            agent.services_ytd += float(bought[i])
        self.county_spending["services"] = bought
        self.services_demand = demand
        self.services_unmet = services.unmet(demand, bought)
        self.services_cap = room

    def record(self) -> None:
        if self.engine == "numpy":
            self.recorder.record(self)
        else:
            self.recorder.record_sums(self, self.acc)
        self.recorder.record_county(self)

    @property
    def household_money(self) -> dict[str, np.ndarray]:
        """This month's payments per household and money line, yuan (compiled engine: only
        with ``keep_money=True``)."""
        if self.engine == "numpy":
            return self.money
        if not self.keep_money:
            raise RuntimeError("household money is kept only with keep_money=True")
        return {name: self.money_lines[:, k] for k, name in enumerate(hm.MONEY_LINES)}

    def _a(self) -> assessment.Assessment:
        assert self.a is not None, "assessment phase must run first"
        return self.a


class Recorder:
    """Monthly county aggregates (weighted), kept as numpy arrays (county × month [× k])."""

    def __init__(self, n_counties: int, n_months: int) -> None:
        self.n_counties = n_counties
        shape = (n_counties, n_months)
        g, m = len(outputs.GROUPS), len(outputs.PROGRAMMES)
        self.arrays: dict[str, np.ndarray] = {}
        for v in outputs.VARIABLES:
            extra = {"group": (g,), "programme": (m,)}
            dims = tuple(x for d in v.extra_dims for x in extra[d])
            self.arrays[v.name] = np.zeros((*shape, *dims))

    def _sum(self, model: SafetyNetModel, values: np.ndarray) -> np.ndarray:
        return np.bincount(model.local, weights=values, minlength=self.n_counties)

    def group_codes(self, model: SafetyNetModel) -> np.ndarray:
        """Caseload group of each household (index into GROUPS; programme groups are
        mutually exclusive; NO_GROUP for the rest). Temporary assistance is kept apart."""
        hh = model.hh
        prog, urban = hh["programme"], hh["urban"]
        steady = hh["exit_months_left"] == 0
        whole, single = prog == DIBAO_WHOLE, prog == DIBAO_SINGLE
        codes: np.ndarray = np.select(
            [
                whole & urban & steady,
                single & urban & steady,
                whole & ~urban & steady,
                single & ~urban & steady,
                (whole | single) & ~steady,
                prog == TEKUN_DISPERSED,
                prog == TEKUN_INSTITUTIONAL,
                hh["edge"] & (prog == NONE),
            ],
            list(range(len(PROGRAMME_GROUPS))),
            NO_GROUP,
        )
        return codes

    def record(self, model: SafetyNetModel) -> None:
        a = model._a()
        truth = model.truth
        t = model.t
        hh = model.hh
        w = hh["weight"].astype(np.float64)
        hh["edge"][:] = a.edge & (hh["programme"] == NONE)
        n_c, k = self.n_counties, NO_GROUP + 1
        codes = self.group_codes(model)
        prev = model.prev_codes
        size = hh["size"].astype(np.float64)
        persons = np.where(
            codes == PROGRAMME_GROUPS.index("edge"),
            size,
            hh["covered_persons"].astype(np.float64),  # set by the benefits phase
        )
        moved = w * (codes != prev)

        def by_group(key: np.ndarray, values: np.ndarray) -> np.ndarray:
            out = np.bincount(model.local * k + key, weights=values, minlength=n_c * k)
            return out.reshape(n_c, k)[:, :NO_GROUP]

        g = slice(0, NO_GROUP)
        self.arrays["cases_households"][:, t, g] = by_group(codes, w)
        self.arrays["cases_persons"][:, t, g] = by_group(codes, w * persons)
        self.arrays["entries_households"][:, t, g] = by_group(codes, moved)
        self.arrays["exits_households"][:, t, g] = by_group(prev, moved)
        model.prev_codes = codes
        temp, temp_prev = model.temp_case, model.prev_temp
        gi = outputs.GROUPS.index("temporary")
        self.arrays["cases_households"][:, t, gi] = self._sum(model, w * temp)
        self.arrays["cases_persons"][:, t, gi] = self._sum(model, w * size * temp)
        self.arrays["entries_households"][:, t, gi] = self._sum(model, w * (temp & ~temp_prev))
        self.arrays["exits_households"][:, t, gi] = self._sum(model, w * (temp_prev & ~temp))
        model.prev_temp = temp.copy()
        prog = hh["programme"]
        on_dibao = (prog == DIBAO_WHOLE) | (prog == DIBAO_SINGLE)
        eligible = truth.dibao_whole | (truth.single_persons > 0)
        self.arrays["eligible_households"][:, t] = self._sum(model, w * eligible)
        self.arrays["eligible_covered_households"][:, t] = self._sum(
            model, w * (eligible & on_dibao)
        )
        self.arrays["ineligible_covered_households"][:, t] = self._sum(
            model, w * (~eligible & on_dibao & (hh["exit_months_left"] == 0))
        )
        self.arrays["population_households"][:, t] = self._sum(model, w * (hh["size"] > 0))
        self.arrays["population_persons"][:, t] = self._sum(model, w * hh["size"])

    def record_sums(self, model: SafetyNetModel, acc: np.ndarray) -> None:
        """Household aggregates from the compiled step's county sums (``household_month.A_*``)."""
        t = model.t
        g = slice(0, NO_GROUP + 1)  # the programme groups and temporary
        a = self.arrays
        a["cases_households"][:, t, g] = acc[:, hm.A_CASES : hm.A_CASES + NO_GROUP + 1]
        a["cases_persons"][:, t, g] = acc[:, hm.A_PERSONS : hm.A_PERSONS + NO_GROUP + 1]
        a["entries_households"][:, t, g] = acc[:, hm.A_ENTRIES : hm.A_ENTRIES + NO_GROUP + 1]
        a["exits_households"][:, t, g] = acc[:, hm.A_EXITS : hm.A_EXITS + NO_GROUP + 1]
        a["eligible_households"][:, t] = acc[:, hm.A_ELIGIBLE]
        a["eligible_covered_households"][:, t] = acc[:, hm.A_COVERED]
        a["ineligible_covered_households"][:, t] = acc[:, hm.A_INELIGIBLE_COVERED]
        a["population_households"][:, t] = acc[:, hm.A_POP_HOUSEHOLDS]
        a["population_persons"][:, t] = acc[:, hm.A_POP_PERSONS]

    def record_county(self, model: SafetyNetModel) -> None:
        """County-level values of the month: spending, prices, services, standards."""
        t = model.t
        for pi, name in enumerate(outputs.PROGRAMMES):
            self.arrays["spending"][:, t, pi] = model.county_spending[name]
        self.arrays["budget_need"][:, t] = self.arrays["spending"][:, t, :].sum(axis=1)
        self.arrays["price_trigger"][:, t] = model.price_trigger
        self.arrays["price_subsidy_rate_urban"][:, t] = model.price_rate_urban
        self.arrays["price_subsidy_rate_rural"][:, t] = model.price_rate_rural
        self.arrays["services_demand"][:, t] = model.services_demand
        self.arrays["services_cap"][:, t] = model.services_cap
        self.arrays["services_unmet"][:, t] = model.services_unmet
        p = model.p
        ci = model.county_index
        self.arrays["standard_urban"][:, t] = p.dibao.standard.urban[ci]
        self.arrays["standard_rural"][:, t] = p.dibao.standard.rural[ci]
        self.arrays["floor_urban"][:, t] = p.dibao.floor_urban
        self.arrays["floor_rural"][:, t] = p.dibao.floor_rural
        self.arrays["tekun_standard"][:, t] = p.tekun.basic_standard["all"][ci]
