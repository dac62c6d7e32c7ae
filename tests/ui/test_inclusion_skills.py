"""The Inclusion area's digital-skills screens driven as a coordinator would, over real services
on SQLite, against the small test framework (3 foundation statements; per area 2 for life and 1
for work; the quick assessment asks the foundation and the first for life of each area: 8)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from assisted_desk.core.security import Role
from assisted_desk.inclusion.framework import FrameworkLibrary, Level
from assisted_desk.inclusion.skills_vocab import Answer, AssessmentState, Barrier, Evidence, Goal
from assisted_desk.ui.desk.finder import ResultColumn
from assisted_desk.ui.inclusion import InclusionPage
from assisted_desk.ui.inclusion.resident_panel import DiscardDialog
from assisted_desk.ui.workers import wait_for_background_jobs

from ..conftest import make_actor
from .test_residents_ui import register, shown
from .test_start_and_main import unnamed_widgets

FRAMEWORK = Path(__file__).parents[1] / "inclusion" / "frameworks" / "one"
KEYS = {Answer.ON_MY_OWN: Qt.Key.Key_1, Answer.WITH_HELP: Qt.Key.Key_2, Answer.CANT_YET: Qt.Key.Key_3,
        Answer.NOT_RELEVANT: Qt.Key.Key_4}
# The quick assessment's 8 statements, in the order asked: foundation reached; for life not yet
# (handling information only with help, problem solving not yet); for work not asked.
QUICK_ANSWERS = [Answer.ON_MY_OWN, Answer.ON_MY_OWN, Answer.ON_MY_OWN, Answer.ON_MY_OWN, Answer.WITH_HELP,
                 Answer.ON_MY_OWN, Answer.CANT_YET, Answer.NOT_RELEVANT]


@pytest.fixture
def coordinator(services, admin):
    services.skills.frameworks = FrameworkLibrary(FRAMEWORK)
    return make_actor(services, admin, "coordinator", Role.COORDINATOR)


@pytest.fixture
def keep():
    """Holds a page until after the model tester's own teardown (which still listens to it)."""
    held: list = []
    yield held
    held.clear()


@pytest.fixture
def amina(services, coordinator):
    return register(services, coordinator, "Amina", "Hashemi", date_of_birth="02/05/1961")


def page_for(qtbot, services, actor, width=1100, height=720) -> InclusionPage:
    return shown(qtbot, InclusionPage(services, actor), width, height)


def loaded(qtbot, tab) -> None:
    qtbot.waitUntil(lambda: not tab.is_loading(), timeout=5000)
    wait_for_background_jobs()
    QApplication.processEvents()


def open_resident(qtbot, tab, resident_id: int) -> None:
    tab.show_resident(resident_id)
    loaded(qtbot, tab)


def press(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(QApplication.focusWidget(), key, modifier)


def alt(qtbot, key) -> None:
    press(qtbot, key, Qt.KeyboardModifier.AltModifier)


def choose_by_keyboard(qtbot, tab, text: str, name: str) -> None:
    tab.finder.focus_search()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is tab.finder.box)
    qtbot.keyClicks(tab.finder.box, text)
    qtbot.waitUntil(lambda: not tab.finder.is_searching() and tab.finder.proxy.rowCount() > 0, timeout=5000)
    assert tab.finder.proxy.index(0, ResultColumn.NAME).data() == name
    press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_Return)
    loaded(qtbot, tab)


def complete_quick(services, actor, resident_id, answers) -> int:
    record = services.skills.start(actor, resident_id, "quick")
    for statement, answer in zip(record.statements, answers):
        services.skills.record_answer(actor, record.id, statement.code, answer, Evidence.SAID)
    services.skills.complete(actor, record.id)
    return record.id


# ---- the guided flow --------------------------------------------------------------------------


