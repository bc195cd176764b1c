"""Web page levers -> scenario TOML: validated by the scenario loader, round trip, no code."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from safetynet.errors import ScenarioError
from safetynet.scenario import load_scenario
from safetynet.web import levers as lv
from safetynet.web.i18n import STRINGS

BASE = str(Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml")


def _levers(**kw: object) -> lv.Levers:
    return lv.Levers(BASE, 2026, 0.002, 1, **kw)  # type: ignore[arg-type]


def test_no_lever_is_the_starting_file_with_run_settings(tmp_path: Path) -> None:
    _text, sc = lv.build_scenario(_levers(), tmp_path)
    base = load_scenario(BASE)
    assert sc.name == "baseline"
    assert sc.overrides == base.overrides
    assert sc.months == 92  # 2019-05 .. 2026-12
    assert (sc.sample_fraction, sc.replicates, sc.seed) == (0.002, 1, base.seed)


def test_levers_become_overrides_and_a_shock(tmp_path: Path) -> None:
    levers = _levers(
        rise_from="2026-07",
        prefecture_rises=(lv.PrefectureRise("532900", rural=0.1, urban=0.05),),
        edge_multiple=2.0,
        services_cap=0.03,
        cpi_threshold=3.0,
        food_cpi_threshold=5.0,
        shock=lv.Shock(("532922",), 0.3, 3, "2026-06"),
    )
    _text, sc = lv.build_scenario(levers, tmp_path)
    assert sc.name.startswith("web_")
    paths = [o.path for o in sc.overrides]
    assert paths == [
        lv.STANDARD,
        lv.STANDARD,
        lv.EDGE_MULTIPLE,
        lv.SERVICES_CAP,
        lv.CPI_THRESHOLD,
        lv.FOOD_CPI_THRESHOLD,
    ]
    rural = sc.overrides[0]
    assert rural.relative == pytest.approx(0.1) and rural.keys == ("rural",)
    assert rural.start.isoformat() == "2026-07-01"
    dali = {c for c in rural.counties or ()}
    assert len(dali) == 12 and "532922" in dali  # the prefecture's 12 counties
    ps = sc.parameters()
    import datetime as dt

    assert ps.value(lv.SERVICES_CAP, dt.date(2026, 3, 1)) == pytest.approx(0.03)
    assert ps.value(lv.SERVICES_CAP, dt.date(2025, 12, 1)) == pytest.approx(0.05)
    (shock,) = sc.shocks
    assert shock.counties == ("532922",) and shock.months == 3 and shock.severity == 0.3


def test_several_prefectures_each_with_their_own_rise(tmp_path: Path) -> None:
    """Province-wide +5 % rural; Dali +10 % rural and +2 % urban; Kunming no rise at all."""
    import datetime as dt

    levers = _levers(
        rural_rise=0.05,
        prefecture_rises=(
            lv.PrefectureRise("532900", rural=0.10, urban=0.02),
            lv.PrefectureRise("530100", rural=0.0, urban=0.0),
        ),
    )
    text, sc = lv.build_scenario(levers, tmp_path)
    assert levers.changed() and "532900" in text and "530100" not in text.split("[[overrides]]")[1]
    base, now = load_scenario(BASE).parameters(), sc.parameters()
    when = dt.date(2026, 3, 1)
    codes = list(now.county_codes)
    old = {k: base["dibao.standard"].at(when, k) for k in ("rural", "urban")}  # type: ignore[call-arg]
    new = {k: now["dibao.standard"].at(when, k) for k in ("rural", "urban")}  # type: ignore[call-arg]
    for code, pref, want_r, want_u in (
        ("532901", "Dali", 1.10, 1.02),
        ("530102", "Kunming", 1.0, 1.0),
        ("530302", "Qujing", 1.05, 1.0),
    ):
        i = codes.index(code)
        assert new["rural"][i] == pytest.approx(old["rural"][i] * want_r, rel=1e-9), pref
        assert new["urban"][i] == pytest.approx(old["urban"][i] * want_u, rel=1e-9), pref
    # before the rise nothing changes
    early = dt.date(2025, 12, 1)
    assert (
        now["dibao.standard"].at(early, "rural") == base["dibao.standard"].at(early, "rural")
    ).all()  # type: ignore[call-arg]
    # no lever moved with only zero rises listed
    assert not _levers(prefecture_rises=(lv.PrefectureRise("530100"),)).changed()


def test_downloaded_toml_reruns_from_any_folder(tmp_path: Path) -> None:
    levers = _levers(rural_rise=0.08, services_cap=0.04)
    text, sc = lv.build_scenario(levers, tmp_path / "web")
    again = tmp_path / "elsewhere" / f"{sc.name}.toml"
    again.parent.mkdir()
    again.write_text(text, encoding="utf-8")
    rerun = load_scenario(again)
    assert rerun.overrides == sc.overrides
    assert (rerun.months, rerun.sample_fraction, rerun.seed) == (
        sc.months,
        sc.sample_fraction,
        sc.seed,
    )
    assert tomllib.loads(text) == lv.scenario_document(levers)
    assert lv.build_scenario(levers, tmp_path / "web")[0] == text  # same levers, same text


@pytest.mark.parametrize(
    ("levers", "key"),
    [
        (_levers(rural_rise=0.1, rise_from="2026-13"), "overrides[0].from"),
        (_levers(services_cap=1.5), "overrides[0]"),
        (_levers(rural_rise=-1.5), "overrides[0].relative"),
        (_levers(shock=lv.Shock(("999999",), 0.3, 3, "2026-01")), "shocks[0].counties"),
        (_levers(shock=lv.Shock(("532922",), 0.0, 3, "2026-01")), "shocks[0].severity"),
        (lv.Levers(BASE, 2026, 2.0, 1), "run.sample_fraction"),
    ],
)
def test_bad_levers_give_the_loaders_one_line_error(
    tmp_path: Path, levers: lv.Levers, key: str
) -> None:
    with pytest.raises(ScenarioError) as err:
        lv.build_scenario(levers, tmp_path)
    assert err.value.key.startswith(key)
    assert "\n" not in str(err.value)


def test_text_is_written_as_data_not_code(tmp_path: Path) -> None:
    nasty = '"]\n[run]\nreplicates = 99 # __import__("os")'
    with pytest.raises(ScenarioError):
        lv.build_scenario(_levers(rural_rise=0.1, rise_from=nasty), tmp_path)
    text = lv.to_toml({"scenario": {"note": nasty}})
    assert tomllib.loads(text) == {"scenario": {"note": nasty}}


def test_chinese_words_have_no_latin_letters() -> None:
    for key, (zh, _en) in STRINGS.items():
        if key == "switch":  # the switch to English says "English"
            continue
        assert not re.search(r"[A-Za-z]", re.sub(r"\{\w+\}", "", zh)), key
