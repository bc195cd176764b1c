"""Typed accessors for the package reference data (参考数据) built by scripts/build_refdata.py.

Nothing here is specific to one province: point `data_dir` at another province's files of the
same format. Every value carries a status (SOURCES.md vocabulary) and a source; use
`is_official_status` / `Series.is_official` / `Target.is_official` to tell official (verified)
values from estimated ones ("from memory, unverified").
"""

from __future__ import annotations

import csv
import datetime as _dt
import functools
import io
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from safetynet import csvio
from safetynet.errors import InputError

__all__ = [
    "DATA_DIR",
    "OFFICIAL_STATUSES",
    "STATUSES",
    "Activation",
    "CountyTable",
    "HistoryFact",
    "RefDataError",
    "Series",
    "Target",
    "UnknownCountyError",
    "counties",
    "cpi",
    "data_version",
    "history_facts",
    "is_official_status",
    "manifest",
    "price_activation",
    "read_table",
    "regional_cpi",
    "targets",
]

DATA_DIR: Path = Path(__file__).resolve().parent / "data"

VERIFIED = "verified (source text seen)"
DERIVED = "verified-derived"
LOCAL_EXAMPLE = "local example (non-Yunnan), verified"
MEMORY = "from memory, unverified"
MACHINE = "machine-generated, unverified"
INFERRED = "estimated (inferred, reasoning in note)"
STATUSES: tuple[str, ...] = (VERIFIED, DERIVED, LOCAL_EXAMPLE, MEMORY, MACHINE, INFERRED)
#: statuses counted as official for the province itself (local examples are templates only)
OFFICIAL_STATUSES: frozenset[str] = frozenset({VERIFIED, DERIVED})

StrArray = npt.NDArray[np.str_]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
MonthArray = npt.NDArray[np.datetime64]


class RefDataError(ValueError):
    """A package-data file is missing or malformed."""


