"""Table model of the partner directory: one row per service, with what it offers, where, whether
it takes referrals now, and how the partner has answered our referrals so far."""

from __future__ import annotations

import enum

from PySide6.QtCore import QLocale, QObject, Qt

from ...inclusion.framework import shipped_frameworks
from ...inclusion.referral_vocab import Accessibility, Delivery, ReferralMethod, ServiceOffer
from .models import RecordsModel


def language_name(code: str) -> str:
    """"pl" → "Polish"; an unknown code is shown as given."""
    locale = QLocale(code)
    if locale.language() in (QLocale.Language.C, QLocale.Language.AnyLanguage) or len(code) != 2:
        return code
    return QLocale.languageToString(locale.language())


def languages_text(codes) -> str:
    return ", ".join(language_name(code) for code in codes)


def area_titles() -> dict[str, str]:
    try:
        return {area.code: area.title for area in shipped_frameworks().current().areas}
    except Exception:  # noqa: BLE001 - a broken framework file is reported by the skills tab
        return {}


def offers_text(record, titles: dict[str, str]) -> str:
    """What a service teaches and offers, in words: "Transacting, Communicating; Device lending"."""
    parts = []
    areas = ", ".join(titles.get(code, code) for code in record.skill_areas)
    if areas:
        parts.append(areas)
    offers = ", ".join(choice_label(ServiceOffer, value) for value in record.offers
                       if value != ServiceOffer.SKILLS_TRAINING.value or not areas)
    if offers:
        parts.append(offers)
    return "; ".join(parts)


def choice_label(kind, value) -> str:
    try:
        return kind(value).label
    except ValueError:
        return str(value)


def where_text(record) -> str:
    """The first place's postcode (and how many more), or "Online / by phone" when none."""
    places = [loc.postcode or loc.name for loc in record.locations if loc.postcode or loc.name]
    if not places:
        return ""
    return places[0] if len(places) == 1 else f"{places[0]} (+{len(places) - 1})"


def percent(rate: float | None) -> str:
    return "" if rate is None else f"{round(rate * 100)}%"


def days_text(days: float | None) -> str:
    if days is None:
        return ""
    return f"{days:.1f}".rstrip("0").rstrip(".")


class PartnerColumn(enum.IntEnum):
    SERVICE = 0
    ORGANISATION = 1
    OFFERS = 2
    LANGUAGES = 3
    WHERE = 4
    TAKES_REFERRALS = 5
    DAYS_TO_ACCEPT = 6
    ACCEPTED = 7
    ATTENDED = 8


