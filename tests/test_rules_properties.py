"""Property tests of the rules (hypothesis): invariants that must hold for every household.

- raising a standard never lowers eligibility or the benefit of any household;
- benefits are never negative;
- the price subsidy is zero when no trigger holds;
- purchased services never exceed the cap;
- the schema's age and disability bands agree with the member-level rules.

Examples are derandomised so that a run is reproducible.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from safetynet.params import Branch, CountyValues
from safetynet.rules import DIBAO_SINGLE, dibao, funding, price_subsidy, services, tekun, temporary

SETTINGS = settings(max_examples=150, deadline=None, derandomize=True)
N = 40  # households per example

money = st.floats(min_value=0.0, max_value=5000.0, allow_nan=False)


@st.composite
def households(draw: st.DrawFn) -> dict[str, np.ndarray]:
    """N households with consistent member counts (vectorised columns of the schema)."""
    seed = draw(st.integers(min_value=0, max_value=2**32 - 1))
    rng = np.random.default_rng(seed)
    bands = rng.integers(0, 3, size=(4, N))
    bands[2] = np.where(bands.sum(axis=0) == 0, 1, bands[2])
    n_0_15, n_16_17, n_18_59, n_60p = bands
    size = bands.sum(axis=0)
    severe = rng.integers(0, 2, size=N) * (rng.random(N) < 0.3)
    mental = rng.integers(0, 2, size=N) * (rng.random(N) < 0.2)
    zero_income = rng.random(N) < 0.3
    scale = draw(st.floats(min_value=100.0, max_value=3000.0))
    return {
        "county": rng.integers(0, 2, size=N),
        "urban": rng.random(N) < 0.5,
        "size": size,
        "n_0_15": n_0_15,
        "n_16_17": n_16_17,
        "n_18_59": n_18_59,
        "n_60p": n_60p,
        "n_workers": rng.integers(0, 2, size=N) * (n_18_59 > 0),
        "n_disabled_severe": np.minimum(severe, size),
        "n_disabled_mental": np.minimum(mental, size),
        "n_ill": (rng.random(N) < 0.2).astype(int),
        "care_level": rng.integers(0, 3, size=N),
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
             tekun_std: float, edge_paid: int) -> tuple[Branch, Branch, Branch]:  # fmt: skip
    d = Branch(
        "dibao",
        {
            "standard": CountyValues(
                "dibao.standard",
                {"urban": np.array([urban, urban + 50.0]), "rural": np.array([rural, rural])},
            ),
            "employment_cost_deduction_share": 0.2,
            "rigid_expenditure_deduction_share": 1.0,
            "asset_limit_months": 24,
            "min_benefit": min_benefit,
            "benefit_formula": formula,
            "tiered_shares": {"0.3": 0.8, "0.6": 0.5, "1": 0.25},
            "edge_multiple": edge_k,
            "gradual_exit_months": 6,
            "single_person_disability_grade_max": 2,
            "single_person_mental_grade_max": 4,
            "single_person_serious_illness": True,
            "single_person_income_share": 0.0,
        },
    )
    t = Branch(
        "tekun",
        {
            "basic_standard": CountyValues("tekun.basic_standard", {"all": np.full(2, tekun_std)}),
            "minor_age_limit": 18,
            "elderly_age": 60,
            "care_subsidy": {"able": 50.0, "partly": 250.0, "unable": 500.0},
        },
    )
    p = Branch(
        "price_subsidy",
        {
            "cpi_threshold_pct": 3.5,
            "food_cpi_threshold_pct": 6.0,
            "min_payment": 10.0,
            "rise_share": 1.0,
            "multiplier": 1.0,
            "covered_groups": {"dibao": 1, "tekun": 1, "edge": edge_paid},
        },
    )
    return d, t, p


def assess(d: Branch, t: Branch, p: Branch, h: dict[str, Any], rise: float) -> dict[str, Any]:
    """The engine's composition of the rules for one month (no gradual exit: that is state)."""
    std = dibao.local_standard(d, h["county"], h["urban"])
    inc = dibao.counted_income(
        d, h["income_wage"], h["income_farm"], h["income_transfer"],
        h["exp_medical"], h["exp_schooling"], h["exp_disability"],
    )  # fmt: skip
    pci = dibao.per_capita_income(inc, h["size"])
    ok = dibao.assets_ok(d, h["assets"], h["size"], std)
    able = tekun.able_bodied_members(t, h["n_16_17"], h["n_18_59"], h["n_disabled_severe"],
                                     h["n_disabled_mental"])  # fmt: skip
    tk = tekun.eligible(able, h["n_workers"], h["has_supporter"], pci, std, ok)
    whole = dibao.eligible_whole(pci, std, ok) & ~tk
    edge = dibao.edge_family(d, pci, std, ok, whole | tk)
    cand = dibao.single_person_candidates(d, h["size"], h["n_disabled_severe"],
                                          h["n_disabled_mental"], h["n_ill"])  # fmt: skip
    n_single = dibao.single_person_count(edge, cand)
    cat = dibao.benefit_category(able, h["n_disabled_severe"], h["n_ill"],
                                 h["n_disabled_mental"], h["n_60p"])  # fmt: skip
    programme = np.select([tk, whole, n_single > 0], [3, 1, DIBAO_SINGLE], 0)
    persons = np.select([tk | whole, n_single > 0], [h["size"], n_single], 0)
    pay_dibao = dibao.whole_household_benefit(d, pci, std, h["size"], whole, cat, cand)
    pay_dibao = pay_dibao + np.where(
        programme == DIBAO_SINGLE, dibao.single_person_benefit(d, pci, std, n_single), 0.0
    )
    pay_tekun = np.where(
        tk,
        tekun.basic_living(t, h["county"], persons)
        + tekun.care_subsidy(t, h["care_level"], persons),
        0.0,
    )
    rate = price_subsidy.rate_per_person(p, std, np.full(std.shape, rise))
    price = rate * price_subsidy.covered_persons(p, programme, edge, persons, h["size"])
    return {
        "covered": programme > 0,
        "edge_or_covered": (programme > 0) | edge,
        "dibao": pay_dibao,
        "tekun": pay_tekun,
        "price": price,
        "total": pay_dibao + pay_tekun + price,
    }


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
    low = assess(*branches(urban, rural, formula, min_benefit, edge_k, tekun_std, edge_paid), h,
                 rise)  # fmt: skip
    high = assess(
        *branches(urban + delta, rural + delta, formula, min_benefit, edge_k, tekun_std, edge_paid),
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
    d, t, p = branches(urban, urban * 0.7, formula, min_benefit, 1.5, tekun_std, 1)
    p_price = Branch("price_subsidy", {**p._values, "min_payment": 0.0})
    out = assess(d, t, p_price, h, max(rise, 0.0))
    for key in ("dibao", "tekun", "price", "total"):
        assert np.all(out[key] >= 0.0), key
    tp = Branch(
        "temporary",
        {
            "base_months": {"urgent": 2.0, "expenditure": 3.0},
            "severity_factor": {"moderate": 1.0, "severe": 2.0, "major": 4.0},
            "max_persons_counted": 5,
            "duration_months_max": 3.0,
            "case_by_case_threshold_months": 12.0,
            "township_approval_limit": 1000.0,
        },
    )
    std = np.full(N, urban)
    need = temporary.need(tp, std, np.full(N, kind), np.full(N, severity), h["size"],
                          np.full(N, duration))  # fmt: skip
    granted = temporary.amount(need, temporary.case_by_case_limit(tp, std), np.full(N, severity))
    assert np.all(granted >= 0.0)
    assert np.all(temporary.advance_payment(tp, np.full(N, kind), granted) >= 0.0)


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
def test_schema_bands_agree_with_member_rules(
    members: list[tuple[int, int, bool]], mental_max: int
) -> None:
    d = Branch("dibao", {"single_person_disability_grade_max": 2,
                         "single_person_mental_grade_max": mental_max,
                         "single_person_serious_illness": True})  # fmt: skip
    kind = np.array([m[0] for m in members])
    grade = np.array([m[1] for m in members])
    ill = np.array([m[2] and m[0] == 0 for m in members])  # the schema cannot tell overlaps
    severe = int(((kind > 0) & (grade <= 2)).sum())
    mental = int(((kind == 2) & (grade >= 3)).sum())
    bands = dibao.single_person_candidates(d, [len(members)], [severe], [mental], [ill.sum()])
    exact = dibao.member_qualifies_alone(d, kind, grade, ill).sum()
    assert bands[0] == exact


@SETTINGS
@given(age=st.integers(min_value=0, max_value=100), limit=st.sampled_from([16, 18]))
def test_age_bands_agree_with_the_minor_rule(age: int, limit: int) -> None:
    t = Branch("tekun", {"minor_age_limit": limit, "elderly_age": 60})
    n_16_17 = int(16 <= age <= 17)
    n_18_59 = int(18 <= age <= 59)
    able = tekun.able_bodied_members(t, [n_16_17], [n_18_59], [0], [0])[0]
    expected = not tekun.is_minor(t, [age])[0] and not tekun.is_elderly(t, [age])[0]
    assert bool(able) == expected
