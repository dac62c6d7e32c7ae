""""For a resident…" in the Guides area: optionally choose the resident a guide is printed for
(the desk's resident finder) and what happens next for them. Their preferred language is looked
up off the GUI thread, so the page can offer the guide in it."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from ...core.errors import DeskError
from ...core.security import Actor
from ...printing.guides import guide_language
from ..queue.resident_choice import ResidentChoice
from ..workers import run_in_background


class ForResident(QWidget):
    """A toggle button and, while it is on, the finder and the "What happens next" box. Turning it
    off un-chooses the resident: a plain guide again.

    `changed` fires when the resident is chosen or cleared; `language_known` once the chosen
    resident's guide language (ISO 639-1, English when unrecognised) is known; `failed` with a
    message when it could not be read."""

    changed = Signal()
    language_known = Signal(str)
    failed = Signal(str)

    def __init__(self, services, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.language: str | None = None  # the chosen resident's guide language, once known
        tr = self.tr
        self.toggle = QPushButton(tr("For a re&sident…"))
        self.toggle.setCheckable(True)
        self.toggle.setAccessibleName(tr("Print for a resident"))
        self.toggle.setAccessibleDescription(tr(
            "Optional: choose the resident the guide is for, to print their name and today's references "
            "at the top, in their preferred language."))
        self.toggle.toggled.connect(self._toggled)
        self.panel = QWidget()
        panel = QVBoxLayout(self.panel)
        panel.setContentsMargins(0, 0, 0, 0)
        self.choice = ResidentChoice(services, actor, self.panel)
        self.choice.changed.connect(self._chosen)
        self.next_steps = QPlainTextEdit()
        self.next_steps.setAccessibleName(tr("What happens next"))
        self.next_steps.setPlaceholderText(tr("Optional: what happens next, in a few words the resident will "
                                              "understand"))
        self.next_steps.setTabChangesFocus(True)
        self.next_steps.setMaximumHeight(self.fontMetrics().lineSpacing() * 3 + 12)
        next_label = QLabel(tr("What happens &next:"))
        next_label.setBuddy(self.next_steps)
        panel.addWidget(self.choice, 1)
        panel.addWidget(next_label)
        panel.addWidget(self.next_steps)
        self.panel.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.toggle)
        layout.addWidget(self.panel, 1)

    @property
    def resident_id(self) -> int | None:
        return self.choice.resident_id

    def chosen_next_steps(self) -> str:
        """What happens next as typed; "" when no resident is chosen (a plain guide has no header)."""
        return self.next_steps.toPlainText().strip() if self.resident_id is not None else ""

    def _toggled(self, on: bool) -> None:
        self.panel.setVisible(on)
        if on:
            self.choice.setFocus(Qt.FocusReason.OtherFocusReason)
        elif self.resident_id is not None:
            self.choice.clear()

    def _chosen(self) -> None:
        self.language = None
        self.changed.emit()
        resident_id = self.resident_id
        if resident_id is None:
            return
        services, actor = self.services, self.actor

        def known(language: str) -> None:
            if self.resident_id == resident_id:  # not another resident chosen meanwhile
                self.language = language
                self.language_known.emit(language)

        def failed(error: DeskError) -> None:
            if self.resident_id == resident_id:
                self.failed.emit(error.message)

        run_in_background(lambda: guide_language(services.residents.get(actor, resident_id).preferred_language),
                          known, failed)
