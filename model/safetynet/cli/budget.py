"""`safetynet solve` (the standard rise that fits a budget or a coverage target) and
`safetynet frontier` (a grid of standard rises → cost, coverage, exclusion error, funding gap).
Both run the scenario through December of the budget year for each trial (safetynet.budget)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from safetynet import guard
from safetynet.errors import InputError


def register(app: typer.Typer) -> None:
    """Add ``solve`` and ``frontier`` to the main app."""
    app.command("solve")(solve)
    app.command("frontier")(frontier)


def _run_options(sample: float | None, replicates: int | None, threads: int | None) -> None:
    if sample is not None and not 0 < sample <= 1:
        raise InputError("--sample", "sample", "a fraction in (0, 1]", str(sample))
    if replicates is not None and replicates < 1:
        raise InputError("--replicates", "replicates", "a positive integer", str(replicates))
    if threads is not None and threads < 1:
        raise InputError("--threads", "threads", "a positive integer", str(threads))


def _rates(text: str, option: str) -> list[float]:
    try:
        out = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise InputError(
            option, option.lstrip("-"), "comma-separated rises like 0,0.05,0.1", text
        ) from None
    if not out or any(not -1 < x <= 2 for x in out):
        raise InputError(option, option.lstrip("-"), "rises in (-1, 2] like 0,0.05,0.1", text)
    return out


def _trial_line(o: object) -> str:
    from safetynet.budget import Outcome

    assert isinstance(o, Outcome)
    return (
        f"  trial rural {o.rural_rise:+.4%} urban {o.urban_rise:+.4%}:"
        f" need {o.need_yuan / 1e8:,.3f} 亿元, persons {o.persons:,.0f},"
        f" exclusion {o.exclusion_error:.2%},"
        f" gap {o.funding_gap_yuan / 1e8:,.3f} 亿元 ({o.seconds:.1f} s)"
    )


def solve(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file (the path to start from).")],
    year: Annotated[int, typer.Option(help="Budget year Y: the rise applies from Y-01.")],
    budget: Annotated[
        float | None, typer.Option(help="Year Y's budget need to reach, yuan.")
    ] = None,
    budget_over_baseline: Annotated[
        float | None,
        typer.Option(help="Budget = the scenario's own year-Y need × (1 + this), e.g. 0.05."),
    ] = None,
    persons: Annotated[
        float | None, typer.Option(help="Coverage target: persons covered (dibao + tekun) in Y.")
    ] = None,
    areas: Annotated[
        str, typer.Option(help="Standards that rise: rural, urban or rural,urban.")
    ] = "rural,urban",
    prefecture: Annotated[
        list[str] | None, typer.Option(help="Only these prefectures rise (code; repeatable).")
    ] = None,
    lo: Annotated[float, typer.Option(help="Lower end of the starting bracket of the rise.")] = 0.0,
    hi: Annotated[
        float, typer.Option(help="Upper end of the starting bracket (widened if needed).")
    ] = 0.2,
    xtol: Annotated[float, typer.Option(help="Tolerance of brentq on the rise.")] = 1e-3,
    sample: Annotated[float | None, typer.Option(help="Sample fraction of households.")] = None,
    replicates: Annotated[int | None, typer.Option(help="Number of replicates.")] = None,
    threads: Annotated[int | None, typer.Option(help="Threads of the household step.")] = None,
    out: Annotated[Path | None, typer.Option(help="Write solve.json and trials.csv here.")] = None,
) -> None:
    """求解：找出使Y年资金需求等于预算（或在保人数达到目标）的标准提高幅度。Find the rise of the
    rural and/or urban dibao standard from year Y that makes Y's need equal a budget (or reaches
    a coverage target); brentq, common random numbers, every trial listed."""
    from safetynet.budget import months_through, solved_scenario_text
    from safetynet.budget import solve as run_solve
    from safetynet.files import written_atomically
    from safetynet.scenario import load_scenario

    _run_options(sample, replicates, threads)
    for option, value in (("--budget", budget), ("--persons", persons)):  # issue #13 guard
        if value is not None:
            guard.check_number(option, option.lstrip("-"), value, "a positive number")
            if value <= 0:
                raise InputError(option, option.lstrip("-"), "a positive number", f"got {value:g}")
    if budget_over_baseline is not None:
        guard.check_relative(
            "--budget-over-baseline", "budget_over_baseline", None, budget_over_baseline
        )
    if out is not None:
        guard.writable_dir("--out", out)
    area_list = [a.strip() for a in areas.split(",") if a.strip()]
    if not area_list or any(a not in ("rural", "urban") for a in area_list):
        raise InputError("--areas", "areas", "rural, urban or rural,urban", areas)
    given = [x for x in (budget, budget_over_baseline, persons) if x is not None]
    if len(given) != 1:
        raise InputError(
            "--budget", "target", "exactly one of --budget, --budget-over-baseline, --persons"
        )
    sc = load_scenario(scenario)
    months_through(sc, year)  # a year outside the horizon is refused before any work
    if xtol <= 0 or not lo < hi:
        raise InputError("--xtol", "xtol/lo/hi", "xtol > 0 and lo < hi", f"{xtol}, {lo}, {hi}")
    typer.echo(f"solve {sc.name} {year}: areas {','.join(area_list)}, xtol {xtol:g}")
    res = run_solve(
        sc,
        year,
        budget=budget,
        budget_over_baseline=budget_over_baseline,
        persons=persons,
        areas=area_list,
        prefectures=tuple(prefecture or ()),
        bracket=(lo, hi),
        xtol=xtol,
        sample_fraction=sample,
        replicates=replicates,
        threads=threads,
        log=lambda o: typer.echo(_trial_line(o)),
    )
    unit = "yuan" if res.target == "need" else "persons"
    typer.echo(
        f"rise {res.rise:+.4%} (xtol {res.xtol:g}): goal {res.goal:,.0f} {unit}, achieved "
        f"{res.achieved:,.0f} (residual {res.residual:+.3%}); baseline {res.baseline:,.0f}; "
        f"{len(res.trials)} trials in {res.seconds:.1f} s; converged {res.converged}"
    )
    for note in res.notes:
        typer.echo(f"note: {note}")
    if out is not None:
        info = {
            "scenario": sc.name,
            "year": year,
            "target": res.target,
            "goal": res.goal,
            "achieved": res.achieved,
            "residual": res.residual,
            "baseline": res.baseline,
            "rise": res.rise,
            "areas": list(res.areas),
            "prefectures": list(res.prefectures),
            "xtol": res.xtol,
            "converged": res.converged,
            "trials": len(res.trials),
            "seconds": round(res.seconds, 1),
            "notes": list(res.notes),
        }
        name = f"{sc.name}_solved"
        toml = solved_scenario_text(sc, res, name)
        targets = {
            "json": out / "solve.json",
            "csv": out / "trials.csv",
            "toml": out / f"{name}.toml",
        }
        with written_atomically(targets) as tmp:
            tmp["json"].write_text(json.dumps(info, ensure_ascii=False, indent=1), encoding="utf-8")
            res.table().to_csv(tmp["csv"], index=False)
            tmp["toml"].write_text(toml, encoding="utf-8")
        load_scenario(targets["toml"])  # the written scenario is valid
        typer.echo(f"written: {', '.join(str(p) for p in targets.values())}")
    if not res.converged:
        raise typer.Exit(1)


def frontier(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
    year: Annotated[int, typer.Option(help="Budget year Y: the rises apply from Y-01.")],
    rural: Annotated[str, typer.Option(help="Rural rises, comma-separated.")] = "0,0.05,0.1",
    urban: Annotated[str, typer.Option(help="Urban rises, comma-separated.")] = "0,0.05,0.1",
    prefecture: Annotated[
        list[str] | None, typer.Option(help="Only these prefectures rise (code; repeatable).")
    ] = None,
    sample: Annotated[float | None, typer.Option(help="Sample fraction of households.")] = None,
    replicates: Annotated[int | None, typer.Option(help="Number of replicates.")] = None,
    threads: Annotated[int | None, typer.Option(help="Threads of the household step.")] = None,
    lang: Annotated[str, typer.Option(help="Chart language: zh or en.")] = "zh",
    out: Annotated[Path, typer.Option(help="Folder for frontier.csv and frontier.png.")] = Path(
        "reports/frontier"
    ),
) -> None:
    """标准—成本—覆盖前沿。A grid of rural × urban standard rises from year Y → table (cost,
    persons covered, exclusion error, funding gap) and a chart with the Pareto points marked."""
    from safetynet.budget import frontier as run_frontier
    from safetynet.budget import frontier_chart, months_through
    from safetynet.files import written_atomically
    from safetynet.scenario import load_scenario

    _run_options(sample, replicates, threads)
    guard.writable_dir("--out", out)  # issue #13 guard: before the grid is simulated
    if lang not in ("zh", "en"):
        raise InputError("--lang", "lang", "zh or en", lang)
    r_list, u_list = _rates(rural, "--rural"), _rates(urban, "--urban")
    sc = load_scenario(scenario)
    months_through(sc, year)
    typer.echo(f"frontier {sc.name} {year}: {len(r_list)} x {len(u_list)} points")
    df = run_frontier(
        sc,
        year,
        r_list,
        u_list,
        prefectures=tuple(prefecture or ()),
        sample_fraction=sample,
        replicates=replicates,
        threads=threads,
        log=lambda o: typer.echo(_trial_line(o)),
    )
    with written_atomically({"csv": out / "frontier.csv", "png": out / "frontier.png"}) as tmp:
        df.to_csv(tmp["csv"], index=False)
        frontier_chart(df, year, tmp["png"].with_suffix(".png"), lang)
        tmp["png"].with_suffix(".png").replace(tmp["png"])
    typer.echo(f"written: {out / 'frontier.csv'}, {out / 'frontier.png'}")
