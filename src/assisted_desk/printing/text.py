"""Text that prints correctly in any script: split into font runs, shape, order for direction.

What ReportLab does and does not do (ReportLab 5.1, checked in its source):
- With uharfbuzz installed (`reportlab[shaping]`) a TrueType font registered as shapable is sent
  through HarfBuzz, which picks Indic conjuncts and vowel-sign order and Arabic joining forms.
  HarfBuzz also lays a right-to-left run out visually (last letter first) and mirrors brackets.
- Its right-to-left support (`wordWrap='RTL'`, `drawString(direction=...)`) needs `rlbidi`,
  which is not on PyPI; `reportlab[bidi]` therefore makes pip fall back to an old ReportLab.
  Without rlbidi a Paragraph keeps the words of an Arabic sentence in logical order, left to
  right, and the sentence reads backwards.
- Its default shaping features include `dlig`, which turns the name محمد into the decorative
  ligature ﷴ: names must print as written, so we shape with kern and liga only.

So this module does the paragraph-level part itself: the Unicode bidirectional algorithm's
implicit rules (UAX #9 W1-W7, N1-N2, I1-I2, L2; explicit embedding controls are dropped), line
breaking on the shaped widths, and one HarfBuzz call per run of one font and one direction.
python-bidi would give the same levels but is LGPL and its level API is the legacy pure-Python
module; the rules we need are sixty lines over `unicodedata`.

Each drawn line also carries its logical text as PDF /ActualText, so copying text or reading it
back (pdftotext) gives the words as typed, not the joined or reordered glyph forms.
"""

from __future__ import annotations

import functools
import threading
import unicodedata
from dataclasses import dataclass

import uharfbuzz
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import ShapeData, ShapedStr

from .fonts import Script, fallback_font, font_covers, font_for, script_of

_HB_FEATURES = {"kern": True, "liga": True}  # not dlig: names print as written
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"))
_MIRROR = str.maketrans("()[]{}<>«»‹›", ")(][}{><»«›‹")
_BREAK_AFTER = "/.-_?&=@,"
# HarfBuzz private-glyph bookkeeping lives in the shared font objects: one shaper at a time.
_shape_lock = threading.Lock()


def clean(text: str) -> str:
    """NFC-normalised text with bidi control characters removed and whitespace runs made one
    space (a printed line has no tabs or hard line breaks)."""
    text = unicodedata.normalize("NFC", text).translate(_BIDI_CONTROLS)
    return " ".join(text.split())


# ---- bidirectional levels ------------------------------------------------------------------------

def _strong(kind: str) -> str | None:
    if kind == "L":
        return "L"
    if kind in ("R", "AL"):
        return "R"
    return None


def is_rtl(text: str) -> bool:
    """Whether a paragraph's first strong character is right-to-left (UAX #9 P2-P3)."""
    for char in text:
        strong = _strong(unicodedata.bidirectional(char))
        if strong:
            return strong == "R"
    return False


def bidi_levels(text: str, base_level: int) -> list[int]:
    """Embedding levels (even = left to right, odd = right to left) of each character of a
    paragraph without explicit bidi controls."""
    n = len(text)
    types = [unicodedata.bidirectional(c) or "L" for c in text]
    sos = "R" if base_level % 2 else "L"
    # W1: a combining mark takes the type of the character before it.
    prev = sos
    for i, t in enumerate(types):
        if t == "NSM":
            types[i] = prev
        prev = types[i]
    # W2, W3: European digits after Arabic letters are Arabic digits; AL is R.
    last_strong = sos
    for i, t in enumerate(types):
        if t in ("L", "R", "AL"):
            last_strong = t
        elif t == "EN" and last_strong == "AL":
            types[i] = "AN"
    types = ["R" if t == "AL" else t for t in types]
    # W4: one separator between two numbers of a type joins them.
    for i in range(1, n - 1):
        if types[i] == "ES" and types[i - 1] == types[i + 1] == "EN":
            types[i] = "EN"
        elif types[i] == "CS" and types[i - 1] == types[i + 1] and types[i - 1] in ("EN", "AN"):
            types[i] = types[i - 1]
    # W5: currency/percent signs next to European digits are digits.
    i = 0
    while i < n:
        if types[i] == "ET":
            j = i
            while j < n and types[j] == "ET":
                j += 1
            if (i > 0 and types[i - 1] == "EN") or (j < n and types[j] == "EN"):
                types[i:j] = ["EN"] * (j - i)
            i = j
        else:
            i += 1
    # W6: remaining separators are neutral. W7: European digits after L are L.
    types = ["ON" if t in ("ES", "ET", "CS") else t for t in types]
    last_strong = sos
    for i, t in enumerate(types):
        if t in ("L", "R"):
            last_strong = t
        elif t == "EN" and last_strong == "L":
            types[i] = "L"
    # N1, N2: neutrals between two of one direction take it, others the paragraph's.
    def direction(t: str) -> str | None:
        return "R" if t in ("R", "EN", "AN") else ("L" if t == "L" else None)

    i = 0
    while i < n:
        if direction(types[i]) is None:
            j = i
            while j < n and direction(types[j]) is None:
                j += 1
            before = direction(types[i - 1]) if i > 0 else sos
            after = direction(types[j]) if j < n else sos
            fill = before if before == after else sos
            types[i:j] = [fill] * (j - i)
            i = j
        else:
            i += 1
    # I1, I2.
    levels = []
    for t in types:
        if base_level % 2 == 0:
            levels.append(base_level + (1 if t == "R" else 2 if t in ("AN", "EN") else 0))
        else:
            levels.append(base_level + (1 if t in ("L", "EN", "AN") else 0))
    return levels


