"""The Admin area: staff accounts, sites, the audit log, desk settings, the service catalogue,
the back office, and the case types and bank holidays of advocacy casework.

Each tab appears only for a role that may use it; the services refuse the rest anyway."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget

from ...core.security import Actor, Permission
from ...services import Services
from .audit import AuditTab, AuditTableModel
from .backoffice import BackOfficeTab
from .bank_holidays import BankHolidaysTab, BankHolidayTableModel
from .case_types import CaseTypesTab, CaseTypeTableModel
from .catalogue import CatalogueTab
from .report_settings import ReportSettingsTab
from .settings import SettingsTab
from .sites import SitesTab, SiteTableModel
from .staff import StaffTab, StaffTableModel

__all__ = ["AdminPage", "AuditTableModel", "BankHolidayTableModel", "CaseTypeTableModel", "SiteTableModel",
           "StaffTableModel"]


class AdminPage(QWidget):
    # The idle lock was saved; the main window applies it to this desk at once.
    idle_lock_changed = Signal(int)
    # The back office's address, token or certificate changed: the sender tries again at once.
    backoffice_changed = Signal()

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.staff_tab: StaffTab | None = None
        self.sites_tab: SitesTab | None = None
        self.audit_tab: AuditTab | None = None
        self.settings_tab: SettingsTab | None = None
        self.catalogue_tab: CatalogueTab | None = None
        self.backoffice_tab: BackOfficeTab | None = None
        self.case_types_tab: CaseTypesTab | None = None
        self.bank_holidays_tab: BankHolidaysTab | None = None
        self.report_settings_tab: ReportSettingsTab | None = None

        title = QLabel(self.tr("Administration"))
        title.setObjectName("pageTitle")
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName(self.tr("Administration areas"))
        self.tabs.setDocumentMode(True)
        if actor.may(Permission.MANAGE_STAFF):
            self.staff_tab = StaffTab(services, actor)
            self._add_tab(self.staff_tab, self.tr("&Staff"), self.tr("Staff accounts"))
        if actor.may(Permission.MANAGE_SITES):
            self.sites_tab = SitesTab(services, actor)
            self._add_tab(self.sites_tab, self.tr("S&ites"), self.tr("Sites"))
        if actor.may(Permission.VIEW_AUDIT):
            self.audit_tab = AuditTab(services, actor)
            self._add_tab(self.audit_tab, self.tr("A&udit log"), self.tr("Audit log"))
        if actor.may(Permission.MANAGE_SETTINGS):
            self.settings_tab = SettingsTab(services, actor)
            self.settings_tab.idle_lock_changed.connect(self.idle_lock_changed)
            self._add_tab(self.settings_tab, self.tr("Desk settin&gs"), self.tr("Desk settings"))
        if actor.may(Permission.MANAGE_CATALOGUE):
            self.catalogue_tab = CatalogueTab(services, actor)
            self._add_tab(self.catalogue_tab, self.tr("Service &catalogue"), self.tr("Service catalogue"))
        if actor.may(Permission.MANAGE_SETTINGS):
            self.backoffice_tab = BackOfficeTab(services, actor)
            self.backoffice_tab.changed.connect(self.backoffice_changed)
            self._add_tab(self.backoffice_tab, self.tr("&Back office"), self.tr("Back office"))
            self.report_settings_tab = ReportSettingsTab(services, actor)
            self._add_tab(self.report_settings_tab, self.tr("&Reports"), self.tr("Reports"))
        if actor.may(Permission.MANAGE_CASE_TYPES):
            self.case_types_tab = CaseTypesTab(services, actor)
            self._add_tab(self.case_types_tab, self.tr("Case t&ypes"), self.tr("Case types"))
            self.bank_holidays_tab = BankHolidaysTab(services, actor)
            self._add_tab(self.bank_holidays_tab, self.tr("Ban&k holidays"), self.tr("Bank holidays"))
        self.privacy_tab = None  # retention, legal holds and erasure (issue 10)
        if any(actor.may(p) for p in (Permission.MANAGE_RETENTION, Permission.PLACE_LEGAL_HOLDS,
                                      Permission.ERASE_RESIDENTS)):
            from .privacy import ResidentsDataTab

            self.privacy_tab = ResidentsDataTab(services, actor)
            self._add_tab(self.privacy_tab, self.tr("Residents' &data"), self.tr("Residents' data"))
            self.privacy_tab.refresh()

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        if self.tabs.count():
            layout.addWidget(self.tabs, 1)
        else:
            self.tabs.hide()
            nothing = QLabel(self.tr("Your role ({0}) has no administration tasks. Ask an administrator if you "
                                     "need a staff account, a site or a setting changed.").format(actor.role.label))
            nothing.setWordWrap(True)
            nothing.setAccessibleName(self.tr("No administration tasks"))
            layout.addWidget(nothing)
            layout.addStretch(1)
        # What one tab changes, the others show: a renamed site, an account disabled in the log.
        if self.sites_tab is not None and self.staff_tab is not None:
            self.sites_tab.changed.connect(self.staff_tab.refresh)
        self.tabs.currentChanged.connect(self._tab_shown)
        self.refresh()

    def _add_tab(self, tab: QWidget, text: str, accessible_name: str) -> None:
        tab.setAccessibleName(accessible_name)
        index = self.tabs.addTab(tab, text)
        self.tabs.setTabToolTip(index, accessible_name)

    def refresh(self) -> None:
        """Reload every tab from the database."""
        for tab in (self.staff_tab, self.sites_tab, self.audit_tab, self.settings_tab, self.catalogue_tab,
                    self.backoffice_tab, self.case_types_tab, self.bank_holidays_tab, self.report_settings_tab):
            if tab is not None:
                tab.refresh()

    def _tab_shown(self, index: int) -> None:
        # The audit log grows while other tabs are used; show it as it is now.
        if self.audit_tab is not None and self.tabs.widget(index) is self.audit_tab:
            self.audit_tab.refresh()
