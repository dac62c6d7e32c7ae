"""A report table's chart (Table.chart) drawn with QtCharts.

BAR: one group of bars per row (horizontal bars, a row each, when the names are many or long);
LINE: the rows in order, a trend; FUNNEL: the rows as the steps of a funnel, horizontal bars from
the top. Only published values are drawn: a withheld figure ("[c]") or one with nothing to show is
left out, and the words under the chart say which. A series with nothing drawable is left out and
the chart's title says so; a series missing some figures says how many in the legend; a chart with
nothing drawable at all is one line saying why."""

from __future__ import annotations

import calendar
import html
import math

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QCoreApplication, QMargins, QPointF, Qt
from PySide6.QtGui import QFont, QPainter
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ...reporting.formatting import SUPPRESSED
from ...reporting.model import Cell, ChartKind, Measure, Table

# Colour-blind-safe series colours (Okabe–Ito), dark enough against white.
SERIES_COLOURS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9")


def _tr(text: str) -> str:
    return QCoreApplication.translate("ReportChart", text)


def _axis_title(measure: Measure) -> str:
    return {Measure.COUNT: _tr("Number"), Measure.PERCENT: _tr("Per cent"), Measure.DAYS: _tr("Days"),
            Measure.MINUTES: _tr("Minutes")}.get(measure, _tr("Value"))


def short_month(label: str) -> str:
    """"December 2025" -> "Dec 2025"; any other label as it is."""
    first, _space, rest = label.partition(" ")
    return f"{first[:3]} {rest}" if first in calendar.month_name[1:] and rest else label


def drawable(cell: Cell | None) -> float | None:
    """The value a chart may draw, or None: never a withheld figure, only what may be published."""
    if cell is None or cell.suppressed or cell.measure is Measure.TEXT:
        return None
    value = cell.published
    return float(value) if isinstance(value, (int, float)) else None


LONG_LABEL = 16  # characters: a longer name under a vertical bar would be cut short
MANY_CATEGORIES = 6  # more than this side by side: horizontal bars, a row each, with the full names


def nice_scale(highest: float, measure: Measure) -> tuple[float, float]:
    """(top, step) of a value axis: steps of 1, 2 or 5 times ten, about five of them; whole steps
    for counts (never "0, 0, 0, 1, 1, 1"), and 0 to 100 in twenties for percentages."""
    if measure is Measure.PERCENT:
        return 100.0, 20.0
    whole = measure is Measure.COUNT
    if highest <= 0:
        return 1.0, (1.0 if whole else 0.2)
    rough = highest / 5
    magnitude = 10 ** math.floor(math.log10(rough))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= rough)
    if whole:
        step = max(1.0, float(round(step)))
    return math.ceil(highest / step - 1e-9) * step, float(step)


def horizontal(labels: list[str], kind: ChartKind) -> bool:
    """Horizontal bars for a funnel, and for many or long category names (which never fit under bars)."""
    return kind is ChartKind.FUNNEL or (kind is ChartKind.BAR and (
        len(labels) > MANY_CATEGORIES or any(len(label) > LONG_LABEL for label in labels)))


def distinct(labels: list[str]) -> list[str]:
    """Category names as given, each once (a category axis drops a repeated name, and its bars with it)."""
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out


