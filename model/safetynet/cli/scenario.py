"""`safetynet scenario check FILE...` and `safetynet scenario diff A B` (情景文件：检查与比较)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from safetynet import refdata
from safetynet.errors import SafetynetError
from safetynet.params import CountyParameter, DiffRow, ParameterSet, Value
from safetynet.scenario import Scenario, diff_scenarios, load_scenario

COLUMNS: tuple[tuple[str, str], ...] = (
    ("参数", "Parameter"),
    ("名称", "Name"),
    ("范围", "Where"),
    ("期间", "Period"),
    ("原值 → 新值", "Old → New"),
    ("单位", "Unit"),
    ("状态", "Status"),
    ("依据", "Reference"),
)


def register(app: typer.Typer) -> None:
    """Add the ``scenario`` sub-app (check, diff) to the main app."""
    sub = typer.Typer(
        help="Scenario files: validate and compare (情景文件：检查与比较).",
        no_args_is_help=True,
    )
    sub.command("check")(check)
    sub.command("diff")(diff)
    app.add_typer(sub, name="scenario")


def summary_line(s: Scenario, file: Path | str) -> str:
    """One line describing a valid scenario (``ok: FILE (...)``)."""
    n = s.n_override_entries
    shocks = len(s.shocks)
    return (
        f"ok: {file} ({s.name}, {n} override{'s' * (n != 1)}, "
        f"horizon {s.start:%Y-%m}..{s.end:%Y-%m} ({s.months} months), "
        f"{s.replicates} replicate{'s' * (s.replicates != 1)} × {s.sample_fraction:g} sample, "
        f"cpi {s.cpi.mode}, {shocks} shock{'s' * (shocks != 1)})"
    )


def check(
    files: Annotated[list[Path], typer.Argument(help="scenario TOML files 情景文件")],
) -> None:
    """检查情景文件（不运行）。Validate scenario files without running them; exit code 2 if any
    is invalid (one error line per bad file)."""
    bad = 0
    for file in files:
        try:
            s = load_scenario(file)
            if s.inputs_file is not None:  # the planner's workbook: every cell checked too
                from safetynet.inputs import read_inputs

                read_inputs(s.inputs_file)
        except SafetynetError as exc:
            bad += 1
            print(f"error: {exc}", file=sys.stderr)
            continue
        print(summary_line(s, file))
    if bad:
        # SystemExit (not typer.Exit): the status must survive click's non-standalone mode.
        raise SystemExit(2)


def diff(
    a: Annotated[Path, typer.Argument(help="old scenario 原情景 (e.g. scenarios/baseline.toml)")],
    b: Annotated[Path, typer.Argument(help="new scenario 新情景")],
    as_json: Annotated[bool, typer.Option("--json", help="print JSON rows 输出JSON")] = False,
    summary: Annotated[
        bool, typer.Option("--summary", help="one row per parameter, date and key 按参数汇总")
    ] = False,
) -> None:
    """比较两个情景的参数差异。Print the parameter differences from A to B with their
    references."""
    sa, sb = load_scenario(a), load_scenario(b)
    rows = diff_scenarios(sa, sb)
    new = sb.parameters()
    table = summarise(rows, new) if summary else [row_cells(r, new) for r in rows]
    if as_json:
        print(json.dumps(table, ensure_ascii=False, indent=1))
        return
    if not rows:
        print(f"无参数差异 no parameter differences: {sa.name} → {sb.name}")
        return
    _print_table(table, f"{sa.name} → {sb.name}: {len(rows)} 处差异 differences")


def _fmt(v: Value | None) -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}={_fmt(x)}" for k, x in v.items()) + "}"
    return str(v)


def _change(old: Value | None, new: Value | None) -> str:
    nums = (int, float)
    if (
        isinstance(old, nums)
        and isinstance(new, nums)
        and not isinstance(old, bool)
        and not isinstance(new, bool)
        and old != 0
    ):
        return f" ({(new - old) / abs(old):+.1%})"
    return ""


def _where(where: str) -> str:
    if not where:
        return ""
    code, _, key = where.partition("/")
    return f"{code} {_county_name(code)} / {key}".replace("  ", " ")


def _county_name(code: str) -> str:
    t = refdata.counties()
    try:
        return str(t.name_zh[int(t.index_of(code)[0])])
    except refdata.UnknownCountyError:
        return ""


def until(r: DiffRow, new: ParameterSet) -> dt.date | None:
    """Last day the new value of a diff row is in force (None: open-ended)."""
    p = new[r.path]
    if isinstance(p, CountyParameter):
        code, _, key = r.where.partition("/")
        entries = p.entries[(code, key)]
    else:
        entries = p.entries
    later = [e.start for e in entries if e.start > r.start]
    return min(later) - dt.timedelta(days=1) if later else None


def row_cells(r: DiffRow, new: ParameterSet) -> dict[str, Any]:
    """A diff row as JSON-able cells; ``until`` is the last day of the new value (or None)."""
    end = until(r, new)
    return {
        "path": r.path,
        "label_zh": r.label_zh,
        "label_en": r.label_en,
        "where": r.where,
        "from": r.start.isoformat(),
        "until": end.isoformat() if end else None,
        "old": r.old,
        "new": r.new,
        "unit": r.unit,
        "status": r.status,
        "reference": r.reference,
    }


def summarise(rows: Sequence[DiffRow], new: ParameterSet) -> list[dict[str, Any]]:
    """County rows grouped by (path, from, key, reference): counts and value ranges."""
    groups: dict[tuple[str, str, str, str], list[DiffRow]] = {}
    for r in rows:
        key = r.where.partition("/")[2] if r.where else ""
        groups.setdefault((r.path, r.start.isoformat(), key, r.reference), []).append(r)
    out = []
    for (_, start, key, ref), grp in groups.items():
        first = grp[0]
        cells = row_cells(first, new)
        cells.update({"from": start, "reference": ref})
        if first.where:
            cells["where"] = f"{len(grp)} counties/{key}"
            for side in ("old", "new"):
                vals = [getattr(r, side) for r in grp]
                nums = [float(v) for v in vals if isinstance(v, int | float)]
                cells[side] = [min(nums), max(nums)] if len(nums) == len(vals) else vals[0]
        out.append(cells)
    return out


def _span(v: Any) -> str:
    if isinstance(v, list) and len(v) == 2:
        lo, hi = v
        return _fmt(lo) if lo == hi else f"{_fmt(lo)}..{_fmt(hi)}"
    return _fmt(v)


def _print_table(cells: Sequence[dict[str, Any]], title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=None if sys.stdout.isatty() else 200)
    table = Table(title=title, show_lines=False)
    for zh, en in COLUMNS:
        table.add_column(f"{zh}\n{en}", overflow="fold")
    for c in cells:
        where = c["where"] if " counties/" in c["where"] else _where(c["where"])
        old, new = c["old"], c["new"]
        change = "" if isinstance(old, list) else _change(old, new)
        table.add_row(
            c["path"],
            f"{c['label_zh']}\n{c['label_en']}",
            where,
            c["from"][:7] + (f"..{c['until'][:7]}" if c["until"] else ""),
            f"{_span(old)} → {_span(new)}{change}",
            _unit_zh_en(str(c["unit"])),
            c["status"],
            c["reference"],
        )
    console.print(table)


def _unit_zh_en(u: str) -> str:
    """A unit in both languages (元/人·月 over yuan/person/month) for the bilingual diff table."""
    from safetynet.report.i18n import unit

    zh = unit(u, "zh")
    return u if zh == u else f"{zh}\n{u}"
