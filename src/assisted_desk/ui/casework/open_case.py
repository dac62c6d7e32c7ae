"""Opening an advocacy case for a resident: from their record, from the desk, or from a desk
contact that was escalated (then the contact's notes start the summary and the case is linked to
the contact).

Desk staff and coordinators choose the caseworker who will own it; an advocate or a manager owns
what they open unless they choose someone else. A refusal is shown under the field it is about,
with the cursor there, and everything typed stays. Once opened, `opened` holds the case's
glimpse; `case_opened(case_id)` asks for the case window when the person asked for it and may
read the case."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QDialog, QLabel, QLineEdit, QPlainTextEdit, QPushButton, QSizePolicy, QWidget

from ...casework.records import CaseGlimpse, CaseInput
from ...casework.vocab import CasePriority
from ...core.errors import DeskError, NotFound, ValidationError
from ...core.security import Actor, Permission
from ...desk.timeline import OPEN_INTERACTION
from ...services import Services
from ..admin.common import RecordDialog
from ..messages import show_problem
from . import windows as _windows  # noqa: F401  (a case's line on the timeline opens its window)

# The service's field names, and which of ours each means.
_FIELDS = {"case_type": "case_type", "summary": "summary", "priority": "priority", "services": "services",
           "representative": "representative", "owner": "owner", "restricted_reason": "restricted_reason",
           "restricted": "restricted"}


class OpenCaseDialog(RecordDialog):
    case_opened = Signal(int)

    def __init__(self, services: Services, actor: Actor, resident_id: int, *, from_interaction_id: int | None = None,
                 summary: str = "", parent: QWidget | None = None) -> None:
        """Reads the resident, the case types in use, their current representatives and the
        caseworkers; raises what those refuse (the caller shows it)."""
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.resident_id, self.from_interaction_id = resident_id, from_interaction_id
        self.opened: CaseGlimpse | None = None
        self.errors: dict[str, QLabel] = {}
        resident = services.residents.get(actor, resident_id)
        types = services.case_types.list(actor)
        representatives = [rep for rep in services.consent.representatives(actor, resident_id, include_ended=False)
                           if rep.current]
        caseworkers = services.cases.caseworkers(actor)
        self.resident_name = resident.display_name
        tr = self.tr
        self.setMinimumWidth(600)
        intro = tr("The owner finds it in their cases; its response and resolution targets start today.")
        if from_interaction_id is not None:
            intro = tr("From the desk contact just logged: the case is linked to it. ") + intro
        self.set_title(tr("Open an advocacy case for {0}").format(self.resident_name), intro)
        # The title bar may be cut short or not shown at all: who it is for is said in the dialog too.
        self.heading = QLabel(tr("Advocacy case for {0}").format(self.resident_name))
        self.heading.setObjectName("dialogHeading")
        self.heading.setStyleSheet("font-weight: 600;")
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.layout().insertWidget(0, self.heading)

        self.case_type = QComboBox()
        for kind in types:
            self.case_type.addItem(kind.name, kind.id)
        self._field("case_type", tr("Case &type"), self.case_type, tr("Case type"))

        self.summary = QPlainTextEdit()
        self.summary.setTabChangesFocus(True)
        self.summary.setPlaceholderText(tr("What the resident needs help with, in a few lines"))
        self.summary.setMinimumHeight(self.fontMetrics().lineSpacing() * 5)
        self.summary.setPlainText(summary.strip())
        self._field("summary", tr("S&ummary"), self.summary, tr("Summary"))

        self.priority = QComboBox()
        for choice in CasePriority:
            self.priority.addItem(tr(choice.label), choice.value)
        self.priority.setCurrentIndex(self.priority.findData(CasePriority.NORMAL.value))
        self._field("priority", tr("&Priority"), self.priority, tr("Priority"))

        self.services_involved = QLineEdit()
        self.services_involved.setPlaceholderText(tr("separated by commas, e.g. Housing repairs, Universal Credit"))
        self._field("services", tr("Services &involved"), self.services_involved, tr("Services involved"))

        self.representative = QComboBox()
        self.representative.addItem(tr("No one: the resident themselves"), None)
        for rep in representatives:
            self.representative.addItem(rep.label, rep.id)
        self.representative.setEnabled(bool(representatives))
        self._field("representative", tr("&Representative"), self.representative, tr("Representative"))

        self.owner = QComboBox()
        works_cases = actor.may(Permission.WORK_CASES)
        if not works_cases:
            self.owner.addItem(tr("Choose the caseworker…"), None)
        for member in caseworkers:
            self.owner.addItem(f"{member.name} ({member.role_label})", member.staff_id)
        if works_cases:
            self.owner.setCurrentIndex(max(0, self.owner.findData(actor.staff_id)))
        self._field("owner", tr("O&wner"), self.owner, tr("Owner"))

        self.restricted = QCheckBox(tr("Restri&cted, for safeguarding"))
        self.restricted.setAccessibleName(tr("Restricted"))
        self.restricted.setAccessibleDescription(tr(
            "Only its owner, the people on its team and service managers may open it; everyone else sees only "
            "that it exists and whom to ask."))
        self.restricted.setToolTip(self.restricted.accessibleDescription())
        self._field("restricted", "", self.restricted, tr("Restricted"))
        self.restricted_reason = QLineEdit()
        self.restricted_reason.setMaxLength(500)
        self.restricted_reason.setPlaceholderText(tr("why only the case's team may open it"))
        self.restricted_reason.setEnabled(False)
        self.restricted.toggled.connect(self._restricted_toggled)
        self._field("restricted_reason", tr("Reaso&n restricted"), self.restricted_reason,
                    tr("Reason it is restricted"))

        self.open_after = QCheckBox(tr("Open the case &afterwards"))
        self.open_after.setAccessibleName(tr("Open the case afterwards"))
        self.open_after.setChecked(works_cases)
        self.open_after.setVisible(works_cases)  # desk staff may not read a case's notes
        if works_cases:
            self.form.addRow("", self.open_after)

        self.save_button.setText(tr("&Open case"))
        self.save_button.setAccessibleName(tr("Open case"))
        if not types:
            self.message.show_error(tr("No case types are in use: ask an administrator to set one up."))
            self.save_button.setEnabled(False)
        elif not caseworkers:
            self.message.show_error(tr("No one may own a case yet: ask an administrator to add an advocate."))
            self.save_button.setEnabled(False)
        (self.case_type if not summary.strip() else self.priority).setFocus()

    def _field(self, key: str, label: str, widget: QWidget, name: str) -> None:
        """The field, and under it a line that says what is wrong with it (hidden until then)."""
        if label:
            self.add_field(key, label, widget, name)
        else:
            widget.setAccessibleName(name)
            self.form.addRow("", widget)
            self.fields[key] = widget
        error = QLabel()
        error.setObjectName("fieldError")
        error.setWordWrap(True)
        error.setTextFormat(Qt.TextFormat.PlainText)
        error.setStyleSheet("color: #a4000f;")
        error.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        error.setAccessibleName(self.tr("Problem with {0}").format(name))
        self.form.addRow("", error)
        self.form.setRowVisible(error, False)
        self.errors[key] = error

    def _restricted_toggled(self, ticked: bool) -> None:
        self.restricted_reason.setEnabled(ticked)
        if ticked:
            self.restricted_reason.setFocus()
        else:
            self._hide_error("restricted_reason")

    # ---- opening -------------------------------------------------------------------------------

    def case_input(self) -> CaseInput:
        return CaseInput(
            resident_id=self.resident_id, case_type_id=self.case_type.currentData(),
            summary=self.summary.toPlainText(), priority=self.priority.currentData(),
            services=tuple(part.strip() for part in self.services_involved.text().split(",") if part.strip()),
            representative_id=self.representative.currentData(), from_interaction_id=self.from_interaction_id,
            owner_id=self.owner.currentData(), restricted=self.restricted.isChecked(),
            restricted_reason=self.restricted_reason.text() if self.restricted.isChecked() else "")

    def accept(self) -> None:
        self._clear_errors()
        try:
            glimpse = self.services.cases.open_case(self.actor, self.case_input())
        except ValidationError as error:
            self.show_field_error(error)
            return
        except NotFound as error:  # the resident was merged away or removed meanwhile
            show_problem(self, error)
            self.reject()
            return
        except DeskError as error:  # not allowed, or the database is out of reach: keep what was typed
            show_problem(self, error)
            return
        self.opened = self.saved = glimpse
        QDialog.accept(self)
        if glimpse.may_open and self.open_after.isChecked():
            self.case_opened.emit(glimpse.id)

    def opened_sentence(self) -> str:
        """What the screen behind says once the case is open."""
        glimpse = self.opened
        if glimpse is None:
            return ""
        return self.tr("Case {0} opened for {1}, with {2}.").format(glimpse.reference, self.resident_name,
                                                                   glimpse.owner_name)

    def show_field_error(self, error: ValidationError) -> None:
        key = _FIELDS.get(error.field or "")
        if key is None:
            self.show_error(error.message)
            return
        label = self.errors[key]
        label.setText(error.message)
        label.setAccessibleDescription(error.message)
        self.form.setRowVisible(label, True)
        widget = self.fields[key]
        widget.setFocus(Qt.FocusReason.OtherFocusReason)
        if isinstance(widget, QLineEdit):
            widget.selectAll()
        self._grow_to_fit()

    def error_text(self, key: str) -> str:
        """What is shown under a field ("" when nothing is wrong with it)."""
        label = self.errors[key]
        return label.text() if self.form.isRowVisible(label) else ""

    def _hide_error(self, key: str) -> None:
        self.errors[key].setText("")
        self.form.setRowVisible(self.errors[key], False)

    def _clear_errors(self) -> None:
        self.message.clear_message()
        for key in self.errors:
            self._hide_error(key)

    def _grow_to_fit(self) -> None:
        layout = self.layout()
        layout.activate()
        needed = layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth() else -1
        needed = max(needed, layout.totalSizeHint().height())
        if needed > self.height():
            self.resize(self.width(), needed)


def open_case_dialog(host: QWidget, services: Services, actor: Actor, resident_id: int, *,
                     from_interaction_id: int | None = None, summary: str = "") -> OpenCaseDialog | None:
    """Open the dialog without blocking (the desk keeps painting); a refusal to read what it needs
    is shown in a box. The caller connects `accepted` and `case_opened`."""
    try:
        dialog = OpenCaseDialog(services, actor, resident_id, from_interaction_id=from_interaction_id,
                                summary=summary, parent=host)
    except DeskError as error:
        show_problem(host, error)
        return None
    dialog.finished.connect(lambda _result: dialog.deleteLater())
    dialog.open()
    return dialog


class EscalationOffer(QPushButton):
    """After a desk contact is logged as escalated to advocacy: "Open an advocacy case from this
    contact…", the case linked to the contact and its notes as the summary to start from. Stays
    until the case is opened or another contact begins (`withdraw`)."""

    opened = Signal(object)  # the OpenCaseDialog, once its case is open (`opened`, `opened_sentence()`)
    case_opened = Signal(int)  # the person asked to open the case

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.setText(self.tr("Open an advocacy case from this contact…"))
        self.setAccessibleName(self.tr("Open an advocacy case from this contact"))
        self.setAutoDefault(False)
        self.resident_id: int | None = None
        self.reference = ""
        self.notes = ""
        self.dialog: OpenCaseDialog | None = None
        self.clicked.connect(self.open_dialog)
        self.hide()

    def offer(self, resident_id: int, reference: str, notes: str) -> None:
        if not self.actor.may(Permission.OPEN_CASES):
            return
        self.resident_id, self.reference, self.notes = resident_id, reference, notes
        self.show()

    def withdraw(self) -> None:
        self.resident_id, self.reference, self.notes = None, "", ""
        self.hide()

    def open_dialog(self) -> None:
        if self.resident_id is None or self.dialog is not None:
            return
        try:
            contact_id = next((item.open_id for item in self.services.timeline.for_resident(self.actor, self.resident_id)
                               if item.open_kind == OPEN_INTERACTION and item.reference == self.reference), None)
        except DeskError as error:
            show_problem(self, error)
            return
        dialog = open_case_dialog(self, self.services, self.actor, self.resident_id, from_interaction_id=contact_id,
                                  summary=self.notes)
        if dialog is None:
            return
        self.dialog = dialog
        dialog.accepted.connect(lambda: self._opened(dialog))
        dialog.case_opened.connect(self.case_opened.emit)
        dialog.finished.connect(lambda _result: self._closed(dialog))

    def _opened(self, dialog: OpenCaseDialog) -> None:
        self.withdraw()
        self.opened.emit(dialog)

    def _closed(self, dialog: OpenCaseDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