def test_quick_assessment_by_keyboard_alone(qtbot, services, coordinator, amina):
    page = page_for(qtbot, services, coordinator)
    tab = page.skills
    choose_by_keyboard(qtbot, tab, "hashemi", "Amina Hashemi")
    assert tab.panel.name.text() == "Amina Hashemi"
    assert tab.panel.quick_button.isEnabled() and not tab.panel.resume_button.isEnabled()
    assert not tab.panel.progress_button.isEnabled()

    alt(qtbot, Qt.Key.Key_Q)  # Start quick assessment
    flow = tab.flow
    qtbot.waitUntil(lambda: tab.stack.currentWidget() is flow)
    assert flow.counter.text() == "Statement 1 of 8"
    assert flow.area_label.text() == "Foundation skills"
    assert flow.sentence.text() == "I can do foundation task 1"
    assert flow.evidence() is Evidence.SAID  # the default
    qtbot.waitUntil(lambda: flow.isAncestorOf(QApplication.focusWidget()))

    press(qtbot, Qt.Key.Key_O)  # staff saw it done: sticky for the next statements
    for answer in QUICK_ANSWERS[:4]:
        press(qtbot, KEYS[answer])
    assert flow.counter.text() == "Statement 5 of 8"
    assert flow.area_label.text() == "Handling information and content — for life"
    record = services.skills.get(coordinator, flow.record.id)
    assert record.position == 4 and len(record.answers) == 4
    assert {given.evidence for given in record.answers.values()} == {Evidence.OBSERVED}

    alt(qtbot, Qt.Key.Key_Left)  # back one: the answer given shows checked
    assert flow.counter.text() == "Statement 4 of 8" and flow.area_label.text() == "Communicating — for life"
    assert flow.answer_buttons[Answer.ON_MY_OWN].isChecked()
    assert not flow.answer_buttons[Answer.WITH_HELP].isChecked()
    press(qtbot, Qt.Key.Key_PageDown)  # forward without answering
    assert flow.counter.text() == "Statement 5 of 8"

    alt(qtbot, Qt.Key.Key_P)  # pause: back to the resident's list, resumable where it was left
    qtbot.waitUntil(lambda: tab.stack.currentWidget() is tab.splitter)
    loaded(qtbot, tab)
    assessment_id = record.id
    assert services.skills.get(coordinator, assessment_id).position == 4
    assert tab.panel.resume_button.isEnabled() and tab.panel.discard_button.isEnabled()
    assert not tab.panel.quick_button.isEnabled()
    assert tab.panel.proxy.index(0, 2).data() == "In progress" and tab.panel.proxy.index(0, 3).data() == "4 of 8"

    alt(qtbot, Qt.Key.Key_R)  # resume
    qtbot.waitUntil(lambda: tab.stack.currentWidget() is flow)
    assert flow.counter.text() == "Statement 5 of 8" and flow.progress.value() == 4
    qtbot.waitUntil(lambda: flow.isAncestorOf(QApplication.focusWidget()))
    press(qtbot, Qt.Key.Key_S)  # the resident says so from here on
    for answer in QUICK_ANSWERS[4:]:
        press(qtbot, KEYS[answer])

    # Barriers: Space ticks the first, Tab reaches its detail.
    assert flow.step == flow.barriers_step
    qtbot.waitUntil(lambda: QApplication.focusWidget() is flow.barriers.boxes[Barrier.NO_DEVICE])
    press(qtbot, Qt.Key.Key_Space)
    press(qtbot, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is flow.barriers.details[Barrier.NO_DEVICE])
    qtbot.keyClicks(QApplication.focusWidget(), "Phone too old")
    press(qtbot, Qt.Key.Key_PageDown)  # leaving the step saves it
    assert services.skills.get(coordinator, assessment_id).barriers == {Barrier.NO_DEVICE: "Phone too old"}

    # Goals: Space ticks, Tab through the goals to the resident's own words, saved after a pause.
    assert flow.step == flow.goals_step
    qtbot.waitUntil(lambda: QApplication.focusWidget() is flow.goals.boxes[Goal.FAMILY])
    press(qtbot, Qt.Key.Key_Space)
    for _goal in list(Goal):
        press(qtbot, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is flow.goals.own_words)
    qtbot.keyClicks(flow.goals.own_words, "Video calls with my grandson")
    qtbot.waitUntil(lambda: services.skills.get(coordinator, assessment_id).goals_own_words
                    == "Video calls with my grandson", timeout=4000)
    assert services.skills.get(coordinator, assessment_id).goals == (Goal.FAMILY,)

    alt(qtbot, Qt.Key.Key_F)  # finish
    qtbot.waitUntil(lambda: tab.stack.currentWidget() is tab.results)
    results = tab.results
    assert [results.overall[level][0].text() for level in Level] == ["Reached", "Not yet", "Not assessed"]
    assert "Not yet in: Handling information and content, Problem solving." in results.overall[Level.LIFE][1].text()
    areas = results.areas_proxy
    assert areas.index(0, 0).data() == "Foundation skills" and areas.index(0, 1).data() == "Foundation: Reached"
    assert [areas.index(r, 1).data() for r in range(1, 6)] == ["Reached", "Not yet", "Reached", "Not yet",
                                                              "Not assessed"]
    assert {areas.index(r, 2).data() for r in range(1, 6)} == {"Not assessed"}
    tasks = results.tasks_proxy
    assert [tasks.index(r, 2).data() for r in range(tasks.rowCount())] == ["Can do with help", "Can't do yet"]
    assert tasks.index(0, 0).data() == "I can do handling information life task 1" or tasks.rowCount() == 2
    assert "No suitable device: Phone too old" in results.barriers_label.text()
    assert "Stay in touch with family and friends" in results.goals_label.text()
    assert "Video calls with my grandson" in results.goals_label.text()
    assert "Assisted Desk tests, Test skills framework (T1" in results.citation.text()
    assert results.credit.text().startswith("Test data made for Assisted Desk's tests")

    alt(qtbot, Qt.Key.Key_A)  # back to the assessments
    qtbot.waitUntil(lambda: tab.stack.currentWidget() is tab.splitter)
    loaded(qtbot, tab)
    assert tab.panel.proxy.index(0, 2).data() == "Completed"
    assert tab.panel.proxy.index(0, 4).data() == "Foundation"
    assert tab.panel.progress_button.isEnabled() and tab.panel.quick_button.isEnabled()
    # Enter on the completed row opens its result again.
    tab.panel.table.setFocus()
    tab.panel.table.setCurrentIndex(tab.panel.proxy.index(0, 0))
    qtbot.keyClick(tab.panel.table, Qt.Key.Key_Return)
    assert tab.stack.currentWidget() is tab.results


