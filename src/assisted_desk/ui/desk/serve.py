"""The Serve panel: find the resident, see who they are and what happened before, log the contact.

Keyboard first. Choosing a resident puts the cursor on the service; the defaults are the common
case, so a couple of letters and Ctrl+Enter log it. Ctrl+Shift+Enter saves and clears for the
next person, Ctrl+Shift+A starts an anonymous contact. A refused on-behalf action keeps the form
and offers to record the missing consent.

When the service has requests for the back office, one can be made with the contact: saving then
writes the contact and queues the request (with the files added) in one go and returns at once;
the banner gives both references. A refusal puts the cursor on the field it names and keeps
everything typed; a resident record lacking a detail the back office needs gets a button to
edit it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import shiboken6
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLineEdit, QScrollArea, QSplitter, QVBoxLayout, QWidget

from ...casework.records import CaseGlimpse
from ...core.clock import as_utc, local_text
from ...core.errors import DeskError, ValidationError
from ...core.security import Actor, Permission
from ...desk.consent import AuthorityMissing, ConsentRecord, RepresentativeRecord
from ...desk.representatives import london_today
from ...desk.residents import ResidentRecord
from ...desk.submissions import RequestInput, SubmissionReceipt
from ...desk.timeline import TimelineItem
from ...desk.vocab import Outcome
from ...services import Services
from ..casework.open_case import EscalationOffer
from ..forms import button
from ..messages import FormMessage, show_problem
from ..workers import run_in_background
from .attachments_box import AttachmentsBox
from .contact_drafts import DraftKeeper
from .contact_form import ContactForm
from .finder import ResidentFinder
from .item_details import opener_for
from .request_banner import ContactBanner
from .request_form import wrapped_label
from .resident_summary import ResidentSummary
from .scaled_label import ScaledLabel
from .timeline_view import TimelineView


@dataclass(frozen=True)
class ResidentView:
    """Everything the panel shows about one resident, loaded together off the GUI thread."""

    resident: ResidentRecord
    consents: tuple[ConsentRecord, ...]
    representatives: tuple[RepresentativeRecord, ...]
    timeline: tuple[TimelineItem, ...]
    merged_from: str = ""  # the name on a merged record that was opened instead
    cases: tuple[CaseGlimpse, ...] = ()  # their advocacy cases, as much as this person may see


class ServePanel(QWidget):
    # The resident being served (0 when none, or an anonymous contact).
    resident_changed = Signal(int)
    # A contact was logged; its reference.
    contact_logged = Signal(str)
    # A request was queued for the back office with the contact; its reference (the desk's
    # sender may go at once rather than at its next tick).
    request_queued = Signal(str)
    # A case opened here, which the person asked to see; its id.
    case_opened = Signal(int)

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.resident_id: int | None = None
        self.anonymous = False
        self.queue_ticket_id: int | None = None
        self.started_at: datetime | None = None
        self.detail = None  # the detail dialog opened from the timeline, if any
        self.resident_dialog = None  # editing the resident after the back office needed a detail
        self._load_token = 0
        self._loading = False

        self.finder = ResidentFinder(services, actor)
        self.finder.resident_chosen.connect(self.open_resident)
        self.anonymous_button = button(self.tr("Anon&ymous contact"), self.tr("Anonymous contact"))
        self.anonymous_button.setToolTip(self.tr("Count a contact without linking it to anyone (Ctrl+Shift+A)"))
        self.anonymous_button.clicked.connect(self.start_anonymous)

        self.summary = ResidentSummary(services, actor)
        self.summary.changed.connect(self._reload)
        self.summary.consent_recorded.connect(self._consent_recorded)
        self.summary.case_added.connect(lambda text: self.message.show_info(text))
        self.summary.case_opened.connect(self.case_opened.emit)
        self.timeline = TimelineView()
        self.timeline.item_opened.connect(self.open_item)

        self.banner = ContactBanner()
        self.message = FormMessage(self)
        self.consent_button = button(self.tr("Record the missing consent…"), self.tr("Record the missing consent"))
        self.consent_button.clicked.connect(self._record_missing_consent)
        self.consent_button.hide()
        self._refused_service: str | None = None
        self.edit_resident_button = button(self.tr("Edit the resident's detail&s…"),
                                           self.tr("Edit the resident's details"))
        self.edit_resident_button.clicked.connect(self.edit_resident)
        self.edit_resident_button.hide()
        # After a contact escalated to advocacy: open a case from it.
        self.case_offer = EscalationOffer(services, actor)
        self.case_offer.opened.connect(self._case_opened_from_contact)
        self.case_offer.case_opened.connect(self.case_opened.emit)
        self.form = ContactForm()
        self.form.changed.connect(self._form_changed)
        self.attachments = AttachmentsBox(services, actor)
        self.attachments.setAccessibleName(self.tr("Files with this contact"))
        self.attachments_label = wrapped_label()
        self.attachments_label.setStyleSheet("font-weight: 600;")
        self.attachments_label.setBuddy(self.attachments.add_button)
        evidence = QWidget()
        evidence_layout = QVBoxLayout(evidence)
        evidence_layout.setContentsMargins(0, 6, 0, 0)
        evidence_layout.addWidget(self.attachments_label)
        evidence_layout.addWidget(self.attachments)
        self.form.add_attachments(evidence)
        self.form.fields["attachments"] = self.attachments
        self._label_evidence()
        self.save_button = button(self.tr("Save  (Ctrl+Enter)"), self.tr("Save the contact"), default=False)
        self.next_button = button(self.tr("Save and ne&xt  (Ctrl+Shift+Enter)"),
                                  self.tr("Save the contact and start the next"))
        self.discard_button = button(self.tr("&Discard"), self.tr("Discard this contact"))
        self.save_button.clicked.connect(lambda: self.save())
        self.next_button.clicked.connect(lambda: self.save(next_person=True))
        self.discard_button.clicked.connect(self.discard_contact)
        self.drafts = DraftKeeper(services, actor, self._draft_payload, self)
        self.drafts.problem.connect(self._draft_problem)

        self._lay_out()
        self._shortcuts()
        self._load_catalogue()
        self._set_active(False)
        self._restore_draft()

    def _lay_out(self) -> None:
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.finder, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.anonymous_button)
        top_layout.addLayout(row)

        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self.summary)
        left.addWidget(self.timeline)
        left.setChildrenCollapsible(False)
        left.setSizes([4500, 5500])
        # The fields scroll when the text is large; what must be seen stays put around them:
        # the reference just given, a refusal and its way out, and the Save buttons.
        self.scroller = QScrollArea()
        self.scroller.setWidget(self.form)
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        self.scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._fit_scroller()
        # The form's narrowest width changes with the text size and with a request's fields:
        # the scroller follows, so no label is ever cut (it has no horizontal scroll bar).
        self.form.installEventFilter(self)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        heading = ScaledLabel(1.2)
        heading.setText(self.tr("Log the contact"))
        right_layout.addWidget(self.banner)
        right_layout.addWidget(heading)
        right_layout.addWidget(self.message)
        right_layout.addWidget(self.consent_button, 0, Qt.AlignmentFlag.AlignLeft)
        right_layout.addWidget(self.edit_resident_button, 0, Qt.AlignmentFlag.AlignLeft)
        right_layout.addWidget(self.case_offer, 0, Qt.AlignmentFlag.AlignLeft)
        right_layout.addWidget(self.scroller, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.next_button)
        buttons.addStretch(1)
        buttons.addWidget(self.discard_button)
        right_layout.addLayout(buttons)

        work = QSplitter(Qt.Orientation.Horizontal)
        work.addWidget(left)
        work.addWidget(right)
        work.setStretchFactor(0, 1)
        work.setStretchFactor(1, 1)
        work.setSizes([5500, 4500])  # shares of the width: the timeline needs room for its words
        work.setChildrenCollapsible(False)
        whole = QSplitter(Qt.Orientation.Vertical)
        whole.addWidget(top)
        whole.addWidget(work)
        whole.setStretchFactor(0, 1)
        whole.setStretchFactor(1, 3)
        whole.setSizes([3500, 6500])
        # At least five result lines under the search box, so two people of one name can be told apart.
        self.finder.setMinimumHeight(self.fontMetrics().height() * 13)
        whole.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(whole)
        self.setFocusProxy(self.finder)

    def _fit_scroller(self) -> None:
        wanted = self.form.minimumSizeHint().width() + self.scroller.verticalScrollBar().sizeHint().width()
        if self.scroller.minimumWidth() != wanted:
            self.scroller.setMinimumWidth(wanted)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        if watched is self.form and event.type() in (QEvent.Type.LayoutRequest, QEvent.Type.FontChange,
                                                       QEvent.Type.StyleChange):
            self._fit_scroller()
        return super().eventFilter(watched, event)

    def _shortcuts(self) -> None:
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for keys, action in (("Ctrl+Return", self.save), ("Ctrl+Enter", self.save),
                             ("Ctrl+Shift+Return", lambda: self.save(next_person=True)),
                             ("Ctrl+Shift+Enter", lambda: self.save(next_person=True)),
                             ("Ctrl+Shift+A", self.start_anonymous)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(context)
            shortcut.activated.connect(action)

    def _load_catalogue(self) -> None:
        try:
            catalogue = self.services.catalogue.entries(self.actor)
        except DeskError as error:
            self.message.show_error(error.message)
            return
        self.summary.catalogue = catalogue
        self.form.set_services(catalogue)
        clock = self.services.clock
        self.form.set_request_types(self.services.submissions.request_types(), lambda: london_today(clock))

    # ---- which contact --------------------------------------------------------------------------

    def open_resident(self, resident_id: int, queue_ticket_id: int | None = None) -> None:
        """Serve this resident: show who they are and their timeline, and put the cursor on the
        service. A contact typed for someone else (or restored from a draft) is cleared, and the
        panel says so: a busy desk must not log one person's answers against the next person."""
        switching = self.has_contact() and (self.anonymous or self.resident_id != resident_id)
        cleared = ""
        if switching and not self.is_pristine():
            previous = self.summary.resident.name if self.summary.resident is not None and not self.anonymous \
                else ""
            self.drafts.forget(remove=True)
            self._reset_form()
            self.started_at = None
            cleared = (self.tr("The unsaved contact for {0} was cleared.").format(previous) if previous
                       else self.tr("The unsaved contact you had started was cleared."))
        self._begin_contact()
        if cleared:
            self.message.show_info(cleared)
        self.resident_id, self.anonymous = resident_id, False
        self.queue_ticket_id = queue_ticket_id
        self.form.set_resident_known(True)
        self.summary.name.setText(self.tr("Loading…"))
        self.timeline.set_items((), self.tr("Loading…"))
        self._reload()
        self.form.focus_service()
        self.resident_changed.emit(resident_id)

    def start_anonymous(self) -> None:
        """Count a contact with someone who won't give their details (nothing is linked)."""
        self._begin_contact()
        self.resident_id, self.anonymous, self.queue_ticket_id = None, True, None
        self.form.set_resident_known(False)
        self._load_token += 1
        self._loading = False
        self.summary.show_anonymous()
        self.timeline.set_items((), self.tr("No timeline for an anonymous contact"))
        self.form.set_representatives(())
        self.form.focus_service()
        self.resident_changed.emit(0)

    def _begin_contact(self) -> None:
        if self.started_at is None or self.form.is_pristine():
            self.started_at = self.services.clock.now()
        self._set_active(True)
        self._hide_refusal()
        self.case_offer.withdraw()

    def _set_active(self, active: bool) -> None:
        for widget in (self.form, self.save_button, self.next_button, self.discard_button):
            widget.setEnabled(active)

    def is_pristine(self) -> bool:
        """Nothing typed and no file added."""
        return self.form.is_pristine() and not self.attachments.model.rowCount()

    def _reset_form(self) -> None:
        self.form.reset()
        self.attachments.clear()
        self._label_evidence()

    def _label_evidence(self) -> None:
        text = self.tr("Files sent with the request (scans, photos)") if self.form.request_form is not None \
            else self.tr("Files kept with the contact (scans, photos)")
        self.attachments_label.setText(text)

    def refresh(self) -> None:
        """Reload the catalogue (an administrator may have added or retired a service) and the
        resident on screen."""
        self._load_catalogue()
        self._reload()

    def has_contact(self) -> bool:
        return self.resident_id is not None or self.anonymous

    def is_busy(self) -> bool:
        """Loading a resident or keeping a draft (tests wait for this)."""
        return self._loading or self.drafts.is_busy() or self.finder.is_searching() or self.attachments.is_busy()

    # ---- loading ----------------------------------------------------------------------------------

    def _reload(self) -> None:
        if self.resident_id is None:
            return
        self._load_token += 1
        token, resident_id = self._load_token, self.resident_id
        services, actor = self.services, self.actor
        self._loading = True

        def load() -> ResidentView:
            resident = services.residents.get(actor, resident_id)
            merged_from = ""
            if resident.merged_into_id is not None:
                merged_from = resident.name
                resident = services.residents.get(actor, resident.merged_into_id)
            cases = services.cases.cases_for_resident(actor, resident.id) if actor.may(Permission.OPEN_CASES) \
                or actor.may(Permission.WORK_CASES) else []
            return ResidentView(resident, services.consent.current_consents(actor, resident.id),
                                services.consent.representatives(actor, resident.id, include_ended=False),
                                services.timeline.for_resident(actor, resident.id), merged_from, tuple(cases))

        run_in_background(load, lambda view: self._loaded(token, view), lambda error: self._load_failed(token, error))

    def _loaded(self, token: int, view: ResidentView) -> None:
        if not shiboken6.isValid(self) or token != self._load_token:
            return
        self._loading = False
        if view.resident.id != self.resident_id:
            self.resident_id = view.resident.id
            self.message.show_info(self.tr("{0}'s record was merged into this one: serving {1}.").format(
                view.merged_from, view.resident.display_name))
            self.resident_changed.emit(view.resident.id)
        self.summary.show_resident(view.resident, view.consents, view.representatives, view.cases)
        self.timeline.set_items(view.timeline)
        self.form.set_representatives([(rep.id, rep.label) for rep in view.representatives])
        self.form.choose_pending_representative()

    def _load_failed(self, token: int, error: DeskError) -> None:
        if not shiboken6.isValid(self) or token != self._load_token:
            return
        self._loading = False
        self.summary.clear()
        self.timeline.set_items(())
        self.message.show_error(error.message)

    # ---- saving -----------------------------------------------------------------------------------

    def _elapsed_minutes(self) -> int:
        if self.started_at is None:
            return 0
        seconds = (self.services.clock.now() - as_utc(self.started_at)).total_seconds()
        return max(0, math.ceil(seconds / 60))

    def save(self, next_person: bool = False) -> str | None:
        """Log the contact; on success show its reference, clear the form, and for "save and
        next" clear the resident and put the cursor in the search box. Refusals keep the form."""
        if not self.has_contact():
            return None
        self._hide_refusal()
        self.case_offer.withdraw()
        self.banner.hide()  # the last reference must not sit above this contact's refusal
        if self.attachments.is_busy():
            self.message.show_info(self.tr("The files are still being read: save again in a moment."))
            return None
        contact = self.form.contact_input(self.resident_id, self._elapsed_minutes(), self.queue_ticket_id)
        request = self.form.request_values() if not self.anonymous else None
        files = self.attachments.pending()
        receipt: SubmissionReceipt | None = None
        try:
            if request is not None:
                # The contact and the queued request are written together; nothing waits on the network.
                receipt = self.services.submissions.submit(self.actor, contact,
                                                           RequestInput(request[0], request[1], files))
                reference = receipt.interaction_reference
            else:
                reference = self.services.interactions.log_interaction(self.actor, contact, attachments=files)
        except AuthorityMissing as refused:
            self.message.show_error(refused.message)
            self._refused_service = refused.service_code
            self.consent_button.show()
            self.consent_button.setFocus()
            return None
        except ValidationError as refused:
            self._show_refusal(refused)
            return None
        except DeskError as problem:
            show_problem(self, problem)
            return None
        self.drafts.forget(remove=False)
        who = self.summary.resident.name if self.summary.resident is not None and not self.anonymous else ""
        request_name = self.form.request_form.request.name if self.form.request_form is not None else ""
        self.banner.show_saved(reference, who, receipt.submission_reference if receipt else "", request_name)
        self._reset_form()
        if contact.resident_id is not None and contact.outcome == Outcome.ESCALATED.value:
            self.case_offer.offer(contact.resident_id, reference, contact.notes)
        self.contact_logged.emit(reference)
        if receipt is not None:
            self.request_queued.emit(receipt.submission_reference)
        if next_person:
            self._clear_contact()
            self.finder.focus_search()
        else:
            self.started_at = self.services.clock.now()
            self._reload()
            self.form.focus_service()
        return reference

    def discard_contact(self) -> None:
        """Throw away what was typed and the draft; the resident stays chosen."""
        self.drafts.forget(remove=True)
        self._reset_form()
        self._hide_refusal()
        self.started_at = self.services.clock.now() if self.has_contact() else None
        self.form.focus_service()

    def _clear_contact(self) -> None:
        self.resident_id, self.anonymous, self.queue_ticket_id, self.started_at = None, False, None, None
        self._load_token += 1
        self._loading = False
        self.summary.clear()
        self.timeline.set_items(())
        self.form.set_representatives(())
        self.form.set_resident_known(False)
        self.attachments.clear()
        self._set_active(False)
        self.resident_changed.emit(0)

    # ---- refusals and consent ---------------------------------------------------------------------

    def _hide_refusal(self) -> None:
        self.message.clear_message()
        self.consent_button.hide()
        self.edit_resident_button.hide()
        self._refused_service = None

    def _show_refusal(self, refused: ValidationError) -> None:
        """Say why beside the form and put the cursor where the fix is; everything typed stays."""
        self.message.show_error(refused.message)
        field = refused.field or ""
        request_form = self.form.request_form
        target: QWidget | None = None
        if field == "resident_details":
            if self.resident_id is not None and self.actor.may(Permission.EDIT_RESIDENTS):
                self.edit_resident_button.show()
                target = self.edit_resident_button
        elif field == "attachments":
            target = self.attachments.table if self.attachments.model.rowCount() else self.attachments.add_button
        elif request_form is not None and field in request_form.fields and (
                field not in self.form.fields
                or refused.message.startswith(request_form.request.field(field).label)):
            # A request field may share its name with a contact field ("notes"): the service's
            # message for a request field starts with that field's label.
            target = request_form.fields[field]
        else:
            target = self.form.fields.get(field)
        if target is None:
            return
        target.setFocus(Qt.FocusReason.OtherFocusReason)
        if isinstance(target, QLineEdit):
            target.selectAll()
        if target is not self.edit_resident_button:
            self.scroller.ensureWidgetVisible(target)

    def edit_resident(self) -> None:
        """Add what the back office needs to the resident's record; the request stays as typed."""
        if self.resident_id is None:
            return
        from ..residents.resident_dialog import ResidentDialog

        try:
            dialog = ResidentDialog(self.services, self.actor, self.resident_id, self)
        except DeskError as error:
            show_problem(self, error)
            return
        self.resident_dialog = dialog
        dialog.saved.connect(lambda _rid: self._resident_edited())
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()

    def _resident_edited(self) -> None:
        self._hide_refusal()
        self._reload()
        self.message.show_info(self.tr("The resident's details are saved. Press Ctrl+Enter to save the contact "
                                       "and send the request."))
        self.save_button.setFocus()

    def _record_missing_consent(self) -> None:
        self.summary.record_consent(self._refused_service, self.form.representative.currentData())

    def _consent_recorded(self, _consent: ConsentRecord) -> None:
        if self._refused_service is not None:
            self.consent_button.hide()
            self._refused_service = None
            self.message.show_info(self.tr("Consent recorded. Press Ctrl+Enter to save the contact."))
            self.form.focus_service()

    def _case_opened_from_contact(self, dialog) -> None:
        self._reload()
        self.message.show_info(dialog.opened_sentence())

    def open_item(self, item: TimelineItem) -> None:
        try:
            opener_for(item.open_kind)(self, item)
        except DeskError as error:
            show_problem(self, error)

    # ---- drafts -----------------------------------------------------------------------------------

    def _form_changed(self) -> None:
        self._label_evidence()
        if self.has_contact():
            self.drafts.changed()

    def _draft_problem(self, text: str) -> None:
        if not self.message.isVisible():  # a refusal on screen matters more
            self.message.show_error(self.tr("What you typed could not be kept as a draft ({0}). It is still here: "
                                            "save it when you can.").format(text))

    def _draft_payload(self) -> dict | None:
        # Files added are not kept in a draft (they can be large); the request and its fields are.
        if not self.has_contact() or self.form.is_pristine():
            return None
        return {"resident_id": self.resident_id, "anonymous": self.anonymous,
                "queue_ticket_id": self.queue_ticket_id,
                "started_at": as_utc(self.started_at).isoformat() if self.started_at else None,
                "form": self.form.values()}

    def _restore_draft(self) -> None:
        try:
            draft = self.services.interactions.load_draft(self.actor)
        except DeskError:
            return
        if draft is None:
            return
        payload = draft.payload
        self.form.restore(payload.get("form") or {})
        if payload.get("anonymous"):
            self.start_anonymous()
        elif isinstance(payload.get("resident_id"), int):
            self.open_resident(payload["resident_id"], payload.get("queue_ticket_id"))
        else:
            return
        try:
            self.started_at = datetime.fromisoformat(payload["started_at"]) if payload.get("started_at") else \
                self.started_at
        except ValueError:
            pass
        self.message.show_info(self.tr("Your unfinished contact from {0} was brought back. Save it, or press "
                                       "Discard.").format(local_text(draft.updated_at)))
