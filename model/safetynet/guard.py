"""The input validation layer: every user input is checked here before any work starts.

One function family per kind of input (files and their sizes, TOML, YAML, CSV, workbooks,
parameter values, command-line options and environment variables, results files, output
folders and cells). A refusal is one ``InputError(file_or_option, key, expected, got)``: the
CLI prints it as one line and exits with 2. Limits are data (``input_limits.yaml``, stated in
docs/input_validation.md). Other modules hook their inputs in by calling these functions
(see /work/notes/INTERFACES.md, issue #13).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import functools
import io
import json
import math
import os
import socket
import stat
import sys
import tempfile
import time
import tomllib
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
import yaml

from safetynet.errors import InputError

LIMITS_FILE = Path(__file__).with_name("input_limits.yaml")
LOCK_NAME = ".safetynet.lock"
#: leftovers of an interrupted atomic write (files.written_atomically names them so)
TMP_GLOB = ".*.tmp"
#: results variables that may be negative (money that is a difference)
SIGNED_VARIABLES: frozenset[str] = frozenset({"funding_gap"})


# ------------------------------------------------------------------------------ limits


@functools.cache
def limits() -> dict[str, Any]:
    """The limits of ``input_limits.yaml`` (cached)."""
    with LIMITS_FILE.open(encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    assert isinstance(doc, dict)
    return doc


def limit(name: str) -> Any:
    """One limit by name (``limit("months")`` -> 600)."""
    return limits()[name]


def short(value: object, width: int = 60) -> str:
    """A bounded repr for error messages (never the whole of a huge or nested value)."""
    if isinstance(value, str | bytes):
        text = repr(value[: width + 1])
    elif isinstance(value, int) and not isinstance(value, bool):
        digits = len(str(abs(value))) if abs(value) < 10**200 else 201
        text = str(value) if digits <= width else f"an integer of {digits}+ digits"
    elif isinstance(value, Mapping | list | tuple):
        text = f"a {type(value).__name__} of {len(value)} items"
    elif isinstance(value, dt.date):
        text = value.isoformat()
    else:
        text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def _first_line(text: object, width: int = 200) -> str:
    line = str(text).strip().splitlines()[0] if str(text).strip() else ""
    return line if len(line) <= width else line[: width - 3] + "..."


# ------------------------------------------------------------------------------ files


def check_input_file(path: Path | str, kind: str) -> int:
    """``path`` is a regular file within the size limit of ``kind``; returns its size.

    Uses ``os.stat`` before anything opens it: FIFOs, devices and folders are refused (they
    would hang or never end)."""
    p = Path(path)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        raise InputError(p, "<file>", f"an existing {kind} file", "not found") from None
    except OSError as exc:
        raise InputError(p, "<file>", f"a readable {kind} file", _first_line(exc)) from None
    if not stat.S_ISREG(st.st_mode):
        what = "a folder" if stat.S_ISDIR(st.st_mode) else _file_type(st.st_mode)
        raise InputError(p, "<file>", f"a regular {kind} file", what)
    cap = int(limits()["file_bytes"][kind])
    if st.st_size > cap:
        raise InputError(p, "<file>", f"a {kind} file of at most {cap:,} bytes", f"{st.st_size:,}")
    return int(st.st_size)


def _file_type(mode: int) -> str:
    for test, word in (
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return word
    return "not a regular file"


def read_input_bytes(path: Path | str, kind: str) -> bytes:
    """The bytes of a user's file, after ``check_input_file`` (at most the size limit)."""
    p = Path(path)
    cap = check_input_file(p, kind)
    try:
        with p.open("rb") as f:
            raw = f.read(int(limits()["file_bytes"][kind]) + 1)
    except OSError as exc:
        raise InputError(p, "<file>", f"a readable {kind} file", _first_line(exc)) from None
    if len(raw) > max(cap, int(limits()["file_bytes"][kind])):
        raise InputError(p, "<file>", f"a {kind} file within the size limit", "it grew")
    return raw


