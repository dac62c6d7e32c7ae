"""Adding or changing a partner service by hand, and our own notes and "takes referrals now" on
any service (an imported one included: a refresh never overwrites them). Each dialog saves through
the directory service and, when refused, keeps everything typed and says why next to the form."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QSpinBox,
    QWidget,
)

from ...core.errors import ValidationError
from ...core.security import Actor
from ...desk.contact_details import postcode_key
from ...inclusion.directory_input import LocationInput, OrganisationInput, ScheduleInput, ServiceInput
from ...inclusion.matching import language_code
from ...inclusion.referral_vocab import Accessibility, Delivery, ReferralMethod, ServiceOffer
from ...services import Services
from ..admin.common import RecordDialog
from .partners_models import area_titles
from .referral_models import plain_text_labels

NEW_ORGANISATION = -1


class Ticks(QWidget):
    """A tick box per choice, two to a row when both fit side by side, else one (at large text
    sizes, or a narrow window): never wider than the form. `values()` in the order offered."""

    def __init__(self, choices: list[tuple[str, str]], name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(name)
        self.boxes: dict[str, QCheckBox] = {}
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        for value, label in choices:
            box = QCheckBox(label)
            box.setAccessibleName(f"{name}: {label}")
            self.boxes[value] = box
        self.columns = 0
        self._lay_out(1)
        self.setFocusProxy(next(iter(self.boxes.values()), None))

    def _lay_out(self, columns: int) -> None:
        if columns == self.columns:
            return
        self.columns = columns
        for box in self.boxes.values():
            self.grid.removeWidget(box)
        for n, box in enumerate(self.boxes.values()):
            self.grid.addWidget(box, n // columns, n % columns)

    def widest_box(self) -> int:
        return max((box.sizeHint().width() for box in self.boxes.values()), default=0)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        # Two columns only when two of the widest box fit: the skill areas' titles are long.
        self._lay_out(2 if 2 * self.widest_box() + self.grid.horizontalSpacing() <= event.size().width() else 1)

    def minimumSizeHint(self):
        hint = super().minimumSizeHint()
        hint.setWidth(min(hint.width(), self.widest_box()))
        return hint

    def values(self) -> tuple[str, ...]:
        return tuple(value for value, box in self.boxes.items() if box.isChecked())

    def set_values(self, values) -> None:
        chosen = {getattr(v, "value", v) for v in values}
        for value, box in self.boxes.items():
            box.setChecked(value in chosen)


def age_box(name: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(-1, 120)
    box.setSpecialValueText("any")  # -1: no limit
    box.setValue(-1)
    box.setAccessibleName(name)
    return box


def languages_from_text(text: str) -> tuple[str, ...]:
    """"Polish, ar, ગુજરાતી" → ("pl", "ar", "gu"); a word not recognised is passed on as typed, so
    the directory's refusal names it."""
    words = [w.strip() for w in text.replace(";", ",").split(",") if w.strip()]
    return tuple(language_code(word) or word for word in words)


def _location_input(place) -> LocationInput:
    return LocationInput(name=place.name, address=place.address, postcode=place.postcode, latitude=place.latitude,
                         longitude=place.longitude, accessibility=tuple(a.value for a in place.accessibility),
                         external_id=place.external_id)


