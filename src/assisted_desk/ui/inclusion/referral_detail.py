"""One referral: where it is now, its whole history (a re-routed one's chain too), and only the
next steps the closed loop allows, as buttons. A step that needs a reason asks for one; a step
heard from the partner on the phone is recorded as a call. Sending (with the consent check and
what each method gives staff to do) is in `make_referral.SendPanel`. A sent slip referral that is
still open has "Print slip…": the slip is built again by the sharing rule and previewed, printed or
saved as PDF."""

from __future__ import annotations

from datetime import datetime, time, timezone

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ...core.clock import LONDON, as_utc
from ...core.errors import DeskError, ValidationError
from ...core.security import Actor
from ...desk.representatives import london_today
from ...inclusion.referral_vocab import ReferralMethod, ReferralStatus, UpdateSource
from ...printing.layout import PrintFormat
from ...printing.print_records import PrintKind
from ...printing.slip_pdf import render_referral_slip
from ...services import Services
from ..admin.common import RecordDialog, fit_columns, record_table, selected_row, sortable_proxy
from ..forms import button
from ..messages import FormMessage
from ..printing_dialog import PrintPreviewDialog
from ..workers import run_in_background
from .referral_models import (ReferralHistoryModel, ServiceChoiceModel, plain_text_labels, status_label,
                             status_with_delivery)
from .make_referral import SendPanel

# The words on each step's button; the mnemonics avoid Back (b), Send (s) and each other.
STEP_BUTTONS = {
    ReferralStatus.ACCEPTED: "Partner &accepted",
    ReferralStatus.DECLINED: "Partner &declined…",
    ReferralStatus.ATTENDED_FIRST_SESSION: "Attended &first session",
    ReferralStatus.DID_NOT_ATTEND: "Did &not attend",
    ReferralStatus.COMPLETED: "C&ompleted",
    ReferralStatus.STOPPED: "Sto&pped…",
}