class PartnersModel(RecordsModel):
    """Services of the directory (ServiceRecord) and, per service id, its measured responsiveness."""

    def __init__(self, parent: QObject | None = None) -> None:
        tr = self.tr
        # Short headings so the whole table fits beside the chosen service (the measures are what
        # coordinators look for); each heading's tooltip and screen-reader name says it in full.
        super().__init__([tr("Service"), tr("Partner"), tr("Offers"), tr("Languages"),
                          tr("Where"), tr("Taking"), tr("Days"), tr("Accepted"), tr("Attended")], parent)
        self.full_headers = [tr("Service"), tr("Partner organisation"), tr("Teaches and offers"), tr("Languages"),
                             tr("Where it runs"), tr("Takes referrals now"),
                             tr("Median days from sending a referral to the partner accepting it"),
                             tr("Share of the referrals they answered that they accepted"),
                             tr("Share of accepted referrals where the resident went to the first session")]
        self.titles = area_titles()
        self.measured: dict[int, object] = {}

    def set_services(self, services, measured: dict[int, object]) -> None:
        self.measured = dict(measured)
        self.set_rows(services)

    def service(self, row: int):
        return self._rows[row]

    def row_of(self, service_id: int) -> int | None:
        return next((row for row, record in enumerate(self._rows) if record.id == service_id), None)

    def text(self, record, column: int) -> str:
        column = PartnerColumn(column)
        if column == PartnerColumn.SERVICE:
            return record.name + (self.tr(" (gone from its directory)") if record.gone_at else "")
        if column == PartnerColumn.ORGANISATION:
            return record.organisation_name
        if column == PartnerColumn.OFFERS:
            return offers_text(record, self.titles)
        if column == PartnerColumn.LANGUAGES:
            return languages_text(record.languages)
        if column == PartnerColumn.SERVICE:  # what a narrow list may leave out
            return "\n".join(p for p in (
                self.text(record, column), record.organisation_name,
                self.tr("Languages: {0}").format(languages_text(record.languages)) if record.languages else "",
                self.tr("Where: {0}").format(where_text(record)) if where_text(record) else "") if p)
        if column == PartnerColumn.WHERE:
            return where_text(record) or self.tr("No place given")
        if column == PartnerColumn.TAKES_REFERRALS:
            text = self.tr("Yes") if record.takes_referrals else self.tr("No")
            return text + (self.tr(" (our setting)") if record.local_accepting is not None else "")
        measured = self.measured.get(record.id)
        if measured is None:
            return ""
        if column == PartnerColumn.DAYS_TO_ACCEPT:
            return days_text(measured.median_days_to_accept)
        if column == PartnerColumn.ACCEPTED:
            return percent(measured.acceptance_rate)
        return percent(measured.attendance_rate)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.full_headers) and role in (
                Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.full_headers[section]
        return super().headerData(section, orientation, role)

    def data(self, index, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.AccessibleTextRole and index.isValid() and 0 <= index.row() < len(self._rows):
            text = self.text(self._rows[index.row()], index.column())
            return f"{self.full_headers[index.column()]}: {text or self.tr('none')}"
        return super().data(index, role)

    def tooltip(self, record, column: int) -> str:
        """The full text of a cell the column is too narrow for, and what a short one means."""
        measured = self.measured.get(record.id)
        if column >= PartnerColumn.DAYS_TO_ACCEPT:
            return responsiveness_sentence(self, measured) if measured is not None else self.tr(
                "No referrals sent to them yet.")
        if column == PartnerColumn.TAKES_REFERRALS:
            note = record.local_capacity_note or record.capacity_note
            text = self.text(record, column)
            return f"{self.full_headers[column]}: {text}" + (f" — {note}" if note else "")
        if column == PartnerColumn.SERVICE:  # what a narrow list may leave out
            return "\n".join(p for p in (
                self.text(record, column), record.organisation_name,
                self.tr("Languages: {0}").format(languages_text(record.languages)) if record.languages else "",
                self.tr("Where: {0}").format(where_text(record)) if where_text(record) else "") if p)
        if column == PartnerColumn.WHERE:
            places = ["; ".join(p for p in (loc.name, loc.address.replace("\n", ", "), loc.postcode) if p)
                      for loc in record.locations]
            return "\n".join([*(p for p in places if p), *(s.in_words() for s in record.schedules)]) or \
                self.text(record, column)
        return ""

    def sort_key(self, record, column: int, row: int):
        measured = self.measured.get(record.id)
        if column == PartnerColumn.DAYS_TO_ACCEPT:
            value = measured.median_days_to_accept if measured is not None else None
            return 1e9 if value is None else value
        if column in (PartnerColumn.ACCEPTED, PartnerColumn.ATTENDED):
            value = None if measured is None else (
                measured.acceptance_rate if column == PartnerColumn.ACCEPTED else measured.attendance_rate)
            return -1.0 if value is None else value
        return None


def responsiveness_sentence(owner: QObject, measured) -> str:
    """"Accepted 3 of 4 answered (75%); median 2 days to accept; attended 2 of 3 (67%)", or that
    there is nothing to measure yet: no data is not the same as 0%."""
    tr = owner.tr
    parts = []
    answered = measured.accepted + measured.declined
    if answered:
        parts.append(tr("accepted {0} of {1} answered ({2})").format(
            measured.accepted, answered, percent(measured.acceptance_rate)))
    if measured.median_days_to_accept is not None:
        parts.append(tr("median {0} days from sending to accepting").format(days_text(measured.median_days_to_accept)))
    known = measured.attended + measured.did_not_attend
    if known:
        parts.append(tr("attended the first session {0} of {1} ({2})").format(
            measured.attended, known, percent(measured.attendance_rate)))
    if not parts:
        return tr("No answers from this partner yet.")
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def method_text(record) -> str:
    method = choice_label(ReferralMethod, record.referral_method)
    contact = {ReferralMethod.EMAIL.value: record.referral_email, ReferralMethod.PHONE.value: record.referral_phone,
               ReferralMethod.API.value: record.referral_api_url}.get(record.referral_method, "")
    return f"{method}: {contact}" if contact else method


def accessibility_text(values) -> str:
    return ", ".join(choice_label(Accessibility, value) for value in values)


def delivery_text(value: str) -> str:
    return choice_label(Delivery, value)
