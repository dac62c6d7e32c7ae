"""Pieces every admin tab shares: how a table looks and behaves, and a form dialog that saves
through one service call and stays open, with everything typed, when the service refuses."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...core.errors import ConflictError, DeskError, NotFound, ValidationError
from ..forms import add_row, focus_field
from ..messages import FormMessage, show_problem

# The proxy sorts on this role: models give a plain, comparable key (text or number), so that
# "02/01/2026" sorts after "31/12/2025" and numbers sort as numbers.
SORT_ROLE = Qt.ItemDataRole.UserRole + 1


def sortable_proxy(parent, source) -> QSortFilterProxyModel:
    proxy = QSortFilterProxyModel(parent)
    proxy.setSourceModel(source)
    proxy.setSortRole(SORT_ROLE)
    proxy.setFilterKeyColumn(-1)  # any column
    proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    proxy.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    return proxy


def record_table(accessible_name: str, proxy: QSortFilterProxyModel, sort_column: int = 0,
                 order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> QTableView:
    """A read-only table: whole rows, one at a time, sortable, striped, reachable by Tab."""
    view = QTableView()
    view.setModel(proxy)
    view.setAccessibleName(accessible_name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setSortingEnabled(True)
    view.sortByColumn(sort_column, order)
    view.setTabKeyNavigation(False)  # Tab leaves the table for the buttons; arrows move inside
    view.setWordWrap(False)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    return view


def fit_columns(view: QTableView, widest: int = 360) -> None:
    """Columns fit their contents, but one long entry never pushes the rest off screen."""
    view.resizeColumnsToContents()
    header = view.horizontalHeader()
    for column in range(header.count() - 1):
        if header.sectionSize(column) > widest:
            header.resizeSection(column, widest)


def selected_row(view: QTableView) -> int | None:
    """The source-model row of the selected line, or None."""
    rows = view.selectionModel().selectedRows() if view.selectionModel() else []
    if not rows:
        return None
    proxy = view.model()
    return proxy.mapToSource(rows[0]).row()


def select_source_row(view: QTableView, row: int | None) -> None:
    if row is None:
        return
    proxy = view.model()
    index = proxy.mapFromSource(proxy.sourceModel().index(row, 0))
    if index.isValid():
        view.selectRow(index.row())
        view.scrollTo(index)


class RecordDialog(QDialog):
    """A form whose Save calls a service. Refusals are shown in the dialog next to the form:
    a validation problem puts the cursor on the field it names, a conflict (someone else saved
    first) says what is saved now. The dialog only closes once the service has accepted."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumWidth(480)
        self.fields: dict[str, QWidget] = {}
        self.saved = None
        # Set by the tab: reloads its table after a conflict and returns the record as saved now
        # (or None when it has gone).
        self.refetch: Callable[[], object | None] | None = None
        layout = QVBoxLayout(self)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.intro.hide()
        layout.addWidget(self.intro)
        self.form = QFormLayout()
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        layout.addLayout(self.form)
        self.message = FormMessage(self)
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(self.tr("&Save"))
        self.save_button.setAccessibleName(self.tr("Save"))
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setText(self.tr("Cancel"))
        cancel.setAccessibleName(self.tr("Cancel"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def set_title(self, title: str, intro: str = "") -> None:
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.intro.setText(intro)
        self.intro.setVisible(bool(intro))

    def add_field(self, key: str, label: str, widget: QWidget, accessible_name: str | None = None) -> QWidget:
        add_row(self.form, label, widget, accessible_name)
        self.fields[key] = widget
        return widget

    # ---- for subclasses ---------------------------------------------------------------------

    def save(self) -> object:
        """Call the service with what the form holds; return the saved record."""
        raise NotImplementedError

    def adopt(self, record: object) -> str:
        """After a conflict: remember the version saved now (so a second Save is a deliberate
        overwrite) and describe what is saved now, in a sentence."""
        raise NotImplementedError

    def show_error(self, text: str) -> None:
        self.message.show_error(text)
        # A wrapped message needs more height than the dialog had when it opened.
        layout = self.layout()
        layout.activate()
        needed = layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth() else -1
        needed = max(needed, layout.totalSizeHint().height())
        if needed > self.height():
            self.resize(self.width(), needed)

    # ---- the one place refusals are handled -------------------------------------------------

    def accept(self) -> None:
        self.message.clear_message()
        try:
            self.saved = self.save()
        except ValidationError as error:
            self.show_error(error.message)
            focus_field(self.fields, error)
            return
        except ConflictError as error:
            self._after_conflict(error)
            return
        except NotFound as error:
            show_problem(self, error)
            if self.refetch is not None:
                self.refetch()
            super().reject()
            return
        except DeskError as error:  # not allowed, or the database is out of reach: keep what was typed
            show_problem(self, error)
            return
        super().accept()

    def _after_conflict(self, error: ConflictError) -> None:
        current = self.refetch() if self.refetch is not None else None
        if current is None:
            self.show_error(error.message)
            return
        now_saved = self.adopt(current)
        self.show_error(
            self.tr("{0}\nSaved now: {1}. Your changes are still in this form: press Save to apply them "
                    "over it, or Cancel to keep what is saved.").format(error.message, now_saved)
        )
