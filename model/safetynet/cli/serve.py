"""`safetynet serve [--port 8765] [--host 127.0.0.1]`: the local web page (Solara).

Runs ``solara run safetynet.web.app`` in this process (production mode, no browser opened, no
version check, Solara's telemetry off). The page listens on 127.0.0.1 unless ``--host`` says
otherwise. See docs/web.md.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from safetynet.errors import InputError


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the main app."""
    app.command("serve")(serve)


def serve(
    port: Annotated[int, typer.Option(help="TCP port of the page.")] = 8765,
    host: Annotated[
        str, typer.Option(help="Address to listen on (default: this machine only).")
    ] = "127.0.0.1",
    scenarios: Annotated[
        Path, typer.Option(help="Folder of scenario files offered as starting points.")
    ] = Path("scenarios"),
) -> None:
    """Start the web page: move a lever, see the budget year by county (网页测算)."""
    if not 1 <= port <= 65535:
        raise InputError("--port", "port", "a TCP port 1..65535", str(port))
    if not (scenarios / "baseline.toml").is_file():
        raise InputError(
            scenarios, "--scenarios", "a folder with baseline.toml", "no baseline.toml there"
        )
    os.environ["SAFETYNET_WEB_SCENARIOS"] = str(scenarios.resolve())
    os.environ.setdefault("SAFETYNET_WEB_WARM", "1")  # data, compiled step, baseline at start
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    os.environ.setdefault("SOLARA_TELEMETRY_SENTRY_ENABLE", "False")
    typer.echo(f"safetynet page: http://{host}:{port}/  (Ctrl+C stops it)")
    sys.stdout.flush()
    args = [
        sys.executable, "-m", "solara", "run", "safetynet.web.app",
        "--host", host, "--port", str(port),
        "--production", "--no-open", "--no-check-version",
        "--theme-loader", "plain", "--log-level", "warning",
    ]  # fmt: skip
    os.execv(sys.executable, args)