class UnknownCountyError(KeyError):
    """A county code is not in the county table."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else "unknown county code"


def is_official_status(status: str) -> bool:
    """True for official values (verified or verified-derived), False for estimates."""
    return status in OFFICIAL_STATUSES


def _dir(data_dir: Path | str | None) -> Path:
    return DATA_DIR if data_dir is None else Path(data_dir).resolve()


def read_table(name: str, data_dir: Path | str | None = None) -> list[dict[str, str]]:
    """Rows of one package-data CSV as dicts of strings (e.g. 'income.csv')."""
    path = _dir(data_dir) / name
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise RefDataError(f"package-data file missing: {path}") from None
    try:
        text = csvio.decode(raw, path)  # UTF-8 (with or without BOM) or GB18030/GBK
    except InputError as exc:
        raise RefDataError(str(exc)) from None
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _column(rows: list[dict[str, str]], col: str, fname: str) -> list[str]:
    if rows and col not in rows[0]:
        raise RefDataError(f"{fname}: missing column {col!r}")
    return [r[col] for r in rows]


def _floats(vals: list[str], col: str, fname: str) -> FloatArray:
    try:
        return np.array([float(v) if v != "" else math.nan for v in vals], dtype=np.float64)
    except ValueError as exc:
        raise RefDataError(f"{fname}: column {col!r}: {exc}") from None


def _ints(vals: list[str], col: str, fname: str) -> IntArray:
    try:
        return np.array([int(v) for v in vals], dtype=np.int64)
    except ValueError as exc:
        raise RefDataError(f"{fname}: column {col!r}: {exc}") from None


def _strs(vals: list[str]) -> StrArray:
    return np.array(vals, dtype=np.str_)


def _freeze(a: npt.NDArray[np.generic]) -> None:
    a.flags.writeable = False


# --------------------------------------------------------------------------- counties

_STR_COLS = (
    "code",
    "code_census2020",
    "name_zh",
    "name_census2020_zh",
    "name_en",
    "pinyin",
    "county_type",
    "county_type_zh",
    "prefecture_code",
    "prefecture_name_zh",
    "prefecture_name_en",
)
_INT_COLS = (
    "pop_total",
    "pop_urban",
    "pop_rural",
    "pop_male",
    "pop_female",
    "family_households",
    "family_household_pop",
    "one_person_households",
)
_FLOAT_COLS = (
    "avg_household_size",
    "urban_share",
    "share_age_0_14",
    "share_age_15_64",
    "share_age_65_plus",
    "minority_share",
    "avg_years_schooling",
    "illiteracy_rate_15plus",
    "housing_floor_area_per_capita_m2",
    "farm_occupation_share",
    # optional counts: float64 so that a province lacking them can leave them empty (NaN)
    "one_generation_households",
    "two_generation_households",
    "three_generation_households",
    "four_plus_generation_households",
    "households_with_65plus",
    "households_with_one_65plus",
    "households_with_two_65plus",
    "households_with_three_plus_65plus",
    "illiterate_15plus",
    "family_households_longform",
    "housing_selfbuilt_longform",
    "housing_rented_longform",
    "employed_longform_total",
    "occ_agriculture_longform",
)
_OPTIONAL = frozenset(_FLOAT_COLS[10:]) | {
    "urban_share",
    "minority_share",
    "avg_years_schooling",
    "illiteracy_rate_15plus",
    "housing_floor_area_per_capita_m2",
    "farm_occupation_share",
    "code_census2020",
    "name_census2020_zh",
    "pinyin",
    "county_type",
    "county_type_zh",
}


@dataclass(frozen=True, eq=False)
class CountyTable:
    """County-level units (区县), sorted by current 6-digit code; census 2020 attributes.

    Shares are fractions (0..1). `*_longform` columns are 10% long-form census sample counts.
    Optional count columns are float64 with NaN where a province's source lacks them.
    """

    code: StrArray
    code_census2020: StrArray
    name_zh: StrArray
    name_census2020_zh: StrArray
    name_en: StrArray
    pinyin: StrArray
    county_type: StrArray
    county_type_zh: StrArray
    prefecture_code: StrArray
    prefecture_name_zh: StrArray
    prefecture_name_en: StrArray
    pop_total: IntArray
    pop_urban: IntArray
    pop_rural: IntArray
    pop_male: IntArray
    pop_female: IntArray
    family_households: IntArray
    family_household_pop: IntArray
    one_person_households: IntArray
    avg_household_size: FloatArray
    urban_share: FloatArray
    share_age_0_14: FloatArray
    share_age_15_64: FloatArray
    share_age_65_plus: FloatArray
    minority_share: FloatArray
    avg_years_schooling: FloatArray
    illiteracy_rate_15plus: FloatArray
    housing_floor_area_per_capita_m2: FloatArray
    farm_occupation_share: FloatArray
    one_generation_households: FloatArray
    two_generation_households: FloatArray
    three_generation_households: FloatArray
    four_plus_generation_households: FloatArray
    households_with_65plus: FloatArray
    households_with_one_65plus: FloatArray
    households_with_two_65plus: FloatArray
    households_with_three_plus_65plus: FloatArray
    illiterate_15plus: FloatArray
    family_households_longform: FloatArray
    housing_selfbuilt_longform: FloatArray
    housing_rented_longform: FloatArray
    employed_longform_total: FloatArray
    occ_agriculture_longform: FloatArray
    prefectures: StrArray
    prefecture_index: IntArray
    column_status: Mapping[str, str] = field(default_factory=dict)
    column_source: Mapping[str, str] = field(default_factory=dict)
    _lookup: Mapping[str, int] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return int(self.code.shape[0])

    def index_of(self, codes: Iterable[str] | str) -> IntArray:
        """Positions of `codes` (current or census-2020 codes); UnknownCountyError if unknown."""
        if isinstance(codes, str):
            codes = [codes]
        out: list[int] = []
        for c in codes:
            key = str(c).strip()
            pos = self._lookup.get(key)
            if pos is None:
                raise UnknownCountyError(
                    f"unknown county code {key!r} (not a current or census-2020 code in the "
                    f"county table of {len(self)} units)"
                )
            out.append(pos)
        return np.array(out, dtype=np.int64)

    def status_of(self, column: str) -> str:
        """Status of a column (all its values share one source)."""
        try:
            return self.column_status[column]
        except KeyError:
            raise KeyError(f"no status recorded for county column {column!r}") from None

    def is_official(self, column: str) -> bool:
        """True when the column's values are official (verified / verified-derived)."""
        return is_official_status(self.status_of(column))


