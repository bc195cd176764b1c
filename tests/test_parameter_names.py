"""Every household-rule parameter's name appears in at most two Python modules (issue 12, Must
show): the rule that computes with it and at most one place that builds the parameter
structure. Each field is declared next to its rules (``dibao.DibaoParams`` ...), and
rules/parameters.py builds ``RuleParams`` from the declarations generically, naming none.

The household-rule parameters are the fields of ``RuleParams`` and their parameter paths
(``SOURCES``; ``DERIVED``: the fields their class derives, with the path they come from).
A module mentions one when its source (read as Python, not as text) has

- the field as an attribute or keyword (``p.edge_multiple``, ``RuleParams(edge_multiple=...)``)
  or as a string (unless the string is the name of a Dataset variable, ``outputs.VARIABLE_BY_NAME``,
  e.g. ``ds["standard_urban"]``, which is an output, not the parameter);
- the path as a string (``"dibao.edge_multiple"``, also ``"tekun.care_subsidy.able"``);
- the parameter read from the tree (``params.at(d).dibao.edge_multiple``, ``k.elderly_age`` with
  ``k = p.tekun``: an attribute named after the leaf on a branch attribute or variable).

Counted: every module of the package and of benchmarks/, except those that
PRODUCE or SHOW parameter values rather than compute household rules with them (EXEMPT, each
with its reason). ``PENDING`` lists what is left, by owner; the test fails on any other
violation and on a PENDING entry that no longer holds (so fixing one means deleting its line).
"""

from __future__ import annotations

import ast
from pathlib import Path

from safetynet.outputs import VARIABLE_BY_NAME
from safetynet.rules.parameters import DECLARATIONS, DERIVED, SOURCES, RuleParams

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "model" / "safetynet"

#: module (relative to the package) or folder -> why it is not a rule reading the parameter
EXEMPT: dict[str, str] = {
    "standards.py": "sets the dibao/tekun standards and care subsidies by rule each year (#14)",
    "inputs.py": "turns the planner's workbook into parameter values (#15)",
    "budget.py": "solver: writes standard overrides (#14)",
    "scenario.py": "validates scenario overrides against the parameter tree (generic)",
    "params.py": "loads the parameter files (generic)",
    "web/": "levers write overrides; labels show them (#18)",
    "report/": "shows parameter values and their provenance (#17)",
    "cli/": "prints parameters (safetynet params)",
}
#: violations left, field -> (modules beyond two, owner and what to do); none left
PENDING: dict[str, tuple[frozenset[str], str]] = {}


def _modules() -> dict[str, ast.Module]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if any(rel == k or (k.endswith("/") and rel.startswith(k)) for k in EXEMPT):
            continue
        out[rel] = ast.parse(path.read_text(encoding="utf-8"))
    for path in sorted((ROOT / "benchmarks").glob("*.py")):
        out[f"benchmarks/{path.name}"] = ast.parse(path.read_text(encoding="utf-8"))
    return out


def _imported(tree: ast.Module) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


def mentions(tree: ast.Module, field: str, path: str | None) -> bool:
    """Whether ``tree`` names the parameter (field ``field``, parameter path ``path``)."""
    branch, leaf = path.split(".", 1) if path else ("", "")
    modules = _imported(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            if node.attr == field:
                return True
            if leaf and node.attr == leaf:
                on = node.value
                if isinstance(on, ast.Attribute) and on.attr == branch:
                    return True
                if isinstance(on, ast.Name) and on.id == branch and branch not in modules:
                    return True
        elif isinstance(node, ast.keyword) and node.arg == field:
            return True
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            s = node.value
            if path and (s == path or s.startswith(path + ".")):
                return True
            if s == field and field not in VARIABLE_BY_NAME:
                return True
    return False


def _parameters() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for field in RuleParams._fields:
        if field in SOURCES:
            out[field] = SOURCES[field][0]
        else:
            out[field] = DERIVED[field]
    return out


def test_every_rule_parameter_name_in_at_most_two_modules() -> None:
    trees = _modules()
    found: dict[str, frozenset[str]] = {}
    for field, path in _parameters().items():
        if path is None:
            continue  # a county rule's output of the month, not a parameter
        where = frozenset(m for m, t in trees.items() if mentions(t, field, path))
        assert where, f"RuleParams.{field} ({path}) is read by no module"
        if len(where) > 2:
            found[field] = where
    # each violation left is listed with its owner; nothing else may appear
    unexpected = {f: sorted(m) for f, m in found.items() if f not in PENDING}
    assert unexpected == {}
    for field, (extra, why) in PENDING.items():
        assert field in found, f"{field} is fixed: delete its PENDING line ({why})"
        where = found[field]
        assert extra <= where, f"{field}: {sorted(extra - where)} fixed: update PENDING"
        assert len(where - extra) <= 2, f"{field}: {sorted(where)}"


def test_the_builder_names_no_parameter() -> None:
    """rules/parameters.py builds RuleParams from the programmes' declarations generically:
    each field is named in one rule module only, the one that declares it (DECLARATIONS)."""
    trees = _modules()
    for field, path in _parameters().items():
        assert not mentions(trees["rules/parameters.py"], field, path), field
    for cls in DECLARATIONS:
        module = cls.__module__.removeprefix("safetynet.").replace(".", "/") + ".py"
        assert module.startswith("rules/")
        others = {m for m in trees if m.startswith("rules/") and m != module}
        for field in cls.__annotations__:
            where = {m for m in others if mentions(trees[m], field, _parameters()[field])}
            assert where == set(), f"{cls.__name__}.{field} read in {sorted(where)}"


def test_the_audit_sees_a_parameter_read_again() -> None:
    again = ast.parse(
        "def f(params, d):\n"
        "    p = params.at(d)\n"
        "    return p.dibao.edge_multiple * 2\n"
    )  # fmt: skip
    assert mentions(again, "edge_multiple", "dibao.edge_multiple")
    k = ast.parse("k = p.tekun\nx = k.elderly_age\n")
    assert mentions(k, "elderly_age", "tekun.elderly_age")
    assert mentions(ast.parse('v = ps.value("tekun.care_subsidy", d)'), "x", "tekun.care_subsidy")
    # a rule module of the same name and a Dataset variable are not the parameter
    call = ast.parse("from safetynet.rules import tekun\ntekun.care_subsidy(p, 1, 2)\n")
    assert not mentions(call, "care_subsidy_able", "tekun.care_subsidy")
    assert not mentions(ast.parse('ds["standard_urban"]'), "standard_urban", "dibao.standard")
