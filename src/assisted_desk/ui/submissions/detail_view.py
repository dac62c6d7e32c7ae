"""One request as staff read it: where it stands, what the back office said (the last refusal in
full), the fields as typed, what was sent about the resident, its history and its files.

Used beside the Requests list and, in a dialog, from the resident's timeline."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ...core.clock import local_text
from ...core.security import Actor
from ...desk.submissions import SubmissionDetail
from ...desk.vocab import SubmissionEventKind, SubmissionState
from ...services import Services
from ..desk.attachments_box import AttachmentsBox
from ..desk.request_form import wrapped_label
from ..desk.scaled_label import ScaledLabel
from .submissions_model import attempts_text

WARNING_STYLE = "color: #5c3b00; background: #fff4d6; border: 1px solid #c9a227; padding: 6px;"
ERROR_STYLE = "color: #8a1010; background: #fdecec; border: 1px solid #d99; padding: 6px;"
INFO_STYLE = "color: #0b3d66; background: #e8f1fb; border: 1px solid #9bc; padding: 6px;"
STAFF_EVENTS = (SubmissionEventKind.QUEUED, SubmissionEventKind.FIXED, SubmissionEventKind.RESENT,
                SubmissionEventKind.CANCELLED)
SELECTABLE = Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard


def _heading(text: str) -> QLabel:
    label = wrapped_label(text)
    label.setStyleSheet("font-weight: 700; margin-top: 8px;")
    return label


def _value(text: str, name: str) -> QLabel:
    label = wrapped_label(text)
    label.setTextInteractionFlags(SELECTABLE)
    label.setAccessibleName(name)
    return label


def _rows_form() -> QFormLayout:
    form = QFormLayout()
    # A long label goes above its value rather than squeezing it, as at 200% text.
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    return form


class SubmissionDetailView(QWidget):
    """`show_detail(detail, now)` fills it; `show_empty_state(text)` says why it is empty."""

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.detail: SubmissionDetail | None = None
        self.setAccessibleName(self.tr("Request details"))

        self.empty_state = wrapped_label()
        self.empty_state.setAccessibleName(self.tr("Request details"))
        self.title = ScaledLabel(1.3, 700)
        self.title.setWordWrap(True)
        self.title.setAccessibleName(self.tr("Request"))
        self.reference = ScaledLabel(1.6, 700, "letter-spacing: 2px;")
        self.reference.setTextInteractionFlags(SELECTABLE)
        self.reference.setObjectName("referenceBig")
        self.state = _value("", self.tr("Where it stands"))
        self.state.setStyleSheet("font-weight: 600;")
        self.may_have_arrived = wrapped_label("", WARNING_STYLE)
        self.may_have_arrived.setAccessibleName(self.tr("May have reached the back office"))
        self.error = _value("", self.tr("What the back office said"))
        self.error.setStyleSheet(ERROR_STYLE)
        self.check_result = _value("", self.tr("Status check"))
        self.check_result.setStyleSheet(INFO_STYLE)

        self.fields_heading = _heading(self.tr("The request"))
        self.fields_box = QWidget()
        self.resident_heading = _heading(self.tr("Sent about the resident"))
        self.resident_box = QWidget()
        self.made_heading = _heading(self.tr("Made"))
        self.made = _value("", self.tr("Made"))
        self.history_heading = _heading(self.tr("History"))
        self.history = _value("", self.tr("History"))
        self.files_heading = _heading(self.tr("Files"))
        self.no_files = wrapped_label(self.tr("No files go with this request."))
        self.files = AttachmentsBox(services, actor)
        self.files.setAccessibleName(self.tr("Files with the request"))
        # Here files are looked at; changing them is part of Fix and resend.
        self.files.set_read_only(True)
        self.files.hint.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        for widget in (self.empty_state, self.title, self.reference, self.state, self.may_have_arrived, self.error,
                       self.check_result, self.fields_heading, self.fields_box, self.resident_heading,
                       self.resident_box, self.made_heading, self.made, self.history_heading, self.history,
                       self.files_heading, self.no_files, self.files):
            layout.addWidget(widget)
        layout.addStretch(1)
        self._parts = [w for w in (self.title, self.reference, self.state, self.fields_heading, self.fields_box,
                                   self.resident_heading, self.resident_box, self.made_heading, self.made,
                                   self.history_heading, self.history, self.files_heading)]
        self.show_empty_state(self.tr("Choose a request to see what was sent and what the back office said."))

    def show_empty_state(self, text: str) -> None:
        self.detail = None
        self.empty_state.setText(text)
        self.empty_state.setAccessibleDescription(text)
        self.empty_state.show()
        for widget in self._parts + [self.may_have_arrived, self.error, self.check_result, self.no_files, self.files]:
            widget.hide()

    def show_check_result(self, text: str, problem: bool = False) -> None:
        self.check_result.setText(text)
        self.check_result.setAccessibleDescription(text)
        self.check_result.setStyleSheet(ERROR_STYLE if problem else INFO_STYLE)
        self.check_result.setVisible(bool(text))

    def show_detail(self, detail: SubmissionDetail, now: datetime | None = None) -> None:
        same_request = self.detail is not None and self.detail.summary.id == detail.summary.id
        self.detail = detail
        summary = detail.summary
        tr = self.tr
        self.empty_state.hide()
        for widget in self._parts:
            widget.show()
        self.title.setText(summary.request_name)
        self.reference.setText(summary.reference)
        self.reference.setAccessibleName(tr("Request reference {0}").format(" ".join(summary.reference)))
        state = self._state_words(detail, now)
        self.state.setText(state)
        self.state.setAccessibleDescription(state)
        if summary.may_have_arrived and summary.state != SubmissionState.ACCEPTED:
            words = tr("It may have reached the back office: the connection dropped after it was sent. It goes "
                       "again under the same key, so the back office will not make it twice.")
            self.may_have_arrived.setText(words)
            self.may_have_arrived.setAccessibleDescription(words)
            self.may_have_arrived.show()
        else:
            self.may_have_arrived.hide()
        error = summary.last_error if summary.state in (SubmissionState.NEEDS_ATTENTION, SubmissionState.QUEUED) \
            else ""
        if error:
            lead = tr("What the back office said:") if summary.state == SubmissionState.NEEDS_ATTENTION \
                else tr("Last try:")
            self.error.setText(f"{lead}\n{error}")
            self.error.setAccessibleDescription(error)
        self.error.setVisible(bool(error))
        if not same_request:
            self.show_check_result("")

        self._fill_rows(self.fields_box, detail.fields, tr("No fields were given."))
        self._fill_rows(self.resident_box, detail.resident_details, tr("Nothing."))
        made = [tr("{0} by {1} at {2}.").format(local_text(summary.created_at), summary.created_by,
                                                summary.site_name or tr("an unknown site")),
                tr("Council service: {0}.").format(summary.service_name)]
        if detail.interaction_reference:
            made.append(tr("With contact {0}.").format(detail.interaction_reference))
        if detail.representative_name:
            made.append(tr("Asked for by {0}, acting for {1}.").format(detail.representative_name,
                                                                       summary.resident_name))
        else:
            made.append(tr("For {0}, with their consent.").format(summary.resident_name))
        self.made.setText("\n".join(made))
        self.made.setAccessibleDescription(" ".join(made))
        lines = []
        for event in detail.events:
            line = f"{local_text(event.at)}  {event.title}"
            if event.message:
                line += f": {event.message}"
            # Staff are named; a desk's sender or the back office speaks for itself.
            by = f" ({event.by})" if event.by and event.kind in STAFF_EVENTS else ""
            lines.append(line + by)
        history = "\n".join(lines) or tr("Nothing yet.")
        self.history.setText(history)
        self.history.setAccessibleDescription(history)
        if detail.attachments:
            self.files.show_saved(detail.attachments)
            self.files.show()
            self.no_files.hide()
        else:
            self.files.hide()
            self.no_files.show()

    def _state_words(self, detail: SubmissionDetail, now: datetime | None) -> str:
        summary, tr = detail.summary, self.tr
        if summary.state == SubmissionState.ACCEPTED:
            words = tr("Accepted by the back office as {0}.").format(summary.back_office_reference)
            if summary.back_office_status is not None:
                words += " " + tr("Now: {0}.").format(summary.back_office_status.label)
            if summary.back_office_message:
                words += " " + summary.back_office_message
            return words
        if summary.state == SubmissionState.NEEDS_ATTENTION:
            return tr("Needs attention: the back office refused it. Fix and resend it, or cancel it.")
        if summary.state == SubmissionState.CANCELLED:
            when = local_text(detail.cancelled_at) if detail.cancelled_at else ""
            return tr("Cancelled {0}: {1}").format(when, detail.cancel_reason).strip()
        if summary.state == SubmissionState.SENDING:
            return tr("Being sent now.")
        return tr("Waiting to send: {0}.").format(attempts_text(summary, now).lower())

    def _fill_rows(self, box: QWidget, rows, empty: str) -> None:
        old = box.layout()
        if old is not None:
            while old.count():
                item = old.takeAt(0)
                if item.widget() is not None:
                    item.widget().deleteLater()
            QWidget().setLayout(old)  # lets the old layout go, so a new one can be set
        form = _rows_form()
        form.setContentsMargins(0, 0, 0, 0)
        for label, text in rows:
            name = wrapped_label(label)
            name.setStyleSheet("color: #333333;")
            form.addRow(name, _value(text, label))
        if not rows:
            form.addRow(wrapped_label(empty))
        box.setLayout(form)


class SubmissionDetailDialog(QDialog):
    """The request opened from a timeline line."""

    def __init__(self, services: Services, actor: Actor, detail: SubmissionDetail,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = self.tr("Request {0}").format(detail.summary.reference)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setMinimumWidth(560)
        self.view = SubmissionDetailView(services, actor)
        self.view.show_detail(detail, services.clock.now())
        scroller = QScrollArea()
        scroller.setWidget(self.view)
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QFrame.Shape.NoFrame)
        scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroller = scroller
        layout = QVBoxLayout(self)
        layout.addWidget(scroller, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setText(self.tr("&Close"))
        close.setAccessibleName(self.tr("Close"))
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.resize(680, 640)


__all__ = ["SubmissionDetailDialog", "SubmissionDetailView"]
