"""Extreme-poverty support (特困人员救助供养, tekun): POLICY.md §2.

Eligibility (elderly, disabled, or minors under the age limit; no work capacity, no income
source, no able supporter), basic living standard and its floor, care subsidy by self-care
level, institutional vs dispersed care.

How the engine calls this (every month; ``h`` = household columns, ``p = params.at(month)``,
``std``/``pci``/``ok`` from :mod:`safetynet.rules.dibao`)::

    t = p.tekun
    able = tekun.able_bodied_members(t, h.n_16_17, h.n_18_59,
                                     h.n_disabled_severe, h.n_disabled_mental)
    elig = tekun.eligible(able, h.n_workers, h.has_supporter, pci, std, ok)
    mode = tekun.care_mode(willing_institution, place_available)    # 3 or 4
    basic = tekun.basic_living(t, h.county, h.covered_persons)
    care = tekun.care_subsidy(t, h.care_level, h.covered_persons)

All money is yuan per month.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from safetynet.params import Branch
from safetynet.rules import (
    CARE_LEVELS,
    TEKUN_DISPERSED,
    TEKUN_INSTITUTIONAL,
    BoolArray,
    FloatArray,
    IntArray,
    as_bool,
    as_float,
    as_int,
    lookup,
    mapping_value,
)

#: age bands of the household schema: ``n_0_15`` (ages 0–15) and ``n_16_17`` (ages 16–17)
BAND_16_17_LOW = 16
BAND_16_17_HIGH = 17


def is_minor(p: Branch, age: npt.ArrayLike) -> BoolArray:
    """Per person: a minor covered by tekun, i.e. younger than ``minor_age_limit`` years
    (S4 二(一): limit raised from 16 to 18)."""
    return as_int(age) < int(p.minor_age_limit)


def is_elderly(p: Branch, age: npt.ArrayLike) -> BoolArray:
    """Per person: aged ``elderly_age`` (60) or older (S4 二(一) 老年人)."""
    return as_int(age) >= int(p.elderly_age)


def minors_16_17_covered(p: Branch) -> bool:
    """Whether the schema band of ages 16–17 counts as minors under the limit in force.

    True when ``minor_age_limit`` > 17 (18 after the change), False when it is 16.
    """
    return int(p.minor_age_limit) > BAND_16_17_HIGH


def able_bodied_members(
    p: Branch,
    n_16_17: npt.ArrayLike,
    n_18_59: npt.ArrayLike,
    n_disabled_severe: npt.ArrayLike,
    n_disabled_mental: npt.ArrayLike,
) -> IntArray:
    """Members presumed able to work, persons (S4 二(一) 无劳动能力).

    Working-age members (18–59, and 16–17 when the minor age limit is 16) minus disabled
    members; children under the limit and people aged 60+ are never able-bodied. The schema
    does not cross age with disability, so disabled members are assumed to be of working
    age first (ASSUMED; exact for one-person households, the usual tekun case).
    """
    working = as_int(n_18_59) + as_int(n_16_17) * (not minors_16_17_covered(p))
    disabled = as_int(n_disabled_severe) + as_int(n_disabled_mental)
    return np.maximum(working - disabled, 0)


def eligible(
    able_bodied: npt.ArrayLike,
    n_workers: npt.ArrayLike,
    has_supporter: npt.ArrayLike,
    per_capita: npt.ArrayLike,
    standard: npt.ArrayLike,
    assets_pass: npt.ArrayLike,
) -> BoolArray:
    """Tekun eligibility of the household (S4 二(一)).

    Every member unable to work (elderly, disabled or a minor under the limit) and nobody
    working; no income source, read as per-capita income below the local dibao standard with
    assets within the limit (特困人员认定办法, as national practice; ASSUMED reading); and no
    legally obliged supporter able to support them (``has_supporter`` False).
    """
    no_work = (as_int(able_bodied) == 0) & (as_int(n_workers) == 0)
    no_income = (as_float(per_capita) < as_float(standard)) & as_bool(assets_pass)
    return as_bool(no_work & no_income & ~as_bool(has_supporter))


def basic_standard(p: Branch, county: npt.ArrayLike) -> FloatArray:
    """County tekun basic living standard in force, yuan/person/month (``tekun.basic_standard``;
    the actual county value is an input, the 1.3 × floor is a check: S3 三(二))."""
    return np.asarray(p.basic_standard.all[as_int(county)], dtype=np.float64)


def standard_floor(p: Branch, urban_standard: npt.ArrayLike) -> FloatArray:
    """Lowest allowed tekun basic standard, yuan/person/month: ``standard_multiple`` × urban
    dibao standard (S3 三(二), S4 二(二))."""
    return float(p.standard_multiple) * as_float(urban_standard)


def basic_living(p: Branch, county: npt.ArrayLike, persons: npt.ArrayLike) -> FloatArray:
    """Tekun basic living payment, yuan/household/month: county standard × covered persons."""
    return basic_standard(p, county) * as_float(persons)


def care_subsidy(p: Branch, care_level: npt.ArrayLike, persons: npt.ArrayLike) -> FloatArray:
    """Care subsidy (照料护理补贴), yuan/household/month (S4 二(二); tiers ASSUMED).

    The most dependent member gets the rate of the household's ``care_level`` (0 able,
    1 partly, 2 unable: keys able/partly/unable of ``tekun.care_subsidy``); other covered
    persons get the ``able`` rate. 0 where nobody is covered.
    """
    n = as_float(persons)
    rates = p.care_subsidy
    first = lookup(rates, CARE_LEVELS, care_level, "tekun.care_subsidy")
    able = mapping_value(rates, "able", "tekun.care_subsidy")
    return np.where(n > 0.0, first + np.maximum(n - 1.0, 0.0) * able, 0.0)


def institution_places_needed(p: Branch, willing_persons: npt.ArrayLike) -> FloatArray:
    """Institution places that must be offered, places: ``institution_share_willing`` × persons
    willing to live in an institution (S3 二(二): 100% of the willing)."""
    return float(p.institution_share_willing) * as_float(willing_persons)


def care_mode(willing_institution: npt.ArrayLike, place_available: npt.ArrayLike) -> IntArray:
    """Programme code of a tekun household: institutional (集中供养, 4) when willing and a place
    is available, else dispersed (分散供养, 3) (S3 二(二), S2 二(六))."""
    inst = as_bool(willing_institution) & as_bool(place_available)
    return np.where(inst, TEKUN_INSTITUTIONAL, TEKUN_DISPERSED).astype(np.int64)
