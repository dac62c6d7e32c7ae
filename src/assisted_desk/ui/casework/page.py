"""The Cases area: an advocate's caseload ("My caseload") and, for service managers, every case
("Team caseload"). Counts above the list say what needs doing (a click shows just those cases),
filters narrow it, and Enter or a double-click opens a case in its own window.

Staff who may only open cases (desk, coordinators) open them from a resident's record; here
they are told so. The list loads on the thread pool; the database filters and counts.

Filters are remembered per person and per list while the application runs (in memory: the
settings service holds only shared, administrator-set settings, no per-person preferences)."""

from __future__ import annotations

import dataclasses

import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ...casework.caseload import CaseloadFilter, CaseloadScope, DueFilter
from ...casework.vocab import CLOSED, CasePriority
from ...core.errors import DeskError
from ...core.security import Actor, Permission
from ...desk.representatives import london_today
from ...services import Services
from ..admin.common import fit_columns, record_table, select_source_row, selected_row
from ..forms import button
from ..messages import FormMessage
from ..workers import run_in_background
from .windows import open_case_window
from .caseload_models import ESCALATED, CaseloadColumn, CaseloadProxy, CaseloadTableModel, CountsStrip

TEXT_DELAY_MS = 300

# (database, staff id, scope) -> (filters, escalated only): per person, while the application runs.
_remembered: dict[tuple[str, int | None, str], tuple[CaseloadFilter, bool]] = {}


