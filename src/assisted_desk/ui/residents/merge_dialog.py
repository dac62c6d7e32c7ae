"""Merging two records of one person: pick both, see them side by side, confirm, and undo if it
was a mistake (for 30 days)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from ...core.clock import LONDON, local_text
from ...core.errors import ConflictError, DeskError
from ...core.security import Actor
from ...desk.merge import MergeRecord
from ...desk.residents import ResidentRecord
from ...services import Services
from ..desk.finder import ResidentFinder
from ..forms import button
from ..messages import FormMessage
from .details import ResidentDetails


class RecordSide(QGroupBox):
    """One of the two records: found with the finder, then shown in full."""

    changed = Signal()

    def __init__(self, services: Services, actor: Actor, title: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.services, self.actor = services, actor
        self.record: ResidentRecord | None = None
        self.locked = False  # once merged, the two records shown are the ones merged
        self.setAccessibleName(title)
        self.finder = ResidentFinder(services, actor)
        self.finder.resident_chosen.connect(self.load)
        self.details = ResidentDetails()
        self.problem = FormMessage(self)
        self.choose_other = button(self.tr("Choose another record…"),
                                   self.tr("Choose another record for: {0}").format(title))
        self.choose_other.clicked.connect(self.choose_again)
        layout = QVBoxLayout(self)
        layout.addWidget(self.finder, 1)
        layout.addWidget(self.details)
        layout.addWidget(self.problem)
        layout.addStretch(0)
        layout.addWidget(self.choose_other)
        self.set_record(None)

    def load(self, resident_id: int) -> None:
        self.problem.clear_message()
        try:
            record = self.services.residents.get(self.actor, resident_id)
        except DeskError as error:
            self.problem.show_error(error.message)
            return
        self.set_record(record)
        self.changed.emit()

    def set_record(self, record: ResidentRecord | None) -> None:
        self.record = record
        self.details.show_record(record, self.services.clock.now().astimezone(LONDON).date())
        picking = record is None
        self.finder.setVisible(picking)
        self.details.setVisible(not picking)
        self.choose_other.setVisible(not picking and not self.locked)

    def choose_again(self) -> None:
        self.set_record(None)
        self.changed.emit()
        self.finder.focus_search()

    def reload(self) -> None:
        if self.record is not None:
            self.load(self.record.id)


class MergeDialog(QDialog):
    """`merged(survivor_id)` after a merge; `undone(merged_id)` after undoing it here."""

    merged = Signal(int)
    undone = Signal(int)

    def __init__(self, services: Services, actor: Actor, keep_id: int | None = None, merge_id: int | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.result_record: MergeRecord | None = None
        self._warned_same = False
        title = self.tr("Merge two records of one person")
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        intro = QLabel(self.tr(
            "The record on the right is merged into the one on the left: all its history (contacts, consents, "
            "representatives, queue tickets, callbacks and references) moves to the record kept, and it no "
            "longer appears in search. Details such as a new phone number are not copied: edit the record kept "
            "afterwards if they are needed. A merge can be undone for 30 days."))
        intro.setWordWrap(True)
        self.keep = RecordSide(services, actor, self.tr("Keep this record"))
        self.absorb = RecordSide(services, actor, self.tr("Merge this record into it"))
        sides = QHBoxLayout()
        sides.addWidget(self.keep, 1)
        sides.addWidget(self.absorb, 1)
        self.swap_button = button(self.tr("S&wap the two records"))
        self.swap_button.clicked.connect(self.swap)
        self.confirm = QCheckBox(self.tr("I have &checked that these two records are the same person"))
        self.confirm.setAccessibleName(self.tr("I have checked that these two records are the same person"))
        self.message = FormMessage(self)
        self.merge_button = button(self.tr("&Merge"), self.tr("Merge the records"), default=True)
        self.merge_button.clicked.connect(self.merge)
        self.undo_button = button(self.tr("&Undo this merge"))
        self.undo_button.clicked.connect(self.undo)
        self.undo_button.hide()
        self.close_button = button(self.tr("Close"))
        self.close_button.clicked.connect(self.reject)
        actions = QHBoxLayout()
        actions.addWidget(self.swap_button)
        actions.addStretch(1)
        actions.addWidget(self.merge_button)
        actions.addWidget(self.undo_button)
        actions.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(sides, 1)
        layout.addWidget(self.confirm)
        layout.addWidget(self.message)
        layout.addLayout(actions)
        for side in (self.keep, self.absorb):
            side.changed.connect(self._follow)
        self.confirm.toggled.connect(self._follow)
        if keep_id is not None:
            self.keep.load(keep_id)
        if merge_id is not None:
            self.absorb.load(merge_id)
        self.resize(1080, 640)
        self._follow()
        (self.absorb if self.keep.record is not None else self.keep).finder.focus_search()

    def _follow(self) -> None:
        keep, absorb = self.keep.record, self.absorb.record
        ready = (keep is not None and absorb is not None and keep.id != absorb.id and self.result_record is None)
        self.merge_button.setEnabled(ready and self.confirm.isChecked())
        self.swap_button.setEnabled(self.result_record is None and (keep is not None or absorb is not None))
        same = keep is not None and absorb is not None and keep.id == absorb.id
        if same:
            self.message.show_error(self.tr("Both sides show the same record: choose another one for one side."))
        elif self._warned_same:
            self.message.clear_message()
        self._warned_same = same

    def swap(self) -> None:
        keep, absorb = self.keep.record, self.absorb.record
        self.keep.set_record(absorb)
        self.absorb.set_record(keep)
        self.confirm.setChecked(False)  # what was checked was the other way round
        self._follow()

    def merge(self) -> None:
        keep, absorb = self.keep.record, self.absorb.record
        if keep is None or absorb is None or not self.confirm.isChecked():
            return
        self.message.clear_message()
        try:
            record = self.services.residents.merge(
                self.actor, keep.id, absorb.id, expected_survivor_version=keep.version,
                expected_merged_version=absorb.version)
        except ConflictError as error:
            self.keep.reload()
            self.absorb.reload()
            self.confirm.setChecked(False)
            self.message.show_error(self.tr("{0}\nBoth records are shown as saved now: check them and merge again.")
                                    .format(error.message))
            return
        except DeskError as error:
            self.message.show_error(error.message)
            return
        self.result_record = record
        for side in (self.keep, self.absorb):
            side.locked = True
            side.reload()
        self.confirm.setEnabled(False)
        self.message.show_info(self.tr(
            "Merged: {0} (record {1}) is now part of {2} (record {3}). Moved: {4}. You can undo this until {5}, "
            "here or under Recent merges.").format(record.merged_name, record.merged_id, record.survivor_name,
                                                   record.survivor_id, record.moved_text,
                                                   local_text(record.undo_until)))
        self.undo_button.show()
        self.undo_button.setFocus()
        self._follow()
        self.merged.emit(record.survivor_id)

    def undo(self) -> None:
        if self.result_record is None:
            return
        try:
            record = self.services.residents.undo_merge(self.actor, self.result_record.id)
        except DeskError as error:
            self.message.show_error(error.message)
            return
        self.keep.reload()
        self.absorb.reload()
        self.undo_button.hide()
        self.message.show_info(self.tr("Merge undone: {0} (record {1}) and {2} (record {3}) are separate records "
                                       "again, each with its own history.").format(
            record.survivor_name, record.survivor_id, record.merged_name, record.merged_id))
        self.close_button.setFocus()
        self.undone.emit(record.merged_id)
