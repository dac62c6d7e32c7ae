"""What opens from a timeline line: the contact as logged, the consent (with Withdraw while it is
current), the representative (to edit), a request sent to the back office (where it stands and
what was sent), or, for kinds this screen does not know yet, the line's own words. Later work
adds openers for its kinds with `register_item_opener`."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from ...core.clock import local_text
from ...desk.consent import ConsentRecord
from ...desk.interactions import InteractionRecord
from ...desk.representatives import long_date
from ...desk.timeline import TimelineItem
from ..forms import button
from .scaled_label import ScaledLabel

# (panel, item) -> None. The panel is the ServePanel: it has services, actor and summary.
ItemOpener = Callable[[object, TimelineItem], None]
_OPENERS: dict[str, ItemOpener] = {}


def register_item_opener(open_kind: str, opener: ItemOpener) -> None:
    _OPENERS[open_kind] = opener


def opener_for(open_kind: str) -> ItemOpener:
    return _OPENERS.get(open_kind, open_generic)


def _value(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                  | Qt.TextInteractionFlag.TextSelectableByKeyboard)
    return label


class DetailDialog(QDialog):
    """A read-only record: rows of label and value, a Close button, and any extra actions."""

    def __init__(self, title: str, rows: list[tuple[str, str]], parent: QWidget | None = None,
                 reference: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        if reference:
            big = ScaledLabel(1.8, 700, "letter-spacing: 2px;")
            big.setText(reference)
            big.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                        | Qt.TextInteractionFlag.TextSelectableByKeyboard)
            big.setObjectName("referenceBig")
            big.setAccessibleName(self.tr("Reference {0}").format(" ".join(reference)))
            layout.addWidget(big)
        form = QFormLayout()
        self.values: dict[str, QLabel] = {}
        for label, text in rows:
            if text:
                value = _value(text)
                value.setAccessibleName(label)
                form.addRow(QLabel(label), value)
                self.values[label] = value
        layout.addLayout(form)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setText(self.tr("&Close"))
        close.setAccessibleName(self.tr("Close"))
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def add_action(self, text: str, accessible_name: str, action: Callable[[], None]):
        push = button(text, accessible_name)
        self.buttons.addButton(push, QDialogButtonBox.ButtonRole.ActionRole)
        push.clicked.connect(action)
        return push


def _show(panel, dialog: QDialog) -> None:
    panel.detail = dialog
    dialog.finished.connect(lambda _r: dialog.deleteLater())
    dialog.open()


def open_generic(panel, item: TimelineItem) -> None:
    dialog = DetailDialog(item.title, [(panel.tr("When"), local_text(item.when)), (panel.tr("Details"), item.detail)],
                          panel, item.reference)
    _show(panel, dialog)


def interaction_rows(panel, record: InteractionRecord) -> list[tuple[str, str]]:
    tr = panel.tr
    satisfaction = record.satisfaction.label if record.satisfaction else tr("Not asked")
    if record.satisfaction_reason:
        satisfaction += f" — {record.satisfaction_reason}"
    return [
        (tr("When"), local_text(record.occurred_at)),
        (tr("Where"), record.site_name),
        (tr("Logged by"), record.staff_name),
        (tr("Resident"), record.resident_name or tr("Anonymous")),
        (tr("Contact with"), record.representative_label),
        (tr("Channel"), record.channel.label),
        (tr("Service"), record.service_name),
        (tr("Type of help"), record.help_type.label),
        (tr("Outcome"), record.outcome.label),
        (tr("Avoidable"), record.avoidable.label if record.avoidable else tr("No")),
        (tr("Minutes spent"), str(record.minutes)),
        (tr("Satisfaction"), satisfaction),
        (tr("Notes"), record.notes),
    ]


def open_interaction(panel, item: TimelineItem) -> None:
    record = panel.services.interactions.get(panel.actor, item.open_id)
    _show(panel, DetailDialog(panel.tr("Contact {0}").format(record.reference), interaction_rows(panel, record),
                              panel, record.reference))


def consent_rows(panel, record: ConsentRecord) -> list[tuple[str, str]]:
    tr = panel.tr
    if record.withdrawn_at:
        state = tr("Withdrawn on {0} by {1}").format(long_date(record.withdrawn_at), record.withdrawn_by)
        if record.withdrawal_note:
            state += f": {record.withdrawal_note}"
    elif not record.current:
        state = tr("Expired at the end of {0}").format(long_date(record.valid_until))
    else:
        state = tr("Current")
    return [
        (tr("Consent to"), record.summary),
        (tr("Status"), state),
        (tr("Given by"), record.given_by),
        (tr("How"), record.method.label),
        (tr("Given on"), local_text(record.given_at)),
        (tr("Valid until"), long_date(record.valid_until) if record.valid_until else tr("Until withdrawn")),
        (tr("Recorded by"), record.recorded_by),
        (tr("Note"), record.note),
    ]


def open_consent(panel, item: TimelineItem) -> None:
    record = panel.services.consent.consent(panel.actor, item.open_id)
    dialog = DetailDialog(panel.tr("Consent"), consent_rows(panel, record), panel)
    if record.current:
        def withdraw() -> None:
            dialog.accept()
            panel.summary.withdraw(record)

        dialog.withdraw_button = dialog.add_action(panel.tr("&Withdraw…"), panel.tr("Withdraw this consent"),
                                                   withdraw)
    _show(panel, dialog)


def open_representative(panel, item: TimelineItem) -> None:
    record = panel.services.consent.representative(panel.actor, item.open_id)
    if record.current:
        panel.summary.edit_representative(record)
        return
    tr = panel.tr
    state = tr("Ended on {0}").format(long_date(record.ended_at)) if record.ended_at else \
        tr("Authority ran out at the end of {0}").format(long_date(record.valid_until))
    _show(panel, DetailDialog(record.label, [
        (tr("Status"), state), (tr("May act for"), record.scope_label if record.scope else tr("Nothing")),
        (tr("Phone"), record.phone_display), (tr("Email"), record.email), (tr("Address"), record.address),
        (tr("Evidence"), record.evidence)], panel))


def open_submission(panel, item: TimelineItem) -> None:
    from ..submissions.detail_view import SubmissionDetailDialog  # the Requests tab's own view

    detail = panel.services.submissions.get(panel.actor, item.open_id)
    _show(panel, SubmissionDetailDialog(panel.services, panel.actor, detail, panel))


register_item_opener("interaction", open_interaction)
register_item_opener("submission", open_submission)
register_item_opener("consent", open_consent)
register_item_opener("representative", open_representative)
