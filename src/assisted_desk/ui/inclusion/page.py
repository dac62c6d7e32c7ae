"""The Inclusion area. Its Digital skills tab: find a resident on the left, see their assessments
on the right; the guided assessment, a result and progress over time each take the whole tab,
so the large text has room, and each returns to the resident's list.

Single quick writes and reads by key call the service on the GUI thread (as the other pages
do); the resident's list and progress load on the thread pool. Every refusal is shown, never
raised: a staff member without record-skills never sees this area, but the service decides."""

from __future__ import annotations

import shiboken6

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter, QStackedWidget, QTabWidget, QVBoxLayout, QWidget

from ...core.errors import DeskError
from ...core.security import Actor, Permission
from ...inclusion.assessments import AssessmentRecord
from ...services import Services
from ..desk.finder import ResidentFinder
from ..workers import run_in_background
from .assessment_flow import AssessmentFlow
from .partners_tab import PartnersTab
from .progress_view import ProgressView
from .referrals_tab import ReferralsTab
from .resident_panel import DiscardDialog, ResidentAssessments
from .results_view import ResultsView


class SkillsTab(QWidget):
    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.resident_id: int | None = None
        self.resident_name = ""
        self.loading = 0  # background reads still running
        self.dialog: DiscardDialog | None = None

        self.finder = ResidentFinder(services, actor)
        self.finder.resident_chosen.connect(self.show_resident)
        self.panel = ResidentAssessments()
        self.panel.start_requested.connect(self.start)
        self.panel.resume_requested.connect(self.resume)
        self.panel.discard_requested.connect(self.ask_discard)
        self.panel.result_requested.connect(self.open_result)
        self.panel.progress_requested.connect(self.open_progress)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.finder)
        self.splitter.addWidget(self.panel)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([480, 520])
        self.panel.setMinimumWidth(380)
        QWidget.setTabOrder(self.finder, self.panel.table)

        self.flow = AssessmentFlow(services, actor)
        self.flow.left.connect(self.back_to_list)
        self.flow.completed.connect(self._completed)
        self.results = ResultsView(services=services, actor=actor)
        self.results.closed.connect(self.back_to_list)
        self.progress = ProgressView()
        self.progress.closed.connect(self.back_to_list)

        self.stack = QStackedWidget()
        for widget in (self.splitter, self.flow, self.results, self.progress):
            self.stack.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.stack)
        self.setFocusProxy(self.finder)

    @property
    def message(self):
        return self.panel.message

    def is_loading(self) -> bool:
        return self.loading > 0

    # ---- the resident ---------------------------------------------------------------------------

    def show_resident(self, resident_id: int) -> None:
        self.panel.message.clear_message()
        self.resident_id = resident_id
        self.reload()

    def reload(self) -> None:
        if self.resident_id is None:
            return
        services, actor, resident_id = self.services, self.actor, self.resident_id

        def work():
            return services.residents.get(actor, resident_id).name, services.skills.history(actor, resident_id)

        self.loading += 1
        run_in_background(work, lambda result: self._loaded(resident_id, result), self._failed)

    def _loaded(self, resident_id: int, result) -> None:
        if not shiboken6.isValid(self.panel):
            return
        self.loading -= 1
        if resident_id != self.resident_id:
            return
        self.resident_name, history = result
        self.panel.set_history(resident_id, self.resident_name, history)

    def _failed(self, error: DeskError) -> None:
        if not shiboken6.isValid(self.panel):
            return
        self.loading -= 1
        self.panel.message.show_error(error.message)

    def back_to_list(self) -> None:
        self.stack.setCurrentWidget(self.splitter)
        self.reload()
        self.panel.table.setFocus()

    # ---- acting on an assessment ------------------------------------------------------------------

    def _call(self, call):
        """One quick service call; a refusal goes under the list, never up as an exception."""
        self.panel.message.clear_message()
        try:
            return call()
        except DeskError as error:
            self.panel.message.show_error(error.message)
            return None

    def start(self, kind: str) -> None:
        if self.resident_id is None:
            return
        record = self._call(lambda: self.services.skills.start(self.actor, self.resident_id, kind))
        if record is not None:
            self._open_flow(record)

    def resume(self, assessment_id: int) -> None:
        record = self._call(lambda: self.services.skills.get(self.actor, assessment_id))
        if record is not None:
            self._open_flow(record)

    def _open_flow(self, record: AssessmentRecord) -> None:
        self.stack.setCurrentWidget(self.flow)
        self.flow.open(record, self.resident_name)

    def open_result(self, assessment_id: int) -> None:
        record = self._call(lambda: self.services.skills.get(self.actor, assessment_id))
        if record is not None:
            self._completed(record, reload=False)

    def _completed(self, record: AssessmentRecord, reload: bool = True) -> None:
        self.results.show_record(record, self.resident_name)
        self.stack.setCurrentWidget(self.results)
        self.results.back_button.setFocus()
        if reload:
            self.reload()

    def open_progress(self) -> None:
        if self.resident_id is None:
            return
        services, actor, resident_id = self.services, self.actor, self.resident_id
        self.panel.message.clear_message()
        self.loading += 1

        def shown(progress) -> None:
            if not shiboken6.isValid(self.progress):
                return
            self.loading -= 1
            if resident_id == self.resident_id:
                self.progress.show_progress(progress, self.resident_name)
                self.stack.setCurrentWidget(self.progress)
                self.progress.back_button.setFocus()

        run_in_background(lambda: services.skills.progress(actor, resident_id), shown, self._failed)

    def ask_discard(self, assessment_id: int) -> None:
        if self.dialog is not None:
            return
        dialog = DiscardDialog(self)
        dialog.reason_given.connect(lambda reason: self._discard(dialog, assessment_id, reason))
        dialog.finished.connect(lambda _result: self._dialog_closed(dialog))
        self.dialog = dialog
        dialog.open()

    def _discard(self, dialog: DiscardDialog, assessment_id: int, reason: str) -> None:
        try:
            self.services.skills.discard(self.actor, assessment_id, reason)
        except DeskError as error:
            dialog.message.show_error(error.message)
            return
        dialog.accept()
        self.panel.message.show_info(self.tr("The assessment in progress was discarded."))
        self.reload()

    def _dialog_closed(self, dialog: DiscardDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()


class InclusionPage(QWidget):
    """Tabs: Digital skills; Referrals and Partners for staff who may refer to partners.

    The tabs' mnemonics (k, e, t) avoid the letters the skills tab's own buttons use (&Resume,
    &Progress, &Find), which Qt would otherwise treat as ambiguous and ignore."""

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel(self.tr("Inclusion"))
        title.setObjectName("pageTitle")
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName(self.tr("Inclusion tabs"))
        self.skills = SkillsTab(services, actor)
        self.tabs.addTab(self.skills, self.tr("Digital s&kills"))
        self.referrals = self.partners = None
        if actor.may(Permission.REFER_TO_PARTNERS):
            self.referrals = ReferralsTab(services, actor)
            self.tabs.addTab(self.referrals, self.tr("R&eferrals"))
            self.partners = PartnersTab(services, actor)
            self.tabs.addTab(self.partners, self.tr("Par&tners"))
            self.tabs.currentChanged.connect(self._tab_shown)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.tabs, 1)
        self.setFocusProxy(self.skills)

    def _tab_shown(self, _index: int) -> None:
        """A tab reads its lists when first shown, not when the page is built."""
        current = self.tabs.currentWidget()
        if current is not None and hasattr(current, "shown"):
            current.shown()
