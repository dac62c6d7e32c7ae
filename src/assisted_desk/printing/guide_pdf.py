"""Put a guide on paper: an A4 PDF in standard, large print or easy read format.

The page reads top to bottom in the order a resident uses it: the title, who it is for, what to
have ready, the numbered steps (with pictures), what to do if it goes wrong, where to get help,
and a QR code with the short address when the task can be done online. Fonts are embedded, so the
PDF prints the same on any printer; nothing depends on colour.

Personalised headers, personal plans and referral slips will reuse `layout.TextBlock`,
`page_style` and `new_document` from layout.py.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from reportlab.platypus.doctemplate import LayoutError
from reportlab.lib import colors
from reportlab.lib.utils import ImageReader
from reportlab.platypus import (CondPageBreak, Flowable, HRFlowable, Image, KeepTogether, Spacer, Table,
                                TableStyle)

from .fonts import Script, font_for, register_fonts
from .guides import Guide, Step
from .layout import PageStyle, PrintFormat, TextBlock, new_document, page_style
from .personal import PersonalHeader, header_story
from .qr import qr_block
from .text import break_lines, draw_line

# Headings in the guide's language; a language not listed here gets English headings.
_LABELS = {
    "en": ("Who this guide is for", "Before you start", "Step by step", "If it goes wrong",
           "Where to get help", "Open it on your phone: point the camera at the square, or type"),
    "pl": ("Dla kogo jest ten poradnik", "Zanim zaczniesz", "Krok po kroku", "Jeśli coś pójdzie nie tak",
           "Gdzie szukać pomocy", "Otwórz na telefonie: skieruj aparat na kwadrat albo wpisz"),
    "ro": ("Pentru cine este acest ghid", "Înainte să începeți", "Pas cu pas", "Dacă ceva nu merge",
           "Unde găsiți ajutor", "Deschideți pe telefon: îndreptați camera spre pătrat sau scrieți"),
    "ar": ("لمن هذا الدليل", "قبل أن تبدأ", "خطوة بخطوة", "إذا حدث خطأ", "أين تجد المساعدة",
           "افتحه على هاتفك: وجّه الكاميرا إلى المربع أو اكتب"),
}

_SENTENCE_END = re.compile(r"(?<=[.!?।؟])\s+(?=\S)")


class RenderProblem(Exception):
    """The PDF could not be written (folder missing, no permission, disk full); says where."""


@dataclass(frozen=True)
class RenderResult:
    pages: int
    path: Path | None  # None when written to a file object


def labels(language: str) -> tuple[str, ...]:
    return _LABELS.get(language, _LABELS["en"])


def easy_read_steps(guide: Guide) -> tuple[Step, ...]:
    """The guide's own easy-read steps, or else its steps cut into one sentence per step (the
    picture stays with the first sentence of its step)."""
    if guide.easy_read_steps:
        return guide.easy_read_steps
    out: list[Step] = []
    for step in guide.steps:
        sentences = [s for s in _SENTENCE_END.split(step.text.strip()) if s]
        for index, sentence in enumerate(sentences or [step.text]):
            if index == 0:
                out.append(Step(sentence, step.picture, step.picture_alt))
            else:
                out.append(Step(sentence))
    return tuple(out)


def _picture(path: Path, width: float, max_height: float) -> Flowable:
    """The picture scaled to fit the column and the format's height limit, never enlarged past
    twice its pixel size at 96 dpi (blurry enlargements help nobody)."""
    reader = ImageReader(str(path))
    px_w, px_h = reader.getSize()
    natural_w, natural_h = px_w * 72 / 96 * 2, px_h * 72 / 96 * 2
    scale = min(width / natural_w, max_height / natural_h, 1.0)
    return Image(str(path), width=natural_w * scale, height=natural_h * scale, hAlign="LEFT")


def _heading(text: str, style: PageStyle, width: float) -> list[Flowable]:
    return [
        CondPageBreak(style.heading_size * 4),  # a heading never sits alone at a page foot
        Spacer(1, style.section_gap),
        TextBlock(text, style.heading_size, style.heading_size * 1.3, bold=True),
        HRFlowable(width="100%", thickness=style.rule_width, color=colors.black,
                   spaceBefore=2, spaceAfter=style.space_after),
    ]


def _items(items: tuple[str, ...], style: PageStyle, width: float) -> list[Flowable]:
    """A bulleted list: each item in a two-column table so wrapped lines stay indented."""
    if not items:
        return []
    bullet_w = style.body_size * 1.4
    rows = [[TextBlock("•", style.body_size, style.body_leading),
             TextBlock(item, style.body_size, style.body_leading)] for item in items]
    table = Table(rows, colWidths=[bullet_w, width - bullet_w], hAlign="LEFT", splitInRow=1)
    table.setStyle(_plain_table(bottom=style.space_after))
    return [table]


def _plain_table(bottom: float) -> TableStyle:
    return TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONTNAME", (0, 0), (-1, -1), font_for(Script.LATIN)),  # Table sets Helvetica otherwise
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), bottom),
    ])


def _steps(steps: tuple[Step, ...], style: PageStyle, width: float) -> list[Flowable]:
    """Numbered steps, one table per step so a page can break between any two of them; the
    number sits in its own column, the text and picture beside it."""
    number_w = style.step_number_size * 2.2
    text_w = width - number_w
    out: list[Flowable] = []
    for number, step in enumerate(steps, 1):
        cell: list[Flowable] = [TextBlock(step.text, style.body_size, style.body_leading)]
        if step.picture is not None:
            cell += [Spacer(1, style.space_after), _picture(step.picture, text_w, style.picture_max_height)]
        row = Table([[TextBlock(f"{number}", style.step_number_size, style.step_number_size * 1.2, bold=True),
                      cell]], colWidths=[number_w, text_w], hAlign="LEFT")
        row.setStyle(_plain_table(bottom=style.space_after * 1.6))
        out.append(row)
    return out


def guide_story(guide: Guide, fmt: PrintFormat, header: PersonalHeader | None = None) -> list[Flowable]:
    """The flowables of a guide, in reading order, for the format's sizes; the personal header
    first when the guide is printed for a resident."""
    style = page_style(fmt)
    width = style.content_width
    who, before, steps_label, wrong, help_label, scan = labels(guide.language)
    story: list[Flowable] = header_story(header, fmt) if header is not None else []
    story += [
        TextBlock(guide.title, style.title_size, style.title_size * 1.2, bold=True,
                  space_after=style.space_after),
        HRFlowable(width="100%", thickness=style.rule_width * 2, color=colors.black,
                   spaceAfter=style.space_after),
        TextBlock(who, style.body_size, style.body_leading, bold=True),
        TextBlock(guide.for_whom, style.body_size, style.body_leading, space_after=style.space_after),
    ]
    if guide.before_you_start:
        story += _heading(before, style, width) + _items(guide.before_you_start, style, width)
    steps = easy_read_steps(guide) if fmt is PrintFormat.EASY_READ else guide.steps
    story += _heading(steps_label, style, width) + _steps(steps, style, width)
    if guide.if_it_goes_wrong:
        story += _heading(wrong, style, width) + _items(guide.if_it_goes_wrong, style, width)
    story += _heading(help_label, style, width) + _items(guide.where_to_get_help, style, width)
    if guide.service_url:
        story.append(Spacer(1, style.section_gap))
        story.append(KeepTogether([qr_block(guide.service_url, guide.short_url, size=style.qr_size,
                                            width=width, caption=scan, text_size=style.body_size,
                                            leading=style.body_leading)]))
    return story


def _page_number(style: PageStyle):
    size = max(9.0, style.body_size * 0.75)

    def draw(canvas, doc) -> None:
        canvas.saveState()
        lines, _ = break_lines(str(doc.page), size, 40)
        draw_line(canvas, lines[0], style.page_size[0] - style.margin - lines[0].width,
                  style.margin * 0.6, size)
        canvas.restoreState()

    return draw


def render_guide(guide: Guide, fmt: PrintFormat, out: str | os.PathLike | BinaryIO, *,
                 header: PersonalHeader | None = None) -> RenderResult:
    """Render a guide to PDF at `out` (a path, written whole or not at all, or a binary file
    object), with the personal header on top when one is given. Raises RenderProblem when the
    file cannot be written."""
    register_fonts()
    style = page_style(fmt)
    if hasattr(out, "write"):
        pages = _build(guide, fmt, style, out, header)
        return RenderResult(pages, None)
    path = Path(out)
    buffer = io.BytesIO()
    pages = _build(guide, fmt, style, buffer, header)
    _write_whole(path, buffer.getvalue())
    return RenderResult(pages, path)


def _build(guide: Guide, fmt: PrintFormat, style: PageStyle, target, header: PersonalHeader | None = None) -> int:
    doc = new_document(target, style, title=guide.title, language=guide.language)
    build_document(doc, guide_story(guide, fmt, header), _page_number(style))
    return doc.page


def build_document(doc, story, on_page) -> None:
    """Build `story` into `doc`; a part too big for any page (ReportLab's LayoutError) becomes a
    RenderProblem a person can act on, not a crash."""
    try:
        doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    except LayoutError as exc:
        raise RenderProblem("Part of this document is too long to fit on a page (a very long address or "
                            "text without breaks?); shorten it and try again.") from exc


def _write_whole(path: Path, data: bytes) -> None:
    """Write beside the target and rename, so a failure never leaves half a PDF behind."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise RenderProblem(f"Cannot save the PDF: the folder {folder} does not exist.")
    try:
        handle, temp = tempfile.mkstemp(prefix=".guide-", suffix=".pdf", dir=folder)
    except OSError as exc:
        raise RenderProblem(f"Cannot save the PDF in {folder}: {exc.strerror or exc}.") from exc
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temp, path)
    except OSError as exc:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise RenderProblem(f"Cannot save the PDF as {path}: {exc.strerror or exc}.") from exc