class CaseloadView(QWidget):
    """One list (mine or the team's): filters, counts, the table and what can be done from it."""

    def __init__(self, services: Services, actor: Actor, scope: CaseloadScope, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor, self.scope = services, actor, scope
        self.memory_key = (services.db.description, actor.staff_id, scope.value)
        self.filters, self.escalated_only = _remembered.get(self.memory_key, (CaseloadFilter(), False))
        self.team = scope is CaseloadScope.TEAM
        self.options_loaded = False
        self.loading = 0
        self._generation = 0
        self._fitted = False
        self.case_windows: dict[int, QWidget] = {}
        tr = self.tr

        self.text = QLineEdit(self.filters.text)
        self.text.setPlaceholderText(tr("Reference or resident's name"))
        self.text.setClearButtonEnabled(True)
        self.text_timer = QTimer(self)
        self.text_timer.setSingleShot(True)
        self.text_timer.setInterval(TEXT_DELAY_MS)
        self.text_timer.timeout.connect(self._text_changed)
        self.text.textEdited.connect(lambda _text: self.text_timer.start())
        self.text.returnPressed.connect(self._text_changed)
        self.status = QComboBox()
        self.case_type = QComboBox()
        self.owner = QComboBox()
        self.priority = QComboBox()
        self.due = QComboBox()
        self.include_closed = QCheckBox(tr("Include c&losed"))
        self.include_closed.setAccessibleName(tr("Include closed cases"))
        self.clear_button = button(tr("&Clear filters"), tr("Clear every filter"))
        self.clear_button.clicked.connect(self.clear_filters)
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        fields = [(tr("&Find:"), self.text, tr("Find a case by reference or resident's name")),
                  (tr("Stat&us:"), self.status, tr("Status")), (tr("T&ype:"), self.case_type, tr("Case type")),
                  (tr("P&riority:"), self.priority, tr("Priority")), (tr("&Due:"), self.due, tr("Due"))]
        if self.team:
            fields.insert(3, (tr("O&wner:"), self.owner, tr("Owner")))
        for n, (text, widget, name) in enumerate(fields):
            label = QLabel(text)
            label.setBuddy(widget)
            widget.setAccessibleName(name)
            grid.addWidget(label, n // 3, (n % 3) * 2)
            grid.addWidget(widget, n // 3, (n % 3) * 2 + 1)
        for column in (1, 3, 5):
            grid.setColumnStretch(column, 1)
        checks = QHBoxLayout()
        checks.addWidget(self.include_closed)
        checks.addWidget(self.clear_button)
        checks.addStretch(1)
        used = (len(fields) % 3) * 2  # the tick box and Clear go after the last field, or on a row of their own
        grid.addLayout(checks, len(fields) // 3, used, 1, 6 - used)
        if not self.team:  # "my" cases are the person's own: no owner to choose
            self.owner.setParent(self)
            self.owner.hide()

        self.counts = CountsStrip()
        self.counts.chosen.connect(self.apply_due)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName(tr("Caseload summary"))
        self.model = CaseloadTableModel(self)
        self.proxy = CaseloadProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = record_table(tr("Team caseload") if self.team else tr("My caseload"), self.proxy,
                                  CaseloadColumn.RESOLUTION_DUE)
        self.table.setColumnHidden(CaseloadColumn.OWNER, not self.team)
        self.table.horizontalHeader().setResizeContentsPrecision(100)  # widths from 100 rows, not thousands
        # Every column keeps the width of its contents: a narrow window scrolls rather than clipping dates.
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.activated.connect(lambda _index: self.open_selected())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._follow_selection())
        self.open_button = button(tr("&Open case"), tr("Open the chosen case"))
        self.open_button.clicked.connect(self.open_selected)
        self.refresh_button = button(tr("R&efresh (F5)"), tr("Refresh the caseload"))
        self.refresh_button.clicked.connect(self.refresh)
        self.message = FormMessage(self)
        actions = QHBoxLayout()
        actions.addWidget(self.open_button)
        actions.addWidget(self.refresh_button)
        actions.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addLayout(grid)
        layout.addWidget(self.counts)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addWidget(self.message)
        order = [self.text, self.status, self.case_type] + ([self.owner] if self.team else []) + [
            self.priority, self.due, self.include_closed, self.clear_button, *self.counts.buttons.values(),
            self.table, self.open_button, self.refresh_button]
        for first, second in zip(order, order[1:]):
            QWidget.setTabOrder(first, second)
        self.setFocusProxy(self.table)

        self._fill_fixed_choices()
        self._show_filters()
        for combo, field in ((self.status, "status"), (self.case_type, "case_type_id"), (self.owner, "owner_id"),
                             (self.priority, "priority"), (self.due, "due")):
            combo.activated.connect(lambda _index, combo=combo, field=field: self._combo_changed(combo, field))
        self.include_closed.toggled.connect(lambda on: self._set(include_closed=on))
        self._follow_selection()

    # ---- filters ------------------------------------------------------------------------------

    def _fill_fixed_choices(self) -> None:
        tr = self.tr
        self.priority.addItem(tr("Any priority"), "")
        for priority in reversed(CasePriority):
            self.priority.addItem(tr(priority.label), priority.value)
        for text, value in ((tr("Any time"), DueFilter.ANY.value), (tr("Due today"), DueFilter.TODAY.value),
                            (tr("Due this week"), DueFilter.THIS_WEEK.value),
                            (tr("Overdue (either)"), DueFilter.OVERDUE_ANY.value),
                            (tr("First response overdue"), DueFilter.OVERDUE_FIRST_RESPONSE.value),
                            (tr("Resolution overdue"), DueFilter.OVERDUE_RESOLUTION.value),
                            (tr("Escalated"), ESCALATED)):
            self.due.addItem(text, value)
        self._fill_options((), ())

    def _fill_options(self, types, owners) -> None:
        """The choices that come from the database: statuses and types in use, and owners."""
        tr = self.tr
        statuses: dict[str, str] = {}
        for kind in types:
            for status in kind.statuses:
                statuses.setdefault(status.code, status.label)
        combos = ((self.status, tr("Any status"), [*statuses.items(), (CLOSED, tr("Closed"))]),
                  (self.case_type, tr("Any type"),
                   [(t.id, t.name if t.active else tr("{0} (retired)").format(t.name)) for t in types]),
                  (self.owner, tr("Anyone"), [(o.staff_id, o.name) for o in owners]))
        for combo, anything, choices in combos:
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(anything, None)
            for value, text in choices:
                combo.addItem(text, value)
            combo.blockSignals(False)

    def _show_filters(self) -> None:
        """The widgets say what self.filters holds."""
        f = self.filters
        due = ESCALATED if self.escalated_only else DueFilter(f.due).value
        for combo, value in ((self.status, f.status or None), (self.case_type, f.case_type_id),
                             (self.owner, f.owner_id), (self.priority, f.priority or ""), (self.due, due)):
            index = combo.findData(value)
            combo.setCurrentIndex(max(index, 0))
        self.include_closed.blockSignals(True)
        self.include_closed.setChecked(f.include_closed or f.status == CLOSED)
        self.include_closed.setEnabled(f.status != CLOSED)
        self.include_closed.blockSignals(False)
        if self.text.text() != f.text:
            self.text.setText(f.text)
        self.counts.show_choice(due)
        self.proxy.set_escalated_only(self.escalated_only)

    def _combo_changed(self, combo: QComboBox, field: str) -> None:
        value = combo.currentData()
        if field == "due":
            self.apply_due(value)
        elif field in ("status", "priority"):
            self._set(**{field: value or ""})
        else:
            self._set(**{field: value})

    def _text_changed(self) -> None:
        self.text_timer.stop()
        if self.text.text().strip() != self.filters.text:
            self._set(text=self.text.text().strip())

    def apply_due(self, due: str) -> None:
        """A Due choice or a count: the matching cases (Open: every open case)."""
        changes = {"due": DueFilter.ANY if due == ESCALATED else DueFilter(due)}
        if due == DueFilter.ANY.value and self.filters.status == CLOSED:
            changes["status"] = ""
        self._set(escalated=due == ESCALATED, **changes)

    def clear_filters(self) -> None:
        self.text.clear()
        self._set(escalated=False, **{f.name: f.default for f in dataclasses.fields(CaseloadFilter)})

    def _set(self, escalated: bool | None = None, **changes) -> None:
        self.filters = dataclasses.replace(self.filters, **changes)
        if escalated is not None:
            self.escalated_only = escalated
        _remembered[self.memory_key] = (self.filters, self.escalated_only)
        self._show_filters()
        self.refresh()

    # ---- loading --------------------------------------------------------------------------------

    def is_loading(self) -> bool:
        return self.loading > 0

    def refresh(self) -> None:
        """Read the list again (and, the first time, the filters' choices) on the thread pool."""
        self._generation += 1
        self.loading += 1
        generation, services, actor, scope, filters = (self._generation, self.services, self.actor,
                                                       self.scope, self.filters)
        with_options = not self.options_loaded

        def work():
            options = None
            if with_options:
                owners = services.caseload.owners(actor) if scope is CaseloadScope.TEAM else ()
                options = (services.case_types.list(actor, include_retired=True), owners)
            return services.caseload.for_actor(actor, scope, filters), london_today(services.clock), options

        run_in_background(work, lambda result: self._loaded(generation, result),
                          lambda error: self._failed(generation, error))

    def _loaded(self, generation: int, result) -> None:
        if not shiboken6.isValid(self.table):
            return
        self.loading -= 1
        if generation != self._generation:
            return
        page, today, options = result
        if options is not None:
            self.options_loaded = True
            self._fill_options(*options)
            gone = {field: None for field, combo in (("case_type_id", self.case_type), ("owner_id", self.owner))
                    if getattr(self.filters, field) is not None
                    and combo.findData(getattr(self.filters, field)) < 0}
            if gone:  # a remembered type or owner no longer offered: the list shown must match the filters
                self._set(**gone)
                return
            self._show_filters()
        keep = self.selected()
        self.model.set_rows(page.rows, today)
        if not self._fitted or not page.rows:
            fit_columns(self.table)
            self._fitted = bool(page.rows)
        if keep is not None:
            select_source_row(self.table, self.model.row_of(keep.id))
        self.counts.set_counts(page.counts)
        self._summarise(page)
        self.message.clear_message()
        self._follow_selection()

    def _failed(self, generation: int, error: DeskError) -> None:
        if not shiboken6.isValid(self.table):
            return
        self.loading -= 1
        if generation == self._generation:
            self.message.show_error(error.message)

    def _summarise(self, page) -> None:
        tr = self.tr
        shown = self.proxy.rowCount()
        narrowed = self.filters != CaseloadFilter() or self.escalated_only
        if not shown:
            text = tr("No cases match these filters.") if narrowed else (
                tr("Nobody has an open case.") if self.team else tr("You have no open cases."))
        elif shown == 1:
            text = tr("1 case listed. Enter opens it.")
        else:
            text = tr("{0} cases listed, soonest resolution first. Enter opens the chosen one.").format(shown)
        if page.truncated:
            text += " " + tr("Only the first {0} are listed: narrow the filters to see the rest.").format(
                len(page.rows))
        self.summary.setText(text)
        self.summary.setAccessibleDescription(text)

    # ---- opening a case ---------------------------------------------------------------------------

    def selected(self):
        row = selected_row(self.table)
        return None if row is None else self.model.case(row)

    def _follow_selection(self) -> None:
        self.open_button.setEnabled(self.selected() is not None)

    def open_selected(self) -> None:
        chosen = self.selected()
        if chosen is not None:
            self.open_case(chosen.id)

    def open_case(self, case_id: int) -> None:
        """The case in its own window (one per case: opening it again brings it forward)."""
        open_case_window(self, self.services, self.actor, case_id, self.refresh)


class CasesPage(QWidget):
    """Tabs "My caseload" (work-cases) and "Team caseload" (manage-all-cases); for staff who may
    only open cases, where to do that."""

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor = services, actor
        tr = self.tr
        title = QLabel(tr("Cases"))
        title.setObjectName("pageTitle")
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        self.mine = self.team = self.tabs = self.explanation = None
        if not actor.may(Permission.WORK_CASES) and not actor.may(Permission.MANAGE_ALL_CASES):
            self.explanation = QLabel(tr(
                "Advocates and service managers work cases here. To open an advocacy case for a resident, go "
                "to the Residents area, find the resident, and choose \"Open an advocacy case…\" on their "
                "record (the same button is there while you serve them at the Desk). Their record also shows "
                "the cases they have and whom to ask about each."))
            self.explanation.setWordWrap(True)
            self.explanation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.explanation.setAccessibleName(tr("How to open a case"))
            layout.addWidget(self.explanation)
            layout.addStretch(1)
            return
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName(tr("Caseloads"))
        if actor.may(Permission.WORK_CASES):
            self.mine = CaseloadView(services, actor, CaseloadScope.MINE)
            self.tabs.addTab(self.mine, tr("&My caseload"))
        if actor.may(Permission.MANAGE_ALL_CASES):
            self.team = CaseloadView(services, actor, CaseloadScope.TEAM)
            self.tabs.addTab(self.team, tr("&Team caseload"))
        self.tabs.currentChanged.connect(lambda _index: self.refresh())
        layout.addWidget(self.tabs, 1)
        self.setFocusProxy(self.tabs.currentWidget())
        self.refresh_shortcut = QShortcut(QKeySequence(Qt.Key.Key_F5), self)
        self.refresh_shortcut.setContext(Qt.ShortcutContext.WindowShortcut)  # hidden pages never fire
        self.refresh_shortcut.activated.connect(self.refresh)

    def current_view(self) -> CaseloadView | None:
        return self.tabs.currentWidget() if self.tabs is not None else None

    def refresh(self) -> None:
        view = self.current_view()
        if view is not None:
            self.setFocusProxy(view)
            view.refresh()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if not event.spontaneous():  # coming to the front, not the window being restored
            self.refresh()