def test_a_refused_finish_opens_the_unanswered_statement(qtbot, services, coordinator, amina):
    record = services.skills.start(coordinator, amina.id, "quick")
    for n, statement in enumerate(record.statements):
        if n != 5:
            services.skills.record_answer(coordinator, record.id, statement.code, Answer.ON_MY_OWN, Evidence.SAID)
    services.skills.pause(coordinator, record.id, record.statements.__len__() + 1)
    page = page_for(qtbot, services, coordinator)
    tab = page.skills
    open_resident(qtbot, tab, amina.id)
    tab.panel.resume_button.click()
    flow = tab.flow
    assert flow.step == flow.goals_step
    flow.finish_button.click()
    assert flow.step == 5 and flow.counter.text() == "Statement 6 of 8"
    assert flow.message.isVisible() and "1 statement not answered yet" in flow.message.text()
    assert not any(push.isChecked() for push in flow.answer_buttons.values())
    press(qtbot, Qt.Key.Key_2)
    flow.finish_button.click()
    assert tab.stack.currentWidget() is tab.results
    assert services.skills.get(coordinator, record.id).summary.state is AssessmentState.COMPLETED


def test_discard_asks_a_reason(qtbot, services, coordinator, amina):
    services.skills.start(coordinator, amina.id, "full")
    page = page_for(qtbot, services, coordinator)
    tab = page.skills
    open_resident(qtbot, tab, amina.id)
    tab.panel.discard_button.click()
    dialog = tab.dialog
    assert isinstance(dialog, DiscardDialog) and dialog.isVisible()
    dialog.buttons.accepted.emit()
    assert "Say why" in dialog.message.text()
    dialog.reason.setText("Started for the wrong resident")
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: tab.dialog is None)
    loaded(qtbot, tab)
    assert tab.panel.model.rowCount() == 0 and tab.panel.full_button.isEnabled()
    assert services.skills.in_progress(coordinator, amina.id) is None


# ---- progress -----------------------------------------------------------------------------------


