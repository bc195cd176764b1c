"""The monthly model: a thin ``mesa.Model`` over household columns and one compiled step.

One step is one month, a short ordered list of named phases::

    prices -> households -> services -> record

``households`` is the compiled pass over each county's households (life events, shocks,
assessment, applications, reviews, temporary assistance, benefits: :mod:`safetynet.household_month`)
on threads. Households are the struct-of-arrays population (``safetynet.schema.Households``),
sorted by county. The Mesa model owns time, the seeded generator and one ``CountyAgent`` per
county; each county agent owns its random streams (keyed by purpose, county and replicate) and
its year-to-date money for the services cap. Funding (transfers, county share, gap) is
province-wide and is computed after the run from the recorded needs (``simulate.add_funding``).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import mesa
import numpy as np

from safetynet import household_month as hm
from safetynet import members, monitoring, outputs, resume
from safetynet.behaviour import initial, support, take_up, transitions
from safetynet.behaviour import shocks as shock_state
from safetynet.behaviour.shocks import ShockEvent as ShockEvent
from safetynet.constants import DRAW_PURPOSES, GROUPS, MAX_JOB_GAIN_MONTHS, MONEY_LINES
from safetynet.cpi_path import CpiPath
from safetynet.params import ParameterSet
from safetynet.rules import price_subsidy, services
from safetynet.rules.parameters import RECORDED, RULE_DTYPE, month_parameters
from safetynet.schema import Households
from safetynet.streams import stream

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


#: households per compiled call of the household step: a call's draws (20 bytes a household)
#: are drawn just before it and still in the cache when the kernel reads them; a larger county
#: is stepped in pieces of this size (its draws come from its streams in order, so the pieces
#: see the same uniforms as one draw of the whole county, and its sums add up in the same order)
CALL_HOUSEHOLDS = 32_768


class CountyGroup:
    """The counties one thread steps each month: their households in calls of about
    :data:`CALL_HOUSEHOLDS` (small counties share a call, large ones are cut in pieces), each
    call's uniforms drawn into one small buffer just before it (one column per household)."""

    def __init__(self, agents: Sequence[CountyAgent], call_households: int = CALL_HOUSEHOLDS):
        self.agents = list(agents)
        size = max(1, int(call_households))
        # pieces: (agent, first row, stop row) of at most ``size`` rows, in county order
        calls: list[list[tuple[CountyAgent, int, int]]] = [[]]
        filled = 0
        for agent in self.agents:
            start, stop = agent.slice.start, agent.slice.stop
            if start == stop:
                calls[-1].append((agent, start, stop))
            while start < stop:
                if filled >= size:
                    calls.append([])
                    filled = 0
                end = min(stop, start + size - filled)
                calls[-1].append((agent, start, end))
                filled += end - start
                start = end
        self.calls = [_Call(pieces) for pieces in calls if pieces]
        width = max([c.rows for c in self.calls], default=0)
        self.u = np.empty((len(DRAW_PURPOSES), width), dtype=np.float32)

    def step(self, model: SafetyNetModel) -> None:
        """Call by call: shocks of the counties starting in it (each on its own streams), the
        call's draws, then the compiled household phases of its pieces in one call."""
        for call in self.calls:
            for agent, start, stop, col in call.draws:
                if start == agent.slice.start:
                    agent.advance_shocks(model)
                    agent.lose_support(model)
                agent.draw_uniforms(self.u[:, col : col + stop - start])
            hm.step_counties(
                model.views(),
                self.u,
                model.rule_table,
                model.behaviour_table,
                model.sums,
                call.positions,
                call.lo,
                call.hi,
                call.u0,
                model.money_lines if model.keep_money else model.no_money,
                model.member_rules_changed,
            )


