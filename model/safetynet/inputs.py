"""The planner's own figures, county by county: the ``safetynet template`` workbook.

``write_template(path)`` writes a workbook (one sheet per kind of figure, Chinese headers with
English beside them, one row per county with its code, name and prefecture, the package's
current values pre-filled with their status). The planner overwrites what they know and
``read_inputs(path)`` reads it back, checking every cell: each bad cell is one line naming the
sheet, the cell (row and column), what was expected and what was found, and nothing runs
(:class:`WorkbookError`, exit code 2).

What the figures do in a run (``safetynet run SCENARIO --inputs inputs.xlsx`` or ``[inputs]
file = "inputs.xlsx"`` in the scenario):

- county standards (urban and rural dibao, tekun) replace the estimated table from their
  effective date (status ``official``, the workbook as reference, marked planner-supplied);
- parameters that vary by county (``varies_by`` in their YAML) take the county values given;
- caseloads become per-county calibration targets: the county's take-up
  (``calibrated.takeup_*``, which vary by county) is fitted so that its start state covers the
  given persons (:func:`fit_caseloads`; the fit table says how close each county came);
- money: the own budget becomes the budget-year funding's given county budget
  (``funding.county_budget_yuan``, that year); transfers received become
  ``funding.planner_transfers_received`` (yuan/year per county, recorded for comparison with
  the factor allocation); last year's spending is kept in the run record.

See docs/inputs.md for how a planner fills the template.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from safetynet import guard, places, refdata
from safetynet.errors import InputError
from safetynet.params import CountyParameter, Entry, Override, Parameter, ParameterSet

__all__ = [
    "CASELOAD_CELLS",
    "Caseload",
    "FitRow",
    "Money",
    "PlannerInputs",
    "Provenance",
    "ValueInput",
    "WorkbookError",
    "apply_inputs",
    "fit_caseloads",
    "provenance",
    "read_inputs",
    "write_template",
]

#: caseload cells of the workbook: (programme, area)
CASELOAD_CELLS: tuple[str, ...] = ("dibao_urban", "dibao_rural", "tekun_urban", "tekun_rural")
#: calibrated take-up fitted per county for each caseload cell
TAKEUP_OF_CELL: dict[str, str] = {
    "dibao_urban": "calibrated.takeup_urban",
    "dibao_rural": "calibrated.takeup_rural",
    "tekun_urban": "calibrated.tekun_takeup_urban",
    "tekun_rural": "calibrated.tekun_takeup_rural",
}
#: money parameters the funding sheet feeds: the own budget is the budget-year funding's given
#: county budget (``funding.county_budget_yuan``, a county table: 0 = not given); transfers
#: received are kept as ``funding.planner_transfers_received`` (varies by county)
MONEY_PATHS: dict[str, str] = {
    "transfers_received": "funding.planner_transfers_received",
    "own_budget": "funding.county_budget_yuan",
}
SPENDING_LINES: tuple[str, ...] = ("dibao", "tekun", "temporary", "price_subsidy", "services")
#: status words of the workbook (Chinese first, English beside) and what they read as
STATUS_WORDS: dict[str, str] = {
    "official": "正式 official",
    "estimated": "估计 estimated",
    "calibrated": "校准 calibrated",
    "scenario": "情景 scenario",
    "planner": "规划者提供 planner-supplied",
    "none": "未填（用模型估计） not given (model estimate)",
}
#: sampling-noise tolerance of the caseload fit: this many standard errors
FIT_SIGMAS = 3.0
#: bisection steps of the take-up fit (2**-40 of the probability range: exact to the household)
FIT_STEPS = 40


# ------------------------------------------------------------------------------ errors


class WorkbookError(InputError):
    """Every bad cell of a workbook, one line each (sheet, cell, expected, found)."""

    def __init__(self, file: str | Path, problems: Sequence[InputError]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        n = len(self.problems)
        super().__init__(file, "<workbook>", f"no bad cells ({n} found, nothing was run)")
        self.args = (f"{n} bad cell{'s' if n != 1 else ''} in {file} (nothing was run):\n{lines}",)

    def __str__(self) -> str:
        return str(self.args[0])


# ------------------------------------------------------------------------------ sheets


@dataclass(frozen=True)
class Col:
    """One column of a sheet: key, Chinese and English header, unit, kind, width."""

    key: str
    zh: str
    en: str
    unit: str = ""
    kind: str = "number"  # code | text | number | count | date | month | year | status
    width: float = 14.0
    #: a workbook without this column is refused (status columns and the parameter columns of
    #: the local sheet are optional: a template of an older version stays readable)
    required: bool = True

    @property
    def header(self) -> str:
        unit = f" ({self.unit})" if self.unit else ""
        return f"{self.zh} {self.en}{unit}"


@dataclass(frozen=True)
class Sheet:
    name: str  # sheet tab (Chinese)
    table: str  # Excel table name
    title_en: str
    columns: tuple[Col, ...]


PLACE_COLS = (
    Col("county_code", "县区代码", "County code", kind="code", width=11),
    Col("county_name", "县区", "County", kind="text", width=12),
    Col("prefecture", "州市", "Prefecture", kind="text", width=14),
)
YUAN_PPM = "元/人/月 yuan/person/month"


def _standard_cols(key: str, zh: str, en: str) -> tuple[Col, ...]:
    return (
        Col(key, f"{zh}标准", f"{en} standard", YUAN_PPM, "number", 16),
        Col(f"{key}_from", f"{zh}标准执行日期", f"{en}: in force from", "", "date", 14),
        Col(f"{key}_status", f"{zh}标准状态", f"{en}: status", "", "status", 16),
    )


STANDARDS = Sheet(
    "县级标准",
    "standards",
    "County standards",
    PLACE_COLS
    + _standard_cols("urban", "城市低保", "Urban dibao")
    + _standard_cols("rural", "农村低保", "Rural dibao")
    + _standard_cols("tekun", "特困人员基本生活", "Tekun basic living"),
)
STANDARD_PATHS: dict[str, tuple[str, str]] = {
    "urban": ("dibao.standard", "urban"),
    "rural": ("dibao.standard", "rural"),
    "tekun": ("tekun.basic_standard", "all"),
}

_CELL_WORDS = {
    "dibao_urban": ("城市低保", "Urban dibao"),
    "dibao_rural": ("农村低保", "Rural dibao"),
    "tekun_urban": ("城市特困", "Urban tekun"),
    "tekun_rural": ("农村特困", "Rural tekun"),
}
CASELOADS = Sheet(
    "低保特困人数",
    "caseloads",
    "Caseloads",
    (
        *PLACE_COLS,
        Col("month", "统计月份", "Month", "YYYY-MM", "month", 11),
        *tuple(
            c
            for cell, (zh, en) in _CELL_WORDS.items()
            for c in (
                Col(f"{cell}_persons", f"{zh}人数", f"{en} persons", "人 persons", "count", 13),
                Col(
                    f"{cell}_households",
                    f"{zh}户数",
                    f"{en} households",
                    "户 households",
                    "count",
                    13,
                ),
            )
        ),
        Col("status", "状态", "Status", "", "status", 24),
    ),
)
SPENDING = Sheet(
    "上年支出",
    "spending",
    "Spending last year",
    (
        *PLACE_COLS,
        Col("year", "年度", "Year", "", "year", 10),
        Col("dibao", "低保金支出", "Dibao", "元 yuan", "money", 15),
        Col("tekun", "特困供养支出", "Tekun", "元 yuan", "money", 15),
        Col("temporary", "临时救助支出", "Temporary assistance", "元 yuan", "money", 15),
        Col("price_subsidy", "价格临时补贴支出", "Price subsidy", "元 yuan", "money", 15),
        Col("services", "购买服务支出", "Purchased services", "元 yuan", "money", 15),
        Col("status", "状态", "Status", "", "status", 24),
    ),
)
FUNDING = Sheet(
    "资金",
    "funding",
    "Transfers and own budget",
    (
        *PLACE_COLS,
        Col("year", "预算年度", "Budget year", "", "year", 10),
        Col(
            "transfers_received",
            "上级转移支付",
            "Transfers received",
            "元/年 yuan/year",
            "money",
            18,
        ),
        Col("own_budget", "本级预算安排", "Own budget", "元/年 yuan/year", "money", 18),
        Col("status", "状态", "Status", "", "status", 24),
    ),
)
LOCAL_SHEET_NAME = "县级参数"


def local_paths(ps: ParameterSet) -> list[str]:
    """Parameters of the local-parameter sheet: every ``varies_by`` parameter a planner sets
    (not the calibrated take-up, which is fitted to the caseloads, nor the money of the
    funding sheet)."""
    return [
        p.path
        for p in ps
        if isinstance(p, Parameter)
        and p.varies_by
        and not p.path.startswith("calibrated.")
        and p.path not in MONEY_PATHS.values()
    ]


def local_sheet(ps: ParameterSet) -> Sheet:
    cols: list[Col] = [*PLACE_COLS, Col("from", "生效日期", "In force from", "", "date", 12)]
    for path in local_paths(ps):
        p = ps[path]
        cols.append(Col(path, p.label_zh, f"{p.label_en} [{path}]", p.unit, "number", 18, False))
        cols.append(Col(f"{path}#status", f"{p.label_zh}状态", "status", "", "status", 14, False))
    return Sheet(
        LOCAL_SHEET_NAME, "local_parameters", "Parameters that vary by county", tuple(cols)
    )


# ------------------------------------------------------------------------------ template


def _status_text(e: Entry) -> str:
    return STATUS_WORDS["planner" if e.planner else e.status]


def write_template(
    path: str | Path, when: dt.date | None = None, params: ParameterSet | None = None
) -> Path:
    """Write the planner's workbook with the values in force on ``when`` (default today)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.table import Table, TableStyleInfo

    from safetynet.files import written_atomically
    from safetynet.params import load_parameters

    ps = load_parameters() if params is None else params
    when = when or dt.date.today()
    t = refdata.counties()
    wb = Workbook()
    notes = wb.active
    assert notes is not None
    notes.title = "说明"
    _notes(notes, when)
    standards = {k: ps[p] for k, (p, _) in STANDARD_PATHS.items()}
    local = local_sheet(ps)
    for sheet in (STANDARDS, CASELOADS, SPENDING, FUNDING, local):
        ws = wb.create_sheet(sheet.name)
        ws.append([c.header for c in sheet.columns])
        for i in range(len(t)):
            code = str(t.code[i])
            row: list[Any] = [code, str(t.name_zh[i]), str(t.prefecture_name_zh[i])]
            for c in sheet.columns[3:]:
                row.append(_prefill(sheet, c, code, when, ps, standards))
            ws.append(row)
        n = len(t) + 1
        ref = f"A1:{get_column_letter(len(sheet.columns))}{n}"
        table = Table(displayName=sheet.table, ref=ref)
        table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
        ws.add_table(table)
        ws.freeze_panes = "D2"
        ws.row_dimensions[1].height = 15 * max(_lines(c.header, c.width) for c in sheet.columns) + 6
        for j, c in enumerate(sheet.columns, start=1):
            letter = get_column_letter(j)
            ws.column_dimensions[letter].width = c.width
            head = ws.cell(row=1, column=j)
            head.alignment = Alignment(wrap_text=True, vertical="top")
            head.font = Font(bold=True)
            fmt = {"code": "@", "date": "yyyy-mm-dd", "count": "#,##0", "money": "#,##0.00",
                   "month": "@", "year": "0"}.get(c.kind)  # fmt: skip
            for r in range(2, n + 1):
                cell = ws.cell(row=r, column=j)
                if fmt:
                    cell.number_format = fmt
                if c.kind == "status" or j <= 3:
                    cell.fill = PatternFill("solid", fgColor="F2F2F2")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with written_atomically({"xlsx": target}) as tmp:
        wb.save(tmp["xlsx"])
    return target


