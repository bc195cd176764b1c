"""`safetynet cases PATH...`: run YAML rule cases and print pass/fail per case.

Exit code 0 when every case passes, 1 when a case fails, 2 for a malformed case file (the
error names the file, the case and the key; nothing is run then).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add the ``cases`` command to the main app."""
    app.command(name="cases")(cases_command)


def cases_command(
    paths: Annotated[
        list[Path], typer.Argument(help="Case files (*.yaml) or folders searched recursively.")
    ],
    parameters: Annotated[
        Path | None,
        typer.Option("--parameters", help="Parameter tree to use instead of the package one."),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show every output, not only failures.")
    ] = False,
    name: Annotated[
        str | None, typer.Option("--name", "-k", help="Run only cases whose name contains this.")
    ] = None,
) -> None:
    """Run rule cases (规则案例) and print PASS/FAIL per case with the differences."""
    from safetynet import cases
    from safetynet.params import load_parameters

    params = load_parameters(parameters) if parameters is not None else load_parameters()
    selected = cases.load_cases(paths, params)
    if name:
        selected = [c for c in selected if name in c.name]
    results = cases.run_cases(selected, params)
    for result in results:
        for line in cases.format_result(result, verbose=verbose):
            typer.echo(line)
    failed = sum(not r.passed for r in results)
    typer.echo(f"{len(results) - failed} passed, {failed} failed ({len(results)} cases)")
    if failed:
        raise typer.Exit(code=1)
