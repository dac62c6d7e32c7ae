"""What casework hands the screens: plain frozen records, never live rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from .vocab import TASK_CANCELLED, ActivityKind, CaseOutcome, CasePriority


@dataclass(frozen=True)
class CaseInput:
    """What opening a case asks for."""

    resident_id: int
    case_type_id: int
    summary: str
    priority: CasePriority | str = CasePriority.NORMAL
    services: tuple[str, ...] = ()  # the services involved, in words ("Housing repairs", "Universal Credit")
    representative_id: int | None = None
    from_interaction_id: int | None = None  # the desk contact escalated to advocacy
    owner_id: int | None = None  # None: whoever opens it, if they work cases; else it waits for a manager
    restricted: bool = False
    restricted_reason: str = ""


@dataclass(frozen=True)
class SlaState:
    """Where a case stands against its targets, in London dates."""

    first_response_due_on: date
    first_response_at: datetime | None
    first_response_on_time: bool | None  # None while still waiting and not yet late
    resolution_due_on: date
    resolution_on_time: bool | None  # None while open and not yet late
    first_response_overdue: bool
    resolution_overdue: bool
    working_days_left: int  # to resolution; negative when overdue; 0 for a closed case


@dataclass(frozen=True)
class ActivityRecord:
    id: int
    case_id: int
    kind: ActivityKind
    text: str
    internal: bool
    happened_at: datetime
    recorded_at: datetime
    recorded_by: str
    from_status: str
    to_status: str
    due_on: date | None
    assignee_id: int | None
    assignee_name: str
    done_at: datetime | None
    done_by: str
    interaction_id: int | None
    submission_id: int | None
    attachment_id: int | None
    attachment_name: str
    other_staff_name: str  # handed over to, reassigned to, team member added or removed
    version: int
    from_status_label: str = ""  # the statuses in the type's words; for an escalation, the level's name
    to_status_label: str = ""

    @property
    def is_open_task(self) -> bool:
        return self.kind is ActivityKind.TASK and self.done_at is None

    @property
    def was_cancelled(self) -> bool:
        return self.kind is ActivityKind.TASK and self.to_status == TASK_CANCELLED


@dataclass(frozen=True)
class TeamMember:
    staff_id: int
    name: str
    role_label: str


@dataclass(frozen=True)
class CaseRecord:
    """A case as someone allowed to read it sees it: everything, notes included."""

    id: int
    reference: str
    resident_id: int
    resident_name: str
    case_type_id: int
    case_type_name: str
    summary: str
    priority: CasePriority
    services: tuple[str, ...]
    representative_id: int | None
    representative_name: str
    status: str
    status_label: str
    next_statuses: tuple[tuple[str, str], ...]  # (code, label) the type allows from here
    owner_id: int
    owner_name: str
    team: tuple[TeamMember, ...]
    site_id: int | None
    from_interaction_id: int | None
    restricted: bool
    restricted_reason: str
    escalation_level: int
    escalation_label: str
    opened_at: datetime
    opened_by: str
    closed_at: datetime | None
    outcome: CaseOutcome | None
    outcome_reason: str
    reopen_count: int
    sla: SlaState
    activities: tuple[ActivityRecord, ...]  # oldest first
    expected: tuple[tuple[str, date, bool], ...]  # (what, due on, done yet) from the type's expected activities
    version: int
    # How to reach the resident and what they need, so the first call needs no other screen.
    resident_phone: str = ""
    resident_contact_by: str = ""  # preferred way to be contacted, in words
    resident_language: str = ""  # with "(interpreter needed)" when so
    resident_needs: str = ""  # accessibility needs

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def open_tasks(self) -> tuple[ActivityRecord, ...]:
        return tuple(a for a in self.activities if a.is_open_task)


@dataclass(frozen=True)
class CaseGlimpse:
    """What anyone who may see a resident's record learns about a case: that it exists, its
    type and state, and whom to ask. A restricted case shows only that it exists and whom to ask."""

    id: int
    reference: str
    resident_id: int
    restricted: bool
    case_type_name: str  # "" when restricted
    status_label: str  # "" when restricted
    owner_name: str
    opened_at: datetime
    closed_at: datetime | None
    may_open: bool  # whether this person may open the whole case

    @property
    def description(self) -> str:
        if self.restricted and not self.may_open:
            return f"Restricted case {self.reference}: ask {self.owner_name} or a service manager."
        state = "closed" if self.closed_at else self.status_label.lower()
        return f"{self.case_type_name} case {self.reference} ({state}), with {self.owner_name}"


@dataclass(frozen=True)
class AccessEntry:
    """One opening of a restricted case, for managers."""

    occurred_at: datetime
    who: str
    role: str
    what: str
