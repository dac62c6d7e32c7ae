"""Making a referral: services suggested for the resident (ranked, each with why, and how many
were left out and why), the need in words (pre-filled, editable), and a draft made for the chosen
one. Then sending it (`SendPanel`): refused without the resident's consent to share with that
partner, which the screen offers to record; once sent, what staff do next by the partner's method."""

from __future__ import annotations

from urllib.parse import quote

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from ...core.errors import ConflictError, DeskError, ValidationError
from ...core.security import Actor
from ...desk.vocab import ConsentPurpose
from ...inclusion.matching import StatedNeeds
from ...inclusion.referral_content import default_need_text
from ...inclusion.referral_vocab import ReferralMethod, ReferralStatus, ServiceOffer
from ...services import Services
from ..admin.common import record_table, selected_row, sortable_proxy
from ..desk.consent_dialogs import ConsentDialog
from ..forms import button
from ..messages import FormMessage
from .partners_models import area_titles
from ...desk.representatives import long_date
from .referral_models import (SuggestionColumn, SuggestionsModel, plain_text_labels, status_label,
                              status_with_delivery, wrap_table)


class NeedsForm(QGroupBox):
    """What the resident needs, said at the desk: for a resident without a completed assessment,
    or to add to what the assessment found. `asked(StatedNeeds)` when staff ask for services."""

    asked = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        tr = self.tr
        self.setTitle(tr("What they need (said at the desk)"))
        self.setAccessibleName(tr("What they need"))
        grid = QGridLayout(self)
        self.areas: dict[str, QCheckBox] = {}
        self.offers: dict[ServiceOffer, QCheckBox] = {}
        boxes = []
        for code, title in area_titles().items():
            self.areas[code] = QCheckBox(title)
            boxes.append(self.areas[code])
        for offer in ServiceOffer:
            if offer is not ServiceOffer.SKILLS_TRAINING:
                self.offers[offer] = QCheckBox(tr(offer.label))
                boxes.append(self.offers[offer])
        for n, box in enumerate(boxes):
            box.setAccessibleName(box.text())
            grid.addWidget(box, n // 3, n % 3)
        grid.setColumnStretch(3, 1)
        label = QLabel(tr("&Language"))
        self.language = QLineEdit()
        self.language.setPlaceholderText(tr("empty: as on their record"))
        self.language.setAccessibleName(tr("Language"))
        label.setBuddy(self.language)
        self.ask_button = button(tr("Find ser&vices for these needs"), tr("Find services for these needs"))
        self.ask_button.clicked.connect(lambda: self.asked.emit(self.stated()))
        row = QHBoxLayout()
        row.addWidget(label)
        row.addWidget(self.language, 1)
        row.addWidget(self.ask_button)
        grid.addLayout(row, (len(boxes) + 2) // 3, 0, 1, 4)
        plain_text_labels(self)

    def stated(self) -> StatedNeeds:
        return StatedNeeds(skill_areas=tuple(code for code, box in self.areas.items() if box.isChecked()),
                           offers=tuple(offer for offer, box in self.offers.items() if box.isChecked()),
                           language=self.language.text())


class MakeReferralView(QWidget):
    """Asks the tab to: go back; open the draft it made (`made(referral_id)`); suggest again for
    needs said at the desk (`suggest_requested(StatedNeeds)`)."""

    closed = Signal()
    made = Signal(int)
    suggest_requested = Signal(object)

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.resident_id: int | None = None
        self.result = None
        tr = self.tr
        self.back_button = button(tr("◀ &Back to the list"), tr("Back to the resident's referrals"))
        self.back_button.clicked.connect(self.closed.emit)
        self.title = QLabel()
        self.title.setObjectName("pageTitle")
        self.title.setWordWrap(True)
        self.title.setAccessibleName(tr("Suggested services for"))
        self.needs = QLabel()
        self.needs.setWordWrap(True)
        self.needs.setAccessibleName(tr("What the suggestions are for"))
        self.model = SuggestionsModel(self)
        self.proxy = sortable_proxy(self, self.model)
        self.table = record_table(tr("Suggested services"), self.proxy, SuggestionColumn.RANK)
        wrap_table(self.table, SuggestionColumn.WHY)
        self.table.activated.connect(lambda _index: self.need.setFocus())
        self.table.selectionModel().selectionChanged.connect(lambda *_args: self._prefill_need())
        self._prefilled = ""  # the need text last filled in for the chosen service
        self.excluded = QLabel()
        self.excluded.setWordWrap(True)
        self.excluded.setAccessibleName(tr("Services left out"))
        need_label = QLabel(tr("The &need, in words the partner will read"))
        self.need = QPlainTextEdit()
        self.need.setTabChangesFocus(True)
        self.need.setAccessibleName(tr("The need"))
        self.need.setMaximumHeight(90)
        need_label.setBuddy(self.need)
        self.stated = NeedsForm()
        self.stated.asked.connect(self.suggest_requested.emit)
        self.make_button = button(tr("&Make referral (draft)"), tr("Make a draft referral to the chosen service"))
        self.make_button.clicked.connect(self.make)
        self.message = FormMessage(self)
        actions = QHBoxLayout()
        actions.addWidget(self.make_button)
        actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.back_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.title)
        layout.addWidget(self.needs)
        layout.addWidget(self.stated)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.excluded)
        layout.addWidget(need_label)
        layout.addWidget(self.need)
        layout.addLayout(actions)
        layout.addWidget(self.message)
        plain_text_labels(self)

    def show_result(self, resident_id: int, resident_name: str, result, open_referrals=()) -> None:
        """`result` is the matcher's MatchResult for this resident; `open_referrals` their
        referrals (ReferralRecords): services with an open one are marked "already referred"."""
        tr = self.tr
        self.resident_id, self.result = resident_id, result
        self.message.clear_message()
        self._prefilled = ""
        self.need.setPlainText("")  # before a row is chosen: the last resident's words must not stay
        self.title.setText(tr("Services for {0}").format(resident_name))
        self.stated.setVisible(result.assessment_id is None)
        summary = result.needs.summary
        lines = [tr("Looking for: {0}.").format(summary) if summary else tr("No needs to match on.")]
        lines += list(result.notes)
        self.needs.setText("\n".join(lines))
        self.model.set_open_referrals(open_referrals)
        self.model.set_rows(result.suggestions)
        wrap_table(self.table, SuggestionColumn.WHY)
        if result.suggestions:
            self.table.selectRow(0)
        self.excluded.setText(excluded_sentence(self, result))
        self.excluded.setVisible(bool(self.excluded.text()))
        self._prefill_need()
        self.make_button.setEnabled(bool(result.suggestions))
        self.table.setFocus()

    def _prefill_need(self) -> None:
        """The need in words from what the chosen service covers (never the resident's record: their
        accessibility needs are health data and go nowhere by default). Staff's own words are kept."""
        current = self.need.toPlainText()
        if current and current != self._prefilled:
            return
        suggestion = self.chosen()
        self._prefilled = default_need_text(suggestion.covered_needs) if suggestion is not None else ""
        self.need.setPlainText(self._prefilled)

    def ask_for_needs(self, resident_id: int, resident_name: str, why: str) -> None:
        """The matcher found nothing to match on (no completed assessment): ask what they need."""
        self.resident_id, self.result = resident_id, None
        self.title.setText(self.tr("Services for {0}").format(resident_name))
        self.needs.setText(why)
        self.stated.show()
        self.model.set_rows(())
        self.excluded.hide()
        self._prefilled = ""
        self.need.setPlainText("")
        self.make_button.setEnabled(False)
        self.message.clear_message()
        next(iter(self.stated.areas.values()), self.stated.language).setFocus()

    def chosen(self):
        row = selected_row(self.table)
        return None if row is None else self.model.suggestion(row)

    def make(self) -> None:
        suggestion = self.chosen()
        if suggestion is None or self.resident_id is None or self.result is None:
            self.message.show_error(self.tr("Choose a service in the list first."))
            return
        self.message.clear_message()
        already = self.model.open_referral(suggestion)
        if already is not None:
            self.message.show_error(self.tr(
                "{0} already has an open referral to {1}: {2}, {3}. Open that one instead; to change where it "
                "goes, re-route it.").format(already.resident_name, suggestion.service_name, already.reference,
                                            status_label(already.status).lower()))
            self.table.setFocus()
            return
        try:
            record = self.services.referrals.draft(
                self.actor, self.resident_id, suggestion.service_id, need_areas=suggestion.covered_needs,
                need_text=self.need.toPlainText(), assessment_id=self.result.assessment_id)
        except ValidationError as error:
            self.message.show_error(error.message)
            (self.need if error.field in ("need_text", "need_areas") else self.table).setFocus()
            return
        except DeskError as error:
            self.message.show_error(error.message)
            return
        self.made.emit(record.id)


