"""One case, worked from opening to closing: who and what it is, where it stands against its
targets, what its type expects, its whole timeline, and the things a person may do to it now.

The window asks the service for the case and shows nothing of it when refused (a restricted case
says whom to ask). Each action opens a small dialog (case_actions.py) that saves through one
service call; the buttons are enabled only where the rules in casework/access.py allow, and the
service checks again. After every change the window shows the case as saved and emits `changed`."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ...casework.records import CaseRecord, TeamMember
from ...casework.vocab import MAX_LEVEL
from ...core.errors import DeskError, PermissionDenied
from ...core.security import Actor, Permission
from ...desk.representatives import london_today
from ...services import Services
from ..admin.common import record_table
from ..forms import button
from ..inclusion.referral_models import wrap_table
from ..messages import FormMessage
from .case_actions import (
    CaseActionDialog,
    CloseDialog,
    CompleteTaskDialog,
    ContactDialog,
    EscalateDialog,
    OwnerDialog,
    ReopenDialog,
    RestrictDialog,
    StatusDialog,
    TaskDialog,
    TeamDialog,
)
from .case_files import CaseFiles
from .case_links import LinkDialog
from .case_panels import AccessLogDialog, CaseHeader, ExpectedChecklist, SlaPanel
from .case_timeline_models import TimelineColumn, TimelineModel, TimelineProxy


class CaseWindow(CaseFiles, QDialog):
    changed = Signal()

    def __init__(self, services: Services, actor: Actor, case_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor, self.case_id = services, actor, case_id
        self.case: CaseRecord | None = None
        self.dialog: QDialog | None = None  # the action dialog open now
        self._caseworkers: list[TeamMember] | None = None
        self._init_files()
        self.setModal(False)
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self._build()
        self.reload()

    # ---- building -----------------------------------------------------------------------------

    def _build(self) -> None:
        tr = self.tr
        self.setWindowTitle(tr("Case"))
        self.setAccessibleName(tr("Case"))
        self.message = FormMessage(self)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.header = CaseHeader()
        self.sla = SlaPanel()
        self.expected = ExpectedChecklist()
        details = QWidget()
        row = QHBoxLayout(details)
        row.addWidget(self.header, 3, Qt.AlignmentFlag.AlignTop)
        targets = QVBoxLayout()
        targets.addWidget(self.sla)
        targets.addWidget(self.expected)
        targets.addStretch(1)
        row.addLayout(targets, 2)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(details)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setAccessibleName(tr("About the case"))

        self.timeline_model = TimelineModel(self)
        self.timeline_proxy = TimelineProxy(self)
        self.timeline_proxy.setSourceModel(self.timeline_model)
        self.timeline = record_table(tr("Timeline"), self.timeline_proxy, TimelineColumn.WHEN,
                                     Qt.SortOrder.DescendingOrder)
        self.timeline.setToolTip(tr("Double-click a task to finish it, or evidence to open it"))
        self.timeline.doubleClicked.connect(self._double_clicked)
        self.timeline.selectionModel().selectionChanged.connect(lambda *_: self._set_enabled())
        self.tasks_only = QCheckBox(tr("Tasks onl&y"))
        self.tasks_only.setAccessibleName(tr("Show tasks only"))
        self.tasks_only.toggled.connect(self._tasks_only_toggled)
        timeline_label = QLabel(tr("&Timeline"))
        timeline_label.setBuddy(self.timeline)
        top = QHBoxLayout()
        top.addWidget(timeline_label)
        top.addStretch(1)
        top.addWidget(self.tasks_only)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addLayout(top)
        lower_layout.addWidget(self.timeline, 1)

        # The timeline takes the whole width (its task columns need it); what the case is sits above.
        self.split = QSplitter(Qt.Orientation.Vertical)
        self.split.addWidget(scroll)
        self.split.addWidget(lower)
        self.split.setStretchFactor(0, 0)
        self.split.setStretchFactor(1, 1)
        self.split.setChildrenCollapsible(False)
        self.details = details
        self._sized = False

        self.actions = self._build_actions()
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setTextFormat(Qt.TextFormat.PlainText)
        self.hint.setAccessibleName(tr("What you may do"))

        self.content = QWidget()
        content = QVBoxLayout(self.content)
        content.setContentsMargins(0, 0, 0, 0)
        content.addWidget(self.split, 1)
        content.addWidget(self.hint)
        content.addLayout(self.actions)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setText(tr("Close window"))
        close.setAccessibleName(tr("Close the case window"))
        close.setAutoDefault(False)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.content, 1)
        layout.addStretch(0)  # a refusal stays at the top when there is no case to show
        layout.addWidget(self.buttons)
        for keys, push in ((QKeySequence("Ctrl+N"), self.record_button), (QKeySequence("Ctrl+T"), self.task_button),
                           (QKeySequence(QKeySequence.StandardKey.Print), self.print_button),
                           (QKeySequence(QKeySequence.StandardKey.Refresh), self.refresh_button)):
            shortcut = QShortcut(keys, self)
            shortcut.activated.connect(push.click)  # a disabled button ignores it
        self.resize(1180, 900)

    def _build_actions(self) -> QGridLayout:
        tr = self.tr
        # Mnemonics: Alt+S and Alt+G belong to the main window's menus; Y is "Tasks only", T the timeline.
        # Still free: B, J, Q, W, Z.
        manager = self.actor.may(Permission.MANAGE_ALL_CASES)
        specs = [
            ("record_button", tr("&Record a contact or note…"), tr("Record a contact or note"), self.record_contact),
            ("task_button", tr("&Add task…"), tr("Add a task"), self.add_task),
            ("complete_button", tr("Finish tas&k…"), tr("Finish or cancel a task"), self.complete_task),
            ("status_button", tr("Change stat&us…"), tr("Change status"), self.change_status),
            ("escalate_button", tr("&Escalate…"), tr("Escalate"), self.escalate),
            ("hand_over_button", tr("&Hand over…"), tr("Hand over to another caseworker"), self.hand_over),
            ("reassign_button", tr("Reassig&n…"), tr("Reassign the case"), self.reassign),
            ("team_button", tr("Tea&m…"), tr("Add or remove team members"), self.edit_team),
            ("attach_button", tr("Attach e&vidence…"), tr("Attach evidence"), self.attach_evidence),
            ("open_evidence_button", tr("Open evi&dence"), tr("Open evidence"), self.open_evidence),
            ("link_button", tr("Link e&xisting…"), tr("Link a desk contact, request or file"), self.link_existing),
            ("print_button", tr("&Print summary…"), tr("Print a summary of the case for the resident"),
             self.print_summary),
            ("meeting_button", tr("Print meeting cop&y…"), tr("Print a fuller summary for a meeting, without "
                                                              "internal notes"), self.print_meeting_copy),
            ("restrict_button", tr("Restr&ict…"), tr("Restrict the case"), self.restrict),
            ("close_button", tr("&Close case…"), tr("Close the case"), self.close_case),
            ("reopen_button", tr("Re&open…"), tr("Reopen the case"), self.reopen),
            ("access_log_button", tr("Access &log…"), tr("Who opened this restricted case"), self.show_access_log),
            ("refresh_button", tr("Re&fresh"), tr("Refresh the case"), self.reload),
        ]
        managers_only = {"reassign_button", "access_log_button"}
        grid = QGridLayout()
        self.action_buttons: list[QPushButton] = []
        place = 0
        for name, text, accessible, slot in specs:
            push = button(text, accessible)
            push.clicked.connect(lambda _checked=False, s=slot: s())
            setattr(self, name, push)
            self.action_buttons.append(push)
            if name in managers_only and not manager:
                push.hide()  # never theirs: no gap in the rows either
                continue
            grid.addWidget(push, place // 4, place % 4)
            place += 1
        return grid

    # ---- loading and showing ------------------------------------------------------------------

    def reload(self) -> CaseRecord | None:
        """Fetch the case again; a refusal is shown instead of it. Returns the case or None."""
        try:
            case = self.services.cases.get_case(self.actor, self.case_id)
        except PermissionDenied as error:
            self.refuse(error.message)
            return None
        except DeskError as error:
            if self.case is None:
                self.refuse(error.message)
            else:
                self.message.show_error(error.message)
            return None
        self.message.clear_message()
        self.show_case(case)
        return case

    def refuse(self, text: str) -> None:
        """Nothing of the case stays on screen."""
        self.case = None
        self.timeline_model.set_case(None, None)
        self.content.hide()
        self._set_enabled()  # the shortcuts too: nothing to act on
        self.setWindowTitle(self.tr("Case not shown"))
        self.message.show_error(text)

    def show_case(self, case: CaseRecord) -> None:
        self.case = case
        today = london_today(self.services.clock)
        self.setWindowTitle(self.tr("Case {0}: {1}").format(case.reference, case.resident_name))
        self.header.show_case(case)
        self.sla.show_case(case, today)
        self.expected.show_case(case, today)
        self.timeline_model.set_case(case, today)
        wrap_table(self.timeline, TimelineColumn.DETAILS, widest_chars=16)
        self.content.show()
        self._set_enabled()

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        if not self._sized:
            # What the case is gets the room it needs, up to just under half; the timeline the rest.
            self._sized = True
            total = sum(self.split.sizes()) or self.split.height()
            top = min(self.details.sizeHint().height() + 4, int(total * 0.45))
            self.split.setSizes([top, max(total - top, 1)])

    def _tasks_only_toggled(self, on: bool) -> None:
        self.timeline_proxy.set_tasks_only(on)
        self._set_enabled()

    # ---- who may do what now ------------------------------------------------------------------

    def rules(self) -> dict[str, bool]:
        """What the rules (casework/access.py) allow this person on this case now."""
        case, actor = self.case, self.actor
        if case is None:
            return {}
        manager = actor.may(Permission.MANAGE_ALL_CASES)
        on_case = actor.staff_id is not None and (
            actor.staff_id == case.owner_id or actor.staff_id in {m.staff_id for m in case.team})
        runs = manager or (actor.may(Permission.WORK_CASES) and on_case)
        owner_or_manager = manager or actor.staff_id == case.owner_id
        mine = any(t.assignee_id == actor.staff_id for t in case.open_tasks)
        open_ = case.is_open
        return {
            "record": open_,
            "task": runs and open_,
            "complete": bool(case.open_tasks) and (runs or mine),
            "status": runs and open_ and bool(case.next_statuses),
            "hand_over": owner_or_manager and open_,
            "reassign": manager and open_,
            "escalate": runs and open_ and case.escalation_level < MAX_LEVEL,
            "team": runs,
            "restrict": owner_or_manager,
            "close": runs and open_,
            "reopen": runs and not open_,
            "attach": open_,
            "link": open_,
            "open_evidence": self.chosen_evidence() is not None,
            "access_log": manager and case.restricted,
            "print": True,
            "meeting": True,
            "runs": runs,
        }

    def _set_enabled(self) -> None:
        allowed = self.rules()
        pairs = {"record": self.record_button, "task": self.task_button, "complete": self.complete_button,
                 "status": self.status_button, "hand_over": self.hand_over_button, "link": self.link_button,
                 "reassign": self.reassign_button, "escalate": self.escalate_button, "team": self.team_button,
                 "restrict": self.restrict_button, "close": self.close_button, "reopen": self.reopen_button,
                 "attach": self.attach_button, "open_evidence": self.open_evidence_button,
                 "access_log": self.access_log_button, "print": self.print_button, "meeting": self.meeting_button}
        for key, push in pairs.items():
            push.setEnabled(allowed.get(key, False) and not (key in ("print", "meeting") and self.preparing)
                            and not (key in ("attach", "open_evidence") and self.busy))
        self.refresh_button.setEnabled(True)
        case = self.case
        if case is None:
            self.hint.setText("")
        else:
            lifted = case.restricted
            self.restrict_button.setText(self.tr("L&ift restriction…") if lifted else self.tr("Restr&ict…"))
            self.restrict_button.setAccessibleName(self.tr("Lift the restriction") if lifted
                                                   else self.tr("Restrict the case"))
            if not allowed.get("runs"):
                self.hint.setText(self.tr("You may read this case, add a note and record contact. Only its owner "
                                          "({0}), its team or a service manager moves it on.").format(case.owner_name))
            elif not case.is_open:
                self.hint.setText(self.tr("This case is closed. Reopen it if there is more to do."))
            else:
                self.hint.setText("")
        self.hint.setVisible(bool(self.hint.text()))

    # ---- the timeline -------------------------------------------------------------------------

    def selected_activity(self):
        rows = self.timeline.selectionModel().selectedRows() if self.timeline.selectionModel() else []
        if not rows:
            return None
        return self.timeline_model.activity(self.timeline_proxy.mapToSource(rows[0]).row())

    def chosen_evidence(self):
        """The evidence selected on the timeline, else the newest evidence on the case."""
        if self.case is None:
            return None
        selected = self.selected_activity()
        if selected is not None and selected.attachment_id:
            return selected
        return next((a for a in reversed(self.case.activities) if a.attachment_id), None)

    def _double_clicked(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        activity = self.timeline_model.activity(self.timeline_proxy.mapToSource(index).row())
        if activity.is_open_task and self.complete_button.isEnabled():
            self._open(CompleteTaskDialog(self.services, self.actor, self.case, activity.id, parent=self))
        elif activity.attachment_id:
            self._open_attachment(activity)

    # ---- actions ------------------------------------------------------------------------------

    def caseworkers(self) -> list[TeamMember]:
        if self._caseworkers is None:
            try:
                self._caseworkers = self.services.cases.caseworkers(self.actor)
            except DeskError as error:
                self.message.show_error(error.message)
                return []
        return self._caseworkers

    def _open(self, dialog: CaseActionDialog) -> None:
        """Open an action's dialog over the window; the case as saved comes back through it."""
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = dialog
        dialog.refetch = self._refetch
        dialog.accepted.connect(lambda: self._applied(dialog.saved))
        dialog.finished.connect(lambda _result: self._closed(dialog))
        dialog.open()

    def _refetch(self) -> CaseRecord | None:
        """After a conflict: show the case as saved now, with a word that it changed."""
        case = self.reload()
        if case is not None:
            self.message.show_info(self.tr("Someone else changed {0} while you were working on it: it is shown as "
                                           "saved now.").format(case.reference))
        return case

    def _closed(self, dialog: QDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def _applied(self, case: CaseRecord | None) -> None:
        if case is None:
            return
        self.message.clear_message()
        self.show_case(case)
        self.changed.emit()

    def record_contact(self) -> None:
        self._open(ContactDialog(self.services, self.actor, self.case, parent=self))

    def add_task(self) -> None:
        self._open(TaskDialog(self.services, self.actor, self.case, self.caseworkers(), parent=self))

    def complete_task(self) -> None:
        selected = self.selected_activity()
        task_id = selected.id if selected is not None and selected.is_open_task else None
        self._open(CompleteTaskDialog(self.services, self.actor, self.case, task_id, parent=self))

    def change_status(self) -> None:
        self._open(StatusDialog(self.services, self.actor, self.case, parent=self))

    def hand_over(self) -> None:
        self._open(OwnerDialog(self.services, self.actor, self.case, self.caseworkers(), reassign=False, parent=self))

    def reassign(self) -> None:
        self._open(OwnerDialog(self.services, self.actor, self.case, self.caseworkers(), reassign=True, parent=self))

    def escalate(self) -> None:
        self._open(EscalateDialog(self.services, self.actor, self.case, parent=self))

    def edit_team(self) -> None:
        self._open(TeamDialog(self.services, self.actor, self.case, self.caseworkers(), parent=self))

    def restrict(self) -> None:
        self._open(RestrictDialog(self.services, self.actor, self.case, parent=self))

    def close_case(self) -> None:
        self._open(CloseDialog(self.services, self.actor, self.case, parent=self))

    def reopen(self) -> None:
        self._open(ReopenDialog(self.services, self.actor, self.case, parent=self))

    def link_existing(self) -> None:
        self._open(LinkDialog(self.services, self.actor, self.case, parent=self))

    # ---- managers: who opened a restricted case -----------------------------------------------

    def show_access_log(self) -> None:
        if self.case is None:
            return
        try:
            entries = self.services.cases.access_log(self.actor, self.case.id)
        except DeskError as error:
            self.message.show_error(error.message)
            return
        dialog = AccessLogDialog(self.case.reference, entries, self)
        self.dialog = dialog
        dialog.finished.connect(lambda _result: self._closed(dialog))
        dialog.open()
