"""Who is at the desk, at a glance: name, year of birth, postcode, language and interpreter,
accessibility needs, what they have consented to, who represents them and their advocacy cases,
with the actions that change those."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QTabWidget, QVBoxLayout, QWidget

from ...core.errors import DeskError
from ...casework.records import CaseGlimpse
from ...core.security import Actor, Permission
from ...desk.catalogue import ServiceRecord
from ...desk.consent import ConsentRecord, RepresentativeRecord
from ...desk.residents import ResidentRecord
from ...desk.vocab import ConsentPurpose
from ...services import Services
from ..admin.common import fit_columns, record_table, selected_row, sortable_proxy
from ..casework.open_case import open_case_dialog
from ..forms import ask_before, button
from ..messages import show_problem
from .consent_dialogs import ConsentDialog, RepresentativeDialog, WithdrawConsentDialog
from .scaled_label import ScaledLabel
from .summary_models import ConsentsModel, RepresentativesModel


class ResidentSummary(QWidget):
    # A consent or representative was saved: the panel reloads what depends on it.
    changed = Signal()
    # A consent was recorded through the consent dialog (the record).
    consent_recorded = Signal(object)
    # A case was opened here: the sentence saying so; and the person asked to open it (its id).
    case_added = Signal(str)
    case_opened = Signal(int)

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.resident: ResidentRecord | None = None
        self.catalogue: tuple[ServiceRecord, ...] = ()
        self.dialog = None  # the open consent or representative dialog, if any

        self.name = ScaledLabel(1.4)
        self.name.setObjectName("residentName")
        self.name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.facts = QLabel()
        self.facts.setWordWrap(True)
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.needs = QLabel()
        self.needs.setObjectName("residentNeeds")
        self.needs.setWordWrap(True)
        self.needs.setStyleSheet("color: #5a3500; background: #fff4e0; border: 1px solid #e0b060; padding: 4px;")
        self.needs.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.consents_model = ConsentsModel(self)
        self.consents_proxy = sortable_proxy(self, self.consents_model)
        self.consents_table = record_table(self.tr("Current consents"), self.consents_proxy)
        self.record_button = button(self.tr("Record &consent…"), self.tr("Record consent"))
        self.withdraw_button = button(self.tr("W&ithdraw…"), self.tr("Withdraw the selected consent"))
        self.record_button.clicked.connect(lambda: self.record_consent())
        self.withdraw_button.clicked.connect(self.withdraw_selected)
        consents_tab = self._tab(self.consents_table, self.record_button, self.withdraw_button)

        self.reps_model = RepresentativesModel(self)
        self.reps_proxy = sortable_proxy(self, self.reps_model)
        self.reps_table = record_table(self.tr("Representatives"), self.reps_proxy)
        self.add_rep_button = button(self.tr("Add re&presentative…"), self.tr("Add a representative"))
        self.edit_rep_button = button(self.tr("Edit…"), self.tr("Edit the selected representative"))
        self.end_rep_button = button(self.tr("End a&uthority…"), self.tr("End the selected representative's authority"))
        self.add_rep_button.clicked.connect(self.add_representative)
        self.edit_rep_button.clicked.connect(self.edit_selected_representative)
        self.end_rep_button.clicked.connect(self.end_selected_representative)
        self.reps_table.activated.connect(lambda _i: self.edit_selected_representative())
        reps_tab = self._tab(self.reps_table, self.add_rep_button, self.edit_rep_button, self.end_rep_button)

        self.cases = QLabel()
        self.cases.setWordWrap(True)
        self.cases.setTextFormat(Qt.TextFormat.PlainText)
        self.cases.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.cases.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.cases.setAccessibleName(self.tr("Cases"))
        self.case_button = button(self.tr("Open an advocacy case…"), self.tr("Open an advocacy case"))
        self.case_button.clicked.connect(lambda: self.open_case())
        self.case_button.setVisible(actor.may(Permission.OPEN_CASES))
        cases_tab = self._tab(self.cases, self.case_button)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName(self.tr("Consents and representatives"))
        self.tabs.addTab(consents_tab, self.tr("Consents"))
        self.tabs.addTab(reps_tab, self.tr("Representatives"))
        self.shows_cases = actor.may(Permission.OPEN_CASES) or actor.may(Permission.WORK_CASES)
        if self.shows_cases:
            self.tabs.addTab(cases_tab, self.tr("Cases"))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.name)
        layout.addWidget(self.facts)
        layout.addWidget(self.needs)
        layout.addWidget(self.tabs, 1)
        for view in (self.consents_table, self.reps_table):
            view.selectionModel().selectionChanged.connect(lambda *_: self._follow_selection())
        self.clear()

    def _tab(self, table, *buttons) -> QWidget:
        tab = QWidget()
        row = QHBoxLayout()
        for push in buttons:
            row.addWidget(push)
        row.addStretch(1)
        layout = QVBoxLayout(tab)
        layout.addWidget(table, 1)
        layout.addLayout(row)
        return tab

    # ---- showing ------------------------------------------------------------------------------

    def clear(self) -> None:
        self.resident = None
        self.name.setText(self.tr("No resident chosen"))
        self.facts.setText(self.tr("Find a resident above, or press Ctrl+Shift+A for an anonymous contact."))
        self.needs.hide()
        self._set_lists((), ())
        self._set_cases(())
        self.tabs.setVisible(False)

    def show_anonymous(self) -> None:
        self.resident = None
        self.name.setText(self.tr("Anonymous contact"))
        self.facts.setText(self.tr("Counted, but not linked to anyone: nothing can be done on their behalf."))
        self.needs.hide()
        self._set_lists((), ())
        self._set_cases(())
        self.tabs.setVisible(False)

    def show_resident(self, resident: ResidentRecord, consents: tuple[ConsentRecord, ...],
                      representatives: tuple[RepresentativeRecord, ...], cases: tuple[CaseGlimpse, ...] = ()) -> None:
        self.resident = resident
        self.name.setText(resident.display_name)
        facts = [self.tr("Born {0}").format(resident.date_of_birth.year) if resident.date_of_birth
                 else self.tr("Year of birth not recorded"),
                 resident.postcode or self.tr("no postcode")]
        self.facts.setText(" · ".join(facts))
        needs = []
        if resident.preferred_language or resident.interpreter_needed:
            language = resident.preferred_language or self.tr("language not recorded")
            needs.append(self.tr("Language: {0} — INTERPRETER NEEDED").format(language)
                         if resident.interpreter_needed else self.tr("Language: {0}").format(language))
        if resident.accessibility_needs:
            needs.append(self.tr("Accessibility: {0}").format(resident.accessibility_needs))
        self.needs.setText("\n".join(needs))
        self.needs.setAccessibleName(self.tr("Language and accessibility needs"))
        self.needs.setVisible(bool(needs))
        self._set_lists(consents, representatives)
        self._set_cases(cases)
        self.tabs.setVisible(True)

    def _set_lists(self, consents, representatives) -> None:
        self.consents_model.set_records(consents)
        self.reps_model.set_records(representatives)
        self.tabs.setTabText(0, self.tr("Consents ({0})").format(len(consents)))
        self.tabs.setTabText(1, self.tr("Representatives ({0})").format(len(representatives)))
        for table in (self.consents_table, self.reps_table):
            if table.model().rowCount():
                fit_columns(table, 260)
        self._follow_selection()

    def _set_cases(self, cases: tuple[CaseGlimpse, ...]) -> None:
        if not self.shows_cases:
            return
        text = "\n".join(case.description for case in cases) or self.tr("No advocacy cases.")
        self.cases.setText(text)
        self.cases.setAccessibleDescription(text)
        self.tabs.setTabText(2, self.tr("Cases ({0})").format(len(cases)))

    def _follow_selection(self) -> None:
        self.withdraw_button.setEnabled(self.selected_consent() is not None)
        rep = self.selected_representative()
        self.edit_rep_button.setEnabled(rep is not None)
        self.end_rep_button.setEnabled(rep is not None)

    def selected_consent(self) -> ConsentRecord | None:
        row = selected_row(self.consents_table)
        return None if row is None else self.consents_model.record(row)

    def selected_representative(self) -> RepresentativeRecord | None:
        row = selected_row(self.reps_table)
        return None if row is None else self.reps_model.record(row)

    def representatives(self) -> tuple[RepresentativeRecord, ...]:
        return tuple(self.reps_model.record(r) for r in range(self.reps_model.rowCount()))

    # ---- actions ------------------------------------------------------------------------------

    def record_consent(self, service_code: str | None = None, representative_id: int | None = None) -> None:
        """Open the consent dialog; with a service, pre-filled to act on their behalf with it."""
        if self.resident is None:
            return
        self._open(ConsentDialog(self.services, self.actor, self.resident.id, self.resident.name, self.catalogue,
                                 self.representatives(), ConsentPurpose.ACT_ON_BEHALF, service_code,
                                 representative_id, self))

    def open_case(self, resident_id: int | None = None, from_interaction_id: int | None = None,
                  summary: str = "") -> None:
        """Open an advocacy case for the resident shown (or the one named)."""
        resident_id = resident_id if resident_id is not None else (self.resident.id if self.resident else None)
        if resident_id is None:
            return
        dialog = open_case_dialog(self, self.services, self.actor, resident_id,
                                  from_interaction_id=from_interaction_id, summary=summary)
        if dialog is None:
            return
        self.dialog = dialog
        dialog.accepted.connect(lambda: self.case_added.emit(dialog.opened_sentence()))
        dialog.accepted.connect(self.changed.emit)
        dialog.case_opened.connect(self.case_opened.emit)
        dialog.finished.connect(lambda _result: self._closed(dialog))

    def withdraw_selected(self) -> None:
        consent = self.selected_consent()
        if consent is not None:
            self.withdraw(consent)

    def withdraw(self, consent: ConsentRecord) -> None:
        self._open(WithdrawConsentDialog(self.services, self.actor, consent, self))

    def add_representative(self) -> None:
        if self.resident is not None:
            self._open(RepresentativeDialog(self.services, self.actor, self.resident.id, self.resident.name,
                                            self.catalogue, None, self))

    def edit_selected_representative(self) -> None:
        rep = self.selected_representative()
        if rep is not None:
            self.edit_representative(rep)

    def edit_representative(self, rep: RepresentativeRecord) -> None:
        if self.resident is None:
            return
        dialog = RepresentativeDialog(self.services, self.actor, self.resident.id, self.resident.name,
                                      self.catalogue, rep, self)
        dialog.refetch = lambda: self._fresh_representative(rep.id)
        self._open(dialog)

    def end_selected_representative(self) -> None:
        rep = self.selected_representative()
        if rep is None or self.resident is None:
            return
        confirmed = ask_before(self, self.tr("End representative"),
                               self.tr("Stop {0} representing {1} from now? They will no longer be able to act "
                                       "for them. Consents they gave stay until withdrawn.")
                               .format(rep.label, self.resident.name),
                               self.tr("&End"), self.tr("&Keep"))
        if not confirmed:
            return
        try:
            self.services.consent.end_representative(self.actor, rep.id, expected_version=rep.version)
        except DeskError as error:
            show_problem(self, error)
        self.changed.emit()

    def _fresh_representative(self, rep_id: int) -> RepresentativeRecord | None:
        try:
            return self.services.consent.representative(self.actor, rep_id)
        except DeskError:
            return None

    def _open(self, dialog) -> None:
        self.dialog = dialog
        if isinstance(dialog, ConsentDialog):
            dialog.accepted.connect(lambda: self.consent_recorded.emit(dialog.saved))
        dialog.accepted.connect(self.changed.emit)
        dialog.finished.connect(lambda _result: self._closed(dialog))
        dialog.open()

    def _closed(self, dialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()
