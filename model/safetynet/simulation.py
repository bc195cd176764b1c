"""Run a scenario: ``simulate(scenario) -> xarray.Dataset``, and save it with its run record.

A run is scenario × replicates. Each replicate generates its population (streams keyed by
county and replicate), sets the starting programme state at the calibration month, steps the
monthly model to the end of the horizon and returns county × month arrays. Funding (transfers by
the factor method, county budget, gap) is province-wide and is added once all counties are in.
"""

from __future__ import annotations

import datetime as dt
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

from safetynet import __version__, outputs, places, refdata
from safetynet.behaviour.initial import initial_state
from safetynet.cpi_path import HISTORY_MONTHS, CpiPath, cpi_path
from safetynet.files import written_atomically
from safetynet.inputs import FitRow, PlannerInputs, apply_inputs, read_inputs
from safetynet.model import SafetyNetModel, ShockEvent, default_threads
from safetynet.outputs import VARIABLE_BY_NAME
from safetynet.params import ParameterSet, load_parameters
from safetynet.population import generate
from safetynet.rules import funding
from safetynet.scenario import Scenario, load_scenario
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
    county_indices: Sequence[int], households: np.ndarray, limit: int
) -> list[np.ndarray]:
    """Split sorted county indices into consecutive batches of at most ``limit`` expected
    households (a single larger county forms its own batch).

    >>> [b.tolist() for b in county_batches([0, 1, 2, 3], np.array([5, 5, 5, 20]), 10)]
    [[0, 1], [2], [3]]
    """
    idx = np.array(sorted(county_indices), dtype=np.int64)
    batches: list[np.ndarray] = []
    current: list[int] = []
    size = 0.0
    for c in idx:
        n = float(households[c])
        if current and size + n > limit:
            batches.append(np.array(current, dtype=np.int64))
            current, size = [], 0.0
        current.append(int(c))
        size += n
    if current:
        batches.append(np.array(current, dtype=np.int64))
    return batches


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
    return months, cpi, shocks


def run_replicate(
    spec: RunSpec,
    params: ParameterSet | None = None,
    progress: ProgressFn | None = None,
    batch_households: int = BATCH_HOUSEHOLDS,
    threads: int | None = None,
) -> dict[str, np.ndarray]:
    """Simulate one replicate; returns recorder arrays (county × month [× group/programme]).

    Only (scenario, replicate, county) enter the random streams, so the result for a county
    is the same whether it runs alone, with others, in a batch, on any number of threads, in
    this process or on a dask worker. Counties are stepped in batches of about
    ``batch_households`` households; within a batch the compiled household step runs counties
    on ``threads`` threads (default: ``model.default_threads()``).
    """
    sc = spec.scenario
    ps = params if params is not None else sc.parameters(load_parameters())
    table = refdata.counties()
    months, cpi, shocks = replicate_setup(spec, ps)
    expected = table.family_households * spec.sample_fraction
    batches = county_batches(spec.county_indices, expected, batch_households)
    total = float(sum(expected[b].sum() for b in batches)) or 1.0
    n_threads = max(1, threads if threads is not None else default_threads())

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

    parts: list[dict[str, np.ndarray]] = []
    # the next batches are generated and given their start state on other threads while a
    # batch is stepped (at most ``n_threads`` batches ahead; each batch's draws are its own)
    ahead = min(n_threads, PREPARE_AHEAD) if len(batches) > 1 else 0
    with ThreadPoolExecutor(max(ahead, 1), thread_name_prefix="safetynet-prepare") as pool:
        pending: deque[Future[Households]] = deque(
            pool.submit(prepare, idx) for idx in batches[:ahead]
        )
        for i, idx in enumerate(batches):
            hh = pending.popleft().result() if pending else prepare(idx)
            if i + ahead < len(batches) and ahead:
                pending.append(pool.submit(prepare, batches[i + ahead]))
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
            model.run(None if progress is None else _scaled(progress, share))
            parts.append(model.recorder.arrays)
            del model, hh
    return {k: np.concatenate([p[k] for p in parts], axis=0) for k in parts[0]}


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
) -> xr.Dataset:
    """Run ``scenario`` in this process and return the labelled Dataset (see outputs.py).

    ``threads``: threads of the compiled household step (default: ``SAFETYNET_THREADS`` or the
    CPUs of this process); the results do not depend on it. ``inputs``: the planner's workbook
    (default the scenario's ``[inputs] file``): its standards, local values and money replace
    the package's, and each county's start state is fitted to its caseloads (the fit table is
    in the run record under ``inputs.fit``)."""
    started = time.perf_counter()
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    ps = sc.parameters(load_parameters())
    n_rep = replicates if replicates is not None else sc.replicates
    specs = make_specs(sc, n_rep, sample_fraction, months, counties)
    ps, planner, fit = planner_parameters(specs[0], ps, inputs)
    results = [run_replicate(s, ps, progress, threads=threads) for s in specs]
    ds = assemble(sc, specs, results, ps, time.perf_counter() - started)
    add_inputs_record(ds, planner, fit)
    return ds


