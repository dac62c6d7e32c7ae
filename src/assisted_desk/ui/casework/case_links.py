"""Linking what the desk already holds for the resident to their case: a desk contact, a
back-office request, or a file kept with either (as evidence).

The dialog lists the resident's contacts and requests from their timeline, and the files kept
with them, read off the GUI thread. What is already linked to the case is shown as such and cannot
be chosen again. Linking is one CaseService call; a refusal stays in the dialog with the choice
kept, and on success the case window shows the case as saved (through CaseActionDialog)."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import shiboken6
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QWidget

from ...casework.records import CaseRecord
from ...core.clock import as_utc, local_text
from ...core.errors import DeskError, ValidationError
from ...core.security import Actor
from ...desk.attachments import size_text
from ...desk.submission_timeline import OPEN_SUBMISSION, SUBMISSION
from ...desk.timeline import INTERACTION, OPEN_INTERACTION, TimelineItem
from ...services import Services
from ..admin.common import SORT_ROLE, record_table, sortable_proxy
from ..inclusion.referral_models import wrap_table
from ..workers import run_in_background
from .case_actions import CaseActionDialog

DISPLAY = Qt.ItemDataRole.DisplayRole


class LinkKind(str, enum.Enum):
    CONTACT = "contact"
    REQUEST = "request"
    FILE = "file"


@dataclass(frozen=True)
class LinkChoice:
    """One thing of the resident's that could be linked to the case."""

    kind: LinkKind
    target_id: int
    when: datetime
    reference: str
    words: str
    linked: bool  # already on the case: shown, never offered
    kept_with: LinkKind | None = None  # a file: kept with a contact or with a request


def linked_ids(case: CaseRecord) -> dict[LinkKind, set[int]]:
    """What the case's timeline already links, by kind (the contact a case was opened from too)."""
    return {
        LinkKind.CONTACT: {a.interaction_id for a in case.activities if a.interaction_id is not None},
        LinkKind.REQUEST: {a.submission_id for a in case.activities if a.submission_id is not None},
        LinkKind.FILE: {a.attachment_id for a in case.activities if a.attachment_id is not None},
    }


def linkable(services: Services, actor: Actor, case: CaseRecord) -> list[LinkChoice]:
    """The resident's desk contacts and requests, and the files kept with them. No Qt: it runs
    on the thread pool. Raises what the timeline or attachment services refuse."""
    linked = linked_ids(case)
    # One line per contact or request: a request's later lines (accepted, status changes) are the
    # same request, and its own line says what it is and when it was made.
    lines: dict[tuple[LinkKind, int], TimelineItem] = {}
    for item in services.timeline.for_resident(actor, case.resident_id):
        kind = {OPEN_INTERACTION: LinkKind.CONTACT, OPEN_SUBMISSION: LinkKind.REQUEST}.get(item.open_kind)
        if kind is None:
            continue
        key = (kind, item.open_id)
        if key not in lines or item.kind in (INTERACTION, SUBMISSION):
            lines[key] = item
    choices: list[LinkChoice] = []
    files: dict[int, LinkChoice] = {}
    for (kind, target_id), item in lines.items():
        choices.append(LinkChoice(kind, target_id, item.when, item.reference,
                                  " · ".join(p for p in (item.title, item.detail) if p), target_id in linked[kind]))
        kept = (services.attachments.for_interaction(actor, target_id) if kind is LinkKind.CONTACT
                else services.attachments.for_submission(actor, target_id))
        for record in kept:
            if record.id in files:
                continue
            # A request's files are kept with the contact made with it too: name the request.
            request = lines.get((LinkKind.REQUEST, record.submission_id)) if record.submission_id else None
            files[record.id] = LinkChoice(
                LinkKind.FILE, record.id, record.added_at, (request or item).reference,
                f"{record.filename} · {record.type_label}, {size_text(record.size)}",
                record.id in linked[LinkKind.FILE], kept_with=LinkKind.REQUEST if request else kind)
    return choices + list(files.values())


class LinkColumn(enum.IntEnum):
    WHAT = 0
    WHEN = 1
    REFERENCE = 2
    WORDS = 3
    LINKED = 4


