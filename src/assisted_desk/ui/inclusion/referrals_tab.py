"""The Inclusion area's Referrals tab: find a resident on the left, see their referrals on the
right; suggested services, a referral's detail and the coordinator's follow-ups each take the
whole tab and return to the list. A partner's CSV of updates is imported through a preview.

Lists and suggestions load on the thread pool; single quick writes call the service on the GUI
thread, as the other tabs do. Every refusal is shown, never raised."""

from __future__ import annotations

import shiboken6

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSplitter, QStackedWidget, QVBoxLayout, QWidget

from ...core.errors import DeskError, ValidationError
from ...core.security import Actor
from ...inclusion.matching import StatedNeeds
from ...inclusion.referral_vocab import ServiceOffer
from ...services import Services
from ..admin.common import fit_columns, record_table, select_source_row, selected_row, sortable_proxy
from ..desk.finder import ResidentFinder
from ..forms import button
from ..messages import FormMessage
from ..workers import run_in_background
from .csv_updates import CsvUpdatesDialog
from .make_referral import MakeReferralView
from .referral_detail import ReferralDetail, RerouteDialog
from .referral_models import (FollowUpColumn, FollowUpsModel, ReferralColumn, ReferralsModel, partner_contact_text,
                              plain_text_labels)


class ResidentReferrals(QWidget):
    """The chosen resident's referrals, newest first, and what can be done from here."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        tr = self.tr
        self.name = QLabel(tr("Choose a resident on the left to see their referrals to partners."))
        self.name.setObjectName("pageTitle")
        self.name.setWordWrap(True)
        self.name.setAccessibleName(tr("Resident"))
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.model = ReferralsModel(self)
        self.proxy = sortable_proxy(self, self.model)
        self.table = record_table(tr("Referrals"), self.proxy, ReferralColumn.MADE, Qt.SortOrder.DescendingOrder)
        self.suggest_button = button(tr("Suggest ser&vices…"), tr("Suggest services for the resident"))
        self.open_button = button(tr("&Open"), tr("Open the chosen referral"))
        self.message = FormMessage(self)
        actions = QHBoxLayout()
        actions.addWidget(self.suggest_button)
        actions.addWidget(self.open_button)
        actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 0, 0, 0)
        layout.addWidget(self.name)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addWidget(self.message)
        QWidget.setTabOrder(self.table, self.suggest_button)
        QWidget.setTabOrder(self.suggest_button, self.open_button)
        self.set_referrals(None, "", ())
        plain_text_labels(self)

    def set_referrals(self, resident_id: int | None, name: str, referrals) -> None:
        tr = self.tr
        if resident_id is not None:
            self.name.setText(name)
        self.model.set_rows(referrals)
        fit_columns(self.table)  # empty, the headings alone set the widths: none clipped at large text
        self.suggest_button.setEnabled(resident_id is not None)
        self.open_button.setEnabled(bool(referrals))
        if resident_id is None:
            self.status.setText("")
        elif not referrals:
            self.status.setText(tr("No referrals yet. Suggest services to find one that fits."))
        else:
            still_open = sum(1 for r in referrals if r.is_open)
            self.status.setText(tr("{0} referrals, {1} still open. Enter on a row opens it.").format(
                len(referrals), still_open))

    def selected(self):
        row = selected_row(self.table)
        return None if row is None else self.model.referral(row)


class FollowUpsView(QWidget):
    """Referrals with no news for too long, and ones a partner's system refused: oldest first."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        tr = self.tr
        self.back_button = button(tr("◀ &Back to the list"), tr("Back to the resident's referrals"))
        title = QLabel(tr("Follow-ups"))
        title.setObjectName("pageTitle")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.model = FollowUpsModel(self)
        self.proxy = sortable_proxy(self, self.model)
        self.table = record_table(tr("Referrals to follow up"), self.proxy, FollowUpColumn.WAITING,
                                  Qt.SortOrder.DescendingOrder)
        self.table.selectionModel().selectionChanged.connect(lambda *_args: self._show_contact())
        self.contact = QLabel()
        self.contact.setWordWrap(True)
        self.contact.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.contact.setAccessibleName(tr("How to reach the partner"))
        self.open_button = button(tr("&Open"), tr("Open the chosen referral"))
        self.message = FormMessage(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.back_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(title)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.contact)
        layout.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.message)
        plain_text_labels(self)

    def set_follow_ups(self, rows) -> None:
        self.model.set_rows(rows)
        fit_columns(self.table)
        if rows:
            self.table.selectRow(0)
        self._show_contact()
        self.open_button.setEnabled(bool(rows))
        if not rows:
            self.status.setText(self.tr("Nothing to follow up: every open referral has recent news."))
        elif len(rows) == 1:
            self.status.setText(self.tr("1 referral needs a follow-up: phone the partner, then record what they said."))
        else:
            self.status.setText(self.tr("{0} referrals need a follow-up: phone the partner, then record what they "
                                        "said.").format(len(rows)))

    def selected(self):
        row = selected_row(self.table)
        return None if row is None else self.model.follow_up(row)

    def _show_contact(self) -> None:
        """The chosen line's partner, and how to reach them: the number to phone is right here."""
        chosen = self.selected()
        self.contact.setText(partner_contact_text(self, chosen) if chosen is not None else "")
        self.contact.setVisible(chosen is not None)


