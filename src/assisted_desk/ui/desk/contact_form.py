"""The log-contact form: what the contact was about, what help was given, how it ended.

Defaults fit the common case (face to face, assisted self-service, resolved at first contact),
so a known resident with one service takes a couple of letters and Ctrl+Enter. The service box
takes type-ahead: the start of a name ("co" gives Council Tax) or any part of it ("tax").

When the service has requests the desk can send to the back office and a resident is chosen,
"Send a request to the back office" offers them; choosing one shows that request's own fields
(see request_form.py) right under the service and makes the help "done on the resident's behalf"."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...desk.catalogue import ServiceRecord
from ...desk.interactions import MAX_MINUTES, ContactInput
from ...desk.names import fold
from ...desk.request_forms import RequestType
from ...desk.vocab import AvoidableReason, Channel, HelpType, Outcome, Satisfaction
from ..forms import add_row
from .request_form import RequestForm, wrapped_label

AUTO_MINUTES = -1  # the minutes box's "Auto": the time since the contact started


def _choice_combo(choices, none_label: str | None = None) -> QComboBox:
    combo = QComboBox()
    if none_label is not None:
        combo.addItem(none_label, "")
    for choice in choices:
        combo.addItem(choice.label, choice.value)
    return combo


class ServiceBox(QComboBox):
    """An editable combo over the active services. `code()` reads what was typed: an exact name,
    else the one service whose name starts with it, else the one containing it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMaxVisibleItems(16)
        completer = QCompleter(self.model(), self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.InlineCompletion)
        self.setCompleter(completer)
        self.lineEdit().setPlaceholderText(self.tr("Type the start of a service, e.g. co for Council Tax"))

    def set_services(self, services: tuple[ServiceRecord, ...]) -> None:
        typed = self.currentText()
        self.blockSignals(True)
        self.clear()
        for service in services:
            self.addItem(service.name, service.code)
        self.setCurrentIndex(-1)
        self.setEditText(typed)
        self.blockSignals(False)

    def code(self) -> str | None:
        typed = fold(self.currentText().strip())
        if not typed:
            return None
        names = [(fold(self.itemText(i)), self.itemData(i)) for i in range(self.count())]
        for tests in (lambda name: name == typed, lambda name: name.startswith(typed),
                      lambda name: any(word.startswith(typed) for word in name.split()),
                      lambda name: typed in name):
            found = [code for name, code in names if tests(name)]
            if found:  # the closest kind of match decides; two at that level is ambiguous
                return found[0] if len(found) == 1 else None
        return None

    def name_of(self, code: str | None) -> str:
        index = self.findData(code) if code else -1
        return self.itemText(index) if index >= 0 else ""

    def set_code(self, code: str | None, text: str = "") -> None:
        index = self.findData(code) if code else -1
        self.setCurrentIndex(index)
        self.setEditText(self.itemText(index) if index >= 0 else text)


