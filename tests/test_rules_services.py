"""Unit tests of purchased services and the 5% cap (safetynet.rules.services)."""

from __future__ import annotations

import numpy as np
from numpy.testing import assert_allclose
from safetynet.params import Branch
from safetynet.rules import DIBAO, NONE, TEKUN_DISPERSED, TEKUN_INSTITUTIONAL, services

P = Branch(
    "services",
    {"cap_share": 0.05, "cost_per_dependant": 100.0, "casework_cost_per_household": 15.0},
)


def test_dependants_in_assistance_households() -> None:
    levels = np.array([2, 0, 1, 2, 2, 2, 1])
    prog = [DIBAO, DIBAO, TEKUN_DISPERSED, TEKUN_INSTITUTIONAL, NONE, DIBAO]
    first, size = [0, 1, 2, 3, 4, 5], [1, 1, 1, 1, 1, 2]
    deps = [services.dependants(g, f, k, levels) for g, f, k in zip(prog, first, size, strict=True)]
    assert deps == [1, 0, 1, 0, 0, 2]  # each member who cannot look after themselves
    assert_allclose(services.demand(P, [1, 0, 3]), [100.0, 0.0, 300.0])


def test_casework_demand_per_assistance_household() -> None:
    assert_allclose(services.casework_demand(P, [0.0, 2.0, 1000.5]), [0.0, 30.0, 15007.5])


def test_headroom_year_to_date_including_services() -> None:
    # x ≤ 0.05 / 0.95 × O − S
    room = services.headroom(P, [0.0, 5200.0, 6000.0], [95000.0, 100000.0, 100000.0])
    assert_allclose(room, [5000.0, 0.05 / 0.95 * 100000 - 5200, 0.0])
    # after buying the whole headroom the cap holds with equality
    s, o = 5200.0, 100000.0
    x = float(room[1])
    assert abs((s + x) - 0.05 * (o + s + x)) < 1e-9


def test_allowed_and_unmet() -> None:
    bought = services.allowed([100.0, 100.0, 100.0], [1000.0, 63.0, 0.0])
    assert_allclose(bought, [100.0, 63.0, 0.0])
    assert_allclose(services.unmet([100.0, 100.0, 100.0], bought), [0.0, 37.0, 100.0])


def test_full_cap_share_means_no_cap() -> None:
    room = services.headroom(Branch("services", {"cap_share": 1.0}), [10.0], [0.0])
    assert np.isinf(room[0])
