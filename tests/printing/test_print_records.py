"""The print log over real SQLite and PostgreSQL: recording prints, the timeline line, counts of
guides handed out per period and site, refusals, and merges moving prints to the survivor."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from assisted_desk.core.errors import NotFound, PermissionDenied, ValidationError
from assisted_desk.core.models import AuditEvent
from assisted_desk.core.security import Actor, Role
from assisted_desk.desk.resident_input import ResidentInput
from assisted_desk.printing.layout import PrintFormat
from assisted_desk.printing.print_records import PRINTED, PrintKind, PrintMethod
from tests.conftest import make_actor

START = datetime(2026, 11, 1, tzinfo=timezone.utc)
END = datetime(2026, 12, 1, tzinfo=timezone.utc)


@pytest.fixture
def desk(services, admin):
    return make_actor(services, admin, "desk", Role.DESK)


@pytest.fixture
def coordinator(services, admin):
    return make_actor(services, admin, "coordinator", Role.COORDINATOR)


def move_to(clock, when: datetime) -> None:
    clock.advance(seconds=(when - clock.now()).total_seconds())


def register(services, admin, given, family, born=None):
    data = ResidentInput(given_name=given, family_name=family, date_of_birth=born) if born else \
        ResidentInput(given_name=given, family_name=family)
    return services.residents.register(admin, data, confirm_not_duplicate=True)


def guide(services, actor, slug="pay-council-tax", title="Pay your Council Tax online", **kw):
    values = dict(kind=PrintKind.GUIDE, guide_slug=slug, title=title, fmt=PrintFormat.STANDARD, language="en",
                  method=PrintMethod.PRINTED, printer_name="Desk-1")
    values.update(kw)
    return services.print_log.record_print(actor, **values)


def test_a_print_for_a_resident_is_recorded_audited_and_on_the_timeline(services, admin, desk):
    resident = register(services, admin, "محمد", "الفارسي")
    entry = guide(services, desk, resident_id=resident.id, fmt=PrintFormat.LARGE_PRINT, language="pl",
                  title="Zapłać podatek lokalny", printer_name="Front desk printer")
    assert (entry.kind, entry.guide_slug, entry.format, entry.language, entry.method) == (
        PrintKind.GUIDE, "pay-council-tax", PrintFormat.LARGE_PRINT, "pl", PrintMethod.PRINTED)
    assert (entry.staff_name, entry.site_name, entry.resident_id) == ("Desk", "Central Library", resident.id)
    assert entry.printed_at == services.clock.now()

    [line] = [item for item in services.timeline.for_resident(desk, resident.id) if item.kind == PRINTED]
    assert line.title == "Guide printed: Zapłać podatek lokalny (large print, Polish)"
    assert line.detail == "on Front desk printer · by Desk · at Central Library"
    assert (line.open_kind, line.open_id) == ("print", entry.id)
    assert services.print_log.for_resident(desk, resident.id) == (entry,)

    with services.db.unit_of_work() as session:
        [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "print.record")).all()
        assert (event.record_type, event.record_id, event.actor) == ("resident", str(resident.id), "desk")
        assert "Zapłać podatek lokalny" in event.summary


def test_a_guide_for_nobody_registered_is_counted_but_not_audited(services, admin, desk):
    entry = guide(services, desk, method=PrintMethod.PDF, printer_name="")
    assert entry.resident_id is None and entry.method == PrintMethod.PDF
    with services.db.unit_of_work() as session:
        assert session.scalars(select(AuditEvent).where(AuditEvent.action == "print.record")).all() == []
    [count] = services.print_log.guides_handed_out(admin, since=START, until=END)
    assert (count.guide_slug, count.prints, count.for_residents) == ("pay-council-tax", 1, 0)


def test_saved_pdfs_and_plans_read_plainly_on_the_timeline_newest_first(services, admin, desk, clock):
    resident = register(services, admin, "પ્રિયા", "Patel")
    guide(services, desk, resident_id=resident.id, method=PrintMethod.PDF, printer_name="",
          fmt=PrintFormat.EASY_READ)
    clock.advance(minutes=5)
    services.print_log.record_print(desk, kind=PrintKind.PLAN, title="Your digital skills plan",
                                    fmt=PrintFormat.STANDARD, language="en", method="printed",
                                    resident_id=resident.id)
    lines = [item for item in services.timeline.for_resident(desk, resident.id) if item.kind == PRINTED]
    assert [line.title for line in lines] == ["Personal plan printed: Your digital skills plan (standard)",
                                              "Guide saved as PDF: Pay your Council Tax online (easy read)"]
    assert lines[1].detail == "by Desk · at Central Library"
    assert [e.kind for e in services.print_log.for_resident(admin, resident.id)] == [PrintKind.PLAN, PrintKind.GUIDE]


def test_guides_handed_out_counts_per_guide_over_a_period_and_site(services, admin, desk, coordinator, clock):
    elsewhere = services.staff.add_site(admin, "Northside Hub", "hub")
    far = Actor(None, "visitor", "Łukasz Nowak", Role.DESK, elsewhere.id, elsewhere.name)
    resident = register(services, admin, "Łukasz", "Kowalski")
    move_to(clock, datetime(2026, 10, 31, 23, 59, tzinfo=timezone.utc))  # before the period
    guide(services, desk)
    move_to(clock, datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc))
    guide(services, desk, resident_id=resident.id)
    guide(services, desk, title="Pay Council Tax online (renamed)")
    guide(services, far)
    guide(services, desk, slug="report-missed-bin", title="Report a missed bin", language="pl")
    services.print_log.record_print(desk, kind="slip", title="Referral slip", fmt="standard", language="en",
                                    method="pdf")  # not a guide: not counted
    move_to(clock, END)  # the end is not included
    guide(services, desk, slug="report-missed-bin", title="Report a missed bin")

    counts = services.print_log.guides_handed_out(coordinator, since=START, until=END)
    assert [(c.guide_slug, c.title, c.prints, c.for_residents) for c in counts] == [
        ("pay-council-tax", "Pay your Council Tax online", 3, 1),
        ("report-missed-bin", "Report a missed bin", 1, 0)]
    here = services.print_log.guides_handed_out(coordinator, since=START, until=END, site_id=desk.site_id)
    assert [(c.guide_slug, c.prints) for c in here] == [("pay-council-tax", 2), ("report-missed-bin", 1)]
    assert here[0].title == "Pay Council Tax online (renamed)"  # the title last printed
    there = services.print_log.guides_handed_out(admin, since=START, until=END, site_id=elsewhere.id)
    assert [(c.guide_slug, c.prints) for c in there] == [("pay-council-tax", 1)]
    assert services.print_log.guides_handed_out(admin, since=END, until=END + timedelta(days=1))[0].prints == 1


def test_refusals(services, admin, desk):
    advocate = make_actor(services, admin, "advocate", Role.ADVOCATE)
    with pytest.raises(PermissionDenied):
        services.print_log.guides_handed_out(desk, since=START, until=END)
    with pytest.raises(PermissionDenied):
        services.print_log.guides_handed_out(advocate, since=START, until=END)
    assert services.print_log.record_print(advocate, kind="guide", guide_slug="x", title="X", fmt="standard",
                                           language="en", method="pdf").staff_name == "Advocate"


def test_record_refuses_without_print_guides(services, admin, monkeypatch):
    from assisted_desk.core import security
    monkeypatch.setitem(security.PERMISSIONS, Role.DESK, security.PERMISSIONS[Role.DESK] - {
        security.Permission.PRINT_GUIDES})
    desk = make_actor(services, admin, "desk2", Role.DESK)
    with pytest.raises(PermissionDenied):
        guide(services, desk)


@pytest.mark.parametrize(("change", "field"), [
    ({"kind": "poster"}, "kind"),
    ({"method": "fax"}, "method"),
    ({"fmt": "tiny"}, "format"),
    ({"title": "   "}, "title"),
    ({"title": "x" * 301}, "title"),
    ({"guide_slug": ""}, "guide_slug"),
    ({"language": "Polish"}, "language"),
    ({"language": ""}, "language"),
    ({"method": "pdf", "printer_name": "Desk-1"}, "printer_name"),
])
def test_bad_input_is_refused_and_nothing_recorded(services, admin, change, field):
    with pytest.raises(ValidationError) as caught:
        guide(services, admin, **change)
    assert caught.value.field == field
    assert services.print_log.guides_handed_out(admin, since=START, until=END) == ()


def test_bad_periods_and_unknown_residents_are_refused(services, admin):
    with pytest.raises(ValidationError):
        services.print_log.guides_handed_out(admin, since=END, until=START)
    with pytest.raises(ValidationError):
        services.print_log.guides_handed_out(admin, since=START.replace(tzinfo=None), until=END)
    with pytest.raises(NotFound):
        guide(services, admin, resident_id=99999)
    with pytest.raises(NotFound):
        services.print_log.for_resident(admin, 99999)


def test_a_merge_moves_prints_to_the_survivor(services, admin):
    advocate = make_actor(services, admin, "advocate", Role.ADVOCATE)
    keep = register(services, admin, "Łukasz", "Kowalski", "14/03/1985")
    dupe = register(services, admin, "Lukasz", "Kowalski", "14/03/1985")
    entry = guide(services, admin, resident_id=dupe.id)
    keep, dupe = services.residents.get(admin, keep.id), services.residents.get(admin, dupe.id)
    record = services.residents.merge(advocate, keep.id, dupe.id, expected_survivor_version=keep.version,
                                      expected_merged_version=dupe.version)
    assert [e.id for e in services.print_log.for_resident(admin, keep.id)] == [entry.id]
    assert ("print_record", 1) in record.moved
    services.residents.undo_merge(advocate, record.id)
    assert [e.id for e in services.print_log.for_resident(admin, dupe.id)] == [entry.id]
    assert services.print_log.for_resident(admin, keep.id) == ()