class _Call:
    """One compiled call of :class:`CountyGroup`: pieces of counties (position, rows, column of
    the draws of each)."""

    def __init__(self, pieces: Sequence[tuple[CountyAgent, int, int]]) -> None:
        sizes = np.array([stop - start for _, start, stop in pieces], dtype=np.int64)
        self.positions = np.array([a.position for a, _, _ in pieces], dtype=np.int64)
        self.lo = np.array([start for _, start, _ in pieces], dtype=np.int64)
        self.hi = np.array([stop for _, _, stop in pieces], dtype=np.int64)
        self.u0 = (np.cumsum(sizes) - sizes).astype(np.int64)
        self.rows = int(sizes.sum())
        self.draws = [
            (a, start, stop, int(col))
            for (a, start, stop), col in zip(pieces, self.u0.tolist(), strict=True)
        ]


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
            p: stream(model.seed, p, index, model.replicate)
            for p in (*DRAW_PURPOSES, "shocks", "support")
        }
        self.assistance_ytd = 0.0
        self.services_ytd = 0.0

    def new_year(self) -> None:
        self.assistance_ytd = 0.0
        self.services_ytd = 0.0

    def draw(self, model: SafetyNetModel, u: np.ndarray) -> None:
        """This county's shocks count down, hit and end (behaviour.shocks), and the month's
        uniforms are drawn into ``u`` (one row per draw purpose, one column per household)."""
        self.advance_shocks(model)
        self.lose_support(model)
        self.draw_uniforms(u)

    def advance_shocks(self, model: SafetyNetModel) -> None:
        """This county's shocks count down, hit and end this month (behaviour.shocks)."""
        shock_state.advance(
            model.shock_left[self.slice],
            model.shock_event[self.slice],
            model.shocks,
            model.date,
            self.index,
            self.streams["shocks"],
            model.hh["programme"][self.slice],
            model.hh["exit_months_left"][self.slice],
        )

    def lose_support(self, model: SafetyNetModel) -> None:
        """This county's households that lose their supporter this month apply
        (behaviour.support: the tekun entry flow)."""
        hh, s = model.hh, self.slice
        support.advance(
            hh["has_supporter"][s],
            hh["pending_months"][s],
            hh["programme"][s],
            hh["n_workers"][s],
            hh["n_60p"][s],
            hh["n_disabled_severe"][s],
            hh["size"][s],
            float(model.p.behaviour.support_loss_rate),
            int(model.behaviour_table["delay"][self.position]),
            self.streams["support"],
        )

    def draw_uniforms(self, u: np.ndarray) -> None:
        """The next ``u.shape[1]`` uniforms of each draw purpose of this county into ``u`` (one
        row per purpose): the month's draws of its households, in order, piece by piece."""
        n = u.shape[1]
        for k, purpose in enumerate(DRAW_PURPOSES):
            self.streams[purpose].random(n, dtype=np.float32, out=u[k])


