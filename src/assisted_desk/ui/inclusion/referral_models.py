"""Table models of the Referrals tab: suggested services, a resident's referrals, the follow-ups
list, a referral's history, and the preview of a partner's CSV of updates."""

from __future__ import annotations

import enum

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QHeaderView, QLabel, QTableView, QWidget

from ...core.clock import as_utc, local_text
from ...inclusion.referral_vocab import DeliveryState, ReferralMethod, ReferralStatus, UpdateSource
from .models import RecordsModel
from .partners_models import choice_label


def plain_text_labels(root: QWidget) -> None:
    """Every label under `root` shows its text as written: partners' names, notes and directory
    text come from outside (an import, a partner's spreadsheet) and must never be read as HTML
    (a "<img src=...>" in a name would fetch, a "<a href>" would be a link). A label that opens
    links (the mailto link) is ours and keeps rich text. Mnemonics still work in plain text."""
    labels = root.findChildren(QLabel)
    if isinstance(root, QLabel):
        labels.append(root)
    for label in labels:
        if not label.openExternalLinks():
            label.setTextFormat(Qt.TextFormat.PlainText)


def wrap_table(view: QTableView, stretch: int, widest_chars: int = 22) -> None:
    """Columns fit their contents up to about `widest_chars` characters of the view's own font (so
    twice as wide at double text size), the `stretch` column takes the rest of the width, and the
    words wrap: rows grow to show all of each cell, and nothing is pushed off to the right."""
    view.setWordWrap(True)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    header = view.horizontalHeader()
    header.setStretchLastSection(False)
    widest = view.fontMetrics().averageCharWidth() * widest_chars
    for column in range(header.count()):
        if column == stretch:
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
            continue
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        view.resizeColumnToContents(column)
        if header.sectionSize(column) > widest:
            header.resizeSection(column, widest)
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)


def status_label(value) -> str:
    return choice_label(ReferralStatus, value)


def stamp(value) -> str:
    return as_utc(value).isoformat() if value is not None else ""


class SuggestionColumn(enum.IntEnum):
    RANK = 0
    SERVICE = 1
    ORGANISATION = 2
    DISTANCE = 3
    WHY = 4


class SuggestionsModel(RecordsModel):
    """Ranked suggestions from matching, best first, each with the reasons in words."""

    def __init__(self, parent: QObject | None = None) -> None:
        tr = self.tr
        super().__init__([tr("Rank"), tr("Service"), tr("Organisation"), tr("Distance"), tr("Why")], parent)
        self._open: dict[int, object] = {}  # service id -> the resident's open referral to it

    def set_open_referrals(self, referrals) -> None:
        """Mark the services the resident already has an open referral to (ReferralRecords)."""
        self.beginResetModel()
        self._open = {}
        for record in referrals:
            if record.is_open:
                self._open.setdefault(record.service_id, record)
        self.endResetModel()

    def suggestion(self, row: int):
        return self._rows[row]

    def open_referral(self, suggestion):
        """The resident's open referral to this suggestion's service, or None."""
        return self._open.get(suggestion.service_id)

    def already(self, record) -> str:
        referral = self.open_referral(record)
        if referral is None:
            return ""
        return self.tr("already referred: {0}, {1}").format(referral.reference,
                                                            status_label(referral.status).lower())

    def why(self, record) -> str:
        text = record.reasons
        if record.checks:
            text = self.tr("{0} — check: {1}").format(text, "; ".join(record.checks))
        already = self.already(record)
        return f"{already}. {text}" if already else text

    def text(self, record, column: int) -> str:
        column = SuggestionColumn(column)
        if column == SuggestionColumn.RANK:
            return str(self._rows.index(record) + 1)
        if column == SuggestionColumn.SERVICE:
            return record.service_name
        if column == SuggestionColumn.ORGANISATION:
            return record.organisation_name
        if column == SuggestionColumn.DISTANCE:
            if record.distance_miles is None:
                return ""
            if record.distance_miles < 0.1:
                return self.tr("under 0.1 miles")
            return self.tr("{0:.1f} miles").format(record.distance_miles)
        return self.why(record)

    def tooltip(self, record, column: int) -> str:
        if column != SuggestionColumn.WHY:
            return ""
        lines = [self.already(record), record.reasons]
        if record.not_covered:
            lines.append(self.tr("Does not cover: {0}").format(record.missing))
        if record.checks:
            lines.append(self.tr("Check: {0}").format("; ".join(record.checks)))
        if record.capacity_note:
            lines.append(record.capacity_note)
        return "\n".join(line for line in lines if line)

    def sort_key(self, record, column: int, row: int):
        if column == SuggestionColumn.RANK:
            return row
        if column == SuggestionColumn.DISTANCE:
            return 1e9 if record.distance_miles is None else record.distance_miles
        return None


