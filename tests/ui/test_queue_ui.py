"""The walk-in queue and callbacks panels, worked by keyboard over real services on SQLite and
PostgreSQL: issue, call, start, end, no-show, transfer, the target wait, callbacks and attempts."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QAbstractButton, QApplication, QMessageBox

from assisted_desk.core.config import parse_database_url
from assisted_desk.core.security import Role
from assisted_desk.desk.vocab import AttemptOutcome, CallbackStatus, TicketStatus
from assisted_desk.services import open_services
from assisted_desk.ui.queue import CallbacksPanel, QueuePanel
from assisted_desk.ui.queue.callback_dialogs import CancelCallbackDialog, LogAttemptDialog, NewCallbackDialog
from assisted_desk.ui.queue.callbacks_model import OVERDUE_BACKGROUND, CallbackColumn
from assisted_desk.ui.queue.queue_dialogs import NewTicketDialog, TransferDialog
from assisted_desk.ui.queue.queue_model import OVER_TARGET_BACKGROUND, WaitingColumn

from ..conftest import make_actor
from ..desk.queue_fixtures import register
from .test_start_and_main import unnamed_widgets


@pytest.fixture
def ana(services, admin):
    return make_actor(services, admin, "ana", Role.DESK)


@pytest.fixture
def ben(services, admin):
    return make_actor(services, admin, "ben", Role.DESK)


def shown(qtbot, widget, width=1100, height=640):
    qtbot.addWidget(widget)
    widget.resize(width, height)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow)
    return widget


@pytest.fixture
def queue_panel(qtbot, services, ana):
    return shown(qtbot, QueuePanel(services, ana))


@pytest.fixture
def callbacks_panel(qtbot, services, ana):
    return shown(qtbot, CallbacksPanel(services, ana))


def key(qtbot, keys, modifier=Qt.KeyboardModifier.NoModifier):
    """A key press where the person's cursor is, as a keyboard would deliver it (once a window
    has it: after a dialog closes, the panel's window takes the keyboard back)."""
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    qtbot.keyClick(QApplication.focusWidget(), keys, modifier)


def alt(qtbot, letter):
    """Alt+letter: a button's mnemonic "animates" the click, releasing it a moment later."""
    key(qtbot, letter, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: not any(b.isDown() for w in QApplication.topLevelWidgets()
                                    for b in w.findChildren(QAbstractButton)))


def opened(qtbot, panel, kind):
    """The dialog the panel opened, once it has the keyboard (as a window manager gives it)."""
    qtbot.waitUntil(lambda: isinstance(panel.dialog, kind) and panel.dialog.isVisible())
    dialog = panel.dialog
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    return dialog


def rows(panel, columns) -> list[list[str]]:
    proxy = panel.proxy
    return [[proxy.index(r, int(c)).data() for c in columns] for r in range(proxy.rowCount())]


@contextmanager
def answering_message_boxes(count: int = 1):
    """Close each message box that opens inside the block; yields what they said."""
    said: list[str] = []

    def attempt() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox) and box.isVisible() and len(said) < count:
            said.append(box.text())
            box.button(QMessageBox.StandardButton.Ok).click()

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(attempt)
    timer.start()
    try:
        yield said
    finally:
        timer.stop()
    assert len(said) == count, f"expected {count} message box(es); saw {said}"


# ---- the queue ---------------------------------------------------------------------------------


