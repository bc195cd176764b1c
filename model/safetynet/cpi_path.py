"""Monthly CPI paths for a run: historical replay, a user's CSV, or a stochastic AR(1) model.

The price-linked subsidy (价格临时补贴, POLICY.md §4) is triggered by the year-on-year CPI and
food CPI of each month. A run needs both series for every month of its horizon:

- ``historical``: package data (``refdata.cpi()``, national; Yunnan food CPI points from
  ``refdata.regional_cpi()`` replace the national food CPI in the months they exist), then an
  AR(1) projection from the last data month of each series on (status ``projected``);
- ``csv``: the user's file, columns ``month,cpi_yoy_pct,food_cpi_yoy_pct`` and optionally
  ``geo`` (prefecture food CPI) and ``status``; every month of the horizon must be present;
- ``stochastic``: AR(1) for every month of the horizon, starting from the data month before it.

The AR(1) model works on the deviation from the long-run mean, per month t::

    d(t) = ar(t) × d(t-1) + e(t),   value(t) = mean(t) + d(t)

with normal innovations e, correlated between CPI and food CPI. Its coefficients come from
``parameters/prices/*.yaml`` (status estimated) at each month unless the scenario gives them.
Random draws come only from ``streams.stream(seed, "cpi", 0, replicate)``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from safetynet import csvio, guard, refdata
from safetynet.errors import InputError, ParameterError, ScenarioError
from safetynet.params import ParameterSet, load_parameters
from safetynet.streams import stream

__all__ = [
    "CSV_COLUMNS",
    "HISTORY_MONTHS",
    "MODES",
    "PLAUSIBLE_YOY_PCT",
    "STATUSES",
    "Ar1",
    "CpiPath",
    "CpiSpec",
    "ar1_deviation_path",
    "correlated_innovations",
    "cpi_path",
    "read_cpi_csv",
]

FloatArray = npt.NDArray[np.float64]
StrArray = npt.NDArray[np.str_]
MonthArray = npt.NDArray[np.datetime64]

MODES: tuple[str, ...] = ("historical", "csv", "stochastic")
#: per-month status, from most to least trustworthy
STATUSES: tuple[str, ...] = ("official", "estimated", "projected")
CSV_COLUMNS: tuple[str, ...] = ("month", "cpi_yoy_pct", "food_cpi_yoy_pct")
CSV_OPTIONAL: tuple[str, ...] = ("geo", "status")
#: sanity range for a year-on-year index change in a user file (percent); not a policy value
PLAUSIBLE_YOY_PCT: tuple[float, float] = (-50.0, 100.0)
PROVINCE_GEO_WORDS: tuple[str, ...] = ("", "province")
#: months of CPI a run needs before its horizon (lagged price indices); `scenario check`
#: validates a CPI source over [start - HISTORY_MONTHS, end]
HISTORY_MONTHS: int = 12

#: parameter paths of the AR(1) coefficients (parameters/prices/*.yaml)
PRICE_PARAMETERS: dict[str, str] = {
    "cpi.mean_pct": "prices.cpi_mean_pct",
    "cpi.ar": "prices.cpi_ar_coefficient",
    "cpi.sd_pct": "prices.cpi_innovation_sd_pct",
    "food.mean_pct": "prices.food_cpi_mean_pct",
    "food.ar": "prices.food_cpi_ar_coefficient",
    "food.sd_pct": "prices.food_cpi_innovation_sd_pct",
    "correlation": "prices.innovation_correlation",
}


@dataclass(frozen=True)
class Ar1:
    """AR(1) coefficients of one index; ``None`` = take it from ``parameters/prices``.

    ``mean_pct``: long-run mean (percent YoY); ``ar``: persistence (0 <= ar < 1);
    ``sd_pct``: standard deviation of the monthly innovation (percentage points).
    """

    mean_pct: float | None = None
    ar: float | None = None
    sd_pct: float | None = None


@dataclass(frozen=True)
class CpiSpec:
    """Where the CPI path of a scenario comes from (the ``[cpi]`` table of a scenario file)."""

    mode: str = "historical"
    file: Path | None = None  # csv mode: absolute path of the user's CSV
    cpi: Ar1 = field(default_factory=Ar1)
    food: Ar1 = field(default_factory=Ar1)
    correlation: float | None = None
    scenario_file: str = ""  # for error messages


@dataclass(frozen=True, eq=False)
class CpiPath:
    """CPI and food CPI year-on-year (percent) for each month of a run.

    ``status`` is the least trustworthy of ``cpi_status`` and ``food_status`` per month
    (official < estimated < projected). ``food_cpi_by_prefecture`` holds prefecture food CPI
    (prefecture code -> array) when the user's CSV has a ``geo`` column, else it is empty.
    """

    months: MonthArray
    cpi_yoy_pct: FloatArray
    food_cpi_yoy_pct: FloatArray
    status: StrArray
    cpi_status: StrArray
    food_status: StrArray
    food_cpi_by_prefecture: Mapping[str, FloatArray] = field(default_factory=dict)
    source: str = ""
    #: historical price-subsidy activation per prefecture code and month of the path (1 paid,
    #: 0 did not, NaN outside the calendar: the CPI rule decides); filled in historical mode
    #: from ``refdata.price_activation()``, empty otherwise
    activation_by_prefecture: Mapping[str, FloatArray] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.months.shape[0])


# ------------------------------------------------------------------------------ pure helpers


def ar1_deviation_path(
    start_deviation: float, ar: FloatArray, innovations: FloatArray
) -> FloatArray:
    """Deviations d(t) = ar(t) × d(t-1) + e(t) from ``d(-1) = start_deviation`` (percentage points).

    >>> ar1_deviation_path(2.0, np.array([0.5, 0.5]), np.array([0.0, 1.0])).tolist()
    [1.0, 1.5]
    """
    out = np.empty(innovations.shape[0], dtype=np.float64)
    d = float(start_deviation)
    for t in range(out.shape[0]):  # a recursion over months, not over households
        d = float(ar[t]) * d + float(innovations[t])
        out[t] = d
    return out


def correlated_innovations(
    z: FloatArray, sd_cpi: FloatArray, sd_food: FloatArray, correlation: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Innovations of CPI and food CPI (percentage points) from standard normals ``z`` (n, 2).

    >>> c, f = correlated_innovations(np.array([[1.0, 5.0]]), np.ones(1), np.ones(1), np.ones(1))
    >>> (c.tolist(), f.tolist())
    ([1.0], [1.0])
    """
    e_cpi = sd_cpi * z[:, 0]
    e_food = sd_food * (correlation * z[:, 0] + np.sqrt(1.0 - correlation**2) * z[:, 1])
    return e_cpi, e_food