class StepDialog(RecordDialog):
    """Record one step: when it happened, why (where the step needs a reason), a note, and whether
    the partner told us by phone. With `choices` (recording a call) the step is chosen here."""

    def __init__(self, services: Services, actor: Actor, referral, step: ReferralStatus | None,
                 choices: tuple[ReferralStatus, ...] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor, self.referral = services, actor, referral
        tr = self.tr
        if step is None:
            self.set_title(tr("Record a call about {0}").format(referral.reference),
                           tr("What did {0} say on the phone?").format(referral.organisation_name))
        else:
            self.set_title(tr("{0}: {1}").format(referral.reference, tr(step.label)))
        self.step = QComboBox()
        for choice in (choices or (step,)):
            self.step.addItem(tr(choice.label), choice.value)
        self.step.setEnabled(step is None)
        self.add_field("status", tr("&Step"), self.step, tr("Step"))
        today = london_today(services.clock)
        self.when = QDateEdit(QDate(today.year, today.month, today.day))
        self.when.setCalendarPopup(True)
        self.when.setDisplayFormat("dd/MM/yyyy")
        self.when.setMaximumDate(QDate(today.year, today.month, today.day))
        # No earlier than the day of its latest step: the service puts a step on that day just after it.
        first = self.earliest_day()
        self.when.setMinimumDate(QDate(first.year, first.month, first.day))
        self.add_field("happened_at", tr("&When"), self.when, tr("When it happened"))
        self.reason = QLineEdit()
        self.reason.setMaxLength(500)
        self.reason_label = self.add_field("reason", tr("&Reason"), self.reason, tr("Reason"))
        self.note = QLineEdit()
        self.note.setMaxLength(2000)
        self.add_field("note", tr("N&ote"), self.note, tr("Note"))
        self.by_phone = QCheckBox(tr("The partner told us by &phone"))
        self.by_phone.setAccessibleName(tr("The partner told us by phone"))
        self.by_phone.setChecked(step is None)
        self.form.addRow("", self.by_phone)
        self.save_button.setText(tr("&Record"))
        self.save_button.setAccessibleName(tr("Record"))
        self.step.currentIndexChanged.connect(self._step_changed)
        self._step_changed()
        (self.step if step is None else (self.reason if self.chosen().needs_reason else self.when)).setFocus()
        plain_text_labels(self)

    def chosen(self) -> ReferralStatus:
        return ReferralStatus(self.step.currentData())

    def _step_changed(self) -> None:
        needed = self.chosen().needs_reason
        self.reason.setPlaceholderText(self.tr("required") if needed else self.tr("optional"))

    def earliest_day(self):
        """The London day of the referral's latest step (or of its making): no step happened before it."""
        moments = [as_utc(e.happened_at) for e in getattr(self.referral, "events", ())]
        moments.append(as_utc(self.referral.created_at))
        return max(moments).astimezone(LONDON).date()

    def happened_at(self) -> datetime:
        """The chosen day; today means now, an earlier day its noon in London (the service moves a
        noon before that day's latest step to just after it)."""
        day = self.when.date().toPython()
        if day >= london_today(self.services.clock):
            return self.services.clock.now()
        return datetime.combine(day, time(12), tzinfo=LONDON).astimezone(timezone.utc)

    def save(self):
        source = UpdateSource.CALL if self.by_phone.isChecked() else UpdateSource.STAFF
        return self.services.referrals.record_update(
            self.actor, self.referral.id, self.chosen(), expected_version=self.referral.version,
            reason=self.reason.text(), note=self.note.text(), happened_at=self.happened_at(), source=source)

    def adopt(self, record) -> str:
        self.referral = record
        return status_label(record.status)


class WithdrawDialog(RecordDialog):
    def __init__(self, services: Services, actor: Actor, referral, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor, self.referral = services, actor, referral
        tr = self.tr
        self.set_title(tr("Withdraw {0}").format(referral.reference),
                       tr("The referral to {0} ends here; tell the partner if it was sent.").format(
                           referral.organisation_name))
        self.reason = QLineEdit()
        self.reason.setMaxLength(500)
        self.reason.setPlaceholderText(tr("required, e.g. the resident found another course"))
        self.add_field("reason", tr("&Reason"), self.reason, tr("Reason for withdrawing"))
        self.save_button.setText(tr("&Withdraw"))
        self.save_button.setAccessibleName(tr("Withdraw"))
        self.reason.setFocus()
        plain_text_labels(self)

    def save(self):
        return self.services.referrals.withdraw(self.actor, self.referral.id, reason=self.reason.text(),
                                                expected_version=self.referral.version)

    def adopt(self, record) -> str:
        self.referral = record
        return status_label(record.status)


class ReferralDetail(QWidget):
    """Asks the tab to: go back, re-route (with the referral), refresh lists after a change."""

    closed = Signal()
    reroute_requested = Signal(object)
    changed = Signal()

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.referral = None
        self.dialog: RecordDialog | None = None
        tr = self.tr
        self.back_button = button(tr("◀ &Back to the list"), tr("Back to the list of referrals"))
        self.back_button.clicked.connect(self.closed.emit)
        self.title = QLabel()
        self.title.setObjectName("pageTitle")
        self.title.setWordWrap(True)
        self.title.setAccessibleName(tr("Referral"))
        self.state = QLabel()
        self.state.setWordWrap(True)
        self.state.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.state.setAccessibleName(tr("Where the referral is"))
        self.send_panel = SendPanel(services, actor)
        self.send_panel.sent.connect(self._after_change)
        self.send_panel.stale.connect(self._after_change)
        self.history_model = ReferralHistoryModel(self)
        self.history = record_table(tr("History"), sortable_proxy(self, self.history_model))
        self.history.setWordWrap(True)
        self.steps = QGridLayout()
        self.steps.setColumnStretch(3, 1)  # buttons keep their own width, on the left
        self.step_buttons: dict[ReferralStatus, QWidget] = {}
        self.call_button = button(tr("Record a &call…"), tr("Record what the partner said on the phone"))
        self.call_button.clicked.connect(self.record_call)
        self.reroute_button = button(tr("Re-ro&ute…"), tr("Re-route to another service"))
        self.reroute_button.clicked.connect(lambda: self.reroute_requested.emit(self.referral))
        self.withdraw_button = button(tr("&Withdraw…"), tr("Withdraw the referral"))
        self.withdraw_button.clicked.connect(self.withdraw)
        # L: s is the Session menu's, and the step buttons and Send take a, b, c, d, f, n, o, p, u, w, y.
        self.print_slip_button = button(tr("Print s&lip…"), tr("Print the referral slip"))
        self.print_slip_button.clicked.connect(self.print_slip)
        self.print_dialog: PrintPreviewDialog | None = None
        self.preparing = False  # building the slip before its preview opens
        self.message = FormMessage(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.back_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.title)
        layout.addWidget(self.state)
        layout.addWidget(self.send_panel)
        layout.addWidget(self.print_slip_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.history, 1)
        layout.addLayout(self.steps)
        layout.addWidget(self.message)
        plain_text_labels(self)

    def open(self, referral_id: int) -> bool:
        self.message.clear_message()
        self.send_panel.reset()
        return self.reload(referral_id)

    def reload(self, referral_id: int | None = None) -> bool:
        referral_id = referral_id if referral_id is not None else self.referral.id
        try:
            record = self.services.referrals.get(self.actor, referral_id)
            events = self.services.referrals.history(self.actor, referral_id)
        except DeskError as error:
            self.message.show_error(error.message)
            return False
        self.show_referral(record, events)
        return True

    def show_referral(self, record, events) -> None:
        tr = self.tr
        self.referral = record
        self.title.setText(tr("{0}: {1} ({2})").format(record.reference, record.service_name,
                                                      record.organisation_name))
        lines = [tr("For {0}. Now: {1}").format(record.resident_name, status_with_delivery(self, record))
                 + (f" — {record.status_reason}" if record.status_reason else "") + "."]
        if record.need_text:
            lines.append(tr("Need: {0}").format(record.need_text))
        if record.last_error:
            lines.append(tr("The partner's system said: {0}").format(record.last_error))
        if record.partner_reference:
            lines.append(tr("The partner's reference: {0}").format(record.partner_reference))
        if record.rerouted_from:
            lines.append(tr("Re-routed from {0}.").format(record.rerouted_from))
        if record.rerouted_to:
            lines.append(tr("Re-routed to {0}.").format(record.rerouted_to))
        self.state.setText("\n".join(lines))
        self.history_model.set_rows(events)
        fit_columns(self.history)
        self.send_panel.show_for(record)
        self.print_slip_button.setVisible(record.method is ReferralMethod.SLIP and record.is_open
                                          and record.status is not ReferralStatus.DRAFT)
        self._build_steps(record)

    def _build_steps(self, record) -> None:
        for widget in self.step_buttons.values():
            self.steps.removeWidget(widget)
            widget.deleteLater()
        self.step_buttons = {}
        allowed = tuple(ReferralStatus(s) for s in record.allowed_next)
        pushes = []
        for step in allowed:
            if step in STEP_BUTTONS:
                push = button(self.tr(STEP_BUTTONS[step]), self.tr(step.label))
                push.clicked.connect(lambda _=False, s=step: self.record_step(s))
                self.step_buttons[step] = push
                pushes.append(push)
        updates = tuple(s for s in allowed if s in STEP_BUTTONS)
        self.call_button.setVisible(bool(updates))
        self.reroute_button.setVisible(ReferralStatus.REROUTED in allowed)
        self.withdraw_button.setVisible(ReferralStatus.WITHDRAWN in allowed)
        for push in (self.call_button, self.reroute_button, self.withdraw_button):
            self.steps.removeWidget(push)
        pushes += [self.call_button, self.reroute_button, self.withdraw_button]
        for n, push in enumerate(pushes):  # three to a row: room for the words at double text size
            self.steps.addWidget(push, n // 3, n % 3)

    def _open(self, dialog: RecordDialog) -> None:
        self.dialog = dialog
        dialog.refetch = lambda: self._fresh()
        dialog.accepted.connect(self._after_change)
        dialog.finished.connect(lambda _result: self._closed(dialog))
        dialog.open()

    def _fresh(self):
        return self.referral if self.reload() else None

    def _closed(self, dialog: RecordDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def _after_change(self, *_args) -> None:
        self.reload()
        self.changed.emit()

    def record_step(self, step: ReferralStatus) -> None:
        self._open(StepDialog(self.services, self.actor, self.referral, step, parent=self))

    def record_call(self) -> None:
        choices = tuple(s for s in ReferralStatus if s in STEP_BUTTONS and s.value in
                        {getattr(a, "value", a) for a in self.referral.allowed_next})
        self._open(StepDialog(self.services, self.actor, self.referral, None, choices, parent=self))

    def withdraw(self) -> None:
        self._open(WithdrawDialog(self.services, self.actor, self.referral, parent=self))

    def print_slip(self) -> None:
        """Build the slip again off the GUI thread (the same sharing rule as sending: what the
        resident agreed to share, nothing more), then open its print preview. A refusal (consent
        no longer current, closed) is shown here."""
        if self.referral is None or self.preparing:
            return
        services, actor, referral = self.services, self.actor, self.referral
        self.message.clear_message()
        self.preparing = True
        self.print_slip_button.setEnabled(False)

        def done(sent) -> None:
            self._prepared()
            if sent.slip is None:
                self.message.show_error(self.tr("Referral {0} has no slip to print.").format(referral.reference))
                return
            self._open_preview(referral, sent.slip)

        def failed(error: DeskError) -> None:
            self._prepared()
            self.message.show_error(error.message)

        run_in_background(lambda: services.referrals.sending_content(actor, referral.id), done, failed)

    def _prepared(self) -> None:
        self.preparing = False
        self.print_slip_button.setEnabled(True)

    def _open_preview(self, referral, slip) -> None:
        if self.print_dialog is not None:
            self.print_dialog.close()
            self.print_dialog.deleteLater()

        def render(fmt: PrintFormat, path) -> int:
            return render_referral_slip(slip, fmt, path).pages

        self.print_dialog = PrintPreviewDialog(
            self.services, self.actor, title=self.tr("Referral slip {0} for {1}").format(
                slip.reference, slip.partner_name),
            kind=PrintKind.SLIP, render=render, resident_id=referral.resident_id,
            file_stem=f"referral-{slip.reference}", parent=self)
        self.print_dialog.open()


class RerouteDialog(RecordDialog):
    """Close this referral as re-routed and make a draft to another service, with the same need:
    the resident's suggestions first, then the rest of the directory that takes referrals."""

    def __init__(self, services: Services, actor: Actor, referral, suggestions, directory,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor, self.referral = services, actor, referral
        tr = self.tr
        self.setMinimumWidth(640)
        self.set_title(tr("Re-route {0}").format(referral.reference),
                       tr("The referral to {0} closes as re-routed; a draft to the service you choose keeps its "
                          "history and need. Send it from there.").format(referral.organisation_name))
        choices, seen = [], {referral.service_id}
        for suggestion in suggestions:
            if suggestion.service_id not in seen:
                seen.add(suggestion.service_id)
                choices.append((suggestion.service_id, suggestion.service_name, suggestion.organisation_name,
                                suggestion.reasons))
        for service in directory:
            if service.id not in seen and service.takes_referrals:
                seen.add(service.id)
                choices.append((service.id, service.name, service.organisation_name, tr("not suggested")))
        self.model = ServiceChoiceModel(self)
        self.model.set_rows(choices)
        self.table = record_table(tr("Services to re-route to"), sortable_proxy(self, self.model), 2)
        self.table.setMinimumHeight(200)
        fit_columns(self.table)
        if choices:
            self.table.selectRow(0)
        self.add_field("service", tr("&To"), self.table, tr("Services to re-route to"))
        self.reason = QLineEdit()
        self.reason.setMaxLength(500)
        self.reason.setPlaceholderText(tr("required, e.g. no places until March"))
        self.add_field("reason", tr("&Reason"), self.reason, tr("Reason for re-routing"))
        self.save_button.setText(tr("Re-&route"))
        self.save_button.setAccessibleName(tr("Re-route"))
        self.table.setFocus()
        plain_text_labels(self)

    def save(self):
        row = selected_row(self.table)
        if row is None:
            raise ValidationError(self.tr("Choose the service to re-route to."), field="service")
        return self.services.referrals.reroute(self.actor, self.referral.id, self.model.service_id(row),
                                               reason=self.reason.text(), expected_version=self.referral.version)

    def adopt(self, record) -> str:
        self.referral = record
        return status_label(record.status)
