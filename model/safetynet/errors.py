"""Errors raised on bad user input. The CLI turns these into one clear line and exit code 2."""

from __future__ import annotations

from pathlib import Path

#: longest file / key / expected / got part of a message (a refusal stays one readable line)
MAX_PART = 300


def _one_line(text: str, width: int) -> str:
    r"""``text`` on one line (newlines and control characters as spaces), at most ``width``.

    >>> _one_line("a\nb", 10), _one_line("x" * 20, 10)
    ('a b', 'xxxxxxx...')
    """
    flat = "".join(ch if ch.isprintable() else " " for ch in text)
    return flat if len(flat) <= width else flat[: width - 3] + "..."


class SafetynetError(Exception):
    """Base class for every error safetynet raises on purpose."""


class InputError(SafetynetError, ValueError):
    """Bad input: names the file, the key and what was expected.

    >>> str(InputError("x.yaml", "values[0].from", "a date like 2022-07-01", "got 'soon'"))
    "x.yaml: values[0].from: expected a date like 2022-07-01 (got 'soon')"
    """

    def __init__(self, file: str | Path, key: str, expected: str, got: str = "") -> None:
        self.file = _one_line(str(file), MAX_PART)
        self.key = _one_line(key, MAX_PART)
        self.expected = _one_line(expected, MAX_PART)
        self.got = _one_line(got, MAX_PART)
        detail = f" ({self.got})" if self.got else ""
        super().__init__(f"{self.file}: {self.key}: expected {self.expected}{detail}")


class ParameterError(InputError):
    """A parameter file is broken or a parameter path is unknown."""


class ScenarioError(InputError):
    """A scenario file is invalid."""
