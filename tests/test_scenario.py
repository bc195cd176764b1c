"""Tests for scenario files (safetynet.scenario) and `safetynet scenario check/diff`."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import shutil
import subprocess
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from safetynet import outputs, refdata
from safetynet.cli import main
from safetynet.errors import ScenarioError
from safetynet.params import (
    PARAMETERS_DIR,
    CountyParameter,
    Override,
    ParameterSet,
    load_parameters,
)
from safetynet.scenario import Scenario, diff_scenarios, load_scenario, scenario_from_dict

REPO = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((REPO / "scenarios").glob("*.toml"))
BAD = sorted((REPO / "tests" / "scenarios_bad").glob("*.toml"))
CLI = REPO / ".venv" / "bin" / "safetynet"
D = dt.date

HEAD = """[scenario]
name = "{name}"
title = {{ zh = "测试", en = "Test" }}
{extra_head}
[horizon]
start = "2019-05"
months = 128

[run]
replicates = 2
seed = 7
sample_fraction = 0.5
"""


def _table(ps: ParameterSet, path: str = "dibao.standard") -> CountyParameter:
    p = ps[path]
    assert isinstance(p, CountyParameter)
    return p


def _expect(file: Path) -> str:
    first = file.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), f"{file.name}: first line must be '# expect: ...'"
    return first.removeprefix("# expect: ").strip()


# ------------------------------------------------------------------ a small parameter tree

YAML_SCALARS = {
    "dibao/edge_multiple.yaml": """label: {zh: 边缘倍数, en: Edge multiple}
unit: ratio
type: number
min: 1
max: 3
values:
  - {from: 2019-01-01, value: 1.5, status: estimated, reference: test}
""",
    "dibao/gradual_exit_months.yaml": """label: {zh: 渐退期, en: Gradual exit}
unit: months
type: integer
min: 0
values:
  - {from: 2019-01-01, value: 6, status: estimated, reference: test}
""",
    "tekun/care_subsidy.yaml": """label: {zh: 护理补贴, en: Care subsidy}
unit: yuan/person/month
type: mapping
min: 0
values:
  - {from: 2019-01-01, value: {able: 100, partly: 300, unable: 600}, status: estimated,
     reference: test}
""",
    "price_subsidy/activation_unit.yaml": """label: {zh: 启动单位, en: Activation unit}
unit: "-"
type: string
choices: [province, prefecture]
values:
  - {from: 2019-01-01, value: province, status: estimated, reference: test}
""",
    "services/cap_share.yaml": """label: {zh: 上限, en: Cap}
unit: share
type: number
min: 0
max: 1
values:
  - {from: 2019-01-01, value: 0.05, status: official, reference: S4 五(十四)}
""",
    "dibao/standard.yaml": """label: {zh: 低保标准, en: Dibao standard}
