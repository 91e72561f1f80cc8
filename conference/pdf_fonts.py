"""Unicode fonts for every PDF we print: names in any script come out as they were typed.

Every PDF builder (badges, receipts, visa letters, the program book) draws text through this
module and never through the PDF core fonts, which only know Latin-1. The faces are vendored
TrueType files in static/fonts/ (see the README and licences there) and are embedded, subset,
in each PDF. Each character is drawn with the first face that has it:

- DejaVu Sans (regular, bold): Latin with diacritics, Greek, Cyrillic, Arabic, Hebrew, ...
- Droid Sans Fallback: Chinese and Japanese (Han, kana)
- NanumSquare: Korean (Hangul)

Right-to-left text (Arabic, Hebrew) is shaped (arabic-reshaper: joined letter forms) and put
in visual order (python-bidi) before it is drawn, since reportlab lays glyphs left to right.
"""

from __future__ import annotations

import unicodedata
from functools import cache, lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

import arabic_reshaper
from bidi import get_display
from reportlab.lib.styles import StyleSheet1, getSampleStyleSheet
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"

#: The body and bold fonts every builder uses by name.
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"

#: Font name -> file; the order of each chain is the order of the per-character fallback.
FILES = {
    REGULAR: "DejaVuSans.ttf",
    BOLD: "DejaVuSans-Bold.ttf",
    "DroidSansFallback": "DroidSansFallbackFull.ttf",
    "NanumSquare": "NanumSquareR.ttf",
    "NanumSquare-Bold": "NanumSquareB.ttf",
}
CHAINS = {
    REGULAR: (REGULAR, "DroidSansFallback", "NanumSquare"),
    BOLD: (BOLD, "DroidSansFallback", "NanumSquare-Bold"),
}

RTL_BIDI_CLASSES = {"R", "AL"}


@cache
def register_fonts() -> None:
    """Register the vendored faces with reportlab (once per process)."""
    for name, filename in FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / filename)))
    # <b> and <i> in Paragraph markup pick the DejaVu faces (there is no italic: upright).
    pdfmetrics.registerFontFamily(
        REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD
    )
    for chain in CHAINS.values():
        for name in chain[1:]:
            pdfmetrics.registerFontFamily(
                name, normal=name, bold=name, italic=name, boldItalic=name
            )


@cache
def _coverage(font_name: str) -> frozenset[int]:
    register_fonts()
    return frozenset(pdfmetrics.getFont(font_name).face.charToGlyph)


def _base(font: str) -> str:
    return BOLD if font == BOLD else REGULAR


def has_rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(char) in RTL_BIDI_CLASSES for char in text)


def visual(text: str) -> str:
    """Text as it must be laid out left to right: RTL runs shaped and in visual order."""
    text = str(text or "")
    if not has_rtl(text):
        return text
    return get_display(arabic_reshaper.reshape(text))


def runs(text: str, font: str = REGULAR) -> list[tuple[str, str]]:
    """Split (visual) text into (font name, text) runs, each char in the first face having it."""
    return list(_runs(text, _base(font)))


@lru_cache(maxsize=4096)
def _runs(text: str, font: str) -> tuple[tuple[str, str], ...]:
    # Cached: the same lines (titles, statements, a congress's name) recur on every one of
    # thousands of certificates or badges built by a worker.
    chain = CHAINS[font]
    result: list[tuple[str, str]] = []
    for char in text:
        if char.isspace() and result:  # a space stays with the run it follows
            result[-1] = (result[-1][0], result[-1][1] + char)
            continue
        code = ord(char)
        face = next((name for name in chain if code in _coverage(name)), chain[0])
        if result and result[-1][0] == face:
            result[-1] = (face, result[-1][1] + char)
        else:
            result.append((face, char))
    return tuple(result)


def string_width(text: str, size: float, font: str = REGULAR) -> float:
    return sum(pdfmetrics.stringWidth(part, name, size) for name, part in runs(visual(text), font))


def fit_size(text: str, size: float, width: float, font: str = REGULAR, minimum=6.0) -> float:
    """The largest size (in 0.5 pt steps, down to `minimum`) at which the text fits `width`."""
    per_point = string_width(text, 1.0, font)  # widths grow in proportion to the size
    while size > minimum and per_point * size > width:
        size -= 0.5
    return size


def draw_string(canvas, x: float, y: float, text: str, size: float, font: str = REGULAR) -> float:
    """Draw one line at (x, y) with per-character fallback; return its width."""
    register_fonts()
    line = canvas.beginText(x, y)  # one text object: readers extract it as one line
    width = 0.0
    for name, part in runs(visual(text), font):
        line.setFont(name, size)
        line.textOut(part)
        width += pdfmetrics.stringWidth(part, name, size)
    canvas.drawText(line)
    canvas.setFont(_base(font), size)
    return width


def markup(text: str) -> str:
    """User text for a Paragraph: escaped, shaped, CJK runs wrapped in their face's <font>."""
    register_fonts()
    pieces = []
    for name, part in runs(visual(text)):
        if name in (REGULAR, BOLD):
            pieces.append(escape(part))
        else:
            pieces.append(f'<font face="{name}">{escape(part)}</font>')
    return "".join(pieces)


def new_canvas(output, **kwargs):
    """A reportlab canvas whose default font is ours (no core font ever enters the PDF)."""
    from reportlab.pdfgen import canvas

    register_fonts()
    return canvas.Canvas(output, initialFontName=REGULAR, **kwargs)


def stylesheet() -> StyleSheet1:
    """reportlab's sample styles set in DejaVu Sans (bold for titles and headings)."""
    register_fonts()
    styles = getSampleStyleSheet()
    for name in styles.byName:
        style = styles[name]
        if not hasattr(style, "fontName"):
            continue
        is_bold = "Bold" in style.fontName or name.startswith(("Title", "Heading"))
        style.fontName = BOLD if is_bold else REGULAR
    return styles
