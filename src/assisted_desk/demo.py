"""Demo data: several sites, staff in every role, residents with a history at the desk, partners
and referrals, and advocacy cases, so a new user can explore safely.

Used by `assisted-desk demo` and by the first-run choice "explore with demo data", which opens a
separate demo database so real records are never mixed with made-up ones.
"""

from __future__ import annotations

from collections.abc import Iterator

from .core.errors import ValidationError
from .core.security import Actor, Role
from .demo_cases import load_cases_demo
from .demo_partners import load_partners_demo
from .demo_skills import load_skills_demo
from .demo_desk import DEMO_RESIDENTS, load_desk_demo
from .demo_equality import load_equality_demo
from .services import Services

DEMO_PASSWORD = "demo-desk-2026"

DEMO_SITES = [
    ("Central Library", "library"),
    ("Northgate Community Hub", "hub"),
    ("Riverside Library", "library"),
    ("Eastfield Community Hub", "hub"),
]

# (user name, full name, role, site index). Names in several scripts, as at a real desk.
DEMO_STAFF = [
    ("admin", "Amara Okafor", Role.ADMIN, 0),
    ("desk", "Łukasz Żółć", Role.DESK, 0),
    ("desk2", "Ștefan Popescu", Role.DESK, 1),
    ("desk3", "પ્રિયા પટેલ (Priya Patel)", Role.DESK, 2),
    ("advocate", "محمد الحسن (Mohammed Al-Hassan)", Role.ADVOCATE, 0),
    ("advocate2", "Siobhán O'Connor", Role.ADVOCATE, 1),
    ("manager", "Gráinne Ní Bhriain", Role.MANAGER, 0),
    ("coordinator", "Chloé Dubois-Mensah", Role.COORDINATOR, 0),
    ("coordinator2", "Ngọc Anh Trần", Role.COORDINATOR, 3),
]


def load_demo(services: Services, residents: int | None = None) -> Iterator[str]:
    """Fill an empty database with demo sites, staff and residents, yielding progress lines.

    Refuses a database that already holds staff: demo records must never mix with real ones."""
    if not services.staff.needs_setup():
        raise ValidationError(
            "This database already holds staff records; demo data is only loaded into an empty database."
        )
    first_site, first_kind = DEMO_SITES[0]
    username, name, _role, _site = DEMO_STAFF[0]
    admin_record = services.staff.set_up_desk(first_site, first_kind, username, name, DEMO_PASSWORD)
    admin = Actor(admin_record.id, admin_record.username, admin_record.display_name, Role.ADMIN,
                  admin_record.site_id, admin_record.site_name)
    sites = [admin_record.site_id]
    for site_name, kind in DEMO_SITES[1:]:
        sites.append(services.staff.add_site(admin, site_name, kind).id)
    yield f"{len(sites)} sites"
    desk_staff: list[Actor] = []
    coordinator: Actor | None = None
    by_username: dict[str, Actor] = {}
    for username, name, role, site_index in DEMO_STAFF[1:]:
        record = services.staff.add_staff(admin, username, name, role, sites[site_index], DEMO_PASSWORD,
                                          must_change_password=False)
        actor = Actor(record.id, record.username, record.display_name, role, record.site_id, record.site_name)
        by_username[username] = actor
        if role == Role.DESK:
            desk_staff.append(actor)
        elif role == Role.COORDINATOR and coordinator is None:
            coordinator = actor
    yield f"{len(DEMO_STAFF)} staff, every role (password {DEMO_PASSWORD})"
    yield from load_desk_demo(services, admin, desk_staff, residents or DEMO_RESIDENTS)
    yield from load_equality_demo(services, desk_staff[0] if desk_staff else admin)
    yield from load_skills_demo(services, coordinator or admin)
    yield from load_partners_demo(services, coordinator or admin)
    yield from load_cases_demo(services, desk_staff[0], by_username["advocate"], by_username["advocate2"],
                               by_username["manager"])
