"""Building the records a case's screens read, inside the caller's unit of work."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.errors import NotFound
from ..core.models import Staff
from ..core.security import Role
from ..desk.attachment_models import Attachment
from ..desk.models import Representative, Resident
from ..desk.contact_details import show_phone
from ..desk.representatives import full_name
from ..desk.vocab import ContactMethod
from .calendar import WorkingCalendar, london_day
from .case_types import CaseTypeRecord, type_record
from .models import Case, CaseActivity, CaseMember, CaseType
from .records import ActivityRecord, CaseGlimpse, CaseRecord, TeamMember
from .sla import sla_state
from .vocab import CLOSED, ESCALATION_LEVELS, ActivityKind, CaseOutcome, CasePriority


def load_case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("That case no longer exists.")
    return case


def member_ids(session: Session, case_id: int) -> set[int]:
    return set(session.scalars(select(CaseMember.staff_id).where(CaseMember.case_id == case_id)))


def staff_name(session: Session, staff_id: int | None) -> str:
    if staff_id is None:
        return ""
    row = session.get(Staff, staff_id)
    return row.display_name if row else "(a former member of staff)"


def case_type_of(session: Session, case: Case) -> CaseTypeRecord:
    return type_record(session.get(CaseType, case.case_type_id))


def glimpse(session: Session, case: Case, may_open: bool) -> CaseGlimpse:
    hidden = case.restricted and not may_open
    kind = case_type_of(session, case)
    return CaseGlimpse(
        id=case.id, reference=case.reference, resident_id=case.resident_id, restricted=case.restricted,
        case_type_name="" if hidden else kind.name,
        status_label="" if hidden else kind.label_of(case.status),
        owner_name=staff_name(session, case.owner_id), opened_at=case.opened_at,
        closed_at=None if hidden else case.closed_at, may_open=may_open)


def activity_records(session: Session, case_id: int, kind: CaseTypeRecord, *,
                     include_internal: bool = True) -> tuple[ActivityRecord, ...]:
    query = select(CaseActivity).where(CaseActivity.case_id == case_id)
    if not include_internal:
        query = query.where(CaseActivity.internal.is_(False))
    rows = session.scalars(query.order_by(CaseActivity.happened_at, CaseActivity.id)).all()
    names: dict[int, str] = {}

    def name(staff_id: int | None) -> str:
        if staff_id is None:
            return ""
        if staff_id not in names:
            names[staff_id] = staff_name(session, staff_id)
        return names[staff_id]

    attachment_ids = [r.attachment_id for r in rows if r.attachment_id]
    files = dict(session.execute(select(Attachment.id, Attachment.filename).where(Attachment.id.in_(attachment_ids)))
                 .all()) if attachment_ids else {}
    return tuple(
        ActivityRecord(
            id=r.id, case_id=r.case_id, kind=ActivityKind(r.kind), text=r.text, internal=r.internal,
            happened_at=r.happened_at, recorded_at=r.recorded_at, recorded_by=name(r.staff_id) or r.recorded_by,
            from_status=r.from_status, to_status=r.to_status, due_on=r.due_on, assignee_id=r.assignee_id,
            assignee_name=name(r.assignee_id), done_at=r.done_at, done_by=r.done_by,
            interaction_id=r.interaction_id, submission_id=r.submission_id, attachment_id=r.attachment_id,
            attachment_name=files.get(r.attachment_id, "") if r.attachment_id else "",
            other_staff_name=name(r.other_staff_id), version=r.version,
            from_status_label=_status_words(kind, r.kind, r.from_status),
            to_status_label=_status_words(kind, r.kind, r.to_status))
        for r in rows)


def _status_words(kind: CaseTypeRecord, activity: str, value: str) -> str:
    if not value:
        return ""
    if activity == ActivityKind.ESCALATED.value:
        return ESCALATION_LEVELS.get(int(value), value) if value.isdigit() else value
    return kind.label_of(value)


def team(session: Session, case_id: int) -> tuple[TeamMember, ...]:
    rows = session.execute(
        select(Staff.id, Staff.display_name, Staff.role).join(CaseMember, CaseMember.staff_id == Staff.id)
        .where(CaseMember.case_id == case_id).order_by(Staff.display_name)).all()
    return tuple(TeamMember(staff_id, name, Role(role).label) for staff_id, name, role in rows)


def case_record(session: Session, case: Case, calendar: WorkingCalendar, today: date, *,
                include_internal: bool = True) -> CaseRecord:
    kind = case_type_of(session, case)
    resident = session.get(Resident, case.resident_id)
    representative = session.get(Representative, case.representative_id) if case.representative_id else None
    activities = activity_records(session, case.id, kind, include_internal=include_internal)
    done_kinds: dict[ActivityKind, int] = {}
    for activity in activities:
        if activity.kind is ActivityKind.TASK and (activity.done_at is None or activity.was_cancelled):
            continue
        done_kinds[activity.kind] = done_kinds.get(activity.kind, 0) + 1
    expected = []
    for item in kind.expected_activities:
        # Expected activities of a kind are met in order by the activities of that kind done so far.
        met = done_kinds.get(item.kind, 0) > 0
        if met:
            done_kinds[item.kind] -= 1
        expected.append((item.label, calendar.add_working_days(london_day(case.opened_at), item.within_days), met))
    closed = case.status == CLOSED
    return CaseRecord(
        id=case.id, reference=case.reference, resident_id=case.resident_id,
        resident_name=full_name(resident) if resident else "",
        case_type_id=case.case_type_id, case_type_name=kind.name, summary=case.summary,
        priority=CasePriority(case.priority), services=tuple(json.loads(case.services or "[]")),
        representative_id=case.representative_id,
        representative_name=representative.name if representative else "",
        status=case.status, status_label=kind.label_of(case.status),
        next_statuses=() if closed else tuple((code, kind.label_of(code)) for code in kind.next_statuses(case.status)),
        owner_id=case.owner_id, owner_name=staff_name(session, case.owner_id), team=team(session, case.id),
        site_id=case.site_id, from_interaction_id=case.from_interaction_id, restricted=case.restricted,
        restricted_reason=case.restricted_reason if include_internal else "",
        escalation_level=case.escalation_level,
        escalation_label=ESCALATION_LEVELS.get(case.escalation_level, ""),
        opened_at=case.opened_at, closed_at=case.closed_at,
        opened_by=session.scalar(select(Staff.display_name).where(Staff.username == case.opened_by)) or case.opened_by,
        outcome=CaseOutcome(case.outcome) if case.outcome else None, outcome_reason=case.outcome_reason,
        reopen_count=case.reopen_count,
        sla=sla_state(calendar, today, first_response_due_on=case.first_response_due_on,
                      first_response_at=case.first_response_at, resolution_due_on=case.resolution_due_on,
                      closed_at=case.closed_at),
        activities=activities, expected=tuple(expected), version=case.version,
        **_reaching(resident))


def _reaching(resident: Resident | None) -> dict[str, str]:
    if resident is None:
        return {}
    language = resident.preferred_language
    if resident.interpreter_needed:
        language = f"{language} (interpreter needed)".strip()
    contact_by = ContactMethod(resident.preferred_contact).label if resident.preferred_contact else ""
    return {"resident_phone": show_phone(resident.phone) if resident.phone else "",
            "resident_contact_by": contact_by, "resident_language": language,
            "resident_needs": resident.accessibility_needs}


def case_evidence_of(session: Session, attachment: Attachment) -> int | None:
    """The case a file was added to as evidence (not a file kept with a desk contact or request
    and linked to a case later), or None."""
    if attachment.interaction_id is not None or attachment.submission_id is not None:
        return None
    return session.scalar(select(CaseActivity.case_id).where(CaseActivity.attachment_id == attachment.id)
                          .order_by(CaseActivity.id).limit(1))
