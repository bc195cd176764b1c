"""The ``safetynet`` command line: one Typer app, one module per subcommand family."""

from __future__ import annotations

import sys

import typer

from safetynet.cli import budget, calibrate, cases, params, report, run, scenario, serve
from safetynet.cli import inputs as inputs_cli
from safetynet.errors import SafetynetError

app = typer.Typer(
    name="safetynet",
    help="Simulate and budget social assistance (社会救助兜底保障) per county.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.command()
def version() -> None:
    """Print the code version and the package data version."""
    from safetynet import refdata
    from safetynet.simulation import code_version

    typer.echo(f"safetynet {code_version()} (package data {refdata.data_version()})")


for _module in (params, scenario, cases, calibrate, run, report, budget, inputs_cli, serve):
    _module.register(app)


def main(argv: list[str] | None = None) -> None:
    """Entry point: user errors print one line naming file/key/expectation and exit with 2."""
    try:
        from safetynet import guard

        guard.check_environment()  # SAFETYNET_THREADS etc., before any command
        rc = app(args=argv, standalone_mode=False)
    except SafetynetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except (typer.Abort, KeyboardInterrupt):
        print("aborted", file=sys.stderr)
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:
        # Usage errors of the (vendored) click layer: one line naming the option, exit code 2.
        fmt, code = getattr(exc, "format_message", None), getattr(exc, "exit_code", None)
        if callable(fmt) and isinstance(code, int):
            ctx = getattr(exc, "ctx", None)
            where = f"{ctx.command_path}: " if ctx is not None else ""
            print(f"error: {where}{' '.join(str(fmt()).split())}", file=sys.stderr)
            sys.exit(code)
        raise
    if isinstance(rc, int) and rc != 0:
        sys.exit(rc)
