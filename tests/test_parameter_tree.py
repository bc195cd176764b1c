"""The shipped parameter tree: catalogue coverage, provenance, floors, county tables, CLI."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import math
import re
import shutil
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
import typer
from safetynet import refdata
from safetynet.cli import main
from safetynet.cli.params import register
from safetynet.params import (
    PARAMETERS_DIR,
    CountyParameter,
    Parameter,
    ParameterSet,
    load_parameters,
)
from typer.testing import CliRunner

D = dt.date
REPO = Path(__file__).resolve().parent.parent
POLICY_BRANCHES = ("dibao", "tekun", "temporary", "price_subsidy", "services", "funding")
#: the provincial adjustment dates 2018-2024 (official floors, issue 16)
REQUIRED_COUNTY_DATES = [D(2018, 7, 1), D(2019, 7, 1), D(2020, 6, 1)] + [
    D(y, 7, 1) for y in (2021, 2022, 2023, 2024)
]

#: Every (path, from) whose value is marked official: the source text gives the number for
#: Yunnan (seeds S0-S4, the 2020 press conference) or the national rule. Marking anything else
#: official must be a deliberate change here, reviewed against the source.
OFFICIAL = {
    # the provincial notices 2018-2024 (issue 16: reprints of the notices, dates as printed)
    "dibao.floor_urban": [D(2015, 1, 1), D(2018, 7, 1), D(2019, 7, 1), D(2020, 6, 1)]
    + [D(y, 7, 1) for y in (2021, 2022, 2023, 2024)],
    "dibao.floor_rural": [D(2015, 1, 1), D(2018, 7, 1), D(2019, 7, 1), D(2020, 6, 1)]
    + [D(y, 7, 1) for y in (2021, 2022, 2023, 2024)],
    "dibao.standard_rise_band": [D(2021, 9, 20)],
    "dibao.single_person_disability_grade_max": [D(2021, 9, 20)],
    "dibao.single_person_mental_grade_max": [D(2021, 9, 20)],
    "dibao.single_person_serious_illness": [D(2021, 3, 23)],
    "tekun.floor": [D(2018, 7, 1), D(2019, 7, 1), D(2020, 6, 1)]
    + [D(y, 7, 1) for y in (2021, 2022, 2023, 2024)],
    "tekun.standard_multiple": [D(2020, 1, 1)],
    "tekun.minor_age_limit": [D(2016, 1, 1), D(2021, 9, 20)],
    "tekun.institution_share_willing": [D(2022, 6, 28)],
    "temporary.advance_hours": [D(2021, 9, 20)],
    # 2016 entries: the 2016 mechanism as reported at its release (issue 16)
    "price_subsidy.cpi_threshold_pct": [
        D(2016, 1, 1),
        D(2021, 11, 1),
        D(2022, 9, 1),
        D(2023, 4, 1),
    ],
    "price_subsidy.food_cpi_threshold_pct": [D(2016, 1, 1), D(2021, 11, 1)],
    "price_subsidy.activation_unit": [D(2019, 1, 1), D(2022, 6, 28)],
    "price_subsidy.multiplier": [D(2020, 3, 1), D(2020, 7, 1)],
    # 2016 and 2020-03: Yunnan's 4 groups and the March-June 2020 additions (ksrykj 2020-09-26)
    "price_subsidy.covered_groups": [
        D(2016, 1, 1),
        D(2020, 3, 1),
        D(2021, 11, 1),
        D(2022, 9, 1),
        D(2023, 4, 1),
    ],
    "price_subsidy.index_lag_months": [D(2019, 1, 1), D(2022, 9, 1)],  # 2019: Yunnan's deadlines
    "price_subsidy.rise_share": [D(2021, 11, 1)],
    "services.cap_share": [D(2021, 9, 20)],
}
OFFICIAL_REFERENCE = re.compile(r"^(S[0-4] |NAT )")


def catalogue_paths() -> list[str]:
    """The paths of the policy parameter catalogue in docs/architecture.md."""
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text.split("### Parameter catalogue (policy)", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \|", section, flags=re.MULTILINE)


@pytest.fixture(scope="module")
def ps() -> ParameterSet:
    return load_parameters()


def policy_params(ps: ParameterSet) -> list[Parameter | CountyParameter]:
    return [p for p in ps if p.path.split(".")[0] in POLICY_BRANCHES]


def scalar(ps: ParameterSet, path: str) -> Parameter:
    p = ps[path]
    assert isinstance(p, Parameter)
    return p


def table(ps: ParameterSet, path: str) -> CountyParameter:
    p = ps[path]
    assert isinstance(p, CountyParameter)
    return p


def num(p: Parameter, when: dt.date) -> float:
    """A numeric parameter's value on ``when``."""
    v = p.at(when)
    assert isinstance(v, int | float)
    return float(v)


