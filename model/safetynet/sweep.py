"""Scenario × replicate sweeps on dask.distributed, resumable.

Each (scenario, replicate) run is one task. A local cluster is started unless the user gives
the address of an existing scheduler. Every finished run is written at once, atomically, to
``<out>/parts/<scenario>__r<replicate>.nc`` with a key of what produced it (scenario file hash,
replicate, sample fraction, months, code and data version); re-running the sweep skips parts
whose key matches, so an interrupted sweep resumes without redoing finished runs. The parts are
merged into one Dataset (scenario × replicate × county × month).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import xarray as xr

from safetynet import refdata
from safetynet.params import load_parameters
from safetynet.scenario import Scenario, load_scenario
from safetynet.simulation import (
    RunSpec,
    add_inputs_record,
    assemble,
    code_version,
    make_specs,
    planner_parameters,
    run_replicate,
    save,
)

_TRIM = "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"


def part_key(spec: RunSpec) -> str:
    """Identity of a run's inputs; a stored part is reused only if its key matches."""
    sc = spec.scenario
    text = json.dumps(
        [sc.sha256, sc.name, spec.replicate, spec.sample_fraction, spec.months,
         list(spec.county_indices), code_version(), refdata.data_version()]
    )  # fmt: skip
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def worker_threads() -> int | None:
    """Threads of the dask worker running this task (the compiled step uses as many), or
    None outside a worker."""
    try:
        from distributed import get_worker

        return int(get_worker().state.nthreads)
    except (ImportError, ValueError, AttributeError):
        return None


def run_part(spec: RunSpec) -> xr.Dataset:
    """Run one (scenario, replicate) and return its Dataset (executed on a worker, on as many
    threads as the worker has)."""
    started = time.perf_counter()
    ps = spec.scenario.parameters(load_parameters())
    ps, planner, fit = planner_parameters(spec, ps)  # the scenario's [inputs] workbook, if any
    arrays = run_replicate(spec, ps, threads=worker_threads())
    ds = assemble(spec.scenario, [spec], [arrays], ps, time.perf_counter() - started)
    add_inputs_record(ds, planner, fit)
    ds.attrs["part_key"] = part_key(spec)
    return ds


def _part_path(out: Path, spec: RunSpec) -> Path:
    return out / "parts" / f"{spec.scenario.name}__r{spec.replicate}.nc"


def _done(path: Path, key: str) -> bool:
    if not path.is_file():
        return False
    try:
        with xr.open_dataset(path, engine="netcdf4") as ds:
            return bool(ds.attrs.get("part_key") == key)
    except (OSError, ValueError):
        return False


def sweep(
    scenarios: Sequence[Scenario | str | Path],
    out: str | Path,
    *,
    replicates: int | None = None,
    sample_fraction: float | None = None,
    months: int | None = None,
    counties: Sequence[str] | None = None,
    scheduler: str | None = None,
    workers: int = 2,
    on_done: Callable[[str], None] | None = None,
) -> xr.Dataset:
    """Run every scenario × replicate on dask and merge; finished parts are reused."""
    import dask
    from dask.distributed import Client, LocalCluster, as_completed

    out = Path(out)
    scs = [s if isinstance(s, Scenario) else load_scenario(s) for s in scenarios]
    names = [s.name for s in scs]
    if len(set(names)) != len(names):
        raise ValueError(f"scenario names must be unique in a sweep: {names}")
    specs = [
        spec
        for sc in scs
        for spec in make_specs(sc, replicates or sc.replicates, sample_fraction, months, counties)
    ]
    todo = [s for s in specs if not _done(_part_path(out, s), part_key(s))]
    if todo:
        cluster = None
        if scheduler:
            client = Client(scheduler)  # type: ignore[no-untyped-call]
        else:
            # loopback only; the dashboard on a free port (":0") so parallel runs do not clash
            # dask's nanny sets MALLOC_TRIM_THRESHOLD_ in its workers, which makes glibc map
            # and zero every large numpy temporary afresh: 2-3x slower (benchmarks/RESULTS.md)
            with dask.config.set({_TRIM: None}):
                cluster = LocalCluster(  # type: ignore[no-untyped-call]
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address="127.0.0.1:0",
                )
            client = Client(cluster)  # type: ignore[no-untyped-call]
        try:
            futures = {client.submit(run_part, s, pure=False): s for s in todo}
            for fut in as_completed(futures):  # type: ignore[no-untyped-call]
                spec = futures[fut]
                save(fut.result(), _part_path(out, spec))
                if on_done is not None:
                    on_done(f"{spec.scenario.name} r{spec.replicate}")
        finally:
            client.close()  # type: ignore[no-untyped-call]
            if cluster is not None:
                cluster.close()
    return merge([_part_path(out, s) for s in specs])


def merge(paths: Sequence[Path]) -> xr.Dataset:
    """Concatenate part files into one scenario × replicate Dataset."""
    parts = [xr.load_dataset(p, engine="netcdf4") for p in paths]
    by_scenario: dict[str, list[xr.Dataset]] = {}
    for ds in parts:
        by_scenario.setdefault(str(ds.scenario.values[0]), []).append(ds)
    stacked = [
        xr.concat(v, dim="replicate", data_vars="minimal", combine_attrs="drop_conflicts")
        for v in by_scenario.values()
    ]
    records = [json.loads(v[0].attrs["run_record"]) for v in by_scenario.values()]
    merged = xr.concat(stacked, dim="scenario", data_vars="all", combine_attrs="drop_conflicts")
    record = dict(records[0])
    if len(records) > 1:
        record["runs"] = records
    merged.attrs["run_record"] = json.dumps(record, ensure_ascii=False)
    merged.attrs.pop("part_key", None)
    return merged
