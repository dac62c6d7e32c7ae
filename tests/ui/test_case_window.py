"""The case window: one case worked from opening to closing, refusals that keep what was typed,
restricted cases, the access log, a conflict with someone else's change, evidence and printing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QDateTime, QTime, Qt, QUrl
from PySide6.QtWidgets import QApplication

from assisted_desk.casework.vocab import ActivityKind, CaseOutcome
from assisted_desk.ui.casework import case_files
from assisted_desk.ui.casework.case_actions import (
    CloseDialog,
    CompleteTaskDialog,
    ContactDialog,
    EscalateDialog,
    OwnerDialog,
    ReopenDialog,
    StatusDialog,
    TaskDialog,
    TeamDialog,
)
from assisted_desk.ui.casework.case_timeline_models import AccessLogModel, TimelineColumn, TimelineModel, TimelineProxy
from assisted_desk.ui.casework.case_window import AccessLogDialog, CaseWindow
from assisted_desk.ui.workers import wait_for_background_jobs
from tests.casework.case_fixtures import Team, open_case, register

from ..conftest import ARTIFACTS

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SHOTS = ARTIFACTS  # screenshots for a person to look at


@pytest.fixture
def team(services, admin) -> Team:
    return Team(services, admin)


@pytest.fixture
def make_window(qtbot, services):
    def make(actor, case_id) -> CaseWindow:
        window = CaseWindow(services, actor, case_id)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        return window

    return make


def a_case(services, team, given="محمد", family="Al-Sayed", **kwargs) -> int:
    resident = register(services, team.admin, given, family)
    return open_case(services, team.advocate, resident, services=("Housing repairs",), **kwargs).id


def settle(qtbot, window: CaseWindow) -> None:
    qtbot.waitUntil(window.is_idle, timeout=10_000)
    wait_for_background_jobs()
    QApplication.processEvents()


def opened(qtbot, window: CaseWindow, push, kind):
    """Click an action's button and return the dialog it opened."""
    assert push.isEnabled(), push.text()
    push.click()
    qtbot.waitUntil(lambda: isinstance(window.dialog, kind) and window.dialog.isVisible(), timeout=5000)
    return window.dialog


def save(qtbot, window: CaseWindow, dialog) -> None:
    """Save and wait until the dialog closed and the window shows the case as saved."""
    with qtbot.waitSignal(window.changed, timeout=5000):
        dialog.save_button.click()
    assert not dialog.isVisible()


def timeline_texts(window: CaseWindow, column: TimelineColumn) -> list[str]:
    proxy = window.timeline_proxy
    return [proxy.index(r, column).data() for r in range(proxy.rowCount())]


def choose(combo, data) -> None:
    index = combo.findData(data)
    assert index >= 0, f"{data!r} is not offered"
    combo.setCurrentIndex(index)


