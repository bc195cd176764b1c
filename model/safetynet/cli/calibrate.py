"""`safetynet calibrate`: fit the calibrated parameters to the Yunnan 2019-05 targets (校准).

Writes ``calibrated/*.yaml`` (parameter files with ``from: 2019-05-01``, status ``calibrated``),
``calibration_fit.csv`` and ``calibration_fit.json`` (target, model, error, tolerance, pass)
into ``--out``; ``--write-package`` also replaces the shipped copies in
``model/safetynet/parameters/calibrated/`` and ``model/safetynet/data/calibration_fit.csv``
(only when every fit row passes). Everything is computed before anything is written; files
are replaced atomically. Exit status 1 when a fit row misses its tolerance.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from safetynet.errors import InputError

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_PARAMETERS = PACKAGE_ROOT / "parameters" / "calibrated"
PACKAGE_FIT = PACKAGE_ROOT / "data" / "calibration_fit.csv"


def register(app: typer.Typer) -> None:
    """Add ``calibrate`` to the main app."""
    app.command("calibrate")(calibrate)


def calibrate(
    sample: Annotated[
        float,
        typer.Option(
            help="Sample fraction for the final take-up solve and the fit table (0 < F ≤ 1)."
        ),
    ] = 1.0,
    search_sample: Annotated[
        float, typer.Option(help="Sample fraction for the least-squares search (≤ --sample).")
    ] = 0.05,
    seed: Annotated[int, typer.Option(help="Random seed of the population.")] = 0,
    out: Annotated[
        Path, typer.Option(help="Folder for calibrated/*.yaml and calibration_fit.csv/.json.")
    ] = Path("calibration"),
    max_evaluations: Annotated[
        int, typer.Option(help="Most least-squares evaluations in the search.")
    ] = 200,
    write_package: Annotated[
        bool, typer.Option(help="Also replace the shipped calibrated/*.yaml and fit table.")
    ] = False,
    quiet: Annotated[bool, typer.Option(help="No progress lines.")] = False,
) -> None:
    """Fit take-up, assessment error and income tails to the 2019-05 targets; write the results.

    拟合申请率、收入核查误差和收入尾部参数，使2019年5月的初始状态再现云南统计数据。
    """
    from safetynet import calibration, refdata

    if not 0.0 < sample <= 1.0:
        raise InputError("command line", "--sample", "a fraction in (0, 1]", str(sample))
    if not 0.0 < search_sample <= 1.0:
        raise InputError(
            "command line", "--search-sample", "a fraction in (0, 1]", str(search_sample)
        )
    if seed < 0:
        raise InputError("command line", "--seed", "a non-negative integer", str(seed))
    if max_evaluations < 1:
        raise InputError("command line", "--max-evaluations", "at least 1", str(max_evaluations))

    def say(message: str) -> None:
        if not quiet:
            typer.echo(message, err=True)

    result = calibration.calibrate(
        sample_fraction=sample,
        seed=seed,
        search_fraction=search_sample,
        max_evaluations=max_evaluations,
        progress=say,
    )
    meta = {
        "sample_fraction": result.sample_fraction,
        "search_fraction": result.search_fraction,
        "seed": result.seed,
        "evaluations": result.evaluations,
        "seconds": round(result.seconds, 1),
        "optimizer": result.optimizer_message,
        "data_version": refdata.data_version(),
        "date": calibration.CALIBRATION_DATE.isoformat(),
        "values": result.values,
        "passed": result.passed,
    }
    calibration.write_parameter_files(result.values, out / "calibrated", sample, seed)
    calibration.write_fit_table(
        result.rows, out / "calibration_fit.csv", out / "calibration_fit.json", meta
    )
    if write_package and result.passed:
        calibration.write_parameter_files(result.values, PACKAGE_PARAMETERS, sample, seed)
        calibration.write_fit_table(result.rows, PACKAGE_FIT)
    for r in result.rows:
        mark = "ok  " if r.passed else "MISS"
        typer.echo(
            f"{mark} {r.key:46s} target {r.target:>14.6g}  model {r.model:>14.6g}  "
            f"error {r.error:+.4f} (tol {r.tolerance:g})"
        )
    for name, value in result.values.items():
        typer.echo(f"calibrated.{name} = {value:.6g}")
    packaged = write_package and result.passed
    typer.echo(f"written: {out}/calibrated/*.yaml, {out}/calibration_fit.csv, .json"
               + (" and the package copies" if packaged else ""))  # fmt: skip
    if not result.passed:
        note = "; package copies left unchanged" if write_package else ""
        typer.echo(f"some fit rows miss their tolerance (MISS above){note}", err=True)
        raise typer.Exit(1)