def decode(raw: bytes, file: Path | str, encodings: Sequence[str] = ("utf-8-sig",)) -> str:
    """Text of ``raw`` in the first of ``encodings`` that decodes it; NUL bytes refused."""
    last = ""
    for enc in encodings:
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError as exc:
            last = f"byte 0x{raw[exc.start]:02x} at offset {exc.start} is not {enc}"
            continue
        if "\x00" in text:
            at = text.index("\x00")
            raise InputError(file, "<file>", "text (no NUL bytes)", f"NUL at offset {at}")
        return text
    names = " or ".join("UTF-8" if e.startswith("utf-8") else e.upper() for e in encodings)
    raise InputError(file, "<file>", f"{names} text", last)


def read_input_text(path: Path | str, kind: str, encodings: Sequence[str] = ("utf-8-sig",)) -> str:
    """The text of a user's file (size limit, regular file, decoding) as one step."""
    return decode(read_input_bytes(path, kind), path, encodings)


# ------------------------------------------------------------------------------ nested data


def check_tree(data: object, file: Path | str, where: str = "", depth: int = 0) -> None:
    """Parsed TOML/YAML data within the limits: nesting depth, text length, finite numbers,
    integers within ±``integer_abs``."""
    lim = limits()
    if depth > int(lim["nesting_depth"]):
        raise InputError(
            file, where or "<top level>", f"at most {lim['nesting_depth']} levels of nesting"
        )
    if isinstance(data, Mapping):
        for k, v in data.items():
            key = f"{where}.{k}" if where else str(k)
            if len(str(k)) > 200:
                raise InputError(file, short(str(k), 40), "a key of at most 200 characters")
            check_tree(v, file, key, depth + 1)
    elif isinstance(data, list | tuple):
        for i, v in enumerate(data):
            check_tree(v, file, f"{where}[{i}]", depth + 1)
    elif isinstance(data, bool):
        return
    elif isinstance(data, int):
        check_int(file, where, data)
    elif isinstance(data, float):
        if not math.isfinite(data):
            raise InputError(file, where, "a finite number", f"got {data}")
    elif isinstance(data, str) and len(data) > int(lim["field_chars"]):
        raise InputError(
            file, where, f"text of at most {lim['field_chars']:,} characters", f"{len(data):,}"
        )


def check_int(file: Path | str, key: str, value: int) -> int:
    """An integer within ±``integer_abs`` (no overflow in numpy or dates later)."""
    cap = int(limit("integer_abs"))
    if abs(value) > cap:
        raise InputError(file, key, f"an integer within ±{cap}", f"got {short(value)}")
    return value


def load_toml(text: str, file: Path | str) -> dict[str, Any]:
    """Parse TOML text; malformed, too deep or out-of-range content is an InputError."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(file, "<file>", "valid TOML", _first_line(exc)) from None
    except RecursionError:
        depth = limit("nesting_depth")
        raise InputError(file, "<file>", f"at most {depth} levels of nesting", "deeper") from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise InputError(file, "<file>", "valid TOML", _first_line(exc)) from None
    check_tree(data, file)
    return data


class _Refused(yaml.YAMLError):
    def __init__(self, line: int, expected: str, got: str) -> None:
        super().__init__(expected)
        self.line, self.expected, self.got = line, expected, got


class SafeYamlLoader(yaml.SafeLoader):
    """yaml.SafeLoader without aliases/anchors (no billion laughs), with a depth limit, no
    NaN/inf and integers within ±``integer_abs``."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        line = event.start_mark.line + 1 if event.start_mark else 0
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(line, "no YAML aliases (*name): write the value out", "an alias")
        if getattr(event, "anchor", None):
            raise _Refused(line, "no YAML anchors (&name): write the value out", "an anchor")
        self._depth += 1
        try:
            if self._depth > int(limit("nesting_depth")):
                raise _Refused(line, f"at most {limit('nesting_depth')} levels of nesting", "")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _yaml_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = str(node.value).replace("_", "").lstrip("+-")
    if len(text) > 20:
        raise _Refused(
            node.start_mark.line + 1,
            f"an integer within ±{limit('integer_abs')}",
            short(node.value),
        )
    value = int(yaml.SafeLoader.construct_yaml_int(loader, node))
    if abs(value) > int(limit("integer_abs")):
        raise _Refused(
            node.start_mark.line + 1, f"an integer within ±{limit('integer_abs')}", str(value)
        )
    return value


