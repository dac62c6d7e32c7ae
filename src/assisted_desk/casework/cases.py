"""Advocacy cases: opened from the desk or directly, worked on a timeline of activities, moved
through their type's statuses on an SLA clock, handed over, escalated, closed with an outcome
and, when needed, reopened.

Who may do what is access.py; the SLA clock is sla.py; the caseload lists are caseload.py.
Every change is audited, and every opening of a restricted case too (managers read that audit
with `access_log`). Changes to the case itself carry its version, so two people moving one case
at once never overwrite each other; adding a note or a contact never conflicts."""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..core.audit import record_audit
from ..core.errors import PermissionDenied, ValidationError
from ..core.models import AuditEvent, Staff
from ..core.security import Actor, Permission, Role, require
from ..core.validation import clean_text
from ..desk.models import Interaction, Representative
from ..desk.references import issue_reference, unused_reference
from ..desk.representatives import london_today, open_resident
from . import access
from . import case_timeline as _timeline  # noqa: F401  (importing it puts cases on the resident's timeline)
from .calendar import calendar_in
from .case_activities import CaseActivities
from .case_reading import case_record, case_type_of, glimpse, load_case, member_ids, staff_name
from .case_types import type_record
from .case_work import CASE_OWNERS, RECORD, check_caseworker, refuse_closed
from .models import Case, CaseActivity, CaseMember, CaseType
from .records import AccessEntry, CaseGlimpse, CaseInput, CaseRecord, TeamMember
from .sla import due_dates, resolution_due_after_reopen
from .vocab import CASE_PREFIX, CLOSED, ESCALATION_LEVELS, MAX_LEVEL, ActivityKind, CaseOutcome, CasePriority

MAX_SUMMARY = 4000
MAX_SERVICES = 12
OPENED_RESTRICTED = "case.restricted_opened"
REFUSED_RESTRICTED = "case.restricted_refused"

__all__ = ["CASE_OWNERS", "RECORD", "CaseService"]


