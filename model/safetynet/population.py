"""Synthetic family households per county from the census 2020 marginals (合成家庭户).

Each county is generated on its own random stream ``stream(seed, "population", county,
replicate)``, so a county's households do not depend on which other counties are generated or
in which process. What is drawn from what (docs/population.md has the full account):

1. sizes: one-person share and mean size of the census; members beyond two follow a negative
   binomial (``population.size_dispersion``); counts per size are fixed by largest-remainder
   quotas, so sample marginals match the census up to rounding;
2. urban flag: quotas per size with P(urban | size) tilted by size (``population.urban_size_tilt``)
   and the level solved so the urban share of persons equals the census;
3. members 65+: the census counts of households with one, two, three+ members 65+, placed by
   weighted sampling without replacement; then children (0–15, 16–17) and members 60–64 fill the
   free member slots to the county age totals (weighted by household type);
4. per person: grade 1–2 disability, grade 3–4 intellectual/mental disability, serious illness and
   work, by age band and residence;
5. per household: self-care level, pensions, supporter and support income, assets, rigid spending,
   the 脱贫 flag, and latent draws (earning capacity, assessment error, take-up propensity);
6. earnings: workers × exp(mu + split-normal(earning_z)); mu is set per county and residence so
   mean disposable income per person equals the province mean × a county level from census
   proxies (schooling, urbanisation, farm occupation).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import optimize, special, stats

from safetynet import members, refdata
from safetynet.constants import (
    AGE_MAX,
    BAND_16_17_HIGH,
    BAND_16_17_LOW,
    BAND_60_LOW,
    BAND_65_LOW,
    MENTAL_DISABILITY,
    NO_DISABILITY,
    OTHER_DISABILITY,
    YEARS_IN_0_15,
    YEARS_IN_16_17,
    YEARS_IN_18_59,
    YEARS_IN_60_64,
)
from safetynet.errors import InputError
from safetynet.params import ParameterSet, load_parameters
from safetynet.rules.compiled import rule, to_int
from safetynet.schema import MAX_MEMBERS, PERSON_SCHEMA, Households, Persons, empty, first_members
from safetynet.streams import stream

__all__ = [
    "AGE_GROUPS",
    "DEFAULT_DATE",
    "PopulationParams",
    "assign_market_income",
    "county_income_level",
    "generate",
    "household_counts",
    "marginals",
    "population_params",
    "quotas",
    "size_distribution",
    "split_normal_mean",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

DEFAULT_DATE = dt.date(2019, 5, 1)
#: person age bands used while generating; the schema stores 0–15, 16–17, 18–59, 60+ and 65+
AGE_GROUPS: tuple[str, ...] = ("0_15", "16_17", "18_59", "60_64", "65p")
_A0015, _A1617, _A1859, _A6064, _A65P = range(5)
#: prevalence keys per age band (mapping parameters use age_0_17 / age_18_59 / age_60p)
_PREVALENCE_KEYS = ("age_0_17", "age_0_17", "age_18_59", "age_60p", "age_60p")
#: years of age in the census band 0–14 and in the schema bands 0–15 and 16–17 (cohorts of
#: equal size assumed inside 0–17)
_YEARS_0_14, _YEARS_0_15, _YEARS_16_17 = 15, YEARS_IN_0_15, YEARS_IN_16_17  # census 0–14: 15
#: earnings never fall below this share of the county's income target (numerical guard for
#: counties whose transfers alone would exceed the target)
_MIN_EARNINGS_SHARE = 0.1
#: rural farm-income shares are clipped to this range
_FARM_SHARE_RANGE = (0.05, 0.9)
_AREAS = ("rural", "urban")  # index = int(urban)
_CARE_KEYS = ("severe_partly", "severe_unable", "mental_partly", "elderly_partly", "elderly_unable")


@dataclass(frozen=True)
class PopulationParams:
    """The ``population.*`` (and the calibrated income-tail) parameters at one date, as arrays.

    Area-indexed arrays use index 0 = rural, 1 = urban; age-indexed ones follow ``AGE_GROUPS``.
    """

    size_max: int
    size_dispersion: float
    urban_size_tilt: float
    one_65_weights: FloatArray  # by size 0..size_max
    two_65_weights: FloatArray
    child_weight_size_2: float
    child_weight_size_3p: float
    child_weight_with_65: float
    weight_6064_with_65: float
    weight_6064_without_65: float
    work_rate: FloatArray  # (area, age)
    disability_severe: FloatArray  # (age,)
    disability_mental: FloatArray
    illness: FloatArray
    care: Mapping[str, float]
    income_mean: FloatArray  # (area,) yuan/person/month
    income_sigma: FloatArray  # (area,) upper-half log-sd
    income_tail: FloatArray  # (area,) lower/upper log-sd ratio (calibrated)
    county_effects: Mapping[str, float]
    farm_share_urban: float
    farm_share_rural: float
    pension_employee: float
    pension_resident: float
    employee_pension_share: FloatArray  # (area,)
    pension_earning_corr: float
    supporter_probability: FloatArray  # (area,)
    support_median: FloatArray  # (area,) yuan/person/month
    support_sigma: float
    assets_median: FloatArray  # (area,) yuan/person
    assets_elasticity: float
    assets_sigma: float
    schooling_0_15: float
    schooling_16_17: float
    tuopin_rural_share: float
    tuopin_corr: float
    age_65p_mean_years: float  # mean years over 65 of members 65+ (exponential)
    illness_cost: float  # behaviour.illness_medical_cost
    disability_cost: float  # behaviour.disability_cost


def _m(mapping: Any, key: str, path: str) -> float:
    try:
        return float(mapping[key])
    except (KeyError, TypeError):
        raise InputError(f"parameters/{path.replace('.', '/')}.yaml", f"value.{key}",
                         "a mapping with this key") from None  # fmt: skip


def _area(mapping: Any, path: str) -> FloatArray:
    return np.array([_m(mapping, a, path) for a in _AREAS], dtype=np.float64)


def _size_weights(mapping: Any, path: str, size_max: int, smallest: int) -> FloatArray:
    """Weights by household size 0..size_max from keys s1..s4 and s5p (0 below ``smallest``)."""
    out = np.zeros(size_max + 1)
    for s in range(smallest, size_max + 1):
        out[s] = _m(mapping, f"s{s}" if s < 5 else "s5p", path)
    return out


def population_params(params: ParameterSet, when: dt.date) -> PopulationParams:
    """Read the population branch (plus the calibrated income tails) in force on ``when``."""
    b = params.at(when)
    p = b.population
    cal = b.calibrated
    size_max = int(p.size_max)
    wr = p.work_rate
    work = np.zeros((2, len(AGE_GROUPS)))
    for ai, area in enumerate(_AREAS):
        for gi, g in enumerate(AGE_GROUPS):
            if g != "0_15":
                work[ai, gi] = _m(wr, f"{area}_{g}", "population.work_rate")

    def prevalence(name: str) -> FloatArray:
        path = f"population.{name}"
        return np.array([_m(getattr(p, name), k, path) for k in _PREVALENCE_KEYS])

    cw, aw = p.child_weights, p.age_60_64_weights
    eps, sup, ast = p.employee_pension_share, p.support_income, p.assets
    return PopulationParams(
        size_max=size_max,
        size_dispersion=float(p.size_dispersion),
        urban_size_tilt=float(p.urban_size_tilt),
        one_65_weights=_size_weights(p.one_65plus_size_weights,
                                     "population.one_65plus_size_weights", size_max, 1),
        two_65_weights=_size_weights(p.two_65plus_size_weights,
                                     "population.two_65plus_size_weights", size_max, 2),
        child_weight_size_2=_m(cw, "size_2", "population.child_weights"),
        child_weight_size_3p=_m(cw, "size_3p", "population.child_weights"),
        child_weight_with_65=_m(cw, "with_65plus", "population.child_weights"),
        weight_6064_with_65=_m(aw, "with_65plus", "population.age_60_64_weights"),
        weight_6064_without_65=_m(aw, "without_65plus", "population.age_60_64_weights"),
        work_rate=work,
        disability_severe=prevalence("disability_severe_prevalence"),
        disability_mental=prevalence("disability_mental_prevalence"),
        illness=prevalence("serious_illness_prevalence"),
        care={k: _m(p.care_level_probability, k, "population.care_level_probability")
              for k in _CARE_KEYS},
        income_mean=_area(p.disposable_income, "population.disposable_income"),
        income_sigma=_area(p.income_sigma, "population.income_sigma"),
        income_tail=np.array([float(cal.income_tail_rural), float(cal.income_tail_urban)]),
        county_effects={k: float(v) for k, v in dict(p.income_county_effects).items()},
        farm_share_urban=_m(p.farm_income_share, "urban", "population.farm_income_share"),
        farm_share_rural=_m(p.farm_income_share, "rural", "population.farm_income_share"),
        pension_employee=_m(p.pension, "employee", "population.pension"),
        pension_resident=_m(p.pension, "resident", "population.pension"),
        employee_pension_share=_area(eps, "population.employee_pension_share"),
        pension_earning_corr=_m(eps, "earning_correlation", "population.employee_pension_share"),
        supporter_probability=_area(p.supporter_probability, "population.supporter_probability"),
        support_median=_area(sup, "population.support_income"),
        support_sigma=_m(sup, "sigma", "population.support_income"),
        assets_median=np.array([_m(ast, "rural_median_per_person", "population.assets"),
                                _m(ast, "urban_median_per_person", "population.assets")]),
        assets_elasticity=_m(ast, "earning_elasticity", "population.assets"),
        assets_sigma=_m(ast, "sigma", "population.assets"),
        schooling_0_15=_m(p.schooling_cost, "age_0_15", "population.schooling_cost"),
        schooling_16_17=_m(p.schooling_cost, "age_16_17", "population.schooling_cost"),
        tuopin_rural_share=_m(p.tuopin, "rural_share", "population.tuopin"),
        tuopin_corr=_m(p.tuopin, "earning_correlation", "population.tuopin"),
        age_65p_mean_years=float(p.age_65p_mean_years),
        illness_cost=float(b.behaviour.illness_medical_cost),
        disability_cost=float(b.behaviour.disability_cost),
    )  # fmt: skip


# --------------------------------------------------------------------------- small helpers


def quotas(total: int, shares: npt.ArrayLike) -> IntArray:
    """Integer counts summing to ``total`` in proportion to ``shares`` (largest remainder).

    >>> quotas(10, [0.55, 0.25, 0.2]).tolist()
    [6, 2, 2]
    """
    s = np.asarray(shares, dtype=np.float64)
    if total < 0 or s.size == 0 or (s < 0).any() or s.sum() <= 0:
        raise ValueError("quotas: need total ≥ 0 and non-negative shares with a positive sum")
    raw = total * s / s.sum()
    base: IntArray = np.floor(raw).astype(np.int64)
    rest = int(total - base.sum())
    if rest > 0:
        order = np.argsort(-(raw - base), kind="stable")
        base[order[:rest]] += 1
    return base


def size_distribution(
    mean_size: float, one_person_share: float, shape: float, size_max: int
) -> FloatArray:
    """P(size = s) for s = 1..size_max with the given mean and one-person share.

    Households of 2+ have 2 + X members, X negative binomial with shape ``shape`` truncated at
    ``size_max`` − 2; its mean is solved so the overall mean equals ``mean_size``.

    >>> p = size_distribution(2.9, 0.2, 2.5, 10)
    >>> round(float(p[0]), 6), round(float(p @ np.arange(1, 11)), 6)
    (0.2, 2.9)
    """
    if not 0.0 <= one_person_share < 1.0:
        raise ValueError(f"one-person share {one_person_share} outside [0, 1)")
    target = (mean_size - one_person_share) / (1.0 - one_person_share)
    k = np.arange(size_max - 1)
    if not 2.0 < target < size_max:
        raise ValueError(
            f"mean size {mean_size} with one-person share {one_person_share} is not reachable "
            f"with sizes up to {size_max}"
        )

    def pmf(mu: float) -> FloatArray:
        q = stats.nbinom.pmf(k, shape, shape / (shape + mu))
        return np.asarray(q / q.sum(), dtype=np.float64)

    def gap(mu: float) -> float:
        return float(pmf(mu) @ (k + 2.0)) - target

    hi = 1.0
    while gap(hi) < 0.0:
        hi *= 2.0
        if hi > 1e6:
            raise ValueError(f"mean size {mean_size} not reachable with sizes up to {size_max}")
    mu = optimize.brentq(gap, 1e-9, hi, xtol=1e-12)
    out = np.empty(size_max)
    out[0] = one_person_share
    out[1:] = (1.0 - one_person_share) * pmf(mu)
    return out


def split_normal_mean(sigma_high: float, sigma_low: float) -> float:
    """E[exp(X)] for X = sigma_high·Z (Z ≥ 0) or sigma_low·Z (Z < 0), Z standard normal.

    >>> round(split_normal_mean(0.5, 0.5), 6) == round(math.exp(0.125), 6)
    True
    """
    hi = math.exp(sigma_high**2 / 2) * special.ndtr(sigma_high)
    lo = math.exp(sigma_low**2 / 2) * special.ndtr(-sigma_low)
    return float(hi + lo)


def _smallest(keys: npt.NDArray[Any], k: int) -> IntArray:
    """Positions of the ``k`` smallest keys (weighted sampling without replacement with
    exponential keys = E / weight)."""
    k = min(int(k), int(keys.shape[0]))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    if k == keys.shape[0]:
        return np.arange(k, dtype=np.int64)
    out: IntArray = np.argpartition(keys, k - 1)[:k].astype(np.int64)
    return out


def household_counts(counties: refdata.CountyTable, sample_fraction: float) -> IntArray:
    """Sampled households per county: round(family_households × fraction), at least 1."""
    if not 0.0 < sample_fraction <= 1.0:
        raise InputError(
            "generate", "sample_fraction", "a fraction in (0, 1]", str(sample_fraction)
        )
    n = np.rint(counties.family_households.astype(np.float64) * sample_fraction)
    return np.maximum(n, 1).astype(np.int64)


def _ratio_60_65(counties: refdata.CountyTable) -> FloatArray:
    """Per county: prefecture share aged 60+ / share aged 65+ (the census has no county 60+)."""
    rows = refdata.read_table("prefectures.csv")
    ratio = {r["prefecture_code"]: float(r["share_age_60_plus"]) / float(r["share_age_65_plus"])
             for r in rows}  # fmt: skip
    try:
        return np.array([ratio[str(c)] for c in counties.prefecture_code], dtype=np.float64)
    except KeyError as exc:
        raise InputError("prefectures.csv", "prefecture_code", "every county's prefecture",
                         str(exc)) from None  # fmt: skip


def county_income_level(pp: PopulationParams, counties: refdata.CountyTable) -> FloatArray:
    """Relative income level per county and area (county, 2: rural, urban), mean 1 by area.

    log level = Σ coefficient × (proxy − province mean) over census proxies (schooling years,
    urban share, farm-occupation share), renormalised so the person-weighted mean of each area
    over the province is 1 (population.income_county_effects).
    """
    pop = counties.pop_total.astype(np.float64)
    proxies = {
        "schooling_years": counties.avg_years_schooling,
        "urban_share": counties.urban_share,
        "farm_share": counties.farm_occupation_share,
    }
    log_level = np.zeros(len(counties))
    for key, coef in pp.county_effects.items():
        if key not in proxies:
            raise InputError("parameters/population/income_county_effects.yaml", f"value.{key}",
                             f"one of {sorted(proxies)}")  # fmt: skip
        x = np.asarray(proxies[key], dtype=np.float64)
        mean = float(np.nansum(x * pop) / pop[np.isfinite(x)].sum())
        log_level += coef * (np.where(np.isfinite(x), x, mean) - mean)
    level = np.exp(log_level)
    out = np.empty((len(counties), 2))
    for ai, w in enumerate((counties.pop_rural, counties.pop_urban)):
        w = w.astype(np.float64)
        out[:, ai] = level / (level @ w / w.sum())
    return out


def _farm_share(pp: PopulationParams, counties: refdata.CountyTable) -> FloatArray:
    """Farm/business share of earnings per county and area (county, 2)."""
    farm = np.asarray(counties.farm_occupation_share, dtype=np.float64)
    w = counties.pop_rural.astype(np.float64)
    ok = np.isfinite(farm)
    mean = float(farm[ok] @ w[ok] / w[ok].sum())
    rural = pp.farm_share_rural * np.where(ok, farm, mean) / mean
    out = np.empty((len(counties), 2))
    out[:, 0] = np.clip(rural, *_FARM_SHARE_RANGE)
    out[:, 1] = pp.farm_share_urban
    return out


# --------------------------------------------------------------------------- earnings


def assign_market_income(
    hh: Households, pp: PopulationParams, counties: refdata.CountyTable
) -> None:
    """Write ``income_wage`` and ``income_farm`` in place from ``earning_z`` (yuan/household/month).

    Earnings per worker = exp(mu + s·earning_z) with s = income_sigma above the median and
    income_sigma × income_tail below it. mu is set per county and area so that the mean income
    per person (earnings + transfers) equals disposable_income × the county level; it uses only
    the households of that county and area, so the result does not depend on other counties.
    """
    n_c = len(counties)
    county = hh["county"].astype(np.int64)
    area = hh["urban"].astype(np.int64)
    group = county * 2 + area
    size = hh["size"].astype(np.float64)
    workers = hh["n_workers"].astype(np.float64)
    persons = np.bincount(group, weights=size, minlength=2 * n_c)
    n_work = np.bincount(group, weights=workers, minlength=2 * n_c)
    transfers = np.bincount(group, weights=hh["income_transfer"].astype(np.float64),
                            minlength=2 * n_c)  # fmt: skip
    target = (county_income_level(pp, counties) * pp.income_mean[None, :]).reshape(-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        earn_pc = np.maximum(target - transfers / persons, _MIN_EARNINGS_SHARE * target)
        m = np.array([split_normal_mean(pp.income_sigma[a], pp.income_sigma[a] * pp.income_tail[a])
                      for a in (0, 1)])  # fmt: skip
        mu = np.log(earn_pc * persons / (n_work * np.tile(m, n_c)))
    mu = np.where(np.isfinite(mu), mu, 0.0)
    z = hh["earning_z"].astype(np.float64)
    sig_hi = pp.income_sigma[area]
    spread = np.where(z >= 0.0, sig_hi, sig_hi * pp.income_tail[area])
    earnings = workers * np.exp(mu[group] + spread * z)
    farm = _farm_share(pp, counties).reshape(-1)[group]
    hh["income_farm"][:] = earnings * farm
    hh["income_wage"][:] = earnings * (1.0 - farm)


# --------------------------------------------------------------------------- one county


@dataclass(frozen=True)
class _CountyFacts:
    households: int
    persons: int
    one_person: int
    with_65: tuple[int, int, int]  # households with one, two, three+ members 65+
    pop_total: int
    urban_share: float
    share_0_14: float
    share_65: float
    ratio_60_65: float


def _facts(ct: refdata.CountyTable, c: int, ratio_60_65: FloatArray) -> _CountyFacts:
    return _CountyFacts(
        households=int(ct.family_households[c]),
        persons=int(ct.family_household_pop[c]),
        one_person=int(ct.one_person_households[c]),
        with_65=(int(ct.households_with_one_65plus[c]), int(ct.households_with_two_65plus[c]),
                 int(ct.households_with_three_plus_65plus[c])),
        pop_total=int(ct.pop_total[c]),
        urban_share=float(ct.urban_share[c]),
        share_0_14=float(ct.share_age_0_14[c]),
        share_65=float(ct.share_age_65_plus[c]),
        ratio_60_65=float(ratio_60_65[c]),
    )  # fmt: skip


def age_targets(f: _CountyFacts) -> dict[str, float]:
    """Census persons by schema age band in the county's family households.

    65+: from the households-with-65+ counts (3+ counted as 3); 60–64: 65+ × (prefecture
    60+/65+ − 1); 0–14: census share × total population × the family-household share of the
    population under 65 (collective households assumed to have the county's age mix under 65);
    0–15 and 16–17 from 0–14 with equal single-year cohorts; 18–59 the rest.
    """
    e65 = f.with_65[0] + 2 * f.with_65[1] + 3 * f.with_65[2]
    under65_family = f.persons - e65
    under65_total = f.pop_total * (1.0 - f.share_65)
    c014 = f.share_0_14 * f.pop_total * min(under65_family / under65_total, 1.0)
    one_year = c014 / _YEARS_0_14
    out = {
        "0_15": one_year * _YEARS_0_15,
        "16_17": one_year * _YEARS_16_17,
        "60_64": e65 * (f.ratio_60_65 - 1.0),
        "65p": float(e65),
    }
    out["18_59"] = f.persons - sum(out.values())
    return out


def _urban_probability(counts: IntArray, share: float, tilt: float) -> FloatArray:
    """P(urban | size) per size class so the urban share of persons equals ``share``."""
    sizes = np.arange(1, counts.shape[0] + 1, dtype=np.float64)
    persons = counts * sizes
    share = min(max(share, 0.0), 1.0)
    if share <= 0.0 or share >= 1.0:
        return np.full(counts.shape[0], share)

    def gap(a: float) -> float:
        return float(persons @ special.expit(a + tilt * sizes) / persons.sum()) - share

    a = optimize.brentq(gap, -60.0, 60.0, xtol=1e-12)
    return np.asarray(special.expit(a + tilt * sizes), dtype=np.float64)


def _sizes_and_urban(
    f: _CountyFacts, n: int, pp: PopulationParams, rng: np.random.Generator
) -> tuple[IntArray, BoolArray]:
    """Step 1: household sizes and urban flags by quota (census mean size, one-person share,
    urban share of persons), in random order."""
    probs = size_distribution(f.persons / f.households, f.one_person / f.households,
                              pp.size_dispersion, pp.size_max)  # fmt: skip
    n_size = quotas(n, probs)
    expected = n_size * _urban_probability(n_size, f.urban_share, pp.urban_size_tilt)
    n_urban = np.minimum(quotas(round(float(expected.sum())), expected), n_size) if n else n_size
    sorted_size = np.repeat(np.arange(1, pp.size_max + 1, dtype=np.int64), n_size)
    start = np.concatenate(([0], np.cumsum(n_size)[:-1]))
    sorted_urban = (np.arange(n) - start[sorted_size - 1]) < n_urban[sorted_size - 1]
    perm = rng.permutation(n)
    return sorted_size[perm], sorted_urban[perm]


def _members_65(
    f: _CountyFacts, size: IntArray, pp: PopulationParams, rng: np.random.Generator
) -> IntArray:
    """Step 2: members 65+ per household; census counts of households with one, two and three+
    members 65+ as quotas, placed by weighted sampling without replacement."""
    n = size.shape[0]
    shares = np.array([f.households - sum(f.with_65), *f.with_65], dtype=np.float64)
    n65 = quotas(n, np.maximum(shares, 0.0))
    keys = rng.standard_exponential((3, n), dtype=np.float32)
    k65 = np.zeros(n, dtype=np.int64)
    for count, weights, row in (
        (n65[3], (size >= 3).astype(np.float32), 0),
        (n65[2], pp.two_65_weights[size].astype(np.float32), 1),
        (n65[1], pp.one_65_weights[size].astype(np.float32), 2),
    ):
        with np.errstate(divide="ignore", invalid="ignore"):
            key = np.where((weights > 0) & (k65 == 0), keys[row] / weights, np.inf)
        chosen = _smallest(key, min(int(count), int(np.isfinite(key).sum())))
        k65[chosen] = 3 - row
    return k65


def _member_ages(
    f: _CountyFacts, size: IntArray, k65: IntArray, pp: PopulationParams, rng: np.random.Generator
) -> tuple[IntArray, npt.NDArray[np.int8]]:
    """Step 3: one row per person (household index, age band). Households without a member 65+
    get one adult; children and members 60–64 fill the slots up to the county age totals."""
    n = size.shape[0]
    scale = n / f.households
    target = age_targets(f)
    idx = np.arange(n, dtype=np.int64)
    forced_hh = idx[k65 == 0]
    free_hh = np.repeat(idx, size - k65 - (k65 == 0))
    elder_hh = np.repeat(idx, k65)
    p_hh = np.concatenate((forced_hh, free_hh, elder_hh))
    p_age = np.concatenate((np.full(forced_hh.size, _A1859, np.int8),
                            np.full(free_hh.size, _A1859, np.int8),
                            np.full(elder_hh.size, _A65P, np.int8)))  # fmt: skip
    child_w = np.where(size == 2, pp.child_weight_size_2, pp.child_weight_size_3p)
    child_w = child_w * np.where(k65 > 0, pp.child_weight_with_65, 1.0)
    slot_keys = rng.standard_exponential(free_hh.size, dtype=np.float32)
    with np.errstate(divide="ignore"):
        key = slot_keys / child_w[free_hh].astype(np.float32)
    n_children = round((target["0_15"] + target["16_17"]) * scale)
    children = forced_hh.size + _smallest(key, n_children)
    p_age[children] = _A0015
    teen = _smallest(rng.random(children.size, dtype=np.float32), round(target["16_17"] * scale))
    p_age[children[teen]] = _A1617
    adult_slots = np.flatnonzero(p_age == _A1859)
    aw = np.where(k65[p_hh[adult_slots]] > 0, pp.weight_6064_with_65, pp.weight_6064_without_65)
    with np.errstate(divide="ignore"):
        key = rng.standard_exponential(adult_slots.size, dtype=np.float32) / aw.astype(np.float32)
    p_age[adult_slots[_smallest(key, round(target["60_64"] * scale))]] = _A6064
    return p_hh, p_age


@rule
def _person_state_rows(
    p_hh: Any, p_age: Any, urban: Any, u: Any, p_severe: Any, p_mental: Any, p_ill: Any,
    work_rate: Any, severe: Any, mental: Any, ill: Any, work: Any, kind: Any, grade: Any,
) -> None:  # fmt: skip
    """:func:`_person_states` per person (``u``: four float32 uniforms per person; the
    prevalences of grade 1–2 and 3–4 disability as float32, of illness and work as float64)."""
    for i in range(p_hh.shape[0]):
        a = to_int(p_age[i])
        u0, u1 = u[0, i], u[1, i]
        sv = u0 < p_severe[a]
        mt = not sv and u1 < p_mental[a]
        il = np.float64(u[2, i]) < p_ill[a]
        area = to_int(urban[to_int(p_hh[i])])
        severe[i], mental[i], ill[i] = sv, mt, il
        work[i] = not (sv or mt or il) and np.float64(u[3, i]) < work_rate[area, a]
        if sv:
            kind[i] = OTHER_DISABILITY
            grade[i] = 1 if u0 < p_severe[a] / np.float32(2.0) else 2
        elif mt:
            kind[i] = MENTAL_DISABILITY
            grade[i] = 3 if u1 < p_mental[a] / np.float32(2.0) else 4
        else:
            kind[i] = NO_DISABILITY
            grade[i] = 0


def _person_states(
    p_hh: IntArray, p_age: npt.NDArray[np.int8], urban: BoolArray, pp: PopulationParams,
    rng: np.random.Generator,
) -> dict[str, npt.NDArray[Any]]:  # fmt: skip
    """Step 4: per person a grade 1–2 disability (any kind; grade 1 or 2 in equal shares,
    recorded as physical/other), a grade 3–4 intellectual/mental disability (grade 3 or 4 in
    equal shares), serious illness and work, by age band and residence."""
    u = rng.random((4, p_hh.size), dtype=np.float32)
    n = p_hh.size
    severe, mental = np.empty(n, dtype=bool), np.empty(n, dtype=bool)
    ill, work = np.empty(n, dtype=bool), np.empty(n, dtype=bool)
    kind, grade = np.empty(n, dtype=np.int8), np.empty(n, dtype=np.int8)
    rows: Any = _person_state_rows
    rows(p_hh, p_age, urban, u, pp.disability_severe.astype(np.float32),
         pp.disability_mental.astype(np.float32), pp.illness, pp.work_rate,
         severe, mental, ill, work, kind, grade)  # fmt: skip
    return {"severe": severe, "mental": mental, "ill": ill, "works": work,
            "disability": kind, "disability_grade": grade}  # fmt: skip


def _care_levels(
    severe: BoolArray, mental: BoolArray, p_age: npt.NDArray[np.int8], u: npt.NDArray[np.float32],
    care: Mapping[str, float],
) -> npt.NDArray[np.int8]:  # fmt: skip
    """Self-care level of each person (0 able, 1 partly, 2 unable): grade 1–2 disabled persons
    partly / unable with severe_partly / severe_unable, grade 3–4 intellectual/mental persons
    partly with mental_partly, other persons 65+ partly / unable with elderly_* (each tier drawn
    only for its own persons)."""
    level = np.zeros(u.shape[0], dtype=np.int8)
    elderly = (p_age == _A65P) & ~severe & ~mental
    for who, unable, partly in (
        (severe, care["severe_unable"], care["severe_partly"]),
        (mental & ~severe, 0.0, care["mental_partly"]),
        (elderly, care["elderly_unable"], care["elderly_partly"]),
    ):
        rows = np.flatnonzero(who)
        v = u[rows]
        level[rows] = np.where(v < unable, 2, np.where(v < unable + partly, 1, 0))
    return level


#: first year and number of single years of each generation age band (65+: drawn)
_BAND_YEARS = (
    (0, YEARS_IN_0_15),
    (BAND_16_17_LOW, YEARS_IN_16_17),
    (BAND_16_17_HIGH + 1, YEARS_IN_18_59),
    (BAND_60_LOW, YEARS_IN_60_64),
    (BAND_65_LOW, 0),
)


def _single_ages(p_age: npt.NDArray[np.int8], pp: PopulationParams, u: FloatArray) -> IntArray:
    """Single-year ages from the generation bands: equal cohorts inside 0–15, 16–17, 18–59 and
    60–64; 65 + floor(exponential with mean ``age_65p_mean_years``) for 65+ (at most 120)."""
    out = np.empty(p_age.size, dtype=np.int64)
    rows: Any = _single_age_rows
    rows(p_age, u, np.array([b[0] for b in _BAND_YEARS]), np.array([b[1] for b in _BAND_YEARS]),
         pp.age_65p_mean_years, out)  # fmt: skip
    return out


@rule
def _single_age_rows(p_age: Any, u: Any, low: Any, width: Any, mean_65p: float, out: Any) -> None:
    """:func:`_single_ages` per person."""
    for i in range(p_age.shape[0]):
        a = to_int(p_age[i])
        lo = low[a]
        if a == _A65P:
            years = min(np.floor(-mean_65p * np.log1p(-u[i])), np.float64(AGE_MAX - lo))
        else:
            years = np.floor(u[i] * width[a])
        out[i] = np.int64(lo + years)


def _generate_county(
    f: _CountyFacts, n: int, pp: PopulationParams, rng: np.random.Generator, out: dict[str, Any]
) -> tuple[dict[str, npt.NDArray[Any]], IntArray]:
    """Fill ``out`` (column -> array slice of length n) with the households of one county
    (earnings are added afterwards by :func:`assign_market_income`); returns the county's
    person-table rows (members contiguous by household, one free slot after each household's
    members) and the slots per household."""
    size, urban = _sizes_and_urban(f, n, pp, rng)
    k65 = _members_65(f, size, pp, rng)
    p_hh, p_age = _member_ages(f, size, k65, pp, rng)
    by_age = np.bincount(p_hh * 5 + p_age, minlength=5 * n).reshape(n, 5)
    states = _person_states(p_hh, p_age, urban, pp, rng)
    counts = {name: np.bincount(p_hh[states[key]], minlength=n)
              for name, key in (("severe", "severe"), ("mental", "mental"), ("ill", "ill"),
                                ("work", "works"))}  # fmt: skip
    # step 5: per household
    hu = rng.random((3, n), dtype=np.float32)
    hz = rng.standard_normal((6, n), dtype=np.float32)
    # per person: single-year age, birth month, self-care level
    pu = rng.random((2, p_hh.size))
    ages = _single_ages(p_age, pp, pu[0])
    birth_month = rng.integers(1, 13, p_hh.size)
    care = _care_levels(states["severe"], states["mental"], p_age,
                        pu[1].astype(np.float32), pp.care)  # fmt: skip
    area = urban.astype(np.int64)
    n60 = by_age[:, _A6064] + by_age[:, _A65P]
    rho = pp.pension_earning_corr
    score = rho * hz[0] + math.sqrt(1.0 - rho * rho) * hz[2]
    employee = score > special.ndtri(1.0 - pp.employee_pension_share)[area]
    pension = np.where(employee, pp.pension_employee, pp.pension_resident) * n60
    no_work = counts["work"] == 0
    supporter = ~no_work | (hu[1] < pp.supporter_probability[area])
    support = np.where(no_work & supporter,
                       size * pp.support_median[area] * np.exp(pp.support_sigma * hz[3]),
                       0.0)  # fmt: skip
    wealth = np.exp(pp.assets_elasticity * hz[0] + pp.assets_sigma * hz[4])
    rt = pp.tuopin_corr
    tp_score = -rt * hz[0] + math.sqrt(1.0 - rt * rt) * hz[5]
    columns: dict[str, npt.ArrayLike] = {
        "urban": urban,
        "size": size,
        "income_transfer": pension + support,
        "assets": size * pp.assets_median[area] * wealth,
        "exp_medical": counts["ill"] * pp.illness_cost,
        "exp_schooling": by_age[:, _A0015] * pp.schooling_0_15
        + by_age[:, _A1617] * pp.schooling_16_17,
        "exp_disability": counts["severe"] * pp.disability_cost,
        "has_supporter": supporter,
        "tuopin": ~urban & (tp_score > special.ndtri(1.0 - pp.tuopin_rural_share)),
        "earning_z": hz[0],
        "assess_z": hz[1],
        "propensity": hu[2],
        "n_workers": counts["work"],
    }
    for name, values in columns.items():
        out[name][:] = values
    # the person table of the county: members by household, then one free slot
    slots = np.minimum(size + 1, MAX_MEMBERS)
    first = np.cumsum(slots) - slots
    rows = np.empty(p_hh.size, dtype=np.int64)
    fill_rows: Any = members.member_rows
    fill_rows(p_hh, first, rows)
    persons = {c.name: np.full(int(slots.sum()), c.default, dtype=c.np_dtype)
               for c in PERSON_SCHEMA}  # fmt: skip
    person_values: dict[str, npt.NDArray[Any]] = {
              "age": ages, "birth_month": birth_month, "disability": states["disability"],
              "disability_grade": states["disability_grade"], "ill": states["ill"],
              "care_level": care, "works": states["works"]}  # fmt: skip
    for name, v in person_values.items():
        persons[name][rows] = v
    return persons, slots


# --------------------------------------------------------------------------- public entry


def _county_list(n_counties: int, county_indices: Sequence[int] | None) -> list[int]:
    if county_indices is None:
        return list(range(n_counties))
    out = [int(c) for c in county_indices]
    bad = [c for c in out if not 0 <= c < n_counties]
    if bad:
        raise InputError("generate", "county_indices", f"indices in 0..{n_counties - 1}", str(bad))
    if len(set(out)) != len(out):
        raise InputError("generate", "county_indices", "no repeated county", str(out))
    return out


def generate(
    counties: refdata.CountyTable | None = None,
    sample_fraction: float = 1.0,
    seed: int = 0,
    replicate: int = 0,
    county_indices: Sequence[int] | None = None,
    params: ParameterSet | None = None,
    date: dt.date = DEFAULT_DATE,
) -> Households:
    """Synthetic family households of the given counties (all by default), in county order.

    Each county gets round(family_households × sample_fraction) rows (at least one) with
    weight = family_households / rows, drawn on ``stream(seed, "population", county,
    replicate)``; the same arguments give the same households however counties are split.
    Programme-state columns are left at their defaults (see behaviour.initial.initial_state).
    """
    ct = refdata.counties() if counties is None else counties
    ps = load_parameters() if params is None else params
    if seed < 0 or replicate < 0:
        raise InputError(
            "generate", "seed/replicate", "non-negative integers", f"{seed}/{replicate}"
        )
    chosen = _county_list(len(ct), county_indices)
    pp = population_params(ps, date)
    per_county = household_counts(ct, sample_fraction)
    sizes = [int(per_county[c]) for c in chosen]
    hh = empty(sum(sizes))
    cols = {name: hh[name] for name in hh.columns}
    ratio = _ratio_60_65(ct)
    start = 0
    people: list[Persons] = []
    all_slots = []
    for c, n in zip(chosen, sizes, strict=True):
        f = _facts(ct, c, ratio)
        part = {name: a[start : start + n] for name, a in cols.items()}
        part["county"][:] = c
        part["weight"][:] = f.households / n
        persons, slots = _generate_county(f, n, pp, stream(seed, "population", c, replicate), part)
        people.append(Persons(persons))
        all_slots.append(slots)
        # views: writes into hh (the earnings read only household columns)
        assign_market_income(Households(part, Persons.empty(0)), pp, ct)
        start += n
    slots = np.concatenate(all_slots) if all_slots else np.zeros(0, np.int64)
    hh.set_members(Persons.concat(people) if people else Persons.empty(0),
                   first_members(slots), slots)  # fmt: skip
    members.derive_counts(hh)
    return hh


# --------------------------------------------------------------------------- checks


def marginals(
    hh: Households, counties: refdata.CountyTable
) -> dict[str, tuple[FloatArray, FloatArray]]:
    """Weighted model totals and census values per county, by marginal (key -> (model, census)).

    Keys: households, persons (family-household population), one_person_households,
    urban_share (of persons), households_with_65plus and with one / two / three+ members 65+,
    and persons by age band (age_0_15, age_16_17, age_18_59, age_60p, age_65p; census values
    as derived in :func:`age_targets`). Counties without households in ``hh`` get model 0.
    """
    n_c = len(counties)
    county = hh["county"].astype(np.int64)
    w = hh["weight"].astype(np.float64)

    def total(x: npt.ArrayLike) -> FloatArray:
        out = np.bincount(county, weights=w * np.asarray(x, dtype=np.float64), minlength=n_c)
        return out.astype(np.float64)

    size = hh["size"]
    k65 = hh["n_65p"]
    persons = total(size)
    ratio = _ratio_60_65(counties)
    ages = [age_targets(_facts(counties, c, ratio)) for c in range(n_c)]

    def census_age(*keys: str) -> FloatArray:
        return np.array([sum(a[k] for k in keys) for a in ages])

    with np.errstate(invalid="ignore", divide="ignore"):
        urban_share = total(size * hh["urban"]) / persons
    f64 = np.float64
    return {
        "households": (total(1.0), counties.family_households.astype(f64)),
        "persons": (persons, counties.family_household_pop.astype(f64)),
        "one_person_households": (total(size == 1), counties.one_person_households.astype(f64)),
        "urban_share": (urban_share, counties.urban_share.astype(f64)),
        "households_with_65plus": (total(k65 > 0), counties.households_with_65plus.astype(f64)),
        "households_with_one_65plus": (total(k65 == 1), counties.households_with_one_65plus),
        "households_with_two_65plus": (total(k65 == 2), counties.households_with_two_65plus),
        "households_with_three_plus_65plus": (total(k65 >= 3),
                                              counties.households_with_three_plus_65plus),
        "age_0_15": (total(hh["n_0_15"]), census_age("0_15")),
        "age_16_17": (total(hh["n_16_17"]), census_age("16_17")),
        "age_18_59": (total(hh["n_18_59"]), census_age("18_59")),
        "age_60p": (total(hh["n_60p"]), census_age("60_64", "65p")),
        "age_65p": (total(k65), census_age("65p")),
    }  # fmt: skip
