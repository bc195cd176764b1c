"""Constants once (issue 12, item 8): programme codes, money lines, caseload groups, the
job-gain window and the age-band widths are defined in safetynet.constants only.

The test reads the source of every module of the package and of benchmarks/ (the Mesa
reference included) and fails on a second definition: an assignment to a name that
constants.py defines (other than importing it), a literal enumeration of caseload groups or
money lines that constants.py already names (or any of 3 or more of them), a programme-code
table (a dict literal keyed by every programme code), or an age-band width or job-gain window
given as a number (other than 0 or 1)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from safetynet import constants

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted(
    [*(ROOT / "model" / "safetynet").rglob("*.py"), *(ROOT / "benchmarks").glob("*.py")]
)
NAMES = {n for n in vars(constants) if n.isupper()}
FAMILIES = {"caseload groups": set(constants.GROUPS), "money lines": set(constants.PROGRAMMES)}
#: enumerations constants.py names: a literal with the same members is a second definition
NAMED = [
    set(v) for v in vars(constants).values() if isinstance(v, tuple) and len(v) >= 2
]  # fmt: skip
CODES = {
    constants.NONE,
    constants.DIBAO,
    constants.DIBAO_SINGLE,
    constants.TEKUN_DISPERSED,
    constants.TEKUN_INSTITUTIONAL,
}
#: a width of the schema's age bands or the job-gain window written as a number
WIDTH = re.compile(
    r"(YEARS|MONTHS)(_IN)?_(0_15|16_17|18_59)$|JOB_GAIN|BAND_(YEARS|MONTHS|WIDTH)", re.IGNORECASE
)
LITERALS = (ast.Constant, ast.Tuple, ast.List, ast.Set, ast.Dict)


def _pairs(target: ast.expr, value: ast.expr | None) -> list[tuple[str, ast.expr | None]]:
    """(name, value) of each name an assignment binds (tuple targets paired element-wise)."""
    if isinstance(target, ast.Name):
        return [(target.id, value)]
    if isinstance(target, ast.Tuple | ast.List):
        if isinstance(value, ast.Tuple | ast.List) and len(value.elts) == len(target.elts):
            return [p for t, v in zip(target.elts, value.elts, strict=True) for p in _pairs(t, v)]
        return [p for t in target.elts for p in _pairs(t, value)]
    return []


def second_definitions(source: str, where: str) -> list[str]:
    """Where ``source`` defines again what constants.py defines."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            words = [e.value for e in node.elts if isinstance(e, ast.Constant)]
            if len(words) == len(node.elts) >= 2 and all(isinstance(w, str) for w in words):
                for family, members in FAMILIES.items():
                    if set(words) <= members and (len(words) >= 3 or set(words) in NAMED):
                        out.append(f"{where}:{node.lineno} {family} {words}")
        elif isinstance(node, ast.Dict):
            keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
            if keys >= CODES:
                out.append(f"{where}:{node.lineno} programme-code table")
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for name, value in _pairs(target, node.value):
                    if name in NAMES and isinstance(value, LITERALS):
                        out.append(f"{where}:{node.lineno} redefines constants.{name}")
                    elif WIDTH.search(name.strip("_")) and value is not None:
                        numbers = [n for n in ast.walk(value) if isinstance(n, ast.Constant)]
                        if any(isinstance(n.value, int) and n.value > 1 for n in numbers):
                            out.append(f"{where}:{node.lineno} {name} given as a number")
    return out


def test_no_second_definition_of_the_constants() -> None:
    found = []
    for path in SOURCES:
        if path.name == "constants.py":
            continue
        found += second_definitions(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert found == []


@pytest.mark.parametrize(
    "source",
    [
        'GROUPS = ("dibao_urban_whole", "edge")',  # a name of constants.py
        'x = ["tekun_dispersed", "tekun_institutional"]',  # constants.TEKUN_GROUPS again
        'x = ("dibao", "tekun_basic", "tekun_care")',  # three money lines
        'CODES = {0: "none", 1: "a", 2: "b", 3: "c", 4: "d"}',  # programme-code table
        "_YEARS_16_17 = 2",  # an age-band width
        "_BAND_YEARS = ((0, YEARS_IN_0_15), (18, 42))",
        "WINDOW_JOB_GAIN = 12",
        "BAND_60_LOW: int = 60",
        "_A, _YEARS_0_15 = 15, 16",
    ],
)
def test_the_audit_finds_a_second_definition(source: str) -> None:
    assert second_definitions(source, "x.py") != []


def test_the_audit_allows_imports_and_derived_values() -> None:
    ok = (
        "from safetynet.constants import GROUPS as GROUPS\n"
        "DIBAO = list(constants.DIBAO_GROUPS)\n"
        'line = ["dibao", "price_subsidy"]\n'  # a sum of two lines for one fact
        "_YEARS_0_14, _YEARS_0_15 = 15, YEARS_IN_0_15\n"
        "_BAND_YEARS = ((0, YEARS_IN_0_15), (BAND_65_LOW, 0))\n"  # first age 0, width 0: no size
    )
    assert second_definitions(ok, "x.py") == []
