"""A report on paper: A4 landscape, the same tables and charts as the screen, from the same `Report`.

The first page says what the report is (title, period, scope, who made it when) and the
disclosure rules applied; then each table, its header repeated on every page it runs onto, RAG
cells coloured and worded (the words carry the meaning, the colour only helps), and the table's
chart under it (drawn by report_charts.py). A figure hidden by disclosure control is not drawn on
a chart, and the chart says so. Every page carries "Page n of m"."""

from __future__ import annotations

import io
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer, Table, TableStyle
from reportlab.platypus.doctemplate import LayoutError

from ..reporting.export import ExportProblem, generated_words, rag_words, rules_words, table_rows, write_whole
from ..reporting.formatting import SUPPRESSED
from ..reporting.model import Rag, Report
from ..reporting.model import Table as ReportTable
from .fonts import Script, font_for, register_fonts
from .layout import FRAME_PADDING, TextBlock, new_document
from .report_charts import SMALL, STYLE, WIDTH, ChartBlock, text_width
from .text import break_lines, draw_line

PAD = 4.0  # cell padding
KEEP_TOGETHER_ROWS = 20
RAG_COLOURS = {Rag.RED: colors.HexColor("#F4C7C3"), Rag.AMBER: colors.HexColor("#FCE8B2"),
               Rag.GREEN: colors.HexColor("#B7E1CD")}


def _words_width(text: str, size: float, bold: bool = False) -> float:
    """The widest single word: what a column must give for the text to wrap without cutting."""
    return max((text_width(word, size, bold) for word in text.split()), default=0.0)


class _Figure(TextBlock):
    """A figure in a table cell: right-aligned, as figures line up in a column."""

    def draw(self):
        lines = self._broken[0]
        drop = (self.leading - self.size) / 2 + self.size * 0.8
        for index, line in enumerate(lines):
            draw_line(self.canv, line, self.width - line.width, self.height - index * self.leading - drop, self.size)


def _text(text: str, *, size: float | None = None, bold: bool = False, after: float = 0.0) -> TextBlock:
    size = size or STYLE.body_size
    return TextBlock(text, size, size * 1.33, bold=bold, space_after=after)


# ---- the tables ----------------------------------------------------------------------------------

def _fit(natural: list[float], least: list[float]) -> list[float]:
    """Widths that fit the page: natural when they can, else each column's least plus a share of
    what is left in proportion to how much more it would like."""
    if sum(natural) <= WIDTH:
        return natural
    if sum(least) >= WIDTH:
        return [w * WIDTH / sum(least) for w in least]
    spare, wants = WIDTH - sum(least), [n - m for n, m in zip(natural, least)]
    return [m + spare * w / sum(wants) for m, w in zip(least, wants)]


def column_groups(table: ReportTable) -> list[tuple[list[int], list[float]]]:
    """The table's columns in as few page-wide parts as needed, each part with its widths (the row
    labels first, repeated in every part). A figure never wraps; a heading wraps between words; a
    table too wide for one page is printed in parts rather than squeezed letter by letter."""
    size, rows, pad = STYLE.body_size, table_rows(table), 2 * PAD + 1
    labels = [text_width(table.row_title, size, True)] + [text_width(r.label, size, r is table.total) for r in rows]
    words = [_words_width(table.row_title, size, True)] + [_words_width(r.label, size) for r in rows]
    first_natural = max(labels) + pad
    first = min(first_natural, max(max(words) + pad, WIDTH * 0.28))
    natural, least = [], []
    for column in table.columns:
        cells = [text_width(rag_words(r.cell(column.key)), size, r is table.total) for r in rows]
        natural.append(max([text_width(column.title, size, True)] + cells) + pad)
        least.append(min(max([_words_width(column.title, size, True)] + cells) + pad, WIDTH / 3))

    def grouped(most: int) -> list[list[int]]:
        groups: list[list[int]] = [[]]
        for index in range(len(table.columns)):
            current = groups[-1]
            if current and (len(current) >= most or first + sum(least[j] for j in current) + least[index] > WIDTH):
                groups.append(current := [])
            current.append(index)
        return groups

    groups = grouped(len(table.columns) or 1)
    if len(groups) > 1:  # as even as the page allows: 14 and 13 columns, not 20 and 7
        even = grouped(-(-len(table.columns) // len(groups)))
        groups = even if len(even) == len(groups) else groups
    return [(group, _fit([first_natural] + [natural[j] for j in group], [first] + [least[j] for j in group]))
            for group in groups]


def _tables(table: ReportTable) -> list[Flowable]:
    groups = column_groups(table)
    out: list[Flowable] = []
    for part, (indices, widths) in enumerate(groups, 1):
        if len(groups) > 1:
            caption = _text(f"{table.title}: part {part} of {len(groups)} (the table is too wide for one page)",
                            size=SMALL + 0.5, after=2)
            caption.keepWithNext = True
            out.append(caption)
        out.append(_table(table, [table.columns[i] for i in indices], widths))
        if part < len(groups):
            out.append(Spacer(1, STYLE.space_after * 2))
    return out


def _table(table: ReportTable, columns, widths: list[float]) -> Table:
    size, leading = STYLE.body_size, STYLE.body_leading
    data = [[TextBlock(table.row_title, size, leading, bold=True)]
            + [_Figure(c.title, size, leading, bold=True) for c in columns]]
    commands = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONTNAME", (0, 0), (-1, -1), font_for(Script.LATIN)),  # a Table selects Helvetica otherwise
        ("LEFTPADDING", (0, 0), (-1, -1), PAD), ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8E8E8")),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#B0B0B0")),
    ]
    for y, row in enumerate(table_rows(table), 1):
        total = row is table.total
        line = [TextBlock(row.label, size, leading, bold=total)]
        for x, column in enumerate(columns, 1):
            cell = row.cell(column.key)
            line.append(_Figure(rag_words(cell), size, leading, bold=total))
            if cell is not None and cell.rag is not None:
                commands.append(("BACKGROUND", (x, y), (x, y), RAG_COLOURS[cell.rag]))
        data.append(line)
        if total:
            commands.append(("LINEABOVE", (0, y), (-1, y), 0.8, colors.black))
    drawn = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT", splitInRow=1)
    drawn.setStyle(TableStyle(commands))
    return drawn


