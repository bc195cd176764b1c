"""Calibration over the 2019–2024 path (issue 16): the free behaviour parameters fitted to
dated facts beyond the start month.

The start month (2019-05) is fitted by :mod:`safetynet.calibration` (take-up, assessment
error, income tails). What happens after it is behaviour: how many eligible households apply
each month (``behaviour.application_rate``, entry), how fast checks find households that are
not eligible (``behaviour.inclusion_detection_rate``, exit), how many households the 2020
epidemic hit (``behaviour.history_shock_share``, the dated historical shock), and how often a
household without work loses its supporter (``behaviour.support_loss_rate``, the tekun entry
flow, :mod:`safetynet.behaviour.support`), and how much of each rise of the rural floor the
rural class B and C amounts follow (``dibao.rural_class_rise_share``, 分类施保: the rural
benefit per person of 2023-09). These are fitted
here with ``scipy.optimize.least_squares`` to the facts named in :data:`TARGETS` (residual =
relative error / stated tolerance), on one replicate with a fixed seed, so every trial sees the
same households and the same draws (common random numbers): differences between trials are
the parameters' doing. Every other fact of :func:`safetynet.history.fit_table` is held out.

Usage (at the shipped sample size, 2%: a trial takes about 3 s on a quiet 2-core machine;
the start point is the shipped values, factors 1)::

    python -m safetynet.path_fit --sample 0.02 --max-evaluations 30
    python -m safetynet.path_fit --sample 0.02 --free dibao.rural_class_rise_share

prints each trial and the fitted values (``--free``: only the named parameters, the others at
their shipped values); the values are then written, with the fit's date
and sample, into the parameter YAMLs (status ``calibrated``) by hand.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr
from scipy.optimize import least_squares

from safetynet import history
from safetynet.params import load_parameters
from safetynet.simulation import simulate

__all__ = ["FREE", "TARGETS", "Free", "fit", "residuals", "scenario_text", "start_point"]


@dataclass(frozen=True)
class Free:
    """A free behaviour parameter: path, how the trial value enters (``factor``: every dated
    value from ``start`` times the trial value, i.e. a relative override of value − 1; else
    the value itself from ``start`` to ``until``) and bounds. The fit starts at the shipped
    values (:func:`start_point`)."""

    path: str
    factor: bool
    start: str
    until: str | None
    lo: float
    hi: float


FREE: tuple[Free, ...] = (
    Free("behaviour.application_rate", True, "2019-05", None, 0.1, 3.0),
    Free("behaviour.inclusion_detection_rate", True, "2019-05", None, 0.1, 3.0),
    Free("behaviour.take_up_benefit_elasticity", False, "2019-05", None, 0.0, 3.0),
    Free("behaviour.history_shock_share", False, "2020-02", "2020-02", 0.001, 0.3),
    Free("behaviour.support_loss_rate", False, "2019-05", None, 0.0, 0.02),
    Free("dibao.rural_class_rise_share", False, "2019-05", None, 0.0, 1.0),
)


def start_point() -> np.ndarray:
    """The shipped values: factor 1 for a factor, else the parameter file's value at ``start``."""
    ps = load_parameters()
    x0 = []
    for f in FREE:
        v = 1.0 if f.factor else ps.value(f.path, _first_day(f.start))
        if not isinstance(v, int | float):
            raise TypeError(f"{f.path}: a number expected, found {v!r}")
        x0.append(float(v))
    return np.array(x0)


def _first_day(month: str) -> dt.date:
    return dt.date(int(month[:4]), int(month[5:7]), 1)


#: facts the path fit uses (history_facts keys); the rest of the fit table is held out
TARGETS: tuple[str, ...] = (
    "province_urban_dibao_persons_2023_09",
    "province_rural_dibao_persons_2023_09",
    "province_urban_dibao_persons_2020_01",
    "province_rural_dibao_persons_2020_01",
    "province_temporary_assistance_spending_2020_01_2020_03",
    "province_tekun_persons_2023_09",
    "province_rural_dibao_avg_benefit_2023_09",
)

#: months of the fit run: 2019-05..2023-09 (the last target)
MONTHS = 53

BASE = """
[scenario]
name = "path_fit"
title = {{ zh = "路径校准", en = "path calibration" }}
description = "baseline with trial behaviour parameters (safetynet.path_fit)"
baseline = "baseline"

[horizon]
start = "2019-05"
months = {months}

[run]
replicates = 1
seed = {seed}
sample_fraction = {sample}

[cpi]
mode = "historical"
"""


