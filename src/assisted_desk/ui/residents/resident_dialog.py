"""Registering a resident, or editing one: every detail on one keyboard-friendly form.

A refusal is shown under the form and the cursor goes to the field it names; nothing typed is
lost. On registering, records that may be the same person are listed in the dialog: staff open
one of them instead, or confirm that this is a different person."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ...core.clock import local_text
from ...core.errors import ConflictError, DeskError, NotFound, ValidationError
from ...core.security import Actor
from ...desk.duplicates import DuplicateCandidate
from ...desk.resident_input import ADDRESS_LINE_MAX, FIELD_LABELS, LANGUAGE_MAX, NAME_MAX, TOWN_MAX
from ...desk.residents import DuplicateSuspected, ResidentInput, ResidentRecord
from ...desk.vocab import ContactMethod
from ...services import Services
from ..forms import add_row, button, focus_field
from ..messages import FormMessage, show_problem


class DuplicatesPanel(QGroupBox):
    """The records that may be this person, each with a button to open it instead."""

    open_record = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("This person may already be registered"))
        self.setAccessibleName(self.title())
        self.explain = QLabel(self.tr("Check these records with the resident. Open theirs if it is one of them."))
        self.explain.setWordWrap(True)
        self.rows = QGridLayout()
        self.rows.setColumnStretch(0, 1)
        rows_widget = QWidget()
        rows_widget.setLayout(self.rows)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(rows_widget)
        self.scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.different = button(self.tr("It's a &different person — register"),
                                self.tr("It's a different person: register them"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.explain)
        layout.addWidget(self.scroll)
        layout.addWidget(self.different, 0, Qt.AlignmentFlag.AlignLeft)
        self.open_buttons: list = []
        self.hide()

    def show_candidates(self, candidates: tuple[DuplicateCandidate, ...]) -> None:
        self.clear()
        for row, candidate in enumerate(candidates):
            text = self.describe(candidate)
            label = QLabel(text)
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            push = button(self.tr("Open this record"),
                          self.tr("Open the record of {0}").format(candidate.name))
            push.setAccessibleDescription(text)
            push.clicked.connect(lambda _checked=False, rid=candidate.resident_id: self.open_record.emit(rid))
            self.rows.addWidget(label, row, 0)
            self.rows.addWidget(push, row, 1, Qt.AlignmentFlag.AlignTop)
            self.open_buttons.append(push)
        # Room for up to three without scrolling; more scroll inside the panel.
        self.scroll.setMinimumHeight(min(len(candidates), 3) * 56)
        self.show()

    def describe(self, candidate: DuplicateCandidate) -> str:
        parts = [candidate.name]
        parts.append(self.tr("born {0}").format(candidate.date_of_birth.strftime("%d/%m/%Y"))
                     if candidate.date_of_birth else self.tr("date of birth not recorded"))
        if candidate.postcode:
            parts.append(candidate.postcode)
        parts.append(self.tr("last contact {0}").format(local_text(candidate.last_contact_at))
                     if candidate.last_contact_at else self.tr("no contact yet"))
        return self.tr("{0} — {1}").format(", ".join(parts), candidate.reason)

    def clear(self) -> None:
        while self.rows.count():
            item = self.rows.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.open_buttons = []
        self.hide()


class ResidentDialog(QDialog):
    """Register (resident_id None) or edit a resident. `saved` carries the record's id."""

    saved = Signal(int)
    open_existing = Signal(int)

    def __init__(self, services: Services, actor: Actor, resident_id: int | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.record: ResidentRecord | None = None
        self.version: int | None = None
        self.fields: dict[str, QWidget] = {}
        self._build()
        if resident_id is not None:
            self.record = services.residents.get(actor, resident_id)  # one row by key: quick
            self.version = self.record.version
            self.fill(self.record)
        registering = resident_id is None
        title = self.tr("Register a resident") if registering else self.tr("Edit {0}").format(self.record.name)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.save_button.setText(self.tr("&Register") if registering else self.tr("&Save changes"))
        self.save_button.setAccessibleName(self.tr("Register") if registering else self.tr("Save changes"))
        for widget in self.fields.values():
            signal = getattr(widget, "textChanged", None) or getattr(widget, "currentIndexChanged", None) \
                or getattr(widget, "toggled", None)
            signal.connect(self._form_changed)
        self.given_name.setFocus()

    # ---- building --------------------------------------------------------------------------------

    def _line(self, key: str, max_length: int, placeholder: str = "") -> QLineEdit:
        edit = QLineEdit()
        edit.setMaxLength(max_length)
        if placeholder:
            edit.setPlaceholderText(placeholder)
        self.fields[key] = edit
        return edit

    def _group(self, title: str) -> tuple[QGroupBox, QFormLayout]:
        group = QGroupBox(title)
        form = QFormLayout(group)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        return group, form

    def _build(self) -> None:
        tr = self.tr
        self.given_name = self._line("given_name", NAME_MAX)
        self.family_name = self._line("family_name", NAME_MAX)
        self.preferred_name = self._line("preferred_name", NAME_MAX, tr("the name they like to be called"))
        self.date_of_birth = self._line("date_of_birth", 40, tr("for example 14/03/1985 or 14 March 1985"))
        self.address_line1 = self._line("address_line1", ADDRESS_LINE_MAX)
        self.address_line2 = self._line("address_line2", ADDRESS_LINE_MAX)
        self.town = self._line("town", TOWN_MAX)
        self.postcode = self._line("postcode", 10, tr("for example E1 6AN"))
        self.phone = self._line("phone", 30, tr("for example 07911 123456"))
        self.email = self._line("email", 254, tr("name@example.org"))
        self.library_card = self._line("library_card", 30)
        self.preferred_language = self._line("preferred_language", LANGUAGE_MAX, tr("for example English"))
        self.interpreter_needed = QCheckBox(tr("&Interpreter needed"))
        self.interpreter_needed.setAccessibleName(tr("Interpreter needed"))
        self.fields["interpreter_needed"] = self.interpreter_needed
        self.accessibility_needs = QPlainTextEdit()
        self.accessibility_needs.setTabChangesFocus(True)  # Tab moves on, as in every other field
        self.accessibility_needs.setPlaceholderText(tr("for example: large print, hearing loop"))
        # Three lines of text, plus the document's and the frame's margins.
        self.accessibility_needs.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 28)
        self.fields["accessibility_needs"] = self.accessibility_needs
        self.preferred_contact = QComboBox()
        self.preferred_contact.addItem(tr("Not stated"), "")
        for method in ContactMethod:
            self.preferred_contact.addItem(tr(method.label), method.value)
        self.fields["preferred_contact"] = self.preferred_contact

        who, who_form = self._group(tr("Who they are"))
        add_row(who_form, tr("&Given name"), self.given_name, tr("Given name"))
        add_row(who_form, tr("&Family name"), self.family_name, tr("Family name"))
        add_row(who_form, tr("Preferred &name"), self.preferred_name, tr("Preferred name"))
        add_row(who_form, tr("Date of &birth"), self.date_of_birth, tr("Date of birth"))
        where, where_form = self._group(tr("Address"))
        add_row(where_form, tr("Address line &1"), self.address_line1, tr("Address line 1"))
        add_row(where_form, tr("Address line &2"), self.address_line2, tr("Address line 2"))
        add_row(where_form, tr("&Town"), self.town, tr("Town"))
        add_row(where_form, tr("&Postcode"), self.postcode, tr("Postcode"))
        reach, reach_form = self._group(tr("Contact"))
        add_row(reach_form, tr("P&hone"), self.phone, tr("Phone number"))
        add_row(reach_form, tr("&Email"), self.email, tr("Email address"))
        add_row(reach_form, tr("Preferred &contact"), self.preferred_contact, tr("Preferred contact method"))
        needs, needs_form = self._group(tr("Language and needs"))
        add_row(needs_form, tr("Preferred &language"), self.preferred_language, tr("Preferred language"))
        needs_form.addRow("", self.interpreter_needed)
        add_row(needs_form, tr("&Accessibility needs"), self.accessibility_needs, tr("Accessibility needs"))
        add_row(needs_form, tr("Librar&y card"), self.library_card, tr("Library card number"))

        grid = QGridLayout()
        grid.addWidget(who, 0, 0)
        grid.addWidget(where, 0, 1)
        grid.addWidget(reach, 1, 0)
        grid.addWidget(needs, 1, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)

        self.message = FormMessage(self)
        self.duplicates = DuplicatesPanel(self)
        self.duplicates.open_record.connect(self._open_existing)
        self.duplicates.different.clicked.connect(lambda: self._save(confirm_not_duplicate=True))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setText(tr("Cancel"))
        cancel.setAccessibleName(tr("Cancel"))
        self.buttons.accepted.connect(lambda: self._save(confirm_not_duplicate=False))
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(self.message)
        layout.addWidget(self.duplicates)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(820)

        order = [self.given_name, self.family_name, self.preferred_name, self.date_of_birth, self.phone,
                 self.email, self.preferred_contact, self.address_line1, self.address_line2, self.town,
                 self.postcode, self.preferred_language, self.interpreter_needed, self.accessibility_needs,
                 self.library_card]
        for first, second in zip(order, order[1:]):
            QWidget.setTabOrder(first, second)

    # ---- the form's content ----------------------------------------------------------------------

    # The form's fields as the form shows them: text boxes, the tick box, the contact choice.
    _TEXT_FIELDS = ("given_name", "family_name", "preferred_name", "address_line1", "address_line2", "town",
                    "postcode", "email", "library_card", "preferred_language")

    @classmethod
    def shown_values(cls, record: ResidentRecord) -> dict[str, object]:
        """A saved record as this form would show it, field by field."""
        values: dict[str, object] = {key: getattr(record, key) for key in cls._TEXT_FIELDS}
        values["date_of_birth"] = record.date_of_birth.strftime("%d/%m/%Y") if record.date_of_birth else ""
        values["phone"] = record.phone_display
        values["interpreter_needed"] = record.interpreter_needed
        values["accessibility_needs"] = record.accessibility_needs
        values["preferred_contact"] = record.preferred_contact.value if record.preferred_contact else ""
        return values

    def typed_values(self) -> dict[str, object]:
        """What the form holds now, in the same shape as `shown_values`."""
        values: dict[str, object] = {key: self.fields[key].text() for key in self._TEXT_FIELDS}
        values["date_of_birth"] = self.date_of_birth.text()
        values["phone"] = self.phone.text()
        values["interpreter_needed"] = self.interpreter_needed.isChecked()
        values["accessibility_needs"] = self.accessibility_needs.toPlainText()
        values["preferred_contact"] = self.preferred_contact.currentData() or ""
        return values

    def set_value(self, key: str, value: object) -> None:
        if key == "interpreter_needed":
            self.interpreter_needed.setChecked(bool(value))
        elif key == "accessibility_needs":
            self.accessibility_needs.setPlainText(str(value))
        elif key == "preferred_contact":
            self.preferred_contact.setCurrentIndex(max(0, self.preferred_contact.findData(value)))
        else:
            self.fields[key].setText(str(value))

    def fill(self, record: ResidentRecord) -> None:
        for key, value in self.shown_values(record).items():
            self.set_value(key, value)

    def form_input(self) -> ResidentInput:
        """What the form holds now, exactly as typed."""
        return ResidentInput(
            given_name=self.given_name.text(), family_name=self.family_name.text(),
            preferred_name=self.preferred_name.text(), date_of_birth=self.date_of_birth.text(),
            address_line1=self.address_line1.text(), address_line2=self.address_line2.text(),
            town=self.town.text(), postcode=self.postcode.text(), phone=self.phone.text(), email=self.email.text(),
            library_card=self.library_card.text(), preferred_language=self.preferred_language.text(),
            interpreter_needed=self.interpreter_needed.isChecked(),
            accessibility_needs=self.accessibility_needs.toPlainText(),
            preferred_contact=self.preferred_contact.currentData() or None,
        )

    def _form_changed(self, *_args) -> None:
        # The candidates were found for what was typed before: check again on the next Register.
        if self.duplicates.isVisible():
            self.duplicates.clear()
            self.message.clear_message()

    # ---- saving ------------------------------------------------------------------------------------

    def _save(self, *, confirm_not_duplicate: bool) -> None:
        self.message.clear_message()
        data = self.form_input()
        residents = self.services.residents
        try:
            if self.record is None:
                saved = residents.register(self.actor, data, confirm_not_duplicate=confirm_not_duplicate)
            else:
                saved = residents.update(self.actor, self.record.id, data, self.version)
        except DuplicateSuspected as suspected:
            self.message.show_error(suspected.message)
            self.duplicates.show_candidates(suspected.candidates)
            self._fit_height()
            self.duplicates.open_buttons[0].setFocus()
            return
        except ValidationError as error:
            self.message.show_error(error.message)
            self._fit_height()
            focus_field(self.fields, error)
            return
        except ConflictError as error:
            self._after_conflict(error)
            return
        except NotFound as error:
            show_problem(self, error)
            self.reject()
            return
        except DeskError as error:  # not allowed, or the database is out of reach: keep what was typed
            show_problem(self, error)
            return
        self.record = saved
        self.saved.emit(saved.id)
        self.accept()

    def _after_conflict(self, error: ConflictError) -> None:
        """Someone else saved the record while this form was open. Their changes come into the
        fields this person did not touch; what this person typed stays; a field both changed
        keeps what was typed here and is named, so saving again is a choice made knowingly."""
        try:
            current = self.services.residents.get(self.actor, self.record.id)
        except DeskError:
            self.message.show_error(error.message)
            return
        opened, theirs, mine = self.shown_values(self.record), self.shown_values(current), self.typed_values()
        taken, both = [], []
        for key, value in theirs.items():
            if value == opened[key]:
                continue  # they did not change it
            if mine[key] == opened[key]:
                self.set_value(key, value)
                taken.append(key)
            elif mine[key] != value:
                both.append(key)
        self.record, self.version = current, current.version  # saving again builds on what is saved now
        said = [self.tr("{0} saved this record at {1} while you were typing; your changes were not saved yet.")
                .format(current.updated_by, local_text(current.updated_at))]
        if taken:
            said.append(self.tr("Their change to {0} is now in the form.").format(_labels(taken)))
        if both:
            said.append(self.tr("You both changed {0}: what you typed is in the form.").format(_labels(both)))
        if not taken and not both and theirs != opened:
            said.append(self.tr("They made the same change as you."))
        elif theirs == opened:
            said.append(self.tr("Nothing you can see in this form changed."))
        said.append(self.tr("Press Save changes to save the form as it is now, or Cancel to keep what is saved."))
        self.message.show_error(" ".join(said))
        self._fit_height()

    def _open_existing(self, resident_id: int) -> None:
        self.open_existing.emit(resident_id)
        self.reject()  # nothing was registered

    def _fit_height(self) -> None:
        layout = self.layout()
        layout.activate()
        needed = layout.totalSizeHint().height()
        if needed > self.height():
            self.resize(self.width(), needed)


def _labels(keys: list[str]) -> str:
    names = list(dict.fromkeys(FIELD_LABELS.get(key, key.replace("_", " ")) for key in keys))
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
