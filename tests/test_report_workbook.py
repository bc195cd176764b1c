"""The workbook's column-at-a-time sheet writer (report.excel.ColumnSheet) writes the same cells
as XlsxWriter's own cell-by-cell writer: numbers with their format, texts as texts (a text
starting with "=" stays text), empty values empty; sheets with other values fall back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import xlsxwriter
from safetynet.report import excel as xl


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area": np.array(["530102", "530103", "=1+1"], dtype=str),
            "name_zh": ["五华区", "盘龙区", "@x"],
            "year": np.array([2026, 2026, 2027], dtype=np.int64),
            "months": np.array([12, 12, 5], dtype=np.int64),
            "budget_need": [123456.0, np.nan, -5e4],
            "services_share": [0.0125, 0.5, np.inf],
        }
    )


COLS = (
    xl.XCol("area"),
    xl.XCol("name_zh", label="名称"),
    xl.XCol("year"),
    xl.XCol("months", "months"),
    xl.XCol("budget_need", "yuan", xl.INT),
    xl.XCol("services_share", "", xl.PCT),
)


def _cells(path: Path) -> list[list[tuple[object, str, str]]]:
    ws = openpyxl.load_workbook(path)["S"]
    return [[(c.value, c.number_format, c.data_type) for c in row] for row in ws.iter_rows()]


def test_column_sheet_writes_what_it_is_given(tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    wb = xlsxwriter.Workbook(str(path), xl.OPTIONS)
    xl.write_sheet(wb, "S", xl.Sheet("sheet_money_county", _frame(), COLS, 3), "zh")
    wb.close()
    rows = _cells(path)
    assert len(rows) == 4  # header + 3
    body = rows[1:]
    # texts stay texts, also those looking like formulas
    assert [r[0][0] for r in body] == ["530102", "530103", "=1+1"]
    assert all(r[0][2] == "s" for r in body)
    assert body[2][1][0] == "@x"
    assert [r[2][0] for r in body] == [2026, 2026, 2027]
    # yuan shown in 万元 with one decimal; a missing value is an empty cell
    assert body[0][4][0] == 12.3456 and body[1][4][0] is None and body[2][4][0] == -5.0
    assert body[0][4][1] == xl.DEC1
    assert body[0][5] == (0.0125, xl.PCT, "n") and body[2][5][0] is None
    ws = openpyxl.load_workbook(path)["S"]
    assert list(ws.tables) == ["T_sheet_money_county"]
    assert ws.tables["T_sheet_money_county"].ref == "A1:F4"
    assert ws.freeze_panes == "E2"


def test_column_sheet_equals_cell_by_cell(tmp_path: Path) -> None:
    """The same sheet through XlsxWriter's own writer (a bool column forces it) has the same
    cells in the other columns."""
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    frame = _frame()
    for path, extra in ((a, None), (b, [True, False, True])):
        f = frame if extra is None else frame.assign(pass_=extra)
        cols = COLS if extra is None else (*COLS, xl.XCol("pass_"))
        wb = xlsxwriter.Workbook(str(path), xl.OPTIONS)
        xl.write_sheet(wb, "S", xl.Sheet("sheet_money_county", f, cols, 3), "zh")
        wb.close()
    ra, rb = _cells(a), _cells(b)
    assert [r[: len(COLS)] for r in rb] == ra
    assert [r[-1][0] for r in rb[1:]] == [True, False, True]