def excluded_sentence(owner: QWidget, result) -> str:
    """Why services are missing from the list: "4 left out: 3 not taking referrals now, 1 outside
    their age range", those beyond the list's length, and those that meet none of the needs."""
    parts = []
    if result.excluded_summary:
        parts.append(result.excluded_summary + ".")
    if result.more:
        parts.append(owner.tr("{0} more match less well and are not listed.").format(result.more))
    if result.unrelated:
        parts.append(owner.tr("{0} offer nothing this resident needs.").format(result.unrelated))
    return " ".join(parts)


class SendPanel(QWidget):
    """Above a referral's history: Send for a draft; after a refusal for consent, why, and the way
    to record it; after sending, what to do now by the partner's method."""

    sent = Signal()
    stale = Signal()  # the referral changed elsewhere: it was read again (the detail reloads)

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.referral = None
        self.dialog: ConsentDialog | None = None
        self.missing_for = ""  # the organisation a refusal named
        tr = self.tr
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.send_button = button(tr("Se&nd"), tr("Send the referral"))
        self.send_button.clicked.connect(self.send)
        self.consent_button = button(tr("Record &consent…"), tr("Record consent to share"))
        self.consent_button.clicked.connect(self.record_consent)
        self.message = FormMessage(self)
        self.shown_for: int | None = None  # the referral whose sending wording is on screen
        self.email_to = QLineEdit()
        self.email_to.setReadOnly(True)
        self.email_to.setAccessibleName(tr("Email to"))
        self.email_subject = QLineEdit()
        self.email_subject.setReadOnly(True)
        self.email_subject.setAccessibleName(tr("Email subject"))
        self.email_fields = QWidget()
        fields = QGridLayout(self.email_fields)
        fields.setContentsMargins(0, 0, 0, 0)
        for n, (label_text, field) in enumerate(((tr("To"), self.email_to), (tr("Subject"), self.email_subject))):
            label = QLabel(label_text)
            label.setBuddy(field)
            fields.addWidget(label, n, 0)
            fields.addWidget(field, n, 1)
        self.result_text = QPlainTextEdit()
        self.result_text.setReadOnly(True)
        self.result_text.setAccessibleName(tr("What to send"))
        self.result_text.setMaximumHeight(160)
        self.copy_button = button(tr("Cop&y the text"), tr("Copy the text (the email's body)"))
        self.copy_button.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.result_text.toPlainText()))
        self.mail_link = QLabel()
        self.mail_link.setOpenExternalLinks(True)
        self.mail_link.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.mail_link.setAccessibleName(tr("Open the email in your email program"))
        row = QHBoxLayout()
        row.addWidget(self.send_button)
        row.addWidget(self.consent_button)
        row.addWidget(self.copy_button)
        row.addWidget(self.mail_link)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.intro)
        layout.addWidget(self.message)
        layout.addLayout(row)
        layout.addWidget(self.email_fields)
        layout.addWidget(self.result_text)
        self.reset()
        plain_text_labels(self)

    def reset(self) -> None:
        self.missing_for = ""
        self.shown_for = None
        self.message.clear_message()
        for widget in (self.result_text, self.copy_button, self.mail_link, self.consent_button, self.email_fields):
            widget.hide()

    def show_for(self, referral) -> None:
        self.referral = referral
        draft = ReferralStatus(referral.status) is ReferralStatus.DRAFT
        self.send_button.setVisible(draft)
        method = ReferralMethod(referral.method)
        if draft:
            self.intro.setText(self.tr("Not sent yet. {0} takes referrals by: {1}.").format(
                referral.organisation_name, self.tr(method.label).lower()))
        elif method is ReferralMethod.API and not self.result_text.isVisible():
            self.intro.setText(self.tr("Sent through the partner's system: {0}.").format(
                status_with_delivery(self, referral)))
        elif referral.is_open and self.shown_for != referral.id:
            self.show_again(referral)
            return
        elif not referral.is_open:
            self.reset()
            self.intro.setText("")
        self.intro.setVisible(bool(self.intro.text()))

    def show_again(self, referral) -> None:
        """A sent email, phone or slip referral, reopened: the same wording again, built from the
        resident's details as they are now (the service audits the viewing)."""
        try:
            result = self.services.referrals.sending_content(self.actor, referral.id)
        except DeskError as error:
            self.intro.setText("")
            self.intro.hide()
            self.message.show_error(error.message)
            self.shown_for = referral.id  # said once: a reload does not ask (and audit) again
            return
        self.show_sent(result, again=True)

    def send(self) -> None:
        self.message.clear_message()
        try:
            result = self.services.referrals.send(self.actor, self.referral.id, self.referral.version)
        except ConflictError as error:
            # Changed at another desk: read it again, so Send (if it is still a draft) uses the
            # version now saved instead of failing the same way for ever.
            self.message.show_error(error.message)
            try:
                self.show_for(self.services.referrals.get(self.actor, self.referral.id))
            except DeskError as again:
                self.message.show_error(again.message)
                return
            self.stale.emit()
            return
        except ValidationError as error:
            organisation = getattr(error, "organisation_name", "")
            self.message.show_error(error.message)
            if organisation:
                self._offer_consent(organisation)
            return
        except DeskError as error:
            self.message.show_error(error.message)
            return
        self.consent_button.hide()
        self.show_sent(result)
        self.sent.emit()

    def _offer_consent(self, organisation: str) -> None:
        self.missing_for = organisation
        self.consent_button.setText(self.tr("Record &consent to share with {0}…").format(organisation.replace("&", "&&")))
        self.consent_button.setAccessibleName(self.tr("Record consent to share with {0}").format(organisation))
        self.consent_button.show()
        self.consent_button.setFocus()

    def record_consent(self) -> None:
        referral = self.referral
        try:
            representatives = self.services.consent.representatives(self.actor, referral.resident_id,
                                                                    include_ended=False)
        except DeskError as error:
            self.message.show_error(error.message)
            return
        dialog = ConsentDialog(self.services, self.actor, referral.resident_id, referral.resident_name, (),
                               representatives, purpose=ConsentPurpose.SHARE_WITH_PARTNER,
                               scope=self.missing_for, parent=self)
        self.dialog = dialog
        dialog.accepted.connect(self._consent_recorded)
        dialog.finished.connect(lambda _result: self._dialog_closed(dialog))
        dialog.open()

    def _consent_recorded(self) -> None:
        self.consent_button.hide()
        self.message.show_info(self.tr("Consent to share with {0} is recorded. Press Send to send the referral.")
                               .format(self.missing_for))
        self.send_button.setFocus()

    def _dialog_closed(self, dialog: ConsentDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def show_sent(self, result, again: bool = False) -> None:
        """What the method leaves staff to do: an email to send, a number to call, a slip to print,
        or nothing (the partner's system has it queued). `again`: a sent referral reopened."""
        tr = self.tr
        method = ReferralMethod(result.method)
        self.shown_for = result.referral.id
        self.mail_link.hide()
        self.email_fields.hide()
        text = ""
        sent_at = result.referral.sent_at
        done = (tr("Sent on {0}.").format(long_date(sent_at)) if again and sent_at else
                tr("Sent.") if again else tr("Marked as sent."))
        if method is ReferralMethod.EMAIL:
            email = result.email
            self.intro.setText(tr("{0} The email to send to {1} from the desk's mailbox (copy the text, or open it "
                                  "in your email program):").format(done, email.to))
            self.email_to.setText(email.to)
            self.email_subject.setText(email.subject)
            self.email_fields.show()
            text = email.body
            link = f"mailto:{quote(email.to, safe='@')}?subject={quote(email.subject)}&body={quote(email.body)}"
            self.mail_link.setText(f'<a href="{link}">{tr("Open in email program")}</a>')
            self.mail_link.show()
        elif method is ReferralMethod.PHONE:
            call = result.phone_call
            self.intro.setText(tr("{0} Phone {1} on {2} and say:").format(
                done, result.referral.organisation_name, call.number))
            text = call.script
        elif method is ReferralMethod.SLIP:
            slip = result.slip
            self.intro.setText(tr("{0} Give the resident the referral slip: open the referral and choose "
                                  "Print slip… for printing it, or copy this text onto a slip.").format(done))
            text = slip_text(self, slip)
        else:
            self.intro.setText(tr("Queued for {0}'s system: it goes as soon as the desk can reach it (now: {1}).")
                               .format(self.referral.organisation_name,
                                       tr(result.referral.delivery_state.label).lower()))
        self.intro.show()
        self.result_text.setPlainText(text)
        for widget in (self.result_text, self.copy_button):
            widget.setVisible(bool(text))
        self.send_button.hide()


def slip_text(owner: QWidget, slip) -> str:
    """The slip's words, in the order the printed slip will give them."""
    tr = owner.tr
    lines = [tr("Referral {0}").format(slip.reference), tr("For: {0}").format(slip.resident_name),
             *slip.resident_contact, "", tr("To: {0} — {1}").format(slip.partner_name, slip.service_name)]
    for label, values in ((tr("Where"), slip.where), (tr("When"), slip.when), (tr("Contact"), slip.partner_contact)):
        lines += [f"{label}: {value}" for value in values]
    if slip.need:
        lines += ["", tr("Help with: {0}").format(slip.need)]
    if slip.site_name or slip.staff_first_name:
        lines += ["", tr("Referred by {0}, {1}").format(slip.staff_first_name, slip.site_name).strip(", ")]
    return "\n".join(lines)
