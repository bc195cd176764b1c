"""The inverse questions on a tiny run (3 counties, small sample, 1 replicate, 2019-05..2021-12):
the solver's tolerance, common random numbers, the frontier table and chart, [budget] keys."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from safetynet import budget
from safetynet.errors import InputError, ScenarioError
from safetynet.scenario import Scenario, load_scenario

COUNTIES = ["530102", "530324", "532901"]
TEXT = """
[scenario]
name = "{name}"
title = {{zh = "测试", en = "test"}}

[horizon]
start = "2019-05"
end = "2021-12"

[run]
replicates = 1
seed = 7
sample_fraction = 0.003
{extra}
"""
RUN = {"counties": COUNTIES, "threads": 1}


def _load(tmp_path: Path, name: str = "tiny", extra: str = "") -> Scenario:
    path = tmp_path / f"{name}.toml"
    path.write_text(TEXT.format(name=name, extra=extra), encoding="utf-8")
    return load_scenario(path)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    return _load(tmp_path_factory.mktemp("solve"))


def test_solve_lands_within_its_tolerance(tiny: Scenario) -> None:
    res = budget.solve(tiny, 2021, budget_over_baseline=0.05, xtol=1e-3, **RUN)  # type: ignore[arg-type]
    assert res.converged
    assert 0.0 < res.rise < 0.2
    assert res.goal == pytest.approx(res.baseline * 1.05)
    assert len(res.trials) == len(res.table()) >= 3
    # brentq's guarantee: a sign change of need − goal within xtol of the rise
    lo = budget.evaluate(tiny, 2021, res.rise - res.xtol, res.rise - res.xtol, **RUN)  # type: ignore[arg-type]
    hi = budget.evaluate(tiny, 2021, res.rise + res.xtol, res.rise + res.xtol, **RUN)  # type: ignore[arg-type]
    assert lo.need_yuan <= res.goal <= hi.need_yuan
    # common random numbers: rerunning the found rise reproduces its need exactly
    again = budget.evaluate(tiny, 2021, res.rise, res.rise, **RUN)  # type: ignore[arg-type]
    assert again.need_yuan == res.achieved
    assert abs(res.residual) <= (hi.need_yuan - lo.need_yuan) / res.goal


def test_solve_reports_an_unreachable_goal(tiny: Scenario) -> None:
    res = budget.solve(tiny, 2021, budget=1.0, **RUN)  # type: ignore[arg-type]
    assert not res.converged and res.notes
    with pytest.raises(InputError, match="exactly one"):
        budget.solve(tiny, 2021, budget=1.0, persons=5.0)
    with pytest.raises(InputError, match="within the horizon"):
        budget.evaluate(tiny, 2030)


def test_frontier_table_and_chart(tiny: Scenario, tmp_path: Path) -> None:
    df = budget.frontier(tiny, 2021, rural=(0.0, 0.1), urban=(0.0, 0.1), **RUN)  # type: ignore[arg-type]
    assert len(df) == 4
    assert {"need_yuan", "persons", "exclusion_error", "funding_gap_yuan", "pareto"} <= set(df)
    base = df[(df.rural_rise == 0) & (df.urban_rise == 0)].iloc[0]
    both = df[(df.rural_rise == 0.1) & (df.urban_rise == 0.1)].iloc[0]
    assert both.need_yuan > base.need_yuan
    assert df["pareto"].any()
    png = budget.frontier_chart(df, 2021, tmp_path / "f.png", "en")
    assert png.stat().st_size > 10_000


def test_pareto_mask_hand_computed() -> None:
    cost = np.array([1.0, 2.0, 2.0, 3.0])
    persons = np.array([5.0, 6.0, 5.0, 6.0])
    exclusion = np.array([0.2, 0.1, 0.3, 0.1])
    assert budget.pareto_mask(cost, persons, exclusion).tolist() == [True, True, False, False]


def test_budget_keys_expand_and_are_validated(tmp_path: Path) -> None:
    sc = _load(
        tmp_path,
        extra='[budget]\nstandard_rule = "rise"\nstandard_rule_from = "2021-01"\n'
        'pool_yuan = {"2021" = 5e8}\nreserve_share = 0.1\n',
    )
    ps = sc.parameters()
    import datetime as dt

    assert ps.value("funding.pool_rule", dt.date(2021, 3, 1)) == "given"
    assert ps.value("funding.pool_rule", dt.date(2022, 3, 1)) == "growth"
    assert ps.value("funding.transfer_pool_yuan", dt.date(2021, 3, 1)) == 5e8
    assert ps.value("dibao.standard_rule", dt.date(2021, 7, 1)) == "rise"
    assert ps.value("funding.reserve_share", dt.date(2020, 1, 1)) == 0.1
    for extra, key in (
        ('[budget]\npool_yuan = {"2035" = 5e8}\n', "budget.pool_yuan.2035"),
        ('[budget]\nstandard_rule = "rise"\n', "budget.standard_rule_from"),
        (
            '[budget]\nstandard_rule = "magic"\nstandard_rule_from = "2021-01"\n',
            "budget.standard_rule",
        ),
        ("[budget]\nreserve_share = 1.5\n", "budget.reserve_share"),
        ("[budget]\npool = 1\n", "budget.pool"),
    ):
        with pytest.raises(ScenarioError, match=key.replace(".", r"\.")):
            _load(tmp_path, "bad", extra)


def test_rise_overrides_uniform_and_per_prefecture(tiny: Scenario) -> None:
    uniform = budget.rise_overrides(tiny, 2021, 0.05, 0.0)
    assert [(o.path, o.keys, o.counties, o.relative) for o in uniform] == [
        ("dibao.standard", ("rural",), None, 0.05),
        ("dibao.floor_rural", None, None, 0.05),  # the floor rises with a uniform rise
    ]
    (dali,) = budget.rise_overrides(tiny, 2021, 0.0, 0.1, prefectures=("532900",))
    assert dali.path == "dibao.standard" and dali.keys == ("urban",)
    assert dali.counties is not None and len(dali.counties) == 12  # Dali's 12 counties
    assert all(c.startswith("5329") for c in dali.counties)
    with pytest.raises(InputError, match="prefecture codes"):
        budget.rise_overrides(tiny, 2021, 0.1, 0.0, prefectures=("999900",))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["solve", "scenarios/baseline.toml", "--year", "2040", "--budget", "1"], "--year"),
        (["solve", "scenarios/baseline.toml", "--year", "2026"], "exactly one of"),
        (
            [
                "solve",
                "scenarios/baseline.toml",
                "--year",
                "2026",
                "--budget",
                "1",
                "--areas",
                "suburb",
            ],
            "--areas",
        ),
        (["frontier", "scenarios/baseline.toml", "--year", "2026", "--rural", "0,abc"], "--rural"),
    ],
)
def test_cli_refuses_bad_options_before_work(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from safetynet.cli import main

    repo = Path(__file__).parent.parent
    args = [str(repo / a) if a.endswith(".toml") else a for a in args]
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 2
    out = capsys.readouterr()
    assert message in out.err and out.out == ""
