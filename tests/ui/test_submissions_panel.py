"""The Requests tab: every request the desk made, where it stands, and what staff do about one the
back office refused. The states come from a real delivery: the desk's own sender against the
test back office (tests/backoffice_server.py) on 127.0.0.1."""

from __future__ import annotations

from datetime import timedelta

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from assisted_desk.core.security import Role
from assisted_desk.desk.attachments import AttachmentInput
from assisted_desk.desk.representatives import london_today
from assisted_desk.desk.submissions import RequestInput, SubmissionFilter
from assisted_desk.desk.vocab import HelpType, SubmissionEventKind, SubmissionState
from assisted_desk.ui.desk.serve import ServePanel
from assisted_desk.ui.desk_area import DeskArea
from assisted_desk.ui.submissions.detail_view import SubmissionDetailDialog
from assisted_desk.ui.submissions.dialogs import CancelRequestDialog, FixAndResendDialog
from assisted_desk.ui.submissions.panel import SubmissionsPanel
from assisted_desk.ui.submissions.submissions_model import SubmissionColumn, SubmissionsTableModel
from assisted_desk.ui.workers import wait_for_background_jobs

from ..backoffice_server import BackOffice
from ..conftest import make_actor
from ..desk.attachment_files import pdf, png
from ..desk.conftest import connect
from ..desk.contact_fixtures import contact
from .serve_helpers import render
from .test_attachments_box import viewer  # noqa: F401 (fixture)
from .test_queue_ui import alt
from .test_request_form import attachments_of, backend_of, ready_resident, use_text_size
from .test_start_and_main import unnamed_widgets

REFUSAL = "collection_date: no collection was due at this address on that day (next due 27/11/2026)"


@pytest.fixture
def office(services, admin, clock):
    """The back office, over plain HTTP, with the desk pointed at it as an administrator does."""
    running = BackOffice(tls=False, now=clock.now).start()
    connect(services, admin, running)
    yield running
    running.stop()


def deliver(services) -> object:
    run = services.outbox.run_once()
    while True:
        try:
            next(run)
        except StopIteration as done:
            return done.value


def missed_bin(services, actor, resident_id: int, notes: str = "", files=()):
    day = london_today(services.clock) - timedelta(days=2)
    fields = {"bin_type": "recycling", "collection_date": day.strftime("%d/%m/%Y"), "bin_left_at": "kerbside",
              "notes": notes}
    return services.submissions.submit(actor, contact(resident_id, "waste_recycling", help_type=HelpType.ON_BEHALF),
                                       RequestInput("missed_bin", fields, files))


def street_problem(services, actor, resident_id: int):
    fields = {"problem": "fly_tipping", "location": "Behind 4 Cable Street", "description": "Mattresses and bags",
              "dangerous": "yes"}
    return services.submissions.submit(actor, contact(resident_id, "street_issues", help_type=HelpType.ON_BEHALF),
                                       RequestInput("street_problem", fields))


@pytest.fixture
def made(services, admin, office):
    """Four requests, one in each state staff meet: accepted, needs attention, cancelled, waiting."""
    lukasz = ready_resident(services, admin)
    mohammed = ready_resident(services, admin, "محمد", "الحسن", consent=("street_issues",))
    priya = ready_resident(services, admin, "પ્રિયા", "પટેલ", postcode="E2 7DG")
    office.refuse(field="notes", value="round the back", detail=REFUSAL)
    accepted = missed_bin(services, admin, lukasz, notes="By the gate", files=[AttachmentInput("bin.png", png())])
    refused = missed_bin(services, admin, priya, notes="round the back",
                         files=[AttachmentInput("letter.pdf", pdf("Collection calendar"))])
    cancelled = street_problem(services, admin, mohammed)
    services.submissions.cancel(admin, cancelled.submission_id, "Reported online by the resident after all")
    summary = deliver(services)
    assert (summary.accepted, summary.refused) == (1, 1), summary.text()
    services.clock.advance(minutes=5)
    waiting = street_problem(services, admin, mohammed)
    return {"lukasz": lukasz, "mohammed": mohammed, "priya": priya, "accepted": accepted, "refused": refused,
            "cancelled": cancelled, "waiting": waiting}


