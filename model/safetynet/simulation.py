"""Run a scenario: ``simulate(scenario) -> xarray.Dataset``, and save it with its run record.

A run is scenario × replicates. Each replicate generates its population (streams keyed by
county and replicate), sets the starting programme state at the calibration month, steps the
monthly model to the end of the horizon and returns county × month arrays. Funding (transfers by
the factor method, county budget, gap) is province-wide and is added once all counties are in.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import subprocess
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from safetynet import __version__, history, outputs, places, refdata
from safetynet.behaviour.initial import initial_state
from safetynet.behaviour.shocks import history_events
from safetynet.constants import DIBAO_GROUPS, TEKUN_GROUPS
from safetynet.county_outputs import add_county_outputs
from safetynet.cpi_path import HISTORY_MONTHS, CpiPath, cpi_path
from safetynet.files import written_atomically
from safetynet.inputs import FitRow, PlannerInputs, apply_inputs, provenance, read_inputs
from safetynet.model import SafetyNetModel, ShockEvent, default_threads
from safetynet.outputs import VARIABLE_BY_NAME
from safetynet.params import CountyParameter, ParameterSet, load_parameters
from safetynet.population import generate
from safetynet.resume import Snapshots
from safetynet.rules import funding
from safetynet.scenario import Scenario, Shock, load_scenario
from safetynet.schema import Households

ProgressFn = Callable[[float], None]


@dataclass(frozen=True)
class RunSpec:
    """Everything one replicate needs; small and picklable (sent to dask workers)."""

    scenario: Scenario
    replicate: int
    sample_fraction: float
    county_indices: tuple[int, ...]
    months: int


#: households stepped together; counties are split into batches of about this size, which
#: keeps numpy temporaries small (memory, speed) and leaves results unchanged (streams are
#: keyed by county)
BATCH_HOUSEHOLDS = 1_000_000
#: batches prepared (generated, start state set) on other threads ahead of the one stepped
PREPARE_AHEAD = 1


def county_batches(
    county_indices: Sequence[int], households: np.ndarray, limit: int, threads: int = 1
) -> list[np.ndarray]:
    """Group counties into batches of about ``limit`` expected households that step evenly on
    ``threads`` threads (each batch's county indices sorted).

    Counties are stepped whole, one thread each (:func:`model.balanced_groups`), and a month
    ends when the slowest thread does, so a batch whose counties cannot be split evenly leaves
    a core waiting (one county of 640,000 households alone in a batch halves its speed on two
    cores). So counties are first packed largest first (first-fit decreasing) into shares of at
    most ``limit / threads`` households (a larger county is a share of its own), and the shares,
    from the fullest, are taken ``threads`` at a time into batches: each batch's threads get
    about the same number of households. Results do not depend on the batches (the streams
    are keyed by county).

    >>> [b.tolist() for b in county_batches([0, 1, 2, 3], np.array([5, 5, 5, 20]), 10)]
    [[3], [0, 1], [2]]
    >>> [b.tolist() for b in county_batches([0, 1, 2, 3], np.array([5, 5, 5, 20]), 40, 2)]
    [[0, 1, 2, 3]]
    """
    t = max(int(threads), 1)
    cap = float(limit) / t
    order = sorted((int(c) for c in county_indices), key=lambda c: (-float(households[c]), c))
    shares: list[list[int]] = []
    filled: list[float] = []
    for c in order:
        n = float(households[c])
        for k in range(len(shares)):
            if filled[k] + n <= cap:
                shares[k].append(c)
                filled[k] += n
                break
        else:
            shares.append([c])
            filled.append(n)
    fullest = sorted(range(len(shares)), key=lambda k: -filled[k])
    return [
        np.array(sorted(c for k in fullest[i : i + t] for c in shares[k]), dtype=np.int64)
        for i in range(0, len(fullest), t)
    ]


def replicate_setup(
    spec: RunSpec, ps: ParameterSet
) -> tuple[list[dt.date], CpiPath, list[ShockEvent]]:
    """What every batch of a replicate shares: the months, the CPI path (with the history the
    lagged price index needs) and the scenario's shocks (county indices)."""
    sc = spec.scenario
    table = refdata.counties()
    months = [_month(m) for m in sc.month_starts()[: spec.months]]
    cpi = cpi_path(sc.cpi, _with_history(months), sc.seed, spec.replicate, params=ps)
    shocks = [
        ShockEvent(
            tuple(int(i) for i in table.index_of(list(s.counties))), s.start, s.months, s.severity
        )
        for s in sc.shocks
    ]
    # the historical shocks (the 2020 epidemic) of the run's months (behaviour.shocks)
    shocks += history_events(months, ps, len(table))
    return months, cpi, shocks


def run_replicate(
    spec: RunSpec,
    params: ParameterSet | None = None,
    progress: ProgressFn | None = None,
    batch_households: int = BATCH_HOUSEHOLDS,
    threads: int | None = None,
    keep: Snapshots | None = None,
    start_from: Snapshots | None = None,
    resumed: list[str] | None = None,
) -> dict[str, np.ndarray]:
    """Simulate one replicate; returns recorder arrays (county × month [× group/programme]).

    Only (scenario, replicate, county) enter the random streams, so the result for a county
    is the same whether it runs alone, with others, in a batch, on any number of threads, in
    this process or on a dask worker. Counties are stepped in batches of about
    ``batch_households`` households; within a batch the compiled household step runs counties
    on ``threads`` threads (default: ``model.default_threads()``).

    ``keep``: keep each batch's state at the start of ``keep.months`` (warm starts);
    ``start_from``: states kept by another run: a batch resumes from the latest one this run
    shares (:mod:`safetynet.resume`) instead of starting from its first month; the month
    ("YYYY-MM", or "" for a full run) of each batch is appended to ``resumed``.
    """
    sc = spec.scenario
    ps = params if params is not None else sc.parameters(load_parameters())
    table = refdata.counties()
    months, cpi, shocks = replicate_setup(spec, ps)
    expected = table.family_households * spec.sample_fraction
    n_threads = max(1, threads if threads is not None else default_threads())
    batches = county_batches(spec.county_indices, expected, batch_households, n_threads)
    total = float(sum(expected[b].sum() for b in batches)) or 1.0

    def prepare(idx: np.ndarray) -> Households:
        hh = generate(
            table,
            sample_fraction=spec.sample_fraction,
            seed=sc.seed,
            replicate=spec.replicate,
            county_indices=list(idx),
            params=ps,
            date=months[0],
        )
        initial_state(hh, ps, months[0], sc.seed, spec.replicate)
        return hh

    warm = [
        None
        if start_from is None
        else start_from.find(ps, sc.seed, spec.sample_fraction, spec.replicate, cpi, shocks,
                             months, idx.tolist())
        for idx in batches
    ]  # fmt: skip
    cold = [idx for idx, w in zip(batches, warm, strict=True) if w is None]
    if resumed is not None:
        resumed += [f"{w.month:%Y-%m}" if w is not None else "" for w in warm]
    parts: list[dict[str, np.ndarray]] = []
    # the next batches are generated and given their start state on other threads while a
    # batch is stepped (at most ``n_threads`` batches ahead; each batch's draws are its own)
    ahead = min(n_threads, PREPARE_AHEAD) if len(cold) > 1 else 0
    with ThreadPoolExecutor(max(ahead, 1), thread_name_prefix="safetynet-prepare") as pool:
        pending: deque[Future[Households]] = deque(
            pool.submit(prepare, idx) for idx in cold[:ahead]
        )
        n_cold = 0
        for idx, snap in zip(batches, warm, strict=True):
            if snap is not None:
                hh = snap.state["hh"]  # restore() below replaces it with a copy
            else:
                hh = pending.popleft().result() if pending else prepare(idx)
                n_cold += 1
                if n_cold - 1 + ahead < len(cold) and ahead:
                    pending.append(pool.submit(prepare, cold[n_cold - 1 + ahead]))
            model = SafetyNetModel(
                hh,
                ps,
                months,
                cpi,
                idx,
                table.prefecture_code[idx],
                sc.seed,
                spec.replicate,
                shocks,
                threads=n_threads,
            )
            share = float(expected[idx].sum()) / total
            if snap is not None:
                model.restore(snap)
                if progress is not None:
                    progress(snap.t * share)  # the months taken from the kept run
            step_progress = None if progress is None else _scaled(progress, share)
            if keep is None:
                model.run(step_progress)
            else:
                model.run(step_progress, keep.months)
            if keep is not None:
                keep.add(spec.replicate, cpi, shocks, months, idx.tolist(), model.snapshots)
            parts.append(model.recorder.arrays)
            del model, hh
    # the batches' counties in county order again
    rows = np.argsort(np.concatenate(batches), kind="stable")
    return {k: np.concatenate([p[k] for p in parts], axis=0)[rows] for k in parts[0]}


def _scaled(progress: ProgressFn, share: float) -> ProgressFn:
    return lambda k: progress(k * share)


def simulate(
    scenario: Scenario | str | Path,
    *,
    replicates: int | None = None,
    sample_fraction: float | None = None,
    months: int | None = None,
    counties: Sequence[str] | None = None,
    progress: ProgressFn | None = None,
    threads: int | None = None,
    inputs: PlannerInputs | str | Path | None = None,
    keep: Snapshots | None = None,
    start_from: Snapshots | None = None,
) -> xr.Dataset:
    """Run ``scenario`` in this process and return the labelled Dataset (see outputs.py).

    ``threads``: threads of the compiled household step (default: ``SAFETYNET_THREADS`` or the
    CPUs of this process); the results do not depend on it. ``inputs``: the planner's workbook
    (default the scenario's ``[inputs] file``): its standards, local values and money replace
    the package's, and each county's start state is fitted to its caseloads (the fit table is
    in the run record under ``inputs.fit``).

    Warm starts (:mod:`safetynet.resume`): ``keep=Snapshots(months)`` keeps the run's state at
    the start of those months; ``start_from=`` (a ``Snapshots`` filled by an earlier run, e.g.
    the baseline) resumes this run from the latest kept month before its first difference
    from that run (parameters, shocks, CPI path), simulating only the months from there; the
    result equals a full run. The run record says which month it resumed from (``resumed``)."""
    started = time.perf_counter()
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    ps = sc.parameters(load_parameters())
    n_rep = replicates if replicates is not None else sc.replicates
    specs = make_specs(sc, n_rep, sample_fraction, months, counties)
    ps, planner, fit = planner_parameters(specs[0], ps, inputs)
    if keep is not None:
        keep.begin(ps, sc.seed, specs[0].sample_fraction)
    resumed: list[list[str]] = [[] for _ in specs]
    results = [
        run_replicate(s, ps, progress, threads=threads, keep=keep, start_from=start_from,
                      resumed=r)
        for s, r in zip(specs, resumed, strict=True)
    ]  # fmt: skip
    ds = assemble(sc, specs, results, ps, time.perf_counter() - started)
    add_inputs_record(ds, planner, fit)
    if start_from is not None:
        record = json.loads(ds.attrs["run_record"])
        # month each replicate's batches resumed from (a baseline's kept state; "" = full run)
        record["resumed"] = {str(s.replicate): r for s, r in zip(specs, resumed, strict=True)}
        ds.attrs["run_record"] = json.dumps(record, ensure_ascii=False, default=str)
    return ds


def planner_parameters(
    spec: RunSpec, ps: ParameterSet, inputs: PlannerInputs | str | Path | None = None
) -> tuple[ParameterSet, PlannerInputs | None, list[FitRow]]:
    """The scenario's parameters with the planner's workbook (``inputs``, default the
    scenario's ``[inputs] file``): its standards, local values and money go into the base tree
    before the scenario's overrides and standard rules (``Scenario.parameters``), then the
    caseload fit on replicate 0 of the run's counties and sample (the same in every replicate
    and dask part). ``ps``: the scenario's parameters without the workbook (returned as they
    are when there is none)."""
    sc = spec.scenario
    planner = _planner_inputs(inputs if inputs is not None else sc.inputs_file, ps)
    if planner is None:
        return ps, None, []
    table = refdata.counties()
    codes = [str(table.code[i]) for i in spec.county_indices]
    out, fit = apply_inputs(
        planner, load_parameters(), sc.start, sc.seed, spec.sample_fraction, codes, sc.parameters
    )
    return out, planner, fit


def add_inputs_record(ds: xr.Dataset, planner: PlannerInputs | None, fit: Sequence[FitRow]) -> None:
    """Put the workbook's figures and the caseload fit table into the run record (``inputs``)."""
    if planner is None:
        return
    record = json.loads(ds.attrs["run_record"])
    record["inputs"] = {**planner.record(), "fit": [r.as_dict() for r in fit]}
    ds.attrs["run_record"] = json.dumps(record, ensure_ascii=False, default=str)


def _planner_inputs(
    inputs: PlannerInputs | str | Path | None, ps: ParameterSet
) -> PlannerInputs | None:
    if inputs is None or isinstance(inputs, PlannerInputs):
        return inputs
    return read_inputs(inputs, ps)


def make_specs(
    sc: Scenario,
    replicates: int,
    sample_fraction: float | None = None,
    months: int | None = None,
    counties: Sequence[str] | None = None,
) -> list[RunSpec]:
    table = refdata.counties()
    # counties or prefectures by code or name ("五华区", "大理白族自治州"), with suggestions
    codes = places.county_codes(counties, "simulate", "counties") if counties else ()
    idx = (
        tuple(int(i) for i in table.index_of(list(codes))) if counties else tuple(range(len(table)))
    )
    frac = sample_fraction if sample_fraction is not None else sc.sample_fraction
    n_months = min(months, sc.months) if months is not None else sc.months
    return [RunSpec(sc, r, frac, idx, n_months) for r in range(replicates)]


def assemble(
    sc: Scenario,
    specs: Sequence[RunSpec],
    results: Sequence[dict[str, np.ndarray]],
    ps: ParameterSet,
    wall_time_s: float,
) -> xr.Dataset:
    """Stack replicate arrays into the Dataset, add prices, funding and the run record."""
    table = refdata.counties()
    idx = np.array(sorted(specs[0].county_indices), dtype=np.int64)
    months = sc.month_starts()[: specs[0].months]
    ds = outputs.empty_dataset(
        [sc.name],
        [s.replicate for s in specs],
        [str(c) for c in table.code[idx]],
        months,
        county_coords={
            "county_name_zh": table.name_zh[idx],
            "county_name_en": table.name_en[idx],
            "prefecture": table.prefecture_code[idx],
            "prefecture_name_zh": table.prefecture_name_zh[idx],
            "prefecture_name_en": table.prefecture_name_en[idx],
        },
    )
    for name in ds.data_vars:
        stacked = np.stack([r[str(name)] for r in results])  # replicate, county, month, ...
        ds[name].values[0] = stacked
    _add_prices(ds, sc, specs, ps)
    add_county_outputs(ds, ps)
    # issue 16: the covered groups outside the household schema (not in spending)
    ds["price_subsidy_other_groups"] = history.other_groups_subsidy(ds, ps)
    ds["orphans_subsidy"] = history.orphans_subsidy(ds, ps)
    add_funding(ds, ps, sc.shocks)
    add_standard_rules(ds, sc, ps)
    add_input_provenance(ds, ps, _month(months[-1]))
    ds.attrs["title"] = f"safetynet run: {sc.name}"
    ds.attrs["run_record"] = json.dumps(
        run_record(sc, specs, ps, wall_time_s), ensure_ascii=False, default=str
    )
    return ds


def add_input_provenance(ds: xr.Dataset, ps: ParameterSet, when: dt.date) -> None:
    """``input_estimated_share`` (scenario, county, -): 1 where a county's dibao or tekun
    standards or its caseloads rest on estimated inputs on ``when``, 0 where all are official or
    planner-supplied (``inputs.provenance``). The report weights it by need: the share of the
    budget resting on estimates."""
    kinds = provenance(ps, when).county_inputs
    keys = ("dibao_standard", "tekun_standard", "caseloads")
    flag = [
        any(kinds[str(c)][k] not in ("official", "planner") for k in keys) for c in ds.county.values
    ]
    shares = np.asarray(flag, dtype=np.float64)[None, :]
    ds["input_estimated_share"] = (("scenario", "county"), shares)
    ds["input_estimated_share"].attrs.update(
        _fund_attrs(
            "1",
            "标准或救助人数为估计值",
            "standards or caseloads estimated",
            "1 where the county's standards or caseloads rest on estimated inputs",
        )
    )


def _with_history(months: Sequence[dt.date]) -> np.ndarray:
    first = np.datetime64(months[0].isoformat()[:7]) - HISTORY_MONTHS
    last = np.datetime64(months[-1].isoformat()[:7]) + 1
    return np.arange(first, last, dtype="datetime64[M]")


def _month(m: np.datetime64) -> dt.date:
    return dt.date.fromisoformat(str(np.asarray(m).astype("datetime64[D]")))


def _add_prices(ds: xr.Dataset, sc: Scenario, specs: Sequence[RunSpec], ps: ParameterSet) -> None:
    """The CPI series each replicate was simulated with (``replicate_setup``: the path over
    the horizon and the months of history before it, so the projection continues from the
    same months), saved for the horizon; the history months go into the attrs
    ``history_first_month`` and ``history`` (one row per replicate)."""
    months = np.array([_month(m) for m in ds.month.values.astype("datetime64[M]")])
    n = len(months)
    paths: list[CpiPath] = [replicate_setup(s, ps)[1] for s in specs]
    dims = ("scenario", "replicate", "month")
    ds["cpi_yoy_pct"] = (dims, np.stack([p.cpi_yoy_pct[-n:] for p in paths])[None])
    ds["food_cpi_yoy_pct"] = (dims, np.stack([p.food_cpi_yoy_pct[-n:] for p in paths])[None])
    ds["cpi_status"] = (dims, np.stack([p.status[-n:] for p in paths])[None])
    first = str(paths[0].months[0].astype("datetime64[M]"))
    for name, series in (("cpi_yoy_pct", "cpi_yoy_pct"), ("food_cpi_yoy_pct", "food_cpi_yoy_pct")):
        hist = np.stack([getattr(p, series)[:-n] for p in paths])
        ds[name].attrs["history_first_month"] = first
        ds[name].attrs["history"] = hist.ravel().astype(np.float64)
    for name, path in (
        ("cpi_threshold_pct", "price_subsidy.cpi_threshold_pct"),
        ("food_cpi_threshold_pct", "price_subsidy.food_cpi_threshold_pct"),
    ):
        values = [float(ps.value(path, m)) for m in months]  # type: ignore[arg-type]
        ds[name] = (("scenario", "month"), np.array([values]))
    for name, unit, zh, en in (
        ("cpi_yoy_pct", "percent", "居民消费价格指数同比", "CPI year on year"),
        ("food_cpi_yoy_pct", "percent", "食品价格指数同比", "Food CPI year on year"),
        ("cpi_status", "-", "价格数据状态", "Status of the CPI value"),
        ("cpi_threshold_pct", "percent", "CPI启动条件", "CPI trigger threshold"),
        ("food_cpi_threshold_pct", "percent", "食品价格启动条件", "Food CPI trigger threshold"),
    ):
        ds[name].attrs.update({"units": unit, "long_name": en, "long_name_zh": zh})


#: sources of a county's money in a budget year (``fund_allocation`` dim ``source``)
FUND_SOURCES: tuple[str, ...] = ("central", "provincial", "prefecture", "county")
#: months before a shock whose mean need is the county's "normal" monthly need
PRE_SHOCK_MONTHS = 3


def add_funding(ds: xr.Dataset, ps: ParameterSet, shocks: Sequence[Shock] = ()) -> None:
    """The budget year (NAT 财社〔2017〕58号; S3 三(一); S4 四(十)); adds the ``fund_*`` variables
    (dims scenario, replicate, county, year; docs/budget.md) and fills the monthly
    ``transfers``, ``county_budget`` and ``funding_gap``.

    For each calendar year Y of the run: the central + provincial pool is fixed before the year
    (``funding.pool_rule``), a reserve is held back, and the rest is allocated to counties at the
    start of Y by the factor method from Y−1's figures (the base year uses its own): workload =
    caseload by programme × provincial cost per case; fiscal difficulty (1 − revenue /
    expenditure) and fiscal effort (own assistance budget / revenue) from ``funding.county_fiscal``,
    and performance (eligible households covered / eligible), each as a coefficient on the
    workload. Prefecture and county budgets are shares of Y−1's need. The reserve is released to
    counties a shock hits, for their need above the mean of the months before the shock.
    """
    from safetynet.rules.funding import (
        fiscal_difficulty,
        fiscal_effort,
        gap_and_surplus,
        pool_full_year,
        pool_split,
        release_reserve,
        reserve_held,
        scaled_by,
        workload,
    )

    codes = [str(c) for c in ds.county.values]
    need = ds["budget_need"].values  # s, r, c, t
    groups = [str(g) for g in ds.group.values]
    progs = [str(p) for p in ds.programme.values]
    persons = ds["cases_persons"].values
    households = ds["cases_households"].values
    spend = ds["spending"].values
    eligible = ds["eligible_households"].values
    covered = ds["eligible_covered_households"].values
    month_dates = [_month(m) for m in ds.month.values.astype("datetime64[M]")]
    years = sorted({d.year for d in month_dates})
    t_of = np.array([d.year for d in month_dates])
    fiscal = ps["funding.county_fiscal"]
    assert isinstance(fiscal, CountyParameter)
    pos = {c: i for i, c in enumerate(fiscal.county_codes)}
    cidx = np.array([pos[c] for c in codes], dtype=np.int64)
    given_budget = ps["funding.county_budget_yuan"]
    assert isinstance(given_budget, CountyParameter)
    gpos = {c: i for i, c in enumerate(given_budget.county_codes)}
    gidx = np.array([gpos[c] for c in codes], dtype=np.int64)
    n_s, n_r, n_c, _ = need.shape
    n_y = len(years)
    shape = (n_s, n_r, n_c, n_y)
    out = {k: np.zeros(shape) for k in ("need", "transfers", "own", "released", "gap", "surplus")}
    alloc = np.zeros((*shape, len(FUND_SOURCES)))
    share_out = np.zeros(shape)
    pools = np.zeros((n_s, n_r, n_y))
    reserves = np.zeros((n_s, n_r, n_y))
    unreleased = np.zeros((n_s, n_r, n_y))
    monthly_in = np.zeros(need.shape)
    monthly_own = np.zeros(need.shape)
    hit = _shock_months(shocks, codes, month_dates)

    def gsum(arr: np.ndarray, names: Sequence[str], tm: np.ndarray) -> np.ndarray:
        sel = [groups.index(g) for g in names]
        return np.asarray(arr[:, tm][:, :, sel].sum(axis=2))

    for s in range(n_s):
        for r in range(n_r):
            last_pool: float | None = None
            last_own: np.ndarray | None = None
            for yi, year in enumerate(years):
                tm = np.flatnonzero(t_of == year)
                prior_year = years[yi - 1] if yi > 0 else year
                tp = np.flatnonzero(t_of == prior_year)
                p = ps.at(dt.date(year, 1, 1)).funding
                n_need = need[s, r][:, tm].sum(axis=1)
                prior_need_full = need[s, r][:, tp].sum(axis=1) * 12.0 / len(tp)
                full = pool_full_year(p, last_pool, float(prior_need_full.sum()))
                last_pool = full
                pool = full * len(tm) / 12.0
                reserve = reserve_held(p, pool)
                # factors from the prior year's figures
                hh = households[s, r]
                sp = spend[s, r]
                case = {
                    "dibao": gsum(persons[s, r], DIBAO_GROUPS, tp).mean(axis=1),
                    "tekun": gsum(persons[s, r], TEKUN_GROUPS, tp).mean(axis=1),
                    "temporary": gsum(hh, ("temporary",), tp).sum(axis=1),
                }
                money = {
                    "dibao": sp[:, tp][:, :, progs.index("dibao")].sum(),
                    "tekun": sp[:, tp][:, :, [progs.index("tekun_basic"),
                                              progs.index("tekun_care")]].sum(),
                    "temporary": sp[:, tp][:, :, progs.index("temporary")].sum(),
                }  # fmt: skip
                unit = {k: float(money[k]) / max(float(case[k].sum()), 1e-9) for k in case}
                work = workload(case, unit)
                fdate = dt.date(prior_year, 12, 1)
                revenue = fiscal.at(fdate, "revenue")[cidx]
                expenditure = fiscal.at(fdate, "expenditure")[cidx]
                own_prior = (
                    last_own
                    if last_own is not None
                    else float(p.county_budget_share) * prior_need_full
                )
                perf = covered[s, r][:, tp].sum(axis=1) / np.maximum(
                    eligible[s, r][:, tp].sum(axis=1), 1e-9
                )
                shares = funding.factor_shares(
                    p,
                    {
                        "workload": work,
                        "fiscal_difficulty": scaled_by(
                            work, fiscal_difficulty(revenue, expenditure)
                        ),
                        "fiscal_effort": scaled_by(work, fiscal_effort(own_prior, revenue)),
                        "performance": scaled_by(work, perf),
                    },
                )
                allocated = (pool - reserve) * shares
                central, provincial = pool_split(p, allocated)
                months_share = len(tm) / 12.0
                own = (
                    funding.county_own_budget(
                        p, prior_need_full, given_budget.at(dt.date(year, 1, 1), "all")[gidx]
                    )
                    * months_share
                )
                last_own = own * 12.0 / len(tm)
                prefecture = float(p.prefecture_budget_share) * prior_need_full * months_share
                # reserve released month by month to the counties a shock hits
                left = reserve
                released_m = np.zeros((n_c, len(tm)))
                for k, t in enumerate(tm):
                    if not hit[:, t].any():
                        continue
                    normal = _normal_need(need[s, r], hit, int(t))
                    request = np.where(hit[:, t], np.clip(need[s, r][:, t] - normal, 0, None), 0)
                    got = release_reserve(left, request)
                    released_m[:, k] = got
                    left -= float(got.sum())
                released = released_m.sum(axis=1)
                funds = central + provincial + prefecture + own
                gap, surplus = gap_and_surplus(n_need, funds, released)
                out["need"][s, r, :, yi] = n_need
                out["transfers"][s, r, :, yi] = central + provincial
                out["own"][s, r, :, yi] = own
                out["released"][s, r, :, yi] = released
                out["gap"][s, r, :, yi] = gap
                out["surplus"][s, r, :, yi] = surplus
                share_out[s, r, :, yi] = shares
                for j, part in enumerate((central, provincial, prefecture, own)):
                    alloc[s, r, :, yi, j] = part
                pools[s, r, yi] = pool
                reserves[s, r, yi] = reserve
                unreleased[s, r, yi] = left
                per_month = (central + provincial + prefecture) / len(tm)
                monthly_in[s, r][:, tm] = per_month[:, None] + released_m
                monthly_own[s, r][:, tm] = (own / len(tm))[:, None]
    ds["transfers"].values[:] = monthly_in
    ds["county_budget"].values[:] = monthly_own
    ds["funding_gap"].values[:] = funding.funding_gap(need, monthly_in, monthly_own)
    ds.coords["year"] = np.array(years, dtype=np.int64)
    ds.coords["source"] = list(FUND_SOURCES)
    dims = ("scenario", "replicate", "county", "year")
    for name, arr, zh, en, desc in (
        ("fund_need", out["need"], "年度资金需求", "Budget need of the year",
         "Sum of the monthly budget need over the months of the year in the run."),
        ("fund_transfers", out["transfers"], "中央和省级补助资金", "Central + provincial",
         "The county's allocation from the pool (reserve excluded), set at the start of the year."),
        ("fund_own_budget", out["own"], "县级预算安排", "County own budget",
         "Set at the start of the year: funding.county_budget_share x last year's need."),
        ("fund_reserve_released", out["released"], "应急预留资金下达", "Reserve released",
         "Emergency reserve released to the county after a shock hit it."),
        ("fund_gap", out["gap"], "资金缺口", "Funding gap",
         "max(0, need - allocation from all sources - reserve released)."),
        ("fund_surplus", out["surplus"], "资金结余", "Funding surplus",
         "max(0, allocation from all sources + reserve released - need)."),
        ("fund_factor_share", share_out, "因素法分配系数", "Factor-method share",
         "County's share of the allocated pool (factor method, last year's figures)."),
    ):  # fmt: skip
        ds[name] = (
            dims,
            arr,
            _fund_attrs("-" if name == "fund_factor_share" else "yuan", zh, en, desc),
        )
    ds["fund_allocation"] = (
        (*dims, "source"),
        alloc,
        _fund_attrs("yuan", "分级资金安排", "Allocation by source",
                    "Money set for the county at the start of the year, by source."),
    )  # fmt: skip
    for name, arr3, zh, en in (
        ("fund_pool", pools, "上级补助资金总额", "Central and provincial pool"),
        ("fund_reserve", reserves, "应急预留资金", "Emergency reserve held back"),
        ("fund_reserve_unreleased", unreleased, "未下达预留资金", "Reserve not released"),
    ):
        ds[name] = (("scenario", "replicate", "year"), arr3, _fund_attrs("yuan", zh, en, en + "."))


def add_standard_rules(ds: xr.Dataset, sc: Scenario, ps: ParameterSet) -> None:
    """``standard_rule`` (scenario, year): which rule set each year's standards (standards.py);
    also in ``ds.attrs["standard_rules"]`` as JSON {year: rule}."""
    from safetynet import standards

    years = sorted({int(y) for y in ds["month"].dt.year.values})
    rules = standards.rules_by_year(ps, years)
    if "year" not in ds.coords:
        ds.coords["year"] = np.array(years, dtype=np.int64)
    ds["standard_rule"] = (("scenario", "year"), np.array([rules], dtype=object))
    ds["standard_rule"].attrs.update(
        _fund_attrs("-", "标准调整办法", "Standard-setting rule",
                    "dibao.standard_rule on each year's adjustment date "
                    "(table, consumption, cpi, rise).")
    )  # fmt: skip
    ds.attrs["standard_rules"] = json.dumps(dict(zip(years, rules, strict=True)))


def _fund_attrs(unit: str, zh: str, en: str, desc: str) -> dict[str, str]:
    return {"units": unit, "long_name": en, "long_name_zh": zh, "description": desc}


def _shock_months(
    shocks: Sequence[Shock], codes: Sequence[str], months: Sequence[dt.date]
) -> np.ndarray:
    """county × month: True where a scenario shock hits the county."""
    out = np.zeros((len(codes), len(months)), dtype=bool)
    pos = {c: i for i, c in enumerate(codes)}
    keys = [m.year * 12 + m.month for m in months]
    for sh in shocks:
        first = sh.start.year * 12 + sh.start.month
        rows = [pos[c] for c in sh.counties if c in pos]
        for t, k in enumerate(keys):
            if first <= k < first + sh.months:
                out[rows, t] = True
    return out


def _normal_need(need: np.ndarray, hit: np.ndarray, t: int) -> np.ndarray:
    """Each county's normal monthly need before the shock that hits it in month ``t``: the mean of
    the ``PRE_SHOCK_MONTHS`` months before the shock began (its first hit month)."""
    out = np.zeros(need.shape[0])
    for c in np.flatnonzero(hit[:, t]):
        first = t
        while first > 0 and hit[c, first - 1]:
            first -= 1
        lo = max(0, first - PRE_SHOCK_MONTHS)
        out[c] = need[c, lo:first].mean() if first > lo else need[c, t]
    return out


def code_version() -> str:
    """Package version plus the git commit (``-dirty`` if changed) when run from a checkout."""
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--abbrev=7"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
        commit = out.stdout.strip()
    except OSError:
        commit = ""
    return f"{__version__}+{commit}" if commit else __version__


@functools.lru_cache(maxsize=8)
def _baseline_tree(last_year: int) -> ParameterSet:
    """The package's tree with its own standard rules through ``last_year`` (the same for
    every run, so built once per process)."""
    from safetynet import standards

    return standards.scenario_parameters(load_parameters(), (), last_year)


def run_record(
    sc: Scenario, specs: Sequence[RunSpec], ps: ParameterSet, wall_time_s: float
) -> dict[str, Any]:
    """What a reader needs to reproduce the run: code, scenario, parameter diff, seeds, data."""

    # the baseline tree with its own standard rules: the diff lists the scenario's changes only
    base = _baseline_tree(sc.end.year)
    diff = [
        {
            "path": r.path,
            "label_zh": r.label_zh,
            "label_en": r.label_en,
            "unit": r.unit,
            "start": r.start.isoformat(),
            "where": r.where,
            "old": r.old,
            "new": r.new,
            "status": r.status,
            "reference": r.reference,
            "planner": r.planner,
        }
        for r in base.diff(ps)
    ]
    return {
        "code_version": code_version(),
        "scenario": {
            "name": sc.name,
            "title_zh": sc.title_zh,
            "title_en": sc.title_en,
            "description": sc.description,
            "file": str(sc.source_path) if sc.source_path else "",
            "sha256": sc.sha256,
        },
        "parameter_diff": diff,
        "seeds": {"seed": sc.seed, "replicates": [s.replicate for s in specs]},
        "replicates": len(specs),
        "sample_fraction": specs[0].sample_fraction,
        "months": specs[0].months,
        "start": str(sc.start),
        "data_version": refdata.data_version(),
        "wall_time_s": round(wall_time_s, 3),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def save(ds: xr.Dataset, path: str | Path, variables: Sequence[str] | None = None) -> Path:
    """Write the Dataset atomically as compressed NetCDF.

    ``variables`` (a scenario's ``outputs.variables``) keeps only those declared outputs; the
    price series and their thresholds are always kept.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if variables is not None:
        keep = set(variables) | {str(v) for v in ds.data_vars if str(v) not in VARIABLE_BY_NAME}
        ds = ds[[v for v in ds.data_vars if str(v) in keep]]
    encoding = {
        str(v): {"zlib": True, "complevel": 4}
        for v in ds.data_vars
        if np.issubdtype(ds[v].dtype, np.number)
    }
    with written_atomically({"nc": path}) as tmp:
        ds.to_netcdf(tmp["nc"], engine="netcdf4", encoding=encoding)
    return path


def quantiles(ds: xr.Dataset, q: Sequence[float] = (0.1, 0.5, 0.9)) -> xr.Dataset:
    """P10/P50/P90 (by default) over replicates, numeric variables only."""
    num = ds[[v for v in ds.data_vars if np.issubdtype(ds[v].dtype, np.number)]]
    out = num.quantile(list(q), dim="replicate")
    for v in out.data_vars:
        out[v].attrs = ds[v].attrs
    return out