class ReferralColumn(enum.IntEnum):
    MADE = 0
    REFERENCE = 1
    SERVICE = 2
    ORGANISATION = 3
    METHOD = 4
    STATUS = 5
    LAST_NEWS = 6


class ReferralsModel(RecordsModel):
    """A resident's referrals (ReferralRecord), newest first."""

    def __init__(self, parent: QObject | None = None) -> None:
        tr = self.tr
        super().__init__([tr("Made"), tr("Reference"), tr("Service"), tr("Organisation"), tr("How sent"),
                          tr("Status"), tr("Last news")], parent)

    def referral(self, row: int):
        return self._rows[row]

    def row_of(self, referral_id: int) -> int | None:
        return next((row for row, record in enumerate(self._rows) if record.id == referral_id), None)

    def text(self, record, column: int) -> str:
        column = ReferralColumn(column)
        if column == ReferralColumn.MADE:
            return local_text(record.created_at)
        if column == ReferralColumn.REFERENCE:
            return record.reference
        if column == ReferralColumn.SERVICE:
            return record.service_name
        if column == ReferralColumn.ORGANISATION:
            return record.organisation_name
        if column == ReferralColumn.METHOD:
            return method_label(record.method)
        if column == ReferralColumn.STATUS:
            return status_with_delivery(self, record)
        return local_text(record.last_update_at)

    def tooltip(self, record, column: int) -> str:
        if column == ReferralColumn.STATUS and record.status_reason:
            return record.status_reason
        return ""

    def sort_key(self, record, column: int, row: int):
        if column == ReferralColumn.MADE:
            return stamp(record.created_at)
        if column == ReferralColumn.LAST_NEWS:
            return stamp(record.last_update_at)
        return None


def method_label(value) -> str:
    """Short, for a table column ("Partner's system (sent automatically)" is for the detail)."""
    short = {ReferralMethod.API.value: "Partner's system", ReferralMethod.EMAIL.value: "Email",
             ReferralMethod.PHONE.value: "Phone", ReferralMethod.SLIP.value: "Printed slip"}
    return short.get(str(getattr(value, "value", value)), str(value))


def status_with_delivery(owner: QObject, record) -> str:
    """"Sent — waiting to send" while the outbox holds it; "Sent — refused by the partner's system"."""
    text = status_label(record.status)
    state = str(getattr(record.delivery_state, "value", record.delivery_state) or "")
    if state and state not in (DeliveryState.NOT_BY_API.value, DeliveryState.DELIVERED.value):
        text += " — " + choice_label(DeliveryState, state).lower()
    return text


class FollowUpColumn(enum.IntEnum):
    WAITING = 0
    RESIDENT = 1
    REFERENCE = 2
    SERVICE = 3
    STATUS = 4
    AWAITED = 5


class FollowUpsModel(RecordsModel):
    """The coordinator's list: referrals waiting too long, and ones a partner's system refused."""

    def __init__(self, parent: QObject | None = None) -> None:
        tr = self.tr
        super().__init__([tr("Days waiting"), tr("Resident"), tr("Reference"), tr("Service"), tr("Status"),
                          tr("What is awaited")], parent)

    def follow_up(self, row: int):
        return self._rows[row]

    def text(self, follow_up, column: int) -> str:
        column, record = FollowUpColumn(column), follow_up.referral
        if column == FollowUpColumn.WAITING:
            return str(follow_up.days_waiting)
        if column == FollowUpColumn.RESIDENT:
            return record.resident_name
        if column == FollowUpColumn.REFERENCE:
            return record.reference
        if column == FollowUpColumn.SERVICE:
            return self.tr("{0} ({1})").format(record.service_name, record.organisation_name)
        if column == FollowUpColumn.STATUS:
            return status_with_delivery(self, record)
        return follow_up.awaiting

    def tooltip(self, follow_up, column: int) -> str:
        return partner_contact_text(self, follow_up)

    def sort_key(self, follow_up, column: int, row: int):
        return follow_up.days_waiting if column == FollowUpColumn.WAITING else None


