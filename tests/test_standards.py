"""Standard setting as a rule (safetynet.standards): hand-computed values for each rule, the
floor and band, kept table values, tekun linked to the urban standard, care subsidy from the
minimum wage. Uses the package parameter tree (no simulation: fast)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from safetynet import standards
from safetynet.params import Override, ParameterSet, load_parameters
from safetynet.rules.checks import TOLERANCE

D = dt.date
CODE = "530102"  # Wuhua district: urban 760, rural 575 in 2024-07 (estimated table)


def _at(ps: ParameterSet, when: dt.date, path: str, key: str) -> float:
    p = ps[path]
    codes = p.county_codes  # type: ignore[union-attr]
    return float(p.at(when, key)[codes.index(CODE)])  # type: ignore[union-attr]


def _rule(rule: str) -> ParameterSet:
    start = D(2025, 1, 1)
    base = load_parameters().with_overrides([Override("dibao.standard_rule", start, value=rule)])
    return standards.set_standards(base, 2027)


def test_baseline_rule_is_table_to_2024_then_consumption() -> None:
    ps = load_parameters()
    assert standards.rules_by_year(ps, [2023, 2024, 2025, 2029]) == [
        "table",
        "table",
        "consumption",
        "consumption",
    ]
    assert standards.adjust_date(ps, 2026) == D(2026, 7, 1)


def test_consumption_rule_hand_computed() -> None:
    ps = standards.set_standards(load_parameters(), 2026)
    # 2025: ratio × 2024 consumption / 12, rounded up: 0.2904 × 30,737 / 12 = 743.84 -> 744;
    # 0.4127 × 16,281 / 12 = 559.94 -> 560 (= Yunnan's official 2025 floors, 744 and 6,720 / 12)
    assert ps.value("dibao.floor_urban", D(2025, 7, 1)) == 744
    assert ps.value("dibao.floor_rural", D(2025, 7, 1)) == 560
    assert ps.value("dibao.floor_urban", D(2025, 6, 1)) == 735  # the official 2024-07 floor
    # 2026 from 2025 consumption: 0.2904 × 31,291 / 12 = 757.24 -> 758; 0.4127 × 17,258 / 12 -> 594
    assert ps.value("dibao.floor_urban", D(2026, 7, 1)) == 758
    assert ps.value("dibao.floor_rural", D(2026, 7, 1)) == 594
    # the county keeps its premium: 760 × 744 / 735 = 769.31
    assert _at(ps, D(2025, 7, 1), "dibao.standard", "urban") == pytest.approx(769.31)
    assert _at(ps, D(2025, 7, 1), "dibao.standard", "rural") == pytest.approx(
        round(575 * 560 / 533.33, 2)
    )


def test_projected_consumption_grows() -> None:
    ps = load_parameters()
    assert standards.consumption(ps, 2027, "rural") == pytest.approx(17258 * 1.06**2)
    assert standards.consumption(ps, 2024, "urban") == 30737


def test_rise_rule_and_band() -> None:
    ps = _rule("rise")
    # floor 735 × 1.05 = 771.75 -> 772; county 760 × 1.05 = 798 (band top 772 × 1.1 = 849.2)
    assert ps.value("dibao.floor_urban", D(2025, 7, 1)) == 772
    assert _at(ps, D(2025, 7, 1), "dibao.standard", "urban") == pytest.approx(798.0)
    # a county already above the band is held at its top: 900 × 1.05 = 945 > 849.2
    high = load_parameters().with_overrides(
        [
            Override(
                "dibao.standard", D(2024, 8, 1), value=900.0, counties=(CODE,), keys=("urban",)
            ),
            Override("dibao.standard_rule", D(2025, 1, 1), value="rise"),
        ]
    )
    ps2 = standards.set_standards(high, 2025)
    assert _at(ps2, D(2025, 7, 1), "dibao.standard", "urban") == pytest.approx(772 * 1.1)


def test_cpi_rule_uses_last_years_average() -> None:
    ps = _rule("cpi")
    pct = standards.cpi_annual_pct(ps, 2024)
    factor = max(1.0, 1 + pct / 100)
    assert ps.value("dibao.floor_urban", D(2025, 7, 1)) == math.ceil(735 * factor - 1e-9)
    # the projection mean where there are no data
    assert standards.cpi_annual_pct(ps, 2040) == ps.value("prices.cpi_mean_pct", D(2040, 1, 1))


def test_given_table_value_is_kept() -> None:
    given = load_parameters().with_overrides(
        [Override("dibao.standard", D(2026, 3, 1), value=999.0, counties=(CODE,), keys=("urban",))]
    )
    ps = standards.set_standards(given, 2027)
    p = ps["dibao.standard"]
    starts = [e.start for e in p.entries[(CODE, "urban")]]  # type: ignore[union-attr]
    assert D(2026, 3, 1) in starts and D(2026, 7, 1) not in starts
    assert _at(ps, D(2026, 12, 1), "dibao.standard", "urban") == 999.0
    # the next year grows from the given value: 999 × 771 / 758, within the band 771 × 1.1
    assert _at(ps, D(2027, 7, 1), "dibao.standard", "urban") == pytest.approx(
        min(round(999 * 771 / 758, 2), 771 * 1.1)
    )


def test_standards_rise_every_projection_year_within_floor_and_band() -> None:
    ps = standards.scenario_parameters(load_parameters(), (), 2029)
    prev = None
    for year in range(2024, 2030):
        b = ps.at(D(year, 12, 1))
        for area in ("urban", "rural"):
            std = np.asarray(b.dibao.standard[area])
            floor = float(getattr(b.dibao, f"floor_{area}"))
            assert (std >= floor - TOLERANCE).all()
            assert (std <= floor * 1.1 + TOLERANCE).all()
        if prev is not None:
            assert (np.asarray(b.dibao.standard.rural) > prev.dibao.standard.rural).all()
            assert (np.asarray(b.dibao.standard.urban) > prev.dibao.standard.urban).all()
            assert b.dibao.floor_rural > prev.dibao.floor_rural
        prev = b


def test_tekun_follows_urban_standard_every_month() -> None:
    # a temporary +10% raise of the urban standard in two counties (as in the earthquake scenario)
    raise_ = Override(
        "dibao.standard",
        D(2026, 6, 1),
        relative=0.10,
        end=D(2026, 9, 1),
        counties=("532922", "532927"),
    )
    ps = standards.scenario_parameters(load_parameters(), (raise_,), 2027)
    month = D(2019, 5, 1)
    while month <= D(2027, 12, 1):
        b = ps.at(month)
        tk = np.asarray(b.tekun.basic_standard["all"])
        assert (
            tk >= b.tekun.standard_multiple * np.asarray(b.dibao.standard.urban) - TOLERANCE
        ).all()
        assert (tk >= b.tekun.floor - TOLERANCE).all()
        month = D(month.year + month.month // 12, month.month % 12 + 1, 1)
    assert ps.value("tekun.floor", D(2026, 7, 1)) == math.ceil(1.3 * 758)


def test_care_subsidy_from_minimum_wage() -> None:
    base = load_parameters().with_overrides(
        [Override("tekun.care_rule", D(2026, 1, 1), value="minimum_wage")]
    )
    ps = standards.link_standards(base, 2026)
    # shares 0.03 / 0.17 / 0.33 × last year's (2025-12) minimum wage 1,990
    assert ps.value("tekun.care_subsidy", D(2026, 7, 1)) == {
        "able": 59.7,
        "partly": 338.3,
        "unable": 656.7,
    }
    assert ps.value("tekun.care_subsidy", D(2026, 6, 1)) == {
        "able": 50,
        "partly": 250,
        "unable": 500,
    }
