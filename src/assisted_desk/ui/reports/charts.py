"""A report table's chart (Table.chart) drawn with QtCharts.

BAR: one group of bars per row; LINE: the rows in order, a trend; FUNNEL: the rows as the steps
of a funnel, horizontal bars from the top. Only published values are drawn: a withheld figure
("[c]") or one with nothing to show is left out, and the words under the chart say which."""

from __future__ import annotations

import calendar

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


def _nice_top(highest: float, measure: Measure) -> float:
    if measure is Measure.PERCENT:
        return 100.0
    if highest <= 0:
        return 1.0
    step = 10 ** (len(str(int(highest))) - 1)
    return float((int(highest / step) + 1) * step)


class ReportChart(QWidget):
    """The chart and, under it, what it leaves out."""

    def __init__(self, table: Table, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        chart_spec = table.chart
        assert chart_spec is not None
        self.table = table
        self.left_out: list[str] = []  # for each column with values not drawn: which rows, and why
        self.drawn: dict[str, list[float | None]] = {}  # column key -> value per row (None: not drawn)
        self.ensurePolished()  # the style sheet's text size, which the chart's own fonts follow
        font = self.font()
        self.chart = QChart()
        self.chart.setTitle(chart_spec.title)
        title_font = QFont(font)
        title_font.setBold(True)
        self.chart.setTitleFont(title_font)
        self.chart.legend().setFont(font)
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.chart.setMargins(QMargins(4, 4, 4, 4))
        self.chart.setBackgroundRoundness(0)
        columns = [table.column(key) for key in chart_spec.columns]
        measure = columns[0].measure if columns else Measure.COUNT
        labels = [row.label for row in table.rows]
        for column in columns:
            values, withheld, empty = [], [], []
            for row in table.rows:
                value = drawable(row.cell(column.key))
                values.append(value)
                if value is None:
                    cell = row.cell(column.key)
                    (withheld if cell is not None and cell.suppressed else empty).append(row.label)
            self.drawn[column.key] = values
            reasons = ([_tr("withheld ({0}) for {1}").format(SUPPRESSED, ", ".join(withheld))] if withheld else []) \
                + ([_tr("nothing to show for {0}").format(", ".join(empty))] if empty else [])
            if reasons:
                self.left_out.append(f"{column.title}: " + "; ".join(reasons))
        highest = max([v for values in self.drawn.values() for v in values if v is not None] or [0.0])

        value_axis = QValueAxis()
        value_axis.setRange(0, _nice_top(highest, measure))
        value_axis.applyNiceNumbers()  # steps of 1, 2 or 5 (times ten): 0, 20, 40... not 0, 18, 35
        value_axis.setLabelFormat("%.0f")
        value_axis.setTitleText(_axis_title(measure))
        category_axis = QBarCategoryAxis()
        category_axis.setTitleText(table.row_title)
        for axis in (value_axis, category_axis):
            axis.setLabelsFont(font)
            axis.setTitleFont(font)

        if chart_spec.kind is ChartKind.LINE:
            # A year of months side by side: "Dec 2025", so no name is cut short.
            category_axis.append([short_month(label) for label in labels] if len(labels) > 6 else labels)
            self.chart.addAxis(category_axis, Qt.AlignmentFlag.AlignBottom)
            self.chart.addAxis(value_axis, Qt.AlignmentFlag.AlignLeft)
            for n, column in enumerate(columns):
                series = QLineSeries()
                series.setName(column.title)
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
            funnel = chart_spec.kind is ChartKind.FUNNEL
            series = QHorizontalBarSeries() if funnel else QBarSeries()
            order = list(range(len(labels)))
            if funnel:
                order.reverse()  # the first step at the top
            category_axis.append([labels[i] for i in order])
            for n, column in enumerate(columns):
                bars = QBarSet(column.title)
                bars.setColor(SERIES_COLOURS[n % len(SERIES_COLOURS)])
                for i in order:
                    value = self.drawn[column.key][i]
                    bars.append(0.0 if value is None else value)  # nothing drawn; the note says why
                series.append(bars)
            self.chart.addSeries(series)
            self.chart.addAxis(category_axis, Qt.AlignmentFlag.AlignLeft if funnel else Qt.AlignmentFlag.AlignBottom)
            self.chart.addAxis(value_axis, Qt.AlignmentFlag.AlignBottom if funnel else Qt.AlignmentFlag.AlignLeft)
            series.attachAxis(category_axis)
            series.attachAxis(value_axis)
        self.chart.legend().setVisible(len(columns) > 1)

        self.view = QChartView(self.chart)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setAccessibleName(_tr("Chart: {0}").format(chart_spec.title))
        self.view.setAccessibleDescription(self.description())
        self.view.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the table beside it holds the same figures
        line = self.fontMetrics().lineSpacing()
        rows_needed = len(labels) if chart_spec.kind is ChartKind.FUNNEL else 0
        self.view.setMinimumHeight(max(16 * line, (rows_needed * 2 + 8) * line))
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.note.setAccessibleName(_tr("What the chart leaves out"))
        if self.left_out:
            self.note.setText(_tr("Not drawn. {0}. The table gives every figure that may be shown.").format(
                ". ".join(self.left_out)))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        layout.addWidget(self.note)
        self.note.setVisible(bool(self.left_out))  # only once it has a parent: never a window of its own

    def description(self) -> str:
        kind = {ChartKind.BAR: _tr("Bar chart"), ChartKind.LINE: _tr("Line chart"),
                ChartKind.FUNNEL: _tr("Funnel chart")}[self.table.chart.kind]
        return _tr("{0} of {1} by {2}; the same figures are in the table above.").format(
            kind, ", ".join(self.table.column(k).title for k in self.table.chart.columns), self.table.row_title.lower())
