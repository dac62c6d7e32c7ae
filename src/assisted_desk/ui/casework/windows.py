"""One window per case, however it is asked for: from a caseload, from the resident's timeline,
or just after opening the case at the desk. Opening a case again brings its window forward."""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from ...core.errors import DeskError
from ...core.security import Actor, Permission
from ...desk.timeline import TimelineItem
from ..desk.item_details import open_generic, register_item_opener
from ..messages import show_problem

OPEN_CASE = "case"  # the open_kind of a case's lines on the resident's timeline
_WINDOWS = "case_windows"  # where a parent keeps its open case windows, by case id


def open_case_window(parent: QWidget, services, actor: Actor, case_id: int,
                     on_changed: Callable[[], None] | None = None) -> QWidget | None:
    """Show the case's window (or bring it forward); a refusal is shown and None returned."""
    windows: dict[int, QWidget] | None = getattr(parent, _WINDOWS, None)
    if windows is None:
        windows = {}
        setattr(parent, _WINDOWS, windows)
    window = windows.get(case_id)
    if window is not None and shiboken6.isValid(window) and window.isVisible():
        window.raise_()
        window.activateWindow()
        return window
    from .case_window import CaseWindow

    try:
        window = CaseWindow(services, actor, case_id, parent)
    except DeskError as error:
        show_problem(parent, error)
        return None
    if not window.isWindow():
        window.setWindowFlag(Qt.WindowType.Window, True)
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    if on_changed is not None:
        window.changed.connect(on_changed)
    window.destroyed.connect(lambda _obj=None, case_id=case_id: windows.pop(case_id, None))
    windows[case_id] = window
    window.show()
    window.raise_()
    window.activateWindow()
    return window


def _open_from_timeline(panel, item: TimelineItem) -> None:
    if not panel.actor.may(Permission.WORK_CASES):
        open_generic(panel, item)  # desk staff: the line's own words (type, state, owner), not the case
        return
    open_case_window(panel, panel.services, panel.actor, item.open_id)


register_item_opener(OPEN_CASE, _open_from_timeline)