unit: yuan/person/month
type: number
min: 0
table: standard.csv
keys: [urban, rural]
""",
}


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> ParameterSet:
    """Urban 600 and rural 300 in every county from 2019; urban 660 from 2027."""
    root = tmp_path_factory.mktemp("params")
    for rel, text in YAML_SCALARS.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    lines = ["county_code,key,from,value,status,reference,note"]
    for code in refdata.counties().code.tolist():
        lines += [
            f"{code},urban,2019-01-01,600,estimated,test,",
            f"{code},urban,2027-01-01,660,estimated,test,",
            f"{code},rural,2019-01-01,300,estimated,test,",
        ]
    (root / "dibao" / "standard.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    shutil.copytree(PARAMETERS_DIR / "prices", root / "prices")
    return load_parameters(root)


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    def _write(name: str, body: str = "", extra_head: str = "") -> Path:
        file = tmp_path / f"{name}.toml"
        file.write_text(HEAD.format(name=name, extra_head=extra_head) + body, encoding="utf-8")
        return file

    return _write


# ------------------------------------------------------------------ the files in scenarios/


@pytest.mark.parametrize("file", SCENARIOS, ids=[f.stem for f in SCENARIOS])
def test_every_scenario_file_loads(file: Path) -> None:
    s = load_scenario(file)
    assert s.name == file.stem
    assert s.title_zh and s.title_en and s.description
    assert file.read_text(encoding="utf-8").startswith("# "), "header comment: what and why"
    assert s.sha256 == hashlib.sha256(file.read_bytes()).hexdigest()
    if s.name != "baseline":
        assert s.baseline == "baseline"


def test_required_scenarios_are_present() -> None:
    names = {f.stem for f in SCENARIOS}
    required = {
        "baseline",
        "rural_standard_raise",
        "urban_rural_unification",
        "cpi_trigger_3",
        "services_cap_3",
        "services_cap_8",
    }
    assert required <= names
    assert any(load_scenario(f).shocks for f in SCENARIOS)


def test_baseline_horizon_and_run() -> None:
    s = load_scenario(REPO / "scenarios" / "baseline.toml")
    assert (s.start, s.end, s.months) == (D(2019, 5, 1), D(2029, 12, 1), 128)
    months = s.month_starts()
    assert months.dtype == np.dtype("datetime64[M]") and months.shape == (128,)
    assert str(months[0]) == "2019-05" and str(months[-1]) == "2029-12"
    assert s.overrides == () and s.shocks == () and s.cpi.mode == "historical"
    assert s.outputs.variables == tuple(outputs.VARIABLE_BY_NAME)
    assert 0 < s.sample_fraction <= 1 and s.replicates >= 1


def test_rural_raise_is_108_percent_of_the_baseline() -> None:
    # the baseline path has its standards set by rule (issue #14): compare with it
    base = load_scenario(REPO / "scenarios" / "baseline.toml").parameters()
    s = load_scenario(REPO / "scenarios" / "rural_standard_raise.toml")
    assert s.overrides == (
        Override(
            "dibao.standard",
            D(2026, 1, 1),
            relative=0.08,
            keys=("rural",),
            reference=s.overrides[0].reference,
        ),
        Override(
            "dibao.floor_rural", D(2026, 1, 1), relative=0.08, reference=s.overrides[1].reference
        ),
    )
    ps = s.parameters()
    for when in (D(2026, 1, 1), D(2029, 12, 1)):
        old, new = _table(base), _table(ps)
        np.testing.assert_allclose(new.at(when, "rural"), 1.08 * old.at(when, "rural"))
        np.testing.assert_array_equal(new.at(when, "urban"), old.at(when, "urban"))
    before = D(2025, 12, 1)
    np.testing.assert_array_equal(
        _table(ps).at(before, "rural"),
        _table(base).at(before, "rural"),
    )
    rows = diff_scenarios(load_scenario(REPO / "scenarios" / "baseline.toml"), s)
    rows = [r for r in rows if r.path == "dibao.standard" and r.start == D(2026, 1, 1)]
    assert len(rows) == len(refdata.counties())
    assert all(r.where.endswith("/rural") and r.status == "scenario" for r in rows)
    for r in rows:
        assert isinstance(r.old, float) and isinstance(r.new, float)
        assert math.isclose(r.new, 1.08 * r.old)


def test_unification_makes_rural_equal_urban_by_2028() -> None:
    s = load_scenario(REPO / "scenarios" / "urban_rural_unification.toml")
    table = _table(s.parameters())
    base = _table(load_scenario(REPO / "scenarios" / "baseline.toml").parameters())
    rural_2028 = table.at(D(2028, 1, 1), "rural")
    np.testing.assert_allclose(rural_2028, table.at(D(2028, 1, 1), "urban"))
    np.testing.assert_array_equal(
        table.at(D(2025, 12, 1), "rural"),
        base.at(D(2025, 12, 1), "rural"),
    )
    r26, r27 = table.at(D(2026, 1, 1), "rural"), table.at(D(2027, 1, 1), "rural")
    b = base.at(D(2026, 1, 1), "rural")
    assert (b < r26).all() and (r26 < r27).all() and (r27 < rural_2028).all()


def test_earthquake_raises_two_counties_for_three_months() -> None:
    s = load_scenario(REPO / "scenarios" / "dali_earthquake.toml")
    table = _table(s.parameters())
    base = _table(load_scenario(REPO / "scenarios" / "baseline.toml").parameters())
    hit = refdata.counties().index_of(["532922", "532927"])
    for key in ("urban", "rural"):
        during = table.at(D(2026, 8, 1), key)
        old = base.at(D(2026, 8, 1), key)
        np.testing.assert_allclose(during[hit], 1.1 * old[hit])
        others = np.setdiff1d(np.arange(len(old)), hit)
        np.testing.assert_array_equal(during[others], old[others])
        after = table.at(D(2026, 9, 1), key)
        np.testing.assert_array_equal(after, base.at(D(2026, 9, 1), key))
    (shock,) = s.shocks
    assert (shock.kind, shock.counties, shock.start, shock.months) == (
        "disaster",
        ("532922", "532927"),
        D(2026, 6, 1),
        3,
    )
    assert shock.severity == 0.3


def test_cpi_trigger_and_caps() -> None:
    s = load_scenario(REPO / "scenarios" / "cpi_trigger_3.toml")
    ps = s.parameters()
    assert ps.value("price_subsidy.cpi_threshold_pct", D(2026, 1, 1)) == 3.0
    for cap in (3, 8):
        s = load_scenario(REPO / "scenarios" / f"services_cap_{cap}.toml")
        value = s.parameters().value("services.cap_share", D(2027, 6, 1))
        assert value == pytest.approx(cap / 100)


# ------------------------------------------------------------------ malformed files via the CLI


def test_there_are_at_least_15_bad_files_each_with_an_expectation() -> None:
    assert len(BAD) >= 15
    for f in BAD:
        assert len(_expect(f)) >= 10


@pytest.mark.parametrize("file", BAD, ids=[f.stem for f in BAD])
def test_bad_file_is_rejected_with_its_message(
    file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["scenario", "check", str(file)])
    assert exc.value.code == 2
    out = capsys.readouterr()
    assert out.out == ""
    lines = out.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert _expect(file) in lines[0]
    assert "Traceback" not in out.err
    with pytest.raises(ScenarioError):
        load_scenario(file)


def test_cli_process_exit_codes_and_no_traceback() -> None:
    bad = subprocess.run(
        [str(CLI), "scenario", "check", *map(str, BAD)], capture_output=True, text=True
    )
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == len(BAD)
    good = subprocess.run(
        [str(CLI), "scenario", "check", *map(str, SCENARIOS)], capture_output=True, text=True
    )
    assert good.returncode == 0, good.stderr
    assert good.stdout.count("ok: ") == len(SCENARIOS)
    mixed = subprocess.run(
        [str(CLI), "scenario", "check", str(SCENARIOS[0]), str(BAD[0])],
        capture_output=True,
        text=True,
    )
    assert mixed.returncode == 2 and "ok: " in mixed.stdout and "error: " in mixed.stderr


def test_check_prints_a_summary_line(capsys: pytest.CaptureFixture[str]) -> None:
    file = REPO / "scenarios" / "urban_rural_unification.toml"
    main(["scenario", "check", str(file)])
    out = capsys.readouterr().out.strip()
    assert out.startswith(f"ok: {file} (urban_rural_unification, 3 overrides, ")
    assert "horizon 2019-05..2029-12 (128 months)" in out


def test_diff_json_and_summary(capsys: pytest.CaptureFixture[str]) -> None:
    a = str(REPO / "scenarios" / "baseline.toml")
    b = str(REPO / "scenarios" / "dali_earthquake.toml")
    main(["scenario", "diff", a, b, "--json"])
    everything = json.loads(capsys.readouterr().out)
    # the standards: +10% on the value in force from 2026-06 and on the rule's 2026-07 value
    rows = [r for r in everything if r["path"] == "dibao.standard"]
    assert len(rows) == 8
    assert {r["where"] for r in rows} == {
        "532922/urban",
        "532922/rural",
        "532927/urban",
        "532927/rural",
    }
    assert {r["from"] for r in rows} == {"2026-06-01", "2026-07-01"}
    assert all(math.isclose(r["new"], 1.1 * r["old"]) for r in rows)
    # the tekun standard follows 1.3 × urban in the two counties only (issue #14)
    tekun = [r for r in everything if r["path"] == "tekun.basic_standard"]
    assert tekun and {r["where"] for r in tekun} == {"532922/all", "532927/all"}
    assert len(everything) == len(rows) + len(tekun)
    main(["scenario", "diff", a, b, "--json", "--summary"])
    summary = json.loads(capsys.readouterr().out)
    assert {r["where"] for r in summary} == {
        "2 counties/all",
        "2 counties/rural",
        "2 counties/urban",
    }
    main(["scenario", "diff", a, b])
    table = capsys.readouterr().out
    assert "dibao.standard" in table and "2026-07..2026-08" in table and "漾濞" in table
    main(["scenario", "diff", a, a])
    assert "no parameter differences" in capsys.readouterr().out


# ------------------------------------------------------------------ semantics on a small tree


def test_relative_override_on_county_table(tree: ParameterSet, write: Callable[..., Path]) -> None:
    f = write(
        "raise",
        '[[overrides]]\npath = "dibao.standard"\nkeys = ["rural"]\nfrom = "2026-01"\n'
        "relative = 0.08\n",
    )
    s = load_scenario(f, tree)
    assert s.overrides == (
        Override(
            "dibao.standard",
            D(2026, 1, 1),
            relative=0.08,
            keys=("rural",),
            reference="scenario raise",
        ),
    )
    table = _table(s.parameters(tree))
    np.testing.assert_allclose(table.at(D(2026, 1, 1), "rural"), 324.0)
    np.testing.assert_allclose(table.at(D(2025, 12, 1), "rural"), 300.0)
    np.testing.assert_allclose(table.at(D(2027, 1, 1), "urban"), 660.0)


def test_absolute_override_until_is_inclusive(
    tree: ParameterSet, write: Callable[..., Path]
) -> None:
    f = write(
        "edge",
        '[[overrides]]\npath = "dibao.edge_multiple"\nfrom = "2026-01"\nuntil = "2026-03"\n'
        'value = 2\nreference = "draft"\n',
    )
    s = load_scenario(f, tree)
    assert s.overrides == (
        Override(
            "dibao.edge_multiple", D(2026, 1, 1), value=2.0, end=D(2026, 4, 1), reference="draft"
        ),
    )
    ps = s.parameters(tree)
    assert ps.value("dibao.edge_multiple", D(2025, 12, 1)) == 1.5
    assert ps.value("dibao.edge_multiple", D(2026, 3, 1)) == 2.0
    assert ps.value("dibao.edge_multiple", D(2026, 4, 1)) == 1.5


def test_toward_closes_the_gap_step_by_step(tree: ParameterSet, write: Callable[..., Path]) -> None:
    steps = [("2026-01", 0.25), ("2027-01", 0.5), ("2028-01", 1.0)]
    body = "".join(
        f'[[overrides]]\npath = "dibao.standard"\nkeys = ["rural"]\nfrom = "{m}"\n'
        f'toward = "urban"\ngap_closed = {g}\n\n'
        for m, g in steps
    )
    s = load_scenario(write("unify", body), tree)
    n = len(refdata.counties())
    assert len(s.overrides) == 3 * n
    assert s.override_keys[0] == "overrides[0]" and s.override_keys[-1] == "overrides[2]"
    assert s.n_override_entries == 3
    table = _table(s.parameters(tree))
    # 300 + 0.25 × (600 − 300) = 375; 375 + 0.5 × (660 − 375) = 517.5; then 660
    for when, want in ((D(2026, 1, 1), 375.0), (D(2027, 1, 1), 517.5), (D(2028, 1, 1), 660.0)):
        np.testing.assert_allclose(table.at(when, "rural"), want)
    np.testing.assert_allclose(table.at(D(2025, 12, 1), "rural"), 300.0)


def test_counties_accept_prefecture_and_census_codes(
    tree: ParameterSet, write: Callable[..., Path]
) -> None:
    body = (
        '[[overrides]]\npath = "dibao.standard"\ncounties = ["532900", "532331"]\n'
        'from = "2026-01"\nvalue = 500\n'
    )
    s = load_scenario(write("dali", body), tree)
    (ov,) = s.overrides
    ct = refdata.counties()
    dali = [str(c) for c in ct.code[ct.prefecture_code == "532900"].tolist()]
    assert ov.counties == (*dali, "532302")
    values = _table(s.parameters(tree)).at(D(2026, 1, 1), "urban")
    changed = set(np.asarray(ct.code)[values == 500.0].tolist())
    assert changed == {*dali, "532302"}


def test_mapping_override_merges_keys(tree: ParameterSet, write: Callable[..., Path]) -> None:
    body = (
        '[[overrides]]\npath = "tekun.care_subsidy"\nfrom = "2026-01"\nvalue = { unable = 700 }\n'
    )
    s = load_scenario(write("care", body), tree)
    assert s.overrides[0].value == {"able": 100.0, "partly": 300.0, "unable": 700.0}


@pytest.mark.parametrize(
    ("body", "expect"),
    [
        ('path = "price_subsidy.activation_unit"\nvalue = "county"', "one of ['province'"),
        ('path = "price_subsidy.activation_unit"\nrelative = 0.1', "a value instead"),
        ('path = "dibao.edge_multiple"\nvalue = 0.5', "within [1, 3]"),
        ('path = "dibao.edge_multiple"\nvalue = true', "a number (dibao.edge_multiple"),
        ('path = "dibao.edge_multiple"\nvalue = [1, 2]', "a number (dibao.edge_multiple"),
        ('path = "dibao.gradual_exit_months"\nrelative = 0.5', "a value instead"),
        ('path = "dibao.standard"\nvalue = -5', "within [0, 20000]"),
        ('path = "dibao.standard"\nvalue = "x"', "a number (dibao.standard"),
        (
            'path = "dibao.standard"\nkeys = ["rural"]\ntoward = "rural"\ngap_closed = 0.5',
            "keys other than toward",
        ),
        ('path = "dibao.standard"\nrelative = -1.0', "a number > -1"),
        ('path = "dibao.edge_multiple"\ntoward = "urban"\ngap_closed = 0.5', "not a county table"),
        ('path = "tekun.care_subsidy"\nvalue = 5', "a table of numbers with keys"),
        ('path = "tekun.care_subsidy"\nvalue = { able = "x" }', "overrides[0].value.able"),
        ('path = "Dibao.Standard"\nvalue = 5', "a parameter path like dibao.standard"),
        ('path = "dibao.nothing"\nvalue = 5', "a parameter path of the tree"),
    ],
)
def test_override_errors(
    tree: ParameterSet, write: Callable[..., Path], body: str, expect: str
) -> None:
    f = write("bad", f'[[overrides]]\nfrom = "2026-01"\n{body}\n')
    with pytest.raises(ScenarioError) as exc:
        load_scenario(f, tree)
    assert expect in str(exc.value)
    assert str(exc.value).startswith(f"{f}: overrides[0]")


def test_shocks_outputs_and_horizon_end(tree: ParameterSet, write: Callable[..., Path]) -> None:
    body = (
        '[[shocks]]\nkind = "epidemic"\ncounties = ["530100"]\nfrom = "2020-02"\nmonths = 4\n'
        'severity = 0.2\n\n[outputs]\nvariables = ["spending", "cases_households", "spending"]\n'
        'format = "netcdf"\nreport = false\nlang = "en"\n'
    )
    f = write("covid", body)
    f.write_text(f.read_text().replace("months = 128", 'end = "2021-04"'))
    s = load_scenario(f, tree)
    assert (s.start, s.months, s.end) == (D(2019, 5, 1), 24, D(2021, 4, 1))
    ct = refdata.counties()
    (shock,) = s.shocks
    assert shock.counties == tuple(ct.code[ct.prefecture_code == "530100"].tolist())
    assert (shock.kind, shock.start, shock.months, shock.severity) == (
        "epidemic",
        D(2020, 2, 1),
        4,
        0.2,
    )
    assert s.outputs.variables == ("spending", "cases_households")
    assert (s.outputs.format, s.outputs.report, s.outputs.lang) == ("netcdf", False, "en")


def test_stochastic_cpi_spec_and_toml_dates(tree: ParameterSet, write: Callable[..., Path]) -> None:
    body = '[cpi]\nmode = "stochastic"\ncpi = { mean = 3.0, sd = 0 }\ncorrelation = 0.5\n'
    f = write("prices", body)
    f.write_text(f.read_text().replace('start = "2019-05"', "start = 2019-05-01"))
    s = load_scenario(f, tree)
    assert s.start == D(2019, 5, 1)
    assert (s.cpi.mode, s.cpi.cpi.mean_pct, s.cpi.cpi.sd_pct, s.cpi.cpi.ar) == (
        "stochastic",
        3.0,
        0.0,
        None,
    )
    assert s.cpi.correlation == 0.5 and s.cpi.food.mean_pct is None
    path = s.cpi_path(0, tree)
    assert path.months.shape == (128,) and set(path.status.tolist()) == {"projected"}


def test_scenario_overrides_of_price_model_reach_cpi_path(
    tree: ParameterSet, write: Callable[..., Path]
) -> None:
    body = (
        '[[overrides]]\npath = "prices.cpi_innovation_sd_pct"\nfrom = "2019-01"\nvalue = 0\n\n'
        '[[overrides]]\npath = "prices.cpi_mean_pct"\nfrom = "2019-01"\nvalue = 4.0\n\n'
        '[[overrides]]\npath = "prices.cpi_ar_coefficient"\nfrom = "2019-01"\nvalue = 0\n\n'
        '[cpi]\nmode = "stochastic"\n'
    )
    s = load_scenario(write("inflation", body), tree)
    path = s.cpi_path(3, s.parameters(tree))
    np.testing.assert_allclose(path.cpi_yoy_pct, 4.0)  # ar 0, sd 0: exactly the mean


def test_csv_cpi_file_is_read_relative_to_the_scenario(
    tree: ParameterSet, write: Callable[..., Path], tmp_path: Path
) -> None:
    # the file must also cover the 12 months of price history before the horizon
    months = np.arange(np.datetime64("2018-05"), np.datetime64("2030-01"), dtype="datetime64[M]")
    rows = ["month,cpi_yoy_pct,food_cpi_yoy_pct"] + [f"{m},2.5,4.0" for m in months]
    (tmp_path / "my_cpi.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    s = load_scenario(write("mine", '[cpi]\nmode = "csv"\nfile = "my_cpi.csv"\n'), tree)
    assert s.cpi.file == (tmp_path / "my_cpi.csv").resolve()
    path = s.cpi_path(0, tree)
    np.testing.assert_allclose(path.cpi_yoy_pct, 2.5)
    (tmp_path / "my_cpi.csv").write_text("\n".join(rows[:-2]) + "\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"my_cpi.csv: month: .*missing 2029-11, 2029-12"):
        load_scenario(tmp_path / "mine.toml", tree)
    (tmp_path / "my_cpi.csv").write_text("\n".join(rows[:1] + rows[2:]) + "\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"2018-05\.\.2029-12 .*missing 2018-05"):
        load_scenario(tmp_path / "mine.toml", tree)


def test_baseline_link_must_exist(tree: ParameterSet, write: Callable[..., Path]) -> None:
    write("base")
    s = load_scenario(write("reform", extra_head='baseline = "base"'), tree)
    assert s.baseline == "base"
    with pytest.raises(ScenarioError, match="another scenario's name"):
        load_scenario(write("selfish", extra_head='baseline = "selfish"'), tree)


def test_unreadable_files(tmp_path: Path, tree: ParameterSet) -> None:
    with pytest.raises(ScenarioError, match="not found"):
        load_scenario(tmp_path / "nope.toml", tree)
    f = tmp_path / "latin.toml"
    f.write_bytes(b"# \xff\xfe\n")
    with pytest.raises(ScenarioError, match="UTF-8"):
        load_scenario(f, tree)
    with pytest.raises(ScenarioError, match="a table"):
        scenario_from_dict([1, 2], tmp_path / "x.toml", tree)  # type: ignore[arg-type]  # on purpose


# ------------------------------------------------------------------ hypothesis: never a crash

KITCHEN_SINK = """
[[overrides]]
path = "dibao.standard"
keys = ["rural"]
counties = ["532900"]
from = "2026-01"
until = "2026-12"
relative = 0.08
reference = "test"

