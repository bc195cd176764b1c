"""Members of households: the person table's per-person tests and the household counts.

A household's members are contiguous rows of the person table (:class:`schema.Persons`):
``persons[first_member : first_member + size]``. The household count columns (``n_0_15`` …
``n_ill``, ``care_level``) are aggregates of the members, derived here once
(:func:`member_counts`, compiled; :func:`derive_counts` for a whole table), so that code
reading counts (behaviour, calibration, outputs) keeps working while the rules read persons.

Age bands (years) are those of the schema: 0–15, 16–17, 18–59, 60+ (65+ a subset).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from safetynet.constants import (
    BAND_16_17_HIGH,
    BAND_16_17_LOW,
    BAND_60_LOW,
    BAND_65_LOW,
    MENTAL_DISABILITY,
    MENTAL_GRADE_TOP,
    NO_DISABILITY,
    OTHER_DISABILITY,
    SEVERE_GRADE_TOP,
)
from safetynet.rules.compiled import rule, to_int
from safetynet.schema import (
    DERIVED_COLUMNS,
    MAX_MEMBERS,
    PERSON_COLUMNS,
    Households,
    Persons,
    first_members,
)

__all__ = [
    "counts",
    "derive_counts",
    "from_counts",
    "is_mental_3_4",
    "is_severe",
    "member_counts",
    "member_rows",
]


@rule
def is_severe(disability: int, grade: int) -> bool:
    """Per person: a grade 1–2 disability of any kind (重度残疾; ``n_disabled_severe``)."""
    return disability != NO_DISABILITY and 1 <= grade <= SEVERE_GRADE_TOP


@rule
def is_mental_3_4(disability: int, grade: int) -> bool:
    """Per person: an intellectual or mental disability of grade 3–4 (``n_disabled_mental``)."""
    return disability == MENTAL_DISABILITY and SEVERE_GRADE_TOP < grade <= MENTAL_GRADE_TOP


@rule
def member_counts(
    first: int,
    size: int,
    age: Any,
    disability: Any,
    grade: Any,
    ill: Any,
    care_level: Any,
    works: Any,
) -> tuple[int, int, int, int, int, int, int, int, int, int]:
    """The household count columns of one household from its members, in
    ``schema.DERIVED_COLUMNS`` order: (n_0_15, n_16_17, n_18_59, n_60p, n_65p, n_workers,
    n_disabled_severe, n_disabled_mental, n_ill, care_level = highest member level)."""
    n0 = n16 = n18 = n60 = n65 = nw = ns = nm = ni = level = 0
    for k in range(first, first + size):
        a = to_int(age[k])
        if a < BAND_16_17_LOW:
            n0 += 1
        elif a <= BAND_16_17_HIGH:
            n16 += 1
        elif a < BAND_60_LOW:
            n18 += 1
        else:
            n60 += 1
            if a >= BAND_65_LOW:
                n65 += 1
        if works[k]:
            nw += 1
        d, g = to_int(disability[k]), to_int(grade[k])
        if is_severe(d, g):
            ns += 1
        elif is_mental_3_4(d, g):
            nm += 1
        if ill[k]:
            ni += 1
        lk = to_int(care_level[k])
        if lk > level:
            level = lk
    return n0, n16, n18, n60, n65, nw, ns, nm, ni, level


@rule
def starts_band(age: int) -> bool:
    """True at the first year of a schema age band after 0 (16, 18, 60, 65): an ageing member
    then moves between count columns."""
    return age in (BAND_16_17_LOW, BAND_60_LOW, BAND_65_LOW) or age == BAND_16_17_HIGH + 1


@rule
def is_working_age(age: int) -> bool:
    """Aged 18–59 (the band in which an idle member may find work)."""
    return BAND_16_17_HIGH < age < BAND_60_LOW


@rule
def _first_aged(first: int, size: int, age: Any, low: int, high: int) -> int:
    for k in range(first, first + size):
        if low <= age[k] <= high:
            return k
    return -1


@rule
def dying_member(first: int, size: int, age: Any, old: bool) -> int:
    """Row of the member who dies: the first member aged 60+ (``old``), else the first aged
    18–59, else 16–17, else 0–15 (member order; ASSUMED: the schema bands' order of the
    count-based engine)."""
    if old:
        k = _first_aged(first, size, age, BAND_60_LOW, 127)
    else:
        k = _first_aged(first, size, age, BAND_16_17_HIGH + 1, BAND_60_LOW - 1)
        if k < 0:
            k = _first_aged(first, size, age, BAND_16_17_LOW, BAND_16_17_HIGH)
        if k < 0:
            k = _first_aged(first, size, age, 0, BAND_16_17_LOW - 1)
    return k if k >= 0 else first


@rule
def first_ill(first: int, size: int, ill: Any, value: bool) -> int:
    """Row of the first member whose ``ill`` flag equals ``value`` (who falls ill / recovers)."""
    for k in range(first, first + size):
        if bool(ill[k]) == value:
            return k
    return first


@rule
def first_not_severe(first: int, size: int, disability: Any, grade: Any) -> int:
    """Row of the first member without a grade 1–2 disability (who becomes severely disabled)."""
    for k in range(first, first + size):
        if not is_severe(to_int(disability[k]), to_int(grade[k])):
            return k
    return first


@rule
def first_worker(first: int, size: int, works: Any) -> int:
    """Row of the first member who works (who loses their job)."""
    for k in range(first, first + size):
        if works[k]:
            return k
    return first


@rule
def idle_adults(first: int, size: int, age: Any, works: Any) -> int:
    """Members aged 18–59 without work, persons."""
    n = 0
    for k in range(first, first + size):
        if not works[k] and is_working_age(to_int(age[k])):
            n += 1
    return n


@rule
def first_idle_adult(first: int, size: int, age: Any, works: Any) -> int:
    """Row of the first member aged 18–59 without work (who finds a job)."""
    for k in range(first, first + size):
        if not works[k] and is_working_age(to_int(age[k])):
            return k
    return first


@rule
def birth_months(first: Any, size: Any, birth_month: Any, out: Any) -> None:
    """Per household, bit ``m`` of ``out`` set when a member is born in calendar month ``m``
    (1–12): the months in which the household's members age."""
    for i in range(first.shape[0]):
        f = to_int(first[i])
        bits = 0
        for k in range(f, f + to_int(size[i])):
            bits |= 1 << to_int(birth_month[k])
        out[i] = bits


