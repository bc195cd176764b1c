"""Extreme-poverty support (特困人员救助供养, tekun): POLICY.md §2.

Eligibility (elderly, disabled, or minors under the age limit; no work capacity, no income
source, no able supporter), basic living standard and its floor, care subsidy by self-care
level, institutional vs dispersed care.

Every function is one quantity for one household or person, compiled with numba; ``p`` is the
county's :class:`safetynet.rules.parameters.RuleParams` of the month; the order of the tests is
composed in :mod:`safetynet.assessment`. All money is yuan per month.
"""

from __future__ import annotations

from safetynet.constants import BAND_16_17_HIGH
from safetynet.rules import TEKUN_DISPERSED, TEKUN_INSTITUTIONAL
from safetynet.rules.compiled import rule
from safetynet.rules.parameters import RuleParams

#: ``care_level`` codes (keys able/partly/unable of ``tekun.care_subsidy``)
ABLE, PARTLY, UNABLE = 0, 1, 2


@rule
def is_minor(p: RuleParams, age: int) -> bool:
    """Per person: a minor covered by tekun, i.e. younger than ``minor_age_limit`` years
    (S4 二(一): limit raised from 16 to 18)."""
    return age < p.minor_age_limit


@rule
def is_elderly(p: RuleParams, age: int) -> bool:
    """Per person: aged ``elderly_age`` (60) or older (S4 二(一) 老年人)."""
    return age >= p.elderly_age


@rule
def minors_16_17_covered(p: RuleParams) -> bool:
    """Whether the schema band of ages 16–17 counts as minors under the limit in force.

    True when ``minor_age_limit`` > 17 (18 after the change), False when it is 16.
    """
    return p.minor_age_limit > BAND_16_17_HIGH


@rule
def able_bodied(
    p: RuleParams, n_16_17: int, n_18_59: int, n_disabled_severe: int, n_disabled_mental: int
) -> int:
    """Members presumed able to work, persons (S4 二(一) 无劳动能力).

    Working-age members (18–59, and 16–17 when the minor age limit is 16) minus disabled
    members; children under the limit and people aged 60+ are never able-bodied. The schema
    does not cross age with disability, so disabled members are assumed to be of working
    age first (ASSUMED; exact for one-person households, the usual tekun case).
    """
    working = n_18_59 + (0 if minors_16_17_covered(p) else n_16_17)
    return max(working - (n_disabled_severe + n_disabled_mental), 0)


@rule
def eligible(
    able: int,
    n_workers: int,
    has_supporter: bool,
    per_capita: float,
    standard: float,
    assets_pass: bool,
) -> bool:
    """Tekun eligibility of the household (S4 二(一)).

    Every member unable to work (elderly, disabled or a minor under the limit) and nobody
    working; no income source, read as per-capita income below the local dibao standard with
    assets within the limit (特困人员认定办法, as national practice; ASSUMED reading); and no
    legally obliged supporter able to support them (``has_supporter`` False).
    """
    no_work = able == 0 and n_workers == 0
    no_income = per_capita < standard and assets_pass
    return no_work and no_income and not has_supporter


@rule
def standard_floor(p: RuleParams) -> float:
    """Lowest allowed tekun basic standard, yuan/person/month: ``standard_multiple`` × urban
    dibao standard (S3 三(二), S4 二(二))."""
    return p.standard_multiple * p.standard_urban


@rule
def basic_living(p: RuleParams, persons: int) -> float:
    """Tekun basic living payment, yuan/household/month: county standard
    (``tekun.basic_standard``) × covered persons."""
    return p.tekun_standard * float(persons)


@rule
def care_rate(p: RuleParams, care_level: int) -> float:
    """Care subsidy (照料护理补贴) of one person by self-care level, yuan/person/month
    (S4 二(二); tiers ASSUMED): ``care_level`` 0 able, 1 partly, 2 unable."""
    if care_level <= ABLE:
        return p.care_subsidy_able
    if care_level == PARTLY:
        return p.care_subsidy_partly
    return p.care_subsidy_unable


@rule
def care_subsidy(p: RuleParams, care_level: int, persons: int) -> float:
    """Care subsidy (照料护理补贴), yuan/household/month (S4 二(二); tiers ASSUMED).

    The most dependent member gets the rate of the household's ``care_level`` (0 able,
    1 partly, 2 unable); other covered persons get the ``able`` rate. 0 where nobody is covered.
    """
    if persons <= 0:
        return 0.0
    return care_rate(p, care_level) + max(float(persons) - 1.0, 0.0) * p.care_subsidy_able


@rule
def institution_places_needed(p: RuleParams, willing_persons: float) -> float:
    """Institution places that must be offered, places: ``institution_share_willing`` × persons
    willing to live in an institution (S3 二(二): 100% of the willing)."""
    return p.institution_share_willing * willing_persons


@rule
def care_mode(willing_institution: bool, place_available: bool) -> int:
    """Programme code of a tekun household: institutional (集中供养, 4) when willing and a place
    is available, else dispersed (分散供养, 3) (S3 二(二), S2 二(六))."""
    return TEKUN_INSTITUTIONAL if willing_institution and place_available else TEKUN_DISPERSED
