"""The skills progress report on SQLite and PostgreSQL, over a small set of assessments taken
through the assessment service with every figure known in advance.

The framework is the test one (tests/inclusion/frameworks/one, version T1): three foundation
tasks, and per skill area life tasks (one asked in a quick assessment, two in a full one) and one
work task (full only). Coordinators at Central Library (C) and Northgate Hub (N). The period is
October 2026 (London days; clocks go back on 25 October), so it runs from 2026-09-30 23:00 UTC
to 2026-11-01 00:00 UTC. Times below are UTC.

  Łukasz (R1)  a1 quick C 2026-06-10 12:00  F1 own, F2 F3 can't, T-L1 with help, rest own
               a2 quick C 2026-10-15 12:00  F3 with help, rest own; barriers no home internet, literacy
  Ștefan (R2)  a3 full  C 2026-09-30 23:30  (00:30 on 1 Oct in London) all own; barriers confidence, no device
               a4 quick N 2026-10-31 23:59  F3 can't, rest own; barrier no device
  محمد (R3)    a5 quick C 2026-09-30 22:30  (23:30 on 30 Sep in London) all own; then one in progress
               and one discarded in October
  પ્રિયા (R4)   a7 quick C 2026-10-05 12:00  foundation own, every life task can't; barriers skills, cost
               a6 full  C 2026-11-01 00:00  (after the period) all own
  Amy (R5)     a8 quick C 2026-03-01 12:00  T-L1 with help, rest own
               a9 full  N 2026-10-10 12:00  all own; barriers confidence, skills

Referrals (sent unless said): R1 2026-10-20 ["free_data"]; R2 2026-10-01 from a3 ["confidence"];
R2 draft 2026-10-02 ["device_lending"]; R4 2026-10-06 ["transacting"]; R4 2026-11-02
["free_data"]; R5 2026-10-09 (before a9 was completed) ["confidence", "transacting"]."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import event, select

from assisted_desk.core.errors import NotFound, PermissionDenied
from assisted_desk.core.security import Role
from assisted_desk.desk.models import ResidentEquality
from assisted_desk.inclusion.models import SkillsAssessment, SkillsResultLevel
from assisted_desk.inclusion.referral_models import Referral
from assisted_desk.inclusion.result_codec import result_from_json
from assisted_desk.inclusion.skills_vocab import Answer, Evidence
from assisted_desk.reporting.model import Dimension, Measure, ReportKind, ReportRequest
from tests.conftest import make_actor
from tests.inclusion.conftest import library
from tests.inclusion.referral_fixtures import add_partner, register

from .facts_check import capture, check_percentages, fact_values, where_facts

OWN, HELP, CANT = Answer.ON_MY_OWN, Answer.WITH_HELP, Answer.CANT_YET
OCTOBER = (date(2026, 10, 1), date(2026, 10, 31))


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def move_clock(clock, when: datetime) -> None:
    clock.advance(seconds=(when - clock.now()).total_seconds())


def assess(services, actor, resident_id, kind, when, answers=None, barriers=(), *, complete=True) -> int:
    """An assessment taken through the service, completed at `when`; unlisted answers are "on my own"."""
    clock = services.clock
    move_clock(clock, when.replace(minute=0) if when.minute else when)
    record = services.skills.start(actor, resident_id, kind)
    for statement in record.statements:
        record = services.skills.record_answer(actor, record.id, statement.code,
                                               (answers or {}).get(statement.code, OWN), Evidence.SAID)
    if barriers:
        services.skills.save_barriers(actor, record.id, {b: "" for b in barriers})
    if complete:
        move_clock(clock, when)
        services.skills.complete(actor, record.id)
    return record.id


def refer(services, resident_id, service_id, created: datetime, needs, *, sent=True, assessment_id=None) -> None:
    with services.db.unit_of_work() as session:
        session.add(Referral(
            reference=f"RF-{resident_id:02d}{created:%d%H}-{len(needs)}{int(sent)}", resident_id=resident_id,
            service_id=service_id, assessment_id=assessment_id, need_areas=json.dumps(needs), method="email",
            status="sent" if sent else "draft", sent_at=created if sent else None, created_at=created,
            created_by="tests", last_update_at=created, updated_at=created, updated_by="tests"))


@pytest.fixture
def world(services, admin):
    services.skills.frameworks = library("one")
    report = services.reports.builders[ReportKind.SKILLS]
    report.frameworks = library("one")
    hub = services.staff.add_site(admin, "Northgate Hub", "hub")
    central = make_actor(services, admin, "coordinator", Role.COORDINATOR)
    north = replace(central, site_id=hub.id, site_name=hub.name)
    r = {n: register(services, admin, given, family) for n, (given, family) in enumerate(
        [("Łukasz", "Żółć"), ("Ștefan", "Popescu"), ("محمد", "علي"), ("પ્રિયા", "પટેલ"), ("Amy", "Brown")], 1)}
    a = {}
    a[1] = assess(services, central, r[1], "quick", utc(2026, 6, 10, 12), {"F2": CANT, "F3": CANT, "T-L1": HELP})
    a[2] = assess(services, central, r[1], "quick", utc(2026, 10, 15, 12), {"F3": HELP},
                  ["no_home_internet", "literacy"])
    a[3] = assess(services, central, r[2], "full", utc(2026, 9, 30, 23, 30), {}, ["confidence", "no_device"])
    a[4] = assess(services, north, r[2], "quick", utc(2026, 10, 31, 23, 59), {"F3": CANT}, ["no_device"])
    a[5] = assess(services, central, r[3], "quick", utc(2026, 9, 30, 22, 30))
    dropped = assess(services, central, r[3], "quick", utc(2026, 10, 3, 12), complete=False)
    services.skills.discard(central, dropped, "Started for the wrong resident")
    assess(services, central, r[3], "quick", utc(2026, 10, 4, 12), complete=False)  # still in progress
    life = {s: CANT for s in ("C-L1", "H-L1", "T-L1", "P-L1", "S-L1")}
    a[7] = assess(services, central, r[4], "quick", utc(2026, 10, 5, 12), life, ["skills", "cost"])
    a[6] = assess(services, central, r[4], "full", utc(2026, 11, 1, 0, 0))
    a[8] = assess(services, central, r[5], "quick", utc(2026, 3, 1, 12), {"T-L1": HELP})
    a[9] = assess(services, north, r[5], "full", utc(2026, 10, 10, 12), {}, ["confidence", "skills"])
    service = add_partner(services, "Get Online Trust")
    refer(services, r[1], service, utc(2026, 10, 20, 9), ["free_data"])
    refer(services, r[2], service, utc(2026, 10, 1, 9), ["confidence"], assessment_id=a[3])
    refer(services, r[2], service, utc(2026, 10, 2, 9), ["device_lending"], sent=False)
    refer(services, r[4], service, utc(2026, 10, 6, 9), ["transacting"])
    refer(services, r[4], service, utc(2026, 11, 2, 9), ["free_data"])
    refer(services, r[5], service, utc(2026, 10, 9, 9), ["confidence", "transacting"])
    with services.db.unit_of_work() as session:
        now = services.clock.now()
        for n, sex in ((1, "Male"), (2, "Male"), (4, "Female")):
            session.add(ResidentEquality(resident_id=r[n], sex=sex, updated_at=now, updated_by="tests"))
    move_clock(services.clock, utc(2026, 11, 23, 10))
    return {"r": r, "a": a, "hub": hub.id, "central": central}


def run(services, actor, since=OCTOBER[0], until=OCTOBER[1], **kwargs):
    kwargs.setdefault("protect", False)
    return services.reports.run_now(actor, ReportRequest(ReportKind.SKILLS, since, until, **kwargs))


def figures(table, *columns):
    """{row key: (values of the columns)}, percentages to one decimal place."""
    def value(cell):
        return round(cell.value, 1) if cell.measure is Measure.PERCENT and cell.value is not None else cell.value
    rows = [*table.rows, *([table.total] if table.total else [])]
    return {row.key: tuple(value(row.cells[c]) for c in columns) for row in rows}


def test_completing_an_assessment_writes_the_result_as_rows(services, world):
    with services.db.unit_of_work() as session:
        for assessment_id in world["a"].values():
            row = session.get(SkillsAssessment, assessment_id)
            result = result_from_json(row.result_json)
            expected = {("", s.level.value, s.status.value, s.on_my_own) for s in result.overall}
            expected |= {(a.area, s.level.value, s.status.value, s.on_my_own) for a in result.areas for s in a.levels}
            stored = {(x.area, x.level, x.status, x.on_my_own) for x in session.scalars(
                select(SkillsResultLevel).where(SkillsResultLevel.assessment_id == assessment_id))}
            assert stored == expected
        a2 = {(x.area, x.level): (x.status, x.on_my_own) for x in session.scalars(
            select(SkillsResultLevel).where(SkillsResultLevel.assessment_id == world["a"][2]))}
    assert a2[("", "foundation")] == ("not_reached", 2)
    assert a2[("transacting", "life")] == ("reached", 1) and a2[("transacting", "work")] == ("not_assessed", 0)
    assert len(a2) == 3 + 1 + 5 * 2  # overall 3 levels, the foundation area 1, five areas × life and work


def test_every_figure_for_october(services, admin, world):
    report = run(services, admin)
    assert [t.key for t in report.tables] == ["assessed", "levels", "movement", "barriers"]
    assessed = report.table("assessed")
    assert assessed.rows_partition and [r.key for r in assessed.rows] == ["first_time", "reassessed"]
    assert figures(assessed, "residents", "share", "assessments", "quick", "full") == {
        "first_time": (2, 50.0, 3, 2, 1), "reassessed": (2, 50.0, 2, 1, 1), "total": (4, 100.0, 5, 3, 2)}
    assert assessed.row("first_time").cells["share"].base == 4
    assert assessed.row("first_time").cells["share"].numerator == "residents"

    levels = report.table("levels")
    assert figures(levels, "assessed", "reached", "not_reached", "not_assessed", "share") == {
        "foundation": (4, 2, 2, 0, 50.0), "life": (4, 1, 3, 0, 25.0), "work": (4, 1, 0, 3, 25.0)}
    assert levels.chart is not None and levels.row("life").cells["share"].numerator == "reached"

    movement = report.table("movement")
    assert [r.label for r in movement.rows][:2] == ["Foundation skills", "Communicating"]
    assert figures(movement, "compared", "up", "same", "down", "share") == {
        "foundation": (3, 1, 1, 1, 33.3), "communicating": (3, 0, 3, 0, 0.0),
        "handling_information": (3, 0, 3, 0, 0.0), "transacting": (3, 2, 1, 0, 66.7),
        "problem_solving": (3, 0, 3, 0, 0.0), "being_safe": (3, 0, 3, 0, 0.0)}
    assert movement.column("up").part_of == "compared"

    barriers = report.table("barriers")
    assert [r.key for r in barriers.rows] == [
        "no_device", "skills", "confidence", "no_home_internet", "cost", "literacy", "motivation", "access_sight",
        "access_hearing", "access_dexterity", "access_memory", "language"]
    assert figures(barriers, "recorded", "addressed", "share") == {
        "no_device": (2, 0, 0.0), "skills": (2, 1, 50.0), "confidence": (2, 1, 50.0),
        "no_home_internet": (1, 1, 100.0), "cost": (1, 0, 0.0), "literacy": (1, None, None),
        "motivation": (0, 0, None), "access_sight": (0, 0, None), "access_hearing": (0, 0, None),
        "access_dexterity": (0, 0, None), "access_memory": (0, 0, None), "language": (0, 0, None)}
    assert "Reading and writing (literacy)" in barriers.note
    assert assessed.row("total").cells["residents"].drill and not barriers.row("cost").cells["addressed"].drill


def test_every_table_is_counted_by_one_statement_that_ranks_the_period_once(services, admin, world):
    """The period's assessments are read and ranked per resident once, for every table and the
    breakdown, and the referrals are joined once (for the barriers addressed)."""
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(services.db.engine, "before_cursor_execute", listener)
    try:
        report = run(services, admin, breakdown=Dimension.SEX)
    finally:
        event.remove(services.db.engine, "before_cursor_execute", listener)
    counted = [s for s in statements if "skills_assessment" in s]
    assert len(counted) == 1 and len(report.tables) == 5
    assert counted[0].lower().count("row_number()") == 1 and counted[0].count("JOIN referral ON") == 1


def test_a_barrier_is_addressed_once_by_a_referral_made_from_its_assessment_whenever_it_was_made(
        services, admin, world):
    r, a = world["r"], world["a"]
    service = add_partner(services, "Devices for All")
    # Made from a4 (Ștefan's, 31 Oct) after the period ended: it meets a4's "no device", not a3's
    # (a3's would need one made before the period ended, or made from a3).
    refer(services, r[2], service, utc(2026, 11, 5, 9), ["device_lending"], assessment_id=a[4])
    # A second referral meeting Łukasz's "no home internet": still one barrier addressed.
    refer(services, r[1], service, utc(2026, 10, 25, 9), ["free_data", "free_device"])
    barriers = run(services, admin).table("barriers")
    found = figures(barriers, "recorded", "addressed", "share")
    assert {key: found[key] for key in ("no_device", "no_home_internet", "confidence", "skills", "cost")} == {
        "no_device": (2, 1, 50.0), "no_home_internet": (1, 1, 100.0), "confidence": (2, 1, 50.0),
        "skills": (2, 1, 50.0), "cost": (1, 0, 0.0)}
    request = ReportRequest(ReportKind.SKILLS, *OCTOBER, protect=False)
    met = services.reports.drill(admin, request, "barriers", "no_device", "addressed")
    assert met.rows == (("Ștefan Popescu", "31 October 2026", "Quick", "None reached", "Northgate Hub"),)
    assert len(services.reports.drill(admin, request, "barriers", "no_home_internet", "addressed").rows) == 1


def test_the_sites_filter_counts_where_the_assessment_was_taken(services, admin, world):
    report = run(services, admin, site_ids=(admin.site_id,))  # Central Library
    assert figures(report.table("assessed"), "residents", "assessments", "quick", "full") == {
        "first_time": (2, 2, 1, 1), "reassessed": (1, 1, 1, 0), "total": (3, 3, 2, 1)}
    assert figures(report.table("levels"), "reached", "not_reached", "not_assessed") == {
        "foundation": (2, 1, 0), "life": (1, 2, 0), "work": (1, 0, 2)}
    hub = run(services, admin, site_ids=(world["hub"],))
    assert figures(hub.table("assessed"), "residents", "assessments") == {
        "first_time": (1, 1), "reassessed": (1, 1), "total": (2, 2)}
    assert hub.scope == "Northgate Hub"


@pytest.mark.parametrize("day, first_time", [(date(2026, 9, 30), 1), (date(2026, 10, 1), 1),
                                             (date(2026, 10, 31), 0), (date(2026, 11, 1), 0)])
def test_london_days_decide_the_period_edges(services, admin, world, day, first_time):
    # 30 Sep: only a5 (23:30 in London), محمد's first. 1 Oct: only a3 (00:30 in London), Ștefan's first.
    # 31 Oct: only a4 (23:59, GMT again), Ștefan's second. 1 Nov: only a6 (midnight), Priya's second.
    report = run(services, admin, since=day, until=day)
    assert figures(report.table("assessed"), "residents", "assessments") == {
        "first_time": (first_time, first_time), "reassessed": (1 - first_time, 1 - first_time), "total": (1, 1)}


def test_an_empty_period_counts_nothing(services, admin, world):
    report = run(services, admin, since=date(2025, 1, 1), until=date(2025, 1, 31))
    assert figures(report.table("assessed"), "residents", "share", "assessments") == {
        "first_time": (0, None, 0), "reassessed": (0, None, 0), "total": (0, None, 0)}
    assert {v for row in figures(report.table("levels"), "reached", "share").values() for v in row} == {0, None}
    assert all(row.cells["compared"].value == 0 for row in report.table("movement").rows)
    assert all(row.cells["recorded"].value == 0 for row in report.table("barriers").rows)
    with pytest.raises(NotFound):
        services.reports.drill(admin, ReportRequest(ReportKind.SKILLS, date(2025, 1, 1), date(2025, 1, 31)),
                               "assessed", "total", "residents")


def test_broken_down_by_sex(services, admin, world):
    report = run(services, admin, breakdown=Dimension.SEX)
    table = report.table("equality_sex")
    assert table.rows_partition and [r.key for r in table.rows] == ["Female", "Male", "Not recorded"]
    assert figures(table, "residents", "foundation", "life", "work", "foundation_share") == {
        "Female": (1, 1, 0, 0, 100.0), "Male": (2, 0, 0, 0, 0.0), "Not recorded": (1, 1, 1, 1, 100.0),
        "total": (4, 2, 1, 1, 50.0)}
    assert not any(cell.drill for row in table.rows for cell in row.cells.values())


def test_drill_down_lists_the_records_behind_a_figure(services, admin, world):
    assert services.reports.may_drill(world["central"], ReportKind.SKILLS)
    with pytest.raises(PermissionDenied, match="hidden to protect"):  # a coordinator's figures are protected
        services.reports.drill(world["central"], ReportRequest(ReportKind.SKILLS, *OCTOBER), "assessed", "total",
                               "residents")
    request = ReportRequest(ReportKind.SKILLS, *OCTOBER, protect=False)  # every figure here is under 10
    coordinator = admin
    listing = services.reports.drill(coordinator, request, "assessed", "first_time", "residents")
    assert listing.columns == ("Resident", "Assessed on", "Kind", "Highest level", "Site")
    assert listing.rows == (("Ștefan Popescu", "31 October 2026", "Quick", "None reached", "Northgate Hub"),
                            ("પ્રિયા પટેલ", "5 October 2026", "Quick", "Foundation", "Central Library"))
    assert listing.title == "First assessment ever: residents (latest assessment)"
    assert listing.references == ("", "") and not listing.truncated  # residents carry no reference of their own
    assert len(services.reports.drill(coordinator, request, "assessed", "total", "assessments").rows) == 5
    full = services.reports.drill(coordinator, request, "assessed", "reassessed", "full")
    assert full.title == "Assessed before: full assessments completed" and [r[0] for r in full.rows] == ["Amy Brown"]
    work = services.reports.drill(coordinator, request, "levels", "work", "reached")
    assert work.rows == (("Amy Brown", "10 October 2026", "Full", "For work", "Northgate Hub"),)
    assert len(services.reports.drill(coordinator, request, "levels", "work", "not_assessed").rows) == 3
    up = services.reports.drill(coordinator, request, "movement", "transacting", "up")
    assert [r[0] for r in up.rows] == ["Łukasz Żółć", "Amy Brown"]
    down = services.reports.drill(coordinator, request, "movement", "foundation", "down")
    assert [r[0] for r in down.rows] == ["Ștefan Popescu"]
    met = services.reports.drill(coordinator, request, "barriers", "confidence", "addressed")
    assert met.rows == (("Ștefan Popescu", "1 October 2026", "Full", "For work", "Central Library"),)
    assert len(services.reports.drill(coordinator, request, "barriers", "no_device", "recorded").rows) == 2
    for table, row, column in [("barriers", "cost", "addressed"), ("levels", "foundation", "share"),
                               ("nonsense", "x", "y"), ("movement", "nowhere", "up")]:
        with pytest.raises(NotFound):
            services.reports.drill(coordinator, request, table, row, column)


def test_drill_down_lists_match_every_count(services, admin, world):
    report = run(services, admin)
    request = ReportRequest(ReportKind.SKILLS, *OCTOBER, protect=False)
    for table in report.tables:
        for row in [*table.rows, *([table.total] if table.total else [])]:
            for key, cell in row.cells.items():
                if cell.measure is Measure.COUNT and cell.value:
                    assert cell.drill
                    listing = services.reports.drill(admin, request, table.key, row.key, key)
                    assert len(listing.rows) == cell.value, (table.key, row.key, key)


def test_who_may_run_and_drill(services, admin, world):
    request = ReportRequest(ReportKind.SKILLS, *OCTOBER)
    manager = make_actor(services, admin, "manager", Role.MANAGER)
    assert run(services, manager, protect=True).table("assessed")  # figures, yes
    assert not services.reports.may_drill(manager, ReportKind.SKILLS)
    with pytest.raises(PermissionDenied):
        services.reports.drill(manager, request, "assessed", "total", "residents")
    with pytest.raises(PermissionDenied):
        services.reports.drill(admin, ReportRequest(ReportKind.SKILLS, *OCTOBER, breakdown=Dimension.SEX),
                               "equality_sex", "Male", "residents")
    desk = make_actor(services, admin, "deskstaff", Role.DESK)
    with pytest.raises(PermissionDenied):
        run(services, desk, protect=True)
    with pytest.raises(PermissionDenied):
        run(services, world["central"], protect=False)  # only an administrator sees unprotected figures


def test_small_figures_are_protected_when_disclosure_control_is_on(services, admin, world):
    report = run(services, admin, protect=True)
    assert report.rules
    for table in report.tables:
        for row in [*table.rows, *([table.total] if table.total else [])]:
            for key, cell in row.cells.items():
                if cell.measure is Measure.COUNT and cell.value and cell.value < 10:
                    assert cell.suppressed and cell.published is None, (table.key, row.key, key)
                if cell.measure is Measure.PERCENT and cell.base and cell.base < 10:
                    assert cell.suppressed, (table.key, row.key, key)
    assert report.table("assessed").row("total").cells["residents"].value == 4  # the count is kept, not published


def test_residents_assessed_and_levels_reached_carry_one_fact_in_every_table(services, admin, world, monkeypatch):
    seen = capture(monkeypatch)
    run(services, admin, breakdown=Dimension.SEX)
    tables, _relations = seen[-1]
    places = where_facts(tables)
    levels = [row.key for row in next(t for t in tables if t.key == "levels").rows]
    assert set(places["all/residents"]) == {("assessed", "total", "residents"), ("equality_sex", "total", "residents"),
                                            *(("levels", level, "assessed") for level in levels)}
    for level in levels:
        assert set(places[f"level:{level}/reached"]) == {("levels", level, "reached"),
                                                          ("equality_sex", "total", level)}
    values = fact_values(tables)  # one value per fact, in every table
    assert (values["all/residents"], values["level:foundation/reached"], values["level:work/reached"]) == (4, 2, 1)
    check_percentages(tables)
    # protected: the 4 residents are hidden in every table that shows them
    report = run(services, admin, protect=True, breakdown=Dimension.SEX)
    assert all(report.table(t).row(r).cell(c).suppressed for t, r, c in places["all/residents"])
    fact_values(report.tables)