def test_work_the_queue_by_keyboard(qtbot, services, ana, queue_panel, clock):
    panel = queue_panel
    panel.table.setFocus()
    key(qtbot, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    dialog = opened(qtbot, panel, NewTicketDialog)
    qtbot.waitUntil(dialog.resident.finder.box.hasFocus)
    key(qtbot, Qt.Key.Key_Return)  # Enter in the search box searches; it never issues a ticket for nobody
    assert services.queue.today(ana) == ()
    alt(qtbot, Qt.Key.Key_V)
    qtbot.keyClicks(QApplication.focusWidget(), "Ann Lee")
    alt(qtbot, Qt.Key.Key_R)
    qtbot.keyClicks(QApplication.focusWidget(), "Parking permit")
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.dialog is None)
    assert rows(panel, [WaitingColumn.NUMBER, WaitingColumn.NAME, WaitingColumn.REASON, WaitingColumn.WAITED]) == [
        ["1", "Ann Lee", "Parking permit", "0 min"]]

    clock.advance(minutes=3)
    key(qtbot, Qt.Key.Key_F5)
    assert "Now serving: ticket 1, Ann Lee, called at 10:03" in panel.now_serving.text()
    assert panel.proxy.rowCount() == 0
    assert panel.start_button.hasFocus()
    alt(qtbot, Qt.Key.Key_S)
    assert "being served since 10:03" in panel.now_serving.text()
    clock.advance(minutes=9)
    alt(qtbot, Qt.Key.Key_E)
    assert panel.now_serving.text().startswith("You are not serving anyone")
    done = services.queue.today(ana)[0]
    assert (done.status, done.wait_minutes, done.service_minutes) == (TicketStatus.DONE, 3, 9)


def test_a_resident_found_in_the_dialog_is_called_and_served(qtbot, services, ana, queue_panel):
    resident_id = register(services, ana, "Łukasz", "Żółć")
    panel = queue_panel
    panel.table.setFocus()
    key(qtbot, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    dialog = opened(qtbot, panel, NewTicketDialog)
    dialog.resident.finder.box.setText("lukasz zolc")
    finder = dialog.resident.finder
    qtbot.waitUntil(lambda: not finder.is_searching() and finder.proxy.rowCount() == 1)
    key(qtbot, Qt.Key.Key_Down)
    key(qtbot, Qt.Key.Key_Return)  # chooses, and moves on to the reason
    qtbot.waitUntil(dialog.reason.hasFocus)
    assert dialog.resident.resident_id == resident_id
    assert dialog.resident.chosen.text() == "Resident: Łukasz Żółć"
    assert services.queue.today(ana) == ()
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.dialog is None)
    assert rows(panel, [WaitingColumn.NAME]) == [["Łukasz Żółć"]]
    with qtbot.waitSignal(panel.serve_resident) as served:
        key(qtbot, Qt.Key.Key_F5)
    assert served.args == [resident_id]


def test_enter_in_the_list_calls_the_chosen_ticket(qtbot, services, ana, queue_panel):
    services.queue.issue_ticket(ana, visitor_name="First")
    services.queue.issue_ticket(ana, visitor_name="Ștefan Popescu")
    queue_panel.refresh()
    queue_panel.table.setFocus()
    queue_panel.table.selectRow(1)
    queue_panel.table.setCurrentIndex(queue_panel.proxy.index(1, 0))
    key(qtbot, Qt.Key.Key_Return)
    assert queue_panel.current.visitor_name == "Ștefan Popescu"
    assert rows(queue_panel, [WaitingColumn.NAME]) == [["First"]]


def test_no_show_and_back_to_waiting_by_keyboard(qtbot, services, ana, queue_panel):
    services.queue.issue_ticket(ana, visitor_name="Gone")
    services.queue.issue_ticket(ana, visitor_name="Mistake")
    queue_panel.refresh()
    queue_panel.table.setFocus()
    key(qtbot, Qt.Key.Key_F5)
    alt(qtbot, Qt.Key.Key_N)
    assert [t.status for t in services.queue.today(ana)] == [TicketStatus.NO_SHOW, TicketStatus.WAITING]
    key(qtbot, Qt.Key.Key_F5)
    assert queue_panel.current.visitor_name == "Mistake"
    alt(qtbot, Qt.Key.Key_B)
    assert queue_panel.current is None
    assert rows(queue_panel, [WaitingColumn.NAME]) == [["Mistake"]]


