"""A small, fully known desk history for the desk performance report's tests, with London
summer-time edges: 23:30 UTC on 30 June is 00:30 on 1 July in London.

The report period is July to September 2026 (92 days); the previous period for the trend is
31 March to 30 June 2026. Site A is the admin's Central Library, site B is "Ștefan Hub"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from assisted_desk.core.security import Actor, Role
from assisted_desk.desk.contact_days import count_contact
from assisted_desk.desk.models import Callback, Interaction, QueueTicket, ResidentEquality
from assisted_desk.printing.print_models import PrintRecord
from tests.casework.case_fixtures import open_case, register
from tests.conftest import PASSWORD


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


# reference, site ("A"/"B"), UTC moment, channel, help type, outcome, avoidable, satisfaction, resident
CONTACTS = (
    ("AD-C001", "A", utc(2026, 6, 30, 23, 30), "face_to_face", "assisted", "resolved", "", "good", "r2"),
    ("AD-C002", "A", utc(2026, 7, 10, 10), "phone", "on_behalf", "resolved", "chasing", "average", None),
    ("AD-C003", "A", utc(2026, 7, 31, 22, 59), "email", "information", "escalated", "", "", None),
    ("AD-C004", "A", utc(2026, 7, 31, 23, 30), "face_to_face", "assisted", "follow_up", "failed_online", "good", None),
    ("AD-C005", "A", utc(2026, 8, 15, 12), "webchat", "assisted", "resolved", "", "poor", None),
    ("AD-C006", "B", utc(2026, 9, 30, 22, 59), "phone", "on_behalf", "resolved", "", "good", "r1"),
    ("AD-C007", "B", utc(2026, 9, 2, 9), "post", "information", "referred", "", "", "r1"),
    ("AD-C008", "B", utc(2026, 9, 30, 23, 30), "phone", "assisted", "resolved", "", "good", None),  # 1 October
    # The previous period (31 March to 30 June):
    ("AD-P009", "A", utc(2026, 6, 30, 22, 30), "face_to_face", "assisted", "resolved", "", "good", None),
    ("AD-P010", "A", utc(2026, 4, 15, 10), "phone", "information", "follow_up", "chasing", "good", None),
    ("AD-P011", "A", utc(2026, 3, 30, 23, 30), "phone", "on_behalf", "resolved", "", "poor", None),
    ("AD-P012", "A", utc(2026, 3, 30, 22, 30), "phone", "on_behalf", "resolved", "", "poor", None),  # 30 March
)

# site, arrived, started (None: still waiting)
TICKETS = (
    ("A", utc(2026, 7, 1, 9), utc(2026, 7, 1, 9, 4)),  # 4 minutes
    ("A", utc(2026, 7, 1, 9), utc(2026, 7, 1, 9, 6, 30)),  # 6.5 minutes
    ("A", utc(2026, 8, 3, 10), utc(2026, 8, 3, 10, 3)),  # 3 minutes
    ("B", utc(2026, 9, 30, 22, 50), utc(2026, 9, 30, 22, 59)),  # 9 minutes, 23:59 on 30 September
    ("B", utc(2026, 9, 30, 23, 20), utc(2026, 9, 30, 23, 30)),  # served on 1 October
    ("A", utc(2026, 7, 2, 9), None),  # never served
    ("A", utc(2026, 6, 10, 9), utc(2026, 6, 10, 9, 2)),  # previous period: 2 minutes
)

# site, due by, status, completed at
CALLBACKS = (
    ("A", utc(2026, 7, 5, 12), "done", utc(2026, 7, 5, 11)),  # on time
    ("A", utc(2026, 7, 6, 12), "done", utc(2026, 7, 6, 13)),  # late
    ("A", utc(2026, 8, 1, 12), "open", None),  # still open long after: late
    ("B", utc(2026, 9, 10, 12), "cancelled", None),  # not counted
    ("B", utc(2026, 9, 30, 22, 30), "done", utc(2026, 9, 30, 22, 30)),  # made at the very minute: on time
    ("B", utc(2026, 11, 20, 10), "open", None),  # November: overdue on 23/11, late
    ("B", utc(2026, 11, 25, 10), "open", None),  # November: not due yet, not counted
)

# site (None: no site), printed at, kind
PRINTS = (
    ("A", utc(2026, 7, 15, 10), "guide"),
    ("B", utc(2026, 9, 30, 22, 59), "guide"),
    ("A", utc(2026, 7, 20, 10), "plan"),  # not a guide
    (None, utc(2026, 8, 1, 10), "guide"),  # printed with no site recorded
    ("A", utc(2026, 9, 30, 23, 30), "guide"),  # 1 October
)


@dataclass
class DeskHistory:
    site_a: int
    site_b: int
    admin: Actor
    residents: dict[str, int]


def move_to(clock, when: datetime) -> None:
    clock.advance(seconds=(when - clock.now()).total_seconds())


def build_history(services, admin: Actor, clock) -> DeskHistory:
    site_b = services.staff.add_site(admin, "Ștefan Hub", "hub").id
    sites = {"A": admin.site_id, "B": site_b, None: None}
    residents = {"r1": register(services, admin, "પ્રિયા", "Patel"), "r2": register(services, admin, "محمد", "الحسن")}
    services.catalogue.ensure_seeded()
    now = clock.now()
    with services.db.unit_of_work() as session:
        session.add(ResidentEquality(resident_id=residents["r1"], sex="Female", age_band="25-34", updated_at=now,
                                     updated_by="admin"))
        for ref, site, when, channel, help_type, outcome, avoidable, satisfaction, resident in CONTACTS:
            contact = Interaction(reference=ref, site_id=sites[site], occurred_at=when, channel=channel,
                                  service_code="council_tax", help_type=help_type, outcome=outcome,
                                  avoidable=avoidable, satisfaction=satisfaction,
                                  resident_id=residents.get(resident), created_at=now, updated_at=now,
                                  updated_by="admin")
            session.add(contact)
            session.flush()
            count_contact(session, contact)  # as logging a contact counts it
        for number, (site, arrived, started) in enumerate(TICKETS, start=1):
            session.add(QueueTicket(site_id=sites[site], day=arrived.date(), number=number,
                                    status="done" if started else "waiting", arrived_at=arrived, started_at=started,
                                    ended_at=started + timedelta(minutes=10) if started else None, updated_at=now,
                                    updated_by="admin"))
        for site, due, status, completed in CALLBACKS:
            session.add(Callback(site_id=sites[site], phone="+447700900123", reason="Council tax bill", due_by=due,
                                 status=status, completed_at=completed, created_at=due - timedelta(days=1),
                                 created_by="admin", updated_at=now, updated_by="admin"))
        for site, when, kind in PRINTS:
            session.add(PrintRecord(kind=kind, guide_slug="council-tax" if kind == "guide" else "", title="Council tax",
                                    format="standard", language="en", method="printed", site_id=sites[site],
                                    printed_by="admin", printed_at=when))
    _cases(services, admin, clock, site_b, residents)
    return DeskHistory(admin.site_id, site_b, admin, residents)


def _cases(services, admin: Actor, clock, site_b: int, residents: dict[str, int]) -> None:
    """K1 (site A) answered on time, escalated in July, closed on time in August; K2 (site A)
    never answered; K3 (site B) answered a day after its first-response day."""
    advocate_a = _staff(services, admin, "advocate", Role.ADVOCATE, admin.site_id)
    advocate_b = _staff(services, admin, "advocateb", Role.ADVOCATE, site_b)
    cases = services.cases
    move_to(clock, utc(2026, 7, 6, 9))
    k1 = open_case(services, advocate_a, residents["r1"]).id
    open_case(services, advocate_a, residents["r2"])
    k3 = open_case(services, advocate_b, residents["r1"]).id
    move_to(clock, utc(2026, 7, 7, 10))
    cases.record_activity(advocate_a, k1, "call", "Rang about the damp")
    cases.escalate(advocate_a, k1, 1, "Landlord not answering", cases.get_case(advocate_a, k1).version)
    due = cases.get_case(advocate_b, k3).sla.first_response_due_on
    assert due.month == 7
    move_to(clock, datetime(due.year, due.month, due.day, 23, 30, tzinfo=timezone.utc))  # 00:30 the next London day
    cases.record_activity(advocate_b, k3, "call", "Rang a day late")
    assert cases.get_case(advocate_a, k1).sla.resolution_due_on == date(2026, 8, 3)
    move_to(clock, utc(2026, 8, 3, 21))  # 22:00 in London on its resolution day: on time
    cases.close_case(advocate_a, k1, "resolved", "", cases.get_case(advocate_a, k1).version)
    move_to(clock, utc(2026, 11, 23, 10))


def _staff(services, admin: Actor, username: str, role: Role, site_id: int) -> Actor:
    record = services.staff.add_staff(admin, username, username.title(), role, site_id, PASSWORD,
                                      must_change_password=False)
    return Actor(record.id, record.username, record.display_name, role, record.site_id, record.site_name)