def _yaml_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float:
    value = float(yaml.SafeLoader.construct_yaml_float(loader, node))
    if not math.isfinite(value):
        raise _Refused(node.start_mark.line + 1, "a finite number", f"got {node.value}")
    return value


SafeYamlLoader.add_constructor("tag:yaml.org,2002:int", _yaml_int)
SafeYamlLoader.add_constructor("tag:yaml.org,2002:float", _yaml_float)


def load_yaml(text: str, file: Path | str) -> Any:
    """Parse YAML text safely (see ``SafeYamlLoader``); then ``check_tree``."""
    try:
        data = yaml.load(text, Loader=SafeYamlLoader)
    except _Refused as exc:
        raise InputError(file, f"line {exc.line}", exc.expected, exc.got) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "<file>"
        problem = getattr(exc, "problem", None) or _first_line(exc)
        hint = " (quote text that contains ': ')" if "mapping values" in str(problem) else ""
        raise InputError(file, where, "valid YAML", f"{short(str(problem), 120)}{hint}") from None
    except RecursionError:
        raise InputError(file, "<file>", f"at most {limit('nesting_depth')} levels") from None
    check_tree(data, file)
    return data


# ------------------------------------------------------------------------------ tables


def csv_rows(text: str, file: Path | str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header (stripped) and rows ``(line number, {column: text})`` of a CSV text.

    Refused: more fields than the header (names the line), a field longer than
    ``field_chars``, more than ``csv_rows`` rows or ``csv_columns`` columns, malformed quoting.
    """
    lim = limits()
    width = int(lim["field_chars"])
    reader = csv.reader(io.StringIO(text, newline=""))
    old = csv.field_size_limit()
    csv.field_size_limit(width + 1)
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise InputError(file, "<header>", "a header row", "an empty file") from None
        if len(header) > int(lim["csv_columns"]):
            raise InputError(
                file, "<header>", f"at most {lim['csv_columns']} columns", str(len(header))
            )
        _check_fields(file, 1, header, header, width)
        for fields in reader:
            line = reader.line_num
            if not fields or all(not f.strip() for f in fields):
                continue
            if len(rows) >= int(lim["csv_rows"]):
                raise InputError(file, f"line {line}", f"at most {lim['csv_rows']:,} rows")
            if len(fields) > len(header):
                raise InputError(
                    file, f"line {line}", f"{len(header)} columns", f"{len(fields)} fields"
                )
            _check_fields(file, line, header, fields, width)
            padded = fields + [""] * (len(header) - len(fields))
            rows.append((line, dict(zip(header, padded, strict=True))))
    except csv.Error as exc:
        if "field larger" in str(exc):
            raise InputError(
                file, f"line {reader.line_num}", f"fields of at most {width:,} characters", "longer"
            ) from None
        raise InputError(
            file, f"line {reader.line_num}", "a well-formed CSV row", _first_line(exc)
        ) from None
    finally:
        csv.field_size_limit(old)
    return header, rows


def _check_fields(
    file: Path | str, line: int, header: Sequence[str], fields: Sequence[str], width: int
) -> None:
    for j, f in enumerate(fields):
        if len(f) > width:
            col = header[j] if j < len(header) else f"column {j + 1}"
            raise InputError(
                file,
                f"line {line}.{col}",
                f"a field of at most {width:,} characters",
                f"{len(f):,}",
            )


def check_workbook_file(path: Path | str) -> None:
    """An .xlsx a user gives: regular file, size limit, a zip whose uncompressed size and
    compression ratio are within limits (no zip bombs). Call before openpyxl."""
    p = Path(path)
    size = check_input_file(p, "workbook")
    try:
        with zipfile.ZipFile(p) as z:
            total = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(p, "<file>", "an .xlsx workbook (a zip file)", _first_line(exc)) from None
    lim = limits()
    if total > int(lim["workbook_unzipped_bytes"]) or total > max(size, 1) * float(
        lim["workbook_zip_ratio"]
    ):
        raise InputError(
            p, "<file>", "a workbook of sane uncompressed size", f"{total:,} bytes unzipped"
        )


def cell_text(file: Path | str, sheet: str, row: int, col: int | str, value: object) -> str:
    """A workbook cell read as text, within ``field_chars`` (key names sheet, row and column)."""
    text = "" if value is None else str(value)
    if len(text) > int(limit("field_chars")):
        raise InputError(
            file,
            f"{sheet}!{col}{row}",
            f"at most {limit('field_chars')} characters",
            str(len(text)),
        )
    return text


# ------------------------------------------------------------------------------ parameters


@functools.lru_cache(maxsize=1024)
def _yaml_spec(source_file: str) -> dict[str, Any]:
    if not source_file:
        return {}
    try:
        doc = yaml.safe_load(Path(source_file).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return {}
    if not isinstance(doc, dict):
        return {}
    return {k: doc[k] for k in ("min", "max", "choices", "unit") if k in doc}


def parameter_spec(p: Any) -> dict[str, Any]:
    """min / max / choices / unit from a parameter's YAML header."""
    return _yaml_spec(str(getattr(p, "source_file", "") or ""))


def parameter_bounds(p: Any) -> tuple[float | None, float | None]:
    """Bounds of a parameter's values: its YAML min/max, else the plausibility bounds of its
    unit (``input_limits.yaml`` ``units:``; a unit naming a share or probability: [0, 1])."""
    spec = parameter_spec(p)
    unit = str(getattr(p, "unit", "") or spec.get("unit", ""))
    by_unit = dict(limits()["units"])
    plaus = by_unit.get(unit)
    if plaus is None:
        for word in ("probability", "share"):
            if unit.startswith(word):
                plaus = by_unit[word]
    if plaus is None and unit.startswith("yuan"):
        plaus = {"min": 0}  # money of a unit not listed: not negative (and within ±number_abs)
    plaus = plaus or {}
    lo = spec.get("min", plaus.get("min"))
    hi = spec.get("max", plaus.get("max"))
    return (None if lo is None else float(lo)), (None if hi is None else float(hi))


def unit_range(unit: str, table: str = "units") -> tuple[float | None, float | None]:
    """(min, max) of ``unit`` in the ``table`` of ``input_limits.yaml`` ((None, None) if absent)."""
    spec = dict(limits().get(table, {})).get(unit) or {}
    lo, hi = spec.get("min"), spec.get("max")
    return (None if lo is None else float(lo)), (None if hi is None else float(hi))


def check_number(file: Path | str, key: str, value: object, what: str = "a number") -> float:
    """A finite int/float (not bool) within ±``number_abs``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(file, key, what, f"got {short(value)}")
    if isinstance(value, int):
        check_int(file, key, value)
    x = float(value)
    cap = float(limit("number_abs"))
    if not math.isfinite(x) or abs(x) > cap:
        raise InputError(file, key, f"{what} within ±{cap:g}", f"got {short(value)}")
    return x


def check_parameter_value(file: Path | str, key: str, p: Any, value: object) -> float:
    """A value given for parameter ``p``: a finite number within the parameter's bounds
    (``parameter_bounds``). Returns it as float."""
    unit = getattr(p, "unit", "")
    path = getattr(p, "path", "")
    what = f"a number ({path}: {unit})"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(file, key, what, f"got {short(value)}")
    lo, hi = parameter_bounds(p)
    if lo is None or hi is None:
        check_number(file, key, value, what)  # open-ended: at least within ±number_abs
    x = float(value)
    if not math.isfinite(x):
        raise InputError(file, key, f"a finite number ({path}: {unit})", f"got {x}")
    if (lo is not None and x < lo) or (hi is not None and x > hi):
        lo_t = "-inf" if lo is None else f"{lo:g}"
        hi_t = "inf" if hi is None else f"{hi:g}"
        raise InputError(
            file, key, f"a value within [{lo_t}, {hi_t}] ({path}: {unit})", f"got {x:g}"
        )
    return x


def check_relative(file: Path | str, key: str, p: Any, value: object) -> float:
    """A relative change (new = old × (1 + r)) within ``relative`` limits; a value that looks
    like a percent (r ≥ 1 beyond the range, e.g. 8) gets the hint 0.08 = +8%."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(file, key, "a relative change like 0.05 (+5%)", f"got {short(value)}")
    x = float(value)
    if not math.isfinite(x):
        raise InputError(file, key, "a finite relative change like 0.05 (+5%)", f"got {x}")
    rel = limits()["relative"]
    lo, hi = float(rel["min"]), float(rel["max"])
    if not lo <= x <= hi:
        hint = ""
        if x > hi and x <= 100:
            hint = f"; relative is a fraction: {x / 100:g} means {x:+g}%, {x:g} means {x * 100:+g}%"
        raise InputError(
            file, key, f"a relative change within [{lo:g}, {hi:g}] (fraction)", f"got {x:g}{hint}"
        )
    return x


# ------------------------------------------------------------------------------ CLI options


def positive_int(option: str, value: int | None, limit_name: str) -> int | None:
    """``value`` (None: not given) within 1..``limit(limit_name)``."""
    if value is None:
        return None
    cap = int(limit(limit_name))
    if isinstance(value, bool) or not 1 <= value <= cap:
        raise InputError(option, option.lstrip("-"), f"an integer in 1..{cap}", f"got {value}")
    return value


def fraction(option: str, value: float | None) -> float | None:
    """A sample fraction in (0, 1] (None: not given)."""
    if value is None:
        return None
    if not (math.isfinite(value) and 0 < value <= 1):
        raise InputError(option, option.lstrip("-"), "a fraction in (0, 1]", f"got {value}")
    return value


def lang(option: str, value: str, allowed: Sequence[str] = ("zh", "en")) -> str:
    """A report language."""
    if value not in allowed:
        raise InputError(option, "lang", f"one of {list(allowed)}", f"got {short(value)}")
    return value


def env_threads() -> int | None:
    """``SAFETYNET_THREADS`` (None: unset) as a thread count within the limit."""
    raw = os.environ.get("SAFETYNET_THREADS", "").strip()
    if not raw:
        return None
    cap = int(limit("threads"))
    if not (raw.isascii() and raw.isdigit() and 1 <= int(raw[:6]) <= cap):
        raise InputError(
            "SAFETYNET_THREADS", "environment", f"an integer in 1..{cap}", f"got {short(raw)}"
        )
    return int(raw)


def check_environment() -> None:
    """Every environment variable safetynet reads (called by the CLI before any command)."""
    env_threads()


def writable_dir(option: str, path: Path | str) -> Path:
    """``path`` can be made an output folder: not a file, and its nearest existing ancestor
    accepts a new file (probed with a temporary file, removed at once). Nothing is left."""
    p = Path(path)
    if len(str(p)) > 4000:
        raise InputError(option, "path", "a path of at most 4000 characters", f"{len(str(p))}")
    if p.exists() and not p.is_dir():
        raise InputError(option, "path", "a folder (or a new folder name)", f"{p} is a file")
    probe = p
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        raise InputError(option, "path", "a folder under an existing folder", f"{probe} is a file")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".safetynet-probe.", dir=probe)
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        raise InputError(option, "path", f"a writable folder ({p})", _first_line(exc)) from None
    return p


