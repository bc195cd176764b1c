# ruff: noqa: E501  (the catalogue keeps one case per line)
"""Hostile-input harness (issue #13): tries malformed inputs of every kind against the CLI.

Each case gets a fresh folder with its input files, runs ``safetynet.cli.main(argv)`` in a
forked child (imports and package data loaded once in the parent) with a timeout, and is
classified:

- clean: exit code 2 and exactly one stderr line starting with ``error:``, no traceback, and
  no file created (for a case that must be refused);
- valid: a case that must be accepted exited 0 with its outputs complete (no lock or .tmp left);
- traceback / hang (timeout) / wrong acceptance (exit 0 or 1 where a refusal was due) /
  wrong refusal (a valid input refused) / partial output (a refused case left a file).

Usage: ``.venv/bin/python scripts/hostile_inputs.py [--table docs/input_validation.md]
[--only KIND] [--list]``. Exit code 0 when every case is clean or valid.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import socket
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_S = 60.0
RUN_TIMEOUT_S = 240.0
TABLE_START = "<!-- hostile-inputs:start -->"
TABLE_END = "<!-- hostile-inputs:end -->"

Files = dict[str, bytes | str | Callable[[Path], None]]


@dataclass
class Case:
    kind: str
    name: str
    argv: list[str]
    files: Files = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    accept: bool = False
    #: files a valid run must leave (relative to the case folder)
    outputs: tuple[str, ...] = ()
    timeout: float = TIMEOUT_S


# ------------------------------------------------------------------------------ inputs

SCENARIO = """[scenario]
name = "{name}"
title = {{ zh = "测试", en = "Test" }}

[horizon]
start = "2024-01"
months = 2

[run]
replicates = 1
seed = 7
sample_fraction = 0.0005

[outputs]
report = false
"""


def scenario(name: str = "s", extra: str = "", head: str = "") -> str:
    """A small valid scenario with ``extra`` TOML appended (``head`` replaces sections)."""
    text = SCENARIO.format(name=name)
    if head:
        text = head
    return text + "\n" + extra


def override(path: str, line: str) -> str:
    return f'\n[[overrides]]\npath = "{path}"\nfrom = "2024-01"\n{line}\n'


CSV_HEAD = "month,cpi_yoy_pct,food_cpi_yoy_pct\n"


def cpi_csv(rows: str = "") -> str:
    good = "".join(f"2024-{m:02d},1.0,2.0\n" for m in (1, 2))
    history = "".join(f"2023-{m:02d},1.0,2.0\n" for m in range(1, 13))
    return CSV_HEAD + history + good + rows


def csv_scenario() -> str:
    return scenario(extra='[cpi]\nmode = "csv"\nfile = "cpi.csv"\n')


CASE_OK = """- name: single rural adult, no income
  period: 2024-03
  household:
    urban: false
    county: "530102"
    members:
      - {age: 40}
  expected:
    dibao_eligible: true
"""


def case_yaml(body: str) -> str:
    return body


def fifo(name: str) -> Callable[[Path], None]:
    def make(d: Path) -> None:
        os.mkfifo(d / name)

    return make


def folder(name: str) -> Callable[[Path], None]:
    def make(d: Path) -> None:
        (d / name).mkdir()

    return make


def big(name: str, size: int, fill: bytes = b"#") -> Callable[[Path], None]:
    def make(d: Path) -> None:
        with (d / name).open("wb") as f:
            chunk = fill * (1 << 20)
            left = size
            while left > 0:
                f.write(chunk[: min(left, len(chunk))])
                left -= len(chunk)

    return make


def lock(pid: int) -> Callable[[Path], None]:
    def make(d: Path) -> None:
        (d / "out").mkdir(exist_ok=True)
        (d / "out" / ".safetynet.lock").write_text(
            json.dumps({"pid": pid, "host": socket.gethostname(), "command": "safetynet run x"})
        )

    return make


def results(mutate: str = "") -> Callable[[Path], None]:
    """A small results file written like a run's (synthetic values), optionally broken."""

    def make(d: Path) -> None:
        import numpy as np
        from safetynet import outputs, refdata

        t = refdata.counties()
        idx = t.index_of(["530102", "530103"])
        coords = {k: getattr(t, k)[idx] for k in ("prefecture_name_zh", "prefecture_name_en")}
        coords.update(county_name_zh=t.name_zh[idx], county_name_en=t.name_en[idx])
        coords["prefecture"] = t.prefecture_code[idx]
        ds = outputs.empty_dataset(
            ["s"], [0], ["530102", "530103"],
            np.arange("2024-01", "2024-04", dtype="datetime64[M]"), county_coords=coords,
        )  # fmt: skip
        for v in ds.data_vars:
            if np.issubdtype(ds[v].dtype, np.number):
                ds[v].values[...] = 1.0
        ds.attrs["run_record"] = json.dumps({"scenario": {"name": "s"}, "replicates": 1})
        for v in ("cpi_yoy_pct", "food_cpi_yoy_pct"):
            ds[v] = (("scenario", "replicate", "month"), np.full((1, 1, 3), 2.0))
        for v in ("cpi_threshold_pct", "food_cpi_threshold_pct"):
            ds[v] = (("scenario", "month"), np.full((1, 3), 3.5))
        if mutate == "dup_months":
            ds = ds.assign_coords(
                month=np.array(["2024-01", "2024-01", "2024-02"], "datetime64[ns]")
            )
        elif mutate == "reversed_months":
            ds = ds.assign_coords(month=ds.month.values[::-1])
        elif mutate == "unknown_county":
            ds = ds.assign_coords(county=["999999", "530103"])
        elif mutate == "dup_county":
            ds = ds.assign_coords(county=["530102", "530102"])
        elif mutate.startswith("value:"):
            _, var, val = mutate.split(":")
            ds[var].values.flat[0] = float(val)
        elif mutate == "no_record":
            del ds.attrs["run_record"]
        elif mutate == "bad_record":
            ds.attrs["run_record"] = "{not json"
        elif mutate.startswith("drop:"):
            ds = ds.drop_vars(mutate.split(":")[1])
        elif mutate == "no_month_dim":
            ds = ds.isel(month=0, drop=True)
        ds.to_netcdf(d / "r.nc", engine="netcdf4")

    return make