def _column_sources(name: str, d: Path) -> tuple[dict[str, str], dict[str, str]]:
    path = d / name
    if not path.exists():
        return {}, {}
    rows = read_table(name, d)
    return (
        {r["column"]: r["status"] for r in rows},
        {r["column"]: r["source"] for r in rows},
    )


@functools.lru_cache(maxsize=8)
def _counties(d: Path) -> CountyTable:
    fname = "counties.csv"
    rows = read_table(fname, d)
    if not rows:
        raise RefDataError(f"{d / fname}: no rows")
    header = rows[0].keys()
    order = sorted(range(len(rows)), key=lambda i: rows[i]["code"])
    rows = [rows[i] for i in order]
    kw: dict[str, object] = {}
    n = len(rows)
    for c in _STR_COLS:
        if c not in header and c in _OPTIONAL:
            kw[c] = _strs([""] * n)
        else:
            kw[c] = _strs(_column(rows, c, fname) if c in header else _missing(c, fname))
    for c in _INT_COLS:
        kw[c] = _ints(_column(rows, c, fname) if c in header else _missing(c, fname), c, fname)
    for c in _FLOAT_COLS:
        if c not in header and c in _OPTIONAL:
            kw[c] = np.full(n, np.nan)
        else:
            vals = _column(rows, c, fname) if c in header else _missing(c, fname)
            kw[c] = _floats(vals, c, fname)
    code = kw["code"]
    assert isinstance(code, np.ndarray)
    if len(set(code.tolist())) != n:
        raise RefDataError(f"{fname}: duplicate county code")
    pcode = kw["prefecture_code"]
    assert isinstance(pcode, np.ndarray)
    prefs, pidx = np.unique(pcode, return_inverse=True)
    lookup = {str(c): i for i, c in enumerate(code.tolist())}
    census = kw["code_census2020"]
    assert isinstance(census, np.ndarray)
    for i, c in enumerate(census.tolist()):
        if c and c not in lookup:
            lookup[c] = i
    status, source = _column_sources("counties_sources.csv", d)
    for v in kw.values():
        assert isinstance(v, np.ndarray)
        _freeze(v)
    prefs = prefs.astype(np.str_)
    pidx = pidx.astype(np.int64).reshape(-1)
    _freeze(prefs)
    _freeze(pidx)
    return CountyTable(
        **kw,  # type: ignore[arg-type]
        prefectures=prefs,
        prefecture_index=pidx,
        column_status=status,
        column_source=source,
        _lookup=lookup,
    )


def _missing(col: str, fname: str) -> list[str]:
    raise RefDataError(f"{fname}: missing column {col!r}")


def counties(data_dir: Path | str | None = None) -> CountyTable:
    """The county table (cached per data directory)."""
    return _counties(_dir(data_dir))


# --------------------------------------------------------------------------- series

MonthLike = str | np.datetime64 | _dt.date


@dataclass(frozen=True, eq=False)
class Series:
    """A monthly series with a status and source per value (NaN / '' where missing)."""

    months: MonthArray
    values: FloatArray
    status: StrArray
    source: StrArray
    name: str = ""

    def __len__(self) -> int:
        return int(self.months.shape[0])

    def at(self, month: MonthLike) -> float:
        """Value at `month` ('2019-05', datetime64 or date); NaN if missing.

        Raises KeyError when the month lies outside the series.
        """
        m: np.datetime64
        if isinstance(month, np.datetime64):
            m = month.astype("datetime64[M]")
        elif isinstance(month, _dt.date):
            m = np.datetime64(f"{month.year:04d}-{month.month:02d}", "M")
        else:
            m = np.datetime64(str(month)[:7], "M")
        pos = int(np.searchsorted(self.months, m))
        if pos >= len(self) or self.months[pos] != m:
            raise KeyError(f"{self.name or 'series'}: month {m} not covered")
        return float(self.values[pos])

    def is_official(self) -> BoolArray:
        """Per-value flag: True where the value is official (verified / verified-derived)."""
        return np.isin(self.status, list(OFFICIAL_STATUSES))


