"""The digital-skills screens rendered for a person to look at (test-artifacts/), at 1100x720 and
with the desk's text doubled: the resident's list, a statement, barriers, goals, a result and
progress. Checks that the large statement text is wrapped, not clipped."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QScrollArea

from assisted_desk.inclusion.skills_vocab import Answer, Evidence

from .test_inclusion_skills import QUICK_ANSWERS, amina, complete_quick, coordinator, open_resident, page_for  # noqa: F401
from tests.ui.conftest import double_the_text


def save(widget, artifacts, name: str) -> None:
    QApplication.processEvents()
    assert widget.grab().save(str(artifacts / name))


@pytest.mark.parametrize("scale", [1, 2])
def test_skills_screens_render(qtbot, qapp, services, coordinator, amina, clock, artifacts, scale, request):
    if scale == 2:
        double_the_text(qapp, request)
    complete_quick(services, coordinator, amina.id, [Answer.CANT_YET] * 8)
    clock.advance(days=40)
    complete_quick(services, coordinator, amina.id, QUICK_ANSWERS)
    clock.advance(days=1)
    record = services.skills.start(coordinator, amina.id, "full")
    for statement in record.statements[:4]:
        services.skills.record_answer(coordinator, record.id, statement.code, Answer.WITH_HELP, Evidence.SAID)
    page = page_for(qtbot, services, coordinator, 1100, 720)
    tab = page.skills
    open_resident(qtbot, tab, amina.id)
    save(page, artifacts, f"skills-list-{scale}x.png")
    tab.resume(record.id)
    flow = tab.flow
    flow.show_step(3)  # an answered one with an example
    save(page, artifacts, f"skills-statement-{scale}x.png")
    sentence = flow.sentence
    assert sentence.width() <= flow.width() and sentence.heightForWidth(sentence.width()) <= sentence.height() + 1
    for button in flow.answer_buttons.values():
        assert button.fontMetrics().horizontalAdvance(button.text()) <= button.width()
    flow.show_step(flow.barriers_step)
    save(page, artifacts, f"skills-barriers-{scale}x.png")
    flow.show_step(flow.goals_step)
    save(page, artifacts, f"skills-goals-{scale}x.png")
    flow.pause()
    tab.open_result(services.skills.latest_result(coordinator, amina.id).id)
    save(page, artifacts, f"skills-result-{scale}x.png")
    save(tab.results.findChild(QScrollArea).widget(), artifacts, f"skills-result-whole-{scale}x.png")
    tab.back_to_list()
    tab.open_progress()
    qtbot.waitUntil(lambda: tab.stack.currentWidget() is tab.progress, timeout=5000)
    save(page, artifacts, f"skills-progress-{scale}x.png")