class ReportChart(QWidget):
    """The chart and, under it, what it leaves out; or, when nothing may be drawn, one line saying why."""

    def __init__(self, table: Table, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        chart_spec = table.chart
        assert chart_spec is not None
        self.table = table
        self.left_out: list[str] = []  # for each column with values not drawn: which rows, and why
        self.drawn: dict[str, list[float | None]] = {}  # column key -> value per row (None: not drawn)
        self.series_names: dict[str, str] = {}  # column key -> its name in the legend
        self.not_drawn: list[str] = []  # titles of columns with nothing drawable for any row: left out
        left_out_keys: set[str] = set()
        self.chart: QChart | None = None
        self.view: QChartView | None = None
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.note.setAccessibleName(_tr("What the chart leaves out"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        columns = [table.column(key) for key in chart_spec.columns]
        measure = columns[0].measure if columns else Measure.COUNT
        labels = distinct([row.label for row in table.rows])
        withheld_anywhere = False
        for column in columns:
            values, withheld, empty = [], [], []
            for row in table.rows:
                value = drawable(row.cell(column.key))
                values.append(value)
                if value is None:
                    cell = row.cell(column.key)
                    (withheld if cell is not None and cell.suppressed else empty).append(row.label)
            self.drawn[column.key] = values
            withheld_anywhere = withheld_anywhere or bool(withheld)
            missing = len(withheld) + len(empty)
            if missing == len(values):
                self.not_drawn.append(column.title)
                left_out_keys.add(column.key)
            elif missing:
                self.series_names[column.key] = (
                    _tr("{0} ({1} of {2} withheld)") if not empty else _tr("{0} ({1} of {2} not drawn)")).format(
                    column.title, missing, len(values))
            reasons = ([_tr("withheld ({0}) for {1}").format(SUPPRESSED, ", ".join(withheld))] if withheld else []) \
                + ([_tr("nothing to show for {0}").format(", ".join(empty))] if empty else [])
            if reasons:
                self.left_out.append(f"{column.title}: " + "; ".join(reasons))

        highest = max([v for values in self.drawn.values() for v in values if v is not None] or [0.0])
        if highest <= 0:  # nothing to draw, or only zeros: an empty grid would only puzzle
            if len(self.not_drawn) == len(columns):
                why = _tr("every figure it would draw is withheld ({0}) to protect people").format(SUPPRESSED) \
                    if withheld_anywhere else _tr("there is no figure to draw")
            else:
                why = _tr("every figure it would draw is 0 or withheld ({0}) to protect people").format(SUPPRESSED) \
                    if withheld_anywhere else _tr("every figure it would draw is 0 or blank")
            self.note.setText(_tr("No chart of “{0}”: {1}. The table gives every figure that may be shown.").format(
                chart_spec.title, why))
            self.note.setAccessibleName(_tr("Why there is no chart"))
            layout.addWidget(self.note)
            return
        drawn_columns = [column for column in columns if column.key not in left_out_keys]
        self._build(chart_spec, drawn_columns, labels, measure, highest)
        layout.addWidget(self.view)
        if self.left_out:
            self.note.setText(_tr("Not drawn. {0}. The table gives every figure that may be shown.").format(
                ". ".join(self.left_out)))
            layout.addWidget(self.note)

    def _build(self, chart_spec, columns, labels: list[str], measure: Measure, highest: float) -> None:
        self.ensurePolished()  # the style sheet's text size, which the chart's own fonts follow
        font = self.font()
        self.chart = QChart()
        title = html.escape(chart_spec.title)
        if self.not_drawn:  # said on the chart itself, not only in the words under it
            title += "<br><span style='font-weight: normal'>" + html.escape(
                _tr("Not drawn, every figure withheld or blank: {0}").format(", ".join(self.not_drawn))) + "</span>"
        self.chart.setTitle(title)
        title_font = QFont(font)
        title_font.setBold(True)
        self.chart.setTitleFont(title_font)
        self.chart.legend().setFont(font)
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.chart.setMargins(QMargins(4, 4, 4, 4))
        self.chart.setBackgroundRoundness(0)

        top, step = nice_scale(highest, measure)
        value_axis = QValueAxis()
        value_axis.setRange(0, top)
        value_axis.setTickType(QValueAxis.TickType.TicksFixed)
        value_axis.setTickCount(int(round(top / step)) + 1)
        value_axis.setLabelFormat("%d" if float(step).is_integer() else "%.1f")
        value_axis.setTitleText(_axis_title(measure))
        category_axis = QBarCategoryAxis()
        category_axis.setTitleText(self.table.row_title)
        for axis in (value_axis, category_axis):
            axis.setLabelsFont(font)
            axis.setTitleFont(font)
        sideways = horizontal(labels, chart_spec.kind)

        if chart_spec.kind is ChartKind.LINE:
            # A year of months side by side: "Dec 2025", so no name is cut short.
            category_axis.append([short_month(label) for label in labels] if len(labels) > 6 else labels)
            self.chart.addAxis(category_axis, Qt.AlignmentFlag.AlignBottom)
            self.chart.addAxis(value_axis, Qt.AlignmentFlag.AlignLeft)
            for n, column in enumerate(columns):
                series = QLineSeries()
                series.setName(self.series_names.get(column.key, column.title))
                series.setPointsVisible(True)
                pen = series.pen()
                pen.setWidth(3)
                pen.setColor(SERIES_COLOURS[n % len(SERIES_COLOURS)])
                series.setPen(pen)
                for x, value in enumerate(self.drawn[column.key]):
                    if value is not None:
                        # A category axis puts its categories at 0, 1, 2...: one point per row.
                        series.append(QPointF(x, value))
                self.chart.addSeries(series)
                series.attachAxis(category_axis)
                series.attachAxis(value_axis)
        else:
            series = QHorizontalBarSeries() if sideways else QBarSeries()
            order = list(range(len(labels)))
            if sideways:
                order.reverse()  # the first row at the top, as in the table
            category_axis.append([labels[i] for i in order])
            for n, column in enumerate(columns):
                bars = QBarSet(self.series_names.get(column.key, column.title))
                bars.setColor(SERIES_COLOURS[n % len(SERIES_COLOURS)])
                for i in order:
                    value = self.drawn[column.key][i]
                    bars.append(0.0 if value is None else value)  # no bar; the legend and the note say why
                series.append(bars)
            self.chart.addSeries(series)
            self.chart.addAxis(category_axis, Qt.AlignmentFlag.AlignLeft if sideways else Qt.AlignmentFlag.AlignBottom)
            self.chart.addAxis(value_axis, Qt.AlignmentFlag.AlignBottom if sideways else Qt.AlignmentFlag.AlignLeft)
            series.attachAxis(category_axis)
            series.attachAxis(value_axis)
        self.chart.legend().setVisible(len(columns) > 1 or bool(self.series_names))

        self.view = QChartView(self.chart)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setAccessibleName(_tr("Chart: {0}").format(chart_spec.title))
        self.view.setAccessibleDescription(self.description())
        self.view.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the table beside it holds the same figures
        line = self.fontMetrics().lineSpacing()
        bars_per_row = max(1, len(columns)) if sideways and chart_spec.kind is not ChartKind.LINE else 0
        rows_needed = len(labels) * (1.2 + 0.6 * bars_per_row) if bars_per_row else 0
        self.view.setMinimumHeight(int(max(16 * line, (rows_needed + 8) * line)))

    def description(self) -> str:
        kind = {ChartKind.BAR: _tr("Bar chart"), ChartKind.LINE: _tr("Line chart"),
                ChartKind.FUNNEL: _tr("Funnel chart")}[self.table.chart.kind]
        return _tr("{0} of {1} by {2}; the same figures are in the table above.").format(
            kind, ", ".join(self.table.column(k).title for k in self.table.chart.columns), self.table.row_title.lower())