@rule
def _count_rows(
    first: Any,
    size: Any,
    age: Any,
    disability: Any,
    grade: Any,
    ill: Any,
    care_level: Any,
    works: Any,
    out: Any,
) -> None:
    for i in range(first.shape[0]):
        c = member_counts(
            to_int(first[i]), to_int(size[i]), age, disability, grade, ill, care_level, works
        )
        for j in range(10):
            out[j, i] = c[j]


def _person_arrays(p: Persons) -> list[npt.NDArray[Any]]:
    return [p[c] for c in ("age", "disability", "disability_grade", "ill", "care_level", "works")]


def counts(hh: Households, dtype: Any = np.int64) -> dict[str, npt.NDArray[Any]]:
    """The derived count columns of every household of ``hh`` from its members, as ``dtype``."""
    out = np.zeros((len(DERIVED_COLUMNS), hh.n), dtype=dtype)
    rows: Callable[..., None] = _count_rows
    rows(hh["first_member"], hh["size"], *_person_arrays(hh.persons), out)
    return {name: out[j] for j, name in enumerate(DERIVED_COLUMNS)}


def derive_counts(hh: Households) -> None:
    """Set the count columns of ``hh`` from its members (after members changed), computed as
    the columns' int8 directly."""
    for name, values in counts(hh, np.int8).items():
        hh[name] = values


@rule
def member_rows(household: Any, first: Any, out: Any) -> None:
    """Person-table row of each person drawn for household ``household[i]``: the household's
    ``first`` row plus the number of its persons drawn before (members keep drawing order)."""
    seen = np.zeros(first.shape[0], dtype=np.int64)
    for i in range(household.shape[0]):
        h = to_int(household[i])
        out[i] = to_int(first[h]) + seen[h]
        seen[h] += 1


#: representative ages of members built from band counts (Households.members_from_counts)
_AGE_0_15, _AGE_16_17, _AGE_18_59, _AGE_60_64, _AGE_65P = 8, 16, 40, 62, 70


def from_counts(hh: Households) -> None:
    """Members consistent with the count columns (see ``Households.members_from_counts``)."""
    n = hh.n
    size = hh["size"].astype(np.int64)
    slots = np.minimum(size + 1, MAX_MEMBERS)
    first = first_members(slots)
    p = {c: np.zeros(int(slots.sum()), dtype=np.int64) for c in PERSON_COLUMNS}
    p["birth_month"][:] = 1
    col = {name: hh[name].astype(np.int64) for name in DERIVED_COLUMNS}
    for i in range(n):
        f = int(first[i])
        n65 = col["n_65p"][i]
        ages = (
            [_AGE_18_59] * col["n_18_59"][i]
            + [_AGE_16_17] * col["n_16_17"][i]
            + [_AGE_60_64] * (col["n_60p"][i] - n65)
            + [_AGE_65P] * n65
            + [_AGE_0_15] * col["n_0_15"][i]
        )
        ages += [_AGE_18_59] * (int(size[i]) - len(ages))
        ages = ages[: int(size[i])]
        k = 0
        for _ in range(col["n_disabled_severe"][i]):
            p["disability"][f + k], p["disability_grade"][f + k] = OTHER_DISABILITY, 2
            k += 1
        for _ in range(col["n_disabled_mental"][i]):
            p["disability"][f + k], p["disability_grade"][f + k] = MENTAL_DISABILITY, 3
            k += 1
        for j in range(min(col["n_ill"][i], len(ages))):
            p["ill"][f + j] = 1
        order = sorted(
            range(len(ages)),
            key=lambda j: (
                p["disability"][f + j] != 0 or p["ill"][f + j] != 0,
                0
                if BAND_16_17_HIGH < ages[j] < BAND_60_LOW
                else 1
                if ages[j] >= BAND_16_17_LOW
                else 2,
            ),
        )
        for j in order[: col["n_workers"][i]]:
            p["works"][f + j] = 1
        for j, a in enumerate(ages):
            p["age"][f + j] = a
        if size[i] > 0:
            p["care_level"][f] = col["care_level"][i]
    hh.set_members(Persons(p), first, slots)