def test_transfer_to_a_colleague_with_a_note(qtbot, services, ana, ben, queue_panel, artifacts):
    services.queue.issue_ticket(ana, visitor_name="Ștefan Popescu", reason="Housing")
    queue_panel.refresh()
    queue_panel.table.setFocus()
    key(qtbot, Qt.Key.Key_F5)
    alt(qtbot, Qt.Key.Key_R)
    dialog = opened(qtbot, queue_panel, TransferDialog)
    assert dialog.colleague.hasFocus()
    dialog.colleague.setCurrentIndex(dialog.colleague.findData(ben.staff_id))
    alt(qtbot, Qt.Key.Key_N)
    qtbot.keyClicks(QApplication.focusWidget(), "Needs the housing officer")
    assert dialog.grab().save(str(artifacts / "queue-transfer-dialog.png"))
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: queue_panel.dialog is None)
    assert queue_panel.current is None
    assert rows(queue_panel, [WaitingColumn.NAME, WaitingColumn.FOR]) == [
        ["Ștefan Popescu", "Ben: Needs the housing officer"]]
    key(qtbot, Qt.Key.Key_F5)  # only Ben may call it now
    assert queue_panel.current is None and queue_panel.summary.text() == "Nobody is waiting for you."


def test_a_refusal_is_shown_and_the_list_catches_up(qtbot, services, paths, database_url, clock, hashing,
                                                    ana, ben, queue_panel):
    ticket = services.queue.issue_ticket(ana, visitor_name="Contested")
    queue_panel.refresh()
    other = open_services(paths, parse_database_url(database_url), clock=clock, hashing=hashing, migrate=False)
    try:
        other.queue.call_ticket(ben, ticket.id)  # another desk, a moment earlier
    finally:
        other.close()
    queue_panel.table.selectRow(0)
    with answering_message_boxes() as said:
        queue_panel.call_selected_button.click()
    assert said == ["Ticket 1 was already called by Ben at 10:00. Nothing was changed."]
    assert queue_panel.proxy.rowCount() == 0 and queue_panel.current is None


def test_waits_past_the_target_stand_out_in_colour_and_words(qtbot, services, ana, queue_panel, clock, artifacts):
    services.queue.issue_ticket(ana, visitor_name="Łukasz Żółć", reason="Council Tax")
    clock.advance(minutes=2)
    services.queue.issue_ticket(ana, visitor_name="محمد الحسن", reason="Blue badge")
    clock.advance(minutes=4)
    services.queue.issue_ticket(ana, visitor_name="પ્રિયા પટેલ", reason="Bus pass")
    services.queue.issue_ticket(ana)
    queue_panel.refresh()
    proxy = queue_panel.proxy
    waited = [proxy.index(r, WaitingColumn.WAITED).data() for r in range(proxy.rowCount())]
    assert waited == ["6 min – over target", "4 min", "0 min", "0 min"]
    assert proxy.index(0, WaitingColumn.NAME).data(Qt.ItemDataRole.BackgroundRole).color() == OVER_TARGET_BACKGROUND
    assert proxy.index(1, WaitingColumn.NAME).data(Qt.ItemDataRole.BackgroundRole) is None
    assert proxy.index(3, WaitingColumn.NAME).data() == "No name given"
    assert queue_panel.summary.text() == "4 waiting; 1 over the 5-minute target wait."
    assert queue_panel.grab().save(str(artifacts / "queue-panel.png"))


def test_the_timer_brings_in_other_desks_tickets_off_the_gui_thread(qtbot, services, ana, ben, queue_panel, clock):
    services.queue.issue_ticket(ben, visitor_name="From reception")
    clock.advance(minutes=7)
    assert queue_panel.proxy.rowCount() == 0
    queue_panel.tick()
    qtbot.waitUntil(lambda: queue_panel.proxy.rowCount() == 1)
    assert queue_panel.proxy.index(0, WaitingColumn.WAITED).data() == "7 min – over target"
    assert queue_panel.timer.isActive() and queue_panel.timer.interval() == 30_000


