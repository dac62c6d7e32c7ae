"""The desk-side records the desk performance report counts, for the synthetic borough: walk-in
queue tickets (arrived, called, started, ended), phone callbacks (due by, completed), advocacy
cases with their SLA dates from the application's working calendar (and the activities that
record escalations), and print records (guides, plans, slips, case summaries).

Each site keeps its own pace: a busy central library waits longer than a quiet hub, so the
walk-in wait differs by site, as the report's by-site table should show."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, time, timedelta, timezone

from desk_borough import indexes_rebuilt_after, new_reference
from report_borough import YEARS, fast_insert, live_residents, staff_by_role, when_in_window


def _london_opening(rng: random.Random, now: datetime) -> datetime:
    """A moment in a London opening day (Monday to Saturday, 9:00 to 17:00) in the last YEARS years."""
    from assisted_desk.core.clock import LONDON

    while True:
        day = (now - timedelta(days=rng.uniform(1, YEARS * 365))).astimezone(LONDON).date()
        if day.weekday() < 6:
            break
    local = datetime.combine(day, time(9), tzinfo=LONDON) + timedelta(seconds=rng.triangular(0, 8 * 3600, 2 * 3600))
    return local.astimezone(timezone.utc)


def _staff_at_sites(connection) -> tuple[dict[int, list[int]], list[int]]:
    by_site: dict[int, list[int]] = defaultdict(list)
    everyone = []
    for role, members in staff_by_role(connection).items():
        for staff_id, site_id in members:
            everyone.append(staff_id)
            if role in ("desk", "coordinator"):
                by_site[site_id].append(staff_id)
    return by_site, everyone


def make_queue(borough, rng: random.Random, count: int) -> None:
    """Walk-in tickets: numbered from 1 per site and London day in order of arrival; nine in ten
    served (called, started, ended), the rest did not answer their call."""
    from assisted_desk.core.clock import LONDON
    from assisted_desk.desk.models import QueueTicket, wait_seconds
    from generate import NOW

    connection = borough.connection
    sites = borough.ids["open_sites"]
    site_weights = [5 if n == 0 else rng.uniform(0.5, 2) for n in range(len(sites))]
    pace = {site: rng.uniform(2.5, 9.0) for site in sites}  # each site's mean wait, minutes
    at_site, everyone = _staff_at_sites(connection)
    residents = live_residents(borough)
    created_at = borough.facts["resident_created_at"]
    drawn = sorted((rng.choices(sites, site_weights)[0], _london_opening(rng, NOW)) for _ in range(count))
    rows, numbers = [], defaultdict(int)
    for ticket_id, (site, arrived) in enumerate(sorted(drawn, key=lambda t: t[1]), start=1):
        day = arrived.astimezone(LONDON).date()
        numbers[(site, day)] += 1
        staff = at_site.get(site) or everyone
        resident = rng.choice(residents) if rng.random() < 0.7 else None
        if resident is not None and created_at[resident - 1] > arrived:
            resident = None
        called = arrived + timedelta(minutes=rng.expovariate(1 / pace[site]))
        served = rng.random() >= 0.08
        started = called + timedelta(minutes=rng.uniform(0.3, 2.0)) if served else None
        ended = started + timedelta(minutes=rng.uniform(4, 40)) if served else None
        server = rng.choice(staff)
        rows.append({"id": ticket_id, "site_id": site, "day": day, "number": numbers[(site, day)],
                     "resident_id": resident, "visitor_name": "" if resident else "Visitor",
                     "reason": rng.choice(["Council tax", "Housing", "Blue badge", "Printing", "Bus pass", ""]),
                     "status": "done" if served else "no_show", "arrived_at": arrived, "called_at": called,
                     "started_at": started, "wait_seconds": wait_seconds(arrived, started), "ended_at": ended, "served_by_id": server if served else None,
                     "transferred_to_id": None, "transfer_note": "", "issued_by_id": rng.choice(staff),
                     "updated_at": ended or called, "updated_by": f"staff{server}", "version": 4 if served else 3})
    with indexes_rebuilt_after(connection, "queue_ticket"):
        fast_insert(connection, QueueTicket.__table__, rows)


def make_callbacks(borough, rng: random.Random, count: int) -> None:
    """Callbacks promised by phone: due within hours or a day or two; most made in time, some
    late, a few cancelled; those due recently still open, and a few older ones forgotten."""
    from assisted_desk.desk.models import Callback
    from generate import NOW

    connection = borough.connection
    sites = borough.ids["open_sites"]
    at_site, everyone = _staff_at_sites(connection)
    residents = live_residents(borough)
    rows = []
    for callback_id in range(1, count + 1):
        created = _london_opening(rng, NOW + timedelta(days=1))
        if created >= NOW:
            created = NOW - timedelta(hours=rng.uniform(1, 48))
        due = created + rng.choice([timedelta(hours=4), timedelta(days=1), timedelta(days=1), timedelta(days=2)])
        site = rng.choice(sites)
        staff = at_site.get(site) or everyone
        made = created + (due - created) * rng.uniform(0.05, 1.0) if rng.random() < 0.86 else \
            due + timedelta(hours=rng.expovariate(1 / 20))
        u = rng.random()
        status, completed = ("cancelled", None) if u < 0.04 else ("open", None) if u < 0.06 or made >= NOW \
            else ("done", made)
        resident = rng.choice(residents) if rng.random() < 0.8 else None
        changed = completed or (created + timedelta(hours=1) if status == "cancelled" else created)
        rows.append({"id": callback_id, "site_id": site, "resident_id": resident,
                     "caller_name": "" if resident else "Caller", "phone": f"+447{rng.randrange(400, 999)}"
                     f"{rng.randrange(10**6):06d}", "reason": rng.choice(
                         ["Question about a council tax bill", "Chasing a housing repair", "Needs help with a form",
                          "Wants to book a computer session"]), "due_by": due, "status": status,
                     "assigned_to_id": rng.choice(staff), "completed_at": completed,
                     "cancel_reason": "Resident came in instead" if status == "cancelled" else "",
                     "created_at": created, "created_by": f"staff{rng.choice(staff)}", "updated_at": changed,
                     "updated_by": "admin", "version": 1 if status == "open" else 2})
    fast_insert(connection, Callback.__table__, rows)


def make_cases(borough, rng: random.Random, count: int) -> None:
    """Advocacy cases opened over the years, SLA dates from the application's working calendar
    (bank holidays included); most answered and closed, some late, a few escalated. Each has
    its reference and its opened / escalated / closed activities."""
    from sqlalchemy import select

    from assisted_desk.casework.calendar import WorkingCalendar
    from assisted_desk.casework.case_types import type_record
    from assisted_desk.casework.models import BankHoliday, Case, CaseActivity, CaseType
    from assisted_desk.desk.models import RecordReference
    from generate import NOW

    connection = borough.connection
    types = [type_record(row) for row in connection.execute(select(CaseType.__table__)).all()]
    calendar = WorkingCalendar(connection.scalars(select(BankHoliday.__table__.c.day)).all())
    staff = staff_by_role(connection)
    owners = staff["advocate"] or staff["admin"]
    residents = live_residents(borough)
    taken: set[str] = set()
    cases, activities, references = [], [], []
    for case_id in range(1, count + 1):
        kind = rng.choice(types)
        owner, site = rng.choice(owners)
        opened = when_in_window(rng, NOW, growth=0.4)
        day = opened.date()
        first_due = calendar.add_working_days(day, kind.first_response_days)
        resolution_due = calendar.add_working_days(day, kind.resolution_days)
        first_at = opened + timedelta(hours=rng.lognormvariate(3.0, 1.0))
        first_at = first_at if first_at < NOW and rng.random() < 0.97 else None
        closed_at = opened + timedelta(days=kind.resolution_days * rng.lognormvariate(0, 0.45) * 1.2)
        closed_at = closed_at if closed_at < NOW else None
        escalation = rng.choices([0, 1, 2], [90, 8, 2])[0]
        reference = new_reference(rng, taken).replace("AD-", "CS-", 1)
        resident = rng.choice(residents)
        audit = {"recorded_by": f"staff{owner}", "staff_id": owner, "internal": False, "version": 1}
        mine = [{"case_id": case_id, "kind": "opened", "text": "Case opened", "happened_at": opened,
                           "recorded_at": opened, "from_status": "", "to_status": kind.statuses[0].code, **audit}]
        for level in range(1, escalation + 1):
            at = opened + timedelta(days=rng.uniform(2, 30) * level)
            if at < (closed_at or NOW):
                mine.append({"case_id": case_id, "kind": "escalated", "text": f"Escalated to level {level}",
                                   "happened_at": at, "recorded_at": at, "from_status": "", "to_status": "", **audit})
        if closed_at:
            mine.append({"case_id": case_id, "kind": "closed", "text": "Case closed", "happened_at": closed_at,
                               "recorded_at": closed_at, "from_status": kind.statuses[-1].code, "to_status": "closed",
                               **audit})
        activities.extend(mine)
        last = max(a["happened_at"] for a in mine)
        cases.append({
            "id": case_id, "reference": reference, "resident_id": resident, "case_type_id": kind.id,
            "summary": "Help with a council service", "priority": rng.choices(
                ["low", "normal", "high", "urgent"], [15, 60, 20, 5])[0], "services": "[]",
            "representative_id": None, "status": "closed" if closed_at else rng.choice(kind.statuses).code,
            "owner_id": owner, "site_id": site, "from_interaction_id": None, "restricted": rng.random() < 0.03,
            "restricted_reason": "", "escalation_level": escalation, "opened_at": opened,
            "opened_by": f"staff{owner}", "first_response_due_on": first_due, "first_response_at": first_at,
            "resolution_due_on": resolution_due, "next_task_due_on": None, "last_activity_at": last,
            "closed_at": closed_at, "outcome": rng.choice(["resolved", "resolved", "partly_resolved", "withdrawn"])
            if closed_at else "", "outcome_reason": "", "reopen_count": 0, "updated_at": last,
            "updated_by": f"staff{owner}", "version": 2 if closed_at else 1})
        references.append({"reference": reference, "record_type": "advocacy_case", "record_id": case_id,
                           "resident_id": resident, "created_at": opened})
    fast_insert(connection, Case.__table__, cases)
    fast_insert(connection, CaseActivity.__table__, activities)
    fast_insert(connection, RecordReference.__table__, references)
    borough.facts["case_activities"] = len(activities)


def make_prints(borough, rng: random.Random, count: int) -> None:
    """What desks printed: mostly guides (a few popular ones most), personal plans, referral
    slips and case summaries; on paper or saved as PDF; a few in other languages."""
    from assisted_desk.core.paths import resources_dir
    from assisted_desk.printing.print_models import PrintRecord
    from generate import NOW

    connection = borough.connection
    slugs = sorted({p.name.split(".")[0] for p in (resources_dir() / "guides").glob("*.yaml")}) or ["bins"]
    slug_weights = [1 / (n + 1) for n in range(len(slugs))]
    sites = borough.ids["open_sites"]
    at_site, everyone = _staff_at_sites(connection)
    residents = live_residents(borough)
    rows = []
    for print_id in range(1, count + 1):
        kind = rng.choices(["guide", "plan", "slip", "case"], [65, 15, 15, 5])[0]
        slug = rng.choices(slugs, slug_weights)[0] if kind == "guide" else ""
        site = rng.choice(sites)
        staff_id = rng.choice(at_site.get(site) or everyone)
        method = "printed" if rng.random() < 0.8 else "pdf"
        rows.append({"id": print_id, "kind": kind, "guide_slug": slug,
                     "title": slug.replace("-", " ").capitalize() if slug else f"{kind.capitalize()} {print_id}",
                     "resident_id": rng.choice(residents) if kind != "guide" or rng.random() < 0.5 else None,
                     "format": rng.choices(["standard", "large-print", "easy-read"], [85, 10, 5])[0],
                     "language": "en" if rng.random() < 0.9 else rng.choice(["pl", "bn", "ar", "ro"]),
                     "method": method, "printer_name": "Desk printer" if method == "printed" else "",
                     "site_id": site, "staff_id": staff_id, "printed_by": f"staff{staff_id}",
                     "printed_at": _london_opening(rng, NOW)})
    rows.sort(key=lambda r: r["printed_at"])
    for n, row in enumerate(rows, start=1):
        row["id"] = n
    with indexes_rebuilt_after(connection, "print_record"):
        fast_insert(connection, PrintRecord.__table__, rows)