def _lines(text: str, width: float) -> int:
    """Lines a wrapped header takes in a column ``width`` characters wide (CJK counts two)."""
    chars = sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)
    return max(1, math.ceil(chars / max(width - 1, 1.0)))


def _prefill(
    sheet: Sheet,
    c: Col,
    code: str,
    when: dt.date,
    ps: ParameterSet,
    standards: Mapping[str, Any],
) -> Any:
    if sheet is STANDARDS:
        base, _, part = c.key.partition("_")
        p = standards[base]
        assert isinstance(p, CountyParameter)
        e = p.entry_at(when, code, STANDARD_PATHS[base][1])
        return {"": e.value, "from": e.start, "status": _status_text(e)}[part]
    if sheet.name == LOCAL_SHEET_NAME:
        if c.key == "from":
            return when.replace(day=1)
        path, _, status = c.key.partition("#")
        q = ps[path]
        assert isinstance(q, Parameter)
        e = q.county_entry_at(when, code)
        return _status_text(e) if status else e.value
    return STATUS_WORDS["none"] if c.key == "status" else None


def _notes(ws: Any, when: dt.date) -> None:
    from openpyxl.styles import Alignment, Font

    lines = [
        ("社会救助兜底保障 规划者数据表", "safetynet planner inputs"),
        (f"模板日期：{when.isoformat()}（预填为当日执行的数值）",
         f"Template date {when.isoformat()} (values in force pre-filled)"),
        (f"数据版本：{refdata.data_version()}", f"Package data version {refdata.data_version()}"),
        ("", ""),
        ("每个工作表一类数据，每行一个县区（代码、名称、州市）。",
         "One sheet per kind of figure, one row per county (code, name, prefecture)."),
        ("县级标准：改写本县实际执行的标准和执行日期；改过的数值按“正式·规划者提供”使用。",
         "County standards: overwrite the standard and its date; changed values are used as "
         "official, planner-supplied."),
        ("低保特困人数：填写统计月份和人数、户数；模型的初始状态按县拟合到这些人数。",
         "Caseloads: give the month and the persons and households; the start state is fitted "
         "to them county by county."),
        ("上年支出、资金：填写年度和金额（元）。", "Spending, funding: give the year and yuan."),
        ("县级参数：可分县设定的参数，改写本县数值和生效日期。",
         "Local parameters: parameters that may differ by county; overwrite the county's value."),
        ("留空表示不提供（使用模型估计）；状态列可写“正式”确认预填数值。",
         "Leave a cell empty for no figure (model estimate); write 正式 (official) in a status "
         "cell to confirm a pre-filled value."),
        ("使用：safetynet run 情景.toml --inputs 本文件.xlsx",
         "Use: safetynet run SCENARIO.toml --inputs this-file.xlsx"),
    ]  # fmt: skip
    for zh, en in lines:
        ws.append([zh, en])
    ws["A1"].font = Font(bold=True, size=14)
    ws.column_dimensions["A"].width = 70
    ws.column_dimensions["B"].width = 80
    for row in ws.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


