"""`safetynet run` (one scenario -> results + report) and `safetynet sweep` (dask)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from safetynet.errors import InputError


def register(app: typer.Typer) -> None:
    """Add ``run`` and ``sweep`` to the main app."""
    app.command("run")(run)
    app.command("sweep")(sweep)


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=False,
    )


def run(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file (scenarios/*.toml).")],
    out: Annotated[Path, typer.Option(help="Output folder for results.nc and the report.")] = Path(
        "reports/run"
    ),
    sample: Annotated[
        float | None, typer.Option(help="Sample fraction of households (0 < F <= 1).")
    ] = None,
    replicates: Annotated[int | None, typer.Option(help="Number of replicates.")] = None,
    months: Annotated[int | None, typer.Option(help="Simulate only the first N months.")] = None,
    report: Annotated[
        bool | None,
        typer.Option(help="Write report.html/.pdf/.xlsx (default: the scenario's outputs.report)."),
    ] = None,
    lang: Annotated[
        str | None, typer.Option(help="Report language: zh or en (default: the scenario's).")
    ] = None,
    baseline: Annotated[
        Path | None, typer.Option(help="Results of the baseline run, for the comparison.")
    ] = None,
    threads: Annotated[
        int | None,
        typer.Option(
            help="Threads of the household step (default: SAFETYNET_THREADS or all CPUs)."
        ),
    ] = None,
    inputs: Annotated[
        Path | None,
        typer.Option(
            help="The planner's workbook (safetynet template; default the scenario's [inputs])."
        ),
    ] = None,
) -> None:
    """Run a scenario: simulate, save results.nc (with run record) and write the report.

    Every option, the scenario, the planner's workbook (--inputs or the scenario's [inputs]),
    the report language, the baseline results and the --out folder are checked before the
    simulation starts; --out is locked for the run."""
    from safetynet import csvio, guard
    from safetynet.inputs import fit_csv, read_inputs
    from safetynet.scenario import load_scenario
    from safetynet.simulation import save, simulate

    guard.fraction("--sample", sample)
    guard.positive_int("--replicates", replicates, "replicates")
    guard.positive_int("--months", months, "months")
    guard.positive_int("--threads", threads, "threads")
    guard.env_threads()
    if lang is not None:
        guard.lang("--lang", lang)
    sc = load_scenario(scenario)
    book = inputs if inputs is not None else sc.inputs_file
    planner = read_inputs(book) if book is not None else None  # every bad cell before any work
    n_rep = replicates or sc.replicates
    n_months = _months_within(months, sc.months, "--months")
    write = sc.outputs.report if report is None else report
    lang = guard.lang("--lang", sc.outputs.lang if lang is None else lang)
    guard.writable_dir("--out", out)
    base = None
    if baseline is not None:
        from safetynet.report import load_results

        base = load_results(baseline)
    with guard.OutLock(out):
        with _progress() as bar:
            task = bar.add_task(f"{sc.name}: {n_rep} × {n_months} months", total=n_rep * n_months)
            ds = simulate(
                sc,
                replicates=n_rep,
                sample_fraction=sample,
                months=n_months,
                progress=lambda k: bar.advance(task, k),
                threads=threads,
                inputs=planner,
            )
        path = save(ds, out / "results.nc", sc.outputs.variables)
        typer.echo(f"results: {path}")
        if planner is not None:
            from safetynet.inputs import FitRow

            rows = json.loads(ds.attrs["run_record"])["inputs"]["fit"]
            fit = out / "inputs_fit.csv"
            csvio.write_text(fit, fit_csv([FitRow(**r) for r in rows]))
            missed = sum(1 for r in rows if not r["within"])
            typer.echo(f"caseload fit: {fit} ({len(rows) - missed} of {len(rows)} within noise)")
        if write:
            from safetynet.report import write_report

            files = write_report(ds, out, lang=lang, baseline=base)
            for kind, f in files.items():
                typer.echo(f"{kind}: {f}")


def _months_within(months: int | None, horizon: int, option: str) -> int:
    """--months N (1..horizon) or the whole horizon."""
    if months is None:
        return horizon
    if not 1 <= months <= horizon:
        raise InputError(
            option, "months", f"an integer in 1..{horizon} (the scenario's horizon)", str(months)
        )
    return months


def sweep(
    scenarios: Annotated[list[Path], typer.Argument(help="Scenario TOML files.")],
    out: Annotated[Path, typer.Option(help="Sweep folder (parts/ and sweep.nc).")] = Path(
        "reports/sweep"
    ),
    replicates: Annotated[int | None, typer.Option(help="Replicates per scenario.")] = None,
    sample: Annotated[float | None, typer.Option(help="Sample fraction of households.")] = None,
    months: Annotated[int | None, typer.Option(help="Simulate only the first N months.")] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="Address of an existing dask scheduler (tcp://host:port).")
    ] = None,
    workers: Annotated[int, typer.Option(help="Workers of the local cluster.")] = 2,
) -> None:
    """Run scenarios × replicates on dask.distributed; resumes finished runs; merges results.

    Options, scenario files (each once, unique names), the scheduler address (answers within
    a few seconds) and --out are checked before anything runs; --out is locked for the sweep."""
    from safetynet import guard
    from safetynet.scenario import load_scenario
    from safetynet.simulation import save
    from safetynet.sweep import check_names, check_scheduler
    from safetynet.sweep import sweep as run_sweep

    guard.unique_files("scenarios", scenarios)
    guard.positive_int("--replicates", replicates, "replicates")
    guard.fraction("--sample", sample)
    guard.positive_int("--months", months, "months")
    guard.positive_int("--workers", workers, "workers")
    guard.env_threads()
    scs = [load_scenario(s) for s in scenarios]  # validate everything before starting
    from safetynet.inputs import read_inputs

    for s in scs:
        if s.inputs_file is not None:
            read_inputs(s.inputs_file)  # every bad cell of the planner's workbook, before work
    check_names(scs)
    for s in scs:
        _months_within(months, s.months, "--months")
    guard.writable_dir("--out", out)
    guard.scheduler_address("--scheduler", scheduler)
    check_scheduler(scheduler)
    total = sum(replicates or s.replicates for s in scs)
    with guard.OutLock(out, subfolders=("parts",)):
        with _progress() as bar:
            task = bar.add_task("runs", total=total)
            ds = run_sweep(
                scs,
                out,
                replicates=replicates,
                sample_fraction=sample,
                months=months,
                scheduler=scheduler,
                workers=workers,
                on_done=lambda _name: bar.advance(task, 1),
            )
        typer.echo(f"results: {save(ds, out / 'sweep.nc')}")