def all_dates(*params: Parameter | CountyParameter) -> list[dt.date]:
    dates = {d for p in params for d in p.dates()}
    return sorted(dates | {min(dates) - dt.timedelta(days=1), D(2035, 1, 1)})


# ------------------------------------------------------------------------------ coverage


def test_every_catalogue_path_exists(ps: ParameterSet) -> None:
    paths = catalogue_paths()
    assert len(paths) >= 38, "catalogue table not found in docs/architecture.md"
    missing = [p for p in paths if p not in ps]
    assert missing == []


def test_docs_list_every_policy_parameter(ps: ParameterSet) -> None:
    text = (REPO / "docs" / "parameters.md").read_text(encoding="utf-8")
    missing = [p.path for p in policy_params(ps) if f"`{p.path}`" not in text]
    assert missing == []


def test_catalogue_types_match(ps: ParameterSet) -> None:
    assert isinstance(ps["dibao.standard"], CountyParameter)
    assert table(ps, "dibao.standard").keys == ("urban", "rural")
    assert table(ps, "tekun.basic_standard").keys == ("all",)
    kinds = {
        "dibao.benefit_formula": "string",
        "dibao.tiered_shares": "mapping",
        "dibao.gradual_exit_months": "integer",
        "dibao.single_person_serious_illness": "bool",
        "tekun.minor_age_limit": "integer",
        "tekun.care_subsidy": "mapping",
        "price_subsidy.covered_groups": "mapping",
        "price_subsidy.activation_unit": "string",
        "funding.factor_weights": "mapping",
    }
    assert {k: ps[k].type for k in kinds} == kinds
    care = scalar(ps, "tekun.care_subsidy").at(D(2024, 1, 1))
    assert isinstance(care, dict) and set(care) == {"able", "partly", "unable"}
    weights = scalar(ps, "funding.factor_weights").at(D(2024, 1, 1))
    assert isinstance(weights, dict) and math.isclose(sum(weights.values()), 1.0)


# ------------------------------------------------------------------------------ provenance


def test_every_value_has_unit_label_reference_and_status(ps: ParameterSet) -> None:
    for p in ps:
        assert p.unit.strip() and p.label_zh.strip() and p.label_en.strip(), p.path
        entries = (
            [e for es in p.entries.values() for e in es]
            if isinstance(p, CountyParameter)
            else list(p.entries)
        )
        for e in entries:
            assert e.reference.strip(), p.path
            assert e.status in ("official", "estimated", "calibrated"), p.path


def test_estimated_values_say_what_they_are_based_on(ps: ParameterSet) -> None:
    for p in policy_params(ps):
        if isinstance(p, Parameter):
            for e in p.entries:
                if e.status != "official":
                    assert e.note.strip(), f"{p.path} {e.start}: estimated without a note"


def test_official_only_where_the_source_gives_the_number(ps: ParameterSet) -> None:
    found: dict[str, list[dt.date]] = {}
    for p in policy_params(ps):
        if isinstance(p, Parameter):
            for e in p.entries:
                if e.status == "official":
                    found.setdefault(p.path, []).append(e.start)
                    assert OFFICIAL_REFERENCE.match(e.reference), (p.path, e.reference)
                    assert "from memory" not in e.reference and "ASSUMED" not in e.reference
    assert found == OFFICIAL


