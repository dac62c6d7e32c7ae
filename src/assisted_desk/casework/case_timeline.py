"""Advocacy cases on the resident's timeline: when each was opened (and with whom), closed and
reopened.

What a line says follows who is looking (casework/access.py): someone who may read the case
sees its priority, the first line of its summary and why it was closed or reopened; anyone else
(desk staff, a coordinator) sees only its type, reference, owner and that it was opened or closed.
A restricted case they may not open is one line, "Restricted case CS-…: ask <owner>": never its
type, summary or notes, nor when it closed."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from ..core.models import Staff
from ..desk.timeline import TimelineContext, TimelineItem, register_timeline_source
from . import access
from .case_types import type_record
from .models import Case, CaseActivity, CaseMember, CaseType
from .vocab import ActivityKind, CaseOutcome, CasePriority

CASE_OPENED = "case_opened"
CASE_CLOSED = "case_closed"
CASE_REOPENED = "case_reopened"
CASE_RESTRICTED = "case_restricted"  # a restricted case the viewer may not open: that it exists
OPEN_CASE = "case"

FORMER_STAFF = "a former member of staff"


def _join(*parts: str) -> str:
    return " · ".join(part for part in parts if part)


def _first_line(text: str, limit: int = 120) -> str:
    line = (text or "").strip().split("\n", 1)[0].strip()
    return line[:limit] + ("…" if len(line) > limit else "")


def _cases(context: TimelineContext) -> Iterable[TimelineItem]:
    session = context.session
    rows = session.scalars(select(Case).where(Case.resident_id == context.resident_id)).all()
    if not rows:
        return
    ids = [row.id for row in rows]
    members: dict[int, set[int]] = {case_id: set() for case_id in ids}
    for case_id, staff_id in session.execute(
            select(CaseMember.case_id, CaseMember.staff_id).where(CaseMember.case_id.in_(ids))):
        members[case_id].add(staff_id)
    owners = dict(session.execute(select(Staff.id, Staff.display_name)
                                  .where(Staff.id.in_({row.owner_id for row in rows}))).all())
    kinds = {row.id: type_record(row) for row in session.scalars(
        select(CaseType).where(CaseType.id.in_({row.case_type_id for row in rows})))}
    readable = {row.id for row in rows
                if context.actor is not None and access.may_read(context.actor, row, members[row.id])}
    shown = [row for row in rows if row.id in readable or not row.restricted]
    endings: dict[int, list[CaseActivity]] = {row.id: [] for row in shown}
    if shown:
        for activity in session.scalars(select(CaseActivity).where(
                CaseActivity.case_id.in_([row.id for row in shown]),
                CaseActivity.kind.in_([ActivityKind.CLOSED.value, ActivityKind.REOPENED.value]))
                .order_by(CaseActivity.happened_at, CaseActivity.id)):
            endings[activity.case_id].append(activity)

    for row in rows:
        owner = owners.get(row.owner_id, FORMER_STAFF)
        if row.id not in readable and row.restricted:
            yield TimelineItem(CASE_RESTRICTED, row.opened_at, f"Restricted case {row.reference}: ask {owner}",
                               "or a service manager", row.reference, OPEN_CASE, row.id)
            continue
        reads = row.id in readable
        kind = kinds[row.case_type_id]
        name = f"{kind.name} case {row.reference}"
        yield TimelineItem(
            CASE_OPENED, row.opened_at, f"{name} opened (with {owner})",
            _join(f"{CasePriority(row.priority).label} priority" if reads else "",
                  "restricted" if row.restricted else "",
                  "from a desk contact" if row.from_interaction_id else "",
                  f"by {row.opened_by}",
                  _first_line(row.summary) if reads else ""),
            row.reference, OPEN_CASE, row.id)
        closings = [a for a in endings[row.id] if a.kind == ActivityKind.CLOSED.value]
        for activity in endings[row.id]:
            if activity.kind == ActivityKind.CLOSED.value:
                # The case keeps the outcome of its latest closing only.
                latest = activity is closings[-1] and row.closed_at is not None
                outcome = CaseOutcome(row.outcome).label.lower() if latest and row.outcome else ""
                yield TimelineItem(
                    CASE_CLOSED, activity.happened_at, f"{name} closed" + (f": {outcome}" if outcome else ""),
                    _join(f"by {activity.recorded_by}", _first_line(activity.text) if reads else ""),
                    row.reference, OPEN_CASE, row.id)
            else:
                yield TimelineItem(
                    CASE_REOPENED, activity.happened_at, f"{name} reopened",
                    _join(f"by {activity.recorded_by}", _first_line(activity.text) if reads else ""),
                    row.reference, OPEN_CASE, row.id)


register_timeline_source("cases", _cases)

__all__ = ["CASE_CLOSED", "CASE_OPENED", "CASE_REOPENED", "CASE_RESTRICTED", "OPEN_CASE"]