def scheduler_address(option: str, address: str | None) -> str | None:
    """A dask scheduler address (tcp://host:port) that answers within ``scheduler_timeout_s``."""
    if address is None:
        return None
    text = address.strip()
    rest = text.split("://", 1)[1] if "://" in text else text
    host, _, port = rest.rpartition(":")
    if "://" in text and not text.startswith(("tcp://", "tls://")):
        raise InputError(option, "scheduler", "an address like tcp://host:8786", short(address))
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError(option, "scheduler", "an address like tcp://host:8786", short(address))
    timeout = float(limit("scheduler_timeout_s"))
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout):
            pass
    except OSError as exc:
        raise InputError(
            option,
            "scheduler",
            f"a dask scheduler answering within {timeout:g} s",
            f"{short(address)}: {_first_line(exc)}",
        ) from None
    return text


def unique_files(option: str, paths: Sequence[Path]) -> list[Path]:
    """The files of ``paths``, each named once (a file given twice is refused)."""
    seen: dict[Path, int] = {}
    cap = int(limit("scenarios"))
    if len(paths) > cap:
        raise InputError(option, "files", f"at most {cap} files", str(len(paths)))
    for i, p in enumerate(paths):
        key = Path(os.path.abspath(p))
        if key in seen:
            raise InputError(
                option, f"argument {i + 1}", "each file once", f"{p} also argument {seen[key] + 1}"
            )
        seen[key] = i
    return list(paths)


