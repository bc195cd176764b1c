"""`safetynet scenario` subcommands (being built; see docs/architecture.md for the owner)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    del app
