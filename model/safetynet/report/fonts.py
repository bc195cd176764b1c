"""The CJK font of the report, from the PyPI package ``noto-cjk-sans-otc`` (no system font).

- PDF: Typst reads the collection itself (``font_dir()`` is passed as its font path) and embeds
  the glyphs it uses.
- Charts (PNG): matplotlib reads the same collection (FreeType renders its CFF outlines) and
  draws with its simplified-Chinese face.
- HTML: subsets of the same face embedded as WOFF2 web fonts (``web_fonts``), so that Chinese
  shows on a machine without any CJK font: a prebuilt subset shipped with the package
  (``fonts/base.woff2``, every character of the package's texts: labels, county names,
  references, parameter names, shipped scenarios; built by ``scripts/build_report_font.py``)
  plus, only when the page has characters outside it (a user's scenario title), a second small
  subset of exactly those. Cutting a subset out of the 19 MB collection takes seconds, so the
  common case does none at run time.
"""

from __future__ import annotations

import base64
import functools
import io
import string
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from matplotlib.typing import RcKeyType

from safetynet.errors import InputError

#: the face of the collection used for simplified Chinese
FACE = "Noto Sans CJK SC"
#: matplotlib's bundled font, for any glyph the subset lacks
FALLBACK = "DejaVu Sans"
PACKAGE = "noto-cjk-sans-otc"
#: the web font's CSS family name
WEB_FAMILY = "SafetynetCJK"
#: characters always kept: ASCII, typographic and full-width punctuation, circled digits
BASE_CHARS = (
    string.printable
    + "−–—‐·…‘’“”％（）【】《》〈〉「」『』，。；：、？！～·①②③④⑤⑥⑦⑧⑨⑩≥≤×÷±→←↑↓°µ■□●○▲△"
    + "０１２３４５６７８９〔〕"
)
#: the prebuilt web-font subset and the characters it holds (scripts/build_report_font.py)
BASE_DIR = Path(__file__).resolve().parent / "fonts"
BASE_WOFF2 = BASE_DIR / "base.woff2"
BASE_TEXT = BASE_DIR / "base_chars.txt"
#: the CSS family of the run-time subset of characters outside the prebuilt one
EXTRA_FAMILY = WEB_FAMILY + "Extra"
#: OpenType tables the web subset never needs (dropped before subsetting: reading them is slow)
DROP_TABLES = ("GSUB", "GPOS", "GDEF", "BASE", "JSTF", "VORG", "vhea", "vmtx", "DSIG")


def cjk_font_path() -> Path:
    """Path of the Noto Sans CJK collection installed with the package ``noto-cjk-sans-otc``."""
    try:
        from noto_cjk_sans_otc import FONT_PATH
    except ImportError:
        raise InputError(
            PACKAGE, "import noto_cjk_sans_otc", f"the Python package {PACKAGE} installed"
        ) from None
    path = Path(str(FONT_PATH))
    if not path.is_file():
        raise InputError(path, "font file", f"the CJK font shipped by {PACKAGE}", "file missing")
    return path


def font_dir() -> Path:
    """The folder holding the CJK collection (Typst's font path)."""
    return cjk_font_path().parent


@functools.cache
def _face_index(path: Path) -> int:
    # FreeType (already loaded with matplotlib) reads the faces' family names in a third of
    # the time fontTools takes to import and parse the collection's name tables
    from matplotlib import ft2font

    n = ft2font.FT2Font(str(path)).num_faces
    names = [ft2font.FT2Font(str(path), face_index=i).family_name for i in range(n)]
    if FACE not in names:
        raise InputError(path, "font family", f"a face named {FACE!r}", f"got {names}")
    return names.index(FACE)


def _chars(texts: Iterable[str]) -> str:
    chars = set(BASE_CHARS)
    for s in texts:
        chars.update(s)
    chars.discard("\n")
    return "".join(sorted(chars))


def subset(chars: str, family: str, flavor: str | None = None) -> bytes:
    """The CJK face cut down to ``chars``, named ``family``; ``flavor`` "woff2" for the web."""
    from fontTools.subset import Options, Subsetter  # type: ignore[import-untyped]
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    path = cjk_font_path()
    font = TTFont(str(path), fontNumber=_face_index(path), recalcBBoxes=False)
    for tag in DROP_TABLES:
        if tag in font:
            del font[tag]
    opts = Options()
    opts.name_IDs = ["*"]
    opts.notdef_outline = True
    opts.hinting = False
    opts.layout_features = []
    opts.flavor = flavor
    sub = Subsetter(opts)
    sub.populate(text=chars)
    sub.subset(font)
    for rec in font["name"].names:
        if rec.nameID in (1, 4, 16):
            rec.string = family
        elif rec.nameID == 6:
            rec.string = f"{family}-Regular"
    font.flavor = flavor
    buf = io.BytesIO()
    font.save(buf)
    font.close()
    return buf.getvalue()


@functools.cache
def _register_collection() -> str:
    from matplotlib import font_manager

    path = cjk_font_path()
    _face_index(path)  # the collection has the simplified-Chinese face
    font_manager.fontManager.addfont(str(path))
    return FACE


def font_family(texts: Iterable[str] = ()) -> str:
    """The matplotlib family of the CJK face (the package's collection, registered once).

    ``texts`` is accepted for symmetry with :func:`woff2_base64`; the whole face is available.
    """
    return _register_collection()


@functools.lru_cache(maxsize=8)
def _woff2(chars: str) -> str:
    return base64.b64encode(subset(chars, WEB_FAMILY, "woff2")).decode("ascii")


def woff2_base64(texts: Iterable[str]) -> str:
    """A WOFF2 web font (base64) with exactly the glyphs of ``texts`` (plus ASCII)."""
    return _woff2(_chars(texts))


@functools.cache
def base_chars() -> frozenset[str]:
    """The characters of the prebuilt web-font subset."""
    return frozenset(BASE_TEXT.read_text(encoding="utf-8"))


@functools.cache
def _base_woff2() -> str:
    return base64.b64encode(BASE_WOFF2.read_bytes()).decode("ascii")


def web_fonts(texts: Iterable[str]) -> list[tuple[str, str]]:
    """The web fonts of a page showing ``texts``: [(CSS family, WOFF2 base64)], the prebuilt
    subset first, then (only if some character is not in it) a subset of the missing ones."""
    base = base_chars()
    extra = "".join(sorted(c for c in set(_chars(texts)) - base if c.isprintable()))
    out = [(WEB_FAMILY, _base_woff2())]
    if extra:
        out.append((EXTRA_FAMILY, _woff2(extra)))
    return out


def rc_params(family: str) -> dict[RcKeyType, Any]:
    """Matplotlib settings for report figures (use with ``matplotlib.rc_context``)."""
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [family, FALLBACK],
        "axes.unicode_minus": True,
        "figure.dpi": 100,
        "savefig.dpi": 110,
    }