def test_queue_models_and_names(qtbot, qtmodeltester, services, ana, ben, queue_panel, artifacts):
    services.queue.issue_ticket(ana, visitor_name="Zoë O'Brien-Smith", reason="Library card")
    moved = services.queue.issue_ticket(ana, visitor_name="Ștefan")
    services.queue.transfer(ana, moved.id, ben.staff_id, "Speaks Romanian")
    queue_panel.refresh()
    qtmodeltester.check(queue_panel.model)
    qtmodeltester.check(queue_panel.proxy)
    assert unnamed_widgets(queue_panel) == []
    queue_panel.new_ticket()
    dialog = opened(qtbot, queue_panel, NewTicketDialog)
    assert unnamed_widgets(dialog) == []
    dialog.visitor_name.setText("Siobhán O'Connor")
    dialog.reason.setText("Council Tax – single person discount")
    assert dialog.grab().save(str(artifacts / "queue-new-ticket-dialog.png"))
    dialog.reject()
    queue_panel.transfer(queue_panel.selected() or queue_panel.model.entry(0).ticket)
    transfer = opened(qtbot, queue_panel, TransferDialog)
    assert unnamed_widgets(transfer) == []
    assert transfer.colleague.itemText(0) == "Ana (me: take it over)"
    transfer.reject()


# ---- callbacks ----------------------------------------------------------------------------------


def test_add_a_callback_by_keyboard_then_log_attempts(qtbot, services, ana, callbacks_panel, clock, artifacts):
    panel = callbacks_panel
    panel.table.setFocus()
    key(qtbot, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    dialog = opened(qtbot, panel, NewCallbackDialog)
    alt(qtbot, Qt.Key.Key_C)
    qtbot.keyClicks(QApplication.focusWidget(), "Ann Lee")
    alt(qtbot, Qt.Key.Key_R)
    qtbot.keyClicks(QApplication.focusWidget(), "Missed bin collection")
    alt(qtbot, Qt.Key.Key_P)
    qtbot.keyClicks(QApplication.focusWidget(), "12345")
    assert dialog.grab().save(str(artifacts / "callback-new-dialog.png"))
    key(qtbot, Qt.Key.Key_Return)
    assert "'12345' is not a phone number" in dialog.message.text()
    assert dialog.isVisible() and dialog.caller_name.text() == "Ann Lee"  # everything typed is kept
    assert dialog.phone.hasFocus()
    dialog.phone.setText("07911 123456")
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.dialog is None)
    made = services.callbacks.open_callbacks(ana)[0]
    assert (made.name, made.phone, made.reason) == ("Ann Lee", "+447911123456", "Missed bin collection")
    assert made.due_by == clock.now() + timedelta(hours=2)  # 12:00 London, the default
    assert rows(panel, [CallbackColumn.NAME, CallbackColumn.STATE, CallbackColumn.ATTEMPTS]) == [
        ["Ann Lee", "Due in 2 h", "None yet"]]

    assert panel.table.selectionModel().selectedRows()  # the new callback is selected
    clock.advance(minutes=5)
    alt(qtbot, Qt.Key.Key_L)
    attempt = opened(qtbot, panel, LogAttemptDialog)
    attempt.outcome.setCurrentIndex(attempt.outcome.findData(AttemptOutcome.NO_ANSWER.value))
    assert not attempt.corrected.isEnabled()
    alt(qtbot, Qt.Key.Key_N)
    qtbot.keyClicks(QApplication.focusWidget(), "Rang twice")
    assert attempt.grab().save(str(artifacts / "callback-log-attempt-dialog.png"))
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.dialog is None)
    assert rows(panel, [CallbackColumn.ATTEMPTS]) == [["1; last: No answer at 10:05"]]
    assert "10:05 No answer by Ana: Rang twice" in panel.details.text()

    alt(qtbot, Qt.Key.Key_L)
    attempt = opened(qtbot, panel, LogAttemptDialog)
    attempt.outcome.setCurrentIndex(attempt.outcome.findData(AttemptOutcome.REACHED.value))
    attempt.save_button.click()
    qtbot.waitUntil(lambda: panel.dialog is None)
    assert panel.proxy.rowCount() == 0
    assert services.callbacks.get(ana, made.id).status == CallbackStatus.DONE