class LinkModel(QAbstractTableModel):
    """The things that could be linked; already-linked lines say so and cannot be selected."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        tr = self.tr
        self._headers = [tr("What"), tr("When"), tr("Reference"), tr("Details"), tr("On this case")]
        self._rows: list[LinkChoice] = []

    def set_rows(self, rows: Sequence[LinkChoice]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def choice(self, row: int) -> LinkChoice:
        return self._rows[row]

    def row_of(self, kind: LinkKind, target_id: int) -> int | None:
        return next((n for n, c in enumerate(self._rows) if c.kind is kind and c.target_id == target_id), None)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == DISPLAY and 0 <= section < len(self._headers):
            return self._headers[section]
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return Qt.ItemFlag.NoItemFlags
        if self._rows[index.row()].linked:
            return Qt.ItemFlag.NoItemFlags  # shown greyed: it is on the case already
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = DISPLAY):
        if not index.isValid() or not 0 <= index.row() < len(self._rows) \
                or not 0 <= index.column() < len(self._headers):
            return None
        choice, column = self._rows[index.row()], LinkColumn(index.column())
        if role in (DISPLAY, Qt.ItemDataRole.ToolTipRole):
            return self.text(choice, column)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{self._headers[column]}: {self.text(choice, column) or self.tr('none')}"
        if role == SORT_ROLE:
            if column is LinkColumn.WHEN:
                return f"{as_utc(choice.when).isoformat()}#{choice.kind.value}{choice.target_id:012d}"
            return self.text(choice, column).casefold()
        return None

    def text(self, choice: LinkChoice, column: LinkColumn) -> str:
        tr = self.tr
        if column is LinkColumn.WHAT:
            return {LinkKind.CONTACT: tr("Desk contact"), LinkKind.REQUEST: tr("Request"),
                    LinkKind.FILE: tr("File")}[choice.kind]
        if column is LinkColumn.WHEN:
            return local_text(choice.when)
        if column is LinkColumn.REFERENCE:
            return choice.reference
        if column is LinkColumn.WORDS:
            if choice.kept_with is LinkKind.CONTACT:
                return tr("{0} · kept with the desk contact").format(choice.words)
            if choice.kept_with is LinkKind.REQUEST:
                return tr("{0} · kept with the request").format(choice.words)
            return choice.words
        return tr("Already linked") if choice.linked else ""


class LinkDialog(CaseActionDialog):
    """Choose one of the resident's contacts, requests or files and link it to the case."""

    def __init__(self, services: Services, actor: Actor, case: CaseRecord, parent: QWidget | None = None) -> None:
        super().__init__(services, actor, case, parent)
        tr = self.tr
        self.setMinimumWidth(760)
        self.set_title(tr("Link to {0}").format(case.reference),
                       tr("The desk contacts and requests of {0}, and the files kept with them. Linking one puts "
                          "it on the case's timeline; a file becomes evidence.").format(case.resident_name))
        self.model = LinkModel(self)
        self.proxy = sortable_proxy(self, self.model)
        self.table = record_table(tr("Contacts, requests and files"), self.proxy, LinkColumn.WHEN,
                                  Qt.SortOrder.DescendingOrder)
        self.table.setMinimumHeight(260)
        self.table.doubleClicked.connect(lambda index: self.accept() if self.model.flags(
            self.proxy.mapToSource(index)) & Qt.ItemFlag.ItemIsSelectable else None)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._chosen_changed())
        self.add_field("choice", tr("&Choose"), self.table, tr("Contacts, requests and files"))
        self._save_as(tr("&Link"))
        self.loading = True
        self.save_button.setEnabled(False)
        self.message.show_info(tr("Finding the contacts, requests and files of {0}…").format(case.resident_name))
        self.resize(980, 520)
        self._load()

    def _load(self) -> None:
        services, actor, case = self.services, self.actor, self.case
        run_in_background(lambda: linkable(services, actor, case), self._loaded, self._load_failed)

    def _loaded(self, choices: list[LinkChoice]) -> None:
        if not shiboken6.isValid(self):
            return  # closed while its list was being read
        self.loading = False
        self.model.set_rows(choices)
        wrap_table(self.table, LinkColumn.WORDS, widest_chars=16)
        self.message.clear_message()
        if not choices:
            self.message.show_info(self.tr("There are no desk contacts, requests or files of {0} to link yet.")
                                   .format(self.case.resident_name))
        elif all(c.linked for c in choices):
            self.message.show_info(self.tr("Everything of {0} is already linked to {1}.")
                                   .format(self.case.resident_name, self.case.reference))
        first = next((n for n in range(self.proxy.rowCount())
                      if not self.model.choice(self.proxy.mapToSource(self.proxy.index(n, 0)).row()).linked), None)
        if first is not None:
            self.table.setCurrentIndex(self.proxy.index(first, 0))
        self.table.setFocus()
        self._chosen_changed()

    def _load_failed(self, error: DeskError) -> None:
        if not shiboken6.isValid(self):
            return
        self.loading = False
        self.show_error(error.message)

    def _chosen_changed(self) -> None:
        self.save_button.setEnabled(not self.loading and self.chosen() is not None)

    def chosen(self) -> LinkChoice | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        choice = self.model.choice(self.proxy.mapToSource(rows[0]).row())
        return None if choice.linked else choice

    def choose(self, kind: LinkKind, target_id: int) -> None:
        """Select that line (for the keyboard-less and for tests)."""
        row = self.model.row_of(kind, target_id)
        if row is None:
            raise LookupError(f"{kind.value} {target_id} is not listed")
        self.table.setCurrentIndex(self.proxy.mapFromSource(self.model.index(row, 0)))

    def save(self) -> CaseRecord:
        choice = self.chosen()
        if choice is None:
            raise ValidationError(self.tr("Choose a contact, request or file to link."), field="choice")
        link = {LinkKind.CONTACT: self.services.cases.link_interaction,
                LinkKind.REQUEST: self.services.cases.link_submission,
                LinkKind.FILE: self.services.cases.link_attachment}[choice.kind]
        return link(self.actor, self.case.id, choice.target_id)