def test_official_county_values_equal_an_official_floor(ps: ParameterSet) -> None:
    floors = {
        ("dibao.standard", "urban"): scalar(ps, "dibao.floor_urban"),
        ("dibao.standard", "rural"): scalar(ps, "dibao.floor_rural"),
        ("tekun.basic_standard", "all"): scalar(ps, "tekun.floor"),
    }
    n = 0
    for (path, key), floor in floors.items():
        p = table(ps, path)
        for code in p.county_codes:
            for e in p.entries[(code, key)]:
                if e.status == "official" and e.note.startswith("generated:"):
                    f = floor.entry_at(e.start)
                    assert f.status == "official" and e.value == f.value, (path, code, e)
                    n += 1
    assert n > 0  # the 2020 official floors do appear in the county tables


# ------------------------------------------------------------------------------ county tables


def test_county_tables_follow_the_county_order(ps: ParameterSet) -> None:
    codes = tuple(str(c) for c in refdata.counties().code)
    assert len(codes) == 129
    for path in ("dibao.standard", "tekun.basic_standard"):
        assert table(ps, path).county_codes == codes
    urban = ps.at(D(2020, 6, 1)).dibao.standard.urban
    assert urban.shape == (129,)
    p = table(ps, "dibao.standard")
    for j in (0, 64, 128):
        assert urban[j] == p.entry_at(D(2020, 6, 1), codes[j], "urban").value


def test_county_tables_have_every_change_date(ps: ParameterSet) -> None:
    for path in ("dibao.standard", "tekun.basic_standard"):
        p = table(ps, path)
        for (code, key), entries in p.entries.items():
            starts = {e.start for e in entries}
            assert set(REQUIRED_COUNTY_DATES) <= starts, (path, code, key)


def test_tekun_is_at_least_the_multiple_of_the_urban_standard(ps: ParameterSet) -> None:
    tekun = table(ps, "tekun.basic_standard")
    dibao = table(ps, "dibao.standard")
    multiple = scalar(ps, "tekun.standard_multiple")
    for d in all_dates(tekun, dibao, multiple):
        need = num(multiple, d) * dibao.at(d, "urban")
        short = np.flatnonzero(tekun.at(d, "all") < need - 1e-9)
        assert short.size == 0, (d, [tekun.county_codes[i] for i in short])


def test_county_standards_are_at_least_the_floors(ps: ParameterSet) -> None:
    pairs = [
        ("dibao.standard", "urban", "dibao.floor_urban"),
        ("dibao.standard", "rural", "dibao.floor_rural"),
        ("tekun.basic_standard", "all", "tekun.floor"),
    ]
    for path, key, floor_path in pairs:
        p, floor = table(ps, path), scalar(ps, floor_path)
        for d in all_dates(p, floor):
            if d < D(2016, 1, 1):
                continue  # county tables start in 2016; the 2015 floors only document history
            assert np.all(p.at(d, key) >= num(floor, d)), (path, key, d)


def test_county_standards_are_plausible(ps: ParameterSet) -> None:
    snap = ps.at(D(2020, 12, 31))
    assert snap.dibao.floor_urban == 640 and snap.dibao.floor_rural == 375
    assert snap.tekun.floor == 832
    std = snap.dibao.standard
    assert np.median(std.urban) >= 640 and std.urban.max() <= 640 * 1.25
    assert np.median(std.rural) >= 375 and std.rural.max() <= 375 * 1.25
    assert np.all(std.urban > std.rural)
    # 2019 average benefits (urban 391, rural 211 yuan/person/month) lie well below the standards
    s19 = ps.at(D(2019, 5, 1)).dibao.standard
    assert s19.urban.min() > 391 and s19.rural.min() > 211
    assert s19.urban.max() < ps.at(D(2020, 1, 1)).dibao.standard.urban.max()


# ------------------------------------------------------------------------------ dated rules