def _number(value: object, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ParameterError(path, "value", "a number", repr(value))
    return float(value)


def _month_grid(first: np.datetime64, last: np.datetime64) -> MonthArray:
    return np.arange(first, last + np.timedelta64(1, "M"), dtype="datetime64[M]")


def _date(m: np.datetime64) -> dt.date:
    text = str(m.astype("datetime64[M]"))
    return dt.date(int(text[:4]), int(text[5:7]), 1)


def _worst(a: StrArray, b: StrArray) -> StrArray:
    rank = {s: i for i, s in enumerate(STATUSES)}
    ra = np.array([rank[s] for s in a.tolist()], dtype=np.int64)
    rb = np.array([rank[s] for s in b.tolist()], dtype=np.int64)
    return np.array(STATUSES, dtype=np.str_)[np.maximum(ra, rb)]


def _status_of(refdata_status: StrArray) -> StrArray:
    official = np.isin(refdata_status, list(refdata.OFFICIAL_STATUSES))
    return np.where(official, "official", "estimated").astype(np.str_)


def _check_months(months: np.ndarray) -> MonthArray:
    m = np.asarray(months)
    if m.ndim != 1 or m.shape[0] == 0 or not np.issubdtype(m.dtype, np.datetime64):
        raise ValueError("months must be a non-empty 1-D datetime64 array")
    m = m.astype("datetime64[M]")
    if np.any(np.diff(m) != np.timedelta64(1, "M")):
        raise ValueError("months must be consecutive calendar months")
    return m


# ------------------------------------------------------------------------------ coefficients


@dataclass(frozen=True)
class _Coefficients:
    mean_cpi: FloatArray
    ar_cpi: FloatArray
    sd_cpi: FloatArray
    mean_food: FloatArray
    ar_food: FloatArray
    sd_food: FloatArray
    correlation: FloatArray


def _coefficients(spec: CpiSpec, grid: MonthArray, params: ParameterSet | None) -> _Coefficients:
    given: dict[str, float | None] = {
        "cpi.mean_pct": spec.cpi.mean_pct,
        "cpi.ar": spec.cpi.ar,
        "cpi.sd_pct": spec.cpi.sd_pct,
        "food.mean_pct": spec.food.mean_pct,
        "food.ar": spec.food.ar,
        "food.sd_pct": spec.food.sd_pct,
        "correlation": spec.correlation,
    }
    dates = [_date(m) for m in grid]
    arrays: dict[str, FloatArray] = {}
    for name, value in given.items():
        if value is not None:
            arrays[name] = np.full(grid.shape[0], float(value))
            continue
        if params is None:
            params = load_parameters()
        path = PRICE_PARAMETERS[name]
        arrays[name] = np.array([_number(params.value(path, d), path) for d in dates])
    return _Coefficients(
        arrays["cpi.mean_pct"],
        arrays["cpi.ar"],
        arrays["cpi.sd_pct"],
        arrays["food.mean_pct"],
        arrays["food.ar"],
        arrays["food.sd_pct"],
        arrays["correlation"],
    )


# ------------------------------------------------------------------------------ history


@dataclass(frozen=True)
class _History:
    months: MonthArray
    values: FloatArray  # NaN where missing
    status: StrArray  # official / estimated ('' where missing)


def _history() -> tuple[_History, _History]:
    """National CPI and food CPI from package data; provincial food CPI points replace the
    national food CPI where they exist."""
    series = refdata.cpi()
    cpi = series["cpi_yoy_pct"]
    food = series["food_cpi_yoy_pct"]
    food_values = food.values.copy()
    food_status = np.where(np.isnan(food.values), "", _status_of(food.status)).astype(np.str_)
    regional = [
        s
        for (geo, item), s in refdata.regional_cpi().items()
        if item == "food_cpi_yoy_pct" and geo.endswith("_province")
    ]
    if len(regional) > 1:
        raise refdata.RefDataError("cpi_regional.csv: more than one province food CPI series")
    for s in regional:
        pos = np.searchsorted(food.months, s.months)
        ok = (pos < food.months.shape[0]) & ~np.isnan(s.values)
        ok[ok] = food.months[pos[ok]] == s.months[ok]
        food_values[pos[ok]] = s.values[ok]
        food_status[pos[ok]] = _status_of(s.status[ok])
    cpi_status = np.where(np.isnan(cpi.values), "", _status_of(cpi.status)).astype(np.str_)
    return (
        _History(cpi.months, cpi.values.astype(np.float64), cpi_status),
        _History(food.months, food_values, food_status),
    )


def _data_span(h: _History, label: str) -> tuple[np.datetime64, np.datetime64]:
    have = np.flatnonzero(~np.isnan(h.values))
    if have.shape[0] == 0:
        raise refdata.RefDataError(f"cpi.csv: no data for {label}")
    first, last = h.months[have[0]], h.months[have[-1]]
    if have.shape[0] != have[-1] - have[0] + 1:
        raise refdata.RefDataError(f"cpi.csv: {label} has missing months between {first}..{last}")
    return first, last


def _value_at(h: _History, m: np.datetime64) -> float:
    pos = int(np.searchsorted(h.months, m))
    if pos < h.months.shape[0] and h.months[pos] == m:
        return float(h.values[pos])
    return math.nan


# ------------------------------------------------------------------------------ modes


def cpi_path(
    spec: CpiSpec,
    months: np.ndarray,
    seed: int,
    replicate: int,
    params: ParameterSet | None = None,
) -> CpiPath:
    """The CPI path of one replicate for ``months`` (consecutive ``datetime64[M]``).

    ``params``: parameter set for the AR(1) coefficients (default ``load_parameters()``; pass
    ``Scenario.parameters()`` so that overrides of ``prices.*`` apply). Deterministic for
    (spec, months, seed, replicate); replicates differ only in projected months.
    """
    m = _check_months(months)
    if spec.mode == "csv":
        if spec.file is None:
            raise ScenarioError(spec.scenario_file or "scenario", "cpi.file", "a CSV file name")
        return read_cpi_csv(spec.file, m)
    if spec.mode not in MODES:
        raise ScenarioError(spec.scenario_file or "scenario", "cpi.mode", f"one of {MODES}")
    cpi_h, food_h = _history()
    if spec.mode == "stochastic":
        return _stochastic(spec, m, seed, replicate, params, cpi_h, food_h)
    return _historical(spec, m, seed, replicate, params, cpi_h, food_h)


def _draws(seed: int, replicate: int, n: int) -> FloatArray:
    z: FloatArray = stream(seed, "cpi", 0, replicate).standard_normal((n, 2))
    return z


def _historical(
    spec: CpiSpec,
    m: MonthArray,
    seed: int,
    replicate: int,
    params: ParameterSet | None,
    cpi_h: _History,
    food_h: _History,
) -> CpiPath:
    spans = {"cpi": _data_span(cpi_h, "cpi_yoy_pct"), "food": _data_span(food_h, "food CPI")}
    for label, (first, _) in spans.items():
        if m[0] < first:
            raise ScenarioError(
                spec.scenario_file or "scenario",
                "cpi.mode",
                f"a horizon starting no earlier than {first} for historical {label} data "
                "(or mode = 'csv' with your own series)",
                f"months needed from {m[0]}",
            )
    one = np.timedelta64(1, "M")
    g0 = min(m[0], spans["cpi"][1] + one, spans["food"][1] + one)
    grid = _month_grid(g0, max(m[-1], g0))
    coef = _coefficients(spec, grid, params)
    e_cpi, e_food = correlated_innovations(
        _draws(seed, replicate, grid.shape[0]), coef.sd_cpi, coef.sd_food, coef.correlation
    )
    out: dict[str, tuple[FloatArray, StrArray]] = {}
    for label, h, mean, ar, e in (
        ("cpi", cpi_h, coef.mean_cpi, coef.ar_cpi, e_cpi),
        ("food", food_h, coef.mean_food, coef.ar_food, e_food),
    ):
        last = spans[label][1]
        values = np.array([_value_at(h, g) for g in grid], dtype=np.float64)
        status = np.array(
            [h.status[np.searchsorted(h.months, g)] if g <= last else "projected" for g in grid],
            dtype=np.str_,
        )
        proj = grid > last
        if proj.any():
            i0 = int(np.argmax(proj))
            # deviation of the last data month from the mean in force then
            last_mean = mean[i0 - 1] if i0 > 0 else _mean_at(spec, label, last, params)
            d = ar1_deviation_path(_value_at(h, last) - last_mean, ar[proj], e[proj])
            values[proj] = mean[proj] + d
        keep = grid >= m[0]
        out[label] = (values[keep], status[keep])
    cpi_v, cpi_s = out["cpi"]
    food_v, food_s = out["food"]
    return CpiPath(
        months=m,
        cpi_yoy_pct=cpi_v,
        food_cpi_yoy_pct=food_v,
        status=_worst(cpi_s, food_s),
        cpi_status=cpi_s,
        food_status=food_s,
        source=(
            f"historical: package data (cpi {spans['cpi'][0]}..{spans['cpi'][1]}, "
            f"food {spans['food'][0]}..{spans['food'][1]}), then AR(1) projection; "
            "price-subsidy activation calendar where recorded"
        ),
        activation_by_prefecture=activation_calendar(m),
    )


def activation_calendar(months: MonthArray) -> dict[str, FloatArray]:
    """Historical activation (1/0) per prefecture code for ``months``; NaN for months outside
    the recorded calendar (``refdata.price_activation()``: Yunnan's reports 2019-2020)."""
    cal = refdata.price_activation()
    pos = np.searchsorted(cal.months, months)
    inside = (pos < cal.months.shape[0]) & (
        cal.months[np.minimum(pos, len(cal.months) - 1)] == months
    )
    out: dict[str, FloatArray] = {}
    for code in cal.prefectures.tolist():
        col = cal.for_prefecture(str(code))
        vals = np.full(months.shape[0], np.nan)
        vals[inside] = col[pos[inside]]
        out[str(code)] = vals
    return out


def _mean_at(spec: CpiSpec, label: str, month: np.datetime64, params: ParameterSet | None) -> float:
    coef = _coefficients(spec, np.array([month], dtype="datetime64[M]"), params)
    return float(coef.mean_cpi[0] if label == "cpi" else coef.mean_food[0])


def _stochastic(
    spec: CpiSpec,
    m: MonthArray,
    seed: int,
    replicate: int,
    params: ParameterSet | None,
    cpi_h: _History,
    food_h: _History,
) -> CpiPath:
    coef = _coefficients(spec, m, params)
    e_cpi, e_food = correlated_innovations(
        _draws(seed, replicate, m.shape[0]), coef.sd_cpi, coef.sd_food, coef.correlation
    )
    before = m[0] - np.timedelta64(1, "M")
    series: dict[str, FloatArray] = {}
    for label, h, mean, ar, e in (
        ("cpi", cpi_h, coef.mean_cpi, coef.ar_cpi, e_cpi),
        ("food", food_h, coef.mean_food, coef.ar_food, e_food),
    ):
        prev = _value_at(h, before)
        # start from the data month before the horizon when there is one, else from the mean
        d0 = prev - _mean_at(spec, label, before, params) if not math.isnan(prev) else 0.0
        series[label] = mean + ar1_deviation_path(d0, ar, e)
    projected = np.full(m.shape[0], "projected", dtype=f"<U{max(map(len, STATUSES))}")
    return CpiPath(
        months=m,
        cpi_yoy_pct=series["cpi"],
        food_cpi_yoy_pct=series["food"],
        status=projected.copy(),
        cpi_status=projected.copy(),
        food_status=projected.copy(),
        source="stochastic: AR(1) from the data month before the horizon",
    )


# ------------------------------------------------------------------------------ user CSV

_MONTH = re.compile(r"^(\d{4})[-/](\d{1,2})(?:[-/](\d{1,2}))?$")


def _parse_month(text: str) -> np.datetime64 | None:
    hit = _MONTH.match(text.strip())
    if hit is None:
        return None
    year, month, day = int(hit.group(1)), int(hit.group(2)), hit.group(3)
    if not 1 <= month <= 12 or (day is not None and int(day) != 1):
        return None
    return np.datetime64(f"{year:04d}-{month:02d}", "M")


def _parse_pct(text: str, file: Path, key: str) -> float:
    lo, hi = PLAUSIBLE_YOY_PCT
    try:
        x = float(text)
    except ValueError:
        raise ScenarioError(
            file, key, "a number (percent year on year)", f"got {guard.short(text)}"
        ) from None
    if not math.isfinite(x) or not lo <= x <= hi:
        raise ScenarioError(file, key, f"a year-on-year change within [{lo}, {hi}] %", f"got {x}")
    return x


def read_cpi_csv(file: Path | str, months: np.ndarray) -> CpiPath:
    """Read a user's CPI file for ``months``; every month must be present.

    Columns: ``month`` (2026-01), ``cpi_yoy_pct``, ``food_cpi_yoy_pct`` (percent, e.g. 2.5 for
    +2.5% year on year), optional ``status`` (official / estimated / projected; default
    estimated) and ``geo`` (empty or ``province`` for the province rows, a prefecture code for
    prefecture food CPI; prefecture rows may leave ``cpi_yoy_pct`` empty). Errors name the file,
    the line and the column.
    """
    path = Path(file)
    m = _check_months(months)
    try:
        # UTF-8 (BOM or not) or GB18030/GBK, as Excel saves it (safetynet.csvio)
        text = guard.read_input_text(path, "csv", encodings=csvio.ENCODINGS)
        header, table = guard.csv_rows(text, path)
    except ScenarioError:
        raise
    except InputError as exc:  # size, file type, encoding, field length, quoting
        raise ScenarioError(exc.file, exc.key, exc.expected, exc.got) from None
    missing = [c for c in CSV_COLUMNS if c not in header]
    extra = [c for c in header if c not in CSV_COLUMNS + CSV_OPTIONAL]
    if missing or extra:
        got = f"missing {missing}" if missing else f"unknown {extra}"
        raise ScenarioError(
            path,
            "<header>",
            f"columns {list(CSV_COLUMNS)} and optionally {list(CSV_OPTIONAL)}",
            got,
        )
    prefectures = {str(p) for p in refdata.counties().prefectures.tolist()}
    province_words = set(PROVINCE_GEO_WORDS) | {p[:2] + "0000" for p in prefectures}
    rows: dict[str, dict[np.datetime64, tuple[float, float, str]]] = {}
    for n, row in table:
        month = _parse_month(row["month"] or "")
        if month is None:
            raise ScenarioError(
                path, f"line {n}.month", "a month like 2026-01", f"got {guard.short(row['month'])}"
            )
        geo = (row.get("geo") or "").strip()
        if geo in province_words:
            geo = ""
        elif geo not in prefectures:
            raise ScenarioError(
                path,
                f"line {n}.geo",
                "empty, 'province' or a prefecture code",
                f"got {guard.short(geo)}",
            )
        cpi_text = (row["cpi_yoy_pct"] or "").strip()
        if geo and not cpi_text:
            cpi = math.nan
        else:
            cpi = _parse_pct(cpi_text, path, f"line {n}.cpi_yoy_pct")
        food = _parse_pct(
            (row["food_cpi_yoy_pct"] or "").strip(), path, f"line {n}.food_cpi_yoy_pct"
        )
        status = (row.get("status") or "").strip() or "estimated"
        if status not in STATUSES:
            raise ScenarioError(
                path, f"line {n}.status", f"one of {list(STATUSES)}", guard.short(status)
            )
        by_month = rows.setdefault(geo, {})
        if month in by_month:
            where = f" for geo {geo}" if geo else ""
            raise ScenarioError(
                path, f"line {n}.month", f"one row per month{where}", f"{month} again"
            )
        by_month[month] = (cpi, food, status)
    if "" not in rows:
        raise ScenarioError(path, "<rows>", "province rows (geo empty or 'province')", "none")
    for geo, by_month in rows.items():
        lacking = [str(x) for x in m if x not in by_month]
        if lacking:
            more = f" (+{len(lacking) - 3} more)" if len(lacking) > 3 else ""
            where = f"geo {geo}" if geo else "province rows"
            raise ScenarioError(
                path,
                "month",
                f"a row for every month {m[0]}..{m[-1]} ({where})",
                f"missing {', '.join(lacking[:3])}{more}",
            )
    prov = rows[""]
    cpi_v = np.array([prov[x][0] for x in m], dtype=np.float64)
    food_v = np.array([prov[x][1] for x in m], dtype=np.float64)
    status_v = np.array([prov[x][2] for x in m], dtype=np.str_)
    by_pref = {
        geo: np.array([vals[x][1] for x in m], dtype=np.float64)
        for geo, vals in sorted(rows.items())
        if geo
    }
    return CpiPath(
        months=m,
        cpi_yoy_pct=cpi_v,
        food_cpi_yoy_pct=food_v,
        status=status_v,
        cpi_status=status_v.copy(),
        food_status=status_v.copy(),
        food_cpi_by_prefecture=by_pref,
        source=f"csv: {path}",
    )
