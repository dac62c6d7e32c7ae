"""Choosing the resident a ticket or a callback is for: the desk's resident finder, and a line
saying who is chosen with a button to un-choose them."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ...core.security import Actor
from ...services import Services
from ..desk.finder import ResidentFinder
from ..forms import button


class ResidentChoice(QWidget):
    """Optional: nobody is chosen until a result is chosen with Enter or a double-click."""

    changed = Signal()

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.resident_id: int | None = None
        self.resident_name = ""
        self.finder = ResidentFinder(services, actor, self)
        self.finder.resident_chosen.connect(self._chosen)
        self.chosen = QLabel()
        self.chosen.setObjectName("chosenResident")
        self.chosen.setWordWrap(True)
        self.chosen.setAccessibleName(self.tr("Chosen resident"))
        self.clear_button = button(self.tr("Clear resid&ent"), self.tr("Clear the chosen resident"))
        self.clear_button.setAutoDefault(False)
        self.clear_button.clicked.connect(self.clear)
        row = QHBoxLayout()
        row.addWidget(self.chosen, 1)
        row.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.finder, 1)
        layout.addLayout(row)
        self.setFocusProxy(self.finder)
        self._show()

    def choose(self, resident_id: int, name: str) -> None:
        self.resident_id, self.resident_name = resident_id, name
        self._show()
        self.changed.emit()

    def clear(self) -> None:
        self.resident_id, self.resident_name = None, ""
        self._show()
        self.changed.emit()

    def _chosen(self, resident_id: int) -> None:
        model = self.finder.model
        name = next((model.result_at(row).name for row in range(model.rowCount())
                     if model.result_at(row).resident_id == resident_id), "")
        self.choose(resident_id, name)

    def _show(self) -> None:
        if self.resident_id is None:
            text = self.tr("No resident chosen (optional).")
        else:
            text = self.tr("Resident: {0}").format(self.resident_name or self.tr("record {0}").format(self.resident_id))
        self.chosen.setText(text)
        self.chosen.setAccessibleDescription(text)
        self.clear_button.setEnabled(self.resident_id is not None)
