"""The parts of the case window that read a case rather than change it: the header (who, what,
where it stands), the SLA panel (coloured AND in words, so nothing rests on colour), the
checklist of what the case type expects by when, and (for managers) who opened a restricted case."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ...casework.calendar import london_day
from ...casework.records import CaseRecord
from ...core.clock import local_text
from ..admin.common import fit_columns, record_table, sortable_proxy
from .case_timeline_models import AccessLogModel

# Background, text and border for each state; dark text on a pale ground keeps contrast above 7:1.
RED = ("#fbd5d5", "#6b0000", "#d99")
AMBER = ("#fde2b8", "#4a2600", "#d9a45c")
GREEN = ("#d8f0dc", "#0b3d1a", "#8bc49a")
GREY = ("#eceff3", "#1a1a1a", "#b8bec8")
BADGE = "QLabel { background: #6b0000; color: white; padding: 2px 10px; font-weight: 600; border-radius: 3px; }"


def day_text(day: date) -> str:
    return f"{day:%a} {day:%d/%m/%Y}"


def plain_label(accessible: str, *, wrap: bool = True) -> QLabel:
    """A label for text that comes from people (names, notes): never rich text, selectable."""
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(wrap)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setAccessibleName(accessible)
    return label


def paint(label: QLabel, colours: tuple[str, str, str]) -> None:
    background, text, border = colours
    label.setStyleSheet(f"QLabel {{ background: {background}; color: {text}; border: 1px solid {border}; "
                        "padding: 4px 8px; }")


LTR = "\u200e"  # LEFT-TO-RIGHT MARK


class CaseHeader(QWidget):
    """Reference and resident, the badge of a restricted case, then the facts in two columns."""

    FACTS = ("type", "status", "priority", "owner", "phone", "contact_by", "language", "team", "needs",
             "representative", "services", "escalation", "opened", "outcome", "reopened", "restricted", "summary")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        tr = self.tr
        self.title = plain_label(tr("Case"))
        self.title.setObjectName("pageTitle")
        self.badge = QLabel(tr("Restricted"))
        self.badge.setStyleSheet(BADGE)
        self.badge.setAccessibleName(tr("Restricted case"))
        self.badge.hide()
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignTop)
        names = {"type": tr("Type"), "status": tr("Status"), "priority": tr("Priority"), "owner": tr("Owner"),
                 "phone": tr("Phone"), "contact_by": tr("Prefers"), "language": tr("Language"),
                 "needs": tr("Accessibility needs"),
                 "team": tr("Team"), "representative": tr("Representative"), "services": tr("Services involved"),
                 "escalation": tr("Escalation"), "opened": tr("Opened"), "outcome": tr("Outcome"),
                 "reopened": tr("Reopened"), "restricted": tr("Restricted because"), "summary": tr("Summary")}
        self.values: dict[str, QLabel] = {}
        self.captions: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        position = 0
        for key in self.FACTS:
            caption = QLabel(tr("{0}:").format(names[key]))
            caption.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignRight)
            value = plain_label(names[key])
            caption.setBuddy(value)
            self.values[key], self.captions[key] = value, caption
            wide = key in ("summary", "restricted", "outcome", "services", "team", "needs")
            if wide and position % 2:
                position += 1  # a wide fact starts a row of its own
            row, column = divmod(position, 2)
            grid.addWidget(caption, row, column * 2, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(value, row, column * 2 + 1, 1, 3 if wide else 1, Qt.AlignmentFlag.AlignTop)
            position += 2 if wide else 1
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(grid)

    def value(self, key: str) -> str:
        return self.values[key].text().removeprefix(LTR)

    def show_case(self, case: CaseRecord) -> None:
        tr = self.tr
        self.title.setText(tr("{0}: {1}").format(case.reference, case.resident_name))
        self.badge.setVisible(case.restricted)
        state = case.status_label if case.is_open else tr("Closed")
        facts = {
            "type": case.case_type_name,
            "status": state,
            "priority": tr(case.priority.label),
            "owner": case.owner_name,
            "phone": case.resident_phone,
            "contact_by": tr(case.resident_contact_by) if case.resident_contact_by else "",
            "language": case.resident_language,
            "needs": case.resident_needs,
            "team": ", ".join(f"{m.name} ({m.role_label})" for m in case.team) or tr("Nobody besides the owner"),
            "representative": case.representative_name or tr("None"),
            "services": ", ".join(case.services) or tr("None named"),
            "escalation": (tr("Level {0}: {1}").format(case.escalation_level, case.escalation_label)
                           if case.escalation_level else tr("Not escalated")),
            "opened": tr("{0} by {1}").format(local_text(case.opened_at), case.opened_by),
            "outcome": "",
            "reopened": (tr("{0} time(s)").format(case.reopen_count) if case.reopen_count else ""),
            "restricted": case.restricted_reason if case.restricted else "",
            "summary": case.summary,
        }
        if not case.is_open and case.outcome is not None:
            facts["outcome"] = tr("{0} on {1}").format(tr(case.outcome.label), local_text(case.closed_at))
            if case.outcome_reason:
                facts["outcome"] += tr(": {0}").format(case.outcome_reason)
        for key, text in facts.items():
            # Left to right whatever the first letter: "محمد الحسن (Mohammed Al-Hassan)" keeps its
            # brackets in place on an English screen.
            self.values[key].setText(LTR + text if text else "")
            shown = bool(text) or key in ("summary",)
            self.values[key].setVisible(shown)
            self.captions[key].setVisible(shown)


class SlaPanel(QGroupBox):
    """First response and resolution against their targets."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Targets"), parent)
        self.first = plain_label(self.tr("First response"))
        self.resolution = plain_label(self.tr("Resolution"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.first)
        layout.addWidget(self.resolution)

    def show_case(self, case: CaseRecord, today: date) -> None:
        text, colours = self.first_response_words(case, today)
        self.first.setText(self.tr("First response: {0}").format(text))
        paint(self.first, colours)
        text, colours = self.resolution_words(case, today)
        self.resolution.setText(self.tr("Resolution: {0}").format(text))
        paint(self.resolution, colours)

    def first_response_words(self, case: CaseRecord, today: date) -> tuple[str, tuple[str, str, str]]:
        tr, sla = self.tr, case.sla
        due = day_text(sla.first_response_due_on)
        if sla.first_response_at is not None:
            met = day_text(london_day(sla.first_response_at))
            if sla.first_response_on_time:
                return tr("met on {0} (due {1})").format(met, due), GREEN
            return tr("late: answered on {0}, due {1}").format(met, due), RED
        if not case.is_open:
            return tr("no contact recorded before the case closed (due {0})").format(due), GREY
        if sla.first_response_overdue:
            return tr("OVERDUE: was due {0}").format(due), RED
        days = (sla.first_response_due_on - today).days
        if days <= 0:
            return tr("due today ({0})").format(due), AMBER
        if days == 1:
            return tr("due tomorrow ({0})").format(due), AMBER
        return tr("due in {0} days ({1})").format(days, due), GREEN

    def resolution_words(self, case: CaseRecord, today: date) -> tuple[str, tuple[str, str, str]]:
        tr, sla = self.tr, case.sla
        due = day_text(sla.resolution_due_on)
        if not case.is_open:
            closed = day_text(london_day(case.closed_at)) if case.closed_at else ""
            if sla.resolution_on_time:
                return tr("closed on time on {0} (due {1})").format(closed, due), GREEN
            return tr("closed late on {0} (due {1})").format(closed, due), RED
        left = sla.working_days_left
        if sla.resolution_overdue or left < 0:
            return tr("OVERDUE by {0} working day(s): was due {1}").format(abs(left), due), RED
        if left == 0:
            return tr("due today ({0})").format(due), AMBER
        if left <= 3:
            return tr("due soon: {0} working day(s) left, due {1}").format(left, due), AMBER
        return tr("{0} working days left, due {1}").format(left, due), GREEN


class ExpectedChecklist(QGroupBox):
    """What the case type expects, by when, and whether it has been done: in words."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Expected activities"), parent)
        self.lines = plain_label(self.tr("Expected activities"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.lines)

    def show_case(self, case: CaseRecord, today: date) -> None:
        tr = self.tr
        rows = []
        for what, due_on, done in case.expected:
            if done:
                rows.append(tr("✔ Done: {0} (by {1})").format(what, day_text(due_on)))
            elif case.is_open and due_on < today:
                rows.append(tr("✘ Overdue: {0} (was due {1})").format(what, day_text(due_on)))
            else:
                rows.append(tr("☐ To do: {0} (by {1})").format(what, day_text(due_on)))
        self.lines.setText("\n".join(rows) or tr("This type of case expects nothing in particular."))
        self.setVisible(True)


class AccessLogDialog(QDialog):
    """Who opened a restricted case, and who was refused, newest first."""

    def __init__(self, reference: str, entries, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        tr = self.tr
        self.setWindowTitle(tr("Who opened {0}").format(reference))
        self.setAccessibleName(self.windowTitle())
        self.model = AccessLogModel(self)
        self.model.set_rows(entries)
        self.table = record_table(tr("Openings of {0}").format(reference), sortable_proxy(self, self.model), 0,
                                  Qt.SortOrder.DescendingOrder)
        fit_columns(self.table)
        intro = QLabel(tr("Every opening of a restricted case, and every refusal, is recorded.") if entries
                       else tr("Nobody has opened {0} while it was restricted.").format(reference))
        intro.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setText(tr("Close"))
        close.setAccessibleName(tr("Close"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(620, 360)
        self.table.setFocus()