# ------------------------------------------------------------------------------ out folder


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


class OutLock:
    """Lock of an output folder for one run (``<folder>/.safetynet.lock``, pid inside).

    A second run into the same folder is refused with a message naming the first (pid,
    command, start); a lock whose pid is no longer alive (a killed run) is taken over. On
    entry, leftover temporaries of interrupted writes (``.*.tmp``) are removed from the
    folder and ``subfolders``. A folder the lock created is removed again if the run leaves
    it empty."""

    def __init__(self, folder: Path | str, option: str = "--out", subfolders: Sequence[str] = ()):
        self.folder = Path(folder)
        self.option = option
        self.subfolders = tuple(subfolders)
        self.path = self.folder / LOCK_NAME
        self._created = False

    def __enter__(self) -> OutLock:
        self._created = not self.folder.exists()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(self.option, "path", "a writable folder", _first_line(exc)) from None
        record = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": dt.datetime.now().isoformat(timespec="seconds"),
            "command": " ".join(sys.argv[:4])[:200],
        }
        for _ in range(3):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                holder = self._holder()
                if holder is not None:
                    raise InputError(
                        self.option,
                        "lock",
                        f"a folder no other run is writing to ({self.folder})",
                        f"in use by {holder}; wait for it or choose another --out",
                    ) from None
                self.path.unlink(missing_ok=True)  # stale: its process is gone
                continue
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(record, f)
            break
        else:
            raise InputError(self.option, "lock", "a lock that can be taken", str(self.path))
        remove_leftovers(self.folder, self.subfolders)
        return self

    def _holder(self) -> str | None:
        """Description of the live run holding the lock, or None if the lock is stale."""
        try:
            rec = json.loads(self.path.read_text(encoding="utf-8")[:2000])
            pid = int(rec.get("pid", 0))
        except (OSError, ValueError, AttributeError, TypeError):
            # unreadable: a lock being written this instant is young; an old one is stale
            try:
                young = time.time() - self.path.stat().st_mtime < 5
            except OSError:
                return None
            return "another run (lock being written)" if young else None
        same_host = rec.get("host") in (None, socket.gethostname())
        if pid == os.getpid() or (same_host and not _pid_alive(pid)):
            return None
        return (
            f"run pid {pid} ({short(str(rec.get('command', '')), 80)}, "
            f"started {short(str(rec.get('started', '?')), 30)})"
        )

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.path.unlink(missing_ok=True)
        if self._created:
            with contextlib.suppress(OSError):
                self.folder.rmdir()  # only if the run left it empty