def test_price_subsidy_regimes(ps: ParameterSet) -> None:
    def at(path: str, d: dt.date) -> Any:
        return ps.value(f"price_subsidy.{path}", d)

    assert at("cpi_threshold_pct", D(2022, 8, 31)) == 3.5
    assert at("cpi_threshold_pct", D(2022, 9, 1)) == 3.0
    assert at("cpi_threshold_pct", D(2023, 3, 31)) == 3.0
    assert at("cpi_threshold_pct", D(2023, 4, 1)) == 3.5
    assert at("food_cpi_threshold_pct", D(2024, 1, 1)) == 6.0
    months = (D(2022, 8, 1), D(2022, 9, 1), D(2023, 3, 1), D(2023, 4, 1))
    assert [at("covered_groups", d)["edge"] for d in months] == [0, 1, 1, 0]
    assert [at("multiplier", D(2020, m, 1)) for m in (2, 3, 6, 7)] == [1, 2, 2, 1]
    assert at("activation_unit", D(2019, 6, 1)) == "prefecture"
    assert at("activation_unit", D(2023, 1, 1)) == "province"
    assert at("one_time_subsidy", D(2022, 7, 15)) > 0
    assert at("one_time_subsidy", D(2022, 8, 1)) == 0
    assert at("one_time_subsidy", D(2021, 7, 15)) == 0


def test_tekun_and_dibao_dated_rules(ps: ParameterSet) -> None:
    assert ps.value("tekun.minor_age_limit", D(2021, 9, 19)) == 16
    assert ps.value("tekun.minor_age_limit", D(2021, 9, 20)) == 18
    assert ps.value("tekun.standard_multiple", D(2024, 1, 1)) == 1.3
    assert ps.value("dibao.single_person_mental_grade_max", D(2022, 1, 1)) == 4
    assert ps.value("services.cap_share", D(2024, 1, 1)) == 0.05
    assert 6 <= num(scalar(ps, "dibao.gradual_exit_months"), D(2022, 1, 1)) <= 12
    urban = scalar(ps, "dibao.floor_urban")
    floors = [num(urban, D(y, 12, 31)) for y in range(2016, 2026)]
    assert floors == sorted(floors)  # never falls


# ------------------------------------------------------------------------------ generator


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_county_standards", REPO / "scripts" / "build_county_standards.py"
    )
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def test_shipped_county_tables_are_the_script_output() -> None:
    out = _script().build(PARAMETERS_DIR)
    for file, text in out.items():
        assert file.read_text(encoding="utf-8") == text, f"{file} is stale: rerun the script"


def test_script_keeps_a_planner_row_and_tekun_follows(tmp_path: Path) -> None:
    mod = _script()
    for sub in ("dibao", "tekun"):
        shutil.copytree(PARAMETERS_DIR / sub, tmp_path / sub)
    csv_file = tmp_path / "dibao" / "standard.csv"
    lines = csv_file.read_text(encoding="utf-8").splitlines()
    code = str(refdata.counties().code[5])
    target = next(i for i, s in enumerate(lines) if s.startswith(f"{code},urban,2023-07-01,"))
    real = f"{code},urban,2023-07-01,900,official,某县民政局 2023 notice,real county standard"
    lines[target] = real
    csv_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = mod.build(tmp_path)
    assert real in out[csv_file].splitlines()
    tekun_line = next(
        s
        for s in out[tmp_path / "tekun" / "basic_standard.csv"].splitlines()
        if s.startswith(f"{code},all,2023-07-01,")
    )
    assert tekun_line.split(",")[3] == "1170"  # ceil(1.3 x 900)
    for f, text in out.items():
        f.write_text(text, encoding="utf-8")
    assert mod.build(tmp_path) == out  # idempotent
    ps = load_parameters(tmp_path)
    assert ps.value("dibao.floor_urban", D(2024, 1, 1)) == 728
    j = int(refdata.counties().index_of(code)[0])
    assert ps.at(D(2023, 8, 1)).dibao.standard.urban[j] == 900


def test_script_helpers() -> None:
    mod = _script()
    assert mod.round_up(1.3 * 640) == 832.0
    assert mod.premium(0.30, "county", "urban") == 1.0
    assert mod.premium(0.90, "district", "urban") == pytest.approx(1 + 0.04 * 0.5 + 0.01)


# ------------------------------------------------------------------------------ CLI


