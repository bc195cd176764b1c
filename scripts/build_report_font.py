"""Build the prebuilt web-font subset of the HTML report (``report/fonts/base.woff2``).

Usage: ``.venv/bin/python scripts/build_report_font.py``

The subset holds every character of the package's own texts — report labels (i18n), the
reference table, county and prefecture names, parameter names, output variable names and the
shipped scenarios — plus ASCII and the typographic set of ``fonts.BASE_CHARS``, cut from the
face "Noto Sans CJK SC" of the PyPI package ``noto-cjk-sans-otc`` (SIL Open Font License 1.1,
which allows redistributing modified versions; the subset is renamed ``SafetynetCJK``). Rerun
it when a new label brings a character the subset lacks (tests/test_report_speed.py checks
it); until then the report still shows the character, through a run-time subset.
"""

from __future__ import annotations

from pathlib import Path

from safetynet.report import fonts

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "model" / "safetynet"
SOURCES = ("**/*.py", "**/*.yaml", "**/*.csv", "**/*.json", "**/*.j2")


def package_chars(root: Path = ROOT) -> str:
    """Every character of the package's text files and shipped scenarios, plus BASE_CHARS."""
    chars = set(fonts.BASE_CHARS)
    files = [f for pat in SOURCES for f in (root / "model" / "safetynet").glob(pat)]
    files += sorted((root / "scenarios").glob("*.toml"))
    for f in sorted(set(files)):
        chars.update(f.read_text(encoding="utf-8-sig"))
    return "".join(sorted(c for c in chars if c.isprintable() or c == " "))


def main() -> None:
    chars = package_chars()
    fonts.BASE_DIR.mkdir(parents=True, exist_ok=True)
    fonts.BASE_WOFF2.write_bytes(fonts.subset(chars, fonts.WEB_FAMILY, "woff2"))
    fonts.BASE_TEXT.write_text(chars, encoding="utf-8")
    print(f"{fonts.BASE_WOFF2}: {len(chars)} characters, {fonts.BASE_WOFF2.stat().st_size} bytes")


if __name__ == "__main__":
    main()