def test_a_case_is_worked_from_opening_to_closing_through_the_window(qtbot, services, team, make_window, clock):
    case_id = a_case(services, team)
    window = make_window(team.advocate, case_id)
    case = window.case
    assert window.windowTitle() == f"Case {case.reference}: محمد Al-Sayed"
    assert window.header.title.text() == f"{case.reference}: محمد Al-Sayed"
    assert window.header.value("status") == "New" and window.header.value("owner") == "Advocate"
    assert window.header.value("services") == "Housing repairs"
    assert not window.header.badge.isVisible()
    # Opened Monday 23/11/2026: first response due Wednesday, resolution in 20 working days.
    assert window.sla.first.text() == "First response: due in 2 days (Wed 25/11/2026)"
    assert window.sla.resolution.text() == "Resolution: 20 working days left, due Mon 21/12/2026"
    assert "To do: First call to the resident (by Wed 25/11/2026)" in window.expected.lines.text()
    assert not window.reopen_button.isEnabled() and not window.reassign_button.isVisible()

    clock.advance(hours=2)
    dialog = opened(qtbot, window, window.record_button, ContactDialog)
    choose(dialog.kind, "call")
    dialog.text.setPlainText("Called محمد: the damp is worse; agreed to chase repairs")
    save(qtbot, window, dialog)
    assert window.case.activities[-1].kind is ActivityKind.CALL
    assert window.sla.first.text().startswith("First response: met on Mon 23/11/2026")
    assert "Done: First call to the resident" in window.expected.lines.text()

    dialog = opened(qtbot, window, window.record_button, ContactDialog)
    choose(dialog.kind, "note")
    dialog.text.setPlainText("Resident's neighbour is hostile; meet at the library")
    dialog.internal.setChecked(True)
    save(qtbot, window, dialog)
    assert "Note · Internal" in timeline_texts(window, TimelineColumn.WHAT)

    dialog = opened(qtbot, window, window.task_button, TaskDialog)
    dialog.text.setText("Chase the repairs team")
    dialog.due.setDate(QDate(2026, 11, 27))
    choose(dialog.assignee, team.advocate.staff_id)
    save(qtbot, window, dialog)
    [task] = window.case.open_tasks
    assert window.complete_button.isEnabled()

    window.tasks_only.setChecked(True)
    assert timeline_texts(window, TimelineColumn.WHAT) == ["Task"]
    assert timeline_texts(window, TimelineColumn.DUE) == ["27/11/2026"]
    assert timeline_texts(window, TimelineColumn.DONE) == ["Open"]
    # Double-clicking the task opens "finish" for it.
    index = window.timeline_proxy.mapFromSource(window.timeline_model.index(window.timeline_model.row_of(task.id), 0))
    centre = window.timeline.visualRect(index).center()
    # A real double-click is press, release, then the double-click event (see test_admin.py).
    qtbot.mouseClick(window.timeline.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    qtbot.mouseDClick(window.timeline.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    qtbot.waitUntil(lambda: isinstance(window.dialog, CompleteTaskDialog), timeout=5000)
    dialog = window.dialog
    assert dialog.task.currentData() == task.id
    dialog.note.setText("Repairs booked for Friday")
    save(qtbot, window, dialog)
    assert not window.case.open_tasks and timeline_texts(window, TimelineColumn.DONE)[0].startswith("Done ")
    assert not window.complete_button.isEnabled()
    window.tasks_only.setChecked(False)

    dialog = opened(qtbot, window, window.status_button, StatusDialog)
    assert [dialog.status.itemData(i) for i in range(dialog.status.count())] == ["assessing", "in_progress"]
    choose(dialog.status, "in_progress")
    save(qtbot, window, dialog)
    assert window.header.value("status") == "In progress"
    assert "Status: New → In progress" in timeline_texts(window, TimelineColumn.WHAT)

    dialog = opened(qtbot, window, window.escalate_button, EscalateDialog)
    choose(dialog.level, 1)
    dialog.reason.setText("No answer from repairs in 10 days")
    save(qtbot, window, dialog)
    assert window.header.value("escalation") == "Level 1: Team leader"
    assert "Escalated to team leader" in timeline_texts(window, TimelineColumn.WHAT)
    assert "No answer from repairs in 10 days" in timeline_texts(window, TimelineColumn.DETAILS)

    dialog = opened(qtbot, window, window.hand_over_button, OwnerDialog)
    assert team.advocate.staff_id not in [dialog.to.itemData(i) for i in range(dialog.to.count())]
    choose(dialog.to, team.other_advocate.staff_id)
    dialog.note.setText("On leave from Monday; repairs due Friday")
    save(qtbot, window, dialog)
    assert window.header.value("owner") == "Advocate2"
    assert window.header.value("team") == "Nobody besides the owner"  # the old owner has handed it over
    assert "Handed over to Advocate2" in timeline_texts(window, TimelineColumn.WHAT)
    assert not window.hand_over_button.isEnabled()  # only the owner hands over now
    assert not window.close_button.isEnabled()  # nor is the case the old owner's to move on...
    services.cases.add_team_member(team.other_advocate, window.case.id, team.advocate.staff_id)
    window.reload()
    assert window.close_button.isEnabled()  # ...until the new owner keeps them on its team

    dialog = opened(qtbot, window, window.close_button, CloseDialog)
    choose(dialog.outcome, CaseOutcome.RESOLVED.value)
    save(qtbot, window, dialog)
    assert not window.case.is_open
    assert window.header.value("status") == "Closed"
    assert window.header.value("outcome").startswith("Resolved on 23/11/2026")
    assert window.sla.resolution.text().startswith("Resolution: closed on time on Mon 23/11/2026")
    assert [b.isEnabled() for b in (window.record_button, window.task_button, window.status_button,
                                   window.close_button, window.reopen_button)] == [False, False, False, False, True]

    dialog = opened(qtbot, window, window.reopen_button, ReopenDialog)
    dialog.reason.setText("The damp came back")
    save(qtbot, window, dialog)
    assert window.case.is_open and window.header.value("reopened") == "1 time(s)"
    assert window.header.value("status") == "New"
    assert [a.kind for a in services.cases.get_case(team.manager, case_id).activities][-2:] == [
        ActivityKind.CLOSED, ActivityKind.REOPENED]


def test_a_refusal_is_shown_in_the_dialog_and_keeps_what_was_typed(qtbot, services, team, make_window, clock):
    window = make_window(team.advocate, a_case(services, team))
    dialog = opened(qtbot, window, window.record_button, ContactDialog)
    choose(dialog.kind, "meeting")
    dialog.text.setPlainText("Met Łukasz at the hub")
    later = QDateTime(QDate(2026, 11, 23), QTime(11, 30))  # an hour and a half ahead of the clock
    dialog.when.setDateTime(later)
    dialog.save_button.click()
    assert dialog.isVisible() and "in the future" in dialog.message.text()
    SHOTS.mkdir(exist_ok=True)
    assert dialog.grab().save(str(SHOTS / "case-contact-refused.png"))
    assert dialog.text.toPlainText() == "Met Łukasz at the hub" and dialog.kind.currentData() == "meeting"
    dialog.when.setDateTime(QDateTime(QDate(2026, 11, 23), QTime(9, 45)))
    save(qtbot, window, dialog)
    assert ActivityKind.MEETING in [a.kind for a in window.case.activities]

    dialog = opened(qtbot, window, window.close_button, CloseDialog)
    choose(dialog.outcome, CaseOutcome.NOT_RESOLVED.value)
    dialog.reason.setText("   ")
    dialog.save_button.click()
    assert dialog.isVisible() and "reason it was not resolved" in dialog.message.text()
    assert dialog.outcome.currentData() == "not_resolved"
    qtbot.waitUntil(dialog.reason.hasFocus)  # the cursor goes to the field the refusal names
    dialog.reject()

    services.cases.add_task(team.advocate, window.case_id, "Write to the landlord", date(2026, 11, 30))
    window.reload()
    dialog = opened(qtbot, window, window.close_button, CloseDialog)
    dialog.reason.setText("Sorted")
    dialog.save_button.click()
    assert dialog.isVisible() and "1 open task" in dialog.message.text() and dialog.reason.text() == "Sorted"
    dialog.reject()

    dialog = opened(qtbot, window, window.hand_over_button, OwnerDialog)
    dialog.save_button.click()
    assert dialog.isVisible() and "handover note" in dialog.message.text()
    dialog.reject()


def test_a_colleague_may_add_notes_but_the_buttons_that_move_the_case_are_off(qtbot, services, team, make_window):
    window = make_window(team.other_advocate, a_case(services, team))
    assert window.record_button.isEnabled() and window.attach_button.isEnabled()
    assert not any(b.isEnabled() for b in (window.task_button, window.status_button, window.hand_over_button,
                                            window.escalate_button, window.close_button, window.restrict_button,
                                            window.team_button))
    assert window.hint.isVisible() and "Only its owner (Advocate)" in window.hint.text()


def test_a_restricted_case_is_refused_to_desk_staff_and_other_advocates_saying_whom_to_ask(
        qtbot, services, team, make_window):
    case_id = a_case(services, team, restricted=True, restricted_reason="Safeguarding: domestic abuse")
    reference = services.cases.get_case(team.advocate, case_id).reference
    for actor in (team.other_advocate, team.desk):
        window = make_window(actor, case_id)
        assert window.case is None and not window.content.isVisible()
        said = window.message.text()
        assert f"Case {reference} is restricted" in said and "Advocate" in said and "ask one of them" in said
        assert "Safeguarding" not in said and "محمد" not in window.windowTitle()
        assert window.header.title.text() == ""  # nothing of the case was ever shown
        assert not any(push.isEnabled() for push in window.action_buttons if push is not window.refresh_button)
    owner = make_window(team.advocate, case_id)
    assert owner.header.badge.isVisible()
    assert owner.header.value("restricted") == "Safeguarding: domestic abuse"
    assert owner.restrict_button.text() == "L&ift restriction…"


def test_desk_staff_see_that_an_ordinary_case_is_not_theirs_to_read(qtbot, services, team, make_window):
    window = make_window(team.desk, a_case(services, team))
    assert window.case is None and "not its notes" in window.message.text() and "Advocate" in window.message.text()


def test_the_manager_reads_who_opened_a_restricted_case(qtbot, services, team, make_window):
    case_id = a_case(services, team, restricted=True, restricted_reason="Safeguarding")
    make_window(team.advocate, case_id)
    make_window(team.other_advocate, case_id)  # refused, and that is recorded too
    window = make_window(team.manager, case_id)
    assert window.reassign_button.isVisible() and window.access_log_button.isEnabled()
    window.access_log_button.click()
    qtbot.waitUntil(lambda: isinstance(window.dialog, AccessLogDialog) and window.dialog.isVisible())
    log = window.dialog
    proxy = log.table.model()
    rows = [[proxy.index(r, c).data() for c in range(1, 4)] for r in range(proxy.rowCount())]
    assert ["Manager", "Service manager", "Opened"] in rows
    assert ["Advocate", "Advocate", "Opened"] in rows
    assert ["Advocate2", "Advocate", "Refused"] in rows
    log.reject()
    advocate = make_window(team.advocate, case_id)
    assert not advocate.access_log_button.isVisible()


def test_someone_elses_change_is_a_conflict_that_reloads_and_keeps_the_typing(qtbot, services, team, make_window):
    case_id = a_case(services, team)
    window = make_window(team.advocate, case_id)
    dialog = opened(qtbot, window, window.escalate_button, EscalateDialog)
    choose(dialog.level, 2)
    dialog.reason.setText("No reply from the landlord for 3 weeks")
    # Behind the window's back a manager moves the case on.
    services.cases.change_status(team.manager, case_id, "in_progress", "Picked up in supervision",
                                 window.case.version)
    dialog.save_button.click()
    assert dialog.isVisible()
    assert "Saved now: In progress, with Advocate." in dialog.message.text()
    assert "press Escalate to apply it" in dialog.message.text()
    assert dialog.reason.text() == "No reply from the landlord for 3 weeks" and dialog.level.currentData() == 2
    assert window.header.value("status") == "In progress"  # the window shows the case as saved now
    assert "Someone else changed" in window.message.text()
    SHOTS.mkdir(exist_ok=True)
    assert dialog.grab().save(str(SHOTS / "case-conflict-dialog.png"))
    save(qtbot, window, dialog)  # applied again, over the case as it is now
    assert window.case.escalation_level == 2 and window.case.status == "in_progress"


def test_team_members_are_added_and_taken_off(qtbot, services, team, make_window):
    window = make_window(team.advocate, a_case(services, team))
    dialog = opened(qtbot, window, window.team_button, TeamDialog)
    offered = [dialog.person.itemData(i) for i in range(dialog.person.count())]
    assert team.other_advocate.staff_id in offered and team.manager.staff_id in offered
    assert team.advocate.staff_id not in offered and team.desk.staff_id not in offered
    choose(dialog.person, team.other_advocate.staff_id)
    save(qtbot, window, dialog)
    assert window.header.value("team") == "Advocate2 (Advocate)"
    dialog = opened(qtbot, window, window.team_button, TeamDialog)
    choose(dialog.action, TeamDialog.REMOVE)
    assert [dialog.person.itemData(i) for i in range(dialog.person.count())] == [team.other_advocate.staff_id]
    save(qtbot, window, dialog)
    assert window.case.team == ()


def test_evidence_is_attached_and_opened_in_the_viewer(qtbot, services, team, make_window, tmp_path, monkeypatch):
    window = make_window(team.advocate, a_case(services, team))
    assert not window.open_evidence_button.isEnabled()
    letter = tmp_path / "landlord-letter.pdf"
    letter.write_bytes(PDF)
    monkeypatch.setattr(window, "ask_evidence_path", lambda: str(letter))
    with qtbot.waitSignal(window.changed, timeout=10_000):
        window.attach_button.click()
    settle(qtbot, window)
    assert "Evidence: landlord-letter.pdf" in timeline_texts(window, TimelineColumn.WHAT)
    assert "kept as evidence" in window.message.text()

    views: list[QUrl] = []
    monkeypatch.setattr(case_files.QDesktopServices, "openUrl", lambda url: views.append(url) or True)
    window.open_evidence_button.click()
    settle(qtbot, window)
    [url] = views
    assert Path(url.toLocalFile()).read_bytes() == PDF
    assert "Opened ‘landlord-letter.pdf’" in window.message.text()

    bad = tmp_path / "virus.pdf"
    bad.write_bytes(b"MZ\x90\x00not a pdf")
    monkeypatch.setattr(window, "ask_evidence_path", lambda: str(bad))
    window.attach_button.click()
    settle(qtbot, window)
    assert "virus.pdf" in window.message.text() and window.message.property("kind") == "error"


def test_the_summary_prints_without_internal_notes(qtbot, services, team, make_window):
    case_id = a_case(services, team, given="પ્રિયા", family="Patel")
    services.cases.record_activity(team.advocate, case_id, "note", "Internal worry about the landlord",
                                   internal=True)
    services.cases.record_activity(team.advocate, case_id, "call", "Called about the repairs")
    window = make_window(team.advocate, case_id)
    window.print_button.click()
    qtbot.waitUntil(lambda: window.print_dialog is not None and window.print_dialog.isVisible(), timeout=10_000)
    dialog = window.print_dialog
    qtbot.waitUntil(lambda: dialog.rendered is not None and dialog.is_idle(), timeout=20_000)
    assert dialog.document_title == f"Case summary {window.case.reference}"
    assert dialog.rendered.pages >= 1
    from pypdf import PdfReader
    text = "".join(page.extract_text() for page in PdfReader(str(dialog.rendered.pdf)).pages)
    assert "Called about the repairs" in text and "Internal worry" not in text
    dialog.close()
    # The meeting copy says more (the steps the type expects) and still leaves internal notes out.
    window.meeting_button.click()
    qtbot.waitUntil(lambda: window.print_dialog is not dialog and window.print_dialog is not None
                    and window.print_dialog.isVisible(), timeout=10_000)
    meeting = window.print_dialog
    qtbot.waitUntil(lambda: meeting.rendered is not None and meeting.is_idle(), timeout=20_000)
    assert meeting.document_title == f"Case summary for a meeting {window.case.reference}"
    text = " ".join(page.extract_text() for page in PdfReader(str(meeting.rendered.pdf)).pages)
    assert "First call to the resident" in text and "Internal worry" not in text
    meeting.close()


def test_the_timeline_and_access_log_models_pass_the_model_tester(qtmodeltester, services, team, clock):
    case_id = a_case(services, team)
    services.cases.record_activity(team.advocate, case_id, "note", "Private", internal=True)
    services.cases.add_task(team.advocate, case_id, "Late task", date(2026, 11, 24))
    case = services.cases.change_status(team.advocate, case_id, "in_progress", "",
                                        services.cases.get_case(team.advocate, case_id).version)
    model = TimelineModel()
    model.set_case(case, date(2026, 11, 26))
    proxy = TimelineProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(model, force_py=True)
    qtmodeltester.check(proxy, force_py=True)
    proxy.set_tasks_only(True)
    qtmodeltester.check(proxy, force_py=True)
    assert proxy.rowCount() == 1
    assert proxy.index(0, TimelineColumn.DUE).data() == "24/11/2026 (overdue)"
    log = AccessLogModel()
    log.set_rows(services.cases.access_log(team.manager, case_id))
    qtmodeltester.check(log, force_py=True)


@pytest.mark.parametrize("given, family, name", [("محمد", "Al-Sayed", "arabic"), ("પ્રિયા", "Patel", "gujarati")])
def test_the_window_renders_names_in_any_script(qtbot, services, team, make_window, clock, given, family, name):
    case_id = a_case(services, team, given=given, family=family, restricted=name == "gujarati",
                     restricted_reason="Safeguarding" if name == "gujarati" else "")
    services.cases.record_activity(team.advocate, case_id, "call", f"Called {given} about the damp")
    services.cases.record_activity(team.advocate, case_id, "note", "Neighbour is hostile", internal=True)
    services.cases.add_task(team.advocate, case_id, "Chase repairs", date(2026, 11, 24))
    clock.advance(days=3)
    window = make_window(team.advocate, case_id)
    window.resize(1280, 860)
    QApplication.processEvents()
    SHOTS.mkdir(exist_ok=True)
    assert window.grab().save(str(SHOTS / f"case-window-{name}.png"))
    assert given in window.header.title.text()
    window.task_button.click()
    qtbot.waitUntil(lambda: window.dialog is not None and window.dialog.isVisible())
    assert window.dialog.grab().save(str(SHOTS / f"case-window-{name}-task.png"))


def test_the_window_fits_a_closed_case_at_double_text_size(qtbot, qapp, request, services, team, make_window):
    from tests.ui.conftest import double_the_text

    double_the_text(qapp, request)
    case_id = a_case(services, team, given="Łukasz", family="Żółć")
    case = services.cases.escalate(team.advocate, case_id, 2, "No reply", services.cases.get_case(
        team.advocate, case_id).version)
    services.cases.close_case(team.advocate, case_id, "not_resolved", "Landlord refused every repair", case.version)
    window = make_window(team.manager, case_id)
    window.resize(1400, 1000)
    QApplication.processEvents()
    SHOTS.mkdir(exist_ok=True)
    assert window.grab().save(str(SHOTS / "case-window-closed-large.png"))
    assert window.header.value("outcome") == "Not resolved on 23/11/2026 10:00: Landlord refused every repair"
    refused = make_window(team.desk, case_id)
    refused.resize(900, 300)
    QApplication.processEvents()
    assert refused.grab().save(str(SHOTS / "case-window-refused-large.png"))


def test_actions_are_reachable_from_the_keyboard(qtbot, services, team, make_window):
    window = make_window(team.advocate, a_case(services, team))
    window.activateWindow()
    window.timeline.setFocus()
    qtbot.waitUntil(window.timeline.hasFocus)
    qtbot.keyClick(window.timeline, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: isinstance(window.dialog, ContactDialog) and window.dialog.isVisible())
    dialog = window.dialog
    qtbot.waitUntil(dialog.text.hasFocus)  # ready to type what happened
    dialog.reject()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window.timeline, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: isinstance(window.dialog, TaskDialog) and window.dialog.isVisible())
    window.dialog.reject()
    for push in window.action_buttons:
        assert push.accessibleName() and "&" in push.text()


def test_printing_a_restricted_case_asks_first(qtbot, services, team, make_window, monkeypatch):
    case_id = a_case(services, team, restricted=True, restricted_reason="Safeguarding")
    window = make_window(team.advocate, case_id)
    asked = []
    monkeypatch.setattr(window, "confirm_restricted_print", lambda: asked.append(True) or False)
    window.print_button.click()
    assert asked == [True] and window.print_dialog is None  # said no: nothing rendered, nothing recorded
