"""The legal sources of the model in ONE table (``references.csv``) and how the report cites them.

Parameters and scenarios name their basis with short codes: ``S0``…``S4`` are the five policy
documents of the rule book (POLICY.md, seeds 000–004), with the section as printed there
(``S4 二(二)``); national and provincial documents are named by their document number (文号,
e.g. ``发改价格〔2021〕1553号``). The report never prints a code: :func:`citations` finds every
code and number in a reference text and :func:`cite` prints each as issuer, title, 文号 (or the
date where the document prints no number) and section. :func:`basis` adds what kind of value it
is (scenario, assumption, calibrated, recollection) in the report's language, so that no English
reference text reaches the Chinese report.
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from pathlib import Path

TABLE = Path(__file__).resolve().parent / "references.csv"
COLUMNS = ("code", "issuer_zh", "title_zh", "doc_no", "date", "title_en", "issuer_en", "how_known")

_NUM = "一二三四五六七八九十"
#: ``S4 二(二)``, ``S1 二(一)2``, ``S4 三``, ``S0`` (section optional)
SEED = re.compile(rf"\bS([0-4])(?:\s+([{_NUM}]+(?:[(（][{_NUM}]+[)）])?\d*))?")
#: a document number: issuer abbreviation, year in 〔〕, number, 号
DOC_NO = re.compile(r"[\u4e00-\u9fff]{1,8}〔\d{4}〕\d+号")


@dataclass(frozen=True)
class Reference:
    code: str
    issuer_zh: str
    title_zh: str
    doc_no: str
    date: str
    title_en: str
    issuer_en: str
    how_known: str


@dataclass(frozen=True)
class Citation:
    """One cited document and the section cited ('' for the whole document)."""

    ref: Reference
    section: str = ""


@functools.cache
def table(path: Path = TABLE) -> dict[str, Reference]:
    """The reference table by code (S0…S4 and document numbers)."""
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    out = {}
    for i, row in enumerate(rows, start=2):
        if set(COLUMNS) - set(row):
            raise ValueError(f"{path}: line {i}: expected columns {COLUMNS}")
        ref = Reference(**{c: (row[c] or "").strip() for c in COLUMNS})
        if not ref.title_zh or not (ref.doc_no or ref.date):
            raise ValueError(f"{path}: line {i}: a title and a document number or date")
        out[ref.code] = ref
    return out


def citations(text: str) -> list[Citation]:
    """Every document a reference text points to, in order, without repeats.

    Raises KeyError for a seed code or document number missing from the table.
    """
    refs = table()
    found: list[tuple[int, Citation]] = []
    for m in SEED.finditer(text or ""):
        found.append((m.start(), Citation(refs[f"S{m.group(1)}"], m.group(2) or "")))
    for m in DOC_NO.finditer(text or ""):
        no = m.group(0)
        # a number written after a seed code names that seed's own document: already cited
        if any(c.ref.doc_no == no for _, c in found):
            continue
        found.append((m.start(), Citation(refs[no])))
    out: list[Citation] = []
    for _, c in sorted(found, key=lambda x: x[0]):
        if c not in out:
            out.append(c)
    return out


def _date_zh(date: str) -> str:
    parts = date.split("-")
    if len(parts) == 3:
        return f"{int(parts[0])}年{int(parts[1])}月{int(parts[2])}日"
    return f"{parts[0]}年"


def cite(c: Citation, lang: str) -> str:
    """One citation as printed: 《title》（文号）section, or issuer《title》（date）section."""
    r = c.ref
    if lang == "zh":
        no = r.doc_no or f"{_date_zh(r.date)}，无文号"
        return f"{r.issuer_zh}《{r.title_zh}》（{no}）" + (f" {c.section}" if c.section else "")
    no = f"{r.doc_no}" if r.doc_no else f"{r.date}, no document number"
    sec = f", section {c.section}" if c.section else ""
    return f"{r.issuer_en}, {r.title_en} ({r.title_zh}; {no}){sec}"


#: kinds of value named in reference texts -> string key of the report (i18n)
KINDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^\s*scenario\b", re.I), "basis_scenario"),
    (re.compile(r"ASSUMED|assumption", re.I), "basis_assumed"),
    (re.compile(r"calibrat", re.I), "basis_calibrated"),
    (re.compile(r"from memory|recollection|unverified", re.I), "basis_memory"),
)


def kinds(text: str, status: str = "") -> list[str]:
    """The kinds of value a reference text (and a parameter status) describe (string keys)."""
    out = [key for pat, key in KINDS if pat.search(text or "")]
    if status == "scenario" and "basis_scenario" not in out:
        out.insert(0, "basis_scenario")
    return out


def basis(text: str, lang: str, status: str = "") -> str:
    """A reference text as the report prints it: its kind and every cited document in full."""
    from safetynet.report.i18n import t

    parts = [t(k, lang) for k in kinds(text, status)]
    cited = [cite(c, lang) for c in citations(text)]
    if cited:
        docs = ("；" if lang == "zh" else "; ").join(cited)
        parts.append(t("basis_cites", lang, docs=docs))
    if not parts:
        parts.append(t("basis_other", lang))
    return ("；" if lang == "zh" else "; ").join(parts)


def printed_codes(text: str) -> list[str]:
    """Internal codes left in printed text (``S4 二(二)``-style): must be empty in a report."""
    return [m.group(0) for m in SEED.finditer(text)]


def expand_codes(text: str, lang: str) -> str:
    """``text`` with every ``S0``…``S4`` code replaced by its full citation."""
    refs = table()

    def sub(m: re.Match[str]) -> str:
        return cite(Citation(refs[f"S{m.group(1)}"], m.group(2) or ""), lang)

    return SEED.sub(sub, text)
