"""A report on paper: A4 landscape, the same tables and charts as the screen, from the same `Report`.

The first page says what the report is (title, period, scope, who made it when) and the
disclosure rules applied; then each table, its header repeated on every page it runs onto, RAG
cells coloured and worded (the words carry the meaning, the colour only helps), and the table's
chart under it. A figure hidden by disclosure control is not drawn on a chart, and the chart
says so. Every page carries "Page n of m".

Charts are ReportLab graphics (VerticalBarChart, HorizontalBarChart, HorizontalLineChart) for
the bars, lines and axes; every word on them (row labels, the legend, axis titles) is drawn with
printing/text.py, so a partner called دروس محمد or પ્રિયા ફોન ક્લબ prints shaped, in its own
script, like everywhere else on paper."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

from reportlab.graphics import renderPDF
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer, Table, TableStyle
from reportlab.platypus.doctemplate import LayoutError

from ..reporting.export import ExportProblem, generated_words, rag_words, rules_words, table_rows, write_whole
from ..reporting.formatting import SUPPRESSED
from ..reporting.model import ChartKind, Measure, Rag, Report
from ..reporting.model import Table as ReportTable
from .fonts import Script, font_for, register_fonts
from .layout import FRAME_PADDING, PrintFormat, TextBlock, new_document, page_style
from .text import break_lines, draw_line

STYLE = replace(page_style(PrintFormat.STANDARD), page_size=landscape(A4), margin=14 * mm, body_size=9,
                body_leading=12, title_size=18, heading_size=12.5, space_after=4, section_gap=10)
WIDTH = STYLE.content_width
SMALL = 7.5  # chart labels
PAD = 4.0  # cell padding
KEEP_TOGETHER_ROWS = 20
SERIES = [colors.HexColor(c) for c in ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
                                       "#F0E442", "#000000")]  # Okabe-Ito: told apart with colour-blindness
RAG_COLOURS = {Rag.RED: colors.HexColor("#F4C7C3"), Rag.AMBER: colors.HexColor("#FCE8B2"),
               Rag.GREEN: colors.HexColor("#B7E1CD")}
_AXIS_WORDS = {Measure.COUNT: "Number", Measure.PERCENT: "Per cent", Measure.DAYS: "Days",
               Measure.MINUTES: "Minutes"}


def _width(text: str, size: float, bold: bool = False) -> float:
    lines, _ = break_lines(text, size, 100_000, bold=bold)
    return max((line.width for line in lines), default=0.0)


def _words_width(text: str, size: float, bold: bool = False) -> float:
    """The widest single word: what a column must give for the text to wrap without cutting."""
    return max((_width(word, size, bold) for word in text.split()), default=0.0)


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
    labels = [_width(table.row_title, size, True)] + [_width(r.label, size, r is table.total) for r in rows]
    words = [_words_width(table.row_title, size, True)] + [_words_width(r.label, size) for r in rows]
    first_natural = max(labels) + pad
    first = min(first_natural, max(max(words) + pad, WIDTH * 0.28))
    natural, least = [], []
    for column in table.columns:
        cells = [_width(rag_words(r.cell(column.key)), size, r is table.total) for r in rows]
        natural.append(max([_width(column.title, size, True)] + cells) + pad)
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

def chart_series(table: ReportTable) -> tuple[list[str], list[list[float | None]], int]:
    """(series names, one list of values per series over the table's rows, how many figures are
    hidden): a hidden ([c]) or missing figure is None, and is not drawn."""
    chart = table.chart
    names, series, hidden = [], [], 0
    for key in chart.columns:
        names.append(table.column(key).title)
        values: list[float | None] = []
        for row in table.rows:
            cell = row.cell(key)
            value = cell.published if cell is not None else None
            hidden += bool(cell is not None and cell.suppressed)
            values.append(float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None)
        series.append(values)
    return names, series, hidden


def _drawing(width: float, height: float) -> Drawing:
    """A Drawing that starts in the embedded Latin font (it would open in Helvetica, not embedded)."""
    drawing = Drawing(width, height)
    drawing.initialFontName = font_for(Script.LATIN)
    return drawing


def _value_axis(axis, measure: Measure, top: float) -> None:
    axis.valueMin = 0
    if measure is Measure.PERCENT and top <= 100:
        axis.valueMax = 100
    else:
        axis.valueMax = max(top * 1.1, 5)
        if measure is Measure.COUNT and axis.valueMax <= 10:
            axis.valueStep = 1  # counts are whole: no tick at 0.2 of a person
    axis.labels.fontName, axis.labels.fontSize = font_for(Script.LATIN), SMALL
    axis.labelTextFormat = (lambda v: f"{v:,.0f}%") if measure is Measure.PERCENT else (lambda v: f"{v:,.10g}")
    axis.visibleGrid, axis.gridStrokeColor, axis.gridStrokeWidth = 1, colors.HexColor("#D0D0D0"), 0.3


class ChartBlock(Flowable):
    """A table's chart: a legend on top, then the plot with every label in the document's fonts.
    Bars run across (one row per band, labels on the left) for funnels and for bar charts with
    many or long labels, so nothing is squeezed; that kind splits across pages by rows."""

    def __init__(self, table: ReportTable, rows: slice | None = None, top: float | None = None) -> None:
        super().__init__()
        self.table, self.kind = table, table.chart.kind
        self.names, self.series, self.hidden = chart_series(table)
        self.rows = rows or slice(0, len(table.rows))
        self.measure = table.column(table.chart.columns[0]).measure
        values = [v for s in self.series for v in s if v is not None]
        self.top = top if top is not None else max(values, default=0.0)
        self.labels = [r.label for r in table.rows]
        band = WIDTH * 0.85 / max(len(self.labels), 1)
        self.across = self.kind is ChartKind.FUNNEL or (self.kind is ChartKind.BAR and (
            len(self.labels) > 12 or any(len(break_lines(label, SMALL, band - 4)[0]) > 3 for label in self.labels)))
        self.legend = self._legend_lines()

    # legend: a swatch and a name per series, in as many lines as it needs
    def _legend_lines(self) -> list[list[tuple[int, float]]]:
        lines, used = [[]], 0.0
        for index, name in enumerate(self.names):
            need = 14 + _width(name, SMALL) + 14
            if used + need > WIDTH and lines[-1]:
                lines.append([])
                used = 0.0
            lines[-1].append((index, used))
            used += need
        return lines

    def _band(self) -> float:
        return max(14.0, len(self.series) * 8.0 + 6)

    def _label_width(self) -> float:
        return min(max((_width(label, SMALL) for label in self.labels), default=0) + 12, WIDTH * 0.3)

    def wrap(self, availWidth, availHeight):
        legend = len(self.legend) * 12 + 4
        if self.across:
            count = len(range(*self.rows.indices(len(self.labels))))
            self.plot_height = count * self._band()
            self.height = legend + self.plot_height + 30
        else:
            self.plot_height = 62 * mm
            self.height = legend + self.plot_height + 3 * SMALL * 1.25 + 28
        self.width = WIDTH
        return self.width, self.height

    def split(self, availWidth, availHeight):
        if not self.across:
            return []
        fit = int((availHeight - len(self.legend) * 12 - 34) // self._band())
        start, stop, _ = self.rows.indices(len(self.labels))
        if fit < 3 or fit >= stop - start:
            return []
        return [ChartBlock(self.table, slice(start, start + fit), self.top),
                ChartBlock(self.table, slice(start + fit, stop), self.top)]

    def draw(self):
        canvas = self.canv
        y = self.height - 10
        for line in self.legend:
            for index, x in line:
                canvas.setFillColor(SERIES[index % len(SERIES)])
                canvas.rect(x, y, 9, 7, stroke=0, fill=1)
                canvas.setFillColor(colors.black)
                self._say(self.names[index], x + 13, y)
            y -= 12
        if self.across:
            self._draw_across()
        else:
            self._draw_upright()

    def _say(self, text: str, x: float, y: float, *, size: float = SMALL, bold: bool = False) -> float:
        lines, _ = break_lines(text, size, 100_000, bold=bold)
        for line in lines:
            draw_line(self.canv, line, x, y, size)
        return max((line.width for line in lines), default=0.0)

    def _draw_upright(self) -> None:
        label_lines = 3
        bottom = label_lines * SMALL * 1.25 + 22
        left = 48.0
        drawing = _drawing(self.width, self.height)
        chart = VerticalBarChart() if self.kind is ChartKind.BAR else HorizontalLineChart()
        chart.x, chart.y, chart.width, chart.height = left, bottom, self.width - left - 10, self.plot_height
        chart.data, owners = self._upright_data()
        chart.categoryAxis.categoryNames = [""] * len(self.labels)
        chart.categoryAxis.labels.fontName = font_for(Script.LATIN)
        _value_axis(chart.valueAxis, self.measure, self.top)
        for index, owner in enumerate(owners):
            colour = SERIES[owner % len(SERIES)]
            if self.kind is ChartKind.BAR:
                chart.bars[index].fillColor, chart.bars[index].strokeColor = colour, None
            else:
                alone = sum(v is not None for v in chart.data[index]) <= 1  # one point: its marker, no line
                chart.lines[index].strokeColor, chart.lines[index].strokeWidth = (None if alone else colour), 1.6
                chart.lines[index].symbol = makeMarker("FilledCircle", size=3.5, fillColor=colour)
        drawing.add(chart)
        renderPDF.draw(drawing, self.canv, 0, 0)
        band = chart.width / max(len(self.labels), 1)
        every = 1
        while any(_width(label, SMALL) > band * every - 2 and len(break_lines(label, SMALL, band * every - 2)[0])
                  > label_lines for label in self.labels[::every]):
            every += 1
        for index in range(0, len(self.labels), every):
            lines, _ = break_lines(self.labels[index], SMALL, max(band * every - 2, 20))
            centre = left + (index + 0.5) * band
            for number, line in enumerate(lines[:label_lines]):
                draw_line(self.canv, line, centre - line.width / 2, bottom - 10 - number * SMALL * 1.25, SMALL)
        self._hidden_marks(left, bottom, band)
        self._axis_titles(left, bottom, chart.width, self.plot_height)

    def _upright_data(self) -> tuple[list[list[float | None]], list[int]]:
        """The chart's data rows and the series each belongs to. A line breaks where a figure is
        hidden or missing (one data row per unbroken run) rather than joining across the gap."""
        if self.kind is ChartKind.BAR:
            return [list(s) for s in self.series], list(range(len(self.series)))
        data, owners = [], []
        for owner, values in enumerate(self.series):
            run: list[float | None] = [None] * len(values)
            for index, value in enumerate([*values, None]):
                if value is not None:
                    run[index] = value
                elif any(v is not None for v in run):
                    data.append(run)
                    owners.append(owner)
                    run = [None] * len(values)
        return data or [[None] * len(self.labels)], owners or [0]

    def _hidden_marks(self, left: float, bottom: float, band: float) -> None:
        """"[c]" just above the axis where a figure of that row is hidden."""
        for index, row in enumerate(self.table.rows):
            if any((cell := row.cell(key)) is not None and cell.suppressed for key in self.table.chart.columns):
                width = _width(SUPPRESSED, SMALL)
                self._say(SUPPRESSED, left + (index + 0.5) * band - width / 2, bottom + 3)

    def _axis_titles(self, left: float, bottom: float, width: float, height: float) -> None:
        canvas = self.canv
        title = _AXIS_WORDS.get(self.measure, "")
        canvas.saveState()
        canvas.translate(10, bottom + height / 2 - _width(title, SMALL, True) / 2)
        canvas.rotate(90)
        self._say(title, 0, 0, bold=True)
        canvas.restoreState()
        row_title = self.table.row_title
        self._say(row_title, left + width / 2 - _width(row_title, SMALL, True) / 2, 2, bold=True)

    def _draw_across(self) -> None:
        start, stop, _ = self.rows.indices(len(self.labels))
        labels = self.labels[start:stop]
        left = self._label_width()
        bottom = 24.0
        drawing = _drawing(self.width, self.height)
        chart = HorizontalBarChart()
        chart.x, chart.y, chart.width, chart.height = left, bottom, self.width - left - 60, self.plot_height
        chart.data = [s[start:stop] for s in self.series]
        chart.categoryAxis.categoryNames = [""] * len(labels)
        chart.categoryAxis.reverseDirection = 1  # the first row (a funnel's first step) on top
        chart.categoryAxis.labels.fontName = font_for(Script.LATIN)
        chart.barSpacing = 1
        _value_axis(chart.valueAxis, self.measure, self.top)
        for index in range(len(self.series)):
            chart.bars[index].fillColor, chart.bars[index].strokeColor = SERIES[index % len(SERIES)], None
        drawing.add(chart)
        renderPDF.draw(drawing, self.canv, 0, 0)
        band = self._band()
        scale = chart.width / chart.valueAxis.valueMax
        for offset, label in enumerate(labels):
            middle = bottom + self.plot_height - (offset + 0.5) * band
            lines, _ = break_lines(label, SMALL, left - 8)
            size = SMALL if len(lines) == 1 or band >= 2 * SMALL * 1.1 else SMALL * 0.8
            lines = break_lines(label, size, left - 8)[0][:2] if size != SMALL or len(lines) > 1 else lines
            for number, line in enumerate(lines):
                y = middle - size * 0.35 + (len(lines) - 1) * size * 0.55 - number * size * 1.1
                draw_line(self.canv, line, left - 4 - line.width, y, size)
            # One series: its figure at the end of the bar. Several: "[c]" past the longest bar when
            # any of the row's figures is hidden.
            row = self.table.rows[start + offset]
            cells = [row.cell(key) for key in self.table.chart.columns]
            longest = max((s[start + offset] or 0 for s in self.series), default=0)
            hidden = any(cell is not None and cell.suppressed for cell in cells)
            words = rag_words(cells[0]) if len(cells) == 1 and not hidden else (SUPPRESSED if hidden else "")
            if words:
                self._say(words, left + 3 + longest * scale, middle - SMALL * 0.35)
        title = _AXIS_WORDS.get(self.measure, "")
        self._say(title, left + chart.width / 2 - _width(title, SMALL, True) / 2, 2, bold=True)


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
    width = max(_width(w, STYLE.body_size, True) for w in ("Period", "Scope", "Generated", "Disclosure control"))
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


__all__ = ["ChartBlock", "chart_series", "column_groups", "render_report_pdf", "report_story", "write_report_pdf"]
