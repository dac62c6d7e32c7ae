"""A report table's chart on paper: a legend on top, then the plot, every word in the document's fonts.

Charts are ReportLab graphics (VerticalBarChart, HorizontalBarChart, HorizontalLineChart) for
the bars, lines and axes; every word on them (row labels, the legend, axis titles) is drawn with
printing/text.py, so a partner called دروس محمد or પ્રિયા ફોન ક્લબ prints shaped, in its own
script, like everywhere else on paper. A figure hidden by disclosure control is not drawn.

The report's page (A4 landscape) and the measure of a line of text are set here too: the tables
in report_pdf.py are laid out on the same page, with the same measure, as the charts."""

from __future__ import annotations

from dataclasses import replace

from reportlab.graphics import renderPDF
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from ..reporting.export import rag_words
from ..reporting.formatting import SUPPRESSED
from ..reporting.model import ChartKind, Measure
from ..reporting.model import Table as ReportTable
from .fonts import Script, font_for
from .layout import PrintFormat, page_style
from .text import break_lines, draw_line

STYLE = replace(page_style(PrintFormat.STANDARD), page_size=landscape(A4), margin=14 * mm, body_size=9,
                body_leading=12, title_size=18, heading_size=12.5, space_after=4, section_gap=10)
WIDTH = STYLE.content_width
SMALL = 7.5  # chart labels, notes and the footer
SERIES = [colors.HexColor(c) for c in ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
                                       "#F0E442", "#000000")]  # Okabe-Ito: told apart with colour-blindness
_AXIS_WORDS = {Measure.COUNT: "Number", Measure.PERCENT: "Per cent", Measure.DAYS: "Days",
               Measure.MINUTES: "Minutes"}


def text_width(text: str, size: float, bold: bool = False) -> float:
    """How wide the text is on one line, shaped as it will be printed."""
    lines, _ = break_lines(text, size, 100_000, bold=bold)
    return max((line.width for line in lines), default=0.0)


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
            need = 14 + text_width(name, SMALL) + 14
            if used + need > WIDTH and lines[-1]:
                lines.append([])
                used = 0.0
            lines[-1].append((index, used))
            used += need
        return lines

    def _band(self) -> float:
        return max(14.0, len(self.series) * 8.0 + 6)

    def _labeltext_width(self) -> float:
        return min(max((text_width(label, SMALL) for label in self.labels), default=0) + 12, WIDTH * 0.3)

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
        while any(text_width(label, SMALL) > band * every - 2 and len(break_lines(label, SMALL, band * every - 2)[0])
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
                width = text_width(SUPPRESSED, SMALL)
                self._say(SUPPRESSED, left + (index + 0.5) * band - width / 2, bottom + 3)

    def _axis_titles(self, left: float, bottom: float, width: float, height: float) -> None:
        canvas = self.canv
        title = _AXIS_WORDS.get(self.measure, "")
        canvas.saveState()
        canvas.translate(10, bottom + height / 2 - text_width(title, SMALL, True) / 2)
        canvas.rotate(90)
        self._say(title, 0, 0, bold=True)
        canvas.restoreState()
        row_title = self.table.row_title
        self._say(row_title, left + width / 2 - text_width(row_title, SMALL, True) / 2, 2, bold=True)

    def _draw_across(self) -> None:
        start, stop, _ = self.rows.indices(len(self.labels))
        labels = self.labels[start:stop]
        left = self._labeltext_width()
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
        self._say(title, left + chart.width / 2 - text_width(title, SMALL, True) / 2, 2, bold=True)


__all__ = ["SERIES", "SMALL", "STYLE", "WIDTH", "ChartBlock", "chart_series", "text_width"]