# ------------------------------------------------------------------------------ reading


@dataclass(frozen=True)
class ValueInput:
    """A planner's value of a parameter for one county from a date (``where``: the cell)."""

    path: str
    key: str | None
    county: str
    start: dt.date
    value: float
    where: str


@dataclass(frozen=True)
class Caseload:
    """A county's caseloads at ``month``: persons and households per cell (None = not given)."""

    county: str
    month: dt.date
    persons: Mapping[str, int | None]
    households: Mapping[str, int | None]
    where: str


@dataclass(frozen=True)
class Money:
    """A county's money figures of one year, yuan (None = not given)."""

    county: str
    year: int
    values: Mapping[str, float | None]
    where: str


@dataclass(frozen=True)
class PlannerInputs:
    """What a planner's workbook holds (only the figures given or changed)."""

    file: Path
    sha256: str
    standards: tuple[ValueInput, ...] = ()
    local: tuple[ValueInput, ...] = ()
    caseloads: tuple[Caseload, ...] = ()
    spending: tuple[Money, ...] = ()
    funding: tuple[Money, ...] = ()

    @property
    def reference(self) -> str:
        return f"planner inputs {self.file.name} (sha256 {self.sha256[:12]})"

    def overrides(self) -> list[Override]:
        """Standards, local parameter values and money as planner-supplied official overrides."""
        out: list[Override] = []
        for v in (*self.standards, *self.local):
            out.append(
                Override(
                    v.path,
                    v.start,
                    value=v.value,
                    counties=(v.county,),
                    keys=(v.key,) if v.key else None,
                    reference=f"{self.reference}, {v.where}",
                    status="official",
                    planner=True,
                )
            )
        for m in self.funding:
            for k, path in MONEY_PATHS.items():
                x = m.values.get(k)
                if x is None:
                    continue
                out.append(
                    Override(
                        path,
                        dt.date(m.year, 1, 1),
                        value=float(x),
                        end=dt.date(m.year + 1, 1, 1),
                        counties=(m.county,),
                        reference=f"{self.reference}, {m.where}",
                        status="official",
                        planner=True,
                    )
                )
        return out

    def reassert(self, ps: ParameterSet) -> ParameterSet:
        """``ps`` with each planner standard in force from its date until the next change of
        that county's value (where a later step, e.g. a standard rule, replaced it)."""
        out = ps
        for v in self.standards:
            p = out[v.path]
            assert isinstance(p, CountyParameter) and v.key is not None
            e = p.entry_at(v.start, v.county, v.key)
            if e.planner and e.start == v.start and float(e.value) == v.value:  # type: ignore[arg-type]
                continue
            later = [x.start for x in p.entries[(v.county, v.key)] if x.start > v.start]
            out = out.with_overrides(
                [
                    Override(v.path, v.start, value=v.value, end=min(later) if later else None,
                             counties=(v.county,), keys=(v.key,),
                             reference=f"{self.reference}, {v.where}", status="official",
                             planner=True)
                ]
            )  # fmt: skip
        return out

    def record(self) -> dict[str, Any]:
        """The run-record section of these inputs (what was supplied, per kind)."""
        return {
            "file": str(self.file),
            "sha256": self.sha256,
            "standards": [
                {"path": v.path, "key": v.key, "county": v.county, "from": v.start.isoformat(),
                 "value": v.value, "cell": v.where}
                for v in self.standards
            ],
            "local": [
                {"path": v.path, "county": v.county, "from": v.start.isoformat(),
                 "value": v.value, "cell": v.where}
                for v in self.local
            ],
            "caseloads": [
                {"county": c.county, "month": c.month.isoformat()[:7], "persons": dict(c.persons),
                 "households": dict(c.households), "row": c.where}
                for c in self.caseloads
            ],
            "spending_last_year": [
                {"county": m.county, "year": m.year, **dict(m.values), "row": m.where}
                for m in self.spending
            ],
            "funding": [
                {"county": m.county, "year": m.year, **dict(m.values), "row": m.where}
                for m in self.funding
            ],
        }  # fmt: skip


