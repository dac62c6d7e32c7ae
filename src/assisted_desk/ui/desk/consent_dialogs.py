"""Recording consent, withdrawing it (after a confirmation that says what stops), and adding or
editing a representative. Each dialog saves through one service call and, when refused, keeps
everything typed and says why next to the form."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QStackedWidget,
    QWidget,
)

from ...core.security import Actor
from ...desk.catalogue import ALL_SERVICES, ServiceRecord
from ...desk.consent import ConsentInput, ConsentRecord, RepresentativeInput, RepresentativeRecord
from ...desk.representatives import london_today, long_date
from ...desk.vocab import ConsentMethod, ConsentPurpose, ContactMethod, RepresentativeKind
from ...services import Services
from ..admin.common import RecordDialog


class DateOrNone(QWidget):
    """A tick box ("has an end date") and the date: None while unticked."""

    def __init__(self, tick_text: str, name: str, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tick = QCheckBox(tick_text)
        self.tick.setAccessibleName(tick_text.replace("&", ""))
        self.date = QDateEdit()
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("dd/MM/yyyy")
        self.date.setDate(QDate(today.year, today.month, today.day).addYears(1))
        self.date.setAccessibleName(name)
        self.date.setEnabled(False)
        self.tick.toggled.connect(self.date.setEnabled)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tick)
        layout.addWidget(self.date, 1)
        self.setFocusProxy(self.tick)

    def value(self) -> date | None:
        return self.date.date().toPython() if self.tick.isChecked() else None

    def set_value(self, value: date | None) -> None:
        self.tick.setChecked(value is not None)
        if value is not None:
            self.date.setDate(QDate(value.year, value.month, value.day))


class ConsentDialog(RecordDialog):
    """Record a consent, opened from the summary or pre-filled after a refused on-behalf action."""

    def __init__(self, services: Services, actor: Actor, resident_id: int, resident_name: str,
                 catalogue: tuple[ServiceRecord, ...], representatives: tuple[RepresentativeRecord, ...],
                 purpose: ConsentPurpose = ConsentPurpose.ACT_ON_BEHALF, scope: str | None = None,
                 representative_id: int | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor, self.resident_id = services, actor, resident_id
        self.set_title(self.tr("Record consent for {0}").format(resident_name),
                       self.tr("Record only what {0} (or their representative) agreed to just now. It can be "
                               "withdrawn at any time.").format(resident_name))
        self.purpose = QComboBox()
        for choice in ConsentPurpose:
            self.purpose.addItem(choice.label, choice.value)
        self.add_field("purpose", self.tr("&Consent to"), self.purpose, self.tr("Consent to"))

        self.service = QComboBox()
        self.service.addItem(self.tr("All council services"), ALL_SERVICES)
        for entry in catalogue:
            self.service.addItem(entry.name, entry.code)
        self.service.setAccessibleName(self.tr("Service"))
        self.partner = QLineEdit()
        self.partner.setMaxLength(120)
        self.partner.setPlaceholderText(self.tr("the partner organisation's name"))
        self.partner.setAccessibleName(self.tr("Partner organisation"))
        self.contact_method = QComboBox()
        for method in ContactMethod:
            self.contact_method.addItem(method.label, method.value)
        self.contact_method.setAccessibleName(self.tr("Contact method"))
        self.scope = QStackedWidget()
        for widget in (self.service, self.partner, self.contact_method):
            self.scope.addWidget(widget)
        self.add_field("scope", self.tr("&For"), self.scope, self.tr("What the consent is for"))

        self.given_by = QComboBox()
        self.given_by.addItem(resident_name, None)
        for rep in representatives:
            if rep.current:
                self.given_by.addItem(rep.label, rep.id)
        self.add_field("representative", self.tr("&Given by"), self.given_by, self.tr("Given by"))
        self.method = QComboBox()
        for method in ConsentMethod:
            self.method.addItem(method.label, method.value)
        self.add_field("method", self.tr("&How given"), self.method, self.tr("How consent was given"))
        today = london_today(services.clock)
        self.valid_until = DateOrNone(self.tr("&Ends on a date"), self.tr("Valid until"), today)
        self.valid_until.date.setMinimumDate(QDate(today.year, today.month, today.day))
        self.add_field("valid_until", self.tr("&Valid until"), self.valid_until, self.tr("Ends on a date"))
        self.note = QLineEdit()
        self.note.setMaxLength(2000)
        self.add_field("note", self.tr("N&ote"), self.note, self.tr("Note"))
        self.save_button.setText(self.tr("&Record consent"))
        self.save_button.setAccessibleName(self.tr("Record consent"))

        self.purpose.currentIndexChanged.connect(self._purpose_changed)
        self.purpose.setCurrentIndex(max(0, self.purpose.findData(purpose.value)))
        self._purpose_changed()
        if scope is not None:
            self._set_scope(scope)
        if representative_id is not None:
            self.given_by.setCurrentIndex(max(0, self.given_by.findData(representative_id)))
        (self.method if scope else self.purpose).setFocus()

    def _purpose_changed(self) -> None:
        purpose = ConsentPurpose(self.purpose.currentData())
        widget = {ConsentPurpose.ACT_ON_BEHALF: self.service, ConsentPurpose.SHARE_WITH_PARTNER: self.partner,
                  ConsentPurpose.CONTACT: self.contact_method}[purpose]
        self.scope.setCurrentWidget(widget)
        self.scope.setFocusProxy(widget)
        self.fields["scope"] = widget

    def _set_scope(self, scope: str) -> None:
        widget = self.fields["scope"]
        if isinstance(widget, QComboBox):
            widget.setCurrentIndex(max(0, widget.findData(scope)))
        else:
            widget.setText(scope)

    def _scope(self) -> str:
        widget = self.fields["scope"]
        return widget.currentData() if isinstance(widget, QComboBox) else widget.text()

    def save(self) -> ConsentRecord:
        return self.services.consent.record_consent(self.actor, self.resident_id, ConsentInput(
            purpose=self.purpose.currentData(), scope=self._scope(), method=self.method.currentData(),
            representative_id=self.given_by.currentData(), valid_until=self.valid_until.value(),
            note=self.note.text()))

    def adopt(self, record) -> str:  # a new consent never conflicts
        return ""


class WithdrawConsentDialog(RecordDialog):
    """The confirmation before withdrawing: says what stops, takes an optional reason."""

    def __init__(self, services: Services, actor: Actor, consent: ConsentRecord, parent: QWidget | None = None
                 ) -> None:
        super().__init__(parent)
        self.services, self.actor, self.consent = services, actor, consent
        self.set_title(self.tr("Withdraw consent"), self.tr(
            "Withdraw consent to “{0}”, given by {1} on {2}? Nothing may rely on it from now on; this "
            "cannot be undone (record new consent if they agree again).").format(
                consent.summary, consent.given_by, long_date(consent.given_at)))
        self.reason = QLineEdit()
        self.reason.setMaxLength(2000)
        self.reason.setPlaceholderText(self.tr("optional: why, in their words"))
        self.add_field("note", self.tr("&Reason"), self.reason, self.tr("Reason for withdrawal"))
        self.save_button.setText(self.tr("&Withdraw consent"))
        self.save_button.setAccessibleName(self.tr("Withdraw consent"))
        cancel = self.buttons.button(self.buttons.StandardButton.Cancel)
        cancel.setText(self.tr("&Keep it"))
        cancel.setAccessibleName(self.tr("Keep it"))
        self.reason.setFocus()

    def save(self) -> ConsentRecord:
        return self.services.consent.withdraw_consent(self.actor, self.consent.id, self.reason.text(),
                                                      expected_version=self.consent.version)

    def adopt(self, record: ConsentRecord) -> str:
        self.consent = record
        return record.summary + (self.tr(", withdrawn") if record.withdrawn_at else "")


class RepresentativeDialog(RecordDialog):
    """Add a representative (record None) or edit one: who they are, how to reach them, and what
    their authority covers."""

    def __init__(self, services: Services, actor: Actor, resident_id: int, resident_name: str,
                 catalogue: tuple[ServiceRecord, ...], record: RepresentativeRecord | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor, self.resident_id, self.record = services, actor, resident_id, record
        self.version = record.version if record else None
        if record is None:
            self.set_title(self.tr("Add a representative for {0}").format(resident_name),
                           self.tr("Someone who acts for them: family member, carer, advocate, or attorney under "
                                   "a lasting power of attorney."))
        else:
            self.set_title(self.tr("Edit {0}, representative of {1}").format(record.name, resident_name))
        self.name = QLineEdit()
        self.name.setMaxLength(120)
        self.add_field("name", self.tr("&Name"), self.name, self.tr("Representative's name"))
        self.relationship = QComboBox()
        for kind in RepresentativeKind:
            self.relationship.addItem(kind.label, kind.value)
        self.add_field("relationship", self.tr("&Relationship"), self.relationship, self.tr("Relationship"))
        self.phone = QLineEdit()
        self.add_field("phone", self.tr("&Phone"), self.phone, self.tr("Representative's phone"))
        self.email = QLineEdit()
        self.add_field("email", self.tr("&Email"), self.email, self.tr("Representative's email"))
        self.address = QPlainTextEdit()
        self.address.setTabChangesFocus(True)
        self.address.setFixedHeight(60)
        self.add_field("address", self.tr("A&ddress"), self.address, self.tr("Representative's address"))

        scope = QWidget()
        grid = QGridLayout(scope)
        grid.setContentsMargins(0, 0, 0, 0)
        self.all_services = QCheckBox(self.tr("&All council services"))
        self.all_services.setAccessibleName(self.tr("All council services"))
        grid.addWidget(self.all_services, 0, 0, 1, 2)
        self.service_boxes: dict[str, QCheckBox] = {}
        shown = [e for e in catalogue if e.active or record is not None and e.code in record.scope]
        for index, entry in enumerate(shown):
            box = QCheckBox(entry.name)
            box.setAccessibleName(self.tr("May act for {0}").format(entry.name))
            grid.addWidget(box, 1 + index // 2, index % 2)
            self.service_boxes[entry.code] = box
        self.all_services.toggled.connect(lambda on: [b.setEnabled(not on) for b in self.service_boxes.values()])
        scope.setFocusProxy(self.all_services)
        self.add_field("scope", self.tr("May act &for"), scope, self.tr("May act for"))
        self.evidence = QLineEdit()
        self.evidence.setMaxLength(200)
        self.evidence.setPlaceholderText(self.tr("e.g. the LPA registration number"))
        self.add_field("evidence", self.tr("Ev&idence"), self.evidence, self.tr("Evidence of authority"))
        today = london_today(services.clock)
        self.valid_until = DateOrNone(self.tr("Authority ends on a da&te"), self.tr("Valid until"), today)
        self.add_field("valid_until", self.tr("&Valid until"), self.valid_until, self.tr("Authority ends on a date"))

        if record is not None:
            self.name.setText(record.name)
            self.relationship.setCurrentIndex(max(0, self.relationship.findData(record.relationship.value)))
            self.phone.setText(record.phone_display)
            self.email.setText(record.email)
            self.address.setPlainText(record.address)
            self.all_services.setChecked(ALL_SERVICES in record.scope)
            for code in record.scope:
                if code in self.service_boxes:
                    self.service_boxes[code].setChecked(True)
            self.evidence.setText(record.evidence)
            self.valid_until.set_value(record.valid_until)
        self.name.setFocus()

    def scope(self) -> tuple[str, ...]:
        if self.all_services.isChecked():
            return (ALL_SERVICES,)
        return tuple(code for code, box in self.service_boxes.items() if box.isChecked())

    def save(self) -> RepresentativeRecord:
        details = RepresentativeInput(
            name=self.name.text(), relationship=self.relationship.currentData(), phone=self.phone.text(),
            email=self.email.text(), address=self.address.toPlainText(), scope=self.scope(),
            evidence=self.evidence.text(), valid_until=self.valid_until.value())
        if self.record is None:
            return self.services.consent.add_representative(self.actor, self.resident_id, details)
        return self.services.consent.update_representative(self.actor, self.record.id, details, self.version)

    def adopt(self, record: RepresentativeRecord) -> str:
        self.version = record.version
        return self.tr("{0}, may act for {1}").format(record.label, record.scope_label)