def _months(vals: list[str], fname: str) -> MonthArray:
    try:
        return np.array(vals, dtype="datetime64[M]")
    except ValueError as exc:
        raise RefDataError(f"{fname}: column 'month': {exc}") from None


@functools.lru_cache(maxsize=8)
def _cpi(d: Path) -> dict[str, Series]:
    fname = "cpi.csv"
    rows = read_table(fname, d)
    if not rows:
        raise RefDataError(f"{d / fname}: no rows")
    rows.sort(key=lambda r: r["month"])
    months = _months(_column(rows, "month", fname), fname)
    _freeze(months)
    out: dict[str, Series] = {}
    for col in rows[0]:
        if col == "month" or f"{col}_status" not in rows[0]:
            continue
        s = Series(
            months=months,
            values=_floats(_column(rows, col, fname), col, fname),
            status=_strs(_column(rows, f"{col}_status", fname)),
            source=_strs(_column(rows, f"{col}_source", fname)),
            name=col,
        )
        for a in (s.values, s.status, s.source):
            _freeze(a)
        out[col] = s
    return out


def cpi(data_dir: Path | str | None = None) -> dict[str, Series]:
    """National CPI series: 'cpi_yoy_pct', 'cpi_urban_yoy_pct', 'cpi_rural_yoy_pct',
    'food_cpi_yoy_pct' (YoY %, previous-year-same-month = 100)."""
    return dict(_cpi(_dir(data_dir)))


@functools.lru_cache(maxsize=8)
def _regional(d: Path) -> dict[tuple[str, str], Series]:
    fname = "cpi_regional.csv"
    rows = read_table(fname, d)
    groups: dict[tuple[str, str], list[dict[str, str]]] = {}
    for r in rows:
        groups.setdefault((r["geo"], r["item"]), []).append(r)
    out: dict[tuple[str, str], Series] = {}
    for key, grp in sorted(groups.items()):
        grp.sort(key=lambda r: r["month"])
        s = Series(
            months=_months([r["month"] for r in grp], fname),
            values=_floats([r["value"] for r in grp], "value", fname),
            status=_strs([r["status"] for r in grp]),
            source=_strs([r["source"] for r in grp]),
            name=f"{key[0]}:{key[1]}",
        )
        for a in (s.months, s.values, s.status, s.source):
            _freeze(a)
        out[key] = s
    return out


def regional_cpi(data_dir: Path | str | None = None) -> dict[tuple[str, str], Series]:
    """Sub-national CPI points keyed by (geo, item).

    Example key: ('yunnan_province', 'food_cpi_yoy_pct').
    """
    return dict(_regional(_dir(data_dir)))


# --------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class Target:
    """One calibration target / reference fact."""

    key: str
    period: str
    value: float
    unit: str
    status: str
    source: str
    geo: str = ""
    status_note: str = ""

    @property
    def is_official(self) -> bool:
        """True for verified / verified-derived values."""
        return is_official_status(self.status)


@functools.lru_cache(maxsize=8)
def _targets(d: Path) -> dict[str, Target]:
    fname = "targets.csv"
    out: dict[str, Target] = {}
    for r in read_table(fname, d):
        try:
            value = float(r["value"])
            t = Target(
                key=r["key"],
                period=r["period"],
                value=value,
                unit=r["unit"],
                status=r["status"],
                source=r["source"],
                geo=r.get("geo", ""),
                status_note=r.get("status_note", ""),
            )
        except (KeyError, ValueError) as exc:
            raise RefDataError(f"{fname}: bad row {r.get('key', '?')!r}: {exc}") from None
        if t.key in out:
            raise RefDataError(f"{fname}: duplicate key {t.key!r}")
        out[t.key] = t
    return out


def targets(data_dir: Path | str | None = None) -> dict[str, Target]:
    """Calibration targets by key (see docs/data.md for the key list)."""
    return dict(_targets(_dir(data_dir)))


# --------------------------------------------------------------------------- history (issue 16)


@dataclass(frozen=True)
class HistoryFact:
    """One dated fact of the 2019-2024 replay, with the address, title and date of its source."""

    key: str
    geo: str
    period: str
    item: str
    value: float
    unit: str
    status: str
    status_note: str
    url: str
    title: str
    published: str

    @property
    def is_official(self) -> bool:
        """True for verified / verified-derived values."""
        return is_official_status(self.status)


