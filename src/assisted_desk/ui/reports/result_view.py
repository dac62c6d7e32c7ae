"""A finished report on screen: the disclosure rules (always in view), what the report covers,
then each table with its chart, in a scroll area.

For a person who may open the records behind a figure, a double-click or Enter on a figure that
has them asks for the list (`drill_requested`); for anyone else figures are figures only."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHeaderView,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...reporting.model import Report, Table
from .charts import ReportChart
from .table_model import DRILL_ROLE, KEYS_ROLE, ReportTableModel


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
    """A table shown whole: the scroll area around every table scrolls, not each table."""

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
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setStretchLastSection(False)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.fit_height()

    def fit_height(self) -> None:
        """Every row in view; room for the scroll bar only when the columns are wider than the table."""
        self.resizeRowsToContents()
        content_width = self.horizontalHeader().length() + 2 * self.frameWidth()
        # As wide as its columns (a narrow table does not stretch across the page), or narrower and scrolled.
        self.setMaximumWidth(content_width)
        scrolled = content_width > self.width() if self.isVisible() else False
        height = (self.horizontalHeader().sizeHint().height() + self.verticalHeader().length()
                  + 2 * self.frameWidth() + (self.horizontalScrollBar().sizeHint().height() if scrolled else 0))
        if height != self.height() or self.minimumHeight() != height:
            self.setFixedHeight(height)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self.fit_height()

    def wheelEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        event.ignore()  # the page scrolls, not the table


class ReportView(QWidget):
    drill_requested = Signal(str, str, str, str)  # table key, row key, column key, what the figure is

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        tr = self.tr
        self.report: Report | None = None
        self.drillable = False
        self.table_views: dict[str, ReportTableView] = {}
        self.charts: dict[str, ReportChart] = {}
        self.rules = _label("", tr("Disclosure rules"), "reportRules")
        self.rules.setFrameShape(QFrame.Shape.StyledPanel)
        self.rules.setStyleSheet("QLabel#reportRules { background: #eef3f8; color: #102a43; padding: 6px; }")
        self.unprotected = _label(tr("Disclosure control was OFF for this report: it may show small numbers that "
                                     "identify people. Not for publication or sharing."),
                                  tr("Disclosure control warning"), "reportUnprotected")
        self.unprotected.setStyleSheet("QLabel#reportUnprotected { color: #8a1010; background: #fdecec; "
                                       "border: 2px solid #b00020; padding: 6px; font-weight: 600; }")
        self.empty = _label(tr("Choose what to count above, then press Run report."), tr("Report"))
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setAccessibleName(tr("Report tables and charts"))
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.unprotected)
        layout.addWidget(self.rules)
        layout.addWidget(self.empty)
        layout.addWidget(self.scroll, 1)
        self.show_report(None)

    def show_report(self, report: Report | None, drillable: bool = False) -> None:
        tr = self.tr
        self.report, self.drillable = report, drillable
        self.table_views.clear()
        self.charts.clear()
        old = self.scroll.takeWidget()
        if old is not None:
            old.deleteLater()
        self.empty.setVisible(report is None)
        self.rules.setVisible(report is not None)
        self.unprotected.setVisible(report is not None and not report.request.protect)
        self.scroll.setVisible(report is not None)
        if report is None:
            return
        self.rules.setText(report.rules or tr("No disclosure rules were applied to this report."))
        self.rules.setAccessibleDescription(self.rules.text())
        content = QWidget()
        content.setAccessibleName(tr("Report"))
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 4, 12, 4)
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
        for table in report.tables:
            self._add_table(column, table)
        column.addStretch(1)
        self.scroll.setWidget(content)

    def _add_table(self, column: QVBoxLayout, table: Table) -> None:
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
        view.activated.connect(lambda index, key=table.key: self._activated(key, index))
        column.addWidget(view)
        self.table_views[table.key] = view
        if table.chart is not None and table.rows:
            chart = ReportChart(table)
            column.addWidget(chart)
            self.charts[table.key] = chart

    def _activated(self, table_key: str, index: QModelIndex) -> None:
        if not index.data(DRILL_ROLE):
            return
        row_key, column_key = index.data(KEYS_ROLE)
        model = index.model()
        row_label = model.data(model.index(index.row(), 0))
        heading = model.headerData(index.column(), Qt.Orientation.Horizontal)
        self.drill_requested.emit(table_key, row_key, column_key, f"{row_label} – {heading}: {index.data()}")