class ServiceEditor(RecordDialog):
    """Add a service (record None) to a hand-added organisation or a new one, or change a
    hand-added service. Imported services are changed by their directory, not here."""

    def __init__(self, services: Services, actor: Actor, record=None, organisations=(),
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor, self.record = services, actor, record
        self.version = record.version if record else None
        tr = self.tr
        self.setMinimumWidth(780)
        if record is None:
            self.set_title(tr("Add a partner service"), tr("For partners that are not in a directory we import."))
        else:
            kept = []
            if len(record.locations) > 1:
                kept.append(tr("{0} more places").format(len(record.locations) - 1))
            if len(record.schedules) > 1:
                kept.append(tr("{0} more times").format(len(record.schedules) - 1))
            self.set_title(tr("Change {0}").format(record.name),
                           tr("Only its first place and times are shown here; {0} are kept as they are.")
                           .format(tr(" and ").join(kept)) if kept else
                           tr("Its place and times are changed here; what the form does not show is kept."))
        # The form is long: it scrolls, so it fits at double text size too.
        holder = QWidget()
        self.form = QFormLayout(holder)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        # At double text size a field too wide beside its label goes under it, never off to the right.
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(holder)
        self.scroll.setMinimumHeight(420)
        self.layout().insertWidget(1, self.scroll, 1)

        self.organisation = QComboBox()
        for organisation in organisations:
            self.organisation.addItem(organisation.name, organisation.id)
        self.organisation.addItem(tr("A new organisation…"), NEW_ORGANISATION)
        self.org_name, self.org_email, self.org_phone = QLineEdit(), QLineEdit(), QLineEdit()
        if record is None:
            self.add_field("organisation", tr("&Organisation"), self.organisation, tr("Organisation"))
            self.add_field("org_name", tr("New organisation's na&me"), self.org_name, tr("New organisation's name"))
            self.add_field("org_email", tr("Its email"), self.org_email, tr("New organisation's email"))
            self.add_field("org_phone", tr("Its phone"), self.org_phone, tr("New organisation's phone"))
            self.organisation.currentIndexChanged.connect(self._organisation_changed)
            self._organisation_changed()

        self.name = self.add_field("name", tr("Ser&vice name"), QLineEdit(), tr("Service name"))
        self.description = self.add_field("description", tr("&Description"), QPlainTextEdit(), tr("Description"))
        self.description.setTabChangesFocus(True)
        self.description.setMaximumHeight(70)
        self.areas = self.add_field("skill_areas", tr("&Teaches"), Ticks(list(area_titles().items()), tr("Teaches")))
        self.offers = self.add_field("offers", tr("O&ffers"), Ticks(
            [(o.value, tr(o.label)) for o in ServiceOffer], tr("Offers")))
        self.delivery = self.add_field("delivery", tr("Deliver&y"), QComboBox(), tr("Delivery"))
        for choice in Delivery:
            self.delivery.addItem(tr(choice.label), choice.value)
        self.delivery.setCurrentIndex(self.delivery.findData(Delivery.EITHER.value))
        self.languages = self.add_field("languages", tr("&Languages"), QLineEdit(), tr("Languages"))
        self.languages.setPlaceholderText(tr("e.g. English, Polish, ar"))
        self.accessibility = self.add_field("accessibility", tr("&Accessibility"), Ticks(
            [(a.value, tr(a.label)) for a in Accessibility], tr("Accessibility")))
        self.place_name = self.add_field("locations[0].name", tr("&Place"), QLineEdit(), tr("Place name"))
        self.address = self.add_field("locations[0].address", tr("Addr&ess"), QPlainTextEdit(), tr("Address"))
        self.address.setTabChangesFocus(True)
        self.address.setMaximumHeight(60)
        self.postcode = self.add_field("locations[0].postcode", tr("Post&code"), QLineEdit(), tr("Postcode"))
        self.when = self.add_field("schedules[0].description", tr("&When"), QLineEdit(), tr("When it runs"))
        self.when.setPlaceholderText(tr("e.g. Tuesdays 10:00–12:00"))
        self.free = self.add_field("is_free", tr("F&ree"), QCheckBox(tr("No charge")), tr("Free of charge"))
        self.free.setChecked(True)
        self.cost_note = self.add_field("cost_note", tr("Cost note"), QLineEdit(), tr("Cost note"))
        self.min_age = self.add_field("min_age", tr("Minimum a&ge"), age_box(tr("Minimum age")))
        self.max_age = self.add_field("max_age", tr("Ma&ximum age"), age_box(tr("Maximum age")))
        self.residency = self.add_field("residency_area", tr("Only for postcode d&istricts"), QLineEdit(),
                                        tr("Only for postcode districts"))
        self.residency.setPlaceholderText(tr("empty for anyone; e.g. E1 E2"))
        self.method = self.add_field("referral_method", tr("Referrals &by"), QComboBox(), tr("Referrals by"))
        for choice in ReferralMethod:
            self.method.addItem(tr(choice.label), choice.value)
        self.referral_email = self.add_field("referral_email", tr("Referral email address"), QLineEdit(),
                                             tr("Referral email address"))
        self.referral_phone = self.add_field("referral_phone", tr("Referral phone &number"), QLineEdit(),
                                             tr("Referral phone number"))
        self.referral_api_url = self.add_field("referral_api_url", tr("Referral API address"), QLineEdit(),
                                               tr("Referral API address"))
        self.accepting = self.add_field("accepting_referrals", tr("Ta&kes referrals"),
                                        QCheckBox(tr("Yes, it has places")), tr("Takes referrals"))
        self.accepting.setChecked(True)
        self.capacity_note = self.add_field("capacity_note", tr("Capacity note"), QLineEdit(), tr("Capacity note"))
        if record is not None:
            self._fill(record)
        (self.organisation if record is None else self.name).setFocus()
        plain_text_labels(self)

    def accept(self) -> None:
        super().accept()
        if self.isVisible():  # refused: bring the field the message is about into view
            field = self.focusWidget()
            if field is not None and self.scroll.widget().isAncestorOf(field):
                self.scroll.ensureWidgetVisible(field)

    def _organisation_changed(self) -> None:
        new = self.organisation.currentData() == NEW_ORGANISATION
        for widget in (self.org_name, self.org_email, self.org_phone):
            widget.setEnabled(new)

    def _fill(self, record) -> None:
        self.name.setText(record.name)
        self.description.setPlainText(record.description)
        self.areas.set_values(record.skill_areas)
        self.offers.set_values(record.offers)
        self.delivery.setCurrentIndex(max(0, self.delivery.findData(Delivery(record.delivery).value)))
        self.languages.setText(", ".join(record.languages))
        self.accessibility.set_values(record.accessibility)
        if record.locations:
            first = record.locations[0]
            self.place_name.setText(first.name)
            self.address.setPlainText(first.address)
            self.postcode.setText(first.postcode)
        if record.schedules:
            self.when.setText(record.schedules[0].description)
        self.free.setChecked(record.is_free)
        self.cost_note.setText(record.cost_note)
        self.min_age.setValue(-1 if record.min_age is None else record.min_age)
        self.max_age.setValue(-1 if record.max_age is None else record.max_age)
        self.residency.setText(record.residency_area)
        self.method.setCurrentIndex(max(0, self.method.findData(ReferralMethod(record.referral_method).value)))
        self.referral_email.setText(record.referral_email)
        self.referral_phone.setText(record.referral_phone)
        self.referral_api_url.setText(record.referral_api_url)
        self.accepting.setChecked(record.accepting_referrals)
        self.capacity_note.setText(record.capacity_note)

    def _place(self) -> tuple[LocationInput, ...]:
        """The form's one place, carrying what it cannot show of the record's first place (its
        map position while the postcode is unchanged, its directory id, its own accessibility
        while the ticks are unchanged), then the record's other places unchanged."""
        record = self.record
        old = record.locations[0] if record is not None and record.locations else None
        rest = tuple(_location_input(p) for p in record.locations[1:]) if record is not None else ()
        if not any(w.strip() for w in (self.place_name.text(), self.address.toPlainText(), self.postcode.text())):
            return rest
        ticks = self.accessibility.values()
        if old is None:
            return (LocationInput(name=self.place_name.text(), address=self.address.toPlainText(),
                                  postcode=self.postcode.text(), accessibility=ticks), *rest)
        same_postcode = postcode_key(self.postcode.text()) == postcode_key(old.postcode)
        same_ticks = set(ticks) == {a.value for a in record.accessibility}
        return (LocationInput(
            name=self.place_name.text(), address=self.address.toPlainText(), postcode=self.postcode.text(),
            latitude=old.latitude if same_postcode else None, longitude=old.longitude if same_postcode else None,
            accessibility=tuple(a.value for a in old.accessibility) if same_ticks else ticks,
            external_id=old.external_id), *rest)

    def _schedules(self) -> tuple[ScheduleInput, ...]:
        """The form's "When" is the first schedule's description: its days and hours (which the
        form does not show) are kept, and so are the record's other schedules."""
        record = self.record
        old = record.schedules[0] if record is not None and record.schedules else None
        rest = tuple(ScheduleInput(s.byday, s.opens_at, s.closes_at, s.description)
                     for s in record.schedules[1:]) if record is not None else ()
        words = self.when.text()
        if old is not None and (old.byday or old.opens_at or old.closes_at):
            return (ScheduleInput(old.byday, old.opens_at, old.closes_at, words), *rest)
        return ((ScheduleInput(description=words),) if words.strip() else ()) + rest

    def typed(self) -> ServiceInput:
        """What the form says, with everything about the record it does not show carried over
        unchanged (web address, email, phone, status, eligibility, other vocabularies' terms,
        map positions, weekly days and hours, other places and times): saving never drops them."""
        record = self.record
        carried = {} if record is None else dict(
            url=record.url, email=record.email, phone=record.phone, status=record.status,
            benefits_required=record.benefits_required, eligibility_note=record.eligibility_note,
            taxonomy_terms=tuple(record.taxonomy_terms))
        return ServiceInput(
            **carried,
            name=self.name.text(), description=self.description.toPlainText(), skill_areas=self.areas.values(),
            offers=self.offers.values(), delivery=self.delivery.currentData(),
            languages=languages_from_text(self.languages.text()), accessibility=self.accessibility.values(),
            is_free=self.free.isChecked(), cost_note=self.cost_note.text(),
            min_age=None if self.min_age.value() < 0 else self.min_age.value(),
            max_age=None if self.max_age.value() < 0 else self.max_age.value(),
            residency_area=self.residency.text(), referral_method=self.method.currentData(),
            referral_email=self.referral_email.text(), referral_phone=self.referral_phone.text(),
            referral_api_url=self.referral_api_url.text(), accepting_referrals=self.accepting.isChecked(),
            capacity_note=self.capacity_note.text(), locations=self._place(), schedules=self._schedules())

    def save(self):
        data = self.typed()
        if self.record is not None:
            return self.services.partners.edit_service(self.actor, self.record.id, data, self.version)
        organisation_id = self.organisation.currentData()
        if organisation_id == NEW_ORGANISATION:
            organisation_id = self._add_organisation()
        return self.services.partners.add_service(self.actor, organisation_id, data)

    def _add_organisation(self) -> int:
        """Add the new organisation first; once added, it is chosen in the list, so saving again
        after a refusal of the service does not add it twice."""
        try:
            added = self.services.partners.add_organisation(self.actor, OrganisationInput(
                name=self.org_name.text(), email=self.org_email.text(), phone=self.org_phone.text()))
        except ValidationError as error:
            raise ValidationError(error.message, field="org_" + (error.field or "name")) from None
        self.organisation.insertItem(0, added.name, added.id)
        self.organisation.setCurrentIndex(0)
        return added.id

    def adopt(self, record) -> str:
        self.version = record.version
        return self.tr("{0}, changed by {1}").format(record.name, record.updated_by)


class NotesDialog(RecordDialog):
    """Our own knowledge of a service, imported or not: notes, and whether it takes referrals now
    whatever its directory says (with a note such as "full until January")."""

    def __init__(self, services: Services, actor: Actor, record, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor, self.record = services, actor, record
        tr = self.tr
        if record.imported:
            self.set_title(tr("Our notes on {0}").format(record.name),
                           tr("Kept when the directory is refreshed. The directory says it {0}.").format(
                               tr("takes referrals") if record.accepting_referrals else tr("does not take referrals")))
        else:
            self.set_title(tr("Our notes on {0}").format(record.name),
                           tr("Our own notes on a service we added by hand."))
        self.notes = self.add_field("local_notes", tr("&Notes"), QPlainTextEdit(), tr("Our notes"))
        self.notes.setTabChangesFocus(True)
        self.notes.setPlainText(record.local_notes)
        self.accepting = self.add_field("accepting", tr("&Takes referrals now"), QComboBox(), tr("Takes referrals now"))
        if record.imported:
            for label, value in ((tr("As the directory says"), None), (tr("Yes"), True), (tr("No"), False)):
                self.accepting.addItem(label, value)
            self.accepting.setCurrentIndex(max(0, self.accepting.findData(record.local_accepting)))
        else:  # no directory to follow: only yes or no, as it stands now
            for label, value in ((tr("Yes"), True), (tr("No"), False)):
                self.accepting.addItem(label, value)
            now = record.local_accepting if record.local_accepting is not None else record.accepting_referrals
            self.accepting.setCurrentIndex(self.accepting.findData(bool(now)))
        self.capacity = self.add_field("local_capacity_note", tr("&Capacity note"), QLineEdit(), tr("Capacity note"))
        self.capacity.setPlaceholderText(tr("e.g. full until January"))
        self.capacity.setText(record.local_capacity_note)
        self.notes.setFocus()
        plain_text_labels(self)

    def save(self):
        record = self.record
        if self.notes.toPlainText() != record.local_notes:
            record = self.services.partners.set_service_notes(self.actor, record.id, self.notes.toPlainText(),
                                                              expected_version=record.version)
            self.record = record  # saved: a refusal below must not make the next Save a conflict
        accepting = self.accepting.currentData()
        if not record.imported and accepting == record.accepting_referrals:
            accepting = None  # what it was added with: no override to keep
        return self.services.partners.set_service_capacity(self.actor, record.id, accepting,
                                                           self.capacity.text(), expected_version=record.version)

    def adopt(self, record) -> str:
        self.record = record
        return self.tr("{0}, changed by {1}").format(record.name, record.updated_by)
