"""Levers of the web page -> a scenario TOML delta, validated by the scenario loader.

The page never builds a :class:`~safetynet.scenario.Scenario` itself: :func:`scenario_toml`
writes the levers as an ordinary scenario file over the chosen starting file (its overrides and
shocks kept, the page's appended), and :func:`build_scenario` writes that text to disk and loads
it with :func:`safetynet.scenario.load_scenario`, exactly as ``safetynet run`` would. So the
TOML a planner downloads is the run on screen, and nothing typed on the page is evaluated: lever
values are numbers, months and codes that the loader checks (bounds, parameter paths, county
codes) like any scenario file, and a bad value gives the loader's one-line ``ScenarioError``.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from safetynet.errors import InputError
from safetynet.scenario import Scenario, load_scenario

#: parameter paths the levers write (all exist in model/safetynet/parameters)
STANDARD = "dibao.standard"
EDGE_MULTIPLE = "dibao.edge_multiple"
SERVICES_CAP = "services.cap_share"
CPI_THRESHOLD = "price_subsidy.cpi_threshold_pct"
FOOD_CPI_THRESHOLD = "price_subsidy.food_cpi_threshold_pct"
REFERENCE = "web page lever (safetynet serve)"


@dataclass(frozen=True)
class Shock:
    """A disaster on the page: counties (codes), share of households hit, months, first month."""

    counties: tuple[str, ...]
    severity: float
    months: int
    start: str  # "YYYY-MM"


@dataclass(frozen=True)
class PrefectureRise:
    """A prefecture's own standard rise (fractions), instead of the province-wide one."""

    prefecture: str  # prefecture code
    rural: float = 0.0
    urban: float = 0.0