class ReferralsTab(QWidget):
    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.resident_id: int | None = None
        self.resident_name = ""
        self.loading = 0  # background reads still running
        self.dialog = None
        tr = self.tr

        self.finder = ResidentFinder(services, actor)
        self.finder.resident_chosen.connect(self.show_resident)
        self.panel = ResidentReferrals()
        self.panel.table.activated.connect(lambda _index: self.open_selected())
        self.panel.open_button.clicked.connect(self.open_selected)
        self.panel.suggest_button.clicked.connect(lambda: self.suggest())
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.finder)
        self.splitter.addWidget(self.panel)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([440, 560])
        self.panel.setMinimumWidth(380)
        self.follow_ups_button = button(tr("Follo&w-ups"), tr("Referrals to follow up"))
        self.follow_ups_button.clicked.connect(self.show_follow_ups)
        self.csv_button = button(tr("Import partner &updates (CSV)…"), tr("Import partner updates from a CSV file"))
        self.csv_button.clicked.connect(self.import_csv)
        bar = QHBoxLayout()
        bar.addWidget(self.follow_ups_button)
        bar.addWidget(self.csv_button)
        bar.addStretch(1)
        self.list_page = QWidget()
        page_layout = QVBoxLayout(self.list_page)
        page_layout.setContentsMargins(0, 0, 0, 0)
        page_layout.addWidget(self.splitter, 1)
        page_layout.addLayout(bar)

        self.making = MakeReferralView(services, actor)
        self.making.closed.connect(self.back_to_list)
        self.making.made.connect(self.open_referral)
        self.making.suggest_requested.connect(self.suggest)
        self.detail = ReferralDetail(services, actor)
        self.detail_from: QWidget | None = None  # the page a referral was opened from: Back returns there
        self.detail.closed.connect(self.back_from_detail)
        self.detail.changed.connect(self.reload)
        self.detail.reroute_requested.connect(self.reroute)
        self.follow_ups = FollowUpsView()
        self.follow_ups.back_button.clicked.connect(self.back_to_list)
        self.follow_ups.open_button.clicked.connect(self._open_follow_up)
        self.follow_ups.table.activated.connect(lambda _index: self._open_follow_up())

        self.stack = QStackedWidget()
        for widget in (self.list_page, self.making, self.detail, self.follow_ups):
            self.stack.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.stack)
        self.setFocusProxy(self.finder)

    @property
    def message(self) -> FormMessage:
        return self.panel.message

    def is_loading(self) -> bool:
        return self.loading > 0

    def shown(self) -> None:
        """The tab came to the front: bring what it shows up to date."""
        self.reload()

    def _run(self, work, done) -> None:
        """Read on the thread pool; `done(result)` on the GUI thread unless the tab has gone."""
        self.loading += 1

        def finished(result) -> None:
            if shiboken6.isValid(self.panel):
                self.loading -= 1
                done(result)

        def failed(error: DeskError) -> None:
            if shiboken6.isValid(self.panel):
                self.loading -= 1
                self.current_message().show_error(error.message)

        run_in_background(work, finished, failed)

    def current_message(self) -> FormMessage:
        page = self.stack.currentWidget()
        return getattr(page, "message", None) or self.panel.message

    # ---- the resident ---------------------------------------------------------------------------

    def show_resident(self, resident_id: int) -> None:
        self.panel.message.clear_message()
        self.resident_id = resident_id
        self.reload()

    def reload(self) -> None:
        if self.resident_id is None:
            return
        services, actor, resident_id = self.services, self.actor, self.resident_id

        def work():
            return services.residents.get(actor, resident_id).name, services.referrals.for_resident(actor, resident_id)

        def done(result) -> None:
            if resident_id == self.resident_id:
                self.resident_name, referrals = result
                keep = self.panel.selected()
                self.panel.set_referrals(resident_id, self.resident_name, referrals)
                if keep is not None:
                    select_source_row(self.panel.table, self.panel.model.row_of(keep.id))

        self._run(work, done)

    def back_to_list(self) -> None:
        self.stack.setCurrentWidget(self.list_page)
        self.reload()
        self.panel.table.setFocus()

    def back_from_detail(self) -> None:
        """Back where the referral was opened: the follow-ups (read again), or the resident's list."""
        if self.detail_from is self.follow_ups:
            self.show_follow_ups(keep=self.detail.referral.id if self.detail.referral else None)
        else:
            self.back_to_list()

    # ---- suggestions and making a referral ----------------------------------------------------

    def suggest(self, stated=None) -> None:
        """Suggest services from the latest assessment, or from needs said at the desk; with
        neither, the making view asks what they need."""
        if self.resident_id is None:
            return
        self.panel.message.clear_message()
        self.making.message.clear_message()
        services, actor, resident_id, name = self.services, self.actor, self.resident_id, self.resident_name

        def work():
            referrals = services.referrals.for_resident(actor, resident_id)
            try:
                return services.matcher.suggest(actor, resident_id, needs=stated), referrals
            except ValidationError as error:
                if error.field != "needs" or stated is not None:
                    raise
                return error, referrals

        def done(answer) -> None:
            result, referrals = answer
            if resident_id != self.resident_id:
                return
            if isinstance(result, ValidationError):
                self.making.ask_for_needs(resident_id, name, result.message)
            else:
                self.making.show_result(resident_id, name, result, referrals)
            self.stack.setCurrentWidget(self.making)

        self._run(work, done)

    # ---- one referral -------------------------------------------------------------------------

    def open_selected(self) -> None:
        referral = self.panel.selected()
        if referral is not None:
            self.open_referral(referral.id)

    def open_referral(self, referral_id: int) -> None:
        came_from = self.stack.currentWidget()
        if self.detail.open(referral_id):
            if came_from is not self.detail:  # a re-routed one opened from the detail keeps the way back
                self.detail_from = came_from
            self.stack.setCurrentWidget(self.detail)
            self.detail.back_button.setFocus()
        else:
            self.current_message().show_error(self.detail.message.text())

    def reroute(self, referral) -> None:
        """Choose another service: the resident's suggestions first, then the rest of the directory."""
        services, actor = self.services, self.actor

        def work():
            return reroute_suggestions(services, actor, referral), services.partners.list_services(actor)

        def done(result) -> None:
            suggestions, directory = result
            dialog = RerouteDialog(services, actor, referral, suggestions, directory, self)
            self.dialog = dialog
            dialog.accepted.connect(lambda: self._rerouted(dialog))
            dialog.finished.connect(lambda _result: self._dialog_closed(dialog))
            dialog.open()

        self._run(work, done)

    def _rerouted(self, dialog: RerouteDialog) -> None:
        if dialog.saved is not None:
            self.open_referral(dialog.saved.id)
        self.reload()

    def _dialog_closed(self, dialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    # ---- follow-ups and partners' CSV updates ------------------------------------------------

    def show_follow_ups(self, keep: int | None = None) -> None:
        """The follow-up list; `keep`: the referral to choose again in it, when it is still there."""
        services, actor = self.services, self.actor

        def done(rows) -> None:
            self.follow_ups.set_follow_ups(rows)
            row = next((n for n, f in enumerate(rows) if f.referral.id == keep), None)
            select_source_row(self.follow_ups.table, row)
            self.stack.setCurrentWidget(self.follow_ups)
            self.follow_ups.table.setFocus()

        self._run(lambda: services.referrals.follow_ups(actor), done)

    def _open_follow_up(self) -> None:
        chosen = self.follow_ups.selected()
        if chosen is not None:
            self.open_referral(chosen.referral.id)

    def import_csv(self) -> None:
        dialog = CsvUpdatesDialog(self.services, self.actor, self)
        try:
            dialog.set_partners(self.services.partners.list_organisations(self.actor))
        except DeskError as error:
            dialog.message.show_error(error.message)
        self.dialog = dialog
        dialog.applied.connect(self.reload)
        dialog.finished.connect(lambda _result: self._dialog_closed(dialog))
        dialog.open()


def reroute_suggestions(services: Services, actor: Actor, referral) -> tuple:
    """Services for the referral's own need (its skill areas and offers); for a need given only in
    words, the resident's latest assessment; with neither, none (the whole directory is offered)."""
    offers = {offer.value for offer in ServiceOffer}
    areas = tuple(code for code in referral.need_areas if code not in offers)
    wanted = tuple(code for code in referral.need_areas if code in offers)
    try:
        stated = StatedNeeds(skill_areas=areas, offers=wanted) if referral.need_areas else None
        return services.matcher.suggest(actor, referral.resident_id, needs=stated).suggestions
    except ValidationError:
        return ()
