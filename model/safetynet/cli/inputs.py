"""`safetynet template`: the planner's workbook of county figures (see docs/inputs.md)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from safetynet.errors import InputError


def register(app: typer.Typer) -> None:
    """Add ``template`` to the main app."""
    app.command("template")(template)


def template(
    out: Annotated[Path, typer.Option(help="Workbook to write (.xlsx).")] = Path("inputs.xlsx"),
    date: Annotated[
        str, typer.Option(help="Pre-fill the values in force on this date (YYYY-MM-DD; today).")
    ] = "",
) -> None:
    """Write the planner's workbook: county standards, caseloads, last year's spending,
    transfers and own budget, parameters that vary by county (current values pre-filled with
    their status). Fill it in and run ``safetynet run SCENARIO --inputs FILE``."""
    from safetynet.inputs import write_template

    if out.suffix.lower() != ".xlsx":
        raise InputError("--out", "out", "a file name ending in .xlsx", str(out))
    when = dt.date.today()
    if date:
        try:
            when = dt.date.fromisoformat(date.strip())
        except ValueError:
            raise InputError("--date", "date", "a date like 2025-01-01", repr(date)) from None
    typer.echo(f"template: {write_template(out, when)}")
