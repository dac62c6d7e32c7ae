"""The referral outcomes report over a small borough whose every figure is known.

Referrals are written straight with the ORM so each step's moment is exact (the services would
stamp the fixed clock's "now" on every step). The period is summer 2026 (London on BST), so the
edges at London midnight are an hour off UTC midnight. Names in several scripts on purpose."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from assisted_desk.core.errors import NotFound
from assisted_desk.core.security import Actor, PermissionDenied, Role
from assisted_desk.desk.models import ResidentEquality
from assisted_desk.inclusion.referral_models import Referral, ReferralEvent
from assisted_desk.reporting.formatting import SUPPRESSED, shown
from assisted_desk.reporting.model import Dimension, Relation, ReportKind, ReportRequest
from tests.conftest import make_actor
from tests.inclusion.referral_fixtures import add_partner, register

from .facts_check import capture, check_percentages, check_relations, where_facts

SINCE, UNTIL = date(2026, 6, 1), date(2026, 8, 31)


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


@dataclass
class World:
    coordinator: Actor
    central: int  # site ids
    hub: int
    org_a: int  # partner organisation ids
    org_b: int
    a1: int  # service ids
    a2: int
    b1: int
    ref: dict[str, str]  # our name ("r1") -> the referral's reference


def _org(services, service_id: int) -> int:
    from assisted_desk.inclusion.partner_models import PartnerService

    with services.db.unit_of_work() as session:
        return session.get(PartnerService, service_id).organisation_id


def _refer(session, ref: dict, name: str, resident: int, service: int, site: int | None, staff: int | None,
           made: datetime, status: str, *, needs=(), sent: float | None = 0, accepted: float | None = None,
           declined: float | None = None, first: float | None = None, reason: str = "",
           rerouted_from: str | None = None, updated: datetime | None = None) -> None:
    """One referral; step moments are given as days after it was made."""
    def at(days):
        return None if days is None else made + timedelta(days=days)

    previous = (session.scalar(select(Referral.id).where(Referral.reference == ref[rerouted_from]))
                if rerouted_from else None)
    row = Referral(reference=f"RF-{name.upper()}", resident_id=resident, service_id=service,
                   need_areas=json.dumps(list(needs)), method="email", status=status, status_reason=reason,
                   rerouted_from_id=previous, site_id=site, staff_id=staff, created_at=made, created_by="tests",
                   sent_at=at(sent), accepted_at=at(accepted), declined_at=at(declined), first_session_at=at(first),
                   last_update_at=updated or made, updated_at=made, updated_by="tests")
    session.add(row)
    session.flush()
    ref[name] = row.reference
    for to_status, moment in (("declined", at(declined)), ("stopped", updated or made if status == "stopped" else None)):
        if moment is not None:
            session.add(ReferralEvent(referral_id=row.id, to_status=to_status, source="staff", reason=reason,
                                      happened_at=moment, recorded_at=moment, recorded_by="tests"))


@pytest.fixture
def world(services, admin) -> World:
    coordinator = make_actor(services, admin, "coordinator", Role.COORDINATOR)
    hub = services.staff.add_site(admin, "Ștefan Hub", "hub").id
    a1 = add_partner(services, "Good Things Foundation", service_name="Online Centre")
    a2 = add_partner(services, "Good Things Foundation", service_name="Device bank")
    b1 = add_partner(services, "Łódź Digital Club", service_name="Klub cyfrowy")
    r = {name: register(services, admin, given, family) for name, given, family in (
        ("R1", "Łukasz", "Żółć"), ("R2", "محمد", "Al-Sayed"), ("R3", "પ્રિયા", "Patel"), ("R4", "Ștefan", "Pop"),
        ("R5", "Amy", "Smith"))}
    central, co, ad = admin.site_id, coordinator.staff_id, admin.staff_id
    ref: dict[str, str] = {}
    with services.db.unit_of_work() as s:
        # In the period (1 June to 31 August 2026, London days):
        _refer(s, ref, "r1", r["R1"], a1, central, co, utc(2026, 5, 31, 23, 30), "completed", needs=["transacting"],
               accepted=2, first=5, updated=utc(2026, 7, 1))  # 00:30 on 1 June in London
        _refer(s, ref, "r2", r["R2"], a1, central, co, utc(2026, 6, 10, 10), "stopped",
               needs=["transacting", "device_lending"], accepted=4, first=10, reason="Moved away",
               updated=utc(2026, 7, 1))
        _refer(s, ref, "r3", r["R3"], b1, hub, ad, utc(2026, 7, 1, 9), "rerouted", needs=["communicating"],
               declined=1, reason="Full this term", updated=utc(2026, 7, 3, 9))
        _refer(s, ref, "r4", r["R3"], a2, hub, ad, utc(2026, 7, 3, 9), "accepted", needs=["communicating"],
               accepted=25 / 24, rerouted_from="r3", updated=utc(2026, 7, 4, 10))
        _refer(s, ref, "r5", r["R1"], b1, central, co, utc(2026, 7, 15, 12), "sent", updated=utc(2026, 11, 20))
        _refer(s, ref, "r6", r["R4"], b1, central, None, utc(2026, 8, 31, 22, 59, 59), "draft", needs=["free_data"],
               sent=None)  # 23:59:59 on 31 August in London
        _refer(s, ref, "r7", r["R5"], a1, hub, co, utc(2026, 8, 1, 10), "declined", needs=["transacting"],
               declined=3, reason="Outside our area")
        _refer(s, ref, "r8", r["R2"], a1, central, co, utc(2026, 8, 5, 10), "stopped", needs=["confidence"],
               accepted=3, reason="Did not come back", updated=utc(2026, 9, 1))
        _refer(s, ref, "r9", r["R5"], a2, central, co, utc(2026, 6, 20, 10), "withdrawn",
               needs=["device_lending", "free_device"], reason="Changed mind")
        # Outside it, or never made:
        _refer(s, ref, "x1", r["R5"], a1, central, co, utc(2026, 5, 31, 22, 59), "declined", declined=1,
               reason="Too late")  # 23:59 on 31 May in London
        _refer(s, ref, "x2", r["R4"], a1, central, co, utc(2026, 8, 31, 23), "sent")  # 00:00 on 1 September
        _refer(s, ref, "x3", r["R4"], a1, central, co, utc(2026, 6, 15), "withdrawn", sent=None,
               reason="Draft discarded")
        s.add_all([ResidentEquality(resident_id=r[k], sex=sex, updated_at=utc(2026, 1, 1), updated_by="tests")
                   for k, sex in (("R1", "Male"), ("R2", "Male"), ("R3", "Female"), ("R5", ""))])
    return World(coordinator, central, hub, _org(services, a1), _org(services, b1), a1, a2, b1, ref)


def run(services, actor, since=SINCE, until=UNTIL, **kwargs):
    kwargs.setdefault("protect", False)
    return services.reports.run_now(actor, ReportRequest(ReportKind.REFERRALS, since, until, **kwargs))


def figures(table, columns):
    """{row key: [values of `columns`]} with the total row under "total"."""
    rows = [*table.rows, *([table.total] if table.total else [])]
    return {row.key: [row.cells[c].value if c in row.cells else None for c in columns] for row in rows}


def pct(part, whole):
    return pytest.approx(100 * part / whole)


STEP_COLUMNS = ["made", "sent", "accepted", "attended", "completed", "acceptance", "attendance"]


def test_every_figure_of_the_report(services, admin, world):
    report = run(services, admin)
    funnel = report.table("funnel")
    assert figures(funnel, ["count", "conversion", "of_made"]) == {
        "made": [9, None, pct(9, 9)], "sent": [8, pct(8, 9), pct(8, 9)], "accepted": [4, pct(4, 8), pct(4, 9)],
        "attended": [2, pct(2, 4), pct(2, 9)], "completed": [1, pct(1, 2), pct(1, 9)]}
    accepted = funnel.row("accepted").cells["conversion"]
    assert (accepted.base, accepted.numerator) == (8, "count")
    assert "re-routings is in the repeat referrals table" in funnel.note  # a count in words is never protected
    assert report.table("repeats").row("rerouted").cells["count"].value == 1
    assert funnel.chart.kind.value == "funnel"

    declines = report.table("declines")
    assert figures(declines, ["count"]) == {"reason:Full this term": [1], "reason:Outside our area": [1],
                                            "total": [2]}
    assert declines.rows_partition
    assert figures(report.table("stops"), ["count"]) == {"reason:Did not come back": [1],
                                                         "reason:Moved away": [1], "total": [2]}

    timing = report.table("timing")
    assert figures(timing, ["measured", "median", "p90"]) == {"to_acceptance": [4, 2.5, 4.0],
                                                              "to_first_session": [2, 7.5, 10.0]}
    assert timing.row("to_acceptance").cells["median"].base == 4

    assert figures(report.table("by_partner"), STEP_COLUMNS) == {
        str(world.org_a): [6, 6, 4, 2, 1, pct(4, 6), pct(2, 4)],
        str(world.org_b): [3, 2, 0, 0, 0, 0.0, None], "total": [9, 8, 4, 2, 1, pct(4, 8), pct(2, 4)]}
    assert [r.label for r in report.table("by_partner").rows] == ["Good Things Foundation", "Łódź Digital Club"]
    assert figures(report.table("by_service"), STEP_COLUMNS) == {
        str(world.a1): [4, 4, 3, 2, 1, pct(3, 4), pct(2, 3)], str(world.b1): [3, 2, 0, 0, 0, 0.0, None],
        str(world.a2): [2, 2, 1, 0, 0, pct(1, 2), 0.0], "total": [9, 8, 4, 2, 1, pct(4, 8), pct(2, 4)]}
    assert [r.key for r in report.table("by_service").rows] == [str(world.a1), str(world.b1), str(world.a2)]
    assert report.table("by_service").rows[1].label == "Klub cyfrowy (Łódź Digital Club)"
    by_site = report.table("by_site")
    assert figures(by_site, STEP_COLUMNS[:5]) == {str(world.central): [6, 5, 3, 2, 1],
                                                  str(world.hub): [3, 3, 1, 0, 0], "total": [9, 8, 4, 2, 1]}
    assert [r.label for r in by_site.rows] == ["Central Library", "Ștefan Hub"]
    by_team = report.table("by_team")
    assert figures(by_team, STEP_COLUMNS[:5]) == {"coordinator": [6, 6, 3, 2, 1], "admin": [2, 2, 1, 0, 0],
                                                  "none": [1, 0, 0, 0, 0], "total": [9, 8, 4, 2, 1]}
    assert [r.label for r in by_team.rows] == ["Inclusion coordinator", "Administrator", "Not recorded"]
    for key in ("by_partner", "by_service", "by_site", "by_team"):
        table = report.table(key)
        assert table.rows_partition and table.chart.columns == ("made",)
        assert table.row("total").cells["acceptance"].numerator == "accepted"
        assert table.row("total").cells["attendance"].base == 4

    by_need = figures(report.table("by_need"), STEP_COLUMNS[:5])
    zero = [0, 0, 0, 0, 0]
    assert by_need == {
        "foundation": zero, "communicating": [2, 2, 1, 0, 0], "handling_information": zero,
        "transacting": [3, 3, 2, 2, 1], "problem_solving": zero, "being_safe": zero, "skills_training": zero,
        "device_lending": [2, 2, 1, 1, 0], "free_device": [1, 1, 0, 0, 0], "free_data": [1, 0, 0, 0, 0],
        "accessibility_support": zero, "language_support": zero, "confidence": [1, 1, 1, 0, 0],
        "words_only": [1, 1, 0, 0, 0], "total": [9, 8, 4, 2, 1]}
    assert not report.table("by_need").rows_partition

    repeats = report.table("repeats")
    assert figures(repeats, ["count", "share"]) == {
        "residents": [5, None], "repeat_residents": [3, pct(3, 5)], "referrals": [8, None],
        "repeat_referrals": [4, pct(4, 8)], "rerouted": [1, None]}
    assert repeats.row("repeat_referrals").cells["share"].base == 8

    waiting = report.table("waiting")
    assert figures(waiting, ["open", "waiting"]) == {
        "draft": [1, 1], "sent": [1, 0], "accepted": [1, 1], "did_not_attend": [0, 0],
        "attended_first_session": [0, 0], "total": [3, 2]}
    assert waiting.column("waiting").part_of == "" and "14 days" in waiting.column("waiting").title
    assert not any(t.key.startswith("equality") for t in report.tables)


def test_waiting_follows_the_follow_up_setting(services, admin, world):
    services.referrals.set_follow_up_days(admin, 100)  # no news since before 15 August 2026, 10:00
    waiting = run(services, admin).table("waiting")
    assert figures(waiting, ["open", "waiting"])["total"] == [3, 1]
    assert figures(waiting, ["waiting"])["accepted"] == [1]


def test_equality_breakdown(services, admin, world):
    report = run(services, admin, breakdown=Dimension.SEX)
    table = report.table("equality_sex")
    assert figures(table, STEP_COLUMNS[:5]) == {"Female": [2, 2, 1, 0, 0], "Male": [4, 4, 3, 2, 1],
                                                "Not recorded": [3, 2, 0, 0, 0], "total": [9, 8, 4, 2, 1]}
    assert [r.key for r in table.rows] == ["Female", "Male", "Not recorded"]
    assert table.row("Male").cells["acceptance"].value == pct(3, 4)
    assert not any(cell.drill for row in table.rows for cell in row.cells.values())
    with pytest.raises(PermissionDenied, match="single people out"):
        services.reports.drill(admin, report.request, "equality_sex", "Male", "made")


@pytest.mark.parametrize(("since", "until", "made"), [
    (date(2026, 6, 1), date(2026, 6, 1), ["r1"]),  # 00:30 in London is the 1st, 23:30 UTC the 31st
    (date(2026, 8, 31), date(2026, 8, 31), ["r6"]),  # the last second of the London day
    (date(2026, 5, 31), date(2026, 5, 31), ["x1"]),
    (date(2026, 9, 1), date(2026, 9, 1), ["x2"]),
])
def test_period_edges_are_london_midnight(services, admin, world, since, until, made):
    report = run(services, admin, since, until)
    assert report.table("funnel").row("made").cells["count"].value == len(made)
    listing = services.reports.drill(admin, report.request, "funnel", "made", "count")
    assert listing.references == tuple(world.ref[m] for m in made)


def test_site_and_partner_filters(services, admin, world):
    hub = run(services, admin, site_ids=(world.hub,))
    assert figures(hub.table("funnel"), ["count"]) == {"made": [3], "sent": [3], "accepted": [1], "attended": [0],
                                                       "completed": [0]}
    assert hub.scope == "Ștefan Hub"
    club = run(services, admin, partner_ids=(world.org_b,))
    assert figures(club.table("by_service"), ["made", "sent", "accepted"]) == {str(world.b1): [3, 2, 0],
                                                                              "total": [3, 2, 0]}
    assert figures(club.table("declines"), ["count"]) == {"reason:Full this term": [1], "total": [1]}
    both = run(services, admin, site_ids=(world.central,), partner_ids=(world.org_a,))
    listing = services.reports.drill(admin, both.request, "funnel", "made", "count")
    assert listing.references == tuple(world.ref[m] for m in ("r1", "r2", "r9", "r8"))


def test_empty_period(services, admin, world):
    report = run(services, admin, date(2025, 1, 1), date(2025, 1, 31), breakdown=Dimension.AGE_BAND)
    assert [r.cells["count"].value for r in report.table("funnel").rows] == [0, 0, 0, 0, 0]
    assert report.table("funnel").row("sent").cells["conversion"].value is None
    assert figures(report.table("timing"), ["measured", "median", "p90"]) == {
        "to_acceptance": [0, None, None], "to_first_session": [0, None, None]}
    for key in ("by_partner", "by_service", "by_site", "by_team", "declines", "stops", "equality_age_band"):
        assert report.table(key).rows == []
    assert report.table("by_partner").total.cells["made"].value == 0
    with pytest.raises(NotFound, match="No referrals are behind"):
        services.reports.drill(admin, report.request, "funnel", "made", "count")


def test_drill_down_lists_the_referrals_behind_a_figure(services, admin, world):
    request = ReportRequest(ReportKind.REFERRALS, SINCE, UNTIL, protect=False)  # every figure here is under 10
    coordinator = admin  # only an administrator opens unprotected figures
    drill = services.reports.drill

    def refs(*names):
        return tuple(world.ref[n] for n in names)

    listing = drill(coordinator, request, "funnel", "accepted", "count")
    assert listing.references == refs("r1", "r2", "r4", "r8")
    assert listing.columns == ("Reference", "Resident", "Partner service", "Status", "Made on", "Last update")
    assert listing.rows[0] == (world.ref["r1"], "Łukasz Żółć", "Online Centre (Good Things Foundation)",
                               "Completed", "01/06/2026", "01/07/2026 01:00")
    assert not listing.truncated
    assert drill(coordinator, request, "by_partner", str(world.org_b), "sent").references == refs("r3", "r5")
    assert drill(coordinator, request, "by_site", str(world.hub), "made").references == refs("r3", "r4", "r7")
    assert drill(coordinator, request, "by_team", "none", "made").references == refs("r6")
    assert drill(coordinator, request, "by_team", "admin", "accepted").references == refs("r4")
    assert drill(coordinator, request, "by_service", "total", "completed").references == refs("r1")
    assert drill(coordinator, request, "by_need", "device_lending", "made").references == refs("r2", "r9")
    assert drill(coordinator, request, "by_need", "words_only", "made").references == refs("r5")
    assert drill(coordinator, request, "declines", "reason:Full this term", "count").references == refs("r3")
    assert drill(coordinator, request, "declines", "total", "count").references == refs("r3", "r7")
    assert drill(coordinator, request, "stops", "reason:Moved away", "count").references == refs("r2")
    assert drill(coordinator, request, "waiting", "total", "waiting").references == refs("r4", "r6")
    assert drill(coordinator, request, "waiting", "sent", "open").references == refs("r5")
    for table, row, column in (("by_partner", str(world.org_b), "accepted"), ("funnel", "nowhere", "count"),
                               ("timing", "to_acceptance", "median"), ("by_site", "not-a-site", "made"),
                               ("waiting", "completed", "open"), ("by_need", "juggling", "made")):
        with pytest.raises(NotFound):
            drill(coordinator, request, table, row, column)


def add_sent(services, world, how_many: int) -> None:
    """Referrals to the Online Centre, sent on 20 July 2026 and not heard of since."""
    made = utc(2026, 7, 20, 9)
    with services.db.unit_of_work() as session:
        session.add_all([Referral(reference=f"RF-BULK-{n:03d}", resident_id=1, service_id=world.a1, method="email",
                                  status="sent", site_id=world.central, created_at=made + timedelta(minutes=n),
                                  created_by="tests", sent_at=made, last_update_at=made, updated_at=made,
                                  updated_by="tests") for n in range(how_many)])


def test_drill_down_stops_at_500(services, admin, world):
    add_sent(services, world, 500)
    request = ReportRequest(ReportKind.REFERRALS, SINCE, UNTIL, protect=False)
    listing = services.reports.drill(admin, request, "by_service", str(world.a1), "sent")
    assert len(listing.rows) == 500 and listing.truncated
    assert run(services, admin).table("by_service").row(str(world.a1)).cells["sent"].value == 504


def test_who_may_run_and_drill(services, admin, world):
    manager = make_actor(services, admin, "manager", Role.MANAGER)
    desk = make_actor(services, admin, "deskstaff", Role.DESK)
    request = ReportRequest(ReportKind.REFERRALS, SINCE, UNTIL)
    assert run(services, manager, protect=True).table("funnel")  # figures, yes
    with pytest.raises(PermissionDenied, match="not the records behind them"):
        services.reports.drill(manager, request, "funnel", "made", "count")
    with pytest.raises(PermissionDenied, match="view reports"):
        services.reports.run_now(desk, request)
    with pytest.raises(PermissionDenied):
        run(services, world.coordinator)  # disclosure control off is for administrators only


def test_progress_between_tables(services, admin, world):
    steps = services.reports.run(admin, ReportRequest(ReportKind.REFERRALS, SINCE, UNTIL, protect=False))
    progress = []
    while True:
        try:
            progress.append(next(steps))
        except StopIteration:
            break
    assert "Counting the funnel…" in progress and "Counting repeat referrals…" in progress


def test_disclosure_control_on(services, admin, world):
    add_sent(services, world, 20)
    report = run(services, world.coordinator, protect=True)  # the default rules: under 10 hidden, nearest 5
    assert SUPPRESSED in report.rules
    funnel = report.table("funnel")
    made, sent, accepted = (funnel.row(k).cells for k in ("made", "sent", "accepted"))
    assert (made["count"].value, made["count"].published) == (29, 30)
    # made (29) = sent + the 1 draft the waiting table hides: sent would give the draft away
    assert sent["count"].value == 28 and sent["count"].suppressed
    assert report.table("waiting").row("draft").cells["open"].suppressed
    assert accepted["count"].suppressed and shown(accepted["count"]) == SUPPRESSED
    assert accepted["conversion"].suppressed  # 4 of 28: its numerator is hidden
    assert sent["conversion"].suppressed  # 28 of 29: the one left out would be given away
    by_partner = report.table("by_partner")
    assert by_partner.row(str(world.org_b)).cells["made"].suppressed
    # the partners partition the 29 published in the total: the other partner's 26 would give the 3 away
    assert by_partner.row(str(world.org_a)).cells["made"].suppressed
    assert shown(report.table("by_need").row("foundation").cells["made"]) == "0"
    assert report.table("timing").row("to_first_session").cells["median"].suppressed  # from 2 referrals
    listing = services.reports.drill(world.coordinator, report.request, "funnel", "made", "count")
    assert len(listing.rows) == 29  # a figure shown opens its list
    with pytest.raises(PermissionDenied, match="hidden to protect"):  # a hidden one does not
        services.reports.drill(world.coordinator, report.request, "funnel", "sent", "count")


def test_figures_shown_in_several_tables_carry_one_fact_and_the_sums_hold(services, admin, world, monkeypatch):
    seen = capture(monkeypatch)
    report = run(services, admin, breakdown=Dimension.SEX)
    tables, relations = seen[-1]
    places = where_facts(tables)
    for step in ("made", "sent", "accepted", "attended", "completed"):
        assert set(places[f"all/{step}"]) >= {("funnel", step, "count"), *(
            (key, "total", step) for key in ("by_partner", "by_service", "by_site", "by_team", "by_need",
                                             "equality_sex"))}, step
        # a partner's figures are the sum of its services'
        assert any(set(r.parts) == {f"service:{world.a1}/{step}", f"service:{world.a2}/{step}"}
                   and r.total == f"partner:{world.org_a}/{step}" for r in relations)
    values = check_relations(tables, relations)
    assert (values[f"partner:{world.org_a}/made"], values[f"service:{world.a1}/made"]) == (6, 4)
    # made = sent + drafts not sent (the waiting table's drafts) = first referrals + re-routings
    assert Relation(("all/sent", "all/unsent"), "all/made") in relations
    assert places["all/unsent"] == [("waiting", "draft", "open")]
    assert (values["all/made"], values["all/sent"], values["all/unsent"]) == (9, 8, 1)
    assert (values["all/first_made"], values["all/rerouted"]) == (8, 1)
    check_percentages(tables)
    waiting = report.table("waiting")
    assert waiting.column("waiting").part_of == ""  # a subset of those still open, not a part of them


def test_needs_no_longer_listed_count_and_list_as_words_only(services, admin, world):
    with services.db.unit_of_work() as session:
        _refer(session, world.ref, "old", 1, world.a1, world.central, None, utc(2026, 7, 2, 9), "sent",
               needs=["an_area_since_retired"])
        _refer(session, world.ref, "both", 1, world.a1, world.central, None, utc(2026, 7, 3, 9), "sent",
               needs=["an_area_since_retired", "free_data"])
    row = run(services, admin).table("by_need").row("words_only")
    listing = services.reports.drill(admin, ReportRequest(ReportKind.REFERRALS, SINCE, UNTIL, protect=False),
                                     "by_need", "words_only", "made")
    assert row.cells["made"].value == len(listing.rows) == 2
    assert set(listing.references) == {world.ref["r5"], world.ref["old"]}
