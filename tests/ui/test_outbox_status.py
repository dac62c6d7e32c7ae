"""The background sender and the status bar's back-office label, over real services and a real
HTTPS back office on 127.0.0.1 (tests/backoffice_server.py)."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from assisted_desk.core.security import Role
from assisted_desk.desk.consent import ConsentInput
from assisted_desk.desk.outbox_sender import SyncSummary
from assisted_desk.desk.residents import ResidentInput
from assisted_desk.desk.submissions import RequestInput
from assisted_desk.desk.vocab import ConsentPurpose, HelpType
from assisted_desk.ui.main_window import MainWindow
from assisted_desk.ui.outbox_runner import OutboxRunner
from assisted_desk.ui.workers import wait_for_background_jobs

from ..backoffice_server import TOKEN, BackOffice
from ..conftest import PASSWORD, make_actor
from ..desk.contact_fixtures import contact
from tests.ui.conftest import double_the_text


@pytest.fixture
def office():
    server = BackOffice().start()
    yield server
    server.stop()


def set_up_back_office(services, admin, office) -> None:
    services.backoffice.set_url(admin, office.base_url)
    services.backoffice.set_token(admin, TOKEN)
    services.backoffice.set_ca_pem(admin, office.ca_pem)


@pytest.fixture
def resident(services, admin) -> int:
    record = services.residents.register(
        admin, ResidentInput(given_name="Łukasz", family_name="Żółć", date_of_birth="14/03/1985",
                             address_line1="12 High Street", town="London", postcode="E1 6AN"),
        confirm_not_duplicate=True)
    services.consent.record_consent(admin, record.id, ConsentInput(ConsentPurpose.ACT_ON_BEHALF, "waste_recycling",
                                                                   "verbal"))
    return record.id


def queue_request(services, actor, resident_id: int, bin_type: str = "general") -> str:
    receipt = services.submissions.submit(
        actor, contact(resident_id, "waste_recycling", help_type=HelpType.ON_BEHALF),
        RequestInput("missed_bin", {"bin_type": bin_type, "collection_date": "2026-11-20",
                                    "bin_left_at": "kerbside"}))
    return receipt.submission_reference


@pytest.fixture
def window(qtbot, services, admin):
    built = MainWindow(services, admin)
    qtbot.addWidget(built)
    built.outbox_runner.timer.stop()  # the tests say when to run (the first-run test excepted)
    built.show()
    yield built
    built.handing_over = True
    built.close()
    wait_for_background_jobs()


def finish_run(qtbot, runner: OutboxRunner) -> None:
    """Start one run and wait for its answer on the GUI thread."""
    before = runner.runs
    assert runner.run_now()
    qtbot.waitUntil(lambda: runner.runs == before + 1, timeout=20_000)


# ---- the status bar ------------------------------------------------------------------------------


def test_waiting_falls_to_0_when_the_back_office_accepts(qtbot, window, services, admin, office, resident):
    label, runner = window.outbox_label, window.outbox_runner
    assert label.text() == "Back office: checking…" and label.accessibleName() == "Back office"
    set_up_back_office(services, admin, office)
    references = [queue_request(services, admin, resident), queue_request(services, admin, resident, "food")]
    assert services.submissions.counts(admin).waiting == 2

    with qtbot.waitSignal(runner.delivered, timeout=20_000) as delivered:
        assert runner.run_now()
    qtbot.waitUntil(lambda: runner.runs == 1)
    summary = delivered.args[0]
    assert isinstance(summary, SyncSummary) and (summary.attempted, summary.accepted) == (2, 2)
    assert label.text() == "Back office: 0 waiting · reachable"
    assert sorted(office.created_per_desk_reference) == sorted(references)
    assert set(office.created_per_desk_reference.values()) == {1}
    assert "2 accepted" in label.toolTip() and "reachable" in label.accessibleDescription()
    assert runner.scheduled_ms == 15_000 and runner.timer.isActive()  # every 15 s while all is well


def test_an_unreachable_back_office_is_said_and_tried_less_often(qtbot, window, services, admin, office, resident,
                                                                clock):
    runner, label = window.outbox_runner, window.outbox_label
    set_up_back_office(services, admin, office)
    office.down()
    queue_request(services, admin, resident)
    finish_run(qtbot, runner)
    assert label.text() == "Back office: 1 waiting · not reachable (checked 10:00)"
    assert "cannot be reached" in label.toolTip()
    assert runner.scheduled_ms == 60_000  # 60 s after a failure...
    finish_run(qtbot, runner)
    assert runner.scheduled_ms == 120_000  # ...doubling...
    for _ in range(3):
        finish_run(qtbot, runner)
    assert runner.scheduled_ms == 300_000  # ...up to 5 minutes while it stays down
    assert services.submissions.counts(admin).waiting == 1  # nothing lost meanwhile

    office.up()
    clock.advance(minutes=30)  # the request's own retry time has come
    finish_run(qtbot, runner)
    assert label.text() == "Back office: 0 waiting · reachable"
    assert runner.failures == 0 and runner.scheduled_ms == 15_000


def test_refused_requests_need_attention_and_set_up_problems_are_named(qtbot, window, services, admin, office,
                                                                        resident):
    runner, label = window.outbox_runner, window.outbox_label
    queue_request(services, admin, resident)
    finish_run(qtbot, runner)
    assert label.text() == "Back office: 1 waiting · not set up"
    assert "no back-office address is set" in label.toolTip()
    assert runner.scheduled_ms == 15_000  # nothing was tried on the network: no back-off

    set_up_back_office(services, admin, office)
    office.refuse(service_code="missed_bin", detail="Collections on this street are suspended.")
    queue_request(services, admin, resident)
    finish_run(qtbot, runner)
    assert label.text() == "Back office: 0 waiting · reachable · 2 need attention"
    office.stop_refusing()

    services.backoffice.set_token(admin, "a-token-the-back-office-never-issued")
    queue_request(services, admin, resident)
    finish_run(qtbot, runner)
    assert label.text() == "Back office: 1 waiting · token refused · 2 need attention"
    assert "a-token-the-back-office-never-issued" not in label.toolTip() + label.text()


def test_a_back_office_with_problems_is_said_and_tried_less_often(qtbot, window, services, admin, office,
                                                                  resident):
    runner, label = window.outbox_runner, window.outbox_label
    set_up_back_office(services, admin, office)
    office.fail(500)
    queue_request(services, admin, resident)
    finish_run(qtbot, runner)
    assert label.text() == "Back office: 1 waiting · having problems (checked 10:00)"
    assert "HTTP 500" in label.toolTip()
    assert runner.scheduled_ms == 60_000


def test_asked_to_wait_shows_until_when(qtbot, window, services, admin, office, resident):
    runner, label = window.outbox_runner, window.outbox_label
    set_up_back_office(services, admin, office)
    office.fail(503, retry_after="600")
    queue_request(services, admin, resident)
    finish_run(qtbot, runner)
    assert label.text() == "Back office: 1 waiting · asked to wait until 10:10"
    assert runner.scheduled_ms == 300_000  # as asked, but never over 5 minutes


# ---- the runner ----------------------------------------------------------------------------------


def test_no_second_run_starts_while_one_is_in_flight(qtbot, window, services, admin, office, resident):
    runner = window.outbox_runner
    set_up_back_office(services, admin, office)
    reference = queue_request(services, admin, resident)
    office.hang()
    assert runner.run_now()
    qtbot.waitUntil(lambda: len(office.posts()) == 1, timeout=10_000)
    assert runner.in_flight
    assert not runner.run_now()  # refused, nothing started
    runner.timer.timeout.emit()  # a tick meanwhile does nothing either
    runner.run_soon()  # a request queued meanwhile: noted, run straight after this one
    assert not runner.timer.isActive()
    qtbot.wait(200)
    assert len(office.posts()) == 1
    assert window.outbox_label.text() == "Back office: checking…"  # the GUI thread was never blocked

    waits = []  # the wait set after each run
    runner.delivered.connect(lambda _summary: waits.append(runner.scheduled_ms))
    office.normal()
    qtbot.waitUntil(lambda: runner.runs == 2, timeout=20_000)
    assert waits == [0, 15_000]  # the run asked for meanwhile came straight after, then the usual tick
    assert not runner.in_flight
    assert office.created_per_desk_reference == {reference: 1}
    assert len(office.posts()) == 1  # nothing sent twice
    assert window.outbox_label.text() == "Back office: 0 waiting · reachable"


def test_a_request_queued_at_the_desk_is_sent_at_once(qtbot, window, services, admin, office, resident):
    runner = window.outbox_runner
    set_up_back_office(services, admin, office)
    runner.start(60_000)
    desk = window.area_pages["desk"]
    reference = queue_request(services, admin, resident)
    with qtbot.waitSignal(runner.delivered, timeout=20_000):
        desk.outbox_changed.emit()  # as the Serve and Requests panels do
    assert office.created_per_desk_reference == {reference: 1}
    assert window.outbox_label.text() == "Back office: 0 waiting · reachable"


def test_the_first_run_comes_shortly_after_the_window_opens(qtbot, services, admin, office, resident):
    set_up_back_office(services, admin, office)
    reference = queue_request(services, admin, resident)
    window = MainWindow(services, admin)
    qtbot.addWidget(window)
    window.show()
    try:
        assert window.outbox_runner.scheduled_ms == 1_500 and window.outbox_runner.timer.isActive()
        qtbot.waitUntil(lambda: window.outbox_runner.runs == 1, timeout=10_000)
        assert office.created_per_desk_reference == {reference: 1}
        assert window.outbox_label.text() == "Back office: 0 waiting · reachable"
    finally:
        window.handing_over = True
        window.close()
        wait_for_background_jobs()


def test_saving_back_office_settings_runs_the_sender_at_once(qtbot, window, services, admin, office, resident,
                                                             tmp_path):
    runner = window.outbox_runner
    runner.start(60_000)
    queue_request(services, admin, resident)
    tab = window.area_pages["admin"].backoffice_tab
    tab.url.setText(office.base_url)
    tab.save_url_button.click()
    assert runner.timer.isActive() and runner.scheduled_ms == 0
    tab.token.setText(TOKEN)
    tab.save_token_button.click()
    ca = tmp_path / "ca.pem"
    ca.write_text(office.ca_pem, encoding="ascii")
    tab.load_ca_file(ca)
    qtbot.waitUntil(lambda: window.outbox_label.text() == "Back office: 0 waiting · reachable", timeout=20_000)


def test_the_runner_stops_on_lock_and_starts_again_on_unlock(qtbot, window, services, admin, office, resident):
    runner = window.outbox_runner
    set_up_back_office(services, admin, office)
    runner.start(60_000)
    window.lock()
    assert not runner.active and not runner.timer.isActive()
    assert not runner.run_now() and not runner.in_flight
    runner.run_soon()
    assert not runner.timer.isActive()

    page = window.lock_page
    page.password.setText(PASSWORD)
    qtbot.mouseClick(page.unlock, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.locked, timeout=10_000)
    assert runner.active and runner.scheduled_ms == 1_500 and runner.timer.isActive()
    queue_request(services, admin, resident)
    qtbot.waitUntil(lambda: runner.runs == 1, timeout=10_000)
    assert window.outbox_label.text() == "Back office: 0 waiting · reachable"


def test_closing_the_window_stops_the_runner_and_ignores_a_run_in_flight(qtbot, services, admin, office, resident):
    set_up_back_office(services, admin, office)
    reference = queue_request(services, admin, resident)
    window = MainWindow(services, admin)
    qtbot.addWidget(window)
    window.show()
    runner = window.outbox_runner
    runner.timer.stop()
    office.hang()
    assert runner.run_now()
    qtbot.waitUntil(lambda: len(office.posts()) == 1, timeout=10_000)
    window.handing_over = True
    window.close()
    assert runner.closed and not runner.timer.isActive()
    assert not runner.run_now()
    window.deleteLater()
    qtbot.wait(50)  # the window and its runner are gone while the run is still in flight
    office.normal()
    assert wait_for_background_jobs()
    qtbot.wait(50)  # its answer arrives on the GUI thread and is dropped without touching the window
    assert office.created_per_desk_reference == {reference: 1}
    assert services.submissions.counts(admin).waiting == 0  # the run itself finished its work


def test_a_person_signed_in_as_desk_staff_runs_it_too(qtbot, services, admin, office, resident):
    desk = make_actor(services, admin, "priya", Role.DESK)
    set_up_back_office(services, admin, office)
    queue_request(services, desk, resident)
    window = MainWindow(services, desk)
    qtbot.addWidget(window)
    try:
        window.outbox_runner.timer.stop()
        finish_run(qtbot, window.outbox_runner)
        assert window.outbox_label.text() == "Back office: 0 waiting · reachable"
    finally:
        window.handing_over = True
        window.close()
        wait_for_background_jobs()


def test_a_database_fault_is_shown_and_retried_later(qtbot, window, services, admin, monkeypatch):
    from assisted_desk.core.errors import EnvironmentFault

    def broken(actor):
        raise EnvironmentFault("The database cannot be reached.", advice="Check the network.")

    monkeypatch.setattr(services.submissions, "counts", broken)
    finish_run(qtbot, window.outbox_runner)
    assert window.outbox_label.text() == "Back office: not checked (database problem)"
    assert "cannot be reached" in window.outbox_label.toolTip()
    assert window.outbox_runner.scheduled_ms == 60_000


def test_a_run_never_happens_on_the_gui_thread(qtbot, window, services, admin, office, monkeypatch):
    set_up_back_office(services, admin, office)
    threads = []
    original = services.outbox.run_once

    def watched(*args, **kwargs):
        threads.append(threading.current_thread())
        return (yield from original(*args, **kwargs))

    monkeypatch.setattr(services.outbox, "run_once", watched)
    finish_run(qtbot, window.outbox_runner)
    assert threads and threads[0] is not threading.main_thread()


# ---- exit ----------------------------------------------------------------------------------------


def test_on_exit_the_senders_http_session_is_closed(qtbot, controller, services, admin, office, resident):
    from .test_start_and_main import sign_in, started

    set_up_back_office(services, admin, office)
    started(qtbot, controller)
    sign_in(qtbot, controller.start_window, "admin", PASSWORD)
    qtbot.waitUntil(lambda: controller.main_window is not None, timeout=10_000)
    runner = controller.main_window.outbox_runner
    qtbot.waitUntil(lambda: runner.runs >= 1, timeout=10_000)
    desk_services = controller.start_window.services
    client = desk_services.outbox._client
    assert client is not None  # the sender keeps one session between runs (connection reuse)
    closed = []
    original_close = client.session.close
    client.session.close = lambda: (closed.append(True), original_close())[1]
    controller.shutdown()
    assert closed == [True] and desk_services.outbox._client is None
    assert runner.closed


# ---- how it looks --------------------------------------------------------------------------------


@pytest.mark.parametrize("scale", [1, 2])
def test_status_bar_renders_at_normal_and_double_text(qtbot, qapp, services, admin, office, resident, artifacts,
                                                      scale, request):
    if scale == 2:
        double_the_text(qapp, request)
    set_up_back_office(services, admin, office)
    office.refuse(service_code="missed_bin", field="bin_type", value="food")
    for bin_type in ("general", "food", "food", "recycling"):
        queue_request(services, admin, resident, bin_type)
    window = MainWindow(services, admin)
    qtbot.addWidget(window)
    window.resize(1100 * scale, 720 * scale)
    window.show()
    qtbot.waitExposed(window)
    try:
        runner = window.outbox_runner
        runner.timer.stop()
        finish_run(qtbot, runner)
        office.down()
        queue_request(services, admin, resident)
        finish_run(qtbot, runner)
        label = window.outbox_label
        assert label.text() == "Back office: 1 waiting · not reachable (checked 10:00) · 2 need attention"
        qtbot.wait(50)
        bar = window.statusBar()
        line = window.status_line
        for shown in bar.findChildren(QLabel):
            if shown.isVisible():  # nothing cut off: whole labels, each inside the status bar
                assert shown.width() >= shown.sizeHint().width(), shown.text()
                assert line.rect().contains(shown.geometry()), shown.text()
        assert line.height() > 1.5 * label.height()  # the bar took a second line rather than cut text
        if "sqlite" in request.node.callspec.id:
            assert bar.grab().save(str(artifacts / f"status-bar-backoffice-{scale}x.png"))
            assert window.grab().save(str(artifacts / f"main-window-backoffice-{scale}x.png"))
    finally:
        window.handing_over = True
        window.close()
        wait_for_background_jobs()
