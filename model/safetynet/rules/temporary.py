"""Temporary assistance (临时救助): POLICY.md §3.

Urgent (急难型) and expenditure (支出型) types; amount by household size, type, severity and
duration in months of the monthly standard; case-by-case raises (一事一议) above a threshold;
township approval limit and advance payment (先行救助) within 48 hours.

How the engine calls this (for the households that suffered an event this month; ``p =
params.at(month).temporary``; ``std`` = county urban dibao standard, since the standard is
unified for urban and rural: S4 四(九))::

    need = temporary.need(p, std, kind, severity, h.size, duration_months)
    limit = temporary.case_by_case_limit(p, std)
    amount = temporary.amount(need, limit, severity)
    local = temporary.township_approves(p, amount)
    advance = temporary.advance_payment(p, kind, amount)

Codes: ``kind`` 0 urgent, 1 expenditure; ``severity`` 0 moderate, 1 severe, 2 major.
Money is yuan per case.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from safetynet.params import Branch
from safetynet.rules import BoolArray, FloatArray, IntArray, as_float, as_int, lookup

KINDS = ("urgent", "expenditure")
SEVERITIES = ("moderate", "severe", "major")
URGENT = 0
EXPENDITURE = 1
MAJOR = 2


def persons_counted(p: Branch, size: npt.ArrayLike) -> IntArray:
    """Household members counted in the amount, persons: size capped at
    ``max_persons_counted`` (S3 二(三) 家庭人口; cap ASSUMED)."""
    return np.clip(as_int(size), 1, int(p.max_persons_counted))


def duration_counted(p: Branch, duration_months: npt.ArrayLike) -> FloatArray:
    """Months of difficulty counted, months: at least 1, at most ``duration_months_max``
    (S3 二(三) 困难持续时间; cap ASSUMED)."""
    return np.clip(as_float(duration_months), 1.0, float(p.duration_months_max))


def need(
    p: Branch,
    standard: npt.ArrayLike,
    kind: npt.ArrayLike,
    severity: npt.ArrayLike,
    size: npt.ArrayLike,
    duration_months: npt.ArrayLike,
) -> FloatArray:
    """Assessed need, yuan/case: standard × ``base_months[kind]`` × ``severity_factor[severity]``
    × persons counted × months counted (S3 二(三): 家庭人口、困难类型、困难程度和困难持续时间;
    multiples ASSUMED)."""
    base = lookup(p.base_months, KINDS, kind, "temporary.base_months")
    factor = lookup(p.severity_factor, SEVERITIES, severity, "temporary.severity_factor")
    persons = persons_counted(p, size)
    months = duration_counted(p, duration_months)
    return as_float(standard) * base * factor * persons * months


def case_by_case_limit(p: Branch, standard: npt.ArrayLike) -> FloatArray:
    """Highest ordinary amount, yuan/case: ``case_by_case_threshold_months`` × standard; above
    it only 一事一议 applies (S3 二(三))."""
    return float(p.case_by_case_threshold_months) * as_float(standard)


def is_case_by_case(need_amount: npt.ArrayLike, limit: npt.ArrayLike) -> BoolArray:
    """True where the need exceeds the ordinary limit (一事一议 case, S3 二(三))."""
    return as_float(need_amount) > as_float(limit)


def amount(need_amount: npt.ArrayLike, limit: npt.ArrayLike, severity: npt.ArrayLike) -> FloatArray:
    """Amount granted, yuan/case: the need, capped at the ordinary limit except for major
    hardship, which is raised case by case to the full need (一事一议、一案一策, S3 二(三))."""
    n = as_float(need_amount)
    cap = as_float(limit)
    major = as_int(severity) == MAJOR
    return np.where(major, n, np.minimum(n, cap))


def township_approves(p: Branch, amount_granted: npt.ArrayLike) -> BoolArray:
    """True where the township approves the case itself (amount ≤ ``township_approval_limit``);
    above it the county approves (S4 四(九) 县、乡两级审批)."""
    return as_float(amount_granted) <= float(p.township_approval_limit)


def advance_payment(p: Branch, kind: npt.ArrayLike, amount_granted: npt.ArrayLike) -> FloatArray:
    """Advance assistance (先行救助) paid within ``advance_hours`` for urgent cases, yuan/case:
    the amount up to the township limit; 0 for the expenditure type (S4 四(九))."""
    urgent = as_int(kind) == URGENT
    advance = np.minimum(as_float(amount_granted), float(p.township_approval_limit))
    return np.where(urgent, advance, 0.0)


def advance_delay_days(p: Branch, kind: npt.ArrayLike) -> FloatArray:
    """Longest delay before the first payment for urgent cases, days (``advance_hours`` / 24;
    S4 四(九): 48 小时内); NaN for the expenditure type (normal review)."""
    urgent = as_int(kind) == URGENT
    return np.where(urgent, float(p.advance_hours) / 24.0, np.nan)
