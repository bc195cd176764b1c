"""The inverse questions (issue #14): what standard fits a budget, and the frontier of standards
against cost and coverage. For notebooks and the ``safetynet solve`` / ``frontier`` commands.

A *rise* r is a relative change of the county dibao standards (rural and/or urban, all counties
or those of some prefectures) from January of the budget year Y, on top of the scenario's path
(standards set by rule, then the scenario's overrides): ``dibao.standard`` × (1 + r). A uniform
rise of all counties also lifts the provincial floor of that area by r, so that the standards
stay within the floor and the 10% band (S3 三(二), S4 二(二)).

Every trial runs the scenario from its start through December of Y with the scenario's seed:
the random streams are keyed by purpose, county and replicate, so all trials see the same
households and events (common random numbers) and differ only by the rise.

``solve`` finds r with ``scipy.optimize.brentq`` (bracketing; the bracket is widened upward
until it holds the root) so that Y's budget need (province, mean over replicates) equals a
budget, or Y's persons covered (dibao + tekun, mean of the months) equal a target. The
tolerance is stated: brentq stops when the bracket is narrower than ``xtol`` (in r); the
result also gives the relative residual of the target. Because a sample has whole households,
the need is a step function of r: the residual is bounded by the step size, not by ``xtol``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import xarray as xr

from safetynet import refdata
from safetynet.constants import EDGE_GROUP, GROUPS
from safetynet.errors import InputError
from safetynet.params import Override
from safetynet.scenario import Scenario, load_scenario
from safetynet.simulation import simulate

Target = Literal["need", "persons"]
AREAS = ("rural", "urban")
#: the covered caseload groups (the programme groups, without edge and temporary)
PERSON_GROUPS = GROUPS[:EDGE_GROUP]


@dataclass(frozen=True)
class Outcome:
    """Year-Y figures of one trial (province totals, mean over replicates)."""

    rural_rise: float
    urban_rise: float
    need_yuan: float
    persons: float
    exclusion_error: float
    funding_gap_yuan: float
    funding_surplus_yuan: float
    seconds: float


@dataclass(frozen=True)
class SolveResult:
    """What ``solve`` found: the rise, the target and what the rise achieves, every trial."""

    rise: float
    target: Target
    goal: float
    achieved: float
    year: int
    areas: tuple[str, ...]
    prefectures: tuple[str, ...]
    xtol: float
    converged: bool
    trials: tuple[Outcome, ...]
    seconds: float
    baseline: float = float("nan")
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def residual(self) -> float:
        """(achieved − goal) / goal."""
        return (self.achieved - self.goal) / self.goal if self.goal else float("nan")

    def table(self) -> pd.DataFrame:
        return trials_table(self.trials)


def trials_table(trials: Sequence[Outcome]) -> pd.DataFrame:
    """One row per trial, in the order run."""
    return pd.DataFrame([t.__dict__ for t in trials])


def rise_overrides(
    sc: Scenario,
    year: int,
    rural: float,
    urban: float,
    prefectures: Sequence[str] = (),
) -> tuple[Override, ...]:
    """Overrides for a rise of the rural/urban standards from January of ``year``."""
    start = dt.date(year, 1, 1)
    ref = f"safetynet solve/frontier: standard rise from {year}-01"
    counties: tuple[str, ...] | None = None
    if prefectures:
        table = refdata.counties()
        known = set(table.prefectures.tolist())
        bad = [p for p in prefectures if p not in known]
        if bad:
            raise InputError("--prefecture", "prefecture", "prefecture codes like 532900", str(bad))
        counties = tuple(str(c) for c in table.code[np.isin(table.prefecture_code, prefectures)])
    out: list[Override] = []
    for area, r in (("rural", rural), ("urban", urban)):
        if r == 0.0:
            continue
        out.append(Override("dibao.standard", start, relative=r, counties=counties, keys=(area,),
                            reference=ref))  # fmt: skip
        if counties is None:
            out.append(Override(f"dibao.floor_{area}", start, relative=r, reference=ref))
    return tuple(out)


def _with_rise(
    sc: Scenario, year: int, rural: float, urban: float, prefs: Sequence[str]
) -> Scenario:
    extra = rise_overrides(sc, year, rural, urban, prefs)
    keys = sc.override_keys if len(sc.override_keys) == len(sc.overrides) else tuple(
        f"overrides[{i}]" for i in range(len(sc.overrides))
    )  # fmt: skip
    return replace(
        sc,
        overrides=sc.overrides + extra,
        override_keys=keys + tuple("rise" for _ in extra),
    )


def solved_scenario_text(sc: Scenario, result: SolveResult, name: str) -> str:
    """The scenario file of ``sc`` with the found rise added as ``[[overrides]]`` and renamed
    ``name`` (no ``baseline`` key): run it with ``safetynet run`` to check the solution."""
    import re

    text = sc.source_path.read_text(encoding="utf-8")
    text = re.sub(r'(?m)^name\s*=\s*"[^"]*"', f'name = "{name}"', text, count=1)
    text = re.sub(r"(?m)^baseline\s*=.*$\n?", "", text)
    rural = result.rise if "rural" in result.areas else 0.0
    urban = result.rise if "urban" in result.areas else 0.0
    blocks = [f"\n# added by safetynet solve: rise {result.rise:+.6f} from {result.year}-01\n"]
    for ov in rise_overrides(sc, result.year, rural, urban, result.prefectures):
        lines = ["[[overrides]]", f'path = "{ov.path}"', f'from = "{ov.start:%Y-%m}"']
        if ov.keys:
            lines.append(f'keys = ["{ov.keys[0]}"]')
        if ov.counties:
            lines.append("counties = [" + ", ".join(f'"{c}"' for c in ov.counties) + "]")
        lines += [f"relative = {ov.relative!r}", f'reference = "{ov.reference}"']
        blocks.append("\n".join(lines) + "\n")
    # TOML lets an array of tables continue after other tables: appended at the end
    return text.rstrip() + "\n" + "\n".join(blocks)


def months_through(sc: Scenario, year: int) -> int:
    """Months from the scenario's start through December of ``year`` (refused outside the
    horizon)."""
    if not sc.start.year <= year <= sc.end.year:
        raise InputError(
            str(sc.source_path),
            "--year",
            f"a year within the horizon {sc.start.year}..{sc.end.year}",
            str(year),
        )
    return (year - sc.start.year) * 12 + 12 - (sc.start.month - 1)


def outcome(ds: xr.Dataset, year: int, rural: float, urban: float, seconds: float) -> Outcome:
    """Year-``year`` totals of a run: need, persons covered, exclusion error, gap, surplus."""
    m = ds.isel(scenario=0)
    months = m["month"].dt.year == year
    need = float(m["budget_need"].sel(month=months).sum(("county", "month")).mean("replicate"))
    persons = float(
        m["cases_persons"]
        .sel(month=months, group=list(PERSON_GROUPS))
        .sum(("county", "group"))
        .mean("month")
        .mean("replicate")
    )
    eligible = float(m["eligible_households"].sel(month=months).sum())
    covered = float(m["eligible_covered_households"].sel(month=months).sum())
    exclusion = 1.0 - covered / eligible if eligible > 0 else 0.0
    gap = float(m["fund_gap"].sel(year=year).sum("county").mean("replicate"))
    surplus = float(m["fund_surplus"].sel(year=year).sum("county").mean("replicate"))
    return Outcome(rural, urban, need, persons, exclusion, gap, surplus, round(seconds, 2))


def evaluate(
    scenario: Scenario | str | Path,
    year: int,
    rural: float = 0.0,
    urban: float = 0.0,
    *,
    prefectures: Sequence[str] = (),
    sample_fraction: float | None = None,
    replicates: int | None = None,
    counties: Sequence[str] | None = None,
    threads: int | None = None,
) -> Outcome:
    """One trial: the scenario with the rise, run through December of ``year``."""
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    months = months_through(sc, year)
    started = time.perf_counter()
    ds = simulate(
        _with_rise(sc, year, rural, urban, prefectures),
        replicates=replicates,
        sample_fraction=sample_fraction,
        months=months,
        counties=counties,
        threads=threads,
    )
    return outcome(ds, year, rural, urban, time.perf_counter() - started)


def solve(
    scenario: Scenario | str | Path,
    year: int,
    *,
    budget: float | None = None,
    budget_over_baseline: float | None = None,
    persons: float | None = None,
    areas: Sequence[str] = AREAS,
    prefectures: Sequence[str] = (),
    bracket: tuple[float, float] = (0.0, 0.2),
    max_rise: float = 2.0,
    xtol: float = 1e-3,
    sample_fraction: float | None = None,
    replicates: int | None = None,
    counties: Sequence[str] | None = None,
    threads: int | None = None,
    log: Callable[[Outcome], None] | None = None,
) -> SolveResult:
    """The rise r of the ``areas`` standards from ``year`` that makes ``year``'s need equal
    ``budget`` (yuan; or the scenario's own need × (1 + ``budget_over_baseline``)), or its persons
    covered equal ``persons``. Returns r, what it achieves and every trial (module docstring)."""
    from scipy.optimize import brentq

    given = [x is not None for x in (budget, budget_over_baseline, persons)]
    if sum(given) != 1:
        raise InputError("solve", "target", "exactly one of budget, budget_over_baseline, persons")
    bad = [a for a in areas if a not in AREAS]
    if bad or not areas:
        raise InputError("solve", "areas", "rural and/or urban", str(list(areas)))
    if not (bracket[0] < bracket[1] and bracket[0] > -1.0):
        raise InputError("solve", "bracket", "lo < hi with lo > -1", str(bracket))
    if xtol <= 0:
        raise InputError("solve", "xtol", "a positive tolerance", str(xtol))
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    target: Target = "persons" if persons is not None else "need"
    started = time.perf_counter()
    trials: list[Outcome] = []
    cache: dict[float, Outcome] = {}

    def run(r: float) -> Outcome:
        key = round(r, 12)
        if key not in cache:
            o = evaluate(
                sc,
                year,
                rural=r if "rural" in areas else 0.0,
                urban=r if "urban" in areas else 0.0,
                prefectures=prefectures,
                sample_fraction=sample_fraction,
                replicates=replicates,
                counties=counties,
                threads=threads,
            )
            cache[key] = o
            trials.append(o)
            if log is not None:
                log(o)
        return cache[key]

    def value(o: Outcome) -> float:
        return o.persons if target == "persons" else o.need_yuan

    lo, hi = bracket
    f_lo = value(run(lo))
    baseline = value(run(0.0)) if lo != 0.0 else f_lo
    if budget_over_baseline is not None:
        goal = baseline * (1.0 + budget_over_baseline)
    else:
        goal = float(budget if budget is not None else persons)  # type: ignore[arg-type]
    notes: list[str] = []
    if f_lo > goal:
        notes.append(f"the goal is below the value at the lowest rise {lo:g}")
        return SolveResult(lo, target, goal, f_lo, year, tuple(areas), tuple(prefectures), xtol,
                           False, tuple(trials), time.perf_counter() - started, baseline,
                           tuple(notes))  # fmt: skip
    f_hi = value(run(hi))
    while f_hi < goal and hi < max_rise:
        lo, f_lo = hi, f_hi
        hi = min(hi * 2.0, max_rise)
        f_hi = value(run(hi))
    if f_hi < goal:
        notes.append(f"the goal is above the value at the highest rise {hi:g}")
        return SolveResult(hi, target, goal, f_hi, year, tuple(areas), tuple(prefectures), xtol,
                           False, tuple(trials), time.perf_counter() - started, baseline,
                           tuple(notes))  # fmt: skip
    root = float(brentq(lambda r: value(run(r)) - goal, lo, hi, xtol=xtol))
    achieved = value(run(root))
    return SolveResult(root, target, goal, achieved, year, tuple(areas), tuple(prefectures), xtol,
                       True, tuple(trials), time.perf_counter() - started, baseline,
                       tuple(notes))  # fmt: skip


def frontier(
    scenario: Scenario | str | Path,
    year: int,
    rural: Sequence[float] = (0.0, 0.05, 0.10),
    urban: Sequence[float] = (0.0, 0.05, 0.10),
    *,
    prefectures: Sequence[str] = (),
    sample_fraction: float | None = None,
    replicates: int | None = None,
    counties: Sequence[str] | None = None,
    threads: int | None = None,
    log: Callable[[Outcome], None] | None = None,
) -> pd.DataFrame:
    """A grid of rural × urban rises → one row each: cost (need), persons covered, exclusion
    error, funding gap and surplus of ``year``, and ``pareto`` (not dominated: no other point
    costs no more, covers no fewer persons and has no higher exclusion error, and is better in
    one of them)."""
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    rows = []
    for r in rural:
        for u in urban:
            o = evaluate(sc, year, r, u, prefectures=prefectures, sample_fraction=sample_fraction,
                         replicates=replicates, counties=counties, threads=threads)  # fmt: skip
            if log is not None:
                log(o)
            rows.append(o)
    df = trials_table(rows)
    df["pareto"] = pareto_mask(
        df["need_yuan"].to_numpy(), df["persons"].to_numpy(), df["exclusion_error"].to_numpy()
    )
    return df


def pareto_mask(cost: np.ndarray, persons: np.ndarray, exclusion: np.ndarray) -> np.ndarray:
    """True where no other point is at least as good in all three (lower cost, more persons,
    lower exclusion error) and strictly better in one.

    >>> a = np.array
    >>> pareto_mask(a([1.0, 2.0, 2.0]), a([5.0, 6.0, 5.0]), a([0.2, 0.1, 0.3])).tolist()
    [True, True, False]
    """
    n = len(cost)
    keep = np.ones(n, dtype=bool)
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            no_worse = (
                cost[j] <= cost[i] and persons[j] >= persons[i] and exclusion[j] <= exclusion[i]
            )
            better = cost[j] < cost[i] or persons[j] > persons[i] or exclusion[j] < exclusion[i]
            if no_worse and better:
                keep[i] = False
                break
    return keep


def frontier_chart(df: pd.DataFrame, year: int, path: Path, lang: str = "zh") -> Path:
    """Cost against persons covered for every grid point; Pareto points filled and joined,
    others hollow; each point labelled with its rural/urban rise. Written as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from safetynet.report import fonts

    text = {
        "zh": (f"{year}年资金需求（亿元）", f"{year}年在保人数（万人，低保+特困）",
               "帕累托最优", "其他组合", "农村", "城市", f"标准提高方案：成本与覆盖（{year}年）"),
        "en": (f"Budget need {year} (100 M yuan)", f"Persons covered {year} (10k, dibao + tekun)",
               "Pareto-optimal", "Other points", "rural", "urban",
               f"Standard rises: cost and coverage ({year})"),
    }[lang]  # fmt: skip
    family = fonts.font_family([*text, "+%0123456789./"])
    with matplotlib.rc_context(fonts.rc_params(family)):
        fig = Figure(figsize=(8.5, 6.0))
        ax = fig.add_subplot()
        x = df["need_yuan"].to_numpy() / 1e8
        y = df["persons"].to_numpy() / 1e4
        front = df["pareto"].to_numpy(dtype=bool)
        order = np.argsort(x[front])
        ax.plot(x[front][order], y[front][order], "-", color="#4477aa", lw=1.2, zorder=1)
        ax.scatter(x[front], y[front], s=60, color="#4477aa", label=text[2], zorder=2)
        ax.scatter(x[~front], y[~front], s=60, facecolors="none", edgecolors="#999999",
                   label=text[3], zorder=2)  # fmt: skip
        for xi, yi, r, u in zip(x, y, df["rural_rise"], df["urban_rise"], strict=True):
            ax.annotate(f"{text[4]}+{r:.0%} {text[5]}+{u:.0%}", (xi, yi), fontsize=7,
                        xytext=(4, 4), textcoords="offset points")  # fmt: skip
        ax.set_xlabel(text[0])
        ax.set_ylabel(text[1])
        ax.set_title(text[6], fontsize=11)
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right")
        fig.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path)
    return path
