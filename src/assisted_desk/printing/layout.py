"""Page and type sizes for printed documents, and the text block every document is built from.

A4 portrait, printable in black and white: text is pure black on white, and nothing relies on
colour. Three formats:
- STANDARD: 11 pt body, for most residents.
- LARGE_PRINT: 18 pt body (RNIB's clear print advice: 16 pt at least), bold headings, one and a
  half line spacing, thicker rules: for residents with low vision.
- EASY_READ: 14 pt body with wide spacing, short sentences and one idea per step (the guide's
  own easy-read steps when it has them), bigger pictures.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, SimpleDocTemplate

from .fonts import Script, font_for, register_fonts
from .text import Line, break_lines, draw_line


class PrintFormat(enum.Enum):
    STANDARD = "standard"
    LARGE_PRINT = "large-print"
    EASY_READ = "easy-read"

    @classmethod
    def from_name(cls, name: str) -> "PrintFormat":
        """A format from its name as typed ("large-print", "large print", "LARGE_PRINT");
        ValueError naming the choices for anything else."""
        key = name.strip().lower().replace("_", "-").replace(" ", "-")
        for fmt in cls:
            if fmt.value == key:
                return fmt
        choices = ", ".join(f.value for f in cls)
        raise ValueError(f"'{name}' is not a print format; choose one of {choices}.")


FRAME_PADDING = 6.0  # ReportLab's page frame keeps this much inside the margins on every side


@dataclass(frozen=True)
class PageStyle:
    """Everything a document needs to know about one format's sizes (points)."""

    body_size: float
    body_leading: float
    title_size: float
    heading_size: float
    step_number_size: float
    space_after: float  # between paragraphs
    section_gap: float  # before a heading
    rule_width: float
    picture_max_height: float
    qr_size: float
    margin: float = 18 * mm
    page_size: tuple[float, float] = A4
    ink: colors.Color = colors.black

    @property
    def content_width(self) -> float:
        """The width flowables get: inside the margins and the page frame's own padding."""
        return self.page_size[0] - 2 * self.margin - 2 * FRAME_PADDING



_STYLES = {
    PrintFormat.STANDARD: PageStyle(
        body_size=11, body_leading=15.5, title_size=22, heading_size=14, step_number_size=14,
        space_after=5, section_gap=12, rule_width=0.8, picture_max_height=60 * mm, qr_size=30 * mm),
    PrintFormat.LARGE_PRINT: PageStyle(
        body_size=18, body_leading=27, title_size=30, heading_size=24, step_number_size=24,
        space_after=10, section_gap=18, rule_width=2, picture_max_height=80 * mm, qr_size=40 * mm,
        margin=15 * mm),
    PrintFormat.EASY_READ: PageStyle(
        body_size=14, body_leading=22, title_size=26, heading_size=18, step_number_size=20,
        space_after=10, section_gap=16, rule_width=1.5, picture_max_height=75 * mm, qr_size=35 * mm),
}


def page_style(fmt: PrintFormat) -> PageStyle:
    return _STYLES[fmt]


def new_document(target, style: PageStyle, *, title: str, language: str) -> SimpleDocTemplate:
    """An A4 document in the style's margins whose every page starts in an embedded font:
    ReportLab otherwise opens each page with Helvetica, a standard-14 font that is not embedded."""
    register_fonts()
    return SimpleDocTemplate(
        target, pagesize=style.page_size, leftMargin=style.margin, rightMargin=style.margin,
        topMargin=style.margin, bottomMargin=style.margin + style.body_size, title=title,
        author="Assisted Desk", subject=title, creator="Assisted Desk", lang=language,
        initialFontName=font_for(Script.LATIN), initialFontSize=style.body_size, invariant=True)


class TextBlock(Flowable):
    """A paragraph of plain text in any script: wrapped to the width it is given (long words and
    addresses are cut so nothing runs past the edge), right-aligned when it runs right to left,
    split across pages between lines."""

    def __init__(self, text: str, size: float, leading: float, *, bold: bool = False,
                 space_after: float = 0.0, _lines: tuple[tuple[Line, ...], bool, float] | None = None) -> None:
        super().__init__()
        self.text, self.size, self.leading, self.bold = text, size, leading, bold
        self.spaceAfter = space_after
        self._broken = _lines  # (lines, rtl, width) once wrapped
        self.width = self.height = 0.0

    def _lines_for(self, width: float) -> tuple[tuple[Line, ...], bool]:
        if self._broken is None or abs(self._broken[2] - width) > 0.01:
            lines, rtl = break_lines(self.text, self.size, width, bold=self.bold)
            self._broken = (lines, rtl, width)
        return self._broken[0], self._broken[1]

    @property
    def lines(self) -> tuple[Line, ...]:
        return self._broken[0] if self._broken else ()

    def wrap(self, availWidth, availHeight):
        lines, _ = self._lines_for(availWidth)
        self.width, self.height = availWidth, len(lines) * self.leading
        return self.width, self.height

    def split(self, availWidth, availHeight):
        lines, rtl = self._lines_for(availWidth)
        fit = int((availHeight + 0.001) // self.leading)
        if fit <= 0 or fit >= len(lines):
            return [] if fit <= 0 else [self]
        if fit == 1 and len(lines) > 2:
            return []  # no single line stranded at the foot of a page
        first = TextBlock(self.text, self.size, self.leading, bold=self.bold,
                          _lines=(lines[:fit], rtl, availWidth))
        rest = TextBlock(self.text, self.size, self.leading, bold=self.bold, space_after=self.spaceAfter,
                         _lines=(lines[fit:], rtl, availWidth))
        return [first, rest]

    def draw(self):
        lines, rtl = self._broken[0], self._broken[1]
        canvas = self.canv
        canvas.setFillColor(colors.black)
        # Baseline so the glyphs sit in the middle of each line's slot (Noto's descent is ~0.3 em).
        drop = (self.leading - self.size) / 2 + self.size * 0.8
        for index, line in enumerate(lines):
            x = self.width - line.width if rtl else 0.0
            draw_line(canvas, line, x, self.height - index * self.leading - drop, self.size)