def settle(qtbot, panel) -> None:
    def quiet() -> bool:
        return not shiboken6.isValid(panel) or not panel.is_busy()

    qtbot.waitUntil(quiet, timeout=10_000)
    wait_for_background_jobs()
    QApplication.processEvents()
    qtbot.waitUntil(quiet, timeout=10_000)


@pytest.fixture
def make_requests_panel(qtbot, services, admin):
    made_panels = []

    def make(actor=None) -> SubmissionsPanel:
        panel = SubmissionsPanel(services, actor or admin)
        qtbot.addWidget(panel)
        panel.resize(1280, 760)
        panel.show()  # showing it loads the list
        qtbot.waitExposed(panel)
        panel.activateWindow()
        settle(qtbot, panel)
        made_panels.append(panel)
        return panel

    yield make
    for panel in made_panels:
        settle(qtbot, panel)
    wait_for_background_jobs()


def references(panel) -> list[str]:
    return [panel.proxy.index(row, SubmissionColumn.REFERENCE).data() for row in range(panel.proxy.rowCount())]


def choose(qtbot, panel, submission_id: int) -> None:
    assert panel.select(submission_id)
    settle(qtbot, panel)
    assert panel.detail.detail is not None and panel.detail.detail.summary.id == submission_id


def test_the_table_model_passes_the_model_tester(qtmodeltester, services, admin, made):
    model = SubmissionsTableModel()
    model.set_rows(services.submissions.browse(admin, SubmissionFilter()), services.clock.now())
    assert model.rowCount() == 4
    qtmodeltester.check(model)


def test_the_list_shows_every_state_in_words_and_filters_and_finds(qtbot, make_requests_panel, made):
    panel = make_requests_panel()
    assert panel.model.rowCount() == 4
    assert references(panel)[0] == made["waiting"].submission_reference  # newest first
    shown = {panel.proxy.index(row, SubmissionColumn.REFERENCE).data():
             (panel.proxy.index(row, SubmissionColumn.STATE).data(),
              panel.proxy.index(row, SubmissionColumn.ATTEMPTS).data(),
              panel.proxy.index(row, SubmissionColumn.RESIDENT).data())
             for row in range(panel.proxy.rowCount())}
    assert shown[made["waiting"].submission_reference] == ("Waiting to send", "Not tried yet", "محمد الحسن")
    assert shown[made["refused"].submission_reference] == ("Needs attention", "Stopped after 1 try", "પ્રિયા પટેલ")
    assert shown[made["cancelled"].submission_reference][0] == "Cancelled"
    assert shown[made["cancelled"].submission_reference][1] == "Never sent"
    state, attempts, resident = shown[made["accepted"].submission_reference]
    assert state.startswith("Received (") and attempts == "Accepted at try 1" and resident == "Łukasz Żółć"
    assert panel.summary.text() == "4 shown, newest first: 1 need attention, 1 waiting to send."

    panel.state_filter.setCurrentIndex(panel.state_filter.findText("Needs attention"))
    settle(qtbot, panel)
    assert references(panel) == [made["refused"].submission_reference]
    panel.state_filter.setCurrentIndex(panel.state_filter.findText("Waiting to send"))
    settle(qtbot, panel)
    assert references(panel) == [made["waiting"].submission_reference]
    panel.state_filter.setCurrentIndex(0)
    panel.search.setText("الحسن")  # part of a resident's name, in any script
    settle(qtbot, panel)
    assert sorted(references(panel)) == sorted([made["waiting"].submission_reference,
                                                made["cancelled"].submission_reference])
    panel.search.setText(made["accepted"].submission_reference.lower())
    settle(qtbot, panel)
    assert references(panel) == [made["accepted"].submission_reference]
    panel.search.setText("nobody by that name")
    settle(qtbot, panel)
    assert panel.model.rowCount() == 0 and panel.summary.text() == "No requests match."


