#!/usr/bin/env python3
"""Build a small TrueType (glyf/loca, no CFF) subset of Noto Sans CJK SC.

Output is meant for embedding in PDFs made with the Rust crate ``printpdf``,
which needs TrueType outlines, and small enough to commit into a repository.

Where the source comes from
---------------------------
Debian 12 package ``fonts-noto-cjk`` (version 1:20220127+repack1-1, upstream
https://github.com/notofonts/noto-cjk, Noto Sans CJK version 2.004), licensed
under the SIL Open Font License 1.1:

    apt-get install -y fonts-noto-cjk unicode-data
    pip install fonttools            # tested with fontTools 4.68.0

    python3 make_subset.py /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc \
        -o NotoSansCJKsc-Regular-subset.ttf
    python3 make_subset.py /usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc \
        -o NotoSansCJKsc-Bold-subset.ttf

The .ttc holds several faces sharing one glyph set; face "Noto Sans CJK SC"
(index 2) is picked by name, so its cmap gives the Simplified Chinese glyph
forms.  A single-face NotoSansCJKsc-*.otf / NotoSansSC-*.otf works as well.

The list of the 8105 characters of the 通用规范汉字表 (Table of General
Standard Chinese Characters, 2013) is read from the Unihan database field
kTGH, shipped by Debian's ``unicode-data`` package as
/usr/share/unicode/Unihan_OtherMappings.txt.bz2 (Unicode 15.0); any Unihan
release from 13.0 on has the field.  Use --no-tgh to leave that set out
(GB2312 only).

Licence / names
---------------
The upstream licence reads "Copyright 2014-2021 Adobe (http://www.adobe.com/),
with Reserved Font Name 'Source'."  The family name "Noto Sans CJK SC" does
not contain the Reserved Font Name, so the subset keeps its names; the name
table (copyright, licence description and URL) is kept whole.

Character set
-------------
* ASCII U+0020-007E; Latin-1 U+00A0-00FF
* General Punctuation U+2000-206F; Currency Symbols U+20A0-20CF (€ ￥)
* Letterlike Symbols U+2100-214F (℃ № ℉ ™); Number Forms U+2150-218F (Ⅰ-Ⅻ)
* Arrows U+2190-21FF; Enclosed Alphanumerics U+2460-24FF (①⑴⒈)
* Box Drawing U+2500-257F; Geometric Shapes U+25A0-25FF (■□▲○●)
* Misc. symbols ★☆ etc. U+2600-2642 subset (see EXTRA_RANGES) and ※ U+203B
* CJK Symbols and Punctuation U+3000-303F; Enclosed CJK U+3220-3243 (㈠㈱)
* Halfwidth and Fullwidth Forms U+FF00-FFEF
* every character of GB2312 rows 0xA1-0xA9 (symbols, Greek, Cyrillic, pinyin,
  bopomofo, kana, box drawing, ...) and all 6763 GB2312 hanzi (rows
  0xB0-0xF7), found by decoding every two-byte code with Python's 'gb2312'
  codec
* the 8105 characters of 通用规范汉字表 (196 of them outside the BMP)
Only code points the font actually maps are kept.

Processing
----------
1. fontTools.subset: no hinting, no OpenType layout (GSUB/GPOS/GDEF/BASE
   dropped: printpdf does no shaping), cmap format 4 + 12 (the format 14
   variation-sequence subtable is dropped so that JP/TC variant glyphs are not
   pulled in), all name records kept, CFF desubroutinized.
2. CFF -> TrueType: a reproduction of fontTools' Snippets/otf2ttf.py
   (cubic -> quadratic with cu2qu, max error 1 unit of the 1000 UPEM,
   contour direction reversed, new maxp 1.0, VORG dropped).  The 'post' table
   is written as format 3 (no glyph names: the CID font's names are only
   "cidNNNNN" and nothing in PDF embedding needs them).
"""

import argparse
import bz2
import logging
import os
import sys

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

log = logging.getLogger("make_subset")

DEFAULT_UNIHAN = "/usr/share/unicode/Unihan_OtherMappings.txt.bz2"
FACE_NAME = "Noto Sans CJK SC"