@dataclass(frozen=True)
class Levers:
    """What the page's controls hold. ``None`` means "as in the starting file".

    Rises are fractions (0.08 = +8 %) from ``rise_from`` (a month "YYYY-MM"): ``rural_rise`` /
    ``urban_rise`` in every prefecture not listed in ``prefecture_rises``, and each listed
    prefecture its own (several prefectures, each with its rural and urban rise).
    ``budget_year``: the run covers the starting file's first month through December of that
    year.
    """

    base: str  # path of the starting scenario file
    budget_year: int
    sample_fraction: float
    replicates: int
    rural_rise: float = 0.0
    urban_rise: float = 0.0
    rise_from: str = ""
    prefecture_rises: tuple[PrefectureRise, ...] = ()
    edge_multiple: float | None = None
    services_cap: float | None = None
    cpi_threshold: float | None = None
    food_cpi_threshold: float | None = None
    shock: Shock | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def key(self) -> str:
        """A stable short hash of the levers (names the scenario)."""
        text = json.dumps(asdict(self), sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()[:10]

    def changed(self) -> bool:
        """True if any policy lever differs from the starting file."""
        return bool(
            self.rural_rise
            or self.urban_rise
            or any(r.rural or r.urban for r in self.prefecture_rises)
            or self.edge_multiple is not None
            or self.services_cap is not None
            or self.cpi_threshold is not None
            or self.food_cpi_threshold is not None
            or self.shock is not None
        )

    def baseline(self) -> Levers:
        """The same run settings with no policy lever moved (the comparison run)."""
        return Levers(self.base, self.budget_year, self.sample_fraction, self.replicates)


def read_base(path: str | Path) -> dict[str, Any]:
    """The starting scenario file as a TOML document, after checking it with the loader
    (remembered while the file is unchanged)."""
    p = Path(path).resolve()
    stat = p.stat() if p.is_file() else None
    doc = _read_base(str(p), stat.st_mtime_ns if stat else -1, stat.st_size if stat else -1)
    copy: dict[str, Any] = json.loads(json.dumps(doc, default=str))  # TOML dates -> text
    return copy


@functools.lru_cache(maxsize=32)
def _read_base(path: str, _mtime: int, _size: int) -> dict[str, Any]:
    sc = load_scenario(path)  # raises the loader's one-line error for a bad file
    doc = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    cpi = doc.get("cpi")
    if isinstance(cpi, dict) and isinstance(cpi.get("file"), str):
        # the delta is written elsewhere: keep the CSV the starting file points at
        cpi["file"] = str((Path(path).resolve().parent / cpi["file"]).resolve())
    doc.setdefault("horizon", {})["start"] = f"{sc.start:%Y-%m}"
    return doc


@functools.cache
def prefecture_codes() -> tuple[str, ...]:
    """The 16 prefecture codes in county-table order."""
    from safetynet import refdata

    return tuple(dict.fromkeys(str(p) for p in refdata.counties().prefecture_code))


def months_through(start: dt.date, year: int) -> int:
    """Months from ``start`` (first of month) through December of ``year``.

    >>> months_through(dt.date(2019, 5, 1), 2026)
    92
    """
    return (year - start.year) * 12 + 12 - (start.month - 1)


def scenario_document(levers: Levers, base: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The scenario file (as a TOML document) for ``levers`` over the starting file."""
    text = json.dumps(base if base is not None else read_base(levers.base), default=str)
    doc: dict[str, Any] = json.loads(text)
    head = doc["scenario"]
    start = dt.date.fromisoformat(str(doc["horizon"]["start"])[:7] + "-01")
    months = months_through(start, levers.budget_year)
    if months < 1:
        raise InputError(
            levers.base, "budget_year", f"a year from {start.year}", str(levers.budget_year)
        )
    base_name = str(head["name"])
    # ``baseline`` must name a file next to this one: the page compares runs itself
    head.pop("baseline", None)
    if levers.changed():
        head["name"] = f"web_{levers.key()}"[:64]
        head["title"] = {
            "zh": f"网页测算情景（以{head['title']['zh']}为起点）",
            "en": f"Web page scenario (from {head['title']['en']})",
        }
        head["description"] = (
            f"Levers set on the web page (safetynet serve) over the scenario {base_name!r}; "
            f"compare with: safetynet run scenarios/{base_name}.toml"
        )
    doc["horizon"] = {"start": doc["horizon"]["start"], "months": months}
    doc["run"]["sample_fraction"] = float(levers.sample_fraction)
    doc["run"]["replicates"] = int(levers.replicates)
    overrides: list[dict[str, Any]] = list(doc.get("overrides", []))
    rise_from = levers.rise_from or f"{levers.budget_year}-01"
    own = {r.prefecture: r for r in levers.prefecture_rises}
    others = [p for p in prefecture_codes() if p not in own]
    rises: list[tuple[str, float, list[str] | None]] = []
    if others:
        where = None if not own else others
        rises += [("rural", levers.rural_rise, where), ("urban", levers.urban_rise, where)]
    for r in levers.prefecture_rises:
        rises += [("rural", r.rural, [r.prefecture]), ("urban", r.urban, [r.prefecture])]
    for key, rise, counties in rises:
        if rise:
            entry: dict[str, Any] = {
                "path": STANDARD,
                "keys": [key],
                "from": rise_from,
                "relative": float(rise),
                "reference": REFERENCE,
            }
            if counties is not None:
                entry["counties"] = counties
            overrides.append(entry)
    first = f"{levers.budget_year}-01"
    for path, value in (
        (EDGE_MULTIPLE, levers.edge_multiple),
        (SERVICES_CAP, levers.services_cap),
        (CPI_THRESHOLD, levers.cpi_threshold),
        (FOOD_CPI_THRESHOLD, levers.food_cpi_threshold),
    ):
        if value is not None:
            overrides.append(
                {"path": path, "from": first, "value": float(value), "reference": REFERENCE}
            )
    if overrides:
        doc["overrides"] = overrides
    if levers.shock is not None:
        s = levers.shock
        shocks: list[dict[str, Any]] = list(doc.get("shocks", []))
        shocks.append(
            {
                "kind": "disaster",
                "counties": list(s.counties),
                "from": s.start,
                "months": int(s.months),
                "severity": float(s.severity),
                "note": REFERENCE,
            }
        )
        doc["shocks"] = shocks
    return doc


# --------------------------------------------------------------------------- TOML writing


def _value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"not a finite number: {v!r}")
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)  # JSON string escapes are valid TOML
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def _key(k: str) -> str:
    return k if k.replace("_", "").isalnum() and k.isascii() else json.dumps(k)


def to_toml(doc: Mapping[str, Any], comment: Sequence[str] = ()) -> str:
    """Write a scenario document (tables, arrays of tables, inline values) as TOML text."""
    lines = [f"# {c}" for c in comment]
    plain = {k: v for k, v in doc.items() if not isinstance(v, dict | list)}
    lines += [f"{_key(k)} = {_value(v)}" for k, v in plain.items()]
    for name, v in doc.items():
        if isinstance(v, dict):
            lines += ["", f"[{_key(name)}]"]
            lines += [f"{_key(k)} = {_value(x)}" for k, x in v.items()]
        elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            for item in v:
                lines += ["", f"[[{_key(name)}]]"]
                lines += [f"{_key(k)} = {_value(x)}" for k, x in item.items()]
        elif isinstance(v, list):
            lines.append(f"{_key(name)} = {_value(v)}")
    return "\n".join(lines) + "\n"


def scenario_toml(levers: Levers, base: Mapping[str, Any] | None = None) -> str:
    """The scenario TOML text of ``levers`` (what the page offers for download)."""
    doc = scenario_document(levers, base)
    text = to_toml(
        doc,
        (
            "Scenario written by the safetynet web page (safetynet serve). Rerun it with:",
            "  safetynet run THIS_FILE.toml",
        ),
    )
    if tomllib.loads(text) != json.loads(json.dumps(doc)):  # the writer is exact or we stop
        raise ValueError("scenario TOML does not read back as written")
    return text


def build_scenario(
    levers: Levers, folder: Path, base: Mapping[str, Any] | None = None
) -> tuple[str, Scenario]:
    """Write the levers' TOML under ``folder`` and load it with the scenario loader.

    Returns (TOML text, validated Scenario). Raises ``ScenarioError`` (one line) when a lever
    value is refused by the loader.
    """
    text = scenario_toml(levers, base)
    digest = hashlib.sha256(text.encode()).hexdigest()
    name = str(tomllib.loads(text)["scenario"]["name"])
    where = folder / digest[:16]  # the loader wants the file named after the scenario
    where.mkdir(parents=True, exist_ok=True)
    path = where / f"{name}.toml"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    return text, load_scenario(path)
