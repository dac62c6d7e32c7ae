"""Cycles are collected on the GUI thread, so a worker never destroys a widget."""

from __future__ import annotations

import gc
import weakref

from assisted_desk.ui.workers import GuiThreadGarbageCollector


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


def test_automatic_collection_is_off_and_the_gui_thread_collects_when_due(qapp, garbage_on_the_gui_thread):
    assert not gc.isenabled() and isinstance(garbage_on_the_gui_thread, GuiThreadGarbageCollector)
    gone = weakref.ref(Node())
    for _ in range(gc.get_threshold()[0] + 10):  # more allocations than would trigger Python's own
        Node()
    assert gone() is not None  # nothing collected it behind our back
    garbage_on_the_gui_thread.collect_if_due()
    assert gone() is None