class ContactForm(QWidget):
    """The fields of one contact. `changed` fires on every edit (the panel keeps a draft)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fields: dict[str, QWidget] = {}
        # A draft's representative, chosen once the resident's representatives have loaded.
        self._pending_representative: int | None = None
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)

        self.service = ServiceBox()
        self._add(form, "service", self.tr("Ser&vice"), self.service, self.tr("Service"))
        self.service_hint = QLabel()
        self.service_hint.setObjectName("serviceHint")
        self.service_hint.setAccessibleName(self.tr("Service chosen"))
        form.addRow("", self.service_hint)
        self._build_request_section(form)
        self.representative = QComboBox()
        self.representative_label = self._add(form, "representative", self.tr("Contact &with"), self.representative,
                                               self.tr("Contact with"))
        self.channel = _choice_combo(Channel)
        self._add(form, "channel", self.tr("C&hannel"), self.channel, self.tr("Channel"))
        self.help_type = _choice_combo(HelpType)
        self._add(form, "help_type", self.tr("Type of he&lp"), self.help_type, self.tr("Type of help"))
        self.outcome = _choice_combo(Outcome)
        self._add(form, "outcome", self.tr("&Outcome"), self.outcome, self.tr("Outcome"))
        self.avoidable = _choice_combo(AvoidableReason, self.tr("No: not avoidable"))
        self._add(form, "avoidable", self.tr("&Avoidable?"), self.avoidable, self.tr("Avoidable contact"))
        self.minutes = QSpinBox()
        self.minutes.setRange(AUTO_MINUTES, MAX_MINUTES)
        self.minutes.setSpecialValueText(self.tr("Auto (time since you started)"))
        self.minutes.setSuffix(self.tr(" min"))
        self._add(form, "minutes", self.tr("&Minutes spent"), self.minutes, self.tr("Minutes spent"))
        self.satisfaction = _choice_combo(Satisfaction, self.tr("Not asked"))
        self._add(form, "satisfaction", self.tr("Sa&tisfaction"), self.satisfaction, self.tr("Satisfaction"))
        self.satisfaction_reason = QLineEdit()
        self.satisfaction_reason.setMaxLength(500)
        self.satisfaction_reason.setPlaceholderText(self.tr("optional: why they gave that rating"))
        self._add(form, "satisfaction_reason", self.tr("&Reason for rating"), self.satisfaction_reason,
                  self.tr("Reason for the rating"))
        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)  # Tab moves on; the form works by keyboard alone
        self.notes.setPlaceholderText(self.tr("What was asked, what was done, what happens next"))
        self.notes.setMinimumHeight(70)
        self._add(form, "notes", self.tr("&Notes"), self.notes, self.tr("Notes"))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        for combo in (self.service, self.representative, self.channel, self.help_type, self.outcome,
                      self.avoidable, self.satisfaction, self.minutes):
            combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

        for combo in (self.representative, self.channel, self.help_type, self.outcome, self.avoidable,
                      self.satisfaction):
            combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.service.editTextChanged.connect(self._service_typed)
        self.minutes.valueChanged.connect(lambda _v: self.changed.emit())
        self.satisfaction_reason.textChanged.connect(lambda _t: self.changed.emit())
        self.notes.textChanged.connect(self.changed.emit)
        self.form_layout = form
        self.set_representatives(())
        self.reset()

    def _build_request_section(self, form: QFormLayout) -> None:
        # Request types by catalogue service, and what was typed in each type's form (so choosing
        # another type by mistake and back loses nothing).
        self._request_types: dict[str, RequestType] = {}
        self._typed_by_type: dict[str, dict] = {}
        self._today: Callable[[], date] = date.today
        self._resident_known = False
        self.request_form: RequestForm | None = None
        self.request_section = QWidget()
        self.request_section.setObjectName("requestSection")
        section = QVBoxLayout(self.request_section)
        section.setContentsMargins(0, 4, 0, 4)
        # Above its box rather than beside it: a long label must wrap, not push the fields aside.
        self.request_label = wrapped_label(self.tr("Send a request to the &back office"))
        self.request_type = QComboBox()
        self.request_type.setAccessibleName(self.tr("Send a request to the back office"))
        self.request_type.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.request_type.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.request_type.setMinimumContentsLength(16)
        self.request_label.setBuddy(self.request_type)
        self.request_type.currentIndexChanged.connect(lambda _i: self._request_chosen())
        self.fields["request_type"] = self.request_type
        section.addWidget(self.request_label)
        section.addWidget(self.request_type)
        self.request_holder = QVBoxLayout()
        self.request_holder.setContentsMargins(12, 4, 0, 4)
        section.addLayout(self.request_holder)
        form.addRow(self.request_section)
        self.request_section.hide()

    def _add(self, form: QFormLayout, key: str, label: str, widget: QWidget, name: str) -> QLabel:
        self.fields[key] = widget
        return add_row(form, label, widget, name)

    def _service_typed(self, _text: str) -> None:
        code = self.service.code()
        if code:
            text = self.tr("Will be logged as: {0}").format(self.service.name_of(code))
        elif self.service.currentText().strip():
            text = self.tr("No single service matches; keep typing or press Alt+Down for the list.")
        else:
            text = ""
        self.service_hint.setText(text)
        self.service_hint.setAccessibleDescription(text)
        self._offer_requests()
        self.changed.emit()

    # ---- the request to the back office -----------------------------------------------------------

    def set_request_types(self, types: tuple[RequestType, ...], today: Callable[[], date]) -> None:
        """Every request the desk can send, and where today's date comes from (for date windows)."""
        self._request_types = {t.code: t for t in types}
        self._today = today
        self._offer_requests()

    def set_resident_known(self, known: bool) -> None:
        """Requests are made for a known resident: none for an anonymous contact or nobody."""
        self._resident_known = known
        if not known:
            self.choose_request(None)
        self._offer_requests()

    def _types_for_service(self) -> list[RequestType]:
        code = self.service.code()
        return [t for t in self._request_types.values() if code and t.service_code == code]

    def _offer_requests(self) -> None:
        offered = self._types_for_service()
        chosen = self.request_type.currentData()
        codes = [t.code for t in offered]
        if codes != [self.request_type.itemData(i) for i in range(1, self.request_type.count())]:
            self.request_type.blockSignals(True)
            self.request_type.clear()
            self.request_type.addItem(self.tr("No request: just log the contact"), None)
            for kind in offered:
                self.request_type.addItem(kind.name, kind.code)
            self.request_type.setCurrentIndex(max(0, self.request_type.findData(chosen)) if chosen else 0)
            self.request_type.blockSignals(False)
            if self.request_type.currentData() != chosen:
                self._request_chosen()
        self.request_section.setVisible(bool(offered) and self._resident_known)

    def choose_request(self, code: str | None) -> bool:
        """Choose a request type offered for the service (None: no request); False if not offered."""
        index = self.request_type.findData(code) if code else 0
        if index < 0:
            return False
        self.request_type.setCurrentIndex(index)
        return True

    def _request_chosen(self) -> None:
        code = self.request_type.currentData()
        if self.request_form is not None:
            if self.request_form.request.code != code:
                self._typed_by_type[self.request_form.request.code] = self.request_form.values()
            self.request_holder.removeWidget(self.request_form)
            self.request_form.hide()
            self.request_form.deleteLater()
            self.request_form = None
        kind = self._request_types.get(code) if code else None
        if kind is not None:
            self.request_form = RequestForm(kind, self._today(), self)
            self.request_form.set_values(self._typed_by_type.get(code, {}))
            self.request_form.changed.connect(self.changed.emit)
            self.request_holder.addWidget(self.request_form)
            # The desk does it for the resident: the service refuses anything else for a request.
            self.help_type.setCurrentIndex(self.help_type.findData(HelpType.ON_BEHALF.value))
        self.changed.emit()

    def request_values(self) -> tuple[str, dict] | None:
        """(request type code, fields as typed) when a request is chosen."""
        if self.request_form is None or not self._resident_known:
            return None
        return self.request_form.request.code, self.request_form.values()

    def add_attachments(self, box: QWidget) -> None:
        """The evidence box goes under the notes, across the form."""
        self.form_layout.addRow(box)

    # ---- filling and reading ----------------------------------------------------------------------

    def set_services(self, services: tuple[ServiceRecord, ...]) -> None:
        self.service.set_services(services)
        self._service_typed(self.service.currentText())

    def set_representatives(self, representatives) -> None:
        """The resident themselves first, then each current representative ((id, label) pairs)."""
        keep = self.representative.currentData()
        self.representative.blockSignals(True)
        self.representative.clear()
        self.representative.addItem(self.tr("The resident in person"), None)
        for rep_id, label in representatives:
            self.representative.addItem(label, rep_id)
        index = self.representative.findData(keep) if keep is not None else 0
        self.representative.setCurrentIndex(max(0, index))
        self.representative.blockSignals(False)
        visible = bool(representatives)
        self.representative.setVisible(visible)
        self.representative_label.setVisible(visible)

    def reset(self) -> None:
        """Back to the common case, nothing typed."""
        self._pending_representative = None
        self.blockSignals(True)
        self.service.set_code(None)
        self.representative.setCurrentIndex(0)
        self.channel.setCurrentIndex(self.channel.findData(Channel.FACE_TO_FACE.value))
        self.help_type.setCurrentIndex(self.help_type.findData(HelpType.ASSISTED_SELF_SERVICE.value))
        self.outcome.setCurrentIndex(self.outcome.findData(Outcome.RESOLVED.value))
        self.avoidable.setCurrentIndex(0)
        self.minutes.setValue(AUTO_MINUTES)
        self.satisfaction.setCurrentIndex(0)
        self.satisfaction_reason.clear()
        self.notes.clear()
        self.service_hint.clear()
        self.request_type.setCurrentIndex(0)
        self._offer_requests()
        self._typed_by_type.clear()
        self.blockSignals(False)

    def is_pristine(self) -> bool:
        return self.values() == ContactForm.default_values()

    @staticmethod
    def default_values() -> dict:
        return {"service_code": None, "service_text": "", "representative_id": None,
                "channel": Channel.FACE_TO_FACE.value, "help_type": HelpType.ASSISTED_SELF_SERVICE.value,
                "outcome": Outcome.RESOLVED.value, "avoidable": "", "minutes": AUTO_MINUTES, "satisfaction": "",
                "satisfaction_reason": "", "notes": "", "request_type": None, "request": {}}

    def values(self) -> dict:
        """The form as typed, as plain values (what a draft keeps)."""
        return {
            "service_code": self.service.code(), "service_text": self.service.currentText(),
            "representative_id": self.representative.currentData(), "channel": self.channel.currentData(),
            "help_type": self.help_type.currentData(), "outcome": self.outcome.currentData(),
            "avoidable": self.avoidable.currentData(), "minutes": self.minutes.value(),
            "satisfaction": self.satisfaction.currentData(), "satisfaction_reason": self.satisfaction_reason.text(),
            "notes": self.notes.toPlainText(),
            "request_type": self.request_form.request.code if self.request_form is not None else None,
            "request": self.request_form.values() if self.request_form is not None else {},
        }

    def restore(self, values: dict) -> None:
        """Put back what a draft kept; anything unknown keeps its default."""
        self.reset()
        self.service.set_code(values.get("service_code"), str(values.get("service_text") or ""))
        for key in ("channel", "help_type", "outcome", "avoidable", "satisfaction"):
            combo = self.fields[key]
            index = combo.findData(values.get(key) or "")
            if index >= 0:
                combo.setCurrentIndex(index)
        minutes = values.get("minutes")
        if isinstance(minutes, int):
            self.minutes.setValue(minutes)
        self.satisfaction_reason.setText(str(values.get("satisfaction_reason") or ""))
        self.notes.setPlainText(str(values.get("notes") or ""))
        request = values.get("request")
        if isinstance(values.get("request_type"), str) and isinstance(request, dict):
            self._typed_by_type[values["request_type"]] = request
            self.choose_request(values["request_type"])
            help_type = self.help_type.findData(values.get("help_type") or "")
            if help_type >= 0:
                self.help_type.setCurrentIndex(help_type)
        pending = values.get("representative_id")
        self._pending_representative = pending if isinstance(pending, int) else None
        self.choose_pending_representative()

    def choose_pending_representative(self) -> None:
        """Once the resident's representatives are listed, select the one a draft named."""
        index = self.representative.findData(self._pending_representative)
        if self._pending_representative is not None and index >= 0:
            self.representative.setCurrentIndex(index)
            self._pending_representative = None

    def contact_input(self, resident_id: int | None, elapsed_minutes: int, queue_ticket_id: int | None
                      ) -> ContactInput:
        """The contact to log. A service typed that matches nothing is passed as typed, so the
        service refuses it with a message naming the field."""
        values = self.values()
        minutes = values["minutes"] if values["minutes"] != AUTO_MINUTES else min(MAX_MINUTES, elapsed_minutes)
        return ContactInput(
            resident_id=resident_id, channel=values["channel"],
            service_code=values["service_code"] or values["service_text"].strip(),
            help_type=values["help_type"], outcome=values["outcome"], avoidable=values["avoidable"] or None,
            minutes=minutes, satisfaction=values["satisfaction"] or None,
            satisfaction_reason=values["satisfaction_reason"], notes=values["notes"],
            representative_id=values["representative_id"] if resident_id is not None else None,
            queue_ticket_id=queue_ticket_id,
        )

    def focus_service(self) -> None:
        self.service.setFocus(Qt.FocusReason.OtherFocusReason)
        self.service.lineEdit().selectAll()
