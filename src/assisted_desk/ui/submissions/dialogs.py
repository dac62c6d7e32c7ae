"""Fixing and resending a request the back office refused, and cancelling one it has not accepted.

Both stay open, with everything typed, when the service refuses; a refusal naming a field puts
the cursor on it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QFrame, QLineEdit, QScrollArea, QVBoxLayout, QWidget

from ...core.errors import ValidationError
from ...core.security import Actor
from ...desk.attachments import size_text
from ...desk.representatives import london_today
from ...desk.request_forms import RequestType
from ...desk.submissions import SubmissionDetail
from ...services import Services
from ..admin.common import RecordDialog
from ..desk.attachments_box import AttachmentsBox
from ..desk.request_form import RequestForm, wrapped_label
from .detail_view import ERROR_STYLE


def _adopted(dialog, detail: SubmissionDetail) -> str:
    dialog.version = detail.summary.version
    return detail.summary.state_text


class FixAndResendDialog(RecordDialog):
    """The same form the request was made with, filled with what was sent, the back office's
    words above it, and the files: untick one to take it off, add others."""

    def __init__(self, services: Services, actor: Actor, detail: SubmissionDetail, kind: RequestType,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor = services, actor
        summary = detail.summary
        self.submission_id, self.version = summary.id, summary.version
        self.set_title(self.tr("Fix and resend {0}").format(summary.reference),
                       self.tr("{0} for {1}. Correct what the back office says below and send it again.")
                       .format(summary.request_name, summary.resident_name))
        self.setMinimumSize(max(640, self.fontMetrics().averageCharWidth() * 64), 600)
        said = wrapped_label(self.tr("What the back office said:\n{0}").format(summary.last_error or
                                                                              self.tr("nothing")), ERROR_STYLE)
        said.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                     | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        said.setAccessibleName(self.tr("What the back office said"))
        self.said = said

        self.request_form = RequestForm(kind, london_today(services.clock))
        self.request_form.set_values(detail.raw_fields)
        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 8, 0)
        column.addWidget(said)
        column.addWidget(self.request_form)
        column.addSpacing(8)
        files_heading = wrapped_label(self.tr("Files sent with the request"))
        files_heading.setStyleSheet("font-weight: 600;")
        column.addWidget(files_heading)
        self.keep: dict[int, QCheckBox] = {}
        for record in detail.attachments:
            keep = QCheckBox(self.tr("Keep {0} ({1}, {2})").format(record.filename, record.type_label,
                                                                   size_text(record.size)))
            keep.setChecked(True)
            keep.setAccessibleName(self.tr("Keep {0}").format(record.filename))
            self.keep[record.id] = keep
            column.addWidget(keep)
        if not detail.attachments:
            column.addWidget(wrapped_label(self.tr("None yet.")))
        self.attachments = AttachmentsBox(services, actor)
        self.attachments.setAccessibleName(self.tr("Files to add"))
        self.attachments.setMinimumHeight(200)
        column.addWidget(self.attachments)
        column.addStretch(1)
        scroller = QScrollArea()
        scroller.setWidget(content)
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QFrame.Shape.NoFrame)
        scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroller = scroller
        self.form.addRow(scroller)
        self.layout().setStretchFactor(self.form, 1)
        self.fields = dict(self.request_form.fields)
        self.fields["attachments"] = self.attachments.add_button
        self.save_button.setText(self.tr("Send a&gain"))
        self.save_button.setAccessibleName(self.tr("Send again"))
        first = self.request_form.first_field()
        if first is not None:
            first.setFocus()

    def save(self) -> int:
        if self.attachments.is_busy():
            raise ValidationError(self.tr("The files are still being read: press Send again in a moment."),
                                  field="attachments")
        remove = [attachment_id for attachment_id, keep in self.keep.items() if not keep.isChecked()]
        self.services.submissions.fix_and_resend(self.actor, self.submission_id, self.version,
                                                 self.request_form.values(), add=self.attachments.pending(),
                                                 remove=remove)
        return self.submission_id

    def adopt(self, record: SubmissionDetail) -> str:
        return _adopted(self, record)


class CancelRequestDialog(RecordDialog):
    def __init__(self, services: Services, actor: Actor, detail: SubmissionDetail,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor = services, actor
        summary = detail.summary
        self.submission_id, self.version = summary.id, summary.version
        self.set_title(self.tr("Cancel request {0}").format(summary.reference),
                       self.tr("{0} for {1} will not be sent. Say why; the reason is kept with the request and "
                               "shown on the resident's timeline.").format(summary.request_name,
                                                                           summary.resident_name))
        self.reason = QLineEdit()
        self.reason.setMaxLength(500)
        self.reason.setPlaceholderText(self.tr("e.g. reported online after all"))
        self.add_field("reason", self.tr("&Why"), self.reason, self.tr("Reason for cancelling"))
        self.save_button.setText(self.tr("Cancel the &request"))
        self.save_button.setAccessibleName(self.tr("Cancel the request"))
        keep = self.buttons.button(self.buttons.StandardButton.Cancel)
        keep.setText(self.tr("&Keep it"))
        keep.setAccessibleName(self.tr("Keep it"))
        self.reason.setFocus()

    def save(self) -> int:
        self.services.submissions.cancel(self.actor, self.submission_id, self.reason.text())
        return self.submission_id

    def adopt(self, record: SubmissionDetail) -> str:
        return _adopted(self, record)


__all__ = ["CancelRequestDialog", "FixAndResendDialog"]
