"""What the walk-in queue and phone callbacks share: whose site a list belongs to, how residents
and staff are named on screen, and the London day a moment falls in."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.clock import LONDON, as_utc
from ..core.errors import NotFound, PermissionDenied, ValidationError
from ..core.models import AuditEvent, Site, Staff
from ..core.security import PERMISSIONS, Actor, Permission, Role
from .models import Resident
from .representatives import ERASED


@dataclass(frozen=True)
class Colleague:
    """Someone at the same site who can take over a ticket or a callback."""

    staff_id: int
    display_name: str


def london_day(moment: datetime) -> date:
    """The date a desk in London sees at this moment (the queue numbers from 1 each such day)."""
    return as_utc(moment).astimezone(LONDON).date()


def london_time(moment: datetime | None) -> str:
    """Hours and minutes in London, "10:42", for sentences about today."""
    return "" if moment is None else as_utc(moment).astimezone(LONDON).strftime("%H:%M")


def oversees_every_site(actor: Actor) -> bool:
    """Administrators may run any site's queue and step in for a colleague who has gone home."""
    return actor.may(Permission.MANAGE_SITES)


def site_for(session: Session, actor: Actor, site_id: int | None) -> Site:
    """The actor's own site, or (for an administrator) the one asked for."""
    wanted = actor.site_id if site_id is None else site_id
    if wanted is None:
        raise ValidationError("Choose the site whose queue and callbacks these are.", field="site")
    if wanted != actor.site_id and not oversees_every_site(actor):
        raise PermissionDenied(
            f"{actor.display_name} works at {actor.site_name or 'another site'}; only an administrator may "
            "work on another site's queue or callbacks."
        )
    site = session.get(Site, wanted)
    if site is None:
        raise NotFound("That site no longer exists.")
    return site


def check_same_site(actor: Actor, site_id: int, what: str) -> None:
    if site_id != actor.site_id and not oversees_every_site(actor):
        raise PermissionDenied(f"{what} belongs to another site; only an administrator may change it.")


def resident_display_name(resident: Resident) -> str:
    """The legal name, with the name they go by when it differs: "Robert Smith (Bob)" (as the
    residents' own records show it)."""
    name = " ".join(part for part in (resident.given_name, resident.family_name) if part)
    if resident.preferred_name and resident.preferred_name not in (resident.given_name, name):
        return f"{name} ({resident.preferred_name})"
    return name


def resident_for(session: Session, resident_id: int) -> Resident:
    """The resident's current record: a record merged into another leads to the one that survived."""
    resident = session.get(Resident, resident_id)
    seen = set()
    while resident is not None and resident.merged_into_id is not None and resident.id not in seen:
        seen.add(resident.id)
        resident = session.get(Resident, resident.merged_into_id)
    if resident is None:
        raise NotFound("That resident's record no longer exists; search for them again.")
    if resident.erased_at is not None:
        raise NotFound(ERASED)
    return resident


def resident_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {r.id: resident_display_name(r) for r in session.scalars(select(Resident).where(Resident.id.in_(wanted)))}


def staff_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(Staff.id, Staff.display_name).where(Staff.id.in_(wanted)))
    return {staff_id: name for staff_id, name in rows}


def staff_name_for_username(session: Session, username: str) -> str:
    name = session.scalar(select(Staff.display_name).where(Staff.username == username))
    return name or username


def colleague_at(session: Session, site_id: int, staff_id: int, *, field: str) -> Staff:
    """An active staff member at the site whose role may run the queue, or a refusal naming the field."""
    staff = session.get(Staff, staff_id)
    if staff is None or not staff.active or staff.site_id != site_id \
            or Permission.RUN_QUEUE not in PERMISSIONS[Role(staff.role)]:
        site = session.get(Site, site_id)
        raise ValidationError(
            f"Choose an active colleague who works at {site.name if site else 'this site'}.", field=field
        )
    return staff


def colleagues_at(session: Session, site_id: int, leave_out: int | None) -> tuple[Colleague, ...]:
    rows = session.scalars(
        select(Staff).where(Staff.site_id == site_id, Staff.active.is_(True)).order_by(Staff.display_name)
    )
    return tuple(
        Colleague(s.id, s.display_name) for s in rows
        if s.id != leave_out and Permission.RUN_QUEUE in PERMISSIONS[Role(s.role)]
    )