@pytest.fixture(scope="module")
def runner_app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """test root"""

    register(app)
    return app


def test_cli_list_prints_every_parameter(runner_app: typer.Typer, ps: ParameterSet) -> None:
    res = CliRunner().invoke(runner_app, ["params", "list", "--at", "2022-10-01"])
    assert res.exit_code == 0, res.output
    for path in ("dibao.edge_multiple", "price_subsidy.cpi_threshold_pct", "tekun.basic_standard"):
        assert path in res.output
    assert "低保边缘家庭收入倍数" in res.output and "Dibao-edge income multiple" in res.output
    assert "min / median / max" in res.output


def test_cli_list_json(runner_app: typer.Typer, ps: ParameterSet) -> None:
    res = CliRunner().invoke(runner_app, ["params", "list", "--json", "--at", "2022-10-01"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert len(rows) == len(ps)
    by = {r["path"]: r for r in rows}
    assert by["price_subsidy.cpi_threshold_pct"]["value"] == 3
    assert by["price_subsidy.cpi_threshold_pct"]["status"] == "official"
    urban = by["dibao.standard"]["value"]["urban"]
    assert urban["min"] == 700 and urban["min"] <= urban["median"] <= urban["max"]
    assert by["dibao.standard"]["status"] == "mixed"  # counties on the official 2022 floor


def test_cli_list_status_filter(runner_app: typer.Typer) -> None:
    res = CliRunner().invoke(
        runner_app, ["params", "list", "--json", "--status", "official", "--at", "2021-01-01"]
    )
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    paths = {r["path"] for r in rows}
    assert "tekun.standard_multiple" in paths and "dibao.standard" in paths  # 2021: on floor
    assert "dibao.edge_multiple" not in paths
    assert all(r["status"] in ("official", "mixed") for r in rows)


def test_cli_show_scalar(runner_app: typer.Typer) -> None:
    res = CliRunner().invoke(runner_app, ["params", "show", "price_subsidy.cpi_threshold_pct"])
    assert res.exit_code == 0, res.output
    for text in ("2022-09-01", "2023-04-01", "percent", "发改价格〔2021〕1553号", "3.5"):
        assert text in res.output
    res = CliRunner().invoke(runner_app, ["params", "show", "tekun.minor_age_limit", "--json"])
    data = json.loads(res.output)
    assert [v["value"] for v in data["values"]] == [16, 18]
    assert data["unit"] == "years" and data["values"][1]["reference"].startswith("S4")


def test_cli_show_county_table(runner_app: typer.Typer) -> None:
    res = CliRunner().invoke(runner_app, ["params", "show", "dibao.standard"])
    assert res.exit_code == 0, res.output
    assert "2022-07-01" in res.output and "rural" in res.output
    code = str(refdata.counties().code[0])
    res = CliRunner().invoke(
        runner_app, ["params", "show", "dibao.standard", "--county", code, "--json"]
    )
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)["values"]
    assert {r["county_code"] for r in rows} == {code}
    assert {r["key"] for r in rows} == {"urban", "rural"}
    assert all(r["note"] for r in rows)


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["params", "show", "dibao.edge_multipel"], "did you mean dibao.edge_multiple"),
        (["params", "show", "dibao.standard", "--county", "530199"], "--county"),
        (["params", "show", "dibao.edge_multiple", "--county", "530102"], "--county"),
        (["params", "list", "--at", "next year"], "--at"),
    ],
)
def test_cli_errors_exit_2_with_one_line(
    argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and len(err.splitlines()) == 1


def test_cli_bad_status_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["params", "list", "--status", "guessed"])
    assert info.value.code == 2
    assert "guessed" in capsys.readouterr().err


def test_cli_main_success(capsys: pytest.CaptureFixture[str]) -> None:
    main(["params", "show", "services.cap_share", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert data["values"][-1] == {
        "from": "2021-09-20",
        "value": 0.05,
        "status": "official",
        "reference": "S4 五(十四) (迪办发〔2021〕26号)",
        "note": "总额度不得超过当年困难群众救助资金总支出的5%",
    }
