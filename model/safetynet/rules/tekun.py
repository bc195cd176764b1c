"""Extreme-poverty support (特困人员救助供养, tekun): POLICY.md §2.

Eligibility (elderly, disabled, or minors under the age limit; no work capacity, no income
source, no able supporter), basic living standard and its floor, care subsidy by self-care
level, institutional vs dispersed care.

Every function is one quantity for one household or person, compiled with numba; ``p`` is the
county's :class:`safetynet.rules.parameters.RuleParams` of the month, which carries the fields
declared here in :class:`TekunParams`; the order of the tests is composed in
:mod:`safetynet.assessment`. All money is yuan per month.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from safetynet.constants import ABLE as _ABLE
from safetynet.constants import PARTLY as _PARTLY
from safetynet.constants import UNABLE as _UNABLE
from safetynet.members import is_mental_3_4, is_severe
from safetynet.rules import TEKUN_DISPERSED, TEKUN_INSTITUTIONAL, dibao
from safetynet.rules.compiled import rule
from safetynet.rules.declare import Declared, field

if TYPE_CHECKING:
    from safetynet.rules.parameters import RuleParams

#: ``care_level`` codes (keys able/partly/unable of ``tekun.care_subsidy``)
ABLE, PARTLY, UNABLE = _ABLE, _PARTLY, _UNABLE

#: parameter of the tekun floor (S3 三(二)): the planners' tekun-floor check holds the county's
#: tekun standard to it (``rules/checks.py``)
FLOOR_MULTIPLE = "tekun.standard_multiple"


class TekunParams(Declared):
    """The tekun rules' parameters (``parameters/tekun/*.yaml``; units as the YAML)."""

    tekun_standard: float = field("tekun.basic_standard", "all")  # yuan/person/month, county
    standard_multiple: float = field(FLOOR_MULTIPLE)
    minor_age_limit: int = field("tekun.minor_age_limit")
    elderly_age: int = field("tekun.elderly_age")
    care_subsidy_able: float = field("tekun.care_subsidy", "able")
    care_subsidy_partly: float = field("tekun.care_subsidy", "partly")
    care_subsidy_unable: float = field("tekun.care_subsidy", "unable")
    institution_share_willing: float = field("tekun.institution_share_willing")


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
def is_able_bodied(p: RuleParams, age: int, disability: int, grade: int) -> bool:
    """Per person: presumed able to work (S4 二(一) 无劳动能力 read per person): neither a
    minor under the limit, nor elderly, nor disabled (grade 1–2 of any kind, or an
    intellectual/mental grade 3–4). Serious illness does not count here (ASSUMED: it is
    treated through income and rigid spending)."""
    if is_minor(p, age) or is_elderly(p, age):
        return False
    return not (is_severe(disability, grade) or is_mental_3_4(disability, grade))


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
    return p.standard_multiple * dibao.local_standard(p, True)


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
def care_subsidy(p: RuleParams, first: int, size: int, care_level: Any) -> float:
    """Care subsidy (照料护理补贴) of a tekun household, yuan/household/month (S4 二(二);
    tiers ASSUMED): each member's rate by their own self-care level (:func:`care_rate`;
    ``care_level`` per person: 0 able, 1 partly, 2 unable). 0 for a household with no members."""
    total = 0.0
    for k in range(first, first + size):
        total += care_rate(p, int(care_level[k]))
    return total


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