def visual_order(levels: list[int]) -> list[int]:
    """UAX #9 L2: indices of items (runs) in the order they are drawn from left to right."""
    order = list(range(len(levels)))
    if not levels:
        return order
    highest = max(levels)
    lowest_odd = min((lv for lv in levels if lv % 2), default=highest + 1)
    for level in range(highest, lowest_odd - 1, -1):
        i = 0
        while i < len(order):
            if levels[order[i]] >= level:
                j = i
                while j < len(order) and levels[order[j]] >= level:
                    j += 1
                order[i:j] = reversed(order[i:j])
                i = j
            else:
                i += 1
    return order


# ---- fonts per character and shaping ---------------------------------------------------------------

def fonts_per_char(text: str, *, bold: bool = False) -> list[str]:
    """The font for each character: its script's font when it has the glyph, otherwise the
    fallback chain. Spaces, digits and punctuation take a neighbour's font when it has them."""
    names: list[str | None] = []
    for char in text:
        script = script_of(char)
        if script is None:
            names.append(None)
            continue
        name = font_for(script, bold=bold)
        names.append(name if font_covers(name, char) else fallback_font(char, bold=bold))
    latin = font_for(Script.LATIN, bold=bold)
    out: list[str] = []
    for i, char in enumerate(text):
        name = names[i]
        if name is None:
            left = out[i - 1] if i else None
            right = next((n for n in names[i + 1:] if n is not None), None)
            for candidate in (left, right, latin):
                if candidate and font_covers(candidate, char):
                    name = candidate
                    break
            else:
                name = fallback_font(char, bold=bold)
        out.append(name)
    return out


def _needs_shaping(text: str, font_name: str, bold: bool) -> bool:
    if font_name != font_for(Script.LATIN, bold=bold):
        return True
    return any(unicodedata.category(c) == "Mn" for c in text)


@functools.lru_cache(maxsize=8192)
def shape(text: str, font_name: str, size: float, rtl: bool) -> tuple[str, float]:
    """Glyphs to draw for one run of one font and one direction, and its width in points.
    Latin, Greek and Cyrillic without combining marks need no shaping and stay plain text."""
    ttf = pdfmetrics.getFont(font_name)
    bold = font_name.endswith("-Bold")
    if not _needs_shaping(text, font_name, bold):
        if rtl:  # a neutral or Latin run laid right to left: drawn reversed, brackets mirrored
            text = text[::-1].translate(_MIRROR)
        return text, pdfmetrics.stringWidth(text, font_name, size)
    with _shape_lock:
        hb_font = ttf.hbFont(size)
        buf = uharfbuzz.Buffer()
        buf.cluster_level = uharfbuzz.BufferClusterLevel.MONOTONE_CHARACTERS
        buf.add_str(text)
        buf.guess_segment_properties()
        buf.direction = "rtl" if rtl else "ltr"
        uharfbuzz.shape(hb_font, buf, _HB_FEATURES)
        glyphs, data, advance = [], [], 0.0
        for info, pos in zip(buf.glyph_infos, buf.glyph_positions):
            gid = info.codepoint
            try:
                code = ttf.face.glyphToChar[gid][0]
            except KeyError:  # a conjunct or joining form with no character of its own
                code = ttf.hbAddPrivate(hb_font.glyph_to_string(gid), gid, pos.x_advance)
            x_advance = ttf.pdfScale(pos.x_advance)
            data.append(ShapeData(info.cluster, x_advance, ttf.pdfScale(pos.y_advance),
                                  ttf.pdfScale(pos.x_offset), ttf.pdfScale(pos.y_offset),
                                  ttf.face.charWidths[code]))
            glyphs.append(chr(code))
            advance += x_advance
    return ShapedStr("".join(glyphs), shapeData=data), advance * size / 1000


