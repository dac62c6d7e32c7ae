"""Issuing a ticket to someone who has just arrived, and handing a ticket to a colleague."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QWidget

from ...core.errors import ValidationError
from ...core.security import Actor
from ...desk.queue import TicketView
from ...desk.queue_common import Colleague
from ...services import Services
from ..admin.common import RecordDialog
from .resident_choice import ResidentChoice


class ResidentChoosingDialog(RecordDialog):
    """A form that starts with the resident finder. There, Enter searches or chooses a resident;
    it must never also press Save (that would issue a ticket or a callback for nobody)."""

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.resident = ResidentChoice(services, actor, self)
        self.form.addRow(self.resident)

    def move_on_after_choosing(self, field: QWidget) -> None:
        # After the key press that chose has finished travelling, so it cannot reach Save.
        self.resident.finder.resident_chosen.connect(lambda _id: QTimer.singleShot(0, field.setFocus))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        focus = QApplication.focusWidget()
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and focus is not None \
                and self.resident.isAncestorOf(focus):
            event.accept()
            return
        super().keyPressEvent(event)


class NewTicketDialog(ResidentChoosingDialog):
    """Find the resident, or just type the visitor's name, or neither (an anonymous ticket)."""

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(services, actor, parent)
        self.services, self.actor = services, actor
        self.set_title(self.tr("New ticket"),
                       self.tr("Find the resident if they are known, or just type the name to call out. "
                               "Both may be left empty: the ticket number is enough."))
        self.setMinimumSize(720, 560)
        self.visitor_name = QLineEdit()
        self.visitor_name.setMaxLength(120)
        self.visitor_name.setPlaceholderText(self.tr("the name to call out, if not a resident found above"))
        self.add_field("visitor_name", self.tr("&Visitor's name"), self.visitor_name, self.tr("Visitor's name"))
        self.reason = QLineEdit()
        self.reason.setMaxLength(200)
        self.reason.setPlaceholderText(self.tr("for example: Council Tax bill, blue badge form"))
        self.add_field("reason", self.tr("&Reason"), self.reason, self.tr("Reason for the visit"))
        self.save_button.setText(self.tr("&Issue ticket"))
        self.save_button.setAccessibleName(self.tr("Issue ticket"))
        # Choosing a resident moves on to the reason: Ctrl+T, a name, Down, Enter, Enter.
        self.move_on_after_choosing(self.reason)
        self.resident.finder.focus_search()

    def save(self) -> TicketView:
        return self.services.queue.issue_ticket(
            self.actor, resident_id=self.resident.resident_id, visitor_name=self.visitor_name.text(),
            reason=self.reason.text())

    def adopt(self, record: TicketView) -> str:  # a new ticket never conflicts
        return str(record.number)


class TransferDialog(RecordDialog):
    """Hand a ticket to a colleague at the site, with a note telling them why."""

    def __init__(self, services: Services, actor: Actor, ticket: TicketView, colleagues: tuple[Colleague, ...],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor, self.ticket = services, actor, ticket
        self.version = ticket.version
        who = ticket.name or self.tr("no name given")
        self.set_title(self.tr("Transfer ticket {0}").format(ticket.number),
                       self.tr("Ticket {0} ({1}) will wait for the colleague you choose, and only they can call "
                               "it.").format(ticket.number, who))
        self.colleague = QComboBox()
        for colleague in colleagues:
            label = colleague.display_name
            if colleague.staff_id == actor.staff_id:
                label = self.tr("{0} (me: take it over)").format(label)
            self.colleague.addItem(label, colleague.staff_id)
        self.add_field("to_staff", self.tr("&Colleague"), self.colleague, self.tr("Colleague to transfer to"))
        self.note = QLineEdit()
        self.note.setMaxLength(500)
        self.note.setPlaceholderText(self.tr("why, and anything they should know"))
        self.add_field("note", self.tr("&Note for them"), self.note, self.tr("Note for the colleague"))
        self.save_button.setText(self.tr("&Transfer"))
        self.save_button.setAccessibleName(self.tr("Transfer"))
        self.colleague.setFocus()

    def save(self) -> TicketView:
        staff_id = self.colleague.currentData()
        if staff_id is None:
            raise ValidationError(self.tr("There is no colleague at this site to transfer to."), field="to_staff")
        return self.services.queue.transfer(self.actor, self.ticket.id, staff_id, self.note.text(), self.version)

    def adopt(self, record: TicketView) -> str:
        self.version = record.version
        return self.tr("ticket {0} is {1}").format(record.number, record.status.label.lower())
