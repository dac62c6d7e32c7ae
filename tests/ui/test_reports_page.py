"""The Reports area driven as a manager, coordinator or administrator would, over real services
on SQLite (the report service is proved on SQLite and PostgreSQL in tests/reporting): filters
remembered per person across sessions, a run with progress and a cancel, a refusal that keeps
the choices, the administrator-only disclosure switch, and the area in the main window."""

from __future__ import annotations

import threading
from datetime import date, datetime, timezone

import pytest
from PySide6.QtCore import Qt

from assisted_desk.core.errors import NotFound
from assisted_desk.core.security import Permission, Role
from assisted_desk.reporting.model import (Cell, Chart, ChartKind, Column, Dimension, DrillList, Grain, Measure,
                                           Rag, Report, ReportKind, ReportRequest, Row, Table)
from assisted_desk.reporting.referrals import ReferralReport
from assisted_desk.ui.main_window import MainWindow
from assisted_desk.ui.pages import NotAvailableYetPage
from assisted_desk.ui.reports import ReportsPage
from assisted_desk.ui.reports.filters import ID_ROLE
from assisted_desk.ui.reports.page import PREFERENCE_KEY
from assisted_desk.ui.reports.periods import quick_period
from assisted_desk.ui.workers import wait_for_background_jobs

from ..conftest import make_actor
from .test_start_and_main import unnamed_widgets

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

ARABIC = "مركز الجالية العربية"
GUJARATI = "પ્રિયા ડિજિટલ ક્લબ"


# ---- a report built by hand: every measure, withheld figures, RAG, blanks, every chart kind ------------


def sample_report(kind: ReportKind = ReportKind.REFERRALS, protect: bool = True) -> Report:
    funnel = Table(
        key="funnel", title="Referrals from made to finished", row_title="Step",
        columns=(Column("people", "People"), Column("share", "Of those referred", Measure.PERCENT)),
        rows=[Row("made", "Referred", {"people": Cell(120, drill=True), "share": Cell(100.0, Measure.PERCENT, base=120,
                                                                                         numerator="people")}),
              Row("contacted", "Contacted", {"people": Cell(95, drill=True, rounded=95),
                                            "share": Cell(79.2, Measure.PERCENT, base=120, numerator="people")}),
              Row("attended", "Attended a first session", {"people": Cell(7, drill=True, suppressed=True),
                                                           "share": Cell(5.8, Measure.PERCENT, base=120,
                                                                         numerator="people", suppressed=True)}),
              Row("finished", "Finished", {"people": Cell(40, drill=True), "share": Cell(
                  33.3, Measure.PERCENT, base=120, numerator="people", rag=Rag.AMBER)})],
        chart=Chart(ChartKind.FUNNEL, "From referral to finishing", ("people",)))
    partners = Table(
        key="partners", title="Referrals by partner", row_title="Partner",
        columns=(Column("referred", "Referred", chart=True), Column("finished", "Finished", part_of="referred",
                                                                    chart=True),
                 Column("wait", "Median days to first contact", Measure.DAYS),
                 Column("target", "Against the target", Measure.TEXT)),
        rows=[Row("11", ARABIC, {"referred": Cell(60, drill=True), "finished": Cell(25, drill=True),
                                 "wait": Cell(4.5, Measure.DAYS, base=60), "target": Cell("Green", Measure.TEXT,
                                                                                          rag=Rag.GREEN)}),
              Row("12", GUJARATI, {"referred": Cell(45, drill=True), "finished": Cell(3, suppressed=True, drill=True),
                                   "wait": Cell(12.0, Measure.DAYS, base=45, rag=Rag.RED),
                                   "target": Cell("Red", Measure.TEXT, rag=Rag.RED)}),
              Row("13", "Łukasz's Tech Café", {"referred": Cell(15, drill=True), "finished": Cell(12, drill=True),
                                               "wait": Cell(None, Measure.DAYS, base=0), "target": Cell(None,
                                                                                                      Measure.TEXT)})],
        total=Row("total", "All partners", {"referred": Cell(120), "finished": Cell(40),
                                            "wait": Cell(6.0, Measure.DAYS, base=120), "target": Cell("Amber",
                                                                                                   Measure.TEXT,
                                                                                                   rag=Rag.AMBER)}),
        rows_partition=True, note="A referral counts for the partner it was last sent to.",
        chart=Chart(ChartKind.BAR, "Referred and finished, by partner", ("referred", "finished")))
    months = Table(
        key="months", title="Contacts at the desk by month", row_title="Month",
        columns=(Column("minutes", "Average minutes", Measure.MINUTES),
                 Column("resolved", "Resolved first time", Measure.PERCENT)),
        rows=[Row("2026-09", "September 2026", {"minutes": Cell(12.5, Measure.MINUTES, base=300),
                                                "resolved": Cell(82.0, Measure.PERCENT, base=300, rag=Rag.GREEN)}),
              Row("2026-10", "October 2026", {"minutes": Cell(14.0, Measure.MINUTES, base=8, suppressed=True),
                                              "resolved": Cell(64.5, Measure.PERCENT, base=280, rag=Rag.RED)}),
              Row("2026-11", "November 2026", {"minutes": Cell(11.2, Measure.MINUTES, base=250),
                                               "resolved": Cell(None, Measure.PERCENT, base=0)})],
        chart=Chart(ChartKind.LINE, "Resolved first time, month by month", ("resolved",)))
    equality = Table(
        key="equality_age_band", title="Referrals by age band", row_title="Age band",
        columns=(Column("referred", "Referred"),),
        rows=[Row("65-74", "65 to 74", {"referred": Cell(70, drill=True)}),
              Row("not_recorded", "Not recorded", {"referred": Cell(50, drill=True)})])
    request = ReportRequest(kind, date(2026, 9, 1), date(2026, 11, 23), breakdown=Dimension.AGE_BAND, protect=protect)
    return Report(request=request, title=kind.label, period="1 September 2026 to 23 November 2026",
                  scope=f"All sites; partners: {ARABIC}, {GUJARATI}",
                  generated_at=datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc), generated_by="Amara Okafor",
                  tables=[funnel, partners, months, equality],
                  rules="Disclosure control: counts below 10 are withheld ([c]); other counts are rounded to the "
                        "nearest 5; a percentage or average from fewer than 10 records is withheld.",
                  notes=["Referrals made at closed sites are counted at the site that made them."])


