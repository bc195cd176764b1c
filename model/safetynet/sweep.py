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
from typing import Any

import xarray as xr

from safetynet import guard, refdata
from safetynet.errors import InputError
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


def connect(address: str) -> Any:
    """A dask Client of the scheduler at ``address``; a scheduler that does not answer within
    ``scheduler_timeout_s`` or does not speak dask's protocol is an InputError (any error of
    the handshake with an unknown peer is one)."""
    from dask.distributed import Client

    timeout = f"{guard.limit('scheduler_timeout_s')}s"
    import dask

    try:
        with dask.config.set({"distributed.comm.timeouts.connect": timeout}):
            return Client(address, timeout=timeout, set_as_default=False)  # type: ignore[no-untyped-call]
    except Exception as exc:
        raise InputError(
            "--scheduler",
            "scheduler",
            f"a dask scheduler answering within {timeout}",
            f"{address}: {type(exc).__name__}: {exc}",
        ) from None


def check_scheduler(address: str | None) -> None:
    """Connect to the scheduler once before any work (then disconnect)."""
    if address is not None:
        connect(address).close()


def check_names(scenarios: Sequence[Scenario]) -> None:
    """Scenario names of a sweep are unique (they become the ``scenario`` coordinate)."""
    seen: dict[str, str] = {}
    for s in scenarios:
        if s.name in seen:
            raise InputError(
                s.source_path,
                "scenario.name",
                "a name used once in the sweep",
                f"{s.name!r} also in {seen[s.name]}",
            )
        seen[s.name] = str(s.source_path)


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
    check_names(scs)
    guard.positive_int("workers", workers, "workers")
    if replicates is not None:
        guard.positive_int("replicates", replicates, "replicates")
    specs = [
        spec
        for sc in scs
        for spec in make_specs(sc, replicates or sc.replicates, sample_fraction, months, counties)
    ]
    todo = [s for s in specs if not _done(_part_path(out, s), part_key(s))]
    if todo:
        cluster = None
        # not the process's default client (set_as_default=False): a Client that fails its
        # handshake would otherwise stay the default and leave dask's scheduler set to it, so
        # every later xarray write in the process takes a distributed lock from a dead peer
        if scheduler:
            timeout = f"{guard.limit('scheduler_timeout_s')}s"
            try:
                client = Client(  # type: ignore[no-untyped-call]
                    scheduler, timeout=timeout, set_as_default=False
                )
            except (OSError, TimeoutError) as exc:
                raise InputError(
                    "--scheduler",
                    "scheduler",
                    f"a dask scheduler answering within {timeout}",
                    f"{scheduler}: {exc}",
                ) from None
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
            client = Client(cluster, set_as_default=False)  # type: ignore[no-untyped-call]
        try:
            futures = {client.submit(run_part, s, pure=False): s for s in todo}
            for fut in as_completed(futures, loop=client.loop):  # type: ignore[no-untyped-call]
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
    """Concatenate part files into one scenario × replicate Dataset.

    Text coordinates and variables are widened before concatenating (numpy's fixed-width
    strings would cut every name to the length of the first). The run record is true for the
    file: ``runs`` holds one record per scenario (in file order) with its replicate count;
    the top level is the record of the last scenario, the one a report of the file shows
    (``report.tables.select_scenario``), with ``scenarios`` and ``replicates`` of the file."""
    parts = [_widen(xr.load_dataset(p, engine="netcdf4")) for p in paths]
    by_scenario: dict[str, list[xr.Dataset]] = {}
    for ds in parts:
        by_scenario.setdefault(str(ds.scenario.values[0]), []).append(ds)
    stacked = [
        xr.concat(v, dim="replicate", data_vars="minimal", combine_attrs="drop_conflicts")
        for v in by_scenario.values()
    ]
    records = []
    for v in by_scenario.values():
        rec = json.loads(v[0].attrs["run_record"])
        reps = sorted(int(r) for d in v for r in d.replicate.values)
        rec["replicates"] = len(reps)
        rec["seeds"] = {**rec.get("seeds", {}), "replicates": reps}
        records.append(rec)
    merged = xr.concat(stacked, dim="scenario", data_vars="all", combine_attrs="drop_conflicts")
    record = dict(records[-1])
    record["scenarios"] = list(by_scenario)
    record["replicates"] = int(merged.sizes["replicate"])
    record["runs"] = records
    merged.attrs["run_record"] = json.dumps(record, ensure_ascii=False)
    merged.attrs.pop("part_key", None)
    return merged


def _widen(ds: xr.Dataset) -> xr.Dataset:
    """Fixed-width text coordinates and variables as object arrays (no truncation on concat)."""
    for name in list(ds.coords) + list(ds.data_vars):
        if ds[name].dtype.kind == "U":
            ds[name] = ds[name].astype(object)
    return ds
