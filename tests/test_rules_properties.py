"""Property tests of the rules (hypothesis): invariants that must hold for every household.

- raising a standard never lowers eligibility or the benefit of any household;
- benefits are never negative;
- the price subsidy is zero when no trigger holds;
- purchased services never exceed the cap;
- household counts of the person rules count persons: a member qualifies alone once whatever
  the number of conditions, and a working-age member without disability is able-bodied
  whoever else lives in the household.

Examples are derandomised so that a run is reproducible.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from rulekit import params
from safetynet import assessment
from safetynet.params import Branch
from safetynet.rules import DIBAO_SINGLE, dibao, funding, price_subsidy, services, tekun, temporary
from safetynet.rules.dibao import tiered_layout
from safetynet.rules.parameters import RuleParams

SETTINGS = settings(max_examples=150, deadline=None, derandomize=True)
N = 40  # households per example

money = st.floats(min_value=0.0, max_value=5000.0, allow_nan=False)


@st.composite
def households(draw: st.DrawFn) -> dict[str, np.ndarray]:
    """N households with their members (person arrays, members of household i from
    ``first[i]``; ages, disabilities, illness and self-care drawn per person)."""
    seed = draw(st.integers(min_value=0, max_value=2**32 - 1))
    rng = np.random.default_rng(seed)
    size = rng.integers(1, 7, size=N)
    first = np.cumsum(size) - size
    n_p = int(size.sum())
    kind = np.where(rng.random(n_p) < 0.3, rng.integers(1, 3, size=n_p), 0)
    zero_income = rng.random(N) < 0.3
    scale = draw(st.floats(min_value=100.0, max_value=3000.0))
    return {
        "county": rng.integers(0, 2, size=N),
        "urban": rng.random(N) < 0.5,
        "size": size,
        "first": first,
        "age": rng.integers(0, 95, size=n_p),
        "disability": kind,
        "grade": np.where(kind > 0, rng.integers(1, 5, size=n_p), 0),
        "ill": rng.random(n_p) < 0.2,
        "care": rng.integers(0, 3, size=n_p),
        "n_workers": rng.integers(0, 2, size=N),
        "income_wage": np.where(zero_income, 0.0, rng.random(N) * scale * size),
        "income_farm": rng.random(N) * scale * 0.5,
        "income_transfer": rng.random(N) * 300.0,
        "assets": rng.random(N) * 60000.0,
        "exp_medical": rng.random(N) * 400.0,
        "exp_schooling": rng.random(N) * 100.0,
        "exp_disability": rng.random(N) * 100.0,
        "has_supporter": rng.random(N) < 0.5,
    }


def branches(urban: float, rural: float, formula: str, min_benefit: float, edge_k: float,
             tekun_std: float, edge_paid: int) -> list[RuleParams]:  # fmt: skip
    """The rule parameters of two counties (county 1: urban standard + 50)."""
    code, classes, bounds, paid = tiered_layout(formula, {"0.3": 0.8, "0.6": 0.5, "1": 0.25})
    common = {
        "standard_rural": rural,
        "min_benefit": min_benefit,
        "benefit_formula": code,
        "tier_classes": classes,
        "tier_bounds": bounds,
        "tier_paid": paid,
        "edge_multiple": edge_k,
        "tekun_standard": tekun_std,
        "covers_edge": bool(edge_paid),
    }
    return [params(standard_urban=urban, **common), params(standard_urban=urban + 50.0, **common)]


def assess(rules: list[RuleParams], h: dict[str, Any], rise: float, minimum: float = 10.0
           ) -> dict[str, Any]:  # fmt: skip
    """The engine's composition of the rules (safetynet.assessment) for one month, household
    by household (no gradual exit: that is state)."""
    out: dict[str, list[Any]] = {k: [] for k in ("covered", "edge_or_covered", "dibao",
                                                  "tekun", "price")}  # fmt: skip
    for i in range(N):
        r = rules[int(h["county"][i])]
        std = r.standard_urban if h["urban"][i] else r.standard_rural
        rate = max(std * rise / 100.0, minimum) if rise > 0 else 0.0
        r = r._replace(price_rate_urban=rate, price_rate_rural=rate)
        size = int(h["size"][i])
        f0 = int(h["first"][i])
        std, ok, able, cand, cat = assessment.household_tests(
            r, bool(h["urban"][i]), size, f0, h["age"], h["disability"], h["grade"], h["ill"],
            float(h["assets"][i]),
        )  # fmt: skip
        pci = assessment.per_capita_income(
            r, float(h["income_wage"][i]), float(h["income_farm"][i]),
            float(h["income_transfer"][i]), float(h["exp_medical"][i]),
            float(h["exp_schooling"][i]), float(h["exp_disability"][i]), size,
        )  # fmt: skip
        tk, whole, edge, n_single = assessment.eligibility(
            r, pci, std, ok, able, int(h["n_workers"][i]), bool(h["has_supporter"][i]), size, cand
        )
        programme = 3 if tk else 1 if whole else DIBAO_SINGLE if n_single > 0 else 0
        persons = assessment.covered_persons(programme, size, n_single)
        paid = assessment.dibao_benefit(
            r, programme, bool(h["urban"][i]), 0, 0.0, pci, std, size, cat, cand, n_single
        )
        members_care = tekun.care_subsidy(r, f0, size, h["care"])
        basic, care, price, _once = assessment.payments(
            r, programme, bool(h["urban"][i]), edge, size, persons, members_care
        )
        out["covered"].append(programme > 0)
        out["edge_or_covered"].append(programme > 0 or edge)
        out["dibao"].append(paid)
        out["tekun"].append(basic + care)
        out["price"].append(price)
    res = {k: np.array(v) for k, v in out.items()}
    res["total"] = res["dibao"] + res["tekun"] + res["price"]
    return res


@SETTINGS
@given(
    h=households(),
    urban=st.floats(min_value=300.0, max_value=1000.0),
    rural_share=st.floats(min_value=0.4, max_value=1.0),
    delta=st.floats(min_value=0.0, max_value=300.0),
    formula=st.sampled_from(["gap", "tiered"]),
    min_benefit=st.floats(min_value=0.0, max_value=50.0),
    edge_k=st.floats(min_value=1.0, max_value=2.0),
    edge_paid=st.sampled_from([0, 1]),
    rise=st.sampled_from([0.0, 3.6, 8.0]),
)
def test_raising_the_standard_never_lowers_eligibility_or_benefit(
    h: dict[str, Any], urban: float, rural_share: float, delta: float, formula: str,
    min_benefit: float, edge_k: float, edge_paid: int, rise: float,
) -> None:  # fmt: skip
    rural = urban * rural_share
    tekun_std = 1.3 * (urban + 50.0 + delta)  # ≥ 1.3 × the highest urban standard (S3 三(二))
    low = assess(branches(urban, rural, formula, min_benefit, edge_k, tekun_std, edge_paid), h,
                 rise)  # fmt: skip
    high = assess(
        branches(urban + delta, rural + delta, formula, min_benefit, edge_k, tekun_std, edge_paid),
        h,
        rise,
    )
    assert np.all(~low["covered"] | high["covered"])
    assert np.all(~low["edge_or_covered"] | high["edge_or_covered"])
    assert np.all(high["total"] >= low["total"] - 1e-6)


@SETTINGS
@given(
    h=households(),
    urban=st.floats(min_value=0.0, max_value=2000.0),
    formula=st.sampled_from(["gap", "tiered"]),
    min_benefit=st.floats(min_value=0.0, max_value=100.0),
    tekun_std=st.floats(min_value=0.0, max_value=3000.0),
    rise=st.floats(min_value=-5.0, max_value=20.0),
    kind=st.integers(min_value=0, max_value=1),
    severity=st.integers(min_value=0, max_value=2),
    duration=st.floats(min_value=0.0, max_value=24.0),
)
def test_benefits_are_never_negative(
    h: dict[str, Any], urban: float, formula: str, min_benefit: float, tekun_std: float,
    rise: float, kind: int, severity: int, duration: float,
) -> None:  # fmt: skip
    rules = branches(urban, urban * 0.7, formula, min_benefit, 1.5, tekun_std, 1)
    out = assess(rules, h, max(rise, 0.0), minimum=0.0)
    for key in ("dibao", "tekun", "price", "total"):
        assert np.all(out[key] >= 0.0), key
    tp = params(standard_urban=urban)
    for size in h["size"].tolist():
        granted = assessment.temporary_amount(tp, kind, severity, size, duration)
        assert granted >= 0.0
        assert temporary.advance_payment(tp, kind, granted) >= 0.0


@SETTINGS
@given(
    cpi=st.floats(min_value=-3.0, max_value=3.49),
    food=st.floats(min_value=-10.0, max_value=5.99),
    standard=st.floats(min_value=0.0, max_value=3000.0),
    min_payment=st.floats(min_value=0.0, max_value=50.0),
    multiplier=st.floats(min_value=0.0, max_value=3.0),
)
def test_price_subsidy_is_zero_without_a_trigger(
    cpi: float, food: float, standard: float, min_payment: float, multiplier: float
) -> None:
    p = Branch("price_subsidy", {"cpi_threshold_pct": 3.5, "food_cpi_threshold_pct": 6.0,
                                 "min_payment": min_payment, "multiplier": multiplier,
                                 "rise_share": 1.0})  # fmt: skip
    c = price_subsidy.cpi_trigger(p, np.array([cpi]))
    f = price_subsidy.food_trigger(p, np.array([food]))
    assert not price_subsidy.triggered(c, f)[0]
    rise = price_subsidy.triggering_rise(np.array([cpi]), np.array([food]), c, f)
    assert price_subsidy.rate_per_person(p, np.array([standard]), rise)[0] == 0.0


@SETTINGS
@given(
    cap=st.floats(min_value=0.0, max_value=0.5),
    other=st.floats(min_value=0.0, max_value=1e8),
    paid_share=st.floats(min_value=0.0, max_value=1.5),
    demand=st.floats(min_value=0.0, max_value=1e7),
)
def test_services_never_exceed_the_cap(
    cap: float, other: float, paid_share: float, demand: float
) -> None:
    p = Branch("services", {"cap_share": cap})
    allowed_total = cap / (1.0 - cap) * other
    paid = paid_share * allowed_total  # above 1: the county had already overspent
    room = services.headroom(p, np.array([paid]), np.array([other]))
    bought = services.allowed(np.array([demand]), room)[0]
    assert 0.0 <= bought <= demand
    assert services.unmet(np.array([demand]), np.array([bought]))[0] >= 0.0
    if paid <= allowed_total:
        assert paid + bought <= cap * (other + paid + bought) + 1e-6 * max(1.0, other)
    else:
        assert bought == 0.0


@SETTINGS
@given(
    factors=st.lists(
        st.tuples(*(st.floats(min_value=0.0, max_value=1e6) for _ in funding.FACTORS)),
        min_size=1,
        max_size=20,
    ),
    need=st.floats(min_value=0.0, max_value=1e9),
)
def test_factor_shares_sum_to_one_and_transfers_to_the_pool(
    factors: list[tuple[float, ...]], need: float
) -> None:
    p = Branch("funding", {"factor_weights": {"workload": 0.6, "fiscal_difficulty": 0.2,
                                              "fiscal_effort": 0.1, "performance": 0.1},
                           "transfer_share": 0.85})  # fmt: skip
    cols = np.array(factors).T
    shares = funding.factor_shares(p, dict(zip(funding.FACTORS, cols, strict=True)))
    assert np.all(shares >= 0.0)
    if cols.sum() > 0:
        assert abs(shares.sum() - 1.0) < 1e-9
        pool = funding.transfer_pool(p, np.full(len(factors), need))
        assert abs(funding.transfers(pool, shares).sum() - pool) <= 1e-6 * max(pool, 1.0)


@SETTINGS
@given(
    members=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=2),  # 0 none, 1 physical, 2 mental
            st.integers(min_value=1, max_value=4),  # grade
            st.booleans(),  # seriously ill
        ),
        min_size=1,
        max_size=8,
    ),
    mental_max=st.sampled_from([2, 4]),
)
def test_single_person_candidates_count_each_person_once(
    members: list[tuple[int, int, bool]], mental_max: int
) -> None:
    d = params(single_person_mental_grade_max=mental_max)
    kind = np.array([m[0] for m in members])
    grade = np.where(kind > 0, np.array([m[1] for m in members]), 0)
    ill = np.array([m[2] for m in members])
    n = len(members)
    age = np.full(n, 30)

    def candidates(kind: Any, grade: Any, ill: Any) -> int:
        return int(assessment.household_tests(d, True, n, 0, age, kind, grade, ill, 0.0)[3])

    count = candidates(kind, grade, ill)
    exact = sum(
        dibao.qualifies_alone(d, int(k), int(g), bool(i))
        for k, g, i in zip(kind, grade, ill, strict=True)
    )
    assert count == exact <= n
    # a second condition on a member who already qualifies adds no one
    sick = np.ones(n, dtype=bool)
    severe_kind, severe_grade = np.ones(n, dtype=int), np.ones(n, dtype=int)
    assert candidates(severe_kind, severe_grade, sick) == n


@SETTINGS
@given(
    ages=st.lists(st.integers(min_value=0, max_value=100), min_size=1, max_size=8),
    disabled=st.lists(st.booleans(), min_size=8, max_size=8),
    limit=st.sampled_from([16, 18]),
)
def test_able_bodied_members_are_counted_one_by_one(
    ages: list[int], disabled: list[bool], limit: int
) -> None:
    t = params(minor_age_limit=limit)
    n = len(ages)
    kind = np.array([1 if x else 0 for x in disabled[:n]])
    grade = np.where(kind > 0, 1, 0)
    age = np.array(ages)

    def able_bodied(age: Any, kind: Any, grade: Any) -> int:
        ill = np.zeros(age.size, dtype=bool)
        return int(assessment.household_tests(t, True, age.size, 0, age, kind, grade, ill, 0.0)[2])

    able = able_bodied(age, kind, grade)
    expected = sum(
        not tekun.is_minor(t, a) and not tekun.is_elderly(t, a) and k == 0
        for a, k in zip(ages, kind.tolist(), strict=True)
    )
    assert able == expected
    # a working-age member without disability is able-bodied whoever else lives there
    with_adult = able_bodied(np.append(age, 40), np.append(kind, 0), np.append(grade, 0))
    assert with_adult == able + 1
