"""What a report counts: the kind, the period (with quick choices), sites, partners (referral
report), an equality breakdown, months or quarters (desk report) and, for administrators only,
disclosure control. The choices are remembered per person (see page.py); disclosure control is
never remembered off: every session starts protected."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...core.errors import ValidationError
from ...core.security import Actor, Permission
from ...reporting.model import Dimension, Grain, ReportKind, ReportRequest
from .periods import QUICK_CHOICES, quick_period

CUSTOM = ""  # the quick choice when the dates were set by hand
ID_ROLE = Qt.ItemDataRole.UserRole


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _date(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class TickList(QListWidget):
    """A few named choices with tick boxes (Space ticks); every one ticked means "all"."""

    def __init__(self, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(accessible_name)
        self.setUniformItemSizes(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # a long name ends in "…"
        self.indicator_size = 0

    def size_tick_boxes(self) -> None:
        """Tick boxes as big as the text beside them (the style's own stay small at double text size)."""
        self.ensurePolished()
        size = max(13, round(self.fontMetrics().height() * 0.7))
        if size != self.indicator_size:
            self.indicator_size = size
            self.setStyleSheet(f"QListWidget::indicator {{ width: {size}px; height: {size}px; }}")

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self.size_tick_boxes()

    def fill(self, choices: list[tuple[int, str]], ticked: set[int] | None) -> None:
        """`ticked` None: all of them."""
        self.blockSignals(True)
        self.clear()
        for value, text in choices:
            item = QListWidgetItem(text, self)
            item.setData(ID_ROLE, value)
            item.setToolTip(text)  # the whole name, where the list is too narrow for it
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if ticked is None or value in ticked else Qt.CheckState.Unchecked)
        self.blockSignals(False)

    def ids(self) -> set[int]:
        return {self.item(n).data(ID_ROLE) for n in range(self.count())}

    def ticked(self) -> list[int]:
        return [self.item(n).data(ID_ROLE) for n in range(self.count())
                if self.item(n).checkState() == Qt.CheckState.Checked]

    def all_ticked(self) -> bool:
        return len(self.ticked()) == self.count()

    def fit_rows(self, rows: int) -> None:
        self.size_tick_boxes()
        line = self.sizeHintForRow(0) if self.count() else self.fontMetrics().lineSpacing() + 4
        self.setFixedHeight(line * rows + 2 * self.frameWidth() + 2)