def partner_contact_text(owner: QObject, follow_up) -> str:
    """"Adult Learning Service: phone 020 7946 0123, email referrals@example.org" (what is known)."""
    ways = []
    if follow_up.partner_phone:
        ways.append(owner.tr("phone {0}").format(follow_up.partner_phone))
    if follow_up.partner_email:
        ways.append(owner.tr("email {0}").format(follow_up.partner_email))
    if not ways:
        return owner.tr("{0}: the directory has no phone or email for them.").format(
            follow_up.referral.organisation_name)
    return owner.tr("{0}: {1}").format(follow_up.referral.organisation_name, ", ".join(ways))


class HistoryColumn(enum.IntEnum):
    WHEN = 0
    STEP = 1
    WHO = 2
    SOURCE = 3
    REASON = 4


class ReferralHistoryModel(RecordsModel):
    """A referral's events in the order they happened (a re-routed one's chain included)."""

    def __init__(self, parent: QObject | None = None) -> None:
        tr = self.tr
        super().__init__([tr("When"), tr("Step"), tr("Who"), tr("From"), tr("Reason or note")], parent)

    def text(self, event, column: int) -> str:
        column = HistoryColumn(column)
        if column == HistoryColumn.WHEN:
            return local_text(event.happened_at)
        if column == HistoryColumn.STEP:
            step = status_label(event.to_status)
            return step if not event.from_status else self.tr("{0} → {1}").format(status_label(event.from_status), step)
        if column == HistoryColumn.WHO:
            return event.recorded_by
        if column == HistoryColumn.SOURCE:
            return choice_label(UpdateSource, event.source)
        return " — ".join(part for part in (event.reason, event.note) if part)

    def tooltip(self, event, column: int) -> str:
        if column == HistoryColumn.WHEN and event.recorded_at != event.happened_at:
            return self.tr("Recorded {0}").format(local_text(event.recorded_at))
        return ""

    def sort_key(self, event, column: int, row: int):
        return row if column == HistoryColumn.WHEN else None


class PreviewColumn(enum.IntEnum):
    LINE = 0
    REFERENCE = 1
    RESIDENT = 2
    CHANGE = 3
    PROBLEM = 4


class CsvPreviewModel(RecordsModel):
    """Each row of a partner's CSV: the change it would make, or what is wrong with it."""

    def __init__(self, parent: QObject | None = None) -> None:
        tr = self.tr
        super().__init__([tr("Line"), tr("Reference"), tr("Resident"), tr("Change"), tr("Problem")], parent)

    def text(self, row, column: int) -> str:
        column = PreviewColumn(column)
        if column == PreviewColumn.LINE:
            return str(row.line)
        if column == PreviewColumn.REFERENCE:
            return row.reference
        if column == PreviewColumn.RESIDENT:
            return row.resident_name
        if column == PreviewColumn.CHANGE:
            return row.change
        return row.error

    def sort_key(self, row, column: int, row_number: int):
        return row.line if column == PreviewColumn.LINE else None


class ServiceChoiceModel(RecordsModel):
    """Services to re-route to: (service id, service, organisation, why) — the resident's
    suggestions first, in their order, then the rest of the directory taking referrals."""

    def __init__(self, parent: QObject | None = None) -> None:
        tr = self.tr
        super().__init__([tr("Service"), tr("Organisation"), tr("Why")], parent)

    def service_id(self, row: int) -> int:
        return self._rows[row][0]

    def text(self, choice, column: int) -> str:
        return choice[column + 1]

    def sort_key(self, choice, column: int, row: int):
        return row if column == 2 else None