# ---- lines -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Piece:
    """One run of glyphs on a line, in drawing order: its font, glyphs and width."""

    font_name: str
    glyphs: str
    width: float


@dataclass(frozen=True)
class Line:
    """One printed line: `text` in logical (typed) order, `pieces` left to right."""

    text: str
    pieces: tuple[Piece, ...]
    width: float


def _runs(text: str, fonts: list[str], levels: list[int]) -> list[tuple[int, int]]:
    """Spans of characters with one font and one level."""
    spans, start = [], 0
    for i in range(1, len(text) + 1):
        if i == len(text) or fonts[i] != fonts[start] or levels[i] != levels[start]:
            spans.append((start, i))
            start = i
    return spans


def _layout(text: str, fonts: list[str], levels: list[int], size: float) -> Line:
    spans = _runs(text, fonts, levels)
    order = visual_order([levels[a] for a, _ in spans])
    pieces = []
    for index in order:
        a, b = spans[index]
        glyphs, width = shape(text[a:b], fonts[a], size, levels[a] % 2 == 1)
        pieces.append(Piece(fonts[a], glyphs, width))
    return Line(text, tuple(pieces), sum(p.width for p in pieces))


def _split_long_word(word: str, fonts: list[str], levels: list[int], size: float,
                     width: float) -> list[int]:
    """Cut points that make each part of a word too long for a line fit (URLs, long names);
    prefers a cut after / . - and similar."""
    cuts, start = [], 0
    while start < len(word):
        end = start + 1
        best = None
        while end <= len(word):
            if _layout(word[start:end], fonts[start:end], levels[start:end], size).width > width:
                break
            if word[end - 1] in _BREAK_AFTER:
                best = end
            end += 1
        fit = end - 1
        if fit >= len(word):
            break
        cut = best if best and best > start and best >= start + (fit - start) // 2 else max(fit, start + 1)
        cuts.append(cut)
        start = cut
    return cuts


@functools.lru_cache(maxsize=4096)
def break_lines(text: str, size: float, width: float, *, bold: bool = False) -> tuple[tuple[Line, ...], bool]:
    """Break a paragraph into lines no wider than `width` points, each laid out for drawing.
    Returns the lines and whether the paragraph runs right to left. Cached: tables measure
    their cells more than once, and a batch prints the same guide again and again."""
    text = clean(text)
    if not text:
        return (), False
    rtl = is_rtl(text)
    fonts = fonts_per_char(text, bold=bold)
    levels = bidi_levels(text, 1 if rtl else 0)
    # Words as (start, end) in the paragraph; long words cut into parts that fit.
    words: list[tuple[int, int]] = []
    position = 0
    for word in text.split(" "):
        a, b = position, position + len(word)
        position = b + 1
        if _layout(word, fonts[a:b], levels[a:b], size).width <= width:
            words.append((a, b))
            continue
        previous = a
        for cut in _split_long_word(word, fonts[a:b], levels[a:b], size, width):
            words.append((previous, a + cut))
            previous = a + cut
        words.append((previous, b))
    # Greedy breaking on each word's own width: shaping each candidate line again would make a
    # long paragraph quadratic, and kerning across a space is nil.
    widths = [_layout(text[a:b], fonts[a:b], levels[a:b], size).width for a, b in words]
    lines: list[Line] = []
    start, end = words[0]
    used = widths[0]
    for (a, b), w in zip(words[1:], widths[1:]):
        gap = pdfmetrics.stringWidth(" ", fonts[end] if end < len(text) else fonts[a], size) if a > end else 0.0
        if used + gap + w <= width:
            end, used = b, used + gap + w
            continue
        lines.append(_layout(text[start:end], fonts[start:end], levels[start:end], size))
        start, end, used = a, b, w
    lines.append(_layout(text[start:end], fonts[start:end], levels[start:end], size))
    return tuple(lines), rtl


def actual_text_literal(text: str) -> str:
    """The PDF operator that opens a marked span whose /ActualText is `text` (UTF-16BE)."""
    return "/Span <</ActualText <FEFF%s>>> BDC" % text.encode("utf-16-be").hex().upper()


def draw_line(canvas, line: Line, x: float, y: float, size: float) -> None:
    """Draw one line with its left edge at x and baseline at y."""
    canvas.addLiteral(actual_text_literal(line.text))
    for piece in line.pieces:
        obj = canvas.beginText(x, y)
        obj.setFont(piece.font_name, size)
        obj._textOut(piece.glyphs)  # textOut would advance by the unshaped width; we place each run
        canvas.drawText(obj)
        x += piece.width
    canvas.addLiteral("EMC")
