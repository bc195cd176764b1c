#!/usr/bin/env python3
"""Generate the estimated county standards: dibao/standard.csv (urban, rural) and
tekun/basic_standard.csv (all) under model/safetynet/parameters/.

Usage: python scripts/build_county_standards.py [--check] [--root DIR]

No county standards are published in our data, so each county gets an estimate:

* dibao standard = provincial floor (``dibao.floor_urban`` / ``dibao.floor_rural``, official where
  known) x a county premium, rounded up to whole yuan. The premium is an assumption, stated in
  ``PREMIUM`` below: more urbanised counties (census 2020 urban share) and districts / county-level
  cities set standards above the floor. A county with premium 1 sits exactly on the floor.
* tekun basic standard = max(``tekun.floor`` x the urban premium,
  ``tekun.standard_multiple`` x the county's urban dibao standard), rounded up (S3 三(二)).

A row is ``official`` only where its value equals an official provincial floor (the county may in
fact be higher); every other generated row is ``estimated``. Generated rows carry a note starting
with ``generated:``. Any other row in an existing CSV (a real county standard a planner entered)
is kept as it is and overrides the generated row of the same county, key and date; the tekun
estimate then follows the real urban standard. The output is deterministic; files are written
atomically (temp file + os.replace). ``--check`` exits with 1 if a file would change.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import math
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from safetynet import refdata
from safetynet.csvio import read_rows
from safetynet.params import PARAMETERS_DIR, TABLE_COLUMNS, Parameter, load_parameter_file

MARK = "generated:"

#: County premium over the provincial floor (an estimation assumption, not a policy number):
#: premium = 1 + slope x max(0, urban_share - pivot) + city_bonus x (district or county-level city).
#: The urban values (slope 0.04, bonus 0.01; were 0.12 and 0.03) keep the persons-weighted urban
#: average near the published ones, which sit close to the floor: 569 on 557 (2019-06), 615 on
#: 610 (2019-07), 730.06 on 728 (2023-09), history_facts.csv; the model's averages are +0.2%,
#: +0.9% and +1.2% (were +1.3%, +2.3% and +4.2%; docs/validation.md, session 7).
PREMIUM: dict[str, dict[str, float]] = {
    "urban": {"slope": 0.04, "pivot": 0.40, "city_bonus": 0.01},
    "rural": {"slope": 0.10, "pivot": 0.40, "city_bonus": 0.02},
}
CITY_TYPES = ("district", "county-level city")

#: Change dates of the county tables: the floor dates from 2016 on (every provincial adjustment
#: 2018-07 .. 2024-07 is known, issue 16); no extra restatement dates.
FIRST_DATE = dt.date(2016, 1, 1)
EXTRA_DATES: tuple[dt.date, ...] = ()

DIBAO_REF = "S3 三(二) (county standard >= provincial floor); scripts/build_county_standards.py"
TEKUN_REF = "S3 三(二); S4 二(二) (>= multiple x urban standard); scripts/build_county_standards.py"


@dataclass(frozen=True)
class Row:
    """One CSV row of a county table."""

    county_code: str
    key: str
    start: dt.date
    value: float
    status: str
    reference: str
    note: str

    def cells(self) -> list[str]:
        return [
            self.county_code,
            self.key,
            self.start.isoformat(),
            _fmt(self.value),
            self.status,
            self.reference,
            self.note,
        ]


def _fmt(x: float) -> str:
    """Whole numbers without a decimal point, others with up to 2 decimals.

    >>> _fmt(640.0), _fmt(192.67)
    ('640', '192.67')
    """
    return str(int(x)) if float(x).is_integer() else f"{x:.2f}".rstrip("0")


def round_up(x: float) -> float:
    """Round up to whole yuan, ignoring float noise (1.3 x 640 -> 832, not 833).

    >>> round_up(1.3 * 640), round_up(578.5)
    (832.0, 579.0)
    """
    return float(math.ceil(round(x, 6)))


def premium(urban_share: float, county_type: str, key: str) -> float:
    """County premium over the provincial floor for ``key`` (urban or rural); 1 = on the floor."""
    p = PREMIUM[key]
    bonus = p["city_bonus"] if county_type in CITY_TYPES else 0.0
    return 1.0 + p["slope"] * max(0.0, urban_share - p["pivot"]) + bonus


def _scalar(root: Path, path: str) -> Parameter:
    file = root / (path.replace(".", "/") + ".yaml")
    p = load_parameter_file(file, path, ())
    assert isinstance(p, Parameter)
    return p


def _read_rows(file: Path) -> list[Row]:
    if not file.is_file():
        return []
    _header, rows = read_rows(file)  # UTF-8 (BOM or not) or GB18030/GBK, e.g. saved by Excel
    return [
        Row(
            r["county_code"],
            r["key"],
            dt.date.fromisoformat(r["from"]),
            float(r["value"]),
            r["status"],
            r["reference"],
            r.get("note") or "",
        )
        for r in rows
    ]


def _kept(rows: Sequence[Row]) -> dict[tuple[str, str, dt.date], Row]:
    """Rows not made by this script (real standards entered by a planner)."""
    return {(r.county_code, r.key, r.start): r for r in rows if not r.note.startswith(MARK)}


def _on_floor(value: float, floor: Parameter, when: dt.date, what: str) -> tuple[str, str, str]:
    """Status, reference and note of a generated value (official only if it is the floor)."""
    e = floor.entry_at(when)
    if value == float(e.value) and e.status == "official":  # type: ignore[arg-type]
        return (
            "official",
            f"{e.reference}; S3 三(二)",
            f"{MARK} equals the official provincial {what} floor; "
            "the county's actual standard may be higher",
        )
    return ("estimated", "", "")


def dibao_rows(root: Path, existing: Sequence[Row]) -> list[Row]:
    """Rows of dibao/standard.csv: every county, key urban/rural, every change date."""
    c = refdata.counties()
    floors = {key: _scalar(root, f"dibao.floor_{key}") for key in ("urban", "rural")}
    band = _scalar(root, "dibao.standard_rise_band")
    kept = _kept(existing)
    out: list[Row] = []
    for i, code in enumerate(c.code):
        code = str(code)
        share, ctype = float(c.urban_share[i]), str(c.county_type[i])
        for key, floor in floors.items():
            prem = premium(share, ctype, key)
            dates = _dates(floor) | {d for (cc, k, d) in kept if cc == code and k == key}
            for d in sorted(dates):
                hit = kept.get((code, key, d))
                if hit is not None:
                    out.append(hit)
                    continue
                f = float(floor.at(d))  # type: ignore[arg-type]
                # an estimate stays within the band over the floor (S4 二(二)), whole yuan
                top = math.floor(f * (1.0 + float(band.at(d))))  # type: ignore[arg-type]
                value = f if prem == 1.0 else min(round_up(f * prem), float(top))
                status, ref, note = _on_floor(value, floor, d, key)
                if status == "estimated":
                    fs = floor.entry_at(d).status
                    ref = DIBAO_REF
                    note = (
                        f"{MARK} {key} floor {_fmt(f)} ({fs}) x county premium {prem:.3f} "
                        f"(census 2020 urban share {share:.2f}, {ctype}), rounded up"
                        + (
                            "; capped at the band over the floor"
                            if round_up(f * prem) > top
                            else ""
                        )
                        + "; estimated"
                    )
                out.append(Row(code, key, d, value, status, ref, note))
    return out


def tekun_rows(root: Path, dibao: Sequence[Row], existing: Sequence[Row]) -> list[Row]:
    """Rows of tekun/basic_standard.csv (key all) given the county dibao rows."""
    c = refdata.counties()
    floor = _scalar(root, "tekun.floor")
    multiple = _scalar(root, "tekun.standard_multiple")
    kept = _kept(existing)
    urban: dict[str, list[Row]] = {}
    for r in dibao:
        if r.key == "urban":
            urban.setdefault(r.county_code, []).append(r)
    out: list[Row] = []
    for i, code in enumerate(c.code):
        code = str(code)
        share, ctype = float(c.urban_share[i]), str(c.county_type[i])
        prem = premium(share, ctype, "urban")
        own = sorted(urban[code], key=lambda r: r.start)
        dates = (
            _dates(floor)
            | _dates(multiple)
            | {r.start for r in own}
            | {d for (cc, _, d) in kept if cc == code}
        )
        for d in sorted(x for x in dates if x >= FIRST_DATE):
            hit = kept.get((code, "all", d))
            if hit is not None:
                out.append(hit)
                continue
            u = _in_force(own, d).value
            m = float(multiple.at(d))  # type: ignore[arg-type]
            f = float(floor.at(d))  # type: ignore[arg-type]
            est = f if prem == 1.0 else round_up(f * prem)
            value = max(est, round_up(m * u))
            status, ref, note = _on_floor(value, floor, d, "tekun")
            if status == "estimated":
                ref = TEKUN_REF
                note = (
                    f"{MARK} max(tekun floor {_fmt(f)} x premium {prem:.3f} = {_fmt(est)}, "
                    f"{m:g} x urban standard {_fmt(u)} = {m * u:.2f}), rounded up; estimated"
                )
            out.append(Row(code, "all", d, value, status, ref, note))
    return out


def _dates(p: Parameter) -> set[dt.date]:
    return {d for d in p.dates() if d >= FIRST_DATE} | {FIRST_DATE, *EXTRA_DATES}


def _in_force(rows: Sequence[Row], when: dt.date) -> Row:
    chosen = rows[0]
    for r in rows:
        if r.start <= when:
            chosen = r
    return chosen


def render(rows: Sequence[Row]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(TABLE_COLUMNS)
    for r in rows:
        w.writerow(r.cells())
    return buf.getvalue()


def build(root: Path) -> dict[Path, str]:
    """The text of both county CSVs under ``root``, keeping hand-entered rows already there."""
    dibao_file = root / "dibao" / "standard.csv"
    tekun_file = root / "tekun" / "basic_standard.csv"
    dibao = dibao_rows(root, _read_rows(dibao_file))
    tekun = tekun_rows(root, dibao, _read_rows(tekun_file))
    return {dibao_file: render(dibao), tekun_file: render(tekun)}


def write_atomic(file: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=file.parent, prefix=f".{file.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; package data must be world-readable
        os.replace(tmp, file)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--root", type=Path, default=PARAMETERS_DIR, help="parameter tree root")
    ap.add_argument("--check", action="store_true", help="exit 1 if a file would change")
    args = ap.parse_args(argv)
    outputs = build(args.root)
    stale = [f for f, text in outputs.items() if not f.is_file() or f.read_text("utf-8") != text]
    if args.check:
        for f in stale:
            print(f"out of date: {f}", file=sys.stderr)
        return 1 if stale else 0
    for f, text in outputs.items():
        if f in stale:
            write_atomic(f, text)
            print(f"wrote {f} ({text.count(chr(10)) - 1} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