def test_the_detail_shows_the_refusal_in_full_what_was_sent_the_history_and_the_files(qtbot, make_requests_panel,
                                                                                       made, viewer):
    panel = make_requests_panel()
    choose(qtbot, panel, made["refused"].submission_id)
    view = panel.detail
    assert view.reference.text() == made["refused"].submission_reference
    assert view.state.text().startswith("Needs attention")
    assert REFUSAL in view.error.text() and view.error.isVisible()
    fields = dict(view.detail.fields)
    assert fields["Which bin"] == "Recycling" and fields["Anything the crew should know"] == "round the back"
    sent = dict(view.detail.resident_details)
    assert sent["Given name"] == "પ્રિયા" and sent["Postcode"] == "E2 7DG"
    assert "Refused by the back office" in view.history.text() and "Queued" in view.history.text()
    assert view.files.isVisible() and view.files.model.row(0).filename == "letter.pdf"
    assert not view.files.remove_button.isVisible()  # changing the files is part of Fix and resend
    view.files.table.selectRow(0)
    view.files.open_selected()
    qtbot.waitUntil(lambda: len(viewer.opened) == 1, timeout=10_000)
    assert viewer.opened[0].name == "letter.pdf" and viewer.opened[0].read_bytes().startswith(b"%PDF")
    assert (panel.fix_button.isEnabled(), panel.send_button.isEnabled(), panel.cancel_button.isEnabled(),
            panel.check_button.isEnabled(), panel.open_button.isEnabled()) == (True, False, True, False, True)

    choose(qtbot, panel, made["waiting"].submission_id)
    assert not view.error.isVisible() and view.no_files.isVisible()
    assert (panel.fix_button.isEnabled(), panel.send_button.isEnabled()) == (False, True)
    choose(qtbot, panel, made["cancelled"].submission_id)
    assert "Reported online by the resident after all" in view.state.text()
    assert not any(b.isEnabled() for b in (panel.fix_button, panel.send_button, panel.cancel_button,
                                             panel.check_button))


def test_a_request_that_may_have_arrived_says_so(qtbot, make_requests_panel, services, admin, office):
    resident = ready_resident(services, admin)
    receipt = missed_bin(services, admin, resident, notes="Dropped")
    office.drop(after_storing=True, times=1)
    deliver(services)
    panel = make_requests_panel()
    choose(qtbot, panel, receipt.submission_id)
    assert panel.detail.may_have_arrived.isVisible()
    assert "may have reached the back office" in panel.detail.may_have_arrived.text()


def test_cancelling_asks_for_a_reason_and_shows_refusals(qtbot, make_requests_panel, services, admin, made):
    panel = make_requests_panel()
    choose(qtbot, panel, made["waiting"].submission_id)
    panel.table.setFocus()
    alt(qtbot, Qt.Key.Key_C)
    dialog = panel.dialog
    assert isinstance(dialog, CancelRequestDialog) and dialog.isVisible()
    assert unnamed_widgets(dialog) == []
    dialog.save_button.click()  # no reason
    assert dialog.isVisible() and dialog.message.text() == "Reason for cancelling is required."
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.reason)
    dialog.reason.setText("The resident will report it by phone — Ștefan")
    dialog.save_button.click()
    assert panel.dialog is None
    settle(qtbot, panel)
    detail = services.submissions.get(admin, made["waiting"].submission_id)
    assert detail.summary.state == SubmissionState.CANCELLED
    assert detail.cancel_reason == "The resident will report it by phone — Ștefan"
    assert "Cancelled" in panel.detail.state.text()

    # A desk elsewhere got there first: the refusal is said, the list catches up.
    choose(qtbot, panel, made["refused"].submission_id)
    panel.cancel()
    dialog = panel.dialog
    services.submissions.cancel(admin, made["refused"].submission_id, "Done at another desk")
    dialog.reason.setText("Mine")
    dialog.save_button.click()
    assert dialog.isVisible() and "already cancelled" in dialog.message.text()
    dialog.reject()
    settle(qtbot, panel)