def remove_leftovers(folder: Path, subfolders: Sequence[str] = ()) -> list[Path]:
    """Remove ``.*.tmp`` files of interrupted atomic writes in ``folder`` (and subfolders)."""
    gone: list[Path] = []
    for d in (folder, *(folder / s for s in subfolders)):
        if not d.is_dir():
            continue
        for f in d.glob(TMP_GLOB):
            if f.is_file():
                f.unlink(missing_ok=True)
                gone.append(f)
    return gone


# ------------------------------------------------------------------------------ outputs


FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: object) -> object:
    """A value as it may be written into a workbook or CSV cell: text beginning with
    ``=``, ``+``, ``-`` or ``@`` (or tab/CR) gets a leading apostrophe so spreadsheet
    programs show it as text, never evaluate it. Numbers and other values are unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def protect_workbook(wb: Any) -> int:
    """Mark every text cell of an openpyxl workbook that begins with ``=``, ``+``, ``-`` or
    ``@`` as text (type "s", quote prefix): a scenario title ``=HYPERLINK(...)`` stays a title,
    never a live formula. Call just before saving; returns the number of cells marked."""
    marked = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                if isinstance(v, str) and v.startswith(FORMULA_PREFIXES):
                    cell.data_type = "s"
                    cell.quotePrefix = True
                    marked += 1
    return marked


def escape_frame_text(df: Any) -> Any:
    """A copy of a pandas DataFrame with every text cell passed through ``escape_cell``."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or str(out[col].dtype).startswith(("string", "str")):
            out[col] = out[col].map(escape_cell)
    out.columns = [escape_cell(c) for c in out.columns]
    return out


