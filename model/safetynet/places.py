"""Counties and prefectures named by code or by name, everywhere a user names a place.

A place is a county (区县) or a prefecture (州市) of the county table, named by its current code
(``530102``), its census-2020 code, its Chinese name (``五华区``; the census-2020 name too) or its
English name (``Wuhua District``, any case). An unknown name is refused with the nearest known
names ("did you mean 五华区 (530102)?", :mod:`difflib`). A prefecture stands for all its counties.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from safetynet import refdata
from safetynet.errors import InputError

__all__ = ["Place", "county_codes", "lookup", "resolve", "suggest"]

COUNTY = "county"
PREFECTURE = "prefecture"


@dataclass(frozen=True)
class Place:
    """A county or a prefecture: its code, Chinese name and the current county codes it covers."""

    kind: str
    code: str
    name_zh: str
    counties: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.name_zh} ({self.code})"


@functools.cache
def _index() -> tuple[dict[str, Place], dict[str, str]]:
    """Place by every accepted spelling, and a display label per spelling (for suggestions)."""
    t = refdata.counties()
    by: dict[str, Place] = {}
    for i in range(len(t)):
        code = str(t.code[i])
        place = Place(COUNTY, code, str(t.name_zh[i]), (code,))
        for key in (code, t.code_census2020[i], t.name_zh[i], t.name_census2020_zh[i]):
            if str(key):
                by.setdefault(str(key), place)
        if str(t.name_en[i]):
            by.setdefault(str(t.name_en[i]).casefold(), place)
    for pcode in t.prefectures.tolist():
        rows = [i for i in range(len(t)) if str(t.prefecture_code[i]) == pcode]
        first = rows[0]
        place = Place(
            PREFECTURE,
            str(pcode),
            str(t.prefecture_name_zh[first]),
            tuple(str(t.code[i]) for i in rows),
        )
        by[str(pcode)] = place
        by.setdefault(str(t.prefecture_name_zh[first]), place)
        if str(t.prefecture_name_en[first]):
            by.setdefault(str(t.prefecture_name_en[first]).casefold(), place)
    labels = {k: p.label for k, p in by.items()}
    return by, labels


def lookup(name: str) -> Place | None:
    """The place a code or name stands for, or None.

    >>> lookup("五华区").code, lookup("530102").name_zh, lookup("昆明市").kind
    ('530102', '五华区', 'prefecture')
    """
    by, _ = _index()
    key = str(name).strip()
    return by.get(key) or by.get(key.casefold())


def suggest(name: str, n: int = 3) -> list[str]:
    """The nearest known places to a misspelt name, as "name (code)" labels.

    >>> suggest("五华")
    ['五华区 (530102)']
    """
    by, labels = _index()
    key = str(name).strip()
    spellings = [k for k in by if not k.isascii()] if not key.isascii() else list(by)
    if key.isascii():
        key = key.casefold()
    out: list[str] = []
    for k in difflib.get_close_matches(key, spellings, n=n * 3, cutoff=0.5):
        if labels[k] not in out:
            out.append(labels[k])
    return out[:n]


def resolve(
    name: str,
    file: str | Path,
    key: str,
    error: type[InputError] = InputError,
    kinds: tuple[str, ...] = (COUNTY, PREFECTURE),
) -> Place:
    """The place ``name`` stands for; ``error(file, key, expected, got)`` with suggestions if
    unknown or of a kind not in ``kinds`` (e.g. a county where only prefectures may be named)."""
    what = " or ".join(
        {COUNTY: "a county (code or name, e.g. 530102 or 五华区)",
         PREFECTURE: "a prefecture (e.g. 530100 or 昆明市)"}[k]
        for k in kinds
    )  # fmt: skip
    place = lookup(name)
    if place is None:
        near = suggest(name)
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        word = "code" if str(name).strip().isdigit() else "place"
        raise error(file, key, what, f"unknown {word} {str(name).strip()!r}{hint}")
    if place.kind not in kinds:
        raise error(file, key, what, f"{place.label} is a {place.kind}")
    return place


def county_codes(
    names: Iterable[str],
    file: str | Path,
    key: str,
    error: type[InputError] = InputError,
    kinds: tuple[str, ...] = (COUNTY, PREFECTURE),
) -> tuple[str, ...]:
    """Current county codes of the places named (prefectures expand to their counties), in the
    order named, without repeats."""
    out: list[str] = []
    for name in names:
        out += resolve(name, file, key, error, kinds).counties
    return tuple(dict.fromkeys(out))
