"""Reading and writing CSV text: the one place that knows about encodings.

Planners edit CSVs in Excel, which saves them as UTF-8 with a byte-order mark ("CSV UTF-8") or,
on a Chinese Windows, in GB18030/GBK ("CSV (逗号分隔)"). Every CSV the project reads goes through
:func:`read_text` / :func:`read_rows`, which accept UTF-8, UTF-8 with BOM and GB18030 (a superset
of GBK and GB2312). Every CSV the project writes for people goes through :func:`write_text`
(UTF-8 with BOM, so that Excel shows the Chinese text correctly).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from safetynet.errors import InputError

__all__ = ["ENCODINGS", "WRITE_ENCODING", "decode", "read_rows", "read_text", "write_text"]

#: tried in this order: "utf-8-sig" reads UTF-8 with and without a BOM
ENCODINGS: tuple[str, ...] = ("utf-8-sig", "gb18030")
#: what the project writes: Excel opens UTF-8 with BOM without garbling Chinese text
WRITE_ENCODING = "utf-8-sig"


def decode(raw: bytes, file: str | Path, error: type[InputError] = InputError) -> str:
    """Text of a CSV file's bytes in UTF-8 (BOM or not) or GB18030/GBK.

    >>> decode("县,值".encode("gbk"), "x.csv")
    '县,值'
    >>> decode(b"\\xef\\xbb\\xbfcounty_code", "x.csv")
    'county_code'
    """
    for encoding in ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise error(
        file, "<file>", "a CSV in UTF-8, UTF-8 with BOM or GB18030/GBK", "undecodable bytes"
    )


def read_text(file: str | Path, error: type[InputError] = InputError) -> str:
    """The decoded text of a CSV file (see :func:`decode`); errors name the file."""
    path = Path(file)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise error(path, "<file>", "an existing CSV file", "not found") from None
    except OSError as exc:
        raise error(path, "<file>", "a readable CSV file", str(exc)) from None
    return decode(raw, path, error)


def read_rows(
    file: str | Path, error: type[InputError] = InputError
) -> tuple[list[str], list[dict[str, str]]]:
    """Header (names stripped) and rows (dicts of strings) of a CSV file in any accepted
    encoding. Rows with more fields than the header keep the extras under the key ``""``."""
    text = read_text(file, error)
    reader = csv.DictReader(io.StringIO(text, newline=""), restkey="")
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    return header, list(reader)


def write_text(file: str | Path, text: str) -> None:
    """Write CSV text for people: UTF-8 with BOM (Excel-friendly), ``\\n`` kept as given."""
    Path(file).write_text(text, encoding=WRITE_ENCODING, newline="")
