"""The Inclusion area's Partners tab: the directory of partner services, each with what it offers,
where, whether it takes referrals now and how the partner has answered our referrals; the chosen
one in full beside the list. Coordinators add and change hand-added services, keep our own notes
on any service, and import or refresh a directory that publishes the Open Referral UK API.

The list and the import run on the thread pool; the import shows its progress and, at the end,
what was added, changed, gone and skipped (each skipped record with what is wrong with it)."""

from __future__ import annotations

from html import escape

import shiboken6

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QScrollArea,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...core.clock import local_text
from ...core.errors import DeskError
from ...core.security import Actor, Permission
from ...inclusion.oruk_import import import_oruk
from ...services import Services
from ..admin.common import record_table, select_source_row, selected_row, sortable_proxy
from ..forms import add_row, button
from ..messages import FormMessage
from ..workers import run_in_background
from .partner_editor import NotesDialog, ServiceEditor
from .partners_models import (PartnerColumn, PartnersModel, accessibility_text, area_titles, delivery_text,
                              languages_text, method_text, offers_text, responsiveness_sentence)


def service_details(owner: QWidget, record, measured) -> list[tuple[str, str]]:
    """Everything about one service, as (heading, words) pairs; empty parts left out."""
    tr = owner.tr
    places = ["; ".join(p for p in (loc.name, loc.address.replace("\n", ", "), loc.postcode) if p)
              for loc in record.locations]
    times = [schedule.in_words() for schedule in record.schedules]
    ages = ""
    if record.min_age is not None or record.max_age is not None:
        ages = tr("ages {0} to {1}").format(record.min_age if record.min_age is not None else 0,
                                            record.max_age if record.max_age is not None else tr("any"))
    eligibility = "; ".join(p for p in (
        ages, tr("living in {0}").format(record.residency_area) if record.residency_area else "",
        tr("receiving benefits") if record.benefits_required else "", record.eligibility_note) if p)
    takes = tr("Yes") if record.takes_referrals else tr("No")
    if record.imported and record.local_accepting is not None:  # a hand-added one has no directory to differ from
        takes += tr(" (our setting; the directory says {0})").format(
            tr("yes") if record.accepting_referrals else tr("no"))
    notes = [n for n in (record.local_capacity_note, record.capacity_note) if n]
    source = tr("Imported from {0}").format(record.source) if record.source else tr("Added by hand")
    return [(heading, text) for heading, text in (
        (tr("Organisation"), record.organisation_name),
        (tr("About"), record.description),
        (tr("Teaches and offers"), offers_text(record, area_titles())),
        (tr("How"), delivery_text(record.delivery)),
        (tr("Languages"), languages_text(record.languages)),
        (tr("Accessibility"), accessibility_text(record.accessibility)),
        (tr("Where"), "\n".join(places)),
        (tr("When"), "\n".join(times)),
        (tr("Cost"), (tr("Free") if record.is_free else tr("Charges")) +
         (f": {record.cost_note}" if record.cost_note else "")),
        (tr("Who can go"), eligibility or tr("Anyone")),
        (tr("Referrals by"), method_text(record)),
        (tr("Takes referrals now"), takes + (f" — {'; '.join(notes)}" if notes else "")),
        (tr("Our notes"), record.local_notes),
        (tr("How they answer"), responsiveness_sentence(owner, measured) if measured is not None
         else tr("No referrals sent to them yet.")),
        (tr("Record"), tr("{0}; last changed {1} by {2}").format(source, local_text(record.updated_at),
                                                                 record.updated_by)),
    ) if text]


# ---- fitting the list beside the chosen service ------------------------------------------------

_FIXED = (PartnerColumn.WHERE, PartnerColumn.TAKES_REFERRALS, PartnerColumn.DAYS_TO_ACCEPT,
          PartnerColumn.ACCEPTED, PartnerColumn.ATTENDED)