# ------------------------------------------------------------------------------ the cases


def cases() -> list[Case]:
    out: list[Case] = []
    me = os.getpid()

    def refuse(
        kind: str, name: str, argv: list[str], files: Files | None = None, **kw: Any
    ) -> None:
        out.append(Case(kind, name, argv, files or {}, **kw))

    def accept(
        kind: str, name: str, argv: list[str], files: Files | None = None, **kw: Any
    ) -> None:
        out.append(Case(kind, name, argv, files or {}, accept=True, **kw))

    check = ["scenario", "check", "s.toml"]

    # ---- scenario TOML: files
    S = "scenario TOML"
    accept(S, "valid scenario (control)", check, {"s.toml": scenario()})
    refuse(S, "nested 5000 brackets deep", check, {"s.toml": "x = " + "[" * 5000 + "]" * 5000})
    refuse(S, "nested 50 tables deep", check, {"s.toml": "x = " + "[" * 50 + "1" + "]" * 50})
    refuse(
        S, "inline tables 3000 deep", check, {"s.toml": "x = " + "{a=" * 3000 + "1" + "}" * 3000}
    )
    refuse(S, "/dev/zero", ["scenario", "check", "/dev/zero"])
    refuse(S, "/dev/null", ["scenario", "check", "/dev/null"])
    refuse(S, "FIFO", check, {"s.toml": fifo("s.toml")})
    refuse(S, "a folder", check, {"s.toml": folder("s.toml")})
    refuse(S, "missing file", check)
    refuse(S, "2 MB file", check, {"s.toml": big("s.toml", 2_000_000)})
    refuse(S, "binary", check, {"s.toml": bytes(range(256)) * 8})
    refuse(
        S,
        "Latin-1",
        check,
        {
            "s.toml": scenario()
            .replace("测试", "caf\u00e9")
            .encode("latin-1", "replace")
            .replace(b"caf?", b"caf\xe9")
        },
    )
    refuse(S, "NUL byte", check, {"s.toml": scenario() + "\x00"})
    refuse(S, "empty", check, {"s.toml": ""})
    refuse(S, "invalid TOML", check, {"s.toml": "[scenario\nname = 1"})
    refuse(
        S,
        "400-digit seed",
        check,
        {"s.toml": scenario().replace("seed = 7", "seed = " + "9" * 400)},
    )
    refuse(
        S,
        "5000-digit seed",
        check,
        {"s.toml": scenario().replace("seed = 7", "seed = " + "9" * 5000)},
    )
    refuse(S, "seed 2**64", check, {"s.toml": scenario().replace("seed = 7", f"seed = {2**64}")})
    refuse(S, "seed -1", check, {"s.toml": scenario().replace("seed = 7", "seed = -1")})
    for v in ("nan", "inf", "-inf", "0", "1.5", "-0.1", "true", '"0.1"'):
        refuse(
            S,
            f"sample_fraction = {v}",
            check,
            {"s.toml": scenario().replace("sample_fraction = 0.0005", f"sample_fraction = {v}")},
        )
    for v in ("0", "-1", "1001", "1e9", "2.5", "true", '"5"', "nan"):
        refuse(
            S,
            f"replicates = {v}",
            check,
            {"s.toml": scenario().replace("replicates = 1", f"replicates = {v}")},
        )
    for v in ("0", "-1", "601", "1200", "1.5", '"12"'):
        refuse(
            S,
            f"horizon months = {v}",
            check,
            {"s.toml": scenario().replace("months = 2", f"months = {v}")},
        )
    refuse(
        S,
        "1200 months from 2150",
        check,
        {
            "s.toml": scenario()
            .replace('start = "2024-01"', 'start = "2150-01"')
            .replace("months = 2", "months = 1200")
        },
    )
    refuse(
        S,
        "horizon past 2150",
        check,
        {
            "s.toml": scenario()
            .replace('start = "2024-01"', 'start = "2149-01"')
            .replace("months = 2", "months = 48")
        },
    )
    for v in (
        '"1949-12"',
        '"2151-01"',
        '"2024-13"',
        '"0000-01"',
        '"soon"',
        "2024-01-15",
        "2024-01-01T00:00:00",
    ):
        refuse(
            S,
            f"horizon start = {v}",
            check,
            {"s.toml": scenario().replace('start = "2024-01"', f"start = {v}")},
        )
    refuse(
        S,
        "end before start",
        check,
        {"s.toml": scenario().replace("months = 2", 'end = "2023-01"')},
    )
    refuse(
        S,
        "end 700 months on",
        check,
        {"s.toml": scenario().replace("months = 2", 'end = "2082-12"')},
    )
    refuse(S, "unknown top key", check, {"s.toml": scenario(extra="[bogus]\nx = 1")})
    refuse(
        S,
        "title 20,000 characters",
        check,
        {"s.toml": scenario().replace('zh = "测试"', 'zh = "' + "长" * 20000 + '"')},
    )
    refuse(
        S, "name with spaces", check, {"s.toml": scenario().replace('name = "s"', 'name = "a b"')}
    )
    refuse(S, "name not the file name", check, {"s.toml": scenario("other")})
    refuse(
        S,
        "baseline of itself",
        check,
        {"s.toml": scenario().replace('name = "s"', 'name = "s"\nbaseline = "s"')},
    )
    refuse(
        S,
        "baseline missing",
        check,
        {"s.toml": scenario().replace('name = "s"', 'name = "s"\nbaseline = "nope"')},
    )
    refuse(S, "key with newline", check, {"s.toml": scenario(extra='[outputs2]\n"a\\nb" = 1')})

    # ---- scenario TOML: overrides (bounds from each parameter's meaning)
    paths = [
        "dibao.standard", "dibao.floor_rural", "dibao.floor_urban", "tekun.basic_standard",
        "services.cap_share", "funding.transfer_share", "price_subsidy.cpi_threshold_pct",
        "price_subsidy.one_time_subsidy", "behaviour.job_loss_rate", "dibao.min_benefit",
    ]  # fmt: skip
    bad_lines = [
        "value = -5", "value = 1e300", "value = 1e12", "value = nan", "value = inf",
        'value = "high"', "value = true", "value = []", "relative = 8", "relative = 100",
        "relative = -1", "relative = 1e308", "relative = nan",
    ]  # fmt: skip
    for p in paths:
        for line in bad_lines:
            refuse(S, f"{p}: {line}", check, {"s.toml": scenario(extra=override(p, line))})
    accept(
        S,
        "dibao.standard relative = 0.08 (control)",
        check,
        {"s.toml": scenario(extra=override("dibao.standard", "relative = 0.08"))},
    )
    refuse(
        S,
        "value and relative",
        check,
        {"s.toml": scenario(extra=override("dibao.standard", "value = 1\nrelative = 0.1"))},
    )
    refuse(
        S,
        "unknown path",
        check,
        {"s.toml": scenario(extra=override("dibao.standardd", "value = 1"))},
    )
    refuse(
        S,
        "counties 5000 unknown",
        check,
        {
            "s.toml": scenario(
                extra=override(
                    "dibao.standard",
                    "relative = 0.1\ncounties = [" + ",".join(['"1"'] * 5000) + "]",
                )
            )
        },
    )
    refuse(
        S,
        "overrides from after horizon",
        check,
        {
            "s.toml": scenario(
                extra=override("dibao.standard", "relative = 0.1").replace(
                    'from = "2024-01"', 'from = "2030-01"'
                )
            )
        },
    )
    # shocks
    shock = '\n[[shocks]]\nkind = "disaster"\ncounties = ["532901"]\nfrom = "2024-01"\nmonths = {m}\nseverity = {s}\n'
    for m, s_ in (
        ("0", "0.5"),
        ("-1", "0.5"),
        ("601", "0.5"),
        ("2", "0"),
        ("2", "2"),
        ("2", "nan"),
        ("2", "-0.1"),
    ):
        refuse(
            S,
            f"shock months {m} severity {s_}",
            check,
            {"s.toml": scenario(extra=shock.format(m=m, s=s_))},
        )
    refuse(
        S,
        "shock unknown county",
        check,
        {"s.toml": scenario(extra=shock.format(m=2, s=0.5).replace("532901", "999999"))},
    )
    refuse(
        S,
        "shock kind volcano",
        check,
        {"s.toml": scenario(extra=shock.format(m=2, s=0.5).replace("disaster", "volcano"))},
    )
    # cpi coefficients
    for k, v in (("mean", "1e300"), ("ar", "1.5"), ("sd", "-1"), ("mean", "nan")):
        refuse(
            S,
            f"cpi.cpi.{k} = {v}",
            check,
            {"s.toml": scenario(extra=f'[cpi]\nmode = "stochastic"\ncpi = {{ {k} = {v} }}\n')},
        )

    # ---- CPI CSV
    C = "CPI CSV"
    sc = csv_scenario()
    accept(C, "valid CSV (control)", check, {"s.toml": sc, "cpi.csv": cpi_csv()})
    refuse(
        C,
        "200,000-character field",
        check,
        {"s.toml": sc, "cpi.csv": cpi_csv() + "2024-03," + "1" * 200_000 + ",2\n"},
    )
    refuse(
        C,
        "20,001-character month",
        check,
        {"s.toml": sc, "cpi.csv": cpi_csv().replace("2024-01", "2" * 20001, 1)},
    )
    refuse(C, "NUL byte", check, {"s.toml": sc, "cpi.csv": cpi_csv() + "\x00"})
    refuse(C, "FIFO", check, {"s.toml": sc, "cpi.csv": fifo("cpi.csv")})
    refuse(C, "a folder", check, {"s.toml": sc, "cpi.csv": folder("cpi.csv")})
    refuse(C, "21 MB", check, {"s.toml": sc, "cpi.csv": big("cpi.csv", 21_000_000, b"1")})
    refuse(C, "binary", check, {"s.toml": sc, "cpi.csv": bytes(range(1, 256)) * 40})
    refuse(
        C,
        "Latin-1 byte",
        check,
        {"s.toml": sc, "cpi.csv": cpi_csv().encode() + b"2024-03,1,2,caf\xe9\n"},
    )
    refuse(C, "empty", check, {"s.toml": sc, "cpi.csv": ""})
    refuse(C, "header only", check, {"s.toml": sc, "cpi.csv": CSV_HEAD})
    refuse(
        C,
        "missing column",
        check,
        {"s.toml": sc, "cpi.csv": cpi_csv().replace(",food_cpi_yoy_pct", "")},
    )
    refuse(
        C,
        "unknown column",
        check,
        {"s.toml": sc, "cpi.csv": cpi_csv().replace("food_cpi_yoy_pct", "food_cpi_yoy_pct,zzz")},
    )
    refuse(C, "too many fields", check, {"s.toml": sc, "cpi.csv": cpi_csv() + "2024-03,1,2,3,4\n"})
    refuse(C, "300 columns", check, {"s.toml": sc, "cpi.csv": CSV_HEAD.strip() + "," * 300 + "\n"})
    refuse(C, "unclosed quote", check, {"s.toml": sc, "cpi.csv": cpi_csv() + '2024-03,"1,2\n'})
    for v in ("nan", "inf", "-inf", "1e400", "abc", "", "1e300", "-101", "0x10"):
        refuse(
            C,
            f"cpi_yoy_pct = {v!r}",
            check,
            {"s.toml": sc, "cpi.csv": cpi_csv().replace("2024-02,1.0", f"2024-02,{v}")},
        )
    for v in ("2024-13", "2024-02-15", "24-02", "soon", "2024-02-01T00"):
        refuse(
            C,
            f"month = {v!r}",
            check,
            {"s.toml": sc, "cpi.csv": cpi_csv().replace("2024-02,", f"{v},")},
        )
    refuse(C, "duplicated month", check, {"s.toml": sc, "cpi.csv": cpi_csv() + "2024-02,1.0,2.0\n"})
    refuse(
        C,
        "missing month",
        check,
        {"s.toml": sc, "cpi.csv": cpi_csv().replace("2024-02,1.0,2.0\n", "")},
    )
    refuse(
        C,
        "bad status",
        check,
        {
            "s.toml": sc,
            "cpi.csv": cpi_csv()
            .replace("food_cpi_yoy_pct", "food_cpi_yoy_pct,status")
            .replace(",2.0\n", ",2.0,guess\n"),
        },
    )
    refuse(
        C,
        "bad geo",
        check,
        {
            "s.toml": sc,
            "cpi.csv": cpi_csv()
            .replace("food_cpi_yoy_pct", "food_cpi_yoy_pct,geo")
            .replace(",2.0\n", ",2.0,mars\n"),
        },
    )
    refuse(C, "CSV file outside (missing)", check, {"s.toml": sc})

    # ---- rule cases YAML
    Y = "rule case YAML"
    cs = ["cases", "c.yaml"]
    accept(Y, "valid case (control)", cs, {"c.yaml": CASE_OK})
    refuse(Y, "binary", cs, {"c.yaml": bytes(range(256)) * 4})
    refuse(Y, "Latin-1", cs, {"c.yaml": CASE_OK.encode() + b"# caf\xe9\n"})
    refuse(Y, "NUL byte", cs, {"c.yaml": CASE_OK + "\x00"})
    refuse(Y, "FIFO", cs, {"c.yaml": fifo("c.yaml")})
    refuse(Y, "6 MB", cs, {"c.yaml": big("c.yaml", 6_000_000)})
    refuse(Y, "empty", cs, {"c.yaml": ""})
    refuse(Y, "not a list", cs, {"c.yaml": "a: 1\n"})
    refuse(
        Y, "age 10**23", cs, {"c.yaml": CASE_OK.replace("age: 40", "age: 100000000000000000000000")}
    )
    refuse(Y, "age 400 digits", cs, {"c.yaml": CASE_OK.replace("age: 40", "age: " + "9" * 400)})
    refuse(Y, "age 5000 digits", cs, {"c.yaml": CASE_OK.replace("age: 40", "age: " + "9" * 5000)})
    for v in ("-1", "151", "40.5", ".nan", ".inf", "true", "forty"):
        refuse(Y, f"age: {v}", cs, {"c.yaml": CASE_OK.replace("age: 40", f"age: {v}")})
    for v in (".nan", ".inf", "-.inf", "1e300", "1.0e+300"):
        refuse(
            Y,
            f"income_wage: {v}",
            cs,
            {"c.yaml": CASE_OK.replace("age: 40", f"age: 40, income_wage: {v}")},
        )
    refuse(Y, "deep nesting 3000", cs, {"c.yaml": "- " + "[" * 3000 + "]" * 3000 + "\n"})
    refuse(
        Y,
        "deep block nesting 100",
        cs,
        {"c.yaml": "".join("  " * i + f"k{i}:\n" for i in range(100)) + "  " * 100 + "v"},
    )
    laughs = "a: &a [" + ",".join(["x"] * 10) + "]\n"
    for i in range(1, 10):
        laughs += f"{chr(97 + i)}: &{chr(97 + i)} [" + ",".join([f"*{chr(96 + i)}"] * 10) + "]\n"
    refuse(Y, "billion laughs", cs, {"c.yaml": laughs})
    margin_laughs = CASE_OK.replace(
        "  expected:", "  margin: &m [[1,2],[3,4]]\n  description: *m\n  expected:"
    )
    refuse(
        Y,
        "billion laughs in margin",
        cs,
        {"c.yaml": "x: &a [" + ",".join(["y"] * 9) + "]\n" + margin_laughs},
    )
    refuse(Y, "one anchor", cs, {"c.yaml": CASE_OK.replace("members:", "members: &m")})
    for v in (".nan", ".inf", "-1", "true", '"1"', "1e400"):
        refuse(
            Y,
            f"margin: {v}",
            cs,
            {"c.yaml": CASE_OK.replace("  expected:", f"  margin: {v}\n  expected:")},
        )
    for v in ("-5", "1e300", ".nan", "1e12"):
        refuse(
            Y,
            f"dibao.standard override {v}",
            cs,
            {
                "c.yaml": CASE_OK.replace(
                    "  expected:", f"  overrides:\n    dibao.standard: {{rural: {v}}}\n  expected:"
                )
            },
        )
    for p_, v in (
        ("dibao.floor_rural", "-1"),
        ("services.cap_share", "1.5"),
        ("funding.transfer_share", "-0.1"),
        ("behaviour.job_loss_rate", "2"),
    ):
        refuse(
            Y,
            f"{p_} override {v}",
            cs,
            {"c.yaml": CASE_OK.replace("  expected:", f"  overrides:\n    {p_}: {v}\n  expected:")},
        )
    refuse(
        Y,
        "1000 members",
        cs,
        {"c.yaml": CASE_OK.replace("      - {age: 40}\n", "      - {age: 40}\n" * 1000)},
    )
    refuse(Y, "unknown key", cs, {"c.yaml": CASE_OK.replace("  period:", "  bogus: 1\n  period:")})
    refuse(Y, "unknown county", cs, {"c.yaml": CASE_OK.replace("530102", "999999")})
    refuse(Y, "bad period", cs, {"c.yaml": CASE_OK.replace("2024-03", "2024-13")})
    refuse(
        Y, "unknown output", cs, {"c.yaml": CASE_OK.replace("dibao_eligible: true", "bogus: true")}
    )
    refuse(Y, "python tag", cs, {"c.yaml": "- !!python/object/apply:os.system ['echo hi']\n"})
    refuse(
        Y,
        "long name 20000",
        cs,
        {"c.yaml": CASE_OK.replace("single rural adult, no income", "n" * 20000)},
    )
    refuse(
        Y,
        "eval in expected",
        cs,
        {
            "c.yaml": CASE_OK.replace(
                "dibao_eligible: true", "dibao_benefit: \"__import__('os').system('x')\""
            )
        },
    )
    refuse(
        Y,
        "huge exponent expression",
        cs,
        {"c.yaml": CASE_OK.replace("dibao_eligible: true", 'dibao_benefit: "9**9**9**9"')},
    )

    # ---- results files (compare / report)
    R = "results NetCDF"
    cmp_ = ["compare", "a.nc", "r.nc", "--out", "cmp"]
    ok_a = {"a.nc": lambda d: (results()(d), os.replace(d / "r.nc", d / "a.nc"))[0]}
    accept(
        R,
        "valid results (control)",
        cmp_,
        {**ok_a, "r.nc": results()},
        outputs=("cmp/compare.xlsx", "cmp/compare.csv"),
        timeout=120,
    )
    for m in ("dup_months", "reversed_months", "unknown_county", "dup_county", "no_record",
              "bad_record", "drop:spending", "drop:budget_need", "no_month_dim",
              "value:spending:nan", "value:spending:inf", "value:budget_need:-1",
              "value:transfers:-5", "value:cases_persons:-1", "value:standard_rural:nan",
              "value:cpi_yoy_pct:nan"):  # fmt: skip
        refuse(R, f"compare: {m}", cmp_, {**ok_a, "r.nc": results(m)})
        refuse(R, f"report: {m}", ["report", "r.nc", "--out", "rep"], {"r.nc": results(m)})
    refuse(R, "empty file", cmp_, {**ok_a, "r.nc": ""})
    refuse(R, "random bytes", cmp_, {**ok_a, "r.nc": os.urandom(4096)})
    refuse(
        R,
        "truncated",
        cmp_,
        {
            **ok_a,
            "r.nc": lambda d: (
                results()(d),
                (d / "r.nc").write_bytes((d / "r.nc").read_bytes()[:2000]),
            )[0],
        },
    )
    refuse(R, "a TOML named .nc", cmp_, {**ok_a, "r.nc": scenario()})
    refuse(R, "FIFO", cmp_, {**ok_a, "r.nc": fifo("r.nc")})
    refuse(R, "missing", cmp_, ok_a)
    refuse(R, "folder without .nc", ["report", "rdir"], {"rdir": folder("rdir")})
    refuse(
        R,
        "compare --out an existing file",
        ["compare", "a.nc", "r.nc", "--out", "f"],
        {**ok_a, "r.nc": results(), "f": "x"},
    )
    refuse(
        R,
        "compare --out /sys/x",
        ["compare", "a.nc", "r.nc", "--out", "/sys/x"],
        {**ok_a, "r.nc": results()},
    )
    refuse(
        R,
        "compare --out /proc/x",
        ["compare", "a.nc", "r.nc", "--out", "/proc/x"],
        {**ok_a, "r.nc": results()},
    )
    refuse(
        R,
        "compare --out under a file",
        ["compare", "a.nc", "r.nc", "--out", "f/x"],
        {**ok_a, "r.nc": results(), "f": "x"},
    )
    refuse(
        R,
        "compare --lang fr",
        ["compare", "a.nc", "r.nc", "--lang", "fr"],
        {**ok_a, "r.nc": results()},
    )
    refuse(
        R,
        "report --lang fr",
        ["report", "r.nc", "--lang", "fr", "--out", "rep"],
        {"r.nc": results()},
    )
    refuse(
        R,
        "report --baseline garbage",
        ["report", "r.nc", "--baseline", "b.nc", "--out", "rep"],
        {"r.nc": results(), "b.nc": "garbage"},
    )

    # ---- command line and environment
    OPT = "CLI options / env"
    run = ["run", "s.toml", "--out", "out"]
    sfile = {"s.toml": scenario()}
    for opt, vals in (
        ("--months", ("0", "-1", "601", "3", "abc", "1e3")),
        ("--replicates", ("0", "-1", "1001", "x")),
        ("--sample", ("0", "-0.1", "1.5", "nan", "inf", "x")),
        ("--threads", ("0", "-1", "100000")),
        ("--lang", ("fr", "", "ZH", "zh\n")),
    ):
        for v in vals:
            refuse(OPT, f"run {opt} {v!r}", [*run, opt, v], dict(sfile))
    for v in ("abc", "0", "-1", "1e9", "999999999999", "1.5", "٣"):
        refuse(
            OPT,
            f"SAFETYNET_THREADS={v!r} run",
            list(run),
            dict(sfile),
            env={"SAFETYNET_THREADS": v},
        )
        refuse(OPT, f"SAFETYNET_THREADS={v!r} version", ["version"], env={"SAFETYNET_THREADS": v})
    refuse(OPT, "run --baseline missing", [*run, "--baseline", "nope.nc", "--report"], dict(sfile))
    refuse(
        OPT,
        "run --baseline garbage",
        [*run, "--baseline", "b.nc", "--report"],
        {**sfile, "b.nc": "garbage"},
    )
    refuse(
        OPT,
        "run --baseline with NaN",
        [*run, "--baseline", "r.nc", "--report"],
        {**sfile, "r.nc": results("value:spending:nan")},
    )
    refuse(OPT, "run --out an existing file", ["run", "s.toml", "--out", "f"], {**sfile, "f": "x"})
    refuse(OPT, "run --out /sys/x", ["run", "s.toml", "--out", "/sys/x"], dict(sfile))
    refuse(OPT, "run --out /proc/x", ["run", "s.toml", "--out", "/proc/x"], dict(sfile))
    refuse(OPT, "run --out under a file", ["run", "s.toml", "--out", "f/x"], {**sfile, "f": "x"})
    refuse(OPT, "run --out locked by a live run", list(run), {**sfile, "lock": lock(me)})
    refuse(OPT, "run: scenario missing", list(run))
    refuse(OPT, "run: scenario FIFO", list(run), {"s.toml": fifo("s.toml")})
    refuse(OPT, "run: scenario /dev/zero", ["run", "/dev/zero", "--out", "out"])
    refuse(OPT, "unknown command", ["frobnicate"])
    refuse(OPT, "unknown option", ["run", "s.toml", "--frob"], dict(sfile))
    sw = ["sweep", "s.toml", "--out", "sw"]
    for opt, v in (("--workers", "0"), ("--workers", "-1"), ("--workers", "65"),
                   ("--replicates", "0"), ("--replicates", "-1"), ("--months", "0"),
                   ("--months", "-1"), ("--months", "3"), ("--sample", "0")):  # fmt: skip
        refuse(OPT, f"sweep {opt} {v}", [*sw, opt, v], dict(sfile))
    refuse(OPT, "sweep s.toml s.toml", ["sweep", "s.toml", "s.toml", "--out", "sw"], dict(sfile))
    refuse(
        OPT, "sweep s.toml ./s.toml", ["sweep", "s.toml", "./s.toml", "--out", "sw"], dict(sfile)
    )
    refuse(
        OPT,
        "sweep: two files, one name",
        ["sweep", "s.toml", "b/s.toml", "--out", "sw"],
        {**sfile, "b": folder("b"), "b/s.toml": scenario()},
    )
    for addr in (
        "tcp://127.0.0.1:1",
        "tcp://10.255.255.1:8786",
        "garbage",
        "http://x:1",
        "tcp://host:99999",
        "tcp://nonexistent.invalid:8786",
    ):
        refuse(
            OPT, f"sweep --scheduler {addr}", [*sw, "--scheduler", addr], dict(sfile), timeout=30
        )
    refuse(
        OPT, "sweep --out an existing file", ["sweep", "s.toml", "--out", "f"], {**sfile, "f": "x"}
    )
    refuse(OPT, "sweep --out /sys/x", ["sweep", "s.toml", "--out", "/sys/x"], dict(sfile))
    refuse(OPT, "cases: missing", ["cases", "nope.yaml"])
    refuse(OPT, "cases: empty folder", ["cases", "d"], {"d": folder("d")})
    refuse(
        OPT,
        "cases --parameters missing",
        ["cases", "c.yaml", "--parameters", "nope"],
        {"c.yaml": CASE_OK},
    )

    # ---- planner workbooks (--inputs, issue #15)
    W = "workbook (--inputs)"

    def bomb(d: Path) -> None:
        import zipfile

        with zipfile.ZipFile(d / "in.xlsx", "w", compression=zipfile.ZIP_DEFLATED) as z:
            z.writestr("xl/worksheets/sheet1.xml", b"\0" * 60_000_000)

    def sheet_text(d: Path) -> None:
        from openpyxl import Workbook

        wb = Workbook()
        wb.active.append(["=cmd|' /C calc'!A0", "x" * 20_000])
        wb.save(d / "in.xlsx")

    inp = [*run, "--inputs", "in.xlsx"]
    for label, content in (
        ("missing", None), ("FIFO", fifo("in.xlsx")), ("a folder", folder("in.xlsx")),
        ("CSV named .xlsx", "a,b\n1,2\n"), ("random bytes", os.urandom(3000)),
        ("zip bomb", bomb), ("60 MB", big("in.xlsx", 60_000_000)), ("empty", ""),
        ("foreign workbook", sheet_text), ("truncated zip", b"PK\x03\x04" + b"\0" * 100),
    ):  # fmt: skip
        files: Files = dict(sfile)
        if content is not None:
            files["in.xlsx"] = content
        refuse(W, f"--inputs {label}", list(inp), files)

    # ---- budget-year commands of issue #14 (solve, frontier)
    solve = ["solve", "s.toml", "--year", "2024"]
    for extra in (
        ["--budget", "nan"], ["--budget", "inf"], ["--budget", "-5"], ["--budget", "0"],
        ["--persons", "-1"], ["--budget-over-baseline", "8"], ["--budget-over-baseline", "nan"],
        ["--budget", "1e9", "--persons", "5"], [], ["--budget", "1e9", "--xtol", "0"],
        ["--budget", "1e9", "--lo", "5", "--hi", "-5"], ["--budget", "1e9", "--areas", "bogus"],
        ["--budget", "1e9", "--prefecture", "999999"], ["--budget", "1e9", "--sample", "0"],
        ["--budget", "1e9", "--out", "f"], ["--budget", "1e9", "--out", "/sys/x"],
    ):  # fmt: skip
        refuse(OPT, f"solve {' '.join(extra)}", [*solve, *extra], {**sfile, "f": "x"})
    refuse(
        OPT,
        "solve --year 1900",
        ["solve", "s.toml", "--year", "1900", "--budget", "1e9"],
        dict(sfile),
    )
    fr = ["frontier", "s.toml", "--year", "2024"]
    for extra in (
        ["--out", "f"], ["--out", "/sys/x"], ["--rural", "nan"], ["--rural", "5"],
        ["--urban", "a,b"], ["--lang", "fr"], ["--replicates", "0"],
    ):  # fmt: skip
        refuse(OPT, f"frontier {' '.join(extra)}", [*fr, *extra], {**sfile, "f": "x"})
    refuse(
        OPT,
        "frontier --year 99999999999",
        ["frontier", "s.toml", "--year", "99999999999"],
        dict(sfile),
    )

    # ---- outputs (lock, leftovers) — runs that must succeed
    U = "outputs"

    def stale(d: Path) -> None:
        lock(2**22 + 12345)(d)  # a pid beyond pid_max: the process is gone
        (d / "out" / ".results.nc.abcd.tmp").write_bytes(b"half")

    accept(
        U,
        "stale lock of a killed run taken over, .tmp removed",
        list(run),
        {**sfile, "stale": stale},
        outputs=("out/results.nc",),
        timeout=RUN_TIMEOUT_S,
    )
    return out