# (first, last) inclusive
BASE_RANGES = [
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1 Supplement
    (0x2000, 0x206F),  # General Punctuation (— ‘ ’ “ ” … ‰ ※ ‥)
    (0x20A0, 0x20CF),  # Currency Symbols (€)
    (0x2100, 0x214F),  # Letterlike Symbols (℃ ℉ № ™ ℡)
    (0x2150, 0x218F),  # Number Forms (Ⅰ Ⅱ … ⅰ ⅱ)
    (0x2190, 0x21FF),  # Arrows
    (0x2460, 0x24FF),  # Enclosed Alphanumerics (① ⑴ ⒈)
    (0x2500, 0x257F),  # Box Drawing
    (0x25A0, 0x25FF),  # Geometric Shapes
    (0x2600, 0x2642),  # Miscellaneous Symbols (★ ☆ ☎ ♀ ♂ ...)
    (0x3000, 0x303F),  # CJK Symbols and Punctuation
    (0x3220, 0x3243),  # Parenthesized CJK (㈠ … ㈩ ㈱)
    (0xFF00, 0xFFEF),  # Halfwidth and Fullwidth Forms (￥ ！ ，)
]
# a few single characters outside the blocks above that Chinese documents use
EXTRA_CHARS = "¥€℃№※√×÷±≈≠≤≥∞∴∵∈∑∏∫°′″‰§々〇"
# characters that must map to a glyph in the result (checked at the end)
MUST_HAVE = "明账收据壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整零￥¥€℃№※，。、：；！？（）【】《》“”‘’…—·"


def gb2312_chars(lead_lo, lead_hi):
    out = set()
    for lead in range(lead_lo, lead_hi + 1):
        for trail in range(0xA1, 0xFF):
            try:
                s = bytes([lead, trail]).decode("gb2312")
            except UnicodeDecodeError:
                continue
            out.update(ord(c) for c in s)
    return out


def tgh_chars(unihan_path):
    """Code points carrying a kTGH value in Unihan (通用规范汉字表, 8105 chars)."""
    opener = bz2.open if unihan_path.endswith(".bz2") else open
    out = {}
    with opener(unihan_path, "rt", encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 3 and parts[1] == "kTGH":
                cp = int(parts[0][2:], 16)
                for v in parts[2].split():
                    out[int(v.split(":")[1])] = cp
    if len(out) != 8105 or sorted(out) != list(range(1, 8106)):
        raise SystemExit(f"kTGH list in {unihan_path} has {len(out)} entries, expected 8105")
    return set(out.values())


def wanted_unicodes(unihan_path, with_tgh=True):
    u = set()
    for a, b in BASE_RANGES:
        u.update(range(a, b + 1))
    u.update(ord(c) for c in EXTRA_CHARS + MUST_HAVE)
    u |= gb2312_chars(0xA1, 0xA9)  # symbol rows
    u |= gb2312_chars(0xB0, 0xF7)  # 6763 hanzi
    if with_tgh:
        u |= tgh_chars(unihan_path)
    return u


def open_face(path, face_name=FACE_NAME, font_number=None):
    with open(path, "rb") as fh:
        is_collection = fh.read(4) == b"ttcf"
    if not is_collection:
        return TTFont(path, lazy=False)
    if font_number is None:
        coll = TTCollection(path, lazy=True)
        # typographic family (name ID 16, else ID 1): "Noto Sans CJK SC" for
        # both NotoSansCJK-Regular.ttc and NotoSansCJK-Bold.ttc
        names = [f["name"].getDebugName(16) or f["name"].getDebugName(1) for f in coll.fonts]
        if face_name not in names:
            raise SystemExit(f"no family {face_name!r} in {path}; families: {names}")
        font_number = names.index(face_name)
        coll.close()
    return TTFont(path, fontNumber=font_number, lazy=False)


def subset_font(font, unicodes):
    # drop the Unicode variation-sequence subtable (format 14): it would pull in
    # JP/TC/KR variant glyphs for the kept characters
    font["cmap"].tables = [t for t in font["cmap"].tables if t.format != 14]
    opts = subset.Options()
    opts.hinting = False
    opts.desubroutinize = True
    opts.layout_features = []
    opts.layout_scripts = []
    opts.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "JSTF", "DSIG", "meta"]
    opts.name_IDs = ["*"]
    opts.name_languages = ["*"]
    opts.name_legacy = True
    opts.notdef_glyph = True
    opts.notdef_outline = True
    opts.recommended_glyphs = True
    opts.glyph_names = False
    opts.legacy_cmap = False
    opts.symbol_cmap = False
    opts.prune_unicode_ranges = True
    sub = subset.Subsetter(options=opts)
    sub.populate(unicodes=unicodes)
    sub.subset(font)
    return font


# ---- otf2ttf (reproduction of fontTools Snippets/otf2ttf.py) -------------
MAX_ERR = 1.0  # approximation error, in font units (UPEM 1000)
REVERSE_DIRECTION = True  # CFF contours are counter-clockwise; TrueType wants clockwise