# The columns that give way (their text cut with "…", the whole of it in the tooltip) and how
# much of the room each takes: the service name most, then what it offers.
_GIVING = {PartnerColumn.SERVICE: 4, PartnerColumn.OFFERS: 3, PartnerColumn.ORGANISATION: 2,
           PartnerColumn.LANGUAGES: 1}
# When even that is too wide (double text size on a narrow screen), these columns are left out in
# turn, never the measures: the service's tooltip and the chosen service's details still say them.
_DROPPED_FIRST = (PartnerColumn.LANGUAGES, PartnerColumn.WHERE, PartnerColumn.ORGANISATION, PartnerColumn.OFFERS)


def _column_needs(table: QTableView) -> tuple[dict[int, int], dict[int, int]]:
    """Per column, the narrowest it may be and the width its contents would like (within reason).
    The place and the measures are short and kept whole; a text column keeps its heading or at
    least a few letters, the service name as much as the widest of them."""
    header = table.horizontalHeader()
    em = table.fontMetrics().horizontalAdvance("M")
    least, natural = {}, {}
    for column in PartnerColumn:
        heading = header.sectionSizeHint(column)
        contents = max(heading, table.sizeHintForColumn(column))
        if column in _FIXED:  # "E1 6QL (+2)" whole; "No (our setting)" may be cut, its tooltip says it all
            least[column] = natural[column] = min(contents, max(heading, 7 * em if column == PartnerColumn.WHERE
                                                                else 6 * em))
        else:
            least[column] = max(4 * em, min(heading, 6 * em))
            natural[column] = max(least[column], min(contents, 20 * em))
    least[PartnerColumn.SERVICE] = max(least[column] for column in _GIVING)  # the name never the narrowest
    natural[PartnerColumn.SERVICE] = max(natural[PartnerColumn.SERVICE], least[PartnerColumn.SERVICE])
    return least, natural


def table_needs(table: QTableView, needs=None) -> int:
    """How wide the list must be for every column to show without sideways scrolling."""
    least, _natural = needs or _column_needs(table)
    frame = table.width() - table.viewport().width() if table.isVisible() else 0
    return sum(least.values()) + max(frame, 2 * table.frameWidth() + table.verticalScrollBar().sizeHint().width())


