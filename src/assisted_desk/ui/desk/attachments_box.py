"""The files going with a contact or a request: scans, photos, PDFs.

Two uses. Before a contact or request is saved the box collects files (`pending()`), each read
and checked the moment it is added, so a refused file is explained while the resident is still
at the desk. Once saved, `show_saved(records)` lists what is stored; Open and Remove then act on
the database. Open writes a copy into a private temporary folder and hands it to the system's
viewer; the folder goes when the desk closes."""

from __future__ import annotations

import atexit
import enum
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QHeaderView, QLabel, QVBoxLayout, QWidget

from ...core.errors import DeskError, ValidationError
from ...core.security import Actor
from ...desk.attachments import (
    MAX_ATTACHMENTS,
    AttachmentInput,
    AttachmentRecord,
    CheckedAttachment,
    size_text,
    write_copy,
)
from ...desk.file_kinds import KINDS
from ...services import Services
from ..admin.common import SORT_ROLE, record_table, select_source_row, selected_row, sortable_proxy
from ..forms import ask_before, button
from ..messages import FormMessage
from ..workers import run_in_background


@dataclass(frozen=True)
class BoxRow:
    """One file in the box: collected and checked but not yet saved (`pending`), or stored."""

    filename: str
    type_label: str
    size: int
    sha256: str
    pending: CheckedAttachment | None = None
    saved: AttachmentRecord | None = None


class AttachmentColumn(enum.IntEnum):
    NAME = 0
    TYPE = 1
    SIZE = 2


class AttachmentsModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.headers = (self.tr("File name"), self.tr("Type"), self.tr("Size"))
        self._rows: list[BoxRow] = []

    def rows(self) -> tuple[BoxRow, ...]:
        return tuple(self._rows)

    def row(self, number: int) -> BoxRow:
        return self._rows[number]

    def set_rows(self, rows: Iterable[BoxRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def append(self, rows: Sequence[BoxRow]) -> None:
        if not rows:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
        self._rows.extend(rows)
        self.endInsertRows()

    def remove(self, number: int) -> None:
        self.beginRemoveRows(QModelIndex(), number, number)
        del self._rows[number]
        self.endRemoveRows()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(self.headers):
            return self.headers[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows) \
                or not 0 <= index.column() < len(self.headers):
            return None
        row, column = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (row.filename, row.type_label, size_text(row.size))[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            if row.saved is not None:
                return self.tr("{0}\nAdded by {1}").format(row.filename, row.saved.added_by)
            return self.tr("{0}\nNot saved yet: it is kept when the contact is saved").format(row.filename)
        if role == SORT_ROLE:
            return row.size if column == AttachmentColumn.SIZE else \
                (row.filename, row.type_label)[column].casefold()
        if role == Qt.ItemDataRole.TextAlignmentRole and column == AttachmentColumn.SIZE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


_folders: list[Path] = []


def _remove_opened_copies() -> None:
    for folder in _folders:
        shutil.rmtree(folder, ignore_errors=True)  # a viewer may still hold one open: best effort


atexit.register(_remove_opened_copies)


def private_folder() -> Path:
    """A folder only this account can read (mkdtemp makes it so), removed when the desk closes."""
    folder = Path(tempfile.mkdtemp(prefix="assisted-desk-open-"))
    _folders.append(folder)
    return folder


def _pending_row(item: CheckedAttachment) -> BoxRow:
    return BoxRow(item.filename, item.type_label, item.size, item.sha256, pending=item)


def _saved_row(record: AttachmentRecord) -> BoxRow:
    return BoxRow(record.filename, record.type_label, record.size, record.sha256, saved=record)


class AttachmentsBox(QWidget):
    """A small table of files with Add file…, Remove and Open. Keys in the table: Enter opens,
    Delete removes, Insert adds."""

    changed = Signal()  # the files collected (or stored) changed
    opened = Signal(object)  # the Path of a copy handed to the system's viewer

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.interaction_id: int | None = None  # when set, files added are stored with this contact at once
        self._saved_mode = False
        self._read_only = False
        self._busy = 0
        self._folder: Path | None = None
        self._last_folder = ""

        self.model = AttachmentsModel(self)
        self.proxy = sortable_proxy(self, self.model)
        self.table = record_table(self.tr("Attached files"), self.proxy)
        self.table.setToolTip(self.tr("Enter opens the file, Delete removes it, Insert adds files"))
        self.table.setMinimumHeight(96)
        header = self.table.horizontalHeader()
        # In the order they were added until someone sorts by a heading.
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        header.setStretchLastSection(False)  # the name takes the room; a long one is cut with "…"
        header.setSectionResizeMode(AttachmentColumn.NAME, QHeaderView.ResizeMode.Stretch)
        for column in (AttachmentColumn.TYPE, AttachmentColumn.SIZE):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.activated.connect(lambda _index: self.open_selected())
        for key, slot in ((QKeySequence.StandardKey.Delete, self.remove_selected),
                          (QKeySequence(Qt.Key.Key_Insert), self.choose_files)):
            shortcut = QShortcut(key, self.table)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(slot)

        self.add_button = button(self.tr("Add file…"), self.tr("Add files"))
        self.remove_button = button(self.tr("Remove"), self.tr("Remove the selected file"))
        self.open_button = button(self.tr("Open"), self.tr("Open the selected file"))
        self.add_button.clicked.connect(self.choose_files)
        self.remove_button.clicked.connect(self.remove_selected)
        self.open_button.clicked.connect(self.open_selected)
        self.hint = QLabel()
        self.hint.setObjectName("attachmentsHint")
        self.hint.setWordWrap(True)
        self.hint.setAccessibleName(self.tr("Files accepted"))
        self.message = FormMessage(self)

        buttons = QHBoxLayout()
        for push in (self.add_button, self.remove_button, self.open_button):
            buttons.addWidget(push)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.hint)
        layout.addWidget(self.message)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._follow_selection())
        self.model.modelReset.connect(self._follow_selection)
        self.model.rowsRemoved.connect(self._follow_selection)
        self.set_limit_hint(self.services.attachments.limit_mb())
        self._follow_selection()

    # ---- what the forms use ---------------------------------------------------------------

    def pending(self) -> list[AttachmentInput]:
        """The files collected and not yet saved, in the order they were added."""
        return [AttachmentInput(row.pending.filename, row.pending.data)
                for row in self.model.rows() if row.pending is not None]

    def clear(self) -> None:
        """Forget every file shown (the next person starts with none)."""
        self._saved_mode, self.interaction_id = False, None
        self.model.set_rows(())
        self.message.clear_message()
        self._follow_selection()
        self.changed.emit()

    def show_saved(self, records: Iterable[AttachmentRecord], *, interaction_id: int | None = None) -> None:
        """Show files already stored; Open and Remove act on the database. With `interaction_id`,
        files added are stored with that contact straight away; without it, adding is off."""
        self._saved_mode, self.interaction_id = True, interaction_id
        self.model.set_rows(_saved_row(record) for record in records if record.removed_at is None)
        self.message.clear_message()
        self._follow_selection()

    def set_read_only(self, read_only: bool) -> None:
        """Only Open: no adding or removing, by button or key (a request already with the back
        office, or a record shown for reading)."""
        self._read_only = read_only
        self.add_button.setVisible(not read_only)
        self.remove_button.setVisible(not read_only)
        self.table.setToolTip(self.tr("Enter opens the file") if read_only else
                              self.tr("Enter opens the file, Delete removes it, Insert adds files"))
        self._follow_selection()

    def is_busy(self) -> bool:
        """Files are being read, checked or stored: wait before saving the form."""
        return self._busy > 0

    def set_limit_hint(self, limit_mb: int) -> None:
        self.hint.setText(self.tr("Scans, photos and PDFs (PDF, JPEG, PNG, TIFF, HEIC or WebP), up to {0} MB "
                                  "each.").format(limit_mb))

    # ---- adding -----------------------------------------------------------------------------

    def choose_files(self) -> None:
        if self._read_only or not self.add_button.isEnabled():
            return
        patterns = " ".join(f"*{suffix}" for kind in KINDS for suffix in kind.extensions)
        paths, _filter = QFileDialog.getOpenFileNames(
            self, self.tr("Add files"), self._last_folder,
            self.tr("Scans, photos and PDFs ({0});;All files (*)").format(patterns))
        if paths:
            self._last_folder = str(Path(paths[0]).parent)
            self.add_files(paths)

    def add_files(self, paths: Sequence[str | Path]) -> None:
        """Read and check each file now (off the GUI thread). Accepted files join the list (or
        are stored, for a saved contact); each refused one is named in the message with why."""
        paths = [Path(path) for path in paths]
        if not paths or self._read_only:
            return
        attachments, actor, target = self.services.attachments, self.actor, self.interaction_id
        store = self._saved_mode and target is not None
        known = {row.sha256: row.filename for row in self.model.rows()}

        def work() -> list[object]:
            results: list[object] = []
            for path in paths:
                try:
                    item = attachments.check(attachments.read_file(path))
                    if item.sha256 in known:
                        raise ValidationError(f"‘{item.filename}’ is already in the list (the same file as "
                                              f"‘{known[item.sha256]}’).", field="attachments")
                    known[item.sha256] = item.filename
                    results.append(attachments.attach_to_interaction(actor, target, item) if store else item)
                except ValidationError as refused:
                    results.append(refused)
            return results

        self._set_busy(+1)
        self.message.show_info(self.tr("Reading %n file(s)…", "", len(paths)))
        run_in_background(work, self._added, self._failed)

    def _added(self, results: list[object]) -> None:
        self._set_busy(-1)
        refusals = [result.message for result in results if isinstance(result, ValidationError)]
        rows = []
        for result in results:
            if isinstance(result, CheckedAttachment):
                if self.model.rowCount() + len(rows) >= MAX_ATTACHMENTS:
                    refusals.append(self.tr("‘{0}’ was not added: at most {1} files go with one contact or "
                                            "request.")
                                    .format(result.filename, MAX_ATTACHMENTS))
                    continue
                rows.append(_pending_row(result))
            elif isinstance(result, AttachmentRecord):
                rows.append(_saved_row(result))
        self.model.append(rows)
        if rows:
            select_source_row(self.table, self.model.rowCount() - 1)
            self.changed.emit()
        if refusals:
            self.message.show_error(refusals[0] if len(refusals) == 1 else "\n".join(f"• {r}" for r in refusals))
        elif rows:
            self.message.show_info(self.tr("Added: {0}.").format(", ".join(row.filename for row in rows)))
        else:
            self.message.clear_message()
        self._follow_selection()

    def _failed(self, error: DeskError) -> None:
        self._set_busy(-1)
        self.message.show_error(str(error))

    # ---- removing and opening -------------------------------------------------------------

    def _selected(self) -> tuple[int, BoxRow] | None:
        number = selected_row(self.table)
        return (number, self.model.row(number)) if number is not None else None

    def remove_selected(self) -> None:
        chosen = self._selected()
        if chosen is None or self.is_busy() or self._read_only:
            return
        number, row = chosen
        if row.saved is not None:
            if not self.confirm_removal(row.filename):
                return
            try:
                self.services.attachments.remove(self.actor, row.saved.id, row.saved.version)
            except DeskError as error:
                self.message.show_error(str(error))
                return
        self.model.remove(number)
        select_source_row(self.table, min(number, self.model.rowCount() - 1) if self.model.rowCount() else None)
        self.message.show_info(self.tr("Removed ‘{0}’.").format(row.filename))
        self.changed.emit()

    def confirm_removal(self, filename: str) -> bool:
        """Removing a stored file deletes it for every desk: ask first."""
        return ask_before(self, self.tr("Remove file"),
                          self.tr("Remove ‘{0}’? It is deleted from the desk's records for everyone; the record "
                                  "keeps that it was removed, and by whom.").format(filename),
                          self.tr("Remove"), self.tr("Keep"))

    def open_selected(self) -> None:
        chosen = self._selected()
        if chosen is None:
            return
        _number, row = chosen
        if self._folder is None:
            self._folder = private_folder()
        folder = self._folder
        if row.pending is not None:  # not stored yet: nothing to audit, nothing to fetch
            try:
                path = write_copy(folder, row.pending.filename, row.pending.media_type, row.pending.data)
            except DeskError as error:
                self.message.show_error(str(error))
                return
            self._view(path, row)
            return
        attachments, actor, attachment_id = self.services.attachments, self.actor, row.saved.id
        self._set_busy(+1)
        run_in_background(lambda: attachments.open_copy(actor, attachment_id, folder),
                          lambda path: self._opened(path, row), self._failed)

    def _opened(self, path: Path, row: BoxRow) -> None:
        self._set_busy(-1)
        self._view(path, row)

    def _view(self, path: Path, row: BoxRow) -> None:
        if QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            self.message.show_info(self.tr("Opened ‘{0}’ in the viewer.").format(row.filename))
            self.opened.emit(path)
        else:
            self.message.show_error(self.tr("No program on this computer opens {0} files. A copy is at {1}.")
                                    .format(row.type_label, str(path)))

    # ---- state ------------------------------------------------------------------------------

    def _set_busy(self, step: int) -> None:
        self._busy += step
        self._follow_selection()

    def _follow_selection(self) -> None:
        chosen = selected_row(self.table) is not None
        self.add_button.setEnabled(not self._read_only and not self.is_busy()
                                   and (not self._saved_mode or self.interaction_id is not None))
        self.remove_button.setEnabled(chosen and not self.is_busy() and not self._read_only)
        self.open_button.setEnabled(chosen)
