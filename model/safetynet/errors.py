"""Errors raised on bad user input. The CLI turns these into one clear line and exit code 2."""

from __future__ import annotations

from pathlib import Path


class SafetynetError(Exception):
    """Base class for every error safetynet raises on purpose."""


class InputError(SafetynetError, ValueError):
    """Bad input: names the file, the key and what was expected.

    >>> str(InputError("x.yaml", "values[0].from", "a date like 2022-07-01", "got 'soon'"))
    "x.yaml: values[0].from: expected a date like 2022-07-01 (got 'soon')"
    """

    def __init__(self, file: str | Path, key: str, expected: str, got: str = "") -> None:
        self.file = str(file)
        self.key = key
        self.expected = expected
        self.got = got
        detail = f" ({got})" if got else ""
        super().__init__(f"{self.file}: {key}: expected {expected}{detail}")


class ParameterError(InputError):
    """A parameter file is broken or a parameter path is unknown."""


class ScenarioError(InputError):
    """A scenario file is invalid."""