def scenario_text(x: Sequence[float], sample: float, seed: int, months: int = MONTHS) -> str:
    """The trial scenario: the baseline with the free parameters at ``x`` (TOML)."""
    out = [BASE.format(months=months, seed=seed, sample=sample)]
    for f, v in zip(FREE, x, strict=True):
        key, value = ("relative", float(v) - 1.0) if f.factor else ("value", float(v))
        until = f'\nuntil = "{f.until}"' if f.until else ""
        out.append(
            f'[[overrides]]\npath = "{f.path}"\nfrom = "{f.start}"{until}\n{key} = {value!r}\n'
            'reference = "safetynet.path_fit trial"\n'
        )
    return "\n".join(out)


def residuals(ds: xr.Dataset) -> tuple[np.ndarray, list[history.FitRow]]:
    """Relative error / tolerance of each target of :data:`TARGETS` (fit-table order)."""
    rows = [r for r in history.fit_table(ds) if r.key in TARGETS]
    return np.array([r.error / r.tolerance for r in rows]), rows


def fit(
    sample: float = 0.02,
    seed: int = 20190501,
    max_evaluations: int = 16,
    say: Callable[[str], None] = print,
    free: Sequence[str] | None = None,
) -> tuple[np.ndarray, list[history.FitRow]]:
    """Fit :data:`FREE` (or only those of them named in ``free``, the others held at their
    shipped values) to :data:`TARGETS`; returns the fitted ``x`` (all of :data:`FREE`) and the
    target rows at it."""
    names = [f.path for f in FREE]
    unknown = sorted(set(free or ()) - set(names))
    if unknown:
        raise ValueError(f"--free: unknown parameter {unknown[0]!r}; free ones: {names}")
    moving = np.array([free is None or f.path in free for f in FREE])
    folder = Path(tempfile.mkdtemp(prefix="safetynet-path-fit-"))
    scenarios = Path(__file__).resolve().parents[2] / "scenarios"
    cache: dict[tuple[float, ...], tuple[np.ndarray, list[history.FitRow]]] = {}

    def run(x: np.ndarray) -> tuple[np.ndarray, list[history.FitRow]]:
        key = tuple(round(float(v), 6) for v in x)
        if key not in cache:
            path = folder / "path_fit.toml"
            path.write_text(scenario_text(x.tolist(), sample, seed), encoding="utf-8")
            (folder / "baseline.toml").write_text(
                (scenarios / "baseline.toml").read_text(encoding="utf-8"), encoding="utf-8"
            )
            t = time.perf_counter()
            ds = simulate(path, threads=1)
            cache[key] = residuals(ds)
            r = cache[key][0]
            say(f"trial {len(cache)}: x = {np.round(x, 4).tolist()} cost {float(r @ r):.3f} "
                f"({time.perf_counter() - t:.0f} s)")  # fmt: skip
        return cache[key]

    x0 = start_point()
    lo = np.array([f.lo for f in FREE])[moving]
    hi = np.array([f.hi for f in FREE])[moving]

    def full(z: np.ndarray) -> np.ndarray:
        x = x0.copy()
        x[moving] = z
        return x

    res = least_squares(
        lambda z: run(full(z))[0], x0[moving], bounds=(lo, hi), diff_step=0.1,
        max_nfev=max_evaluations,
    )  # fmt: skip
    x = full(res.x)
    return x, run(x)[1]


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m safetynet.path_fit")
    ap.add_argument("--sample", type=float, default=0.02)
    ap.add_argument("--seed", type=int, default=20190501)
    ap.add_argument("--max-evaluations", type=int, default=16)
    ap.add_argument(
        "--free",
        nargs="+",
        default=None,
        metavar="PATH",
        help="fit only these of the free parameters (the others as shipped)",
    )
    args = ap.parse_args(argv)
    x, rows = fit(args.sample, args.seed, args.max_evaluations, free=args.free)
    for f, v in zip(FREE, x, strict=True):
        print(f"{f.path}: {'factor ' if f.factor else ''}{v:.6g}")
    for r in rows:
        ok = "ok" if r.within else "OUT"
        err = r.error if not math.isnan(r.error) else float("nan")
        print(f"  {r.key}: model {r.model:,.0f} fact {r.fact:,.0f} error {err:+.1%} {ok}")


if __name__ == "__main__":
    main()