def test_fix_and_resend_refills_the_form_keeps_a_refusal_and_the_back_office_accepts_it(
        qtbot, make_requests_panel, services, admin, made, office, tmp_path, artifacts, request):
    panel = make_requests_panel()
    choose(qtbot, panel, made["refused"].submission_id)
    panel.table.setFocus()
    alt(qtbot, Qt.Key.Key_F)
    dialog = panel.dialog
    assert isinstance(dialog, FixAndResendDialog) and dialog.isVisible()
    assert unnamed_widgets(dialog) == []
    assert REFUSAL in dialog.said.text()
    form = dialog.request_form
    day = london_today(services.clock) - timedelta(days=2)
    assert form.values() == {"bin_type": "recycling", "collection_date": day.strftime("%d/%m/%Y"),
                             "bin_left_at": "kerbside", "notes": "round the back"}
    render(dialog, artifacts / f"requests-fix-dialog-{backend_of(request)}.png")

    form.fields["collection_date"].setText("31/02/2026")
    form.fields["notes"].setPlainText("By the gate, not round the back")
    dialog.save_button.click()
    assert dialog.isVisible() and "is not a date we can read" in dialog.message.text()
    # Focus follows once the dialog is the active window (the offscreen platform may lag a beat).
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is form.fields["collection_date"], timeout=3000)
    assert form.values()["notes"] == "By the gate, not round the back"

    form.fields["collection_date"].setText(day.strftime("%d %B %Y"))
    photo = tmp_path / "bin-by-the-gate.png"
    photo.write_bytes(png(colour=(0, 90, 200)))
    dialog.attachments.add_files([photo])
    qtbot.waitUntil(lambda: not dialog.attachments.is_busy(), timeout=10_000)
    [keep_letter] = dialog.keep.values()
    keep_letter.setChecked(False)  # the wrong letter: it goes
    dialog.save_button.click()
    assert panel.dialog is None
    settle(qtbot, panel)

    detail = services.submissions.get(admin, made["refused"].submission_id)
    assert detail.summary.state == SubmissionState.QUEUED
    assert detail.raw_fields["notes"] == "By the gate, not round the back"
    assert [a.filename for a in detail.attachments] == ["bin-by-the-gate.png"]
    assert detail.events[-1].kind == SubmissionEventKind.FIXED
    assert panel.detail.state.text().startswith("Waiting to send")

    office.stop_refusing()
    deliver(services)
    panel.refresh()
    settle(qtbot, panel)
    assert panel.selected().state == SubmissionState.ACCEPTED
    stored = office.request_for(made["refused"].submission_reference)
    assert stored.body["fields"]["notes"] == "By the gate, not round the back"
    assert [f["filename"] for f in stored.body["attachments"]] == ["bin-by-the-gate.png"]
    assert [a.filename for a in attachments_of(services, made["refused"].submission_id)
            if a.removed_at is None] == ["bin-by-the-gate.png"]


def test_send_now_and_check_status_now(qtbot, make_requests_panel, services, admin, made, office):
    panel = make_requests_panel()
    waiting = made["waiting"]
    services.clock.advance(minutes=1)
    choose(qtbot, panel, waiting.submission_id)
    changed = []
    panel.outbox_changed.connect(lambda: changed.append(True))
    panel.table.setFocus()
    alt(qtbot, Qt.Key.Key_N)
    settle(qtbot, panel)
    assert changed == [True]
    detail = services.submissions.get(admin, waiting.submission_id)
    assert detail.events[-1].kind == SubmissionEventKind.RESENT

    accepted = made["accepted"]
    stored = office.request_for(accepted.submission_reference)
    office.add_change(stored.reference, "in_progress", "Crew booked for Thursday")
    choose(qtbot, panel, accepted.submission_id)
    assert panel.check_button.isEnabled()
    panel.table.setFocus()
    alt(qtbot, Qt.Key.Key_U)
    settle(qtbot, panel)
    assert panel.detail.check_result.text() == "The back office says: In progress: Crew booked for Thursday"
    assert "Now: In progress." in panel.detail.state.text()
    assert panel.selected().state_text.startswith("In progress (")

    office.down()
    panel.check_status()
    settle(qtbot, panel)
    assert panel.detail.check_result.text().startswith("Could not ask the back office:")
    office.up()


def test_open_resident_serves_them_and_alt_shift_4_reaches_the_tab(qtbot, services, admin, made):
    desk = make_actor(services, admin, "desk", Role.DESK)
    area = DeskArea(services, desk)
    qtbot.addWidget(area)
    area.resize(1280, 800)
    area.show()
    qtbot.waitExposed(area)
    area.activateWindow()
    qtbot.waitUntil(area.isActiveWindow)
    titles = [area.tabs.tabText(i) for i in range(area.tabs.count())]
    assert titles == ["Serve a resident", "Walk-in queue", "Callbacks", "Requests"]
    qtbot.keyClick(area, Qt.Key.Key_4, Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ShiftModifier)
    assert area.tabs.currentWidget() is area.requests
    settle(qtbot, area.requests)
    assert area.requests.model.rowCount() == 4
    missed_bin(services, desk, made["lukasz"], notes="Queued at another desk")
    area.outbox_delivered()  # the window's runner finished a delivery: the list catches up
    settle(qtbot, area.requests)
    assert area.requests.model.rowCount() == 5
    choose(qtbot, area.requests, made["refused"].submission_id)
    area.requests.table.setFocus()
    alt(qtbot, Qt.Key.Key_O)
    assert area.tabs.currentWidget() is area.serve and area.serve.resident_id == made["priya"]
    qtbot.waitUntil(lambda: not area.serve.is_busy(), timeout=10_000)
    wait_for_background_jobs()


