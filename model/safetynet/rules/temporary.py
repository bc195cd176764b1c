"""Temporary assistance (临时救助): POLICY.md §3.

Urgent (急难型) and expenditure (支出型) types; amount by household size, type, severity and
duration in months of the monthly standard; case-by-case raises (一事一议) above a threshold;
township approval limit and advance payment (先行救助) within 48 hours.

One case at a time, compiled with numba; ``p`` is the county's
:class:`safetynet.rules.parameters.RuleParams` (fields declared here in :class:`TemporaryParams`).
The standard is the county's urban dibao
standard, unified for urban and rural (S4 四(九)). Codes: ``kind`` 0 urgent, 1 expenditure;
``severity`` 0 moderate, 1 severe, 2 major. Money is yuan per case.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from safetynet.rules import dibao
from safetynet.rules.compiled import rule
from safetynet.rules.declare import Declared, field

if TYPE_CHECKING:
    from safetynet.rules.parameters import RuleParams

KINDS = ("urgent", "expenditure")
SEVERITIES = ("moderate", "severe", "major")
URGENT = 0
EXPENDITURE = 1
MODERATE, SEVERE, MAJOR = 0, 1, 2


class TemporaryParams(Declared):
    """The temporary-assistance rules' parameters (``parameters/temporary/*.yaml``)."""

    base_months_urgent: float = field("temporary.base_months", "urgent")
    base_months_expenditure: float = field("temporary.base_months", "expenditure")
    severity_moderate: float = field("temporary.severity_factor", "moderate")
    severity_severe: float = field("temporary.severity_factor", "severe")
    severity_major: float = field("temporary.severity_factor", "major")
    max_persons_counted: int = field("temporary.max_persons_counted")
    duration_months_max: float = field("temporary.duration_months_max")
    case_by_case_threshold_months: float = field("temporary.case_by_case_threshold_months")
    township_approval_limit: float = field("temporary.township_approval_limit")
    advance_hours: float = field("temporary.advance_hours")


@rule
def standard(p: RuleParams) -> float:
    """Standard the amounts are multiples of, yuan/person/month: the county's urban dibao
    standard (urban and rural unified, S4 四(九))."""
    return dibao.local_standard(p, True)


@rule
def persons_counted(p: RuleParams, size: int) -> int:
    """Household members counted in the amount, persons: size capped at
    ``max_persons_counted`` (S3 二(三) 家庭人口; cap ASSUMED)."""
    return min(max(size, 1), p.max_persons_counted)


@rule
def duration_counted(p: RuleParams, duration_months: float) -> float:
    """Months of difficulty counted, months: at least 1, at most ``duration_months_max``
    (S3 二(三) 困难持续时间; cap ASSUMED)."""
    return min(max(duration_months, 1.0), p.duration_months_max)


@rule
def base_months(p: RuleParams, kind: int) -> float:
    """Months of the standard per person by type (``temporary.base_months``; ASSUMED)."""
    return p.base_months_urgent if kind == URGENT else p.base_months_expenditure


@rule
def severity_factor(p: RuleParams, severity: int) -> float:
    """Multiplier by severity (``temporary.severity_factor``, S3 二(三); ASSUMED)."""
    if severity == MODERATE:
        return p.severity_moderate
    if severity == SEVERE:
        return p.severity_severe
    return p.severity_major


@rule
def need(p: RuleParams, kind: int, severity: int, size: int, duration_months: float) -> float:
    """Assessed need, yuan/case: standard × ``base_months[kind]`` × ``severity_factor[severity]``
    × persons counted × months counted (S3 二(三): 家庭人口、困难类型、困难程度和困难持续时间;
    multiples ASSUMED)."""
    return (
        standard(p)
        * base_months(p, kind)
        * severity_factor(p, severity)
        * float(persons_counted(p, size))
        * duration_counted(p, duration_months)
    )


@rule
def case_months(p: RuleParams, kind: int) -> float:
    """Months of difficulty of a case, months: one for urgent cases, ``duration_months_max``
    for expenditure cases (illness, schooling) (S3 二(三) 困难持续时间; ASSUMED)."""
    return 1.0 if kind == URGENT else p.duration_months_max


@rule
def case_by_case_limit(p: RuleParams) -> float:
    """Highest ordinary amount, yuan/case: ``case_by_case_threshold_months`` × standard; above
    it only 一事一议 applies (S3 二(三))."""
    return p.case_by_case_threshold_months * standard(p)


@rule
def is_case_by_case(need_amount: float, limit: float) -> bool:
    """The need exceeds the ordinary limit (一事一议 case, S3 二(三))."""
    return need_amount > limit


@rule
def amount(need_amount: float, limit: float, severity: int) -> float:
    """Amount granted, yuan/case: the need, capped at the ordinary limit except for major
    hardship, which is raised case by case to the full need (一事一议、一案一策, S3 二(三))."""
    return need_amount if severity == MAJOR else min(need_amount, limit)


@rule
def township_approves(p: RuleParams, amount_granted: float) -> bool:
    """The township approves the case itself (amount ≤ ``township_approval_limit``); above it
    the county approves (S4 四(九) 县、乡两级审批)."""
    return amount_granted <= p.township_approval_limit


@rule
def advance_payment(p: RuleParams, kind: int, amount_granted: float) -> float:
    """Advance assistance (先行救助) paid within ``advance_hours`` for urgent cases, yuan/case:
    the amount up to the township limit; 0 for the expenditure type (S4 四(九))."""
    if kind != URGENT:
        return 0.0
    return min(amount_granted, p.township_approval_limit)