class GatedBuilder:
    """A report whose second step waits until the test lets it go: time to press Cancel."""

    def __init__(self, kind: ReportKind) -> None:
        self.kind = kind
        self.title = kind.label
        self.drill_permission = Permission.VIEW_REPORTS
        self.gate = threading.Event()
        self.requests: list[ReportRequest] = []

    def build(self, session, context):
        self.requests.append(context.request)
        yield "Counting the first month…"
        self.gate.wait(10)
        yield "Counting the second month…"
        yield Table("months", "By month", "Month", (Column("n", "Contacts"),),
                    [Row("2026-11", "November 2026", {"n": Cell(45)})])

    def drill(self, session, context, table, row, column):
        raise NotFound("No list behind that figure.")


class ListingReferralReport(ReferralReport):
    """The referral report's own permission to drill, with a list behind its figures."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str, str]] = []

    def drill(self, session, context, table, row, column):
        self.asked.append((table, row, column))
        return DrillList(title=f"Referred to {ARABIC}", columns=("Reference", "Resident", "Made on"),
                         rows=(("RF-1001", "Łukasz Żółć", "03/09/2026"), ("RF-1002", "محمد عبد الله", "04/09/2026")),
                         references=("RF-1001", "RF-1002"))


# ---- fixtures -------------------------------------------------------------------------------------------


@pytest.fixture
def coordinator(services, admin):
    return make_actor(services, admin, "coordinator", Role.COORDINATOR)


@pytest.fixture
def manager(services, admin):
    return make_actor(services, admin, "manager", Role.MANAGER)


@pytest.fixture
def open_page(qtbot, services):
    def make(actor) -> ReportsPage:
        page = ReportsPage(services, actor)
        qtbot.addWidget(page)
        page.resize(1280, 800)
        page.show()
        page.activateWindow()
        qtbot.waitUntil(page.is_ready, timeout=10_000)
        return page

    return make


def tick_only(ticks, wanted: set[int]) -> None:
    for n in range(ticks.count()):
        item = ticks.item(n)
        item.setCheckState(Qt.CheckState.Checked if item.data(ID_ROLE) in wanted else Qt.CheckState.Unchecked)


def choose(combo, value) -> None:
    combo.setCurrentIndex(combo.findData(value))


def run_and_wait(qtbot, page) -> None:
    page.run_button.click()
    qtbot.waitUntil(lambda: not page.running, timeout=10_000)


# ---- filters ---------------------------------------------------------------------------------------------


def test_filters_are_remembered_for_the_person_in_a_new_session(qtbot, services, admin, coordinator, open_page):
    branch = services.staff.add_site(admin, "Bethnal Green Library", "library")
    hub = services.staff.add_site(admin, "Ștefan's Community Hub", "hub")
    page = open_page(coordinator)
    assert page.filters.kind.count() == 3
    assert page.filters.sites.all_ticked() and page.filters.sites.count() == 3
    choose(page.filters.kind, ReportKind.DESK.value)
    assert page.filters.grain.isVisible() and not page.filters.partners.isVisible()
    choose(page.filters.breakdown, Dimension.FIRST_LANGUAGE.value)
    choose(page.filters.grain, Grain.QUARTER.value)
    tick_only(page.filters.sites, {branch.id, hub.id})
    page.filters.since.setDate(page.filters.since.date().addMonths(-2))  # by hand: the quick choice lets go
    assert page.filters.quick.currentData() == ""
    chosen = page.filters.remembered()
    page.close()  # leaving the area keeps the choices even without running
    wait_for_background_jobs()

    # Another desk, another day's session: the same person finds their choices.
    again = open_page(coordinator)
    assert again.filters.remembered() == chosen
    assert again.filters.current_kind() is ReportKind.DESK
    assert again.filters.breakdown.currentData() == Dimension.FIRST_LANGUAGE.value
    assert sorted(again.filters.sites.ticked()) == sorted([branch.id, hub.id])
    assert again.message.isHidden()
    # Somebody else starts from the defaults.
    other = open_page(admin)
    assert other.filters.current_kind() is ReportKind.REFERRALS and other.filters.sites.all_ticked()
    assert other.filters.quick.currentData() == "this_month"


def test_a_quick_choice_is_remembered_as_a_choice_not_as_old_dates(qtbot, services, coordinator, open_page):
    page = open_page(coordinator)
    page.filters.quick.setCurrentIndex(page.filters.quick.findData("last_quarter"))
    page.filters.quick.activated.emit(page.filters.quick.currentIndex())
    today = date(2026, 11, 23)
    assert (page.filters.since.date().toPython(), page.filters.until.date().toPython()) == \
        quick_period("last_quarter", today) == (date(2026, 7, 1), date(2026, 9, 30))
    page.remember_filters()
    assert services.preferences.read(coordinator, PREFERENCE_KEY)["quick"] == "last_quarter"


def test_a_remembered_partner_that_is_gone_is_dropped_with_a_word(qtbot, services, coordinator, open_page):
    from tests.inclusion.partner_rows import add_organisation

    with services.db.unit_of_work() as session:
        kept = add_organisation(session, GUJARATI).id
        add_organisation(session, ARABIC)
    services.preferences.write(coordinator, PREFERENCE_KEY, {
        "kind": "referrals", "quick": "", "since": "2026-09-01", "until": "2026-10-31", "site_ids": [99_999],
        "partner_ids": [kept, 88_888], "breakdown": "sex", "grain": "month"})
    page = open_page(coordinator)
    assert page.filters.partners.isVisible() and page.filters.partners.count() == 2
    assert page.filters.partners.ticked() == [kept]
    assert page.filters.sites.all_ticked()
    words = page.message.text()
    assert "A partner you chose last time is no longer in the directory" in words
    assert "None of the sites you chose last time exist now: the report covers every site." in words
    assert page.filters.since.date().toPython() == date(2026, 9, 1)
    assert services.preferences.read(coordinator, PREFERENCE_KEY)["partner_ids"] == [kept]


def test_a_manager_chooses_partners_by_name_without_the_directory(qtbot, services, manager, open_page):
    from PySide6.QtCore import Qt

    from tests.inclusion.partner_rows import add_organisation

    with services.db.unit_of_work() as session:
        chosen = add_organisation(session, ARABIC).id
        add_organisation(session, GUJARATI)
    page = open_page(manager)
    assert page.filters.current_kind() is ReportKind.REFERRALS
    assert page.filters.partners.isVisible() and page.filters.partners.count() == 2
    assert page.filters.request().partner_ids == ()
    ticks = page.filters.partners
    for n in range(ticks.count()):
        if ticks.item(n).text() != ARABIC:
            ticks.item(n).setCheckState(Qt.CheckState.Unchecked)
    assert page.filters.request().partner_ids == (chosen,)


def test_only_an_administrator_may_turn_disclosure_control_off(qtbot, admin, coordinator, manager, open_page):
    for actor in (coordinator, manager):
        page = open_page(actor)
        assert not page.filters.protect.isVisible()
        page.filters.protect.setChecked(False)  # even if it were reached somehow
        assert page.filters.request().protect is True
    page = open_page(admin)
    assert page.filters.protect.isVisible() and page.filters.protect.isChecked()
    assert not page.filters.unprotected_warning.isVisible()
    page.filters.protect.setChecked(False)
    assert page.filters.unprotected_warning.isVisible()
    assert "Not for publication" in page.filters.unprotected_warning.text()
    assert page.filters.request().protect is False
    run_and_wait(qtbot, page)
    assert page.view.report.request.protect is False
    assert page.view.unprotected.isVisible() and "Not for publication" in page.view.unprotected.text()
    page.remember_filters()  # never remembered off: the next session starts protected
    assert open_page(admin).filters.protect.isChecked()


# ---- running -------------------------------------------------------------------------------------------------


def test_a_run_shows_progress_and_the_report(qtbot, services, coordinator, open_page):
    builder = GatedBuilder(ReportKind.DESK)
    services.reports.builders[ReportKind.DESK] = builder
    page = open_page(coordinator)
    choose(page.filters.kind, ReportKind.DESK.value)
    choose(page.filters.breakdown, Dimension.SEX.value)
    page.run_button.click()
    assert page.running and page.progress.isVisible() and page.cancel_button.isVisible()
    assert not page.run_button.isEnabled()
    qtbot.waitUntil(lambda: page.progress_text.text() == "Counting the first month…", timeout=10_000)
    builder.gate.set()
    qtbot.waitUntil(lambda: not page.running, timeout=10_000)
    assert not page.progress.isVisible() and not page.cancel_button.isVisible()
    report = page.view.report
    assert report is not None and report.request.breakdown is Dimension.SEX
    assert builder.requests[0].kind is ReportKind.DESK and builder.requests[0].site_ids == ()
    assert page.view.table_views["months"].model().index(0, 1).data() == "45"
    assert all(button.isEnabled() for button in page.export_buttons.values())


def test_cancel_stops_the_run_and_keeps_the_report_shown_before(qtbot, services, coordinator, open_page):
    builder = GatedBuilder(ReportKind.DESK)
    services.reports.builders[ReportKind.DESK] = builder
    page = open_page(coordinator)
    before = sample_report()
    page.show_report(before)
    choose(page.filters.kind, ReportKind.DESK.value)
    page.run_button.click()
    qtbot.waitUntil(lambda: page.progress_text.text() == "Counting the first month…", timeout=10_000)
    qtbot.waitUntil(page.cancel_button.hasFocus, timeout=5_000)
    qtbot.keyClick(page.cancel_button, Qt.Key.Key_Space)
    assert page.progress_text.text() == "Cancelling after the current step…"
    builder.gate.set()
    qtbot.waitUntil(lambda: not page.running, timeout=10_000)
    assert page.message.text() == "Cancelled. The report shown is the one you ran before."
    assert page.message.property("kind") == "info"
    assert page.view.report is before
    assert page.run_button.isEnabled()


def test_a_refusal_is_shown_next_to_the_filters_and_keeps_them(qtbot, services, coordinator, open_page):
    page = open_page(coordinator)
    choose(page.filters.breakdown, Dimension.ETHNICITY.value)
    page.filters.since.setDate(page.filters.until.date().addDays(5))
    page.filters.until.setDate(page.filters.until.date().addDays(-20))
    chosen = page.filters.remembered()
    run_and_wait(qtbot, page)
    assert page.message.isVisible() and page.message.property("kind") == "error"
    assert "before it starts" in page.message.text()
    assert page.filters.remembered() == chosen
    assert page.view.report is None

    tick_only(page.filters.sites, set())
    page.run_button.click()
    assert page.message.text() == "Tick at least one site, or tick them all for every site."
    assert page.filters.sites.hasFocus() or page.filters.sites.isAncestorOf(page.focusWidget())


# ---- the main window --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role, shown", [(Role.COORDINATOR, True), (Role.MANAGER, True), (Role.DESK, False)])
def test_the_main_window_shows_the_reports_page_to_roles_that_view_reports(qtbot, services, admin, role, shown):
    actor = make_actor(services, admin, role.value, role)
    main = MainWindow(services, actor)
    qtbot.addWidget(main)
    assert ("reports" in main.area_pages) is shown
    if shown:
        page = main.area_pages["reports"]
        assert isinstance(page, ReportsPage) and not isinstance(page, NotAvailableYetPage)
        main.show()
        main.show_area("reports")
        qtbot.waitUntil(page.is_ready, timeout=10_000)
        assert unnamed_widgets(page) == []
    main.handing_over = True
    main.close()
    wait_for_background_jobs()
