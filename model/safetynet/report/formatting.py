"""Number formatting for planners: thousands separators, 万元 for money, percentages.

>>> number(1234567.891)
'1,234,568'
>>> wan(123456789.0)
'12,345.7'
>>> percent(0.0512)
'5.1%'
"""

from __future__ import annotations

import math

import numpy as np

from safetynet.report.i18n import t

#: 万 (10k): display unit for yuan, persons and households (not a policy number)
WAN = 1e4
YUAN_PER_YI = 1e8
YUAN_PER_MILLION = 1e6
YUAN_PER_BILLION = 1e9
MISSING = "—"


def _bad(x: object) -> bool:
    return x is None or (isinstance(x, float) and not math.isfinite(x))


def number(x: float | int | None, decimals: int = 0) -> str:
    """``x`` with thousands separators and ``decimals`` decimals; missing -> an em dash."""
    if _bad(x):
        return MISSING
    return f"{float(x):,.{decimals}f}"  # type: ignore[arg-type]


def signed(x: float | None, decimals: int = 0) -> str:
    """Like :func:`number` with an explicit sign: ``+1,200`` / ``−30``."""
    if _bad(x):
        return MISSING
    v = float(x)  # type: ignore[arg-type]
    text = number(abs(v), decimals)
    return ("+" if v >= 0 else "−") + text


def wan(yuan: float | None, decimals: int = 1) -> str:
    """Yuan shown in 万元 (10k yuan)."""
    return number(None if _bad(yuan) else float(yuan) / WAN, decimals)  # type: ignore[arg-type]


def significant(x: float | None, digits: int = 4) -> str:
    """Large numbers with separators, small ones with ``digits`` significant digits.

    >>> significant(2495857.0), significant(0.0141323), significant(391.4)
    ('2,495,857', '0.01413', '391.4')
    """
    if _bad(x):
        return MISSING
    v = float(x)  # type: ignore[arg-type]
    if abs(v) >= 10**digits:
        return f"{v:,.0f}"
    if v == 0:
        return "0"
    # positional, never "5.5e-05" (no Latin letters in the Chinese report)
    return np.format_float_positional(v, precision=digits, unique=True, fractional=False, trim="-")


def percent(share: float | None, decimals: int = 1) -> str:
    """A fraction shown as a percentage."""
    if _bad(share):
        return MISSING
    return f"{float(share) * 100:.{decimals}f}%"  # type: ignore[arg-type]


def money_text(yuan: float, lang: str, sign: bool = False) -> str:
    """Money for sentences: 亿元 / 万元 in Chinese, bn / m yuan in English."""
    fmt = signed if sign else number
    v = yuan
    if lang == "zh":
        if abs(yuan) >= YUAN_PER_YI:
            return t("big_yuan", lang, x=fmt(v / YUAN_PER_YI, 2))
        return t("small_yuan", lang, x=fmt(v / WAN, 1))
    if abs(yuan) >= YUAN_PER_BILLION:
        return t("big_yuan", lang, x=fmt(v / YUAN_PER_BILLION, 2))
    return t("small_yuan", lang, x=fmt(v / YUAN_PER_MILLION, 1))


def count_text(n: float, lang: str, key: str, sign: bool = False) -> str:
    """Persons / households / cases for sentences: 万人 in Chinese, plain numbers in English."""
    fmt = signed if sign else number
    if lang == "zh":
        return t(key, lang, x=fmt(n / WAN, 1))
    return t(key, lang, x=fmt(n, 0))