# ------------------------------------------------------------------------------ running


@dataclass
class Outcome:
    case: Case
    rc: int | None
    stderr: str
    seconds: float
    new_files: list[str]
    verdict: str = ""


def _write_files(d: Path, files: Files) -> None:
    for name, content in files.items():
        if callable(content):
            content(d)
        elif isinstance(content, bytes):
            (d / name).write_bytes(content)
        else:
            (d / name).write_text(content, encoding="utf-8")


def _snapshot(d: Path) -> set[str]:
    out = set()
    for root, dirs, files in os.walk(d):
        for f in files:
            out.add(os.path.relpath(os.path.join(root, f), d))
        for x in dirs:
            out.add(os.path.relpath(os.path.join(root, x), d) + "/")
    return out


def run_case(case: Case, base: Path) -> Outcome:
    d = Path(tempfile.mkdtemp(prefix="case.", dir=base))
    _write_files(d, case.files)
    before = _snapshot(d)
    err_path = d.parent / (d.name + ".stderr")
    out_path = d.parent / (d.name + ".stdout")
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # child
        code = 99
        try:
            os.chdir(d)
            os.environ.update(case.env)
            fd_err = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            fd_out = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.dup2(fd_out, 1)
            os.dup2(fd_err, 2)
            sys.stdout = io.TextIOWrapper(os.fdopen(1, "wb", closefd=False), write_through=True)
            sys.stderr = io.TextIOWrapper(os.fdopen(2, "wb", closefd=False), write_through=True)
            from safetynet.cli import main

            try:
                main(case.argv)
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:
            traceback.print_exc()
            code = 99
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(code)
    rc: int | None = None
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            rc = os.waitstatus_to_exitcode(status)
            break
        if time.perf_counter() - started > case.timeout:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            break
        time.sleep(0.02)
    seconds = time.perf_counter() - started
    stderr = err_path.read_text(encoding="utf-8", errors="replace")
    new = sorted(_snapshot(d) - before)
    return Outcome(case, rc, stderr, seconds, new)


