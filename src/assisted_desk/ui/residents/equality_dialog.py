"""Equality monitoring answers for one resident: optional, each may be "Prefer not to say"."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from ...core.clock import local_text
from ...core.errors import ConflictError, DeskError, ValidationError
from ...core.security import Actor
from ...desk.equality import QUESTIONS
from ...desk.residents import EqualityAnswers, EqualityRecord
from ...desk.vocab import PREFER_NOT_TO_SAY
from ...services import Services
from ..forms import add_row, focus_field
from ..messages import FormMessage


class EqualityDialog(QDialog):
    """Reading the answers is itself audited, so the dialog reads them once, when it opens."""

    def __init__(self, services: Services, actor: Actor, resident_id: int, resident_name: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor, self.resident_id = services, actor, resident_id
        self.version: int | None = None
        self.saved: EqualityRecord | None = None
        title = self.tr("Equality monitoring: {0}").format(resident_name) if resident_name \
            else self.tr("Equality monitoring")
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        intro = QLabel(self.tr(
            "These questions are optional: ask them only if the resident is happy to answer. Any answer can be "
            "\"Prefer not to say\" or left as \"Not answered\". The answers are kept apart from the record and "
            "only counted, without names, in reports."))
        intro.setWordWrap(True)
        self.status = QLabel()
        self.status.setWordWrap(True)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.fields: dict[str, QComboBox] = {}
        # Each with its own Alt+letter; S is Save.
        self._labels = {"age_band": self.tr("&Age band"), "sex": self.tr("Se&x"), "ethnicity": self.tr("&Ethnicity"),
                        "disability": self.tr("&Disability"), "first_language": self.tr("&First language")}
        for name, label, allowed in QUESTIONS:
            combo = QComboBox()
            combo.addItem(self.tr("Not answered"), "")
            if allowed is None:  # first language: any language, typed
                combo.setEditable(True)
                combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
                combo.addItem(PREFER_NOT_TO_SAY, PREFER_NOT_TO_SAY)
                combo.lineEdit().setPlaceholderText(self.tr("type the language, or leave blank"))
                combo.setCurrentIndex(-1)
                combo.setEditText("")
            else:
                for option in allowed:
                    combo.addItem(self.tr(option), option)
            add_row(form, self._labels[name], combo, self.tr(label))
            self.fields[name] = combo
        self.message = FormMessage(self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(self.tr("&Save answers"))
        self.save_button.setAccessibleName(self.tr("Save answers"))
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setText(self.tr("Cancel"))
        cancel.setAccessibleName(self.tr("Cancel"))
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.status)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(560)
        self.load()
        self.fields["age_band"].setFocus()

    def load(self) -> None:
        try:
            record = self.services.residents.get_equality(self.actor, self.resident_id)
        except DeskError as error:
            self.message.show_error(error.message)
            self.save_button.setEnabled(False)
            return
        self.show_answers(record)

    def show_answers(self, record: EqualityRecord) -> None:
        self.version = record.version
        for name, combo in self.fields.items():
            value = getattr(record.answers, name)
            index = combo.findData(value)
            if combo.isEditable():
                combo.setCurrentIndex(-1)
                combo.setEditText(value)
            else:
                combo.setCurrentIndex(max(0, index))
        self._show_status(record)

    def _show_status(self, record: EqualityRecord) -> None:
        if record.version is None:
            self.status.setText(self.tr("Nothing recorded yet."))
        else:
            self.status.setText(self.tr("{0} of {1} answered; last recorded {2} by {3}.").format(
                record.answered, len(QUESTIONS), local_text(record.updated_at), record.updated_by))

    def answers(self) -> EqualityAnswers:
        values = {}
        for name, combo in self.fields.items():
            if combo.isEditable():
                values[name] = combo.currentText()
            else:
                values[name] = combo.currentData() or ""
        return EqualityAnswers(**values)

    def save(self) -> None:
        self.message.clear_message()
        try:
            self.saved = self.services.residents.record_equality(self.actor, self.resident_id, self.answers(),
                                                                 self.version)
        except ValidationError as error:
            self.message.show_error(error.message)
            focus_field(self.fields, error)
            return
        except ConflictError as error:
            self._after_conflict(error)
            return
        except DeskError as error:
            self.message.show_error(error.message)
            return
        self.accept()

    def _after_conflict(self, error: ConflictError) -> None:
        # Only the version is taken over: the answers on screen are the ones being given now.
        try:
            current = self.services.residents.get_equality(self.actor, self.resident_id)
        except DeskError:
            self.message.show_error(error.message)
            return
        self.version = current.version
        self._show_status(current)
        self.message.show_error(self.tr("{0}\nYour answers are still in this form: press Save answers to record "
                                        "them over the others, or Cancel to keep those.").format(error.message))