class CaseService(CaseActivities):
    """Opening, reading and moving cases on; the timeline's methods come from CaseActivities."""

    # ---- opening and reading ----------------------------------------------------------------

    def open_case(self, actor: Actor, item: CaseInput) -> CaseGlimpse:
        """Open a case for a resident. The owner is whoever opens it when they work cases, else
        the caseworker chosen. Refuses without open-cases, an unknown or merged resident, a
        retired type, a representative not the resident's, an owner who may not work cases, and
        a summary that is empty or too long."""
        require(actor, Permission.OPEN_CASES)
        summary = clean_text(item.summary, field="summary", label="The case summary", max_length=MAX_SUMMARY)
        priority = CasePriority.parse(item.priority, field="priority", what="Priority")
        services = _clean_services(item.services)
        reason = clean_text(item.restricted_reason, field="restricted_reason", label="The reason for restricting it",
                            max_length=500, required=item.restricted)
        now = self.clock.now()
        with self._unit() as session:
            resident = open_resident(session, item.resident_id)
            kind_row = session.get(CaseType, item.case_type_id)
            if kind_row is None or not kind_row.active:
                raise ValidationError("Choose a case type that is in use.", field="case_type")
            kind = type_record(kind_row)
            if item.representative_id is not None:
                representative = session.get(Representative, item.representative_id)
                if representative is None or representative.resident_id != resident.id or representative.ended_at:
                    raise ValidationError("That representative is not a current representative of this resident.",
                                          field="representative")
            owner_id = item.owner_id if item.owner_id is not None else actor.staff_id
            if item.owner_id is None and not actor.may(Permission.WORK_CASES):
                raise ValidationError("Choose the caseworker who will own the case.", field="owner")
            check_caseworker(session, owner_id, field="owner")
            if item.from_interaction_id is not None:
                interaction = session.get(Interaction, item.from_interaction_id)
                if interaction is None or interaction.resident_id != resident.id:
                    raise ValidationError("The contact this case comes from is not one of this resident's.",
                                          field="from_interaction")
            calendar = calendar_in(session)
            first_due, resolution_due = due_dates(calendar, now, kind.first_response_days, kind.resolution_days)
            reference = unused_reference(session, CASE_PREFIX)
            case = Case(
                reference=reference, resident_id=resident.id, case_type_id=kind_row.id, summary=summary,
                priority=priority.value, services=json.dumps(services, ensure_ascii=False),
                representative_id=item.representative_id, status=kind.first_status, owner_id=owner_id,
                site_id=actor.site_id, from_interaction_id=item.from_interaction_id, restricted=item.restricted,
                restricted_reason=reason if item.restricted else "", opened_at=now, opened_by=actor.username,
                first_response_due_on=first_due, resolution_due_on=resolution_due, last_activity_at=now,
                updated_at=now, updated_by=actor.username)
            session.add(case)
            session.flush()
            issue_reference(session, self.clock, CASE_PREFIX, RECORD, case.id, resident.id, reference)
            text = f"Opened as {kind.name}" + (" from a desk contact" if item.from_interaction_id else "")
            self._activity(session, actor, case, ActivityKind.OPENED, text, to_status=kind.first_status)
            if item.from_interaction_id is not None:
                self._activity(session, actor, case, ActivityKind.INTERACTION, "The desk contact escalated to advocacy",
                               interaction_id=item.from_interaction_id)
            record_audit(session, self.clock, actor, "case.opened", RECORD, case.id,
                         f"{reference} {kind.code} for resident {resident.id}, owner {owner_id}"
                         + (", restricted" if item.restricted else ""))
            return glimpse(session, case, access.may_read(actor, case, set()))

    def caseworkers(self, actor: Actor) -> list[TeamMember]:
        """Active staff who may own and work cases, by name."""
        require(actor, Permission.OPEN_CASES)
        with self._unit() as session:
            rows = session.execute(select(Staff.id, Staff.display_name, Staff.role).where(
                Staff.active.is_(True), Staff.role.in_([r.value for r in CASE_OWNERS])).order_by(Staff.display_name))
            return [TeamMember(staff_id, name, Role(role).label) for staff_id, name, role in rows]

    def get_case(self, actor: Actor, case_id: int) -> CaseRecord:
        """The whole case. Refuses anyone who may not read it, saying whom to ask; every opening
        of a restricted case (and every refusal) is audited."""
        return self._read(actor, case_id, include_internal=True)

    def for_print(self, actor: Actor, case_id: int) -> CaseRecord:
        """The case with internal notes and the reason it is restricted left out, for a summary
        printed for the resident or a meeting."""
        return self._read(actor, case_id, include_internal=False)

    def _read(self, actor: Actor, case_id: int, *, include_internal: bool) -> CaseRecord:
        if not actor.may(Permission.OPEN_CASES) and not actor.may(Permission.WORK_CASES):
            require(actor, Permission.WORK_CASES)
        with self._unit() as session:
            case = load_case(session, case_id)
            members = member_ids(session, case.id)
            if not access.may_read(actor, case, members):
                refusal = access.refuse_reading(actor, case, staff_name(session, case.owner_id))
                if case.restricted:
                    record_audit(session, self.clock, actor, REFUSED_RESTRICTED, RECORD, case.id,
                                 f"{case.reference}: refused")
                    session.commit()
                raise refusal
            if case.restricted:
                record_audit(session, self.clock, actor, OPENED_RESTRICTED, RECORD, case.id,
                             f"{case.reference} opened" + ("" if include_internal else " for printing"))
            return case_record(session, case, calendar_in(session), london_today(self.clock),
                               include_internal=include_internal)

    def cases_for_resident(self, actor: Actor, resident_id: int) -> list[CaseGlimpse]:
        """A resident's cases, newest first, as much of each as this person may see."""
        if not actor.may(Permission.OPEN_CASES):
            require(actor, Permission.WORK_CASES)
        with self._unit() as session:
            rows = session.scalars(select(Case).where(Case.resident_id == resident_id)
                                   .order_by(Case.opened_at.desc(), Case.id.desc())).all()
            return [glimpse(session, row, access.may_read(actor, row, member_ids(session, row.id))) for row in rows]

    def access_log(self, actor: Actor, case_id: int) -> list[AccessEntry]:
        """Everyone who opened the case while it was restricted, was refused, or changed it, newest
        first. Managers only."""
        require(actor, Permission.MANAGE_ALL_CASES)
        with self._unit() as session:
            load_case(session, case_id)
            rows = session.scalars(select(AuditEvent).where(
                AuditEvent.record_type == RECORD, AuditEvent.record_id == str(case_id))
                .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())).all()
            return [AccessEntry(r.occurred_at, staff_name(session, r.staff_id) if r.staff_id else r.actor,
                                Role(r.role).label if r.role else "", _audit_words(r.action)) for r in rows]

    # ---- moving the case on -------------------------------------------------------------------

    def change_status(self, actor: Actor, case_id: int, to_status: str, note: str, version: int) -> CaseRecord:
        """Move to a status the case type allows from the current one. Closing is `close_case`."""
        require(actor, Permission.WORK_CASES)  # the role first: before any input is judged
        note = clean_text(note, field="note", label="The note", max_length=2000, required=False)
        with self._unit() as session:
            case, _ = self._runnable(session, actor, case_id, version)
            refuse_closed(case)
            kind = case_type_of(session, case)
            if to_status not in kind.next_statuses(case.status):
                allowed = ", ".join(kind.label_of(s) for s in kind.next_statuses(case.status)) or "none"
                raise ValidationError(f"A {kind.name} case cannot go from {kind.label_of(case.status)} to "
                                      f"{kind.label_of(to_status)}. From here it can go to: {allowed}.", field="status")
            self._activity(session, actor, case, ActivityKind.STATUS, note, from_status=case.status,
                           to_status=to_status)
            old, case.status = case.status, to_status
            self._touch(case, actor)
            record_audit(session, self.clock, actor, "case.status_changed", RECORD, case.id,
                         f"{case.reference} {old} -> {to_status}")
            return self._record(session, case)

    def hand_over(self, actor: Actor, case_id: int, to_staff_id: int, note: str, version: int) -> CaseRecord:
        """The owner passes the case to another caseworker, with a note for them. Refuses anyone
        but the owner or a manager, no note, and someone who may not work cases."""
        require(actor, Permission.WORK_CASES)  # the role first: before any input is judged
        note = clean_text(note, field="note", label="The handover note", max_length=2000)
        with self._unit() as session:
            case, _ = self._checked_case(session, actor, case_id, version)
            if actor.staff_id != case.owner_id and not access.sees_all(actor):
                raise PermissionDenied(f"Only the owner of {case.reference} ({staff_name(session, case.owner_id)}) "
                                       "hands it over; a service manager can reassign it.")
            return self._change_owner(session, actor, case, to_staff_id, note, ActivityKind.HANDOVER, "case.handed_over")

    def reassign(self, actor: Actor, case_id: int, to_staff_id: int, reason: str, version: int) -> CaseRecord:
        """A manager gives the case to another caseworker (absence, workload). Managers only."""
        require(actor, Permission.MANAGE_ALL_CASES)
        reason = clean_text(reason, field="reason", label="The reason", max_length=2000)
        with self._unit() as session:
            case, _ = self._checked_case(session, actor, case_id, version)
            return self._change_owner(session, actor, case, to_staff_id, reason, ActivityKind.REASSIGNED,
                                      "case.reassigned")

    def _change_owner(self, session: Session, actor: Actor, case: Case, to_staff_id: int, note: str,
                      kind: ActivityKind, action: str) -> CaseRecord:
        refuse_closed(case)
        if to_staff_id == case.owner_id:
            raise ValidationError(f"{staff_name(session, to_staff_id)} already owns {case.reference}.", field="owner")
        check_caseworker(session, to_staff_id, field="owner")
        old = case.owner_id
        self._activity(session, actor, case, kind, note, other_staff_id=to_staff_id)
        case.owner_id = to_staff_id
        # The new owner is not also a team member; the previous one leaves the case (add them to
        # the team to keep them on it): a handover is a handover, and a restricted case closes to them.
        session.execute(delete(CaseMember).where(CaseMember.case_id == case.id, CaseMember.staff_id == to_staff_id))
        self._touch(case, actor)
        record_audit(session, self.clock, actor, action, RECORD, case.id, f"{case.reference} staff {old} -> {to_staff_id}")
        return self._record(session, case)

    def escalate(self, actor: Actor, case_id: int, level: int, reason: str, version: int) -> CaseRecord:
        """Escalate to a higher level (1 team leader, 2 service manager, 3 head of service) with a
        reason; the level and time are recorded. Refuses a level not above the current one."""
        require(actor, Permission.WORK_CASES)  # the role first: before any input is judged
        reason = clean_text(reason, field="reason", label="The reason for escalating", max_length=2000)
        if isinstance(level, bool) or not isinstance(level, int) or level not in ESCALATION_LEVELS:
            raise ValidationError(f"Escalation levels are 1 to {MAX_LEVEL}.", field="level")
        with self._unit() as session:
            case, _ = self._runnable(session, actor, case_id, version)
            refuse_closed(case)
            if level <= case.escalation_level:
                raise ValidationError(f"{case.reference} is already escalated to "
                                      f"{ESCALATION_LEVELS[case.escalation_level].lower()}.", field="level")
            self._activity(session, actor, case, ActivityKind.ESCALATED, reason,
                           from_status=str(case.escalation_level), to_status=str(level))
            case.escalation_level = level
            self._touch(case, actor)
            record_audit(session, self.clock, actor, "case.escalated", RECORD, case.id, f"{case.reference} level {level}")
            return self._record(session, case)

    def add_team_member(self, actor: Actor, case_id: int, staff_id: int) -> CaseRecord:
        """Name a caseworker on the case's team (they may then open it even when restricted)."""
        with self._unit() as session:
            case, _ = self._runnable(session, actor, case_id)
            check_caseworker(session, staff_id, field="team")
            if staff_id == case.owner_id or session.scalar(
                    select(CaseMember).where(CaseMember.case_id == case.id, CaseMember.staff_id == staff_id)):
                raise ValidationError(f"{staff_name(session, staff_id)} is already on {case.reference}.", field="team")
            session.add(CaseMember(case_id=case.id, staff_id=staff_id, added_at=self.clock.now(),
                                   added_by=actor.username))
            self._activity(session, actor, case, ActivityKind.TEAM, "Added to the team", other_staff_id=staff_id)
            record_audit(session, self.clock, actor, "case.team_added", RECORD, case.id, f"{case.reference} staff {staff_id}")
            return self._record(session, case)

    def remove_team_member(self, actor: Actor, case_id: int, staff_id: int) -> CaseRecord:
        with self._unit() as session:
            case, _ = self._runnable(session, actor, case_id)
            row = session.scalar(select(CaseMember).where(CaseMember.case_id == case.id, CaseMember.staff_id == staff_id))
            if row is None:
                raise ValidationError(f"{staff_name(session, staff_id)} is not on {case.reference}'s team.", field="team")
            session.delete(row)
            self._activity(session, actor, case, ActivityKind.TEAM, "Taken off the team", other_staff_id=staff_id)
            record_audit(session, self.clock, actor, "case.team_removed", RECORD, case.id,
                         f"{case.reference} staff {staff_id}")
            return self._record(session, case)

    def set_restricted(self, actor: Actor, case_id: int, restricted: bool, reason: str, version: int) -> CaseRecord:
        """Restrict a case (a reason is needed) or lift the restriction. The owner or a manager."""
        require(actor, Permission.WORK_CASES)  # the role first: before any input is judged
        reason = clean_text(reason, field="reason", label="The reason", max_length=500)
        with self._unit() as session:
            case, _ = self._checked_case(session, actor, case_id, version)
            if actor.staff_id != case.owner_id and not access.sees_all(actor):
                raise PermissionDenied(f"Only the owner of {case.reference} or a service manager changes who may open it.")
            if case.restricted == restricted:
                raise ValidationError(f"{case.reference} is already {'restricted' if restricted else 'open to the team'}.",
                                      field="restricted")
            case.restricted = restricted
            case.restricted_reason = reason if restricted else ""
            self._activity(session, actor, case, ActivityKind.RESTRICTION,
                           ("Restricted: " if restricted else "Restriction lifted: ") + reason, internal=True)
            self._touch(case, actor)
            record_audit(session, self.clock, actor, "case.restricted" if restricted else "case.unrestricted", RECORD,
                         case.id, case.reference)
            return self._record(session, case)

    def close_case(self, actor: Actor, case_id: int, outcome: CaseOutcome | str, reason: str, version: int) -> CaseRecord:
        """Close with an outcome: resolved, partly resolved, not resolved (a reason is needed) or
        withdrawn. Refuses a case with tasks still open (finish or cancel them first)."""
        require(actor, Permission.WORK_CASES)  # the role first: before any input is judged
        outcome = CaseOutcome.parse(outcome, field="outcome", what="Outcome")
        reason = clean_text(reason, field="reason", label="The reason it was not resolved", max_length=2000,
                            required=outcome is CaseOutcome.NOT_RESOLVED)
        with self._unit() as session:
            case, _ = self._runnable(session, actor, case_id, version)
            refuse_closed(case)
            open_tasks = session.scalar(select(func.count()).select_from(CaseActivity).where(
                CaseActivity.case_id == case.id, CaseActivity.kind == ActivityKind.TASK.value,
                CaseActivity.done_at.is_(None))) or 0
            if open_tasks:
                raise ValidationError(f"{case.reference} has {open_tasks} open task{'s' if open_tasks > 1 else ''}: "
                                      "mark each done or cancelled before closing.", field="outcome")
            now = self.clock.now()
            self._activity(session, actor, case, ActivityKind.CLOSED, reason, from_status=case.status, to_status=CLOSED)
            case.status = CLOSED
            case.closed_at = now
            case.outcome = outcome.value
            case.outcome_reason = reason
            self._touch(case, actor)
            record_audit(session, self.clock, actor, "case.closed", RECORD, case.id, f"{case.reference} {outcome.value}")
            return self._record(session, case)

    def reopen_case(self, actor: Actor, case_id: int, reason: str, version: int) -> CaseRecord:
        """Reopen a closed case (the reopen shows on its timeline and is counted). Its resolution
        clock carries on from where it stopped: the working days it spent closed are added."""
        require(actor, Permission.WORK_CASES)  # the role first: before any input is judged
        reason = clean_text(reason, field="reason", label="The reason for reopening", max_length=2000)
        with self._unit() as session:
            case, _ = self._runnable(session, actor, case_id, version)
            if case.closed_at is None:
                raise ValidationError(f"{case.reference} is open.", field="status")
            kind = case_type_of(session, case)
            now = self.clock.now()
            case.resolution_due_on = resolution_due_after_reopen(calendar_in(session), case.resolution_due_on,
                                                                 case.closed_at, now)
            self._activity(session, actor, case, ActivityKind.REOPENED, reason, from_status=CLOSED,
                           to_status=kind.first_status)
            case.status = kind.first_status
            case.closed_at = None
            case.outcome = ""
            case.outcome_reason = ""
            case.reopen_count += 1
            self._touch(case, actor)
            record_audit(session, self.clock, actor, "case.reopened", RECORD, case.id, case.reference)
            return self._record(session, case)


def _clean_services(services: Sequence[str]) -> list[str]:
    cleaned: list[str] = []
    for service in services:
        text = clean_text(service, field="services", label="A service involved", max_length=120, required=False)
        if text and text.casefold() not in {s.casefold() for s in cleaned}:
            cleaned.append(text)
    if len(cleaned) > MAX_SERVICES:
        raise ValidationError(f"List at most {MAX_SERVICES} services involved.", field="services")
    return cleaned


def _audit_words(action: str) -> str:
    """"Opened", "Refused", or what was done ("Task added", "Status changed")."""
    if action == OPENED_RESTRICTED:
        return "Opened"
    if action == REFUSED_RESTRICTED:
        return "Refused"
    return action.removeprefix("case.").replace("_", " ").capitalize()
