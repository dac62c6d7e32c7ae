"""A resident's record, read-only, as the Residents page and the merge dialog show it."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from ...core.clock import local_text
from ...desk.residents import ResidentRecord


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


class ResidentDetails(QWidget):
    """Name as a heading, then one line per detail; details not recorded say so."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.record: ResidentRecord | None = None
        self.heading = QLabel()
        self.heading.setObjectName("residentName")
        # Bold, at the size the desk's style sheet sets (which would win over setFont anyway).
        self.heading.setStyleSheet("font-weight: 600;")
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)  # what was typed, never read as markup
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.merged_note = QLabel()
        self.merged_note.setObjectName("mergedNote")
        self.merged_note.setWordWrap(True)
        self.merged_note.setTextFormat(Qt.TextFormat.PlainText)
        self.merged_note.hide()
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.values: dict[str, QLabel] = {}
        for key, label in (
            ("record", self.tr("Record")),
            ("date_of_birth", self.tr("Date of birth")),
            ("address", self.tr("Address")),
            ("phone", self.tr("Phone")),
            ("email", self.tr("Email")),
            ("language", self.tr("Language")),
            ("accessibility", self.tr("Accessibility needs")),
            ("preferred_contact", self.tr("Preferred contact")),
            ("library_card", self.tr("Library card")),
            ("last_contact", self.tr("Last contact")),
        ):
            value = QLabel()
            value.setWordWrap(True)
            value.setTextFormat(Qt.TextFormat.PlainText)  # "<b>Flat 2</b>" is an address, not bold text
            # Take the width the form has, and wrap within it: never a narrow column cut short.
            value.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
            value.setMinimumWidth(160)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setAccessibleName(label)
            self.values[key] = value
            self.form.addRow(QLabel(label + ":"), value)
        # Advocacy cases: one line each, shown where the screen has them (not in the merge dialog).
        self.cases = QLabel()
        self.cases.setWordWrap(True)
        self.cases.setTextFormat(Qt.TextFormat.PlainText)
        self.cases.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.cases.setMinimumWidth(160)
        self.cases.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.cases.setAccessibleName(self.tr("Cases"))
        self.form.addRow(QLabel(self.tr("Cases") + ":"), self.cases)
        self.form.setRowVisible(self.cases, False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.merged_note)
        layout.addLayout(self.form)
        layout.addStretch(1)
        self.show_record(None, date.today())

    def show_record(self, record: ResidentRecord | None, today: date) -> None:
        self.record = record
        for value in self.values.values():
            value.setText("")
        if record is None:
            self.heading.setText(self.tr("No resident chosen"))
            self.heading.setAccessibleName(self.heading.text())
            self.merged_note.hide()
            return
        self.heading.setText(record.display_name)
        self.heading.setAccessibleName(self.tr("Resident: {0}").format(record.display_name))
        if record.erased_at is not None:
            self.merged_note.setText(self.tr("This record was erased on {0} at the resident's request; nothing can "
                                             "be added to it. If they come back, register them as new.")
                                     .format(local_text(record.erased_at)))
            self.merged_note.show()
        elif record.merged_into_id is not None:
            self.merged_note.setText(self.tr("This record was merged into record {0}; its history is there now.")
                                     .format(record.merged_into_id))
            self.merged_note.show()
        else:
            self.merged_note.hide()
        missing = self.tr("not recorded")
        born = record.date_of_birth
        texts = {
            "record": self.tr("{0}, registered {1} by {2}").format(record.id, local_text(record.created_at),
                                                                  record.created_by),
            "date_of_birth": self.tr("{0} (age {1})").format(born.strftime("%d/%m/%Y"), age_on(born, today))
            if born else missing,
            "address": "\n".join(record.address_lines) or missing,
            "phone": record.phone_display or missing,
            "email": record.email or missing,
            "language": self._language(record) or missing,
            "accessibility": record.accessibility_needs or self.tr("none recorded"),
            "preferred_contact": record.preferred_contact.label if record.preferred_contact else missing,
            "library_card": record.library_card or missing,
            "last_contact": local_text(record.last_contact_at) or self.tr("never"),
        }
        for key, text in texts.items():
            self.values[key].setText(text)
            self.values[key].setAccessibleDescription(text)

    def show_cases(self, lines: list[str] | None) -> None:
        """The resident's cases, one line each (CaseGlimpse.description); None hides the row."""
        text = "\n".join(lines) if lines else self.tr("none")
        self.cases.setText(text)
        self.cases.setAccessibleDescription(text)
        self.form.setRowVisible(self.cases, lines is not None)

    def _language(self, record: ResidentRecord) -> str:
        if record.interpreter_needed:
            return self.tr("{0}, interpreter needed").format(record.preferred_language)
        return record.preferred_language