def test_progress_across_three_assessments_shows_the_moves(qtbot, keep, qtmodeltester, services, coordinator, amina,
                                                            clock):
    first = [Answer.CANT_YET, Answer.WITH_HELP, Answer.ON_MY_OWN, Answer.CANT_YET, Answer.CANT_YET,
             Answer.CANT_YET, Answer.CANT_YET, Answer.NOT_RELEVANT]
    second = [Answer.WITH_HELP, Answer.ON_MY_OWN, Answer.ON_MY_OWN, Answer.WITH_HELP, Answer.CANT_YET,
              Answer.CANT_YET, Answer.CANT_YET, Answer.NOT_RELEVANT]
    third = [Answer.ON_MY_OWN, Answer.ON_MY_OWN, Answer.WITH_HELP, Answer.ON_MY_OWN, Answer.CANT_YET,
             Answer.CANT_YET, Answer.CANT_YET, Answer.NOT_RELEVANT]
    for answers in (first, second, third):
        complete_quick(services, coordinator, amina.id, answers)
        clock.advance(days=30)
    page = page_for(qtbot, services, coordinator)
    tab = page.skills
    open_resident(qtbot, tab, amina.id)
    assert tab.panel.model.rowCount() == 3
    tab.panel.progress_button.click()
    qtbot.waitUntil(lambda: tab.stack.currentWidget() is tab.progress, timeout=5000)
    loaded(qtbot, tab)
    view = tab.progress
    areas, tasks = view.areas_proxy, view.tasks_proxy
    headers = [areas.headerData(c, Qt.Orientation.Horizontal) for c in range(areas.columnCount())]
    assert headers == ["Area", "23/11/2026", "23/12/2026", "22/01/2027", "Moved on"]
    assert [areas.index(0, c).data() for c in range(5)] == ["Foundation skills", "1 on my own", "2 on my own",
                                                            "2 on my own", "2"]
    assert [areas.index(1, c).data() for c in range(5)] == ["Communicating", "0 on my own", "0 on my own",
                                                            "1 on my own", "1"]
    assert tasks.rowCount() == 8
    row = [tasks.index(0, c).data() for c in range(tasks.columnCount())]
    assert row == ["I can do foundation task 1", "Can't do yet", "Can do with help", "Can do on my own", "Moved on"]
    row = [tasks.index(2, c).data() for c in range(tasks.columnCount())]
    assert row == ["I can do foundation task 3", "Can do on my own", "Can do on my own", "Can do with help",
                   "Went back"]
    assert tasks.index(7, 1).data() == "Not relevant to me"
    view.only_changed.click()
    changed = [tasks.index(r, 0).data() for r in range(tasks.rowCount())]
    assert changed == ["I can do foundation task 1", "I can do foundation task 2", "I can do foundation task 3",
                       "I can do communicating life task 1"]
    view.only_changed.click()
    assert tasks.rowCount() == 8
    keep.append(page)
    for model in (view.areas_model, view.areas_proxy, view.tasks_model, view.tasks_proxy):
        qtmodeltester.check(model, force_py=True)


# ---- the table models, names, scripts and refusals ---------------------------------------------


def test_table_models_pass_the_model_tester(qtbot, keep, qtmodeltester, services, coordinator, amina):
    complete_quick(services, coordinator, amina.id, QUICK_ANSWERS)
    services.skills.start(coordinator, amina.id, "full")
    page = page_for(qtbot, services, coordinator)
    tab = page.skills
    open_resident(qtbot, tab, amina.id)
    assert tab.panel.model.rowCount() == 2
    assert tab.panel.proxy.index(0, 3).data() == "0 of 18"
    tab.open_result(services.skills.latest_result(coordinator, amina.id).id)
    results = tab.results
    assert results.tasks_model.rowCount() == 2 and results.areas_model.rowCount() == 6
    keep.append(page)
    for model in (tab.panel.model, tab.panel.proxy, results.areas_model, results.areas_proxy,
                  results.tasks_model, results.tasks_proxy):
        qtmodeltester.check(model, force_py=True)


def test_every_interactive_widget_has_an_accessible_name(qtbot, services, coordinator, amina):
    complete_quick(services, coordinator, amina.id, QUICK_ANSWERS)
    page = page_for(qtbot, services, coordinator)
    tab = page.skills
    open_resident(qtbot, tab, amina.id)
    tab.start("full")
    assert tab.stack.currentWidget() is tab.flow
    tab.flow.show_step(tab.flow.barriers_step)
    tab.ask_discard(tab.flow.record.id)
    assert unnamed_widgets(page) == []
    assert unnamed_widgets(tab.dialog) == []


@pytest.mark.parametrize("given, family", [("فاطمة", "الزهراء"), ("પ્રિયા", "પટેલ")])
def test_a_name_in_another_script_shows(qtbot, services, coordinator, given, family):
    resident = register(services, coordinator, given, family)
    page = page_for(qtbot, services, coordinator)
    tab = page.skills
    open_resident(qtbot, tab, resident.id)
    assert tab.panel.name.text() == f"{given} {family}"
    tab.start("quick")
    assert f"{given} {family}" in tab.flow.title.text()


def test_a_refusal_shows_its_message_and_does_not_crash(qtbot, services, admin, amina):
    desk = make_actor(services, admin, "desk", Role.DESK)  # may not record skills
    page = page_for(qtbot, services, desk)
    tab = page.skills
    open_resident(qtbot, tab, amina.id)
    assert tab.message.isVisible() and tab.message.text()
    tab.resident_id = amina.id
    tab.start("quick")
    assert tab.message.isVisible() and tab.stack.currentWidget() is tab.splitter