# ---- the charts ----------------------------------------------------------------------------------

def _chart_story(table: ReportTable) -> list[Flowable]:
    if table.chart is None or not table.rows:
        return []
    block = ChartBlock(table)
    title = _text(table.chart.title, bold=True, after=2)
    title.keepWithNext = True  # a chart's title never ends a page without its chart
    story: list[Flowable] = [CondPageBreak(40 * mm if block.across else 105 * mm), Spacer(1, STYLE.space_after),
                             title, block]
    if block.hidden:
        many = block.hidden != 1
        story.append(_text(f"{SUPPRESSED} not drawn: {block.hidden} figure{'s' if many else ''} hidden by disclosure "
                           f"control {'are' if many else 'is'} left out of this chart.", size=SMALL))
    return story


# ---- the document --------------------------------------------------------------------------------

def report_story(report: Report) -> list[Flowable]:
    story: list[Flowable] = [_text(report.title, size=STYLE.title_size, bold=True, after=STYLE.space_after)]
    for label, words in (("Period", report.period), ("Scope", report.scope), ("Generated", generated_words(report))):
        story.append(_fact(label, words))
    story += [Spacer(1, STYLE.space_after), _fact("Disclosure control", rules_words(report))]
    for note in report.notes:
        story.append(_fact("Note", note))
    if not report.tables:
        story += [Spacer(1, STYLE.section_gap), _text("This report has no tables: nothing was counted for it.")]
    for table in report.tables:
        # A short table's heading, parts and note go on one page together; a long one flows on.
        section: list[Flowable] = [_text(table.title, size=STYLE.heading_size, bold=True, after=STYLE.space_after),
                                   *_tables(table)]
        if not table.rows:
            section.append(_text("No records in this period.", after=STYLE.space_after))
        if table.note:
            section.append(_text(table.note, size=SMALL + 0.5))
        story += [CondPageBreak(40 * mm), Spacer(1, STYLE.section_gap),
                  *([KeepTogether(section)] if len(table.rows) <= KEEP_TOGETHER_ROWS else section), *_chart_story(table)]
    return story


def _fact(label: str, words: str) -> Table:
    width = max(text_width(w, STYLE.body_size, True) for w in ("Period", "Scope", "Generated", "Disclosure control"))
    fact = Table([[_text(label, bold=True), _text(words)]], colWidths=[width + 10, WIDTH - width - 10],
                 hAlign="LEFT", splitInRow=1)
    fact.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), font_for(Script.LATIN)),
                              ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                              ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]))
    return fact


def _footer(report: Report, pages: int):
    def draw(canvas, doc) -> None:
        canvas.saveState()
        y = STYLE.margin * 0.55
        left = break_lines(f"{report.title}, {report.period}", SMALL, WIDTH * 0.7)[0][0]
        draw_line(canvas, left, STYLE.margin + FRAME_PADDING, y, SMALL)
        [right], _ = break_lines(f"Page {doc.page} of {pages}", SMALL, 200)
        draw_line(canvas, right, STYLE.page_size[0] - STYLE.margin - FRAME_PADDING - right.width, y, SMALL)
        canvas.restoreState()

    return draw


def render_report_pdf(report: Report) -> tuple[bytes, int]:
    """The PDF's bytes and its page count. Built twice: the first build counts the pages that
    "Page n of m" names."""
    register_fonts()
    pages = 0
    for _ in range(2):
        buffer = io.BytesIO()
        doc = new_document(buffer, STYLE, title=f"{report.title}, {report.period}", language="en")
        doc.topMargin = STYLE.margin
        try:
            doc.build(report_story(report), onFirstPage=_footer(report, pages), onLaterPages=_footer(report, pages))
        except LayoutError as exc:
            raise ExportProblem("Part of this report is too big to fit on a page, so no PDF was made.",
                                "Save it as XLSX or CSV instead, or choose fewer sites or a shorter period.") from exc
        pages = doc.page
    return buffer.getvalue(), pages


def write_report_pdf(report: Report, path: Path) -> int:
    """Write the report as a PDF at `path` (whole, or not at all) and return its page count.
    ExportProblem, saying what to do, when the folder is missing, read-only or full."""
    data, pages = render_report_pdf(report)
    write_whole(Path(path), data, "report")
    return pages


__all__ = ["column_groups", "render_report_pdf", "report_story", "write_report_pdf"]