def test_wrong_number_then_cancel(qtbot, services, ana, callbacks_panel, artifacts):
    made = services.callbacks.create(ana, caller_name="Ștefan Popescu", phone="020 7946 0000",
                                     reason="Parking fine", due_by=services.clock.now() + timedelta(hours=1))
    callbacks_panel.refresh()
    callbacks_panel.table.selectRow(0)
    callbacks_panel.log_attempt()
    attempt = opened(qtbot, callbacks_panel, LogAttemptDialog)
    attempt.outcome.setCurrentIndex(attempt.outcome.findData(AttemptOutcome.WRONG_NUMBER.value))
    assert attempt.corrected.isEnabled()
    attempt.corrected.setText("07911 123999")
    attempt.save_button.click()
    qtbot.waitUntil(lambda: callbacks_panel.dialog is None)
    assert rows(callbacks_panel, [CallbackColumn.PHONE]) == [["07911 123999"]]
    callbacks_panel.table.setFocus()
    alt(qtbot, Qt.Key.Key_A)
    cancel = opened(qtbot, callbacks_panel, CancelCallbackDialog)
    assert unnamed_widgets(cancel) == []
    key(qtbot, Qt.Key.Key_Return)
    assert "Reason for cancelling is required" in cancel.message.text()
    qtbot.keyClicks(cancel.reason, "Came in person")
    assert cancel.grab().save(str(artifacts / "callback-cancel-dialog.png"))
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: callbacks_panel.dialog is None)
    assert callbacks_panel.proxy.rowCount() == 0
    assert services.callbacks.get(ana, made.id).cancel_reason == "Came in person"


def test_overdue_callbacks_stand_out_and_open_the_resident(qtbot, qtmodeltester, services, ana, callbacks_panel,
                                                           clock, artifacts):
    resident_id = register(services, ana, "પ્રિયા", "પટેલ", phone="07400 123456")
    now = clock.now()
    services.callbacks.create(ana, resident_id=resident_id, reason="Housing benefit letter",
                              due_by=now + timedelta(minutes=30))
    services.callbacks.create(ana, caller_name="Łukasz Żółć", phone="07911 123456", reason="Library fines",
                              due_by=now + timedelta(hours=3))
    clock.advance(minutes=45)
    callbacks_panel.refresh()
    proxy = callbacks_panel.proxy
    assert rows(callbacks_panel, [CallbackColumn.NAME, CallbackColumn.STATE]) == [
        ["પ્રિયા પટેલ", "Overdue by 15 min"], ["Łukasz Żółć", "Due in 2 h 15 min"]]
    assert proxy.index(0, CallbackColumn.NAME).data(Qt.ItemDataRole.BackgroundRole).color() == OVERDUE_BACKGROUND
    assert proxy.index(1, CallbackColumn.NAME).data(Qt.ItemDataRole.BackgroundRole) is None
    assert callbacks_panel.summary.text() == "2 open callbacks; 1 overdue."
    qtmodeltester.check(callbacks_panel.model)
    qtmodeltester.check(proxy)
    assert unnamed_widgets(callbacks_panel) == []
    callbacks_panel.table.setFocus()
    callbacks_panel.table.selectRow(0)
    callbacks_panel.table.setCurrentIndex(proxy.index(0, 0))
    details = callbacks_panel.details
    assert details.text().splitlines() == ["પ્રિયા પટેલ, 07400 123456. Due by 23/11/2026 10:30.",
                                           "Reason: Housing benefit letter", "No calls made yet."]
    qtbot.waitUntil(lambda: details.height() >= details.heightForWidth(details.width()))  # laid out again
    assert callbacks_panel.grab().save(str(artifacts / "callbacks-panel.png"))
    with qtbot.waitSignal(callbacks_panel.serve_resident) as served:
        key(qtbot, Qt.Key.Key_Return)
    assert served.args == [resident_id]
    callbacks_panel.table.selectRow(1)
    assert not callbacks_panel.open_button.isEnabled()  # no resident record to open
    callbacks_panel.new_callback()
    dialog = opened(qtbot, callbacks_panel, NewCallbackDialog)
    assert unnamed_widgets(dialog) == []
    dialog.reject()
