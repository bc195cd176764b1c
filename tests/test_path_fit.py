"""The path calibration's trial scenarios (safetynet.path_fit): the free parameters enter the
baseline as validated overrides, factors scale every dated value, values hold where dated."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from safetynet import history, path_fit
from safetynet.params import load_parameters
from safetynet.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def test_trial_scenario_sets_the_free_parameters(tmp_path: Path) -> None:
    shutil.copy(ROOT / "scenarios" / "baseline.toml", tmp_path / "baseline.toml")
    path = tmp_path / "path_fit.toml"
    text = path_fit.scenario_text([0.5, 2.0, 0.7, 0.03, 0.004, 0.3], 0.001, 7)
    path.write_text(text, encoding="utf-8")
    ps = load_scenario(path).parameters(load_parameters())
    base = load_parameters()
    for when in (dt.date(2019, 6, 1), dt.date(2022, 1, 1)):
        b, t = base.at(when).behaviour, ps.at(when).behaviour
        # factors scale the dated values (inclusion detection doubles from 2021-07 too)
        assert float(t.application_rate) == pytest.approx(0.5 * float(b.application_rate))
        assert float(t.inclusion_detection_rate) == pytest.approx(
            2.0 * float(b.inclusion_detection_rate)
        )
        assert float(t.take_up_benefit_elasticity) == pytest.approx(0.7)
        assert float(t.support_loss_rate) == pytest.approx(0.004)
        assert float(ps.value("dibao.rural_class_rise_share", when)) == pytest.approx(0.3)
    # the epidemic share holds in its month only
    assert float(ps.at(dt.date(2020, 2, 1)).behaviour.history_shock_share) == pytest.approx(0.03)
    assert float(ps.at(dt.date(2020, 3, 1)).behaviour.history_shock_share) == 0.0
    assert float(ps.at(dt.date(2020, 1, 1)).behaviour.history_shock_share) == 0.0


def test_targets_are_facts_marked_as_calibration() -> None:
    facts = history.refdata.history_facts()
    for key in path_fit.TARGETS:
        assert key in facts, key
        assert key in history.CALIBRATION_USE, key
    assert len(path_fit.FREE) <= len(path_fit.TARGETS)


def test_the_fit_starts_at_the_shipped_values_inside_its_bounds(tmp_path: Path) -> None:
    """The start point is read from the parameter files (factors 1): the trial scenario at it
    sets every free parameter to what the baseline already has."""
    x0 = path_fit.start_point()
    for f, v in zip(path_fit.FREE, x0, strict=True):
        assert f.lo <= v <= f.hi, f.path
    shutil.copy(ROOT / "scenarios" / "baseline.toml", tmp_path / "baseline.toml")
    path = tmp_path / "path_fit.toml"
    path.write_text(path_fit.scenario_text(x0.tolist(), 0.001, 7), encoding="utf-8")
    ps, base = load_scenario(path).parameters(load_parameters()), load_parameters()
    for f in path_fit.FREE:
        when = dt.date(int(f.start[:4]), int(f.start[5:7]), 1)
        assert ps.value(f.path, when) == pytest.approx(base.value(f.path, when)), f.path


def test_free_names_only_known_parameters() -> None:
    with pytest.raises(ValueError, match=r"unknown parameter 'behaviour\.nothing'"):
        path_fit.fit(0.001, 7, 1, free=["behaviour.nothing"])