def test_a_request_on_the_timeline_opens_its_detail_with_enter(qtbot, services, admin, made):
    panel = ServePanel(services, admin)
    qtbot.addWidget(panel)
    panel.resize(1100, 760)
    panel.show()
    qtbot.waitExposed(panel)
    panel.open_resident(made["priya"])
    qtbot.waitUntil(lambda: not panel.is_busy() and panel.timeline.model.rowCount() > 0, timeout=10_000)
    rows = [panel.timeline.model.item(r) for r in range(panel.timeline.model.rowCount())]
    line = next(r for r, item in enumerate(rows) if item.open_kind == "submission")
    index = panel.timeline.proxy.mapFromSource(panel.timeline.model.index(line, 0))
    panel.timeline.table.setFocus()
    panel.timeline.table.setCurrentIndex(index)
    qtbot.keyClick(panel.timeline.table, Qt.Key.Key_Return)
    dialog = panel.detail
    assert isinstance(dialog, SubmissionDetailDialog) and dialog.isVisible()
    assert dialog.view.reference.text() == made["refused"].submission_reference
    assert REFUSAL in dialog.view.error.text()
    assert unnamed_widgets(dialog) == []
    dialog.reject()
    qtbot.waitUntil(lambda: not panel.is_busy(), timeout=10_000)
    wait_for_background_jobs()


def test_every_widget_is_named_and_alt_letters_are_unique(qtbot, make_requests_panel, made):
    from .test_serve import mnemonics

    panel = make_requests_panel()
    choose(qtbot, panel, made["refused"].submission_id)
    assert unnamed_widgets(panel) == []
    letters = [letter for letter, _text in mnemonics(panel)]
    assert len(letters) >= 7 and len(letters) == len(set(letters)), mnemonics(panel)


def test_the_list_refreshes_while_shown(qtbot, make_requests_panel, services, admin, made):
    panel = make_requests_panel()
    assert panel.timer.interval() == 15_000 and panel.timer.isActive()
    missed_bin(services, admin, made["lukasz"], notes="Another one")
    panel.tick()
    settle(qtbot, panel)
    assert panel.model.rowCount() == 5
    panel.hide()
    missed_bin(services, admin, made["lukasz"], notes="And another")
    panel.tick()  # hidden: nothing is loaded
    assert not panel.is_busy() and panel.model.rowCount() == 5
    panel.show()
    settle(qtbot, panel)
    assert panel.model.rowCount() == 6


@pytest.mark.parametrize("scale", [1, 2])
def test_the_requests_tab_renders_to_png(qtbot, qapp, make_requests_panel, made, artifacts, scale, request):
    use_text_size(qapp, request, scale)
    panel = make_requests_panel()
    panel.resize(1280 * scale, 800 * scale)
    backend = backend_of(request)
    for name in ("refused", "accepted"):
        choose(qtbot, panel, made[name].submission_id)
        QApplication.processEvents()
        assert panel.grab().save(str(artifacts / f"requests-tab-{name}-{scale}x-{backend}.png"))
    choose(qtbot, panel, made["refused"].submission_id)
    panel.fix_and_resend()
    render(panel.dialog, artifacts / f"requests-fix-dialog-{scale}x-{backend}.png")
    panel.dialog.reject()
    panel.cancel()
    render(panel.dialog, artifacts / f"requests-cancel-dialog-{scale}x-{backend}.png")
    panel.dialog.reject()
    settle(qtbot, panel)
    dialog = SubmissionDetailDialog(panel.services, panel.actor,
                                    panel.services.submissions.get(panel.actor, made["accepted"].submission_id))
    qtbot.addWidget(dialog)
    dialog.resize(680 * scale, 640 * scale)
    dialog.show()
    QApplication.processEvents()
    assert dialog.grab().save(str(artifacts / f"requests-detail-dialog-{scale}x-{backend}.png"))
    dialog.reject()
