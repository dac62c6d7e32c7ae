"""A finished report on screen: the disclosure rules, what the report covers, then each table with
its chart, all in one scroll area.

For a person who may open the records behind a figure, a double-click or Enter on a figure that
has them asks for the list (`drill_requested`); for anyone else figures are figures only."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHeaderView,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...reporting.model import Report, Table
from .charts import ReportChart
from .table_model import DRILL_ROLE, KEYS_ROLE, ReportTableModel


CONTENT_MARGINS = (0, 4, 12, 4)  # left, top, right, bottom of the scrolled report


def _label(text: str, name: str, object_name: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)  # titles and scope hold names people typed
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setAccessibleName(name)
    if object_name:
        label.setObjectName(object_name)
    return label


class ReportTableView(QTableView):
    """A table shown whole: the scroll area around every table scrolls, not each table.

    Column widths are worked out once from font metrics of the header and the cells' words (never
    resized to contents on every layout pass: a wide table would freeze the window). When the
    columns are wider than the page, the row titles and columns of words give up width and wrap;
    figures never wrap, and a table still too wide scrolls sideways."""

    def __init__(self, model: ReportTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.setAccessibleName(model.table.title)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setTabKeyNavigation(False)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.verticalHeader().setVisible(False)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.ensurePolished()
        self.natural = self._natural_widths()
        self.fitted_to: int | None = None

    def _natural_widths(self) -> list[int]:
        """Each column as wide as its widest words (header or cell), on one line."""
        model: ReportTableModel = self.model()
        style = self.style()
        pad = self.natural_pad = 2 * (style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self) + 1) + 1
        spare = self.fontMetrics().horizontalAdvance("0")  # breathing room, and what rounding may cost
        plain = self.fontMetrics()
        bold_font = QFont(self.font())
        bold_font.setBold(True)
        bold = QFontMetrics(bold_font)
        header = self.horizontalHeader()
        header.ensurePolished()
        widths = []
        for column in range(model.columnCount()):
            widest = header.sectionSizeHint(column)
            for row, texts in enumerate(model.texts):
                metrics = bold if model.is_total(row) else plain
                widest = max(widest, metrics.horizontalAdvance(texts[column]) + pad + spare)
            widths.append(widest)
        return widths

    def _wrap_floor(self, column: int) -> int:
        """The narrowest a column of words may become: its longest word, or about 16 characters."""
        model: ReportTableModel = self.model()
        metrics = self.fontMetrics()
        longest_word = max((metrics.horizontalAdvance(word) for texts in model.texts for word in texts[column].split()),
                           default=0)
        floor = max(longest_word, 16 * metrics.averageCharWidth()) + 4 * metrics.averageCharWidth()
        return min(self.natural[column], floor)

    def fit(self, available: int | None) -> None:
        """Columns and height for a page `available` pixels wide (None: as wide as the columns)."""
        if available is not None and available == self.fitted_to:
            return
        self.fitted_to = available
        model: ReportTableModel = self.model()
        widths = list(self.natural)
        frame = 2 * self.frameWidth()
        wrapped = False
        if available is not None and sum(widths) + frame > available:
            over = sum(widths) + frame - available
            give = {c: widths[c] - self._wrap_floor(c) for c in range(len(widths)) if model.is_text_column(c)}
            can_give = sum(give.values())
            if 0 < can_give and over <= can_give:  # wrapping words helps only if the table then fits
                taken = min(over, can_give)
                for column, slack in give.items():
                    cut = round(taken * slack / can_give)
                    if cut > 0:
                        widths[column] -= cut
                        wrapped = True
        header = self.horizontalHeader()
        for column, width in enumerate(widths):
            header.resizeSection(column, width)
        self.setWordWrap(wrapped)
        self._fit_rows(widths if wrapped else None)
        content = sum(widths) + frame
        width = content if available is None else min(content, available)
        scrolled = content > width
        height = (header.sizeHint().height() + self.verticalHeader().length() + frame
                  + (self.horizontalScrollBar().sizeHint().height() if scrolled else 0))
        self.setFixedSize(width, height)

    def _fit_rows(self, widths: list[int] | None) -> None:
        """Row heights from font metrics: one line each, or as many lines as a wrapped cell needs."""
        model: ReportTableModel = self.model()
        metrics = self.fontMetrics()
        # One line, and room for taller letters a fallback font may bring (Gujarati, Arabic).
        spare = 2 + 2 * self.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameVMargin, None, self)
        line = metrics.height() + spare
        wrapping = [c for c in range(model.columnCount()) if model.is_text_column(c)
                    and widths is not None and widths[c] < self.natural[c]]
        pad = self.natural_pad
        for row, texts in enumerate(model.texts):
            height = line
            for column in wrapping:
                box = metrics.boundingRect(QRect(0, 0, widths[column] - pad, 100_000),
                                           int(Qt.TextFlag.TextWordWrap), texts[column])
                height = max(height, box.height() + spare)
            self.setRowHeight(row, height)

    def wheelEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        event.ignore()  # the page scrolls, not the table


class ReportView(QWidget):
    """The report in one scroll area: the disclosure rules scroll with it, so the figures get the room.

    Tables are laid out at once; charts follow one at a time on a zero timer, so the window answers
    while they are drawn (finish_charts() builds whatever is still waiting)."""

    drill_requested = Signal(str, str, str, str)  # table key, row key, column key, what the figure is

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        tr = self.tr
        self.report: Report | None = None
        self.drillable = False
        self.table_views: dict[str, ReportTableView] = {}
        self.charts: dict[str, ReportChart] = {}
        self.pending_charts: list[tuple[Table, QVBoxLayout]] = []
        self.rules: QLabel | None = None
        self.unprotected: QLabel | None = None
        self.empty = _label(tr("Choose what to count above, then press Run report."), tr("Report"))
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setAccessibleName(tr("Report tables and charts"))
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # tables scroll sideways
        self.chart_timer = QTimer(self)
        self.chart_timer.setSingleShot(True)
        self.chart_timer.setInterval(0)
        self.chart_timer.timeout.connect(self._build_next_chart)
        self.fit_timer = QTimer(self)
        self.fit_timer.setSingleShot(True)
        self.fit_timer.setInterval(0)
        self.fit_timer.timeout.connect(self.fit_tables)
        self.scroll.viewport().installEventFilter(self)  # a narrower window: tables wrap their words again
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.empty)
        layout.addWidget(self.scroll, 1)
        self.show_report(None)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        if watched is self.scroll.viewport() and event.type() == QEvent.Type.Resize:
            self.fit_timer.start()
        return super().eventFilter(watched, event)

    def available_width(self) -> int:
        """What a table may take: the scroll area's width, less the content's margins."""
        return max(self.scroll.viewport().width() - CONTENT_MARGINS[0] - CONTENT_MARGINS[2], 200)

    def fit_tables(self) -> None:
        available = self.available_width()
        for view in self.table_views.values():
            view.fit(available)

    def show_report(self, report: Report | None, drillable: bool = False) -> None:
        tr = self.tr
        self.report, self.drillable = report, drillable
        self.table_views.clear()
        self.charts.clear()
        self.pending_charts.clear()
        self.chart_timer.stop()
        self.rules = self.unprotected = None
        self.empty.setVisible(report is None)
        self.scroll.setVisible(report is not None)
        if report is None:
            self.scroll.setWidget(QWidget())  # the report before is deleted with its charts
            return
        content = QWidget()
        content.setAccessibleName(tr("Report"))
        column = QVBoxLayout(content)
        column.setContentsMargins(*CONTENT_MARGINS)
        if not report.request.protect:
            self.unprotected = _label(tr("Disclosure control was OFF for this report: it may show small numbers "
                                         "that identify people. Not for publication or sharing."),
                                      tr("Disclosure control warning"), "reportUnprotected")
            self.unprotected.setStyleSheet("QLabel#reportUnprotected { color: #8a1010; background: #fdecec; "
                                           "border: 2px solid #b00020; padding: 6px; font-weight: 600; }")
            column.addWidget(self.unprotected)
        self.rules = _label(report.rules or tr("No disclosure rules were applied to this report."),
                            tr("Disclosure rules"), "reportRules")
        self.rules.setFrameShape(QFrame.Shape.StyledPanel)
        self.rules.setStyleSheet("QLabel#reportRules { background: #eef3f8; color: #102a43; padding: 6px; }")
        self.rules.setAccessibleDescription(self.rules.text())
        column.addWidget(self.rules)
        title = _label(report.title, tr("Report title"), "pageTitle")
        column.addWidget(title)
        facts = tr("Period: {0}\nScope: {1}").format(report.period, report.scope)
        if report.request.breakdown is not None:
            facts += "\n" + tr("Broken down by: {0}").format(tr(report.request.breakdown.label))
        facts += "\n" + tr("Produced {0} by {1}").format(f"{report.generated_at:%d/%m/%Y %H:%M}", report.generated_by)
        column.addWidget(_label(facts, tr("What the report covers")))
        for note in report.notes:
            column.addWidget(_label(note, tr("Note")))
        if not report.tables:
            column.addWidget(_label(tr("There are no figures for this period and scope: nothing was recorded. "
                                       "Try a longer period or more sites."), tr("No figures")))
        available = self.available_width()
        for table in report.tables:
            self._add_table(column, table, available)
        column.addStretch(1)
        self.scroll.setWidget(content)
        if self.pending_charts:
            self.chart_timer.start()

    def _add_table(self, column: QVBoxLayout, table: Table, available: int) -> None:
        heading = _label(table.title, self.tr("Table title"), "reportTableTitle")
        font = heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        heading.setFont(font)
        column.addSpacing(self.fontMetrics().lineSpacing() // 2)
        column.addWidget(heading)
        if table.note:
            column.addWidget(_label(table.note, self.tr("About this table")))
        model = ReportTableModel(table, self.drillable)
        view = ReportTableView(model)
        model.setParent(view)
        view.fit(available)
        view.activated.connect(lambda index, key=table.key: self._activated(key, index))
        column.addWidget(view)
        self.table_views[table.key] = view
        if table.chart is not None and table.rows:
            slot = QVBoxLayout()
            slot.setContentsMargins(0, 0, 0, 0)
            column.addLayout(slot)
            self.pending_charts.append((table, slot))

    def _build_next_chart(self) -> None:
        if self.pending_charts:
            self._build_chart(*self.pending_charts.pop(0))
        if self.pending_charts:
            self.chart_timer.start()

    def _build_chart(self, table: Table, slot: QVBoxLayout) -> None:
        chart = ReportChart(table)
        slot.addWidget(chart)
        if slot.parentWidget() is not None and slot.parentWidget().isVisible():
            chart.show()  # at once, not on the next turn of the event loop
        self.charts[table.key] = chart

    def finish_charts(self) -> None:
        """Build every chart still waiting (before grabbing the page as a picture, say)."""
        self.chart_timer.stop()
        while self.pending_charts:
            self._build_chart(*self.pending_charts.pop(0))

    def charts_ready(self) -> bool:
        return not self.pending_charts

    def _activated(self, table_key: str, index: QModelIndex) -> None:
        if not index.data(DRILL_ROLE):
            return
        row_key, column_key = index.data(KEYS_ROLE)
        model = index.model()
        row_label = model.data(model.index(index.row(), 0))
        heading = model.headerData(index.column(), Qt.Orientation.Horizontal)
        self.drill_requested.emit(table_key, row_key, column_key, f"{row_label} – {heading}: {index.data()}")