def glyphs_to_quadratic(glyphs, max_err=MAX_ERR, reverse_direction=REVERSE_DIRECTION):
    quad = {}
    for gname in glyphs.keys():
        glyph = glyphs[gname]
        tt_pen = TTGlyphPen(glyphs)
        cu2qu_pen = Cu2QuPen(tt_pen, max_err, reverse_direction=reverse_direction)
        glyph.draw(cu2qu_pen)
        quad[gname] = tt_pen.glyph()
    return quad


def update_hmtx(font, glyf):
    hmtx = font["hmtx"]
    for name, glyph in glyf.glyphs.items():
        if hasattr(glyph, "xMin"):
            hmtx[name] = (hmtx[name][0], glyph.xMin)


def otf_to_ttf(font, post_format=3.0, max_err=MAX_ERR):
    assert font.sfntVersion == "OTTO"
    assert "CFF " in font
    order = font.getGlyphOrder()

    font["loca"] = newTable("loca")
    font["glyf"] = glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = glyphs_to_quadratic(font.getGlyphSet(), max_err=max_err)
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    glyf.compile(font)
    update_hmtx(font, glyf)

    font["maxp"] = maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.maxZones = 1
    maxp.maxTwilightPoints = 0
    maxp.maxStorage = 0
    maxp.maxFunctionDefs = 0
    maxp.maxInstructionDefs = 0
    maxp.maxStackElements = 0
    maxp.maxSizeOfInstructions = 0
    maxp.maxComponentElements = max(
        len(g.components if hasattr(g, "components") else []) for g in glyf.glyphs.values()
    )
    maxp.compile(font)

    post = font["post"]
    post.formatType = post_format
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = order
    try:
        post.compile(font)
    except OverflowError:
        post.formatType = 3
        log.warning("Dropping glyph names, they do not fit in 'post' table.")

    font.sfntVersion = "\000\001\000\000"
    return font


def verify(path):
    f = TTFont(path)
    assert "glyf" in f and "loca" in f, "no glyf/loca"
    assert "CFF " not in f and "CFF2" not in f, "CFF still present"
    cmap = f.getBestCmap()
    missing = [c for c in MUST_HAVE if ord(c) not in cmap]
    assert not missing, f"unmapped: {missing}"
    glyf = f["glyf"]
    empty = [c for c in MUST_HAVE if c != " " and glyf[cmap[ord(c)]].numberOfContours == 0]
    assert not empty, f"empty outlines: {empty}"
    formats = sorted({(t.format, t.platformID, t.platEncID) for t in f["cmap"].tables})
    return f, cmap, formats


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("source", help="NotoSansCJK-Regular.ttc (or a single-face SC .otf)")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--face", default=FACE_NAME, help="typographic family name of the face inside a .ttc")
    ap.add_argument("--font-number", type=int, default=None)
    ap.add_argument("--unihan", default=DEFAULT_UNIHAN,
                    help="Unihan_OtherMappings.txt(.bz2) with kTGH (default: %(default)s)")
    ap.add_argument("--no-tgh", action="store_true", help="leave out the 通用规范汉字表 set")
    ap.add_argument("--max-err", type=float, default=MAX_ERR)
    ap.add_argument("--post-format", type=float, default=3.0, choices=[2.0, 3.0])
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    logging.getLogger("fontTools").setLevel(logging.WARNING)

    unicodes = wanted_unicodes(args.unihan, with_tgh=not args.no_tgh)
    font = open_face(args.source, args.face, args.font_number)
    log.info("source face: %s (%s)", font["name"].getDebugName(4), font["name"].getDebugName(5))
    subset_font(font, unicodes)
    otf_to_ttf(font, post_format=args.post_format, max_err=args.max_err)
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    font.recalcTimestamp = False  # keep head.modified of the source: byte-identical rebuilds
    font.save(args.output)
    font.close()

    f, cmap, formats = verify(args.output)
    han = sum(1 for u in cmap if 0x3400 <= u <= 0x9FFF or 0x20000 <= u <= 0x3FFFF or 0xF900 <= u <= 0xFAFF)
    asked_missing = sorted(u for u in unicodes if u not in cmap and not (0xD800 <= u <= 0xDFFF))
    log.info("wrote %s: %d bytes, %d glyphs, %d mapped code points (%d hanzi), cmap %s",
             args.output, os.path.getsize(args.output), len(f.getGlyphOrder()), len(cmap), han, formats)
    log.info("tables: %s", " ".join(sorted(k for k in f.keys() if k != "GlyphOrder")))
    log.info("%d requested code points not in the font (unassigned or not covered)", len(asked_missing))
    return 0


if __name__ == "__main__":
    sys.exit(main())