def fit_partner_columns(table: QTableView, needs=None) -> None:
    """Every column within the list's width: the place and the measures whole, the text columns
    sharing the rest by weight up to what they hold, any room to spare to the service name. A list
    narrower than `table_needs` leaves out the languages, then the place, then the organisation,
    then what it offers, rather than make anyone scroll sideways to the measures."""
    header = table.horizontalHeader()
    header.setStretchLastSection(False)
    least, natural = needs or _column_needs(table)
    available = table.viewport().width()
    dropped = []
    for column in _DROPPED_FIRST:
        if sum(width for c, width in least.items() if c not in dropped) <= available:
            break
        dropped.append(column)
    for column in PartnerColumn:
        table.setColumnHidden(column, column in dropped)
    widths = {column: width for column, width in least.items() if column not in dropped}
    extra = available - sum(widths.values())
    growing = [column for column in _GIVING if column in widths and widths[column] < natural[column]]
    while extra > 0 and growing:
        weight = sum(_GIVING[column] for column in growing)
        given = 0
        for column in growing:
            more = min(natural[column] - widths[column], max(1, extra * _GIVING[column] // weight), extra - given)
            widths[column] += more
            given += more
        extra -= given
        growing = [column for column in growing if widths[column] < natural[column]]
    if extra > 0:
        widths[PartnerColumn.SERVICE] += extra
    for column, width in widths.items():
        header.resizeSection(column, width)


class ImportDialog(QDialog):
    """Asks for the directory's address, imports it on the thread pool with a progress bar, then
    says what changed and lists each record skipped with what is wrong with it."""

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.summary = None
        self.running = False
        tr = self.tr
        self.setWindowTitle(tr("Import from Open Referral UK"))
        self.setAccessibleName(self.windowTitle())
        self.setMinimumWidth(620)
        intro = QLabel(tr("The address of a directory that publishes the Open Referral UK API (its /services "
                          "list). Importing again refreshes it: our own notes are kept."))
        intro.setWordWrap(True)
        form = QFormLayout()
        self.url = QLineEdit()
        self.url.setPlaceholderText("https://directory.example.org/api")
        add_row(form, tr("&Address"), self.url, tr("Directory address"))
        self.progress = QProgressBar()
        self.progress.setAccessibleName(tr("Import progress"))
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.step = QLabel()
        self.step.setWordWrap(True)
        self.result = QPlainTextEdit()
        self.result.setReadOnly(True)
        self.result.setAccessibleName(tr("What the import did"))
        self.result.hide()
        self.message = FormMessage(self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.start_button = button(tr("&Import"), tr("Import the directory"), default=True)
        self.buttons.addButton(self.start_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.start_button.clicked.connect(self.start)
        self.close_button = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        self.close_button.setText(tr("Close"))
        self.close_button.setAccessibleName(tr("Close"))
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.step)
        layout.addWidget(self.result, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.url.setFocus()

    def _grow(self) -> None:
        """Tall enough for every word-wrapped line at the dialog's width, so the introduction and a
        message (which may be several lines at double text size) are never cut: Qt does not grow a
        window for wrapped text by itself. No taller than the screen."""
        layout = self.layout()
        layout.activate()
        need = layout.totalMinimumSize().height()
        if layout.hasHeightForWidth():
            need = max(need, layout.totalHeightForWidth(self.width()))
        screen = self.screen()
        if screen is not None:
            need = min(need, screen.availableGeometry().height())
        self.setMinimumHeight(need)
        if self.height() < need:
            self.resize(self.width(), need)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._grow()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self._grow()

    def is_loading(self) -> bool:
        return self.running

    def reject(self) -> None:
        if not self.running:  # the import finishes (or changes nothing) before the dialog goes
            super().reject()

    def start(self) -> None:
        self.message.clear_message()
        self.result.hide()
        services, actor, url = self.services, self.actor, self.url.text()

        def work():
            steps = import_oruk(services.db, services.clock, actor, url)
            while True:  # the progress as text the worker can carry: "done<TAB>total<TAB>what"
                try:
                    done, total, text = next(steps)
                except StopIteration as finished:
                    return finished.value
                yield f"{done}\t{total}\t{text}"

        self.running = True
        for widget in (self.start_button, self.close_button, self.url):
            widget.setEnabled(False)
        run_in_background(work, self._done, self._failed, self._progress)

    def _progress(self, text: str) -> None:
        if not shiboken6.isValid(self.progress):
            return
        done, total, what = text.split("\t", 2)
        self.progress.setRange(0, max(1, int(total)))
        self.progress.setValue(int(done))
        self.step.setText(what)

    def _finished(self) -> None:
        self.running = False
        for widget in (self.start_button, self.close_button, self.url):
            widget.setEnabled(True)

    def _done(self, summary) -> None:
        if not shiboken6.isValid(self.progress):
            return
        self._finished()
        self.summary = summary
        tr = self.tr
        self.step.setText(tr("Done: {0} added, {1} changed, {2} unchanged, {3} gone, {4} skipped.").format(
            summary.added, summary.changed, summary.unchanged, summary.gone, len(summary.skipped)))
        lines = [tr("Skipped {0}: {1}").format(s.id, s.problem) for s in summary.skipped]
        self.result.setPlainText("\n".join(lines) if lines else tr("No record was skipped."))
        self.result.show()
        self._grow()
        self.close_button.setFocus()

    def _failed(self, error: DeskError) -> None:
        if not shiboken6.isValid(self.progress):
            return
        self._finished()
        self.progress.setValue(0)
        self.step.setText("")
        self.message.show_error(error.message + (f"\n{error.advice}" if getattr(error, "advice", "") else ""))
        self._grow()
        self.url.setFocus()


class PartnersTab(QWidget):
    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.loading = 0
        self._sized = False
        self._needs = None  # the columns' widths as measured (see _column_needs)
        self.dialog: QDialog | None = None
        tr = self.tr
        self.model = PartnersModel(self)
        self.proxy = sortable_proxy(self, self.model)
        self.filter = QLineEdit()
        self.filter.setClearButtonEnabled(True)
        self.filter.setPlaceholderText(tr("Part of a name, an organisation, what it offers, a language, a postcode"))
        self.filter.setAccessibleName(tr("Find a service"))
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        filter_label = QLabel(tr("Fin&d a service"))
        filter_label.setBuddy(self.filter)
        self.include_gone = QCheckBox(tr("Include services no &longer listed"))
        self.include_gone.setAccessibleName(tr("Include services no longer listed"))
        self.include_gone.toggled.connect(lambda _on: self.reload())
        self.table = record_table(tr("Partner services"), self.proxy, PartnerColumn.SERVICE)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.viewport().installEventFilter(self)  # the columns follow the list's width
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._follow_selection())
        self.proxy.modelReset.connect(self._follow_selection)
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setAccessibleName(tr("The chosen service"))
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.details)
        scroll.setMinimumWidth(300)
        self.details_scroll = scroll
        # The list and the chosen service side by side; when the text is too large for both to fit
        # (double text size on a narrow screen) the chosen service goes under the list instead.
        self.splitter = splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(scroll)
        splitter.setChildrenCollapsible(False)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 0)
        splitter.setSizes([760, 340])

        self.add_button = button(tr("&Add service…"), tr("Add a partner service"))
        self.add_button.clicked.connect(self.add)
        self.edit_button = button(tr("&Change…"), tr("Change the chosen service"))
        self.edit_button.clicked.connect(self.edit_selected)
        self.notes_button = button(tr("Our &notes…"), tr("Our notes and whether it takes referrals now"))
        self.notes_button.clicked.connect(self.notes_selected)
        self.import_button = button(tr("&Import from Open Referral UK…"), tr("Import from Open Referral UK"))
        self.import_button.clicked.connect(self.import_directory)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.message = FormMessage(self)
        may_manage = actor.may(Permission.MANAGE_PARTNERS)
        for push in (self.add_button, self.edit_button, self.notes_button, self.import_button):
            push.setVisible(may_manage)

        top = QHBoxLayout()
        top.addWidget(filter_label)
        top.addWidget(self.filter, 1)
        top.addWidget(self.include_gone)
        actions = QHBoxLayout()
        for push in (self.add_button, self.edit_button, self.notes_button, self.import_button):
            actions.addWidget(push)
        actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(splitter, 1)
        layout.addLayout(actions)
        layout.addWidget(self.message)
        self.setFocusProxy(self.filter)
        self._follow_selection()

    def is_loading(self) -> bool:
        return self.loading > 0

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self.table.viewport():
            fit_partner_columns(self.table, self._column_needs())
        return super().eventFilter(watched, event)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._arrange()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._needs = None
            self._arrange()

    def _column_needs(self):
        """Measured once per load or font (measuring every row on each resize would drag)."""
        if self._needs is None:
            self._needs = _column_needs(self.table)
        return self._needs

    def _details_width(self) -> int:
        return max(300, 22 * self.fontMetrics().horizontalAdvance("M"))

    def _arrange(self) -> None:
        """Side by side when the whole list fits beside the chosen service, else one above the other;
        then the columns fit the list's width."""
        splitter = self.splitter
        details = self._details_width()
        beside = table_needs(self.table, self._column_needs()) + details + splitter.handleWidth() <= splitter.width()
        wanted = Qt.Orientation.Horizontal if beside else Qt.Orientation.Vertical
        if splitter.orientation() != wanted or not self._sized:
            splitter.setOrientation(wanted)
            if beside:
                splitter.setSizes([splitter.width() - details, details])
            else:
                splitter.setSizes([splitter.height() * 3 // 5, splitter.height() * 2 // 5])
            self._sized = self.isVisible()  # after that the person's own dragging of the splitter stays
        fit_partner_columns(self.table, self._column_needs())

    def shown(self) -> None:
        self.reload()

    def reload(self, select_id: int | None = None) -> None:
        services, actor, include_gone = self.services, self.actor, self.include_gone.isChecked()
        keep = select_id if select_id is not None else getattr(self.selected(), "id", None)

        def work():
            return (services.partners.list_services(actor, include_gone=include_gone),
                    services.referrals.responsiveness_by_service(actor))

        def done(result) -> None:
            if not shiboken6.isValid(self.model):
                return
            self.loading -= 1
            records, measured = result
            self.model.set_services(records, measured)
            self._needs = None
            self._arrange()
            taking = sum(1 for r in records if r.takes_referrals)
            self.status.setText(self.tr("{0} services, {1} taking referrals now.").format(len(records), taking))
            if keep is not None:
                select_source_row(self.table, self.model.row_of(keep))

        def failed(error: DeskError) -> None:
            if shiboken6.isValid(self.model):
                self.loading -= 1
                self.message.show_error(error.message)

        self.loading += 1
        run_in_background(work, done, failed)

    def selected(self):
        row = selected_row(self.table)
        return None if row is None else self.model.service(row)

    def _follow_selection(self) -> None:
        record = self.selected()
        self.edit_button.setEnabled(record is not None and not record.imported)
        self.notes_button.setEnabled(record is not None)
        if record is None:
            self.details.setText(self.tr("Choose a service in the list to see it in full."))
            return
        parts = service_details(self, record, self.model.measured.get(record.id))
        body = "".join(f"<p><b>{escape(heading)}</b><br>{escape(text).replace(chr(10), '<br>')}</p>"
                       for heading, text in parts)
        self.details.setText(f"<h3>{escape(record.name)}</h3>{body}")

    # ---- dialogs ---------------------------------------------------------------------------------

    def _open(self, dialog: QDialog, after=None) -> None:
        self.dialog = dialog
        if after is not None:
            dialog.accepted.connect(lambda: after(dialog))
        dialog.finished.connect(lambda _result: self._closed(dialog))
        dialog.open()

    def _closed(self, dialog: QDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()
        self.table.setFocus()

    def _saved(self, dialog) -> None:
        self.reload(select_id=dialog.saved.id if dialog.saved is not None else None)

    def _fresh(self, service_id: int):
        try:
            return self.services.partners.get_service(self.actor, service_id)
        except DeskError:
            return None

    def add(self) -> None:
        try:
            organisations = [o for o in self.services.partners.list_organisations(self.actor) if not o.imported]
        except DeskError as error:
            self.message.show_error(error.message)
            return
        self._open(ServiceEditor(self.services, self.actor, None, organisations, self), self._saved)

    def edit_selected(self) -> None:
        record = self.selected()
        if record is None or record.imported:
            return
        dialog = ServiceEditor(self.services, self.actor, record, (), self)
        dialog.refetch = lambda: self._fresh(record.id)
        self._open(dialog, self._saved)

    def notes_selected(self) -> None:
        record = self.selected()
        if record is None:
            return
        dialog = NotesDialog(self.services, self.actor, record, self)
        dialog.refetch = lambda: self._fresh(record.id)
        self._open(dialog, self._saved)

    def import_directory(self) -> None:
        dialog = ImportDialog(self.services, self.actor, self)
        self._open(dialog)
        dialog.finished.connect(lambda _result: self.reload())