class _Reader:
    """Reads one sheet, collecting every bad cell."""

    def __init__(self, file: Path, ps: ParameterSet) -> None:
        self.file = file
        self.ps = ps
        self.problems: list[InputError] = []
        self.seen: dict[tuple[str, str], int] = {}  # (sheet, county) -> first row

    def bad(self, sheet: str, row: int, col: int, header: str, expected: str, got: Any) -> None:
        from openpyxl.utils import get_column_letter

        cell = f"{sheet}!{get_column_letter(col)}{row}"
        shown = got if isinstance(got, str) and got.startswith("got ") else f"found {got!r}"
        self.problems.append(InputError(self.file, f"{cell} ({header})", expected, shown))

    def rows(self, wb: Any, sheet: Sheet) -> list[tuple[int, dict[str, tuple[int, Any]]]]:
        """(row number, key -> (column number, value)) for the non-empty rows of a sheet."""
        if sheet.name not in wb.sheetnames:
            self.problems.append(
                InputError(self.file, sheet.name, f"a sheet {sheet.name!r} ({sheet.title_en})",
                           f"sheets found: {wb.sheetnames}")
            )  # fmt: skip
            return []
        ws = wb[sheet.name]
        grid = list(ws.iter_rows(values_only=True))
        if not grid:
            return []
        header = [str(h).strip() if h is not None else "" for h in grid[0]]
        where: dict[str, int] = {}
        missing = False
        for c in sheet.columns:
            if c.header in header:
                where[c.key] = header.index(c.header) + 1
            elif c.required and c.kind != "status":
                missing = True
                self.bad(sheet.name, 1, len(header) + 1, c.zh, f"a column headed {c.header!r}",
                         "got no such column")  # fmt: skip
        if missing:
            return []
        out = []
        for r, values in enumerate(grid[1:], start=2):
            cells = {
                k: (j, values[j - 1] if j - 1 < len(values) else None) for k, j in where.items()
            }
            if all(_blank(v) for _, v in cells.values()):
                continue
            out.append((r, cells))
        return out

    def county(self, sheet: Sheet, r: int, cells: Mapping[str, tuple[int, Any]]) -> str | None:
        j, code = cells["county_code"]
        jn, name = cells["county_name"]
        given = code if not _blank(code) else name
        col = j if not _blank(code) else jn
        if _blank(given):
            self.bad(sheet.name, r, j, "县区代码", "a county code or name", "got an empty cell")
            return None
        text = str(int(given)) if isinstance(given, int | float) else str(given).strip()
        place = places.lookup(text)
        if place is None or place.kind != places.COUNTY:
            near = places.suggest(text)
            hint = f"; did you mean {', '.join(near)}?" if near else ""
            self.bad(sheet.name, r, col, "县区", "a county code or name of the county table",
                     f"got {text!r}{hint}")  # fmt: skip
            return None
        first = self.seen.setdefault((sheet.name, place.code), r)
        if first != r:
            self.bad(sheet.name, r, col, "县区", f"each county once (also in row {first})",
                     f"got {place.label} again")  # fmt: skip
            return None
        return place.code

    def number(
        self,
        sheet: Sheet,
        r: int,
        cells: Mapping[str, tuple[int, Any]],
        key: str,
        lo: float | None = 0.0,
        hi: float | None = None,
        integer: bool = False,
    ) -> float | None:
        if key not in cells:  # an optional column the workbook does not have
            return None
        j, v = cells[key]
        col = next(c for c in sheet.columns if c.key == key)
        if _blank(v):
            return None
        x = _as_number(v)
        what = "a whole number" if integer else "a number"
        unit = f" ({col.unit})" if col.unit else ""
        if x is None or (integer and not float(x).is_integer()):
            self.bad(sheet.name, r, j, col.zh, f"{what}{unit}", v)
            return None
        if (lo is not None and x < lo) or (hi is not None and x > hi):
            self.bad(sheet.name, r, j, col.zh, f"{what} within [{lo}, {hi}]{unit}", v)
            return None
        return x

    def date(
        self, sheet: Sheet, r: int, cells: Mapping[str, tuple[int, Any]], key: str, month: bool
    ) -> dt.date | None:
        j, v = cells[key]
        col = next(c for c in sheet.columns if c.key == key)
        d = _as_date(v)
        if d is None or (month and d.day != 1):
            expected = "a month like 2024-12" if month else "a date like 2024-07-01"
            self.bad(sheet.name, r, j, col.zh, expected, "got an empty cell" if _blank(v) else v)
            return None
        return d

    def confirmed(self, cells: Mapping[str, tuple[int, Any]], key: str) -> bool:
        """The status cell says official (正式) or planner-supplied (规划者)."""
        _, v = cells.get(key, (0, None))
        text = "" if v is None else str(v).casefold()
        return any(w in text for w in ("正式", "official", "规划者", "planner"))