[[overrides]]
path = "dibao.standard"
keys = ["rural"]
from = "2027-01"
toward = "urban"
gap_closed = 0.5

[[overrides]]
path = "dibao.edge_multiple"
from = "2026-01"
value = 2.0

[[overrides]]
path = "tekun.care_subsidy"
from = "2026-01"
value = { unable = 700 }

[cpi]
mode = "stochastic"
cpi = { mean = 2.0, ar = 0.9, sd = 0.5 }
food = { mean = 3.0 }
correlation = 0.8

[[shocks]]
kind = "disaster"
counties = ["532922"]
from = "2026-06"
months = 3
severity = 0.3

[outputs]
variables = ["spending"]
format = "netcdf"
report = true
lang = "zh"
"""

toml_scalars = (
    st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.dates()
    | st.datetimes()
    | st.sampled_from(["2026-01", "2019-05", "dibao.standard", "rural", "532922", "csv"])
)
toml_values = st.recursive(
    toml_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@pytest.fixture(scope="module")
def sink_dir(tmp_path_factory: pytest.TempPathFactory, tree: ParameterSet) -> Path:
    d = tmp_path_factory.mktemp("sink")
    (d / "kitchen_sink.toml").write_text(
        HEAD.format(name="kitchen_sink", extra_head='baseline = "base"') + KITCHEN_SINK,
        encoding="utf-8",
    )
    (d / "base.toml").write_text(HEAD.format(name="base", extra_head=""), encoding="utf-8")
    s = load_scenario(d / "kitchen_sink.toml", tree)  # the unmutated file is valid
    assert isinstance(s, Scenario) and len(s.overrides) == 3 + len(refdata.counties())
    return d


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


def _mutate(doc: dict[str, Any], where: tuple[Any, ...], op: str, value: Any) -> dict[str, Any]:
    if not where:
        return {"junk": value} if op == "add" else doc
    parent: Any = doc
    for part in where[:-1]:
        parent = parent[part]
    last = where[-1]
    if op == "delete":
        del parent[last]
    elif op == "replace":
        parent[last] = value
    elif op == "add" and isinstance(parent[last], dict):
        parent[last]["extra_key"] = value
    else:
        parent[last] = [parent[last]]
    return doc


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_mutated_scenarios_fail_only_with_scenario_error(
    data: st.DataObject, sink_dir: Path, tree: ParameterSet
) -> None:
    doc = tomllib.loads((sink_dir / "kitchen_sink.toml").read_text(encoding="utf-8"))
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        where = data.draw(st.sampled_from(_paths(doc)), label="where")
        op = data.draw(st.sampled_from(["delete", "replace", "add", "wrap"]), label="op")
        value = data.draw(toml_values, label="value")
        doc = _mutate(doc, where, op, value)
    try:
        s = scenario_from_dict(doc, sink_dir / "kitchen_sink.toml", tree)
    except ScenarioError as exc:
        assert "\n" not in str(exc), "one line"
        assert ": expected " in str(exc)
    else:
        assert isinstance(s, Scenario)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=st.dictionaries(st.text(max_size=10), toml_values, max_size=6))
def test_random_documents_fail_only_with_scenario_error(
    doc: dict[str, Any], tree: ParameterSet
) -> None:
    with pytest.raises(ScenarioError) as exc:
        scenario_from_dict(doc, Path("random.toml"), tree)
    assert str(exc.value).startswith("random.toml: ") and "\n" not in str(exc.value)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    cut=st.integers(0, 2000),
    length=st.integers(0, 20),
    insert=st.text(alphabet=st.sampled_from(list('[]{}="#.,\n 0123456789aeznt-:')), max_size=8),
)
def test_text_edits_never_crash_the_cli(
    cut: int,
    length: int,
    insert: str,
    sink_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = (sink_dir / "kitchen_sink.toml").read_text(encoding="utf-8")
    cut = min(cut, len(text))
    f = sink_dir / "edited" / "kitchen_sink.toml"
    f.parent.mkdir(exist_ok=True)
    (f.parent / "base.toml").write_text(HEAD.format(name="base", extra_head=""))
    f.write_text(text[:cut] + insert + text[cut + length :], encoding="utf-8")
    try:
        main(["scenario", "check", str(f)])
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    assert code in (0, 2)
    assert "Traceback" not in out.err
    if code == 2:
        assert out.err.startswith(f"error: {f}") or out.err.startswith("error: ")