def classify(o: Outcome) -> str:
    c = o.case
    lines = [x for x in o.stderr.splitlines() if x.strip()]
    if o.rc is None:
        return "hang"
    if "Traceback" in o.stderr or o.rc not in (0, 1, 2):
        return "traceback"
    if c.accept:
        if o.rc != 0:
            return "wrong refusal"
        left = [f for f in o.new_files if f.endswith((".tmp", ".safetynet.lock"))]
        missing = [f for f in c.outputs if f not in o.new_files]
        return "partial output" if left or missing else "valid"
    if o.rc in (0, 1):
        return "wrong acceptance"
    if o.new_files:
        return "partial output"
    # a workbook refusal lists every bad cell: "error: N bad cells in F (nothing was run):"
    # then one indented "F: Sheet!B7: expected ..." line per cell (safetynet.inputs, #15)
    listed = all(x.startswith("  ") and ": expected " in x for x in lines[1:])
    if not lines or not lines[0].startswith("error: ") or (len(lines) > 1 and not listed):
        return "not one line"
    return "clean"


COLUMNS = ("clean", "valid", "traceback", "hang", "wrong acceptance", "wrong refusal",
           "partial output", "not one line")  # fmt: skip


def table(outcomes: list[Outcome]) -> str:
    kinds = list(dict.fromkeys(o.case.kind for o in outcomes))
    head = ("| input kind | tried | clean exit 2 | valid runs (controls) | tracebacks | hangs "
            "| wrong acceptances | wrong refusals | partial outputs | not one line |")  # fmt: skip
    rows = [head, "|" + "---|" * 10]

    def row(label: str, sel: list[Outcome]) -> str:
        counts = [sum(o.verdict == k for o in sel) for k in COLUMNS]
        return f"| {label} | {len(sel)} | " + " | ".join(str(n) for n in counts) + " |"

    for k in kinds:
        rows.append(row(k, [o for o in outcomes if o.case.kind == k]))
    rows.append(row("**all**", outcomes))
    return "\n".join(rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--table", type=Path, help="markdown file whose table block is replaced")
    ap.add_argument("--only", help="run only the cases of this kind (substring)")
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    all_cases = [c for c in cases() if not args.only or args.only in c.kind]
    if args.list:
        for c in all_cases:
            print(f"{c.kind}: {c.name}")
        print(f"{len(all_cases)} cases")
        return 0
    os.environ.setdefault("SAFETYNET_THREADS", "1")
    # load the package and its data once; every child inherits them
    from safetynet import cli, refdata, simulation, sweep  # noqa: F401
    from safetynet.params import load_parameters

    load_parameters()
    refdata.counties()
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="hostile.") as tmp:
        for i, c in enumerate(all_cases, 1):
            o = run_case(c, Path(tmp))
            o.verdict = classify(o)
            outcomes.append(o)
            bad = o.verdict not in ("clean", "valid")
            if bad or args.verbose:
                first = o.stderr.strip().splitlines()[-1:] if o.stderr.strip() else [""]
                print(f"[{i}/{len(all_cases)}] {o.verdict.upper()}: {c.kind}: {c.name} "
                      f"(rc {o.rc}, {o.seconds:.1f} s) {first[0][:200]}")  # fmt: skip
                if bad and o.new_files:
                    print(f"    new files: {o.new_files[:5]}")
    text = table(outcomes)
    total = sum(o.seconds for o in outcomes)
    print(text)
    print(f"{len(outcomes)} cases in {total:.0f} s")
    if args.table is not None:
        doc = args.table.read_text(encoding="utf-8")
        a, b = doc.index(TABLE_START), doc.index(TABLE_END)
        stamp = time.strftime("%Y-%m-%d %H:%M")
        block = (f"{TABLE_START}\n{text}\n\n{len(outcomes)} inputs, run {stamp} with "
                 f"`scripts/hostile_inputs.py` in {total:.0f} s.\n")  # fmt: skip
        args.table.write_text(doc[:a] + block + doc[b:], encoding="utf-8")
    return 0 if all(o.verdict in ("clean", "valid") for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
