"""`safetynet params`: list the policy parameters (参数) and show one with all its dated values.

``safetynet params list [--at DATE] [--status S] [--json]`` prints every parameter with its value in
force on a date; county tables are summarised (min / median / max over counties).
``safetynet params show PATH [--county CODE] [--json]`` prints every dated value with its status,
reference and note. Humans get rich tables; ``--json`` prints plain JSON (UTF-8, not escaped).
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import sys
from collections import Counter
from typing import Annotated, Any

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from safetynet.errors import ParameterError
from safetynet.params import (
    AnyParameter,
    CountyParameter,
    Entry,
    Parameter,
    ParameterSet,
    Value,
    load_parameters,
    parse_date,
)

STATUS_LABELS = {
    "official": "official 官方",
    "estimated": "estimated 估计",
    "calibrated": "calibrated 校准",
    "scenario": "scenario 情景",
}


class Status(enum.StrEnum):
    """Statuses a user can filter on."""

    official = "official"
    estimated = "estimated"
    calibrated = "calibrated"


# ------------------------------------------------------------------------------ data


def _when(at: str | None) -> dt.date:
    return dt.date.today() if at is None else parse_date(at, "command line", "--at")


def _plain(value: Value) -> Any:
    """A parameter value as plain JSON data."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def fmt_value(value: Value) -> str:
    """A value for people: numbers without trailing zeros, mappings as key=value.

    >>> fmt_value({"able": 50, "unable": 500.0}), fmt_value(0.10), fmt_value(True)
    ('able=50, unable=500', '0.1', 'true')
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return ", ".join(f"{k}={fmt_value(v)}" for k, v in value.items())
    if isinstance(value, float):
        return f"{value:g}" if value.is_integer() or abs(value) >= 1e-3 else repr(value)
    return str(value)


def _entry_json(e: Entry) -> dict[str, Any]:
    return {
        "from": e.start.isoformat(),
        "value": _plain(e.value),
        "status": e.status,
        "reference": e.reference,
        "note": e.note,
    }


def _summary(p: CountyParameter, when: dt.date) -> dict[str, dict[str, Any]]:
    """Per key: min / median / max over counties and status counts, on ``when``."""
    out: dict[str, dict[str, Any]] = {}
    for k in p.keys:
        x = p.at(when, k)
        counts = Counter(str(s) for s in p.statuses_at(when, k))
        out[k] = {
            "min": _plain(float(np.min(x))),
            "median": _plain(float(np.median(x))),
            "max": _plain(float(np.max(x))),
            "status_counts": dict(sorted(counts.items())),
        }
    return out


def _county_status(summary: dict[str, dict[str, Any]]) -> tuple[str, dict[str, int]]:
    counts: Counter[str] = Counter()
    for s in summary.values():
        counts.update(s["status_counts"])
    return (next(iter(counts)) if len(counts) == 1 else "mixed"), dict(sorted(counts.items()))


def _references(p: CountyParameter, when: dt.date) -> list[str]:
    refs = Counter(p.entry_at(when, c, k).reference for c in p.county_codes for k in p.keys)
    return [r for r, _ in refs.most_common()]


def list_rows(ps: ParameterSet, when: dt.date, status: str | None = None) -> list[dict[str, Any]]:
    """One plain row per parameter with its value in force on ``when`` (JSON-ready).

    ``status`` keeps scalars whose value in force has that status and county tables where at
    least one county's value has it.
    """
    rows: list[dict[str, Any]] = []
    for p in ps:
        row: dict[str, Any] = {
            "path": p.path,
            "label_zh": p.label_zh,
            "label_en": p.label_en,
            "unit": p.unit,
            "type": p.type,
        }
        if isinstance(p, CountyParameter):
            summary = _summary(p, when)
            st, counts = _county_status(summary)
            if status is not None and status not in counts:
                continue
            refs = _references(p, when)
            row |= {
                "table": True,
                "value": summary,
                "status": st,
                "status_counts": counts,
                "reference": refs[0] if refs else "",
                "references": refs,
            }
        else:
            e = p.entry_at(when)
            if status is not None and e.status != status:
                continue
            row |= {
                "table": False,
                "value": _plain(e.value),
                "from": e.start.isoformat(),
                "status": e.status,
                "reference": e.reference,
                "note": e.note,
            }
        rows.append(row)
    return rows


def _county_index(p: CountyParameter, county: str) -> str:
    from safetynet import places

    place = places.lookup(county)
    code = place.code if place is not None and place.kind == places.COUNTY else county.strip()
    if code not in p.county_codes:
        import difflib

        close = difflib.get_close_matches(code, list(p.county_codes), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ParameterError(
            p.source_file, "--county", f"a county code of {p.path}", f"got {code!r}{hint}"
        )
    return code


def show_data(p: AnyParameter, county: str | None = None) -> dict[str, Any]:
    """Everything about one parameter as plain JSON data (county rows filtered by ``county``)."""
    data: dict[str, Any] = {
        "path": p.path,
        "label_zh": p.label_zh,
        "label_en": p.label_en,
        "unit": p.unit,
        "type": p.type,
        "description": p.description,
        "file": p.source_file,
    }
    if isinstance(p, Parameter):
        if p.varies_by:
            data["varies_by"] = p.varies_by  # scenario overrides may name counties/prefectures
        if county is not None:
            raise ParameterError(p.source_file, "--county", "a county-table parameter", p.path)
        data["values"] = [_entry_json(e) for e in p.entries]
        return data
    codes = p.county_codes if county is None else (_county_index(p, county),)
    data["keys"] = list(p.keys)
    data["values"] = [
        {"county_code": c, "key": k} | _entry_json(e)
        for c in codes
        for k in p.keys
        for e in p.entries[(c, k)]
    ]
    return data


# ------------------------------------------------------------------------------ printing


def _console() -> Console:
    tty = sys.stdout.isatty()
    return Console(file=sys.stdout, width=None if tty else 200, highlight=False, emoji=False)


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _value_cell(row: dict[str, Any]) -> str:
    if not row["table"]:
        return fmt_value(row["value"])
    parts = []
    for k, s in row["value"].items():
        parts.append(
            f"{k}: {fmt_value(s['min'])} / {fmt_value(s['median'])} / {fmt_value(s['max'])}"
        )
    return "\n".join(parts) + "\n(min / median / max)"


def _status_cell(row: dict[str, Any]) -> str:
    if not row["table"]:
        return STATUS_LABELS.get(str(row["status"]), str(row["status"]))
    return "\n".join(f"{STATUS_LABELS.get(s, s)}: {n}" for s, n in row["status_counts"].items())


def print_list(rows: list[dict[str, Any]], when: dt.date) -> None:
    t = Table(title=f"政策参数 Policy parameters — values in force on {when.isoformat()}")
    t.add_column("参数 path", no_wrap=True)
    t.add_column("名称 label")
    t.add_column("单位 unit")
    t.add_column("现值 value")
    t.add_column("状态 status")
    t.add_column("依据 reference")
    for r in rows:
        ref = r["reference"]
        if r["table"] and len(r["references"]) > 1:
            ref += f" (+{len(r['references']) - 1} more)"
        t.add_row(
            r["path"],
            f"{r['label_zh']}\n{r['label_en']}",
            r["unit"],
            _value_cell(r),
            _status_cell(r),
            ref,
        )
    con = _console()
    con.print(t)
    counts = Counter(r["status"] for r in rows)
    con.print(f"{len(rows)} parameters; " + ", ".join(f"{s}: {n}" for s, n in counts.items()))


def _header(con: Console, p: AnyParameter) -> None:
    con.print(f"[bold]{p.path}[/bold]  {p.label_zh} / {p.label_en}")
    con.print(f"unit 单位: {p.unit}    type 类型: {p.type}    file: {p.source_file}")
    if p.description:
        con.print(p.description)


def print_show(p: AnyParameter, county: str | None, when: dt.date) -> None:
    con = _console()
    _header(con, p)
    if isinstance(p, Parameter):
        t = Table(title="dated values 分期取值")
        for col in ("from 起始", "value 取值", "status 状态", "reference 依据", "note 说明"):
            t.add_column(col)
        now = p.entry_at(when)
        for e in p.entries:
            mark = " ◀" if e is now else ""
            t.add_row(
                e.start.isoformat() + mark,
                fmt_value(e.value),
                STATUS_LABELS.get(e.status, e.status),
                e.reference,
                e.note,
            )
        con.print(t)
        con.print(f"◀ = in force on {when.isoformat()}")
        if p.varies_by:
            con.print(
                f"可分县设定 varies by {p.varies_by}: overrides may name counties/prefectures"
            )
        return
    if county is None:
        t = Table(
            title="county table by change date 各县分期取值 (min / median / max over counties)"
        )
        for col in ("from 起始", "key", "min", "median", "max", "status 状态"):
            t.add_column(col)
        for d in p.dates():
            for k, s in _summary(p, d).items():
                st = ", ".join(f"{a}: {n}" for a, n in s["status_counts"].items())
                t.add_row(
                    d.isoformat(),
                    k,
                    fmt_value(s["min"]),
                    fmt_value(s["median"]),
                    fmt_value(s["max"]),
                    st,
                )
        con.print(t)
        con.print("use --county CODE for one county's values with references and notes")
        return
    code = _county_index(p, county)
    t = Table(title=f"county 县 {code}")
    for col in ("key", "from 起始", "value 取值", "status 状态", "reference 依据", "note 说明"):
        t.add_column(col)
    for k in p.keys:
        for e in p.entries[(code, k)]:
            t.add_row(
                k,
                e.start.isoformat(),
                fmt_value(e.value),
                STATUS_LABELS.get(e.status, e.status),
                e.reference,
                e.note,
            )
    con.print(t)


# ------------------------------------------------------------------------------ commands

params_app = typer.Typer(
    name="params",
    help="List and show the policy parameters (政策参数) with their dated values and sources.",
    no_args_is_help=True,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print plain JSON instead of tables.")]
AtOpt = Annotated[
    str | None, typer.Option("--at", help="Date of the values shown (YYYY-MM-DD; default today).")
]


@params_app.command("list")
def list_command(
    as_json: JsonOpt = False,
    status: Annotated[
        Status | None, typer.Option("--status", help="Only values with this status.")
    ] = None,
    at: AtOpt = None,
) -> None:
    """Every parameter: path, label, unit, value in force, status, reference."""
    when = _when(at)
    rows = list_rows(load_parameters(), when, status.value if status else None)
    if as_json:
        _print_json(rows)
    else:
        print_list(rows, when)


@params_app.command("show")
def show_command(
    path: Annotated[str, typer.Argument(help="Parameter path, e.g. dibao.edge_multiple.")],
    county: Annotated[
        str | None,
        typer.Option("--county", help="County code or name (county tables only)."),
    ] = None,
    as_json: JsonOpt = False,
    at: AtOpt = None,
) -> None:
    """All dated values of one parameter with unit, status, reference and note."""
    p = load_parameters()[path]
    if as_json:
        _print_json(show_data(p, county))
    else:
        if isinstance(p, Parameter) and county is not None:
            show_data(p, county)  # raises the --county error
        print_show(p, county, _when(at))


def register(app: typer.Typer) -> None:
    """Add the ``params`` sub-app to the main app."""
    app.add_typer(params_app, name="params")
