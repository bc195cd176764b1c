"""Rule cases: every YAML case under tests/cases/ must pass; the loader rejects bad cases clearly.

The same files run with ``safetynet cases tests/cases``. docs/cases.md documents the format.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from safetynet import cases
from safetynet.cli import main
from safetynet.params import ParameterSet, load_parameters

HERE = Path(__file__).parent
CASES_DIR = HERE / "cases"
DOCS = HERE.parent / "docs"
CASE_FILES = sorted(CASES_DIR.rglob("*.yaml"))


@pytest.fixture(scope="module")
def params() -> ParameterSet:
    return load_parameters()


def _all_cases() -> list[cases.Case]:
    return cases.load_cases(CASE_FILES)


ALL = _all_cases()


@pytest.mark.parametrize("case", ALL, ids=[c.id for c in ALL])
def test_case(case: cases.Case, params: ParameterSet) -> None:
    result = cases.run_case(case, params)
    assert result.passed, "\n".join(cases.format_result(result))


def test_enough_cases_for_every_programme() -> None:
    assert len(ALL) >= 60
    folders = {Path(c.file).parent.name for c in ALL}
    assert {"dibao", "tekun", "temporary", "price_subsidy", "services", "funding", "checks"} <= (
        folders
    )


def test_every_output_variable_is_used_by_some_case() -> None:
    used = {name for c in ALL for name in c.expected}
    assert set(cases.OUTPUTS) - used == set()


# ------------------------------------------------------------------ safe arithmetic


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("(640 - 300) * 2", 680.0),
        ("-3 + 1.5", -1.5),
        ("max(10, 200 * 3.6 / 100)", 10.0),
        ("min(1, 2, 3) / 4", 0.25),
        ("1_000 * 2", 2000.0),
    ],
)
def test_safe_eval(text: str, value: float) -> None:
    assert cases.safe_eval(text) == pytest.approx(value)


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('echo hi')",
        "open('x')",
        "abs(-1)",
        "2 ** 10",
        "x + 1",
        "(1).real",
        "[1, 2]",
        "'a' * 3",
        "True + 1",
        "lambda: 1",
        "1 / 0",
        "max()",
        "max(1, key=2)",
        "1 +",
        "9" * 300,
    ],
)
def test_safe_eval_rejects_everything_else(text: str) -> None:
    with pytest.raises(ValueError):
        cases.safe_eval(text)


# ------------------------------------------------------------------ malformed cases

GOOD = """
- name: good case
  period: 2022-08
  household:
    urban: true
    members:
      - {age: 40}
  expected:
    dibao_eligible: true
