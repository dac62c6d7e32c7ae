"""The records behind one figure, for a role permitted to see them. The list is read on the
thread pool through ReportService.drill, which checks the permission again and audits the look."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from ...core.errors import DeskError
from ...reporting.model import DrillList
from ..admin.common import fit_columns, record_table, sortable_proxy, SORT_ROLE
from ..messages import FormMessage
from ..workers import run_in_background


class DrillListModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.columns: tuple[str, ...] = ()
        self.rows: tuple[tuple[str, ...], ...] = ()

    def set_list(self, listing: DrillList) -> None:
        self.beginResetModel()
        self.columns, self.rows = listing.columns, listing.rows
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(self.columns):
            return self.columns[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        value = row[index.column()] if index.column() < len(row) else ""
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, SORT_ROLE):
            return value
        return None


class DrillDialog(QDialog):
    """Opens at once saying it is reading; the list (or why there is none) follows."""

    def __init__(self, services, actor, request, table: str, row: str, column: str, what: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        tr = self.tr
        self.setWindowTitle(tr("Records behind a figure"))
        self.setAccessibleName(self.windowTitle())
        self.listing: DrillList | None = None
        self.loading = True
        self.heading = QLabel(what)
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.heading.setAccessibleName(tr("Figure"))
        self.status = QLabel(tr("Reading the records behind this figure…"))
        self.status.setWordWrap(True)
        self.status.setAccessibleName(tr("Status"))
        self.model = DrillListModel(self)
        self.proxy = sortable_proxy(self, self.model)
        self.table = record_table(tr("Records behind the figure"), self.proxy)
        self.table.setSortingEnabled(False)  # the list comes in the order the report gives it
        self.message = FormMessage(self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setText(tr("Close"))
        close.setAccessibleName(tr("Close"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.resize(760, 480)
        run_in_background(lambda: services.reports.drill(actor, request, table, row, column),
                          self._loaded, self._failed)

    def _loaded(self, listing: DrillList) -> None:
        if not shiboken6.isValid(self):
            return
        self.loading = False
        self.listing = listing
        self.model.set_list(listing)
        fit_columns(self.table)
        tr = self.tr
        if not listing.rows:
            text = tr("No records are behind this figure.")
        elif listing.truncated:
            text = tr("The first {0} records are listed; there are more. Narrow the report's period or sites "
                      "to see them all.").format(len(listing.rows))
        else:
            text = tr("{0} records.").format(len(listing.rows)) if len(listing.rows) != 1 else tr("1 record.")
        self.status.setText(listing.title + "\n" + text if listing.title else text)
        self.table.setFocus()

    def _failed(self, error: DeskError) -> None:
        if not shiboken6.isValid(self):
            return
        self.loading = False
        self.status.setText(self.tr("The list could not be opened."))
        self.message.show_error(error.message)
