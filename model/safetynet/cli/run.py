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
    lang: Annotated[str, typer.Option(help="Report language: zh or en.")] = "",
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
    """Run a scenario: simulate, save results.nc (with run record) and write the report."""
    from safetynet import csvio
    from safetynet.inputs import fit_csv, read_inputs
    from safetynet.scenario import load_scenario
    from safetynet.simulation import save, simulate

    if sample is not None and not 0 < sample <= 1:
        raise InputError("--sample", "sample", "a fraction in (0, 1]", str(sample))
    if replicates is not None and replicates < 1:
        raise InputError("--replicates", "replicates", "a positive integer", str(replicates))
    if threads is not None and threads < 1:
        raise InputError("--threads", "threads", "a positive integer", str(threads))
    sc = load_scenario(scenario)
    book = inputs if inputs is not None else sc.inputs_file
    planner = read_inputs(book) if book is not None else None  # every bad cell before any work
    n_rep = replicates or sc.replicates
    n_months = min(months, sc.months) if months else sc.months
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
    if sc.outputs.report if report is None else report:
        from safetynet.report import load_results, write_report

        base = load_results(baseline) if baseline else None
        files = write_report(ds, out, lang=lang or sc.outputs.lang, baseline=base)
        for kind, f in files.items():
            typer.echo(f"{kind}: {f}")


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
    """Run scenarios × replicates on dask.distributed; resumes finished runs; merges results."""
    from safetynet.scenario import load_scenario
    from safetynet.simulation import save
    from safetynet.sweep import sweep as run_sweep

    scs = [load_scenario(s) for s in scenarios]  # validate everything before starting
    from safetynet.inputs import read_inputs

    for s in scs:
        if s.inputs_file is not None:
            read_inputs(s.inputs_file)  # every bad cell of the planner's workbook, before work
    total = sum(replicates or s.replicates for s in scs)
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
