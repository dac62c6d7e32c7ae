"""The pieces every report shares: periods and London boundaries, days between moments and
percentiles in SQL, equality groups, the report service's refusals, cancelling and audit,
each person's remembered choices, and assessment results as countable rows."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, literal, select

from assisted_desk.core.errors import NotFound, ValidationError
from assisted_desk.core.migrate import downgrade, upgrade
from assisted_desk.core.models import AuditEvent
from assisted_desk.core.security import Actor, PermissionDenied, Role
from assisted_desk.core.db import UtcDateTime
from assisted_desk.desk.equality import EqualityAnswers
from assisted_desk.desk.vocab import AGE_BANDS
from assisted_desk.desk.resident_input import ResidentInput
from assisted_desk.inclusion.models import SkillsResultLevel
from assisted_desk.inclusion.result_codec import result_from_json
from assisted_desk.reporting.model import NOT_RECORDED, Dimension, Grain, ReportKind, ReportRequest
from assisted_desk.reporting.service import Cancelled
from assisted_desk.reporting.sql import days_between, equality_group, london_midnight, percentile, period_index, periods
from tests.conftest import make_actor
from tests.inclusion.conftest import library
from tests.inclusion.test_matching import complete_assessment

UTC = timezone.utc


def test_months_are_clipped_to_the_period_and_quarters_follow_the_calendar():
    months = periods(date(2026, 1, 15), date(2026, 3, 10))
    assert [(p.key, p.label, p.first, p.last) for p in months] == [
        ("2026-01", "January 2026", date(2026, 1, 15), date(2026, 1, 31)),
        ("2026-02", "February 2026", date(2026, 2, 1), date(2026, 2, 28)),
        ("2026-03", "March 2026", date(2026, 3, 1), date(2026, 3, 10))]
    quarters = periods(date(2025, 12, 15), date(2026, 7, 1), Grain.QUARTER)
    assert [(p.key, p.label) for p in quarters] == [
        ("2025-Q4", "Oct–Dec 2025"), ("2026-Q1", "Jan–Mar 2026"), ("2026-Q2", "Apr–Jun 2026"), ("2026-Q3", "Jul–Sep 2026")]
    assert (quarters[0].first, quarters[-1].last) == (date(2025, 12, 15), date(2026, 7, 1))
    assert [p.key for p in periods(date(2026, 2, 3), date(2026, 2, 3))] == ["2026-02"]


def test_a_london_day_starts_an_hour_earlier_in_utc_in_summer():
    assert london_midnight(date(2026, 1, 10)) == datetime(2026, 1, 10, 0, 0, tzinfo=UTC)
    assert london_midnight(date(2026, 7, 10)) == datetime(2026, 7, 9, 23, 0, tzinfo=UTC)


def test_the_database_puts_each_moment_in_its_london_month(services):
    spans = periods(date(2026, 3, 1), date(2026, 4, 30))  # summer time starts on 29 March
    moments = {
        datetime(2026, 3, 1, 0, 0, tzinfo=UTC): 0,
        datetime(2026, 3, 31, 22, 59, tzinfo=UTC): 0,  # 23:59 on 31 March in London
        datetime(2026, 3, 31, 23, 0, tzinfo=UTC): 1,  # midnight on 1 April in London
        datetime(2026, 4, 30, 22, 59, tzinfo=UTC): 1,
        datetime(2026, 4, 30, 23, 0, tzinfo=UTC): None,  # 1 May: after the period
    }
    with services.db.unit_of_work() as session:
        for moment, expected in moments.items():
            assert session.scalar(select(period_index(literal(moment, UtcDateTime()), spans))) == expected, moment


def test_days_between_two_moments_is_worked_out_by_the_database(services):
    start = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    with services.db.unit_of_work() as session:
        for later, days in [(start, 0.0), (start + timedelta(days=2, hours=6), 2.25),
                            (start - timedelta(hours=12), -0.5)]:
            value = session.scalar(select(days_between(literal(later, UtcDateTime()), literal(start, UtcDateTime()))))
            assert value == pytest.approx(days, abs=1e-6)


def test_percentiles_walk_a_histogram():
    assert percentile({}, 0.5) is None
    assert percentile({3.0: 0}, 0.9) is None
    assert percentile({2.0: 1}, 0.5) == 2.0
    assert percentile({1: 1, 2: 1, 3: 1, 4: 1}, 0.5) == 2.5  # the mean of the two middle values
    assert percentile([(5, 3), (1, 2)], 0.5) == 5  # 1 1 5 5 5
    assert percentile({1: 9, 10: 1}, 0.9) == 1  # the 9th of 10
    assert percentile({1: 8, 10: 2}, 0.9) == 10


def test_residents_without_equality_answers_fall_in_not_recorded(services, admin):
    answered = services.residents.register(admin, ResidentInput(given_name="محمد", family_name="Hassan")).id
    services.residents.register(admin, ResidentInput(given_name="Ștefan", family_name="Popescu"))
    services.residents.register(admin, ResidentInput(given_name="પ્રિયા", family_name="Patel"))
    services.residents.record_equality(admin, answered, EqualityAnswers(age_band=AGE_BANDS[-4], first_language="Arabic"), None)
    from assisted_desk.desk.models import Resident, ResidentEquality

    group = equality_group(Dimension.FIRST_LANGUAGE)
    with services.db.unit_of_work() as session:
        rows = session.execute(select(group, func.count()).select_from(Resident).outerjoin(
            ResidentEquality, ResidentEquality.resident_id == Resident.id).group_by(group)).all()
    assert dict((g, n) for g, n in rows) == {"Arabic": 1, NOT_RECORDED: 2}


# ---- the report service ------------------------------------------------------------------------

YEAR = ReportRequest(ReportKind.DESK, date(2025, 11, 1), date(2026, 10, 31))


def test_only_roles_that_view_reports_run_them(services, admin):
    desk = make_actor(services, admin, "desk1", Role.DESK)
    advocate = make_actor(services, admin, "advocate1", Role.ADVOCATE)
    for actor in (desk, advocate):
        assert services.reports.kinds(actor) == ()
        with pytest.raises(PermissionDenied, match="view reports"):
            services.reports.run_now(actor, YEAR)
    for role in (Role.COORDINATOR, Role.MANAGER):
        actor = make_actor(services, admin, f"r{role.value}", role)
        assert set(services.reports.kinds(actor)) == set(ReportKind)
        assert services.reports.run_now(actor, YEAR).period == "1 November 2025 to 31 October 2026"


def test_only_an_administrator_turns_disclosure_control_off(services, admin):
    coordinator = make_actor(services, admin, "coord", Role.COORDINATOR)
    unprotected = ReportRequest(ReportKind.REFERRALS, date(2026, 1, 1), date(2026, 1, 31), protect=False)
    with pytest.raises(PermissionDenied):
        services.reports.run_now(coordinator, unprotected)
    report = services.reports.run_now(admin, unprotected)
    assert "OFF" in report.rules and "not for publication" in report.rules
    assert "OFF" not in services.reports.run_now(coordinator, YEAR).rules


@pytest.mark.parametrize("since, until, message", [
    (date(2026, 2, 1), date(2026, 1, 31), "ends .* before it starts"),
    (date(2019, 1, 1), date(2026, 1, 31), "at most 6 years"),
])
def test_a_period_that_cannot_be_reported_is_refused_with_the_reason(services, admin, since, until, message):
    with pytest.raises(ValidationError, match=message):
        services.reports.run_now(admin, ReportRequest(ReportKind.SKILLS, since, until))


@pytest.mark.parametrize("kind", list(ReportKind))
@pytest.mark.parametrize("since, until, field", [
    (date(9999, 1, 1), date(9999, 12, 31), "since"),  # far future: crashed every report
    (date(1, 1, 1), date(1, 12, 31), "since"),  # year 1: the desk report's previous period crashed
    (date(1999, 12, 31), date(2000, 1, 31), "since"),
    (date(2099, 12, 1), date(2100, 1, 1), "until"),
])
def test_dates_outside_the_years_reports_cover_are_refused_with_the_range(services, admin, kind, since, until, field):
    with pytest.raises(ValidationError, match="from 1 January 2000 to 31 December 2099; .* is outside") as refused:
        services.reports.run_now(admin, ReportRequest(kind, since, until))
    assert refused.value.field == field


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("kind", list(ReportKind))
def test_the_first_and_last_days_reports_cover_can_be_reported(services, admin, kind):
    for since, until in [(date(2000, 1, 1), date(2000, 3, 31)), (date(2099, 10, 1), date(2099, 12, 31))]:
        assert services.reports.run_now(admin, ReportRequest(kind, since, until)).tables


def test_a_site_that_no_longer_exists_is_refused(services, admin):
    with pytest.raises(NotFound, match="site"):
        services.reports.run_now(admin, ReportRequest(ReportKind.DESK, date(2026, 1, 1), date(2026, 1, 31),
                                                      site_ids=(9999,)))


def test_the_scope_names_the_sites_chosen(services, admin):
    report = services.reports.run_now(admin, ReportRequest(ReportKind.DESK, date(2026, 1, 1), date(2026, 1, 31),
                                                           site_ids=(admin.site_id,)))
    assert report.scope == "Central Library"
    assert services.reports.run_now(admin, YEAR).scope == "All sites"


def test_a_cancelled_report_stops_and_produces_nothing(services, admin):
    steps = services.reports.run(admin, YEAR, cancelled=lambda: True)
    assert next(steps).startswith("Counting")
    with pytest.raises(Cancelled):
        for _line in steps:
            pass


def test_running_a_report_is_audited(services, admin):
    services.reports.run_now(admin, YEAR)
    with services.db.unit_of_work() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "report.run")).all()
        assert [(e.actor, e.record_id, e.summary) for e in events] == [("admin", "desk", "2025-11-01 to 2026-10-31")]


def test_drilling_into_figures_needs_the_records_permission_and_never_an_equality_group(services, admin):
    manager = make_actor(services, admin, "manager1", Role.MANAGER)
    coordinator = make_actor(services, admin, "coord1", Role.COORDINATOR)
    referrals = ReportRequest(ReportKind.REFERRALS, date(2026, 1, 1), date(2026, 1, 31))
    assert not services.reports.may_drill(manager, ReportKind.REFERRALS)
    assert services.reports.may_drill(coordinator, ReportKind.REFERRALS)
    with pytest.raises(PermissionDenied, match="not the records"):
        services.reports.drill(manager, referrals, "funnel", "made", "count")
    with pytest.raises(PermissionDenied, match="single people out"):
        services.reports.drill(coordinator, referrals, "equality_sex", "Female", "made")


# ---- each person's remembered choices --------------------------------------------------------------


def test_each_person_finds_their_own_choices_again(services, admin):
    coordinator = make_actor(services, admin, "coord2", Role.COORDINATOR)
    chosen = {"kind": "referrals", "sites": [1], "note": "Łukasz محمد પ્રિયા"}
    services.preferences.write(coordinator, "reports.filters", chosen)
    assert services.preferences.read(coordinator, "reports.filters") == chosen
    assert services.preferences.read(admin, "reports.filters") is None  # someone else's, not mine
    services.preferences.write(coordinator, "reports.filters", {"kind": "desk"})
    assert services.preferences.read(coordinator, "reports.filters") == {"kind": "desk"}


def test_choices_are_a_convenience_never_a_failure(services, admin):
    command_line = Actor(None, "cli:someone", "Command line", Role.ADMIN, None, "")
    services.preferences.write(command_line, "reports.filters", {"kind": "desk"})
    assert services.preferences.read(command_line, "reports.filters") is None
    with pytest.raises(ValidationError, match="too large"):
        services.preferences.write(admin, "reports.filters", {"text": "x" * 30_000})
    from assisted_desk.core.models import StaffPreference

    with services.db.unit_of_work() as session:
        session.add(StaffPreference(staff_id=admin.staff_id, key="broken", value="{not json",
                                    updated_at=datetime(2026, 11, 23, tzinfo=UTC)))
    assert services.preferences.read(admin, "broken") is None


# ---- assessment results as rows ----------------------------------------------------------------------


def _levels(services) -> set[tuple]:
    with services.db.unit_of_work() as session:
        return {(r.assessment_id, r.area, r.level, r.status, r.on_my_own)
                for r in session.scalars(select(SkillsResultLevel))}


def test_a_completed_result_is_kept_as_rows_and_rebuilt_from_its_json_by_the_migration(services, admin):
    services.skills.frameworks = library("one")
    coordinator = make_actor(services, admin, "coord3", Role.COORDINATOR)
    resident = services.residents.register(admin, ResidentInput(given_name="Łukasz", family_name="Nowak")).id
    record = complete_assessment(services, coordinator, resident, help_with=("T-L1", "F2"))
    result = result_from_json(record_json(services, record.id))
    expected = {(record.id, "", s.level.value, s.status.value, s.on_my_own) for s in result.overall} | {
        (record.id, a.area, s.level.value, s.status.value, s.on_my_own) for a in result.areas for s in a.levels}
    assert _levels(services) == expected and len(expected) > 3
    downgrade(services.db, "0007")
    upgrade(services.db)
    assert _levels(services) == expected


def record_json(services, assessment_id: int) -> str:
    from assisted_desk.inclusion.models import SkillsAssessment

    with services.db.unit_of_work() as session:
        return session.get(SkillsAssessment, assessment_id).result_json


def test_a_hidden_figure_keeps_no_colour_that_would_hint_at_it():
    from assisted_desk.reporting.disclosure import DisclosureRules, protect
    from assisted_desk.reporting.model import Cell, Column, Measure, Rag, Row, Table

    table = Table("t", "T", "Site", (Column("n", "Contacts"), Column("good", "Good", Measure.PERCENT)), [
        Row("a", "A", {"n": Cell(4), "good": Cell(75.0, Measure.PERCENT, base=4, rag=Rag.RED)}),
        Row("b", "B", {"n": Cell(40), "good": Cell(50.0, Measure.PERCENT, base=40, rag=Rag.GREEN)})])
    protect(table, DisclosureRules())
    hidden, shown = table.row("a").cells["good"], table.row("b").cells["good"]
    assert hidden.suppressed and hidden.rag is None
    assert not shown.suppressed and shown.rag is Rag.GREEN


def test_anyone_who_views_reports_chooses_partners_by_name(services, admin):
    from tests.inclusion.partner_rows import add_organisation

    with services.db.unit_of_work() as session:
        arabic = add_organisation(session, "مركز المجتمع العربي").id
        polish = add_organisation(session, "Polski Klub Cyfrowy").id
    manager = make_actor(services, admin, "manager2", Role.MANAGER)
    choices = services.reports.partner_choices(manager)
    assert {(c.id, c.name, c.gone) for c in choices} == {(arabic, "مركز المجتمع العربي", False),
                                                         (polish, "Polski Klub Cyfrowy", False)}
    with pytest.raises(PermissionDenied):
        services.reports.partner_choices(make_actor(services, admin, "desk2", Role.DESK))


def test_words_about_a_hidden_figure_are_withheld_with_it():
    from assisted_desk.reporting.disclosure import WITHHELD_WORDS, DisclosureRules, protect
    from assisted_desk.reporting.model import Cell, Column, Measure, Rag, Row, Table

    def row(key, value, base):
        return Row(key, key, {"value": Cell(value, Measure.PERCENT, base=base),
                              "rag": Cell("Red", Measure.TEXT, rag=Rag.RED, numerator="value"),
                              "trend": Cell("Down 3 points on the previous period", Measure.TEXT, numerator="value")})

    table = Table("indicators", "Indicators", "Indicator", (Column("value", "This period", Measure.PERCENT),
                  Column("rag", "Against target", Measure.TEXT), Column("trend", "Trend", Measure.TEXT)),
                  [row("small", 50.0, 6), row("large", 50.0, 60)])
    protect(table, DisclosureRules())
    small, large = table.row("small").cells, table.row("large").cells
    assert small["value"].suppressed
    assert (small["rag"].value, small["rag"].rag, small["trend"].value) == (WITHHELD_WORDS, None, WITHHELD_WORDS)
    assert (large["rag"].value, large["rag"].rag) == ("Red", Rag.RED)