@functools.lru_cache(maxsize=8)
def _history(d: Path) -> dict[str, HistoryFact]:
    fname = "history_facts.csv"
    out: dict[str, HistoryFact] = {}
    for r in read_table(fname, d):
        try:
            f = HistoryFact(
                key=r["key"],
                geo=r["geo"],
                period=r["period"],
                item=r["item"],
                value=float(r["value"]),
                unit=r["unit"],
                status=r["status"],
                status_note=r["status_note"],
                url=r["source"],
                title=r["title"],
                published=r["published"],
            )
        except (KeyError, ValueError) as exc:
            raise RefDataError(f"{fname}: bad row {r.get('key', '?')!r}: {exc}") from None
        if f.status not in STATUSES:
            raise RefDataError(f"{fname}: {f.key}: unknown status {f.status!r}")
        if f.key in out:
            raise RefDataError(f"{fname}: duplicate key {f.key!r}")
        out[f.key] = f
    return out


def history_facts(data_dir: Path | str | None = None) -> dict[str, HistoryFact]:
    """Facts of the 2019-2024 replay by key (docs/validation.md lists them with sources)."""
    return dict(_history(_dir(data_dir)))


@dataclass(frozen=True, eq=False)
class Activation:
    """Historical activation calendar of the price-linked subsidy: ``active[i, j]`` is 1 when
    prefecture ``prefectures[j]`` paid for index month ``months[i]``, 0 when it did not;
    ``status[i]`` / ``source[i]`` belong to the month row."""

    months: MonthArray
    prefectures: StrArray
    active: FloatArray
    status: StrArray
    source: StrArray

    def for_prefecture(self, code: str) -> FloatArray:
        """1/0 per calendar month for one prefecture (NaN when the code is not listed)."""
        hit = np.flatnonzero(self.prefectures == code)
        if hit.shape[0] == 0:
            return np.full(self.months.shape[0], np.nan)
        out: FloatArray = self.active[:, int(hit[0])].copy()
        return out


@functools.lru_cache(maxsize=8)
def _activation(d: Path) -> Activation:
    fname = "price_subsidy_activation.csv"
    rows = read_table(fname, d)
    months = sorted({r["index_month"] for r in rows})
    prefs = sorted({r["prefecture_code"] for r in rows})
    active = np.full((len(months), len(prefs)), np.nan)
    status = ["" for _ in months]
    source = ["" for _ in months]
    mi = {m: i for i, m in enumerate(months)}
    pj = {p: j for j, p in enumerate(prefs)}
    for r in rows:
        i = mi[r["index_month"]]
        try:
            active[i, pj[r["prefecture_code"]]] = float(int(r["active"]))
        except (KeyError, ValueError) as exc:
            raise RefDataError(f"{fname}: bad row {r}: {exc}") from None
        status[i], source[i] = r["status"], r["source"]
    if np.isnan(active).any():
        raise RefDataError(f"{fname}: every index month needs a row for every prefecture")
    out = Activation(
        months=_months(months, fname),
        prefectures=_strs(prefs),
        active=active,
        status=_strs(status),
        source=_strs(source),
    )
    for a in (out.months, out.prefectures, out.active, out.status, out.source):
        _freeze(a)
    return out


def price_activation(data_dir: Path | str | None = None) -> Activation:
    """The historical price-subsidy activation calendar (which prefectures paid when)."""
    return _activation(_dir(data_dir))


# --------------------------------------------------------------------------- manifest


def manifest(data_dir: Path | str | None = None) -> dict[str, object]:
    """The build manifest (hashes of inputs/outputs, data version, known gaps)."""
    path = _dir(data_dir) / "manifest.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RefDataError(f"package-data file missing: {path}") from None
    if not isinstance(data, dict):
        raise RefDataError(f"{path}: not a JSON object")
    return data


def data_version(data_dir: Path | str | None = None) -> str:
    """Short sha256 identifying the package-data build."""
    v = manifest(data_dir).get("data_version")
    if not isinstance(v, str):
        raise RefDataError("manifest.json: missing 'data_version'")
    return v