class ReportFilters(QWidget):
    changed = Signal()

    def __init__(self, actor: Actor, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        tr = self.tr
        self.actor = actor
        self.today = today
        self.may_choose_partners = actor.may(Permission.VIEW_REPORTS)
        self.may_unprotect = actor.may(Permission.MANAGE_SETTINGS)

        self.kind = QComboBox()
        self.quick = QComboBox()
        self.quick.addItem(tr("Dates as chosen"), CUSTOM)
        for key, text in QUICK_CHOICES:
            self.quick.addItem(tr(text), key)
        self.since = self._date_edit(tr("From date"))
        self.until = self._date_edit(tr("To date"))
        self.breakdown = QComboBox()
        self.breakdown.addItem(tr("No breakdown"), "")
        for dimension in Dimension:
            self.breakdown.addItem(tr(dimension.label), dimension.value)
        self.grain = QComboBox()
        for grain in Grain:
            self.grain.addItem(tr(grain.label), grain.value)
        for combo in (self.kind, self.quick, self.breakdown, self.grain):
            # As narrow as a short choice needs, not as wide as the longest: the page fits a small
            # window at double text size (the open list still shows every choice whole).
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(12)
        self.sites = TickList(tr("Sites"))
        self.partners = TickList(tr("Partners"))
        self.partners_note = QLabel(tr("All partners."))
        self.partners_note.setWordWrap(True)
        self.protect = QCheckBox(tr("&Disclosure control (hide and round small numbers)"))
        self.protect.setAccessibleName(tr("Disclosure control"))
        self.protect.setChecked(True)
        self.unprotected_warning = QLabel(tr("Disclosure control is off: small numbers will be shown as they are "
                                             "and may identify people. Not for publication. Keep the results "
                                             "inside the council."))
        self.unprotected_warning.setObjectName("unprotectedWarning")
        self.unprotected_warning.setWordWrap(True)
        self.unprotected_warning.setAccessibleName(tr("Disclosure control warning"))
        self.unprotected_warning.setStyleSheet("QLabel#unprotectedWarning { color: #8a1010; background: #fdecec; "
                                               "border: 2px solid #b00020; padding: 6px; font-weight: 600; }")
        self.unprotected_warning.hide()

        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        self.labels: dict[str, QLabel] = {}

        def put(key: str, text: str, widget: QWidget, row: int, col: int, name: str, span: int = 1) -> None:
            label = QLabel(text)
            label.setBuddy(widget)
            widget.setAccessibleName(name)
            self.labels[key] = label
            grid.addWidget(label, row, col * 2, Qt.AlignmentFlag.AlignTop if isinstance(widget, TickList)
                           else Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(widget, row, col * 2 + 1, 1, span)

        put("kind", tr("Rep&ort:"), self.kind, 0, 0, tr("Report"))
        put("quick", tr("&Quick period:"), self.quick, 0, 1, tr("Quick choice of period"))
        put("since", tr("&From:"), self.since, 1, 0, tr("From date"))
        put("until", tr("&To:"), self.until, 1, 1, tr("To date"))
        put("breakdown", tr("&Break down by:"), self.breakdown, 2, 0, tr("Break down by"))
        put("grain", tr("Gra&in:"), self.grain, 2, 1, tr("Months or quarters"))
        put("sites", tr("Sit&es:"), self.sites, 3, 0, tr("Sites"))
        put("partners", tr("Part&ners:"), self.partners, 3, 1, tr("Partners"))
        grid.addWidget(self.partners_note, 3, 3, Qt.AlignmentFlag.AlignTop)
        for col in (1, 3):
            grid.setColumnStretch(col, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(grid)
        layout.addWidget(self.protect)
        layout.addWidget(self.unprotected_warning)
        self.protect.setVisible(self.may_unprotect)  # after it has a parent, or it would open as a window
        self.fields = {"kind": self.kind, "since": self.since, "until": self.until, "site_ids": self.sites,
                       "partner_ids": self.partners, "breakdown": self.breakdown, "grain": self.grain}
        order = [self.kind, self.quick, self.since, self.until, self.breakdown, self.grain, self.sites,
                 self.partners, self.protect]
        for first, second in zip(order, order[1:]):
            QWidget.setTabOrder(first, second)

        self._apply_quick("this_month")
        self.kind.currentIndexChanged.connect(lambda _i: self._kind_changed())
        self.quick.activated.connect(lambda _i: self._quick_chosen())
        for edit in (self.since, self.until):
            edit.dateChanged.connect(lambda _d: self._dates_edited())
        for combo in (self.breakdown, self.grain):
            combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
        for ticks in (self.sites, self.partners):
            ticks.itemChanged.connect(lambda _item: self.changed.emit())
        self.protect.toggled.connect(self._protect_toggled)
        self._kind_changed()

    def _date_edit(self, name: str) -> QDateEdit:
        edit = QDateEdit()
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("dd/MM/yyyy")
        edit.setMinimumDate(QDate(2000, 1, 1))
        edit.setMaximumDate(_qdate(self.today))
        edit.setAccessibleName(name)
        return edit

    # ---- reacting ---------------------------------------------------------------------------------

    def _kind_changed(self) -> None:
        kind = self.current_kind()
        referrals, desk = kind is ReportKind.REFERRALS, kind is ReportKind.DESK
        self.labels["partners"].setVisible(referrals)
        listed = self.may_choose_partners and self.partners.count() > 0
        self.partners.setVisible(referrals and listed)
        self.partners_note.setVisible(referrals and not listed)
        self.labels["grain"].setVisible(desk)
        self.grain.setVisible(desk)
        self.changed.emit()

    def _quick_chosen(self) -> None:
        choice = self.quick.currentData()
        if choice:
            self._apply_quick(choice)
        self.changed.emit()

    def _apply_quick(self, choice: str) -> None:
        since, until = quick_period(choice, self.today)
        for edit, day in ((self.since, since), (self.until, until)):
            edit.blockSignals(True)
            edit.setDate(_qdate(day))
            edit.blockSignals(False)
        self.quick.setCurrentIndex(max(self.quick.findData(choice), 0))

    def _dates_edited(self) -> None:
        self.quick.setCurrentIndex(self.quick.findData(CUSTOM))
        self.changed.emit()

    def _protect_toggled(self, on: bool) -> None:
        self.unprotected_warning.setVisible(not on)
        self.changed.emit()

    # ---- choices from the database ------------------------------------------------------------------

    def set_choices(self, kinds, sites, partners) -> None:
        """Kinds of report, every site (closed ones marked) and every partner organisation."""
        tr = self.tr
        self.kind.blockSignals(True)
        self.kind.clear()
        for kind in kinds:
            self.kind.addItem(tr(kind.label), kind.value)
        self.kind.blockSignals(False)
        self.sites.fill([(s.id, s.name if s.active else tr("{0} (closed)").format(s.name)) for s in sites], None)
        self.partners.fill([(p.id, p.name if not p.gone else tr("{0} (gone)").format(p.name))
                            for p in partners], None)
        self.sites.fit_rows(3)
        self.partners.fit_rows(3)
        if not partners and self.may_choose_partners:
            self.partners_note.setText(tr("No partners are in the directory yet: the report covers every "
                                          "referral."))
        self._kind_changed()

    # ---- remembering ----------------------------------------------------------------------------------

    def current_kind(self) -> ReportKind | None:
        value = self.kind.currentData()
        return ReportKind(value) if value else None

    def remembered(self) -> dict:
        """The choices as they are kept for this person (JSON). Disclosure control is not kept."""
        return {"kind": self.kind.currentData() or "", "quick": self.quick.currentData() or CUSTOM,
                "since": _date(self.since.date()).isoformat(), "until": _date(self.until.date()).isoformat(),
                "site_ids": [] if self.sites.all_ticked() else self.sites.ticked(),
                "partner_ids": [] if self.partners.all_ticked() else self.partners.ticked(),
                "breakdown": self.breakdown.currentData() or "", "grain": self.grain.currentData()}

    def restore(self, saved: object) -> list[str]:
        """Show the remembered choices; what no longer exists is dropped, and the words returned say so."""
        tr = self.tr
        words: list[str] = []
        if not isinstance(saved, dict):
            return words
        self.blockSignals(True)
        try:
            index = self.kind.findData(saved.get("kind"))
            if index >= 0:
                self.kind.setCurrentIndex(index)
            quick = saved.get("quick") or CUSTOM
            if quick != CUSTOM and self.quick.findData(quick) >= 0:
                self._apply_quick(quick)  # "this month" is this month again, whenever it is reopened
            else:
                try:
                    since, until = date.fromisoformat(saved["since"]), date.fromisoformat(saved["until"])
                except (KeyError, TypeError, ValueError):
                    pass
                else:
                    for edit, day in ((self.since, since), (self.until, until)):
                        edit.blockSignals(True)
                        edit.setDate(_qdate(day))
                        edit.blockSignals(False)
                    self.quick.setCurrentIndex(self.quick.findData(CUSTOM))
            for combo, key in ((self.breakdown, "breakdown"), (self.grain, "grain")):
                index = combo.findData(saved.get(key))
                if index >= 0:
                    combo.setCurrentIndex(index)
            for ticks, key, one_gone, some_gone, none_left in (
                    (self.sites, "site_ids", tr("A site you chose last time no longer exists: it is no longer ticked."),
                     tr("{0} sites you chose last time no longer exist: they are no longer ticked."),
                     tr("None of the sites you chose last time exist now: the report covers every site.")),
                    (self.partners, "partner_ids",
                     tr("A partner you chose last time is no longer in the directory: it is no longer ticked."),
                     tr("{0} partners you chose last time are no longer in the directory: they are no longer "
                        "ticked."),
                     tr("None of the partners you chose last time are in the directory now: the report covers "
                        "every partner."))):
                wanted = {i for i in saved.get(key) or [] if isinstance(i, int)}
                if not wanted or (ticks is self.partners and not self.may_choose_partners):
                    continue
                kept = wanted & ticks.ids()
                gone = len(wanted - kept)
                if not kept:
                    words.append(none_left)
                elif gone:
                    words.append(one_gone if gone == 1 else some_gone.format(gone))
                ticks.fill([(ticks.item(n).data(ID_ROLE), ticks.item(n).text()) for n in range(ticks.count())],
                           kept or None)
        finally:
            self.blockSignals(False)
        self._kind_changed()
        return words

    # ---- the request ------------------------------------------------------------------------------------

    def request(self) -> ReportRequest:
        """What to count, as chosen; ValidationError when no site (or partner) is ticked.
        The service checks the rest (the dates), so its words are the only ones."""
        tr = self.tr
        kind = self.current_kind()
        if kind is None:
            raise ValidationError(tr("There is no report you may run."), field="kind")
        if not self.sites.ticked():
            raise ValidationError(tr("Tick at least one site, or tick them all for every site."), field="site_ids")
        partner_ids: tuple[int, ...] = ()
        if kind is ReportKind.REFERRALS and self.may_choose_partners and self.partners.count():
            if not self.partners.ticked():
                raise ValidationError(tr("Tick at least one partner, or tick them all for every partner."),
                                      field="partner_ids")
            partner_ids = () if self.partners.all_ticked() else tuple(self.partners.ticked())
        breakdown = self.breakdown.currentData()
        return ReportRequest(
            kind=kind, since=_date(self.since.date()), until=_date(self.until.date()),
            site_ids=() if self.sites.all_ticked() else tuple(self.sites.ticked()), partner_ids=partner_ids,
            breakdown=Dimension(breakdown) if breakdown else None, grain=Grain(self.grain.currentData()),
            protect=self.protect.isChecked() or not self.may_unprotect)