# ------------------------------------------------------------------------------ results files


def check_results(ds: Any, source: str) -> None:
    """A results Dataset as read from a file: unique, strictly increasing months; unique,
    known county codes; unique scenarios and replicates; declared variables finite and money
    and counts non-negative (except differences like funding_gap); a run record present."""
    from safetynet import refdata
    from safetynet.outputs import VARIABLE_BY_NAME

    months = np.asarray(ds["month"].values)
    if months.size > 1 and not bool(np.all(months[1:] > months[:-1])):
        bad = int(np.argmax(~(months[1:] > months[:-1]))) + 1
        raise InputError(
            source,
            "coords.month",
            "months strictly increasing, each once",
            f"{str(months[bad])[:7]} after {str(months[bad - 1])[:7]} (position {bad})",
        )
    for dim in ("scenario", "replicate", "county"):
        if dim in ds.coords:
            vals = [str(v) for v in np.asarray(ds[dim].values).ravel()]
            dup = sorted({v for v in vals if vals.count(v) > 1})
            if dup:
                raise InputError(source, f"coords.{dim}", f"each {dim} once", f"repeated {dup[:3]}")
    known = set(refdata.counties().code.tolist())
    codes = [str(c) for c in np.asarray(ds["county"].values)]
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise InputError(
            source, "coords.county", "county codes of the county table", f"unknown {unknown[:3]}"
        )
    for name in ds.data_vars:
        var = VARIABLE_BY_NAME.get(str(name))
        values = ds[name].values
        if not np.issubdtype(values.dtype, np.number):
            continue
        if var is None and not str(name).startswith(("cpi", "food_cpi")):
            continue
        finite = np.isfinite(values)
        if not bool(finite.all()):
            raise InputError(source, str(name), "finite values", "NaN or inf present")
        if var is not None and str(name) not in SIGNED_VARIABLES and bool((values < 0).any()):
            raise InputError(
                source, str(name), f"values ≥ 0 ({var.unit})", f"min {float(values.min()):g}"
            )
    if not ds.attrs.get("run_record"):
        raise InputError(source, "attrs.run_record", "the run record of `safetynet run`", "none")