"""


def _write(tmp_path: Path, text: str, name: str = "bad.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("{age: 40}", "{agee: 40}", r"household\.members\[0\]\.agee.*did you mean age"),
        ("{age: 40}", "{age: forty}", r"household\.members\[0\]\.age: expected a whole number"),
        ("urban: true", "urban: yes please", r"household\.urban: expected true or false"),
        ("  period: 2022-08\n", "", r"period: expected a month like 2022-08 \(missing\)"),
        ("period: 2022-08", "period: soon", r"period: expected a month"),
        ("dibao_eligible: true", "dibao_eligibel: true", r"expected\.dibao_eligibel.*did you mean"),
        ("dibao_eligible: true", "dibao_benefit: 70 +", r"expected\.dibao_benefit: expected a num"),
        ("dibao_eligible: true", "funding_gap: 0", r"expected\.funding_gap: expected a counties"),
        ("  household:", "  overrides: {dibao.nope: 1}\n  household:", r"overrides\.dibao\.nope"),
        ("  household:", "  overrides: {dibao.min_benefit: high}\n  household:",
         r"overrides\.dibao\.min_benefit: expected a number"),
        ("  household:", "  overrides: {dibao.standard: {town: 1}}\n  household:",
         r"overrides\.dibao\.standard\.town: expected one of"),
        ("  household:", "  overrides: {tekun.care_subsidy.sleepy: 1}\n  household:",
         r"overrides\.tekun\.care_subsidy\.sleepy: expected a key"),
        ("  household:", "  colour: red\n  household:", r"colour: expected one of"),
        ("{age: 40}", "{age: 40, disability: physical}", r"disability and disability_grade"),
        ("urban: true", "urban: true\n    county: 999999", r"household\.county"),
    ],
)  # fmt: skip
def test_malformed_case_names_file_case_and_key(
    tmp_path: Path, params: ParameterSet, old: str, new: str, message: str
) -> None:
    assert old in GOOD
    path = _write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(cases.CaseError) as err:
        cases.load_case_file(path, params)
    text = str(err.value)
    assert text.startswith(str(path))
    assert "case 'good case'" in text
    assert re.search(message, text), text


def test_malformed_files(tmp_path: Path, params: ParameterSet) -> None:
    with pytest.raises(cases.CaseError, match="valid YAML"):
        cases.load_case_file(_write(tmp_path, "- name: x\n  period: [2022\n"), params)
    with pytest.raises(cases.CaseError, match="non-empty YAML list"):
        cases.load_case_file(_write(tmp_path, "name: x\n"), params)
    with pytest.raises(cases.CaseError, match="used once"):
        cases.load_case_file(_write(tmp_path, GOOD + GOOD), params)
    with pytest.raises(cases.CaseError, match="case '#1': name"):
        cases.load_case_file(_write(tmp_path, GOOD.replace("name: good case", "name: ''")), params)
    with pytest.raises(cases.CaseError, match="an existing case file"):
        cases.case_files([tmp_path / "missing.yaml"])


def test_a_wrong_expectation_fails_with_the_difference(
    tmp_path: Path, params: ParameterSet
) -> None:
    text = GOOD.replace(
        "dibao_eligible: true", "dibao_benefit: (700 - 0) * 2\n    programme: tekun_dispersed"
    )
    text = text.replace("  household:", "  overrides: {dibao.standard: {urban: 700}}\n  household:")
    (case,) = cases.load_case_file(_write(tmp_path, text), params)
    result = cases.run_case(case, params)
    assert not result.passed
    lines = "\n".join(cases.format_result(result))
    assert "FAIL" in lines
    assert "dibao_benefit: expected 1400, got 700 (difference -700" in lines
    assert "programme: expected 'tekun_dispersed', got 'dibao'" in lines


def test_margin_is_respected(tmp_path: Path, params: ParameterSet) -> None:
    text = GOOD.replace("dibao_eligible: true", "dibao_benefit: 700.5")
    text = text.replace("  household:", "  overrides: {dibao.standard: {urban: 700}}\n  household:")
    (case,) = cases.load_case_file(_write(tmp_path, text), params)
    assert not cases.run_case(case, params).passed
    (case,) = cases.load_case_file(
        _write(tmp_path, text.replace("  period", "  margin: 1\n  period")), params
    )
    assert cases.run_case(case, params).passed


def test_an_override_the_rules_reject_is_a_case_error(tmp_path: Path, params: ParameterSet) -> None:
    text = GOOD.replace("  household:", "  overrides: {dibao.benefit_formula: tired}\n  household:")
    (case,) = cases.load_case_file(_write(tmp_path, text), params)
    with pytest.raises(cases.CaseError, match=r"case 'good case'.*benefit_formula"):
        cases.run_case(case, params)


def test_county_override_by_code_and_mapping_key(tmp_path: Path, params: ParameterSet) -> None:
    text = """
    - name: by code
      period: 2022-08
      overrides:
        dibao.standard: {"530103": {urban: 650}, "530102": {urban: 700}}
        tekun.care_subsidy.unable: 999
      household:
        urban: true
        county: "530103"
        members:
          - {age: 90, care_level: unable}
      expected:
        dibao_standard: 650
        tekun_care: 999
    """
    (case,) = cases.load_case_file(_write(tmp_path, text), params)
    result = cases.run_case(case, params)
    assert result.passed, cases.format_result(result)


# ------------------------------------------------------------------ command line


def test_cli_pass_fail_and_malformed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["cases", str(CASES_DIR / "dibao" / "gradual_exit.yaml")])  # success: no exit
    out = capsys.readouterr().out
    assert "PASS" in out and "0 failed" in out

    failing = GOOD.replace("dibao_eligible: true", "dibao_eligible: false")
    with pytest.raises(SystemExit) as stop:
        main(["cases", str(_write(tmp_path, failing, "fail.yaml"))])
    assert stop.value.code == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "dibao_eligible: expected False, got True" in out

    with pytest.raises(SystemExit) as stop:
        main(["cases", str(_write(tmp_path, GOOD.replace("{age: 40}", "{age: -1}"), "neg.yaml"))])
    assert stop.value.code == 2
    captured = capsys.readouterr()
    assert "neg.yaml" in captured.err and "case 'good case'" in captured.err
    assert "PASS" not in captured.out and "FAIL" not in captured.out


# ------------------------------------------------------------------ documentation


def test_docs_cases_lists_every_variable() -> None:
    doc = (DOCS / "cases.md").read_text(encoding="utf-8")
    names = [*cases.OUTPUTS, *(n for group in cases.INPUTS.values() for n in group)]
    missing = sorted({n for n in names if f"`{n}`" not in doc})
    assert missing == []


def test_docs_rules_lists_every_public_function() -> None:
    import inspect

    from safetynet.rules import checks, dibao, funding, price_subsidy, services, tekun, temporary

    doc = (DOCS / "rules.md").read_text(encoding="utf-8")
    missing = []
    for module in (dibao, tekun, temporary, price_subsidy, services, funding, checks):
        short = module.__name__.rsplit(".", 1)[1]
        public = [
            name
            for name, obj in vars(module).items()
            if (inspect.isfunction(obj) or inspect.isfunction(getattr(obj, "py_func", None)))
            and getattr(obj, "__module__", "") == module.__name__
            and name[0] != "_"
        ]
        missing += [f"{short}.{name}" for name in public if f"{short}.{name}(" not in doc]
    assert missing == []


def test_cli_parameters_and_name_options(capsys: pytest.CaptureFixture[str]) -> None:
    from safetynet.params import PARAMETERS_DIR

    path = str(CASES_DIR / "dibao" / "gradual_exit.yaml")
    main(["cases", path, "--parameters", str(PARAMETERS_DIR), "--name", "12", "-v"])
    out = capsys.readouterr().out
    assert "1 passed, 0 failed (1 cases)" in out
    assert "ok exit_months_left: expected 12, got 12" in out


def test_doctests_of_the_rule_modules() -> None:
    import doctest

    from safetynet import rules
    from safetynet.rules import compiled, price_subsidy

    for module in (cases, rules, compiled, price_subsidy):
        result = doctest.testmod(module)
        assert result.failed == 0, module.__name__
        assert result.attempted > 0, module.__name__


def test_cases_pass_in_plain_python_without_numba() -> None:
    """The debugging switch: with NUMBA_DISABLE_JIT=1 nothing is compiled and every case still
    passes (the rules are plain Python functions then), and the compiled loop over households
    runs as Python too."""
    import os
    import subprocess
    import sys

    code = (
        "import numpy as np, safetynet.cases as c;"
        "from safetynet import assessment;"
        "from safetynet.params import load_parameters;"
        "from safetynet.rules.parameters import month_parameters;"
        "import datetime as dt;"
        f"r = c.run_cases(c.load_cases([{str(CASES_DIR)!r}]));"
        "bad = [x.case.id for x in r if not x.passed];"
        "print(len(r), bad);"
        "assert r and not bad"
    )
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "[]" in done.stdout
