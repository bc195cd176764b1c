"""The CJK font for charts and PDF pages, from the PyPI package ``noto-cjk-sans-otc``.

The package ships Noto Sans CJK as an OpenType collection with CFF outlines. Matplotlib's PDF
backend embeds any font with ``pdf.fonttype`` 42 as a TrueType CID font, which is wrong for CFF
outlines (poppler warns "Mismatch between font type and embedded font file"; matplotlib issue
#20870). So the report takes the simplified-Chinese face, keeps only the characters the report
uses (fontTools subsetter), converts its cubic CFF outlines to quadratic TrueType outlines
(fontTools cu2qu) and registers the result under a family name of its own. The PDF then embeds a
proper "CID TrueType" subset; PNG charts use the same font. No system font is needed.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import shutil
import string
import tempfile
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
FAMILY_PREFIX = "SafetynetCJK"
#: characters always kept: ASCII, typographic and full-width punctuation, circled digits
BASE_CHARS = (
    string.printable
    + "−–—‐·…‘’“”％（）【】《》〈〉「」『』，。；：、？！～·①②③④⑤⑥⑦⑧⑨⑩≥≤×÷±→←↑↓°µ■□●○▲△"
    + "０１２３４５６７８９"
)
#: cu2qu tolerance in font units (1000 per em): invisible at report sizes
MAX_ERR = 1.0
#: distance between baselines of multi-line text, in em: the generated font's typographic line
#: gap is set so that matplotlib spaces lines exactly this far apart (PDF table columns are one
#: multi-line text each, which keeps the PDF fast to write)
LINE_PITCH_EM = 1.5
#: typographic descent of the generated font, in em: deeper than any figure or comma, so that
#: every line of a column of numbers gets the same height
MIN_DESCENT_EM = 0.3


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


@functools.cache
def _face_index(path: Path) -> int:
    from fontTools.ttLib import TTCollection  # type: ignore[import-untyped]

    coll = TTCollection(str(path), lazy=True)
    names = [f["name"].getDebugName(1) for f in coll.fonts]
    coll.close()
    if FACE not in names:
        raise InputError(path, "font family", f"a face named {FACE!r}", f"got {names}")
    return names.index(FACE)


def truetype_subset(chars: str, out: Path, family: str) -> None:
    """Write a TrueType-outline font with the glyphs of ``chars`` from the CJK face to ``out``."""
    from fontTools.pens.cu2quPen import Cu2QuPen  # type: ignore[import-untyped]
    from fontTools.pens.ttGlyphPen import TTGlyphPen  # type: ignore[import-untyped]
    from fontTools.subset import Options, Subsetter  # type: ignore[import-untyped]
    from fontTools.ttLib import TTFont, newTable

    path = cjk_font_path()
    font = TTFont(str(path), fontNumber=_face_index(path))
    opts = Options()
    opts.name_IDs = ["*"]
    opts.notdef_outline = True
    opts.hinting = False
    opts.desubroutinize = True
    opts.layout_features = []
    sub = Subsetter(opts)
    sub.populate(text=chars)
    sub.subset(font)
    glyphs = font.getGlyphSet()
    order = font.getGlyphOrder()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(None)
        glyphs[name].draw(Cu2QuPen(pen, max_err=MAX_ERR, reverse_direction=True))
        glyf[name] = pen.glyph()
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    for tag in ("CFF ", "VORG"):
        if tag in font:
            del font[tag]
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for attr in (
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
        "maxComponentDepth",
    ):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    os2 = font["OS/2"]
    upm = font["head"].unitsPerEm
    os2.sTypoDescender = min(os2.sTypoDescender, -round(MIN_DESCENT_EM * upm))
    os2.sTypoLineGap = max(0, round(LINE_PITCH_EM * upm) - (os2.sTypoAscender - os2.sTypoDescender))
    font["head"].glyphDataFormat = 0
    font["post"].formatType = 3.0
    font.sfntVersion = "\x00\x01\x00\x00"
    for rec in font["name"].names:
        if rec.nameID in (1, 4, 16):
            rec.string = family
        elif rec.nameID == 6:
            rec.string = f"{family}-Regular"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    font.save(str(tmp))
    font.close()
    tmp.replace(out)


@functools.cache
def _font_dir() -> Path:
    d = Path(tempfile.mkdtemp(prefix="safetynet-fonts-"))
    atexit.register(shutil.rmtree, d, True)
    return d


@functools.lru_cache(maxsize=32)
def _register(chars: str) -> str:
    from matplotlib import font_manager

    digest = hashlib.sha256(chars.encode("utf-8")).hexdigest()[:10]
    family = f"{FAMILY_PREFIX}{digest}"
    out = _font_dir() / f"{family}.ttf"
    truetype_subset(chars, out, family)
    font_manager.fontManager.addfont(str(out))
    return family


def font_family(texts: Iterable[str]) -> str:
    """A registered matplotlib family covering every character of ``texts`` (plus ASCII)."""
    chars = set(BASE_CHARS)
    for s in texts:
        chars.update(s)
    chars.discard("\n")
    return _register("".join(sorted(chars)))


@functools.cache
def line_metrics(family: str) -> tuple[float, float]:
    """(ascent, line pitch) in em of multi-line text in ``family``: the first baseline lies
    ascent + half the line gap below the top of the text."""
    from matplotlib import font_manager

    font = font_manager.get_font(
        font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
    )
    os2 = font.get_sfnt_table("OS/2")
    head = font.get_sfnt_table("head")
    if os2 is None or head is None:
        raise InputError(family, "font tables", "a font with OS/2 and head tables")
    upm = float(head["unitsPerEm"])
    ascent = os2["sTypoAscender"] / upm
    height = (os2["sTypoAscender"] - os2["sTypoDescender"]) / upm
    pitch = height + os2["sTypoLineGap"] / upm
    return ascent + (pitch - height) / 2, pitch


def rc_params(family: str) -> dict[RcKeyType, Any]:
    """Matplotlib settings for report figures (use with ``matplotlib.rc_context``)."""
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [family, FALLBACK],
        "pdf.fonttype": 42,
        "axes.unicode_minus": True,
        "figure.dpi": 100,
        "savefig.dpi": 110,
    }