def read_inputs(path: str | Path, params: ParameterSet | None = None) -> PlannerInputs:
    """Read and check a planner's workbook; :class:`WorkbookError` lists every bad cell."""
    import io

    from openpyxl import load_workbook

    from safetynet.params import load_parameters

    file = Path(path)
    guard.check_workbook_file(file)  # regular file, size, no zip bomb (before openpyxl)
    raw = guard.read_input_bytes(file, "workbook")

    try:
        wb = load_workbook(io.BytesIO(raw), data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise InputError(
            file, "<file>", "an .xlsx workbook written by safetynet template", type(exc).__name__
        ) from None
    ps = load_parameters() if params is None else params
    rd = _Reader(file, ps)
    out = PlannerInputs(
        file.resolve(),
        hashlib.sha256(raw).hexdigest(),
        standards=tuple(_standards(rd, wb)),
        local=tuple(_local(rd, wb)),
        caseloads=tuple(_caseloads(rd, wb)),
        spending=tuple(_money(rd, wb, SPENDING, SPENDING_LINES)),
        funding=tuple(_money(rd, wb, FUNDING, tuple(MONEY_PATHS))),
    )
    if rd.problems:
        raise WorkbookError(file, rd.problems)
    return out


def _standards(rd: _Reader, wb: Any) -> Iterable[ValueInput]:
    from openpyxl.utils import get_column_letter

    for r, cells in rd.rows(wb, STANDARDS):
        code = rd.county(STANDARDS, r, cells)
        for base, (path, key) in STANDARD_PATHS.items():
            p = rd.ps[path]
            assert isinstance(p, CountyParameter)
            lo, hi = guard.parameter_bounds(p)  # YAML min/max, else the unit's plausible range
            x = rd.number(STANDARDS, r, cells, base, lo=lo, hi=hi)
            if x is None and _blank(cells[base][1]):
                continue
            start = rd.date(STANDARDS, r, cells, f"{base}_from", month=False)
            if code is None or x is None or start is None:
                continue
            current = p.entry_at(start, code, key)
            changed = not math.isclose(float(current.value), x, abs_tol=1e-9)  # type: ignore[arg-type]
            new_date = start not in {e.start for e in p.entries[(code, key)]}
            confirmed = rd.confirmed(cells, f"{base}_status") and current.status != "official"
            if changed or new_date or confirmed:
                cell = f"{STANDARDS.name}!{get_column_letter(cells[base][0])}{r}"
                yield ValueInput(path, key, code, start, x, cell)


def _local(rd: _Reader, wb: Any) -> Iterable[ValueInput]:
    from openpyxl.utils import get_column_letter

    sheet = local_sheet(rd.ps)
    for r, cells in rd.rows(wb, sheet):
        code = rd.county(sheet, r, cells)
        start = rd.date(sheet, r, cells, "from", month=False)
        for path in local_paths(rd.ps):
            p = rd.ps[path]
            assert isinstance(p, Parameter)
            lo, hi = guard.parameter_bounds(p)
            x = rd.number(sheet, r, cells, path, lo=lo, hi=hi, integer=p.type == "integer")
            if code is None or x is None or start is None:
                continue
            current = p.county_entry_at(start, code)
            changed = not math.isclose(float(current.value), x, abs_tol=1e-12)  # type: ignore[arg-type]
            confirmed = rd.confirmed(cells, f"{path}#status") and current.status != "official"
            if changed or confirmed:
                cell = f"{sheet.name}!{get_column_letter(cells[path][0])}{r}"
                yield ValueInput(path, None, code, start, x, cell)


def _caseloads(rd: _Reader, wb: Any) -> Iterable[Caseload]:
    for r, cells in rd.rows(wb, CASELOADS):
        figures = [k for k in cells if k.endswith(("_persons", "_households"))]
        if all(_blank(cells[k][1]) for k in figures):
            continue
        code = rd.county(CASELOADS, r, cells)
        month = rd.date(CASELOADS, r, cells, "month", month=True)
        persons: dict[str, int | None] = {}
        households: dict[str, int | None] = {}
        for cell in CASELOAD_CELLS:
            p = rd.number(CASELOADS, r, cells, f"{cell}_persons", integer=True)
            h = rd.number(CASELOADS, r, cells, f"{cell}_households", integer=True)
            persons[cell] = None if p is None else int(p)
            households[cell] = None if h is None else int(h)
            if p is not None and h is not None and h > p:
                j = cells[f"{cell}_households"][0]
                rd.bad(CASELOADS.name, r, j, f"{_CELL_WORDS[cell][0]}户数",
                       f"households ≤ persons ({int(p)})", h)  # fmt: skip
        if code is not None and month is not None:
            yield Caseload(code, month, persons, households, f"{CASELOADS.name} row {r}")


def _money(rd: _Reader, wb: Any, sheet: Sheet, lines: Sequence[str]) -> Iterable[Money]:
    for r, cells in rd.rows(wb, sheet):
        if all(_blank(cells[k][1]) for k in lines):
            continue
        code = rd.county(sheet, r, cells)
        year = rd.number(sheet, r, cells, "year", lo=1990, hi=2100, integer=True)
        if year is None and _blank(cells["year"][1]):
            rd.bad(sheet.name, r, cells["year"][0], "年度", "a year like 2024", "got an empty cell")
        values = {k: rd.number(sheet, r, cells, k) for k in lines}
        if code is not None and year is not None:
            yield Money(code, int(year), values, f"{sheet.name} row {r}")


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _as_number(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float):
        return float(v) if math.isfinite(float(v)) else None
    if isinstance(v, str):
        text = v.strip().replace(",", "").replace("，", "")
        try:
            x = float(text)
        except ValueError:
            return None
        return x if math.isfinite(x) else None
    return None


def _as_date(v: Any) -> dt.date | None:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        for fmt in ("%Y-%m-%d", "%Y-%m", "%Y/%m/%d", "%Y/%m", "%Y年%m月%d日", "%Y年%m月"):
            try:
                return dt.datetime.strptime(v.strip(), fmt).date()
            except ValueError:
                continue
    return None


# ------------------------------------------------------------------------------ caseload fit


@dataclass(frozen=True)
class FitRow:
    """How close one county's start state came to the planner's caseload of one cell."""

    county: str
    county_name: str
    cell: str
    month: str
    target_persons: int
    model_persons: float
    tolerance_persons: float
    target_households: int | None
    model_households: float
    takeup: float
    within: bool
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _cell_mask(programme: np.ndarray, urban: np.ndarray, cell: str) -> np.ndarray:
    from safetynet.behaviour.initial import DIBAO_SINGLE, DIBAO_WHOLE, TEKUN_DISPERSED

    area = urban if cell.endswith("urban") else ~urban
    out: np.ndarray
    if cell.startswith("tekun"):
        out = area & (programme == TEKUN_DISPERSED)
    else:
        out = area & ((programme == DIBAO_WHOLE) | (programme == DIBAO_SINGLE))
    return out


def fit_caseloads(
    inputs: PlannerInputs,
    ps: ParameterSet,
    when: dt.date,
    seed: int,
    sample_fraction: float,
    counties: Sequence[str] | None = None,
) -> tuple[list[Override], list[FitRow]]:
    """Per-county take-up so that each county's start state (month ``when``, replicate 0 of
    ``seed`` at ``sample_fraction``) covers the planner's persons per cell.

    Coverage rises with the take-up probability (a household is covered when its persistent
    propensity is below it), so the take-up of each cell is found by bisection: tekun first,
    then dibao among the households not on tekun. Households are reported, not fitted. The
    tolerance is sampling noise: ``FIT_SIGMAS`` standard errors of the weighted count,
    sqrt(Σ (weight × persons)²) over the covered households (at least one household's persons).
    Returns the overrides of ``calibrated.takeup_*`` (status calibrated, planner-based) and the
    fit table.
    """
    from safetynet import assessment
    from safetynet.behaviour import initial
    from safetynet.population import generate

    wanted = {c.county: c for c in inputs.caseloads}
    if counties is not None:
        keep = set(counties)
        wanted = {k: v for k, v in wanted.items() if k in keep}
    if not wanted:
        return [], []
    table = refdata.counties()
    idx = sorted(int(i) for i in table.index_of(list(wanted)))
    hh = generate(table, sample_fraction=sample_fraction, seed=seed, replicate=0,
                  county_indices=idx, params=ps, date=when)  # fmt: skip
    p = ps.at(when)
    t0 = initial.takeup_params(p)
    a = initial.assessed(hh, p, t0)
    county = hh["county"]
    overrides: list[Override] = []
    rows: list[FitRow] = []
    for ci in idx:
        code = str(table.code[ci])
        target = wanted[code]
        sel = np.flatnonzero(county == ci)
        sub = hh.take(sel)
        sa = assessment.take(a, sel)
        urban = sub["urban"].astype(bool)
        w = sub["weight"].astype(np.float64)
        local = initial.local_takeup(p, sub["county"])
        values: dict[str, float] = {
            "dibao_urban": _first(local.urban),
            "dibao_rural": _first(local.rural),
            "tekun_urban": _first(local.tekun_urban),
            "tekun_rural": _first(local.tekun_rural),
        }
        fitted: dict[str, str] = {}
        for cell in ("tekun_urban", "tekun_rural", "dibao_urban", "dibao_rural"):
            goal = target.persons.get(cell)
            if goal is not None:
                values[cell], fitted[cell] = _fit_cell(sub, sa, t0, values, cell, float(goal))
        prog, pers = _cover(sub, sa, t0, values)
        for cell, note in fitted.items():
            m = _cell_mask(prog, urban, cell)
            got_p = float((w * pers * m).sum())
            got_h = float((w * m).sum())
            wp = w * pers * m
            one = float(wp[m].max()) if m.any() else float(w.max(initial=0.0))
            tol = max(FIT_SIGMAS * math.sqrt(float((wp**2).sum())), one)
            goal = int(target.persons[cell] or 0)
            rows.append(
                FitRow(code, str(table.name_zh[ci]), cell, target.month.isoformat()[:7], goal,
                       round(got_p, 1), round(tol, 1), target.households.get(cell),
                       round(got_h, 1), round(values[cell], 6), abs(got_p - goal) <= tol, note)
            )  # fmt: skip
            overrides.append(
                Override(
                    TAKEUP_OF_CELL[cell],
                    when,
                    value=float(values[cell]),
                    counties=(code,),
                    reference=f"fitted to the caseloads of {inputs.reference}, {target.where} "
                    f"(start {when:%Y-%m}, sample {sample_fraction:g}, seed {seed})",
                    status="calibrated",
                    planner=True,
                )
            )
    return overrides, rows


def _first(x: float | np.ndarray) -> float:
    return float(np.asarray(x).reshape(-1)[0])


def _cover(hh: Any, a: Any, t0: Any, values: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """Programme and persons covered at the start with the take-up ``values`` per cell."""
    from safetynet.behaviour import initial

    t = replace(t0, urban=values["dibao_urban"], rural=values["dibao_rural"],
                tekun_urban=values["tekun_urban"], tekun_rural=values["tekun_rural"])  # fmt: skip
    return initial.coverage(hh, a, t)


def _fit_cell(
    hh: Any, a: Any, t0: Any, values: Mapping[str, float], cell: str, goal: float
) -> tuple[float, str]:
    """Take-up of ``cell`` whose start state covers ``goal`` persons (bisection), and a note."""
    urban = hh["urban"].astype(bool)
    w = hh["weight"].astype(np.float64)

    def persons_at(b: float) -> float:
        prog, pers = _cover(hh, a, t0, {**values, cell: b})
        return float((w * pers * _cell_mask(prog, urban, cell)).sum())

    if persons_at(1.0) < goal:
        return 1.0, "not reached: every eligible household covered"
    if goal <= 0:
        return 0.0, ""
    lo, hi = 0.0, 1.0
    for _ in range(FIT_STEPS):
        mid = 0.5 * (lo + hi)
        if persons_at(mid) < goal:
            lo = mid
        else:
            hi = mid
    return (lo if abs(persons_at(lo) - goal) < abs(persons_at(hi) - goal) else hi), ""


def apply_inputs(
    inputs: PlannerInputs,
    ps: ParameterSet,
    when: dt.date,
    seed: int,
    sample_fraction: float,
    counties: Sequence[str] | None = None,
    project: Callable[[ParameterSet], ParameterSet] | None = None,
) -> tuple[ParameterSet, list[FitRow]]:
    """``ps`` with the planner's figures: standards, local values and money first, then the
    take-up fitted to the caseloads (on the standards just set).

    ``project``: the scenario's own step from a base tree to its parameters
    (``Scenario.parameters``: overrides and the yearly standard rules). The planner's figures
    then go into the base, so that the rules start from the planner's table, and a planner
    standard a rule overwrote is put back from its date until the next change."""
    out = ps.with_overrides(inputs.overrides())
    if project is not None:
        out = inputs.reassert(project(out))
    fit_overrides, fit = fit_caseloads(inputs, out, when, seed, sample_fraction, counties)
    return out.with_overrides(fit_overrides), fit


def fit_csv(rows: Sequence[FitRow]) -> str:
    """The fit table as CSV text (write it with ``csvio.write_text``: UTF-8 with BOM)."""
    import csv
    import io

    buf = io.StringIO()
    names = list(FitRow.__dataclass_fields__)
    w = csv.DictWriter(buf, fieldnames=names, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow(r.as_dict())
    return buf.getvalue()


# ------------------------------------------------------------------------------ provenance


@dataclass(frozen=True)
class Provenance:
    """Which values of a run are estimated, official, calibrated or planner-supplied.

    ``parameters``: per parameter path, the count of values in force on ``when`` by kind
    (``estimated`` / ``official`` / ``calibrated`` / ``scenario`` / ``planner``; county tables and
    county-varying parameters count one value per county and key). ``county_inputs``: per county,
    the kind of its dibao and tekun standards and of its caseloads (``planner`` when the start
    state was fitted to the county's figures, else ``estimated``). ``estimated_money_share``: share
    of the run's spending (all programmes, all months, mean over replicates) in counties whose
    standards or caseloads rest on estimated inputs; ``money_share_by_input`` splits it by input.
    """

    when: dt.date
    parameters: Mapping[str, Mapping[str, int]]
    county_inputs: Mapping[str, Mapping[str, str]]
    estimated_money_share: float | None = None
    money_share_by_input: Mapping[str, float] = field(default_factory=dict)

    def kind_of(self, path: str) -> str:
        """One word for a parameter: its only kind, or ``mixed``."""
        kinds = [k for k, n in self.parameters.get(path, {}).items() if n]
        return kinds[0] if len(kinds) == 1 else "mixed"


def _kind(e: Entry) -> str:
    return "planner" if e.planner else e.status


def provenance(ps: ParameterSet, when: dt.date, ds: Any = None) -> Provenance:
    """The provenance of a run's parameters on ``when`` and, with its Dataset ``ds``, the share
    of its money resting on estimated inputs (see :class:`Provenance`)."""
    params: dict[str, dict[str, int]] = {}
    for p in ps:
        counts: dict[str, int] = {}
        if isinstance(p, CountyParameter):
            for c in p.county_codes:
                for k in p.keys:
                    kind = _kind(p.entry_at(when, c, k))
                    counts[kind] = counts.get(kind, 0) + 1
        elif p.varies_by:
            for c in ps.county_codes:
                kind = _kind(p.county_entry_at(when, c))
                counts[kind] = counts.get(kind, 0) + 1
        else:
            counts[_kind(p.entry_at(when))] = 1
        params[p.path] = counts
    dibao = ps["dibao.standard"]
    tekun = ps["tekun.basic_standard"]
    takeup = ps["calibrated.takeup_urban"]
    assert isinstance(dibao, CountyParameter) and isinstance(tekun, CountyParameter)
    assert isinstance(takeup, Parameter)
    counties: dict[str, dict[str, str]] = {}
    for c in ps.county_codes:
        kinds = {_kind(dibao.entry_at(when, c, k)) for k in dibao.keys}
        counties[c] = {
            "dibao_standard": kinds.pop() if len(kinds) == 1 else "mixed",
            "tekun_standard": _kind(tekun.entry_at(when, c, "all")),
            "caseloads": "planner" if takeup.county_entry_at(when, c).planner else "estimated",
        }
    share: float | None = None
    by_input: dict[str, float] = {}
    if ds is not None:
        money = ds["spending"].mean("replicate").sum(("programme", "month")).sum("scenario")
        codes = [str(c) for c in ds.county.values]
        amount = np.asarray(money.values, dtype=np.float64)
        total = float(amount.sum())
        if total > 0:

            def resting(keys: Sequence[str]) -> float:
                flag = np.array(
                    [any(counties[c][k] not in ("official", "planner") for k in keys)
                     for c in codes]
                )  # fmt: skip
                return float(amount[flag].sum() / total)

            share = resting(("dibao_standard", "tekun_standard", "caseloads"))
            by_input = {
                "standards": resting(("dibao_standard", "tekun_standard")),
                "caseloads": resting(("caseloads",)),
            }
    return Provenance(when, params, counties, share, by_input)