def planner_parameters(
    spec: RunSpec, ps: ParameterSet, inputs: PlannerInputs | str | Path | None = None
) -> tuple[ParameterSet, PlannerInputs | None, list[FitRow]]:
    """``ps`` with the planner's workbook applied (``inputs``, default the scenario's
    ``[inputs] file``): standards, local values, money, then the caseload fit on replicate 0 of
    the run's counties and sample (the same in every replicate and dask part)."""
    sc = spec.scenario
    planner = _planner_inputs(inputs if inputs is not None else sc.inputs_file, ps)
    if planner is None:
        return ps, None, []
    table = refdata.counties()
    codes = [str(table.code[i]) for i in spec.county_indices]
    out, fit = apply_inputs(planner, ps, sc.start, sc.seed, spec.sample_fraction, codes)
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
    add_funding(ds, ps)
    ds.attrs["title"] = f"safetynet run: {sc.name}"
    ds.attrs["run_record"] = json.dumps(
        run_record(sc, specs, ps, wall_time_s), ensure_ascii=False, default=str
    )
    return ds


def _with_history(months: Sequence[dt.date]) -> np.ndarray:
    first = np.datetime64(months[0].isoformat()[:7]) - HISTORY_MONTHS
    last = np.datetime64(months[-1].isoformat()[:7]) + 1
    return np.arange(first, last, dtype="datetime64[M]")


def _month(m: np.datetime64) -> dt.date:
    return dt.date.fromisoformat(str(np.asarray(m).astype("datetime64[D]")))


def _add_prices(ds: xr.Dataset, sc: Scenario, specs: Sequence[RunSpec], ps: ParameterSet) -> None:
    months = np.array([_month(m) for m in ds.month.values.astype("datetime64[M]")])
    paths: list[CpiPath] = [
        cpi_path(sc.cpi, ds.month.values.astype("datetime64[M]"), sc.seed, s.replicate, params=ps)
        for s in specs
    ]
    dims = ("scenario", "replicate", "month")
    ds["cpi_yoy_pct"] = (dims, np.stack([p.cpi_yoy_pct for p in paths])[None])
    ds["food_cpi_yoy_pct"] = (dims, np.stack([p.food_cpi_yoy_pct for p in paths])[None])
    ds["cpi_status"] = (
        ("scenario", "replicate", "month"),
        np.stack([p.status for p in paths])[None],
    )
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


def add_funding(ds: xr.Dataset, ps: ParameterSet) -> None:
    """Transfers by the factor method, county budget and gap, month by month (NAT 财社〔2017〕58号).

    Factors per county: workload = persons covered; fiscal difficulty = rural population
    (census proxy: no county fiscal data in the package); fiscal effort = the county's own
    budget; performance = share of eligible households covered.
    """
    table = refdata.counties()
    rural = table.pop_rural[table.index_of([str(c) for c in ds.county.values])].astype(float)
    need = ds["budget_need"].values
    persons = ds["cases_persons"].sum("group").values
    eligible = ds["eligible_households"].values
    covered = ds["eligible_covered_households"].values
    months = [_month(m) for m in ds.month.values.astype("datetime64[M]")]
    got = np.zeros(need.shape)
    own = np.zeros(need.shape)
    for t, when in enumerate(months):
        p = ps.at(when).funding
        for s in range(need.shape[0]):
            for r in range(need.shape[1]):
                n = need[s, r, :, t]
                own[s, r, :, t] = funding.county_budget(p, n)
                shares = funding.factor_shares(
                    p,
                    {
                        "workload": persons[s, r, :, t],
                        "fiscal_difficulty": rural,
                        "fiscal_effort": own[s, r, :, t],
                        "performance": covered[s, r, :, t] / np.maximum(eligible[s, r, :, t], 1e-9),
                    },
                )
                got[s, r, :, t] = funding.transfers(funding.transfer_pool(p, n), shares)
    ds["transfers"].values[:] = got
    ds["county_budget"].values[:] = own
    ds["funding_gap"].values[:] = funding.funding_gap(need, got, own)


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


def run_record(
    sc: Scenario, specs: Sequence[RunSpec], ps: ParameterSet, wall_time_s: float
) -> dict[str, Any]:
    """What a reader needs to reproduce the run: code, scenario, parameter diff, seeds, data."""
    base = load_parameters()
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
