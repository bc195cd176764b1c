"""Codes and fixed sizes shared by the engine, the rules, the outputs and the Mesa reference.

Defined here once and imported everywhere. None is a policy number (those are parameters).
"""

from __future__ import annotations

from typing import Final

#: household ``programme`` codes (docs/architecture.md, "Households")
NONE: Final = 0
DIBAO: Final = 1  # whole household
DIBAO_SINGLE: Final = 2  # members covered alone (单人保)
TEKUN_DISPERSED: Final = 3
TEKUN_INSTITUTIONAL: Final = 4

PROGRAMME_NAMES: Final[dict[int, str]] = {
    NONE: "none",
    DIBAO: "dibao",
    DIBAO_SINGLE: "dibao_single",
    TEKUN_DISPERSED: "tekun_dispersed",
    TEKUN_INSTITUTIONAL: "tekun_institutional",
}

#: ``care_level`` codes (self-care ability) and the keys of ``tekun.care_subsidy``
CARE_LEVELS: Final = ("able", "partly", "unable")

#: money lines of the outputs (``programme`` dimension); all but ``services`` are paid to
#: households (MONEY_LINES, in this order in the engine's per-household money)
PROGRAMMES: Final[tuple[str, ...]] = (
    "dibao",
    "tekun_basic",
    "tekun_care",
    "temporary",
    "price_subsidy",
    "one_time_subsidy",
    "services",
)
MONEY_LINES: Final[tuple[str, ...]] = PROGRAMMES[:-1]

#: caseload groups of the outputs (``group`` dimension). The programme groups (all but the
#: last) are mutually exclusive and held by programme state; ``temporary`` is a monthly flow.
GROUPS: Final[tuple[str, ...]] = (
    "dibao_urban_whole",
    "dibao_urban_single",
    "dibao_rural_whole",
    "dibao_rural_single",
    "dibao_gradual_exit",
    "tekun_dispersed",
    "tekun_institutional",
    "edge",
    "temporary",
)
DIBAO_URBAN_WHOLE_GROUP: Final = 0
DIBAO_URBAN_SINGLE_GROUP: Final = 1
DIBAO_RURAL_WHOLE_GROUP: Final = 2
DIBAO_RURAL_SINGLE_GROUP: Final = 3
GRADUAL_EXIT_GROUP: Final = 4
TEKUN_DISPERSED_GROUP: Final = 5
TEKUN_INSTITUTIONAL_GROUP: Final = 6
EDGE_GROUP: Final = 7
TEMPORARY_GROUP: Final = 8
#: group code of a household in no programme group
NO_GROUP: Final = TEMPORARY_GROUP

#: months after a job gain in which a review may start a gradual exit
JOB_GAIN_WINDOW: Final = 12
#: cap of the months-since-job-gain counter (int8 column)
MAX_JOB_GAIN_MONTHS: Final = 99

#: age bands of the household schema, years: 0–15, 16–17, 18–59, 60+
BAND_16_17_LOW: Final = 16
BAND_16_17_HIGH: Final = 17
BAND_60_LOW: Final = 60
BAND_65_LOW: Final = 65
#: oldest age a person can reach (int8 ``age`` column of the person table)
AGE_MAX: Final = 120
#: width of each age band in months, for the monthly hazard of leaving it by ageing
MONTHS_IN_0_15: Final = BAND_16_17_LOW * 12
MONTHS_IN_16_17: Final = (BAND_16_17_HIGH + 1 - BAND_16_17_LOW) * 12
MONTHS_IN_18_59: Final = (BAND_60_LOW - BAND_16_17_HIGH - 1) * 12

#: person ``disability`` codes: none, physical or other kind, intellectual or mental
NO_DISABILITY: Final = 0
OTHER_DISABILITY: Final = 1
MENTAL_DISABILITY: Final = 2
#: disability grades (1 = most severe): grades 1–2 are 重度残疾 (``n_disabled_severe``);
#: intellectual/mental grades 3–4 are ``n_disabled_mental``
SEVERE_GRADE_TOP: Final = 2
MENTAL_GRADE_TOP: Final = 4
#: person ``care_level`` codes (index into CARE_LEVELS)
ABLE: Final = 0
PARTLY: Final = 1
UNABLE: Final = 2

#: draws per household and month, one stream each (in this order)
DRAW_PURPOSES: Final = ("work", "health", "apply", "review", "temporary")