class SafetyNetModel(mesa.Model):  # type: ignore[misc]
    """Province model for one scenario and replicate.

    Engine state per household besides the columns (17 bytes): ``factor`` (assessed / true
    market income), ``shock_left``, ``shock_event``, ``last_benefit``, ``months_since_job_gain``,
    ``temp_case``, ``prev_code`` (caseload group last month), and last month's member tests
    (``tests_*``, kept while the members and the rules on them stand).
    """

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
        threads: int | None = None,
        keep_money: bool = False,
    ) -> None:
        super().__init__(rng=np.random.default_rng([seed, replicate]))
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
        self.shock_event = np.zeros(n, dtype=np.int8)  # behaviour.shocks.HIT / ENDED
        self.last_benefit = np.zeros(n, dtype=np.float32)
        self.months_since_job_gain = np.full(n, MAX_JOB_GAIN_MONTHS, dtype=np.int8)
        self.temp_case = np.zeros(n, dtype=bool)
        self.tests_valid = np.zeros(n, dtype=bool)  # member tests kept from last month
        self.tests_able = np.zeros(n, dtype=np.int8)
        self.tests_candidates = np.zeros(n, dtype=np.int8)
        self.tests_category = np.zeros(n, dtype=np.int8)
        self.birthdays = np.zeros(n, dtype=np.uint16)  # members' birth months (views)
        self.idle_adults = np.full(n, -1, dtype=np.int8)  # kept while the members stand
        # county position of each household: needed once, for the employment tables
        local = np.repeat(np.arange(n_c, dtype=np.int64), ends - bounds)
        loss = float(self.p.behaviour.job_loss_rate)
        self.reference_wage_table = take_up.reference_wage_table(households, local, n_c)
        self.job_gain_table = transitions.stationary_gain_table(households, local, n_c, loss)
        del local
        self.recorder = Recorder(n_c, len(self.months))
        self.snapshots: dict[dt.date, resume.ModelSnapshot] = {}  # run(keep=...)
        p0 = params.at(self.months[0]).dibao
        wanted = threads if threads is not None else default_threads()
        # a thread pays only with enough households to share (handing work over costs)
        self.threads = max(1, min(wanted, n // HOUSEHOLDS_PER_THREAD))
        self.keep_money = keep_money
        self.money_lines = np.zeros((n if keep_money else 0, len(MONEY_LINES)))
        self.no_money = np.zeros((0, len(MONEY_LINES)))
        self.prev_code = np.empty(n, dtype=np.int8)
        hm.group_codes(
            households["programme"],
            households["exit_months_left"],
            households["urban"],
            households["edge"],
            self.prev_code,
        )
        self.standard_at_start_urban = np.asarray(p0.standard.urban, dtype=np.float64)
        self.standard_at_start_rural = np.asarray(p0.standard.rural, dtype=np.float64)
        self.sums = hm.new_sums(n_c, len(MONEY_LINES), len(GROUPS))
        self.rule_table = np.zeros(0, dtype=RULE_DTYPE)
        self.behaviour_table = np.zeros(0, dtype=hm.BEHAVIOUR_DTYPE)
        self._views: hm.Columns | None = None
        self._views_key: tuple[int, int] | None = None
        self._factor_takeup: initial.TakeUp | None = None
        self.factor = np.empty(0, dtype=np.float32)
        self._pool: ThreadPoolExecutor | None = None
        # one group of counties per thread, balanced by households (largest first, each
        # to the least loaded thread): one task per thread and month
        self._groups = [CountyGroup(g) for g in balanced_groups(self.county_agents, self.threads)]
        self.phases: tuple[tuple[str, Callable[[], None]], ...] = (
            ("prices", self.prices),
            ("households", self.households_step),
            ("services", self.services),
            ("record", self.record),
        )
        self._load_compiled()

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
        for _name, phase in self.phases:
            phase()
        self.t += 1

    def run(
        self, progress: Callable[[float], None] | None = None, keep: Collection[dt.date] = ()
    ) -> None:
        """Step from month ``t`` (0, or where :meth:`restore` put the model) to the end;
        the state at the start of each month in ``keep`` goes to ``self.snapshots``."""
        try:
            while self.t < len(self.months):
                if self.date in keep and self.t > 0:
                    self.snapshots[self.date] = self.snapshot()
                self.step()
                if progress is not None:
                    progress(1)
        finally:
            self.close()

    def snapshot(self) -> resume.ModelSnapshot:
        """The whole state at the start of month ``t`` (:mod:`safetynet.resume`)."""
        return resume.take(self)

    def restore(self, snap: resume.ModelSnapshot) -> None:
        """Continue from ``snap`` (a snapshot of a run with the same households and draws up
        to then), with this model's parameters, CPI path and shocks from ``snap.month``."""
        resume.restore(self, snap)

    def close(self) -> None:
        """Stop the threads of the compiled step (a later step starts them again)."""
        pool = getattr(self, "_pool", None)
        if pool is not None:
            pool.shutdown()
            self._pool = None

    def _load_compiled(self) -> None:
        """Load (or compile, the first time on a machine) the compiled household step now, so
        that it counts as model setup: a call on no county with arguments of the types the
        run will use."""
        self._month_parameters()
        none = np.zeros(0, dtype=np.int64)
        hm.step_counties(
            self.views(),
            np.empty((len(DRAW_PURPOSES), 0), dtype=np.float32),
            self.rule_table,
            self.behaviour_table,
            hm.new_sums(1, len(MONEY_LINES), len(GROUPS)),
            none,
            none,
            none,
            none,
            self.no_money,
            self.member_rules_changed,
        )

    def views(self) -> hm.Columns:
        """The columns, the person table and the engine state the compiled step works on,
        taken again only when a column or the assessment factors have been replaced."""
        key = (self.hh.version, id(self.factor))
        if self._views is None or self._views_key != key:
            persons = self.hh.persons
            self._views = hm.Columns(
                *(self.hh[name] for name in hm.COLUMNS),
                *(persons[hm.PERSON_COLUMNS[f]] for f in hm.PERSON_FIELDS),
                *(getattr(self, name) for name in hm.ENGINE_STATE),
            )
            self._views_key = key
            self.tests_valid[:] = False  # the members may have been replaced
            self.idle_adults[:] = -1
            members.birth_months(
                self.hh["first_member"], self.hh["size"], persons["birth_month"], self.birthdays
            )
        return self._views

    def _month_parameters(self, rate_urban: Any = 0.0, rate_rural: Any = 0.0) -> None:
        """The month's rule and behaviour parameters of every county (by name), as one record
        per county (``RULE_DTYPE``, ``hm.BEHAVIOUR_DTYPE``), built field by field."""
        n_all = len(self.standard_at_start_urban)
        ci = self.county_index
        rates = []
        for r in (rate_urban, rate_rural):
            full = np.zeros(n_all)
            full[ci] = r
            rates.append(full)
        p = self.p
        inputs = price_subsidy.month_inputs(rates[0], rates[1])
        month = month_parameters(self.params, self.date, inputs, snapshot=p)
        table_before = self.rule_table
        self.rule_table = month.table(ci.tolist())
        changed = np.ones(len(ci), dtype=bool)
        if table_before.shape == self.rule_table.shape:
            changed[:] = False
            for name in hm.MEMBER_RULE_FIELDS:
                changed |= table_before[name] != self.rule_table[name]
        self.member_rules_changed = changed
        # a changed dibao standard reassesses every running case when the behaviour says so
        # (behaviour.standard_rise_reaches_running_cases); none in the first month
        restandard = {area: np.zeros(len(ci), dtype=bool) for area in ("urban", "rural")}
        if (
            table_before.shape == self.rule_table.shape
            and p.behaviour.standard_rise_reaches_running_cases
        ):
            for area, flags in restandard.items():
                name = f"standard_{area}"
                flags[:] = table_before[name] != self.rule_table[name]
        table = np.zeros(len(ci), dtype=hm.BEHAVIOUR_DTYPE)
        for name, value in hm.behaviour_values(p).items():
            table[name] = value
        wage, gain = self.reference_wage_table, self.job_gain_table
        b, cal = p.behaviour, p.calibrated
        own = {
            "month": self.date.month,
            "standard_start_urban": self.standard_at_start_urban[ci],
            "standard_start_rural": self.standard_at_start_rural[ci],
            "standard_changed_urban": restandard["urban"],
            "standard_changed_rural": restandard["rural"],
            "new_wage_urban32": wage[1::2],
            "new_wage_rural32": wage[0::2],
            "job_gain_urban32": gain[1::2],
            "job_gain_rural32": gain[0::2],
            # behaviour parameters that vary by county (issue 15)
            "discovery": b.per_county("discovery_rate")[ci],
            "takeup_urban": cal.per_county("takeup_urban")[ci],
            "takeup_rural": cal.per_county("takeup_rural")[ci],
            "tekun_takeup_urban": cal.per_county("tekun_takeup_urban")[ci],
            "tekun_takeup_rural": cal.per_county("tekun_takeup_rural")[ci],
            "delay": b.per_county("processing_delay_months")[ci].astype(np.int64),
        }
        for name, value in own.items():
            table[name] = value
        self.behaviour_table = table

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
        self._month_parameters(self.price_rate_urban, self.price_rate_rural)
        hm.clear(self.sums)
        if len(self._groups) == 1:
            self._groups[0].step(self)
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(len(self._groups), thread_name_prefix="safetynet")
        for _ in self._pool.map(lambda g: g.step(self), self._groups):
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

    def services(self) -> None:
        """Purchased services demand per county, capped at the share of YTD spending."""
        s = self.sums
        spending = {name: s.money[:, k].copy() for k, name in enumerate(MONEY_LINES)}
        self.county_services(s.asked.copy(), s.on_programme.copy(), spending)

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
        self.recorder.record_sums(self, self.sums)
        self.recorder.record_county(self)
        for name, values in monitoring.county_sums(self).items():  # issue 16
            self.recorder.arrays[name][:, self.t] = values

    @property
    def household_money(self) -> dict[str, np.ndarray]:
        """This month's payments per household and money line, yuan (only with
        ``keep_money=True``)."""
        if not self.keep_money:
            raise RuntimeError("household money is kept only with keep_money=True")
        return {name: self.money_lines[:, k] for k, name in enumerate(MONEY_LINES)}


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

    def record_sums(self, model: SafetyNetModel, sums: hm.Sums) -> None:
        """Household aggregates from the compiled step's county sums."""
        t = model.t
        a = self.arrays
        a["cases_households"][:, t, :] = sums.cases
        a["cases_persons"][:, t, :] = sums.persons
        a["entries_households"][:, t, :] = sums.entries
        a["exits_households"][:, t, :] = sums.exits
        a["eligible_households"][:, t] = sums.eligible
        a["eligible_covered_households"][:, t] = sums.covered
        a["ineligible_covered_households"][:, t] = sums.ineligible_covered
        a["population_households"][:, t] = sums.population_households
        a["population_persons"][:, t] = sums.population_persons
        a["dibao_spending_urban"][:, t] = sums.dibao_urban

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
        self.arrays["floor_urban"][:, t] = p.dibao.floor_urban
        self.arrays["floor_rural"][:, t] = p.dibao.floor_rural
        for name in RECORDED:  # the standards: rule parameters, from the month's records
            self.arrays[name][:, t] = model.rule_table[name]
